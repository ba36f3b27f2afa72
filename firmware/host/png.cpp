// An uncompressed 8-bit RGB PNG encoder; see png.hpp.
#include "png.hpp"

#include <algorithm>
#include <cstddef>

#include "firmware/board/sleep.hpp"

namespace lansync::host {
namespace {

constexpr size_t kStoredBlockMax = 65535;  // deflate's stored block: a 16-bit length

void put32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xFF));
}

// One chunk: length, type, data, CRC-32 of type and data (PNG 1.2, 3.2).
void put_chunk(std::string* out, const char* type, const std::string& data) {
  std::string body = std::string(type, 4) + data;
  put32(out, static_cast<uint32_t>(data.size()));
  out->append(body);
  put32(out, fw::crc32(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
}

uint32_t adler32(const std::string& data) {
  uint32_t a = 1, b = 0;
  for (char ch : data) {
    uint32_t c = static_cast<uint8_t>(ch);
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

// The zlib stream (RFC 1950) of raw in stored deflate blocks (RFC 1951, 3.2.4).
std::string zlib_stored(const std::string& raw) {
  std::string z = "\x78\x01";  // deflate, 32 KB window; no dictionary; check bits
  size_t pos = 0;
  do {
    size_t n = std::min(kStoredBlockMax, raw.size() - pos);
    bool last = pos + n == raw.size();
    z.push_back(last ? 1 : 0);
    z.push_back(static_cast<char>(n & 0xFF));
    z.push_back(static_cast<char>(n >> 8));
    z.push_back(static_cast<char>(~n & 0xFF));
    z.push_back(static_cast<char>((~n >> 8) & 0xFF));
    z.append(raw, pos, n);
    pos += n;
  } while (pos < raw.size());
  put32(&z, adler32(raw));
  return z;
}

}  // namespace

std::string encode_png(uint32_t width, uint32_t height, const uint8_t* rgb) {
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string header;
  put32(&header, width);
  put32(&header, height);
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, no filter, no interlace
  put_chunk(&png, "IHDR", header);
  std::string raw;
  const size_t stride = size_t{width} * 3;
  for (uint32_t y = 0; y < height; ++y) {
    raw.push_back('\0');  // filter type 0 (none)
    raw.append(reinterpret_cast<const char*>(rgb + y * stride), stride);
  }
  put_chunk(&png, "IDAT", zlib_stored(raw));
  put_chunk(&png, "IEND", "");
  return png;
}

}  // namespace lansync::host
