// Text output without a C library; see text.hpp.
#include "firmware/board/text.hpp"

#include "codec/calendar.hpp"
#include "codec/timestamp.hpp"

namespace lansync::fw {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Writes v (< 10^width) with exactly width digits, zero-padded.
void put_padded(TextWriter& w, uint64_t v, unsigned width) {
  char digits[20];
  for (unsigned i = 0; i < width; ++i) {
    digits[width - 1 - i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  w.put(digits, width);
}

}  // namespace

size_t text_length(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

bool text_equals(const char* a, size_t n, const char* b) {
  for (size_t i = 0; i < n; ++i) {
    if (b[i] == '\0' || a[i] != b[i]) return false;
  }
  return b[n] == '\0';
}

bool text_equals_nocase(const char* a, size_t n, const char* b) {
  for (size_t i = 0; i < n; ++i) {
    if (b[i] == '\0' || lower(a[i]) != lower(b[i])) return false;
  }
  return b[n] == '\0';
}

bool parse_decimal(const char* s, size_t n, int64_t* out) {
  if (n == 0 || n > 18) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

TextWriter::TextWriter(char* buffer, size_t capacity) : buffer_(buffer), capacity_(capacity) {
  if (capacity_ > 0) buffer_[0] = '\0';
}

TextWriter& TextWriter::put(char c) {
  if (size_ + 1 >= capacity_) {
    overflow_ = true;
    return *this;
  }
  buffer_[size_++] = c;
  buffer_[size_] = '\0';
  return *this;
}

TextWriter& TextWriter::put(const char* text) {
  while (*text != '\0') put(*text++);
  return *this;
}

TextWriter& TextWriter::put(const char* text, size_t n) {
  for (size_t i = 0; i < n; ++i) put(text[i]);
  return *this;
}

TextWriter& TextWriter::put_int(int64_t v) {
  // The magnitude as unsigned, so that INT64_MIN prints too.
  uint64_t m = v < 0 ? ~static_cast<uint64_t>(v) + 1 : static_cast<uint64_t>(v);
  char digits[20];
  unsigned n = 0;
  do {
    digits[n++] = static_cast<char>('0' + m % 10);
    m /= 10;
  } while (m != 0);
  if (v < 0) put('-');
  while (n > 0) put(digits[--n]);
  return *this;
}

TextWriter& TextWriter::put_seconds(int64_t ns, unsigned decimals, bool plus_sign) {
  if (decimals > 9) decimals = 9;
  uint64_t m = ns < 0 ? ~static_cast<uint64_t>(ns) + 1 : static_cast<uint64_t>(ns);
  if (ns < 0) {
    put('-');
  } else if (plus_sign) {
    put('+');
  }
  put_int(static_cast<int64_t>(m / 1'000'000'000u));
  if (decimals == 0) return *this;
  put('.');
  uint64_t frac = m % 1'000'000'000u;
  for (unsigned i = decimals; i < 9; ++i) frac /= 10;
  put_padded(*this, frac, decimals);
  return *this;
}

TextWriter& TextWriter::put_iso8601(int64_t unix_ns, unsigned decimals) {
  int64_t s = unix_ns / codec::kNsPerSecond;
  int64_t sub = unix_ns % codec::kNsPerSecond;
  if (sub < 0) {
    sub += codec::kNsPerSecond;
    --s;
  }
  codec::CivilTime t = codec::civil_from_unix_seconds(s);
  put_int(t.year);
  put('-');
  put_padded(*this, t.month, 2);
  put('-');
  put_padded(*this, t.day, 2);
  put('T');
  put_padded(*this, t.hour, 2);
  put(':');
  put_padded(*this, t.minute, 2);
  put(':');
  put_padded(*this, t.second, 2);
  if (decimals > 9) decimals = 9;
  if (decimals > 0) {
    put('.');
    auto frac = static_cast<uint64_t>(sub);
    for (unsigned i = decimals; i < 9; ++i) frac /= 10;
    put_padded(*this, frac, decimals);
  }
  return put('Z');
}

TextWriter& TextWriter::put_json_string(const char* text) {
  static constexpr char kHex[] = "0123456789abcdef";
  put('"');
  for (; *text != '\0'; ++text) {
    auto c = static_cast<unsigned char>(*text);
    if (c == '"' || c == '\\') {
      put('\\');
      put(static_cast<char>(c));
    } else if (c < 0x20) {
      put("\\u00");
      put(kHex[c >> 4]);
      put(kHex[c & 15]);
    } else {
      put(static_cast<char>(c));
    }
  }
  return put('"');
}

}  // namespace lansync::fw
