// Fuzz targets for two text fields read from outside: a camera's CCAPI date and a key file's line;
// see targets.hpp.
//
// ccapi_date, for any input: parse_ccapi_date refuses it for its text, or gives fields that
// format back to a string that parses to the same fields, whose UTC (with and without summer
// time) converts back to them.  key_line, for any input: parse_key_line says why or gives a key
// whose ID is 1 or more and whose size the status allows, the fields pointing inside the line,
// and a refused line leaves the key as it was; os::KeyRing::parse, taking the line as a key file,
// refuses it with one line of text or takes it.
#include <cstring>
#include <initializer_list>
#include <string>

#include "codec/ccapi_date.hpp"
#include "os/crypto_keys.hpp"
#include "proto/keys.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

bool inside(const char* p, size_t n, const char* line, size_t size) {
  return p == nullptr || (p >= line && p + n <= line + size);
}

}  // namespace

bool same_date(const codec::CcapiDate& a, const codec::CcapiDate& b) {
  return a.year == b.year && a.month == b.month && a.day == b.day && a.hour == b.hour &&
         a.minute == b.minute && a.second == b.second && a.zone_min == b.zone_min;
}

int ccapi_date(const uint8_t* data, size_t size) {
  constexpr Require require{"ccapi_date"};
  const char* text = reinterpret_cast<const char*>(data);
  auto d = codec::parse_ccapi_date(text, size);
  if (!d) {
    require(d.error() != codec::CcapiDateError::BufferTooSmall, "a refusal is about the text");
    return 0;
  }
  char out[64];
  auto n = codec::format_ccapi_date(*d, out, sizeof(out));
  require(n.ok(), "parsed fields format");
  auto again = codec::parse_ccapi_date(out, *n);
  require(again.ok() && same_date(*again, *d), "the formatted string parses to the same fields");
  for (bool dst : {false, true}) {
    auto unix_s = codec::ccapi_date_to_unix(*d, dst);
    if (!unix_s) continue;
    auto back = codec::ccapi_date_from_unix(*unix_s, d->zone_min, dst);
    require(back.ok() && same_date(*back, *d), "UTC converts back to the same fields");
  }
  return 0;
}

int key_line(const uint8_t* data, size_t size) {
  constexpr Require require{"key_line"};
  const char* line = reinterpret_cast<const char*>(data);
  proto::Key key;
  key.id = 0xA5A5;
  key.size = 7;
  key.bytes[0] = 0xA5;
  const proto::Key before = key;
  proto::KeyLine k = proto::parse_key_line(line, size, &key);
  // The line as a whole key file: refused with one line of text, whatever the line holds.
  if (auto ring = os::KeyRing::parse(std::string(line, size), "fuzz.keys"); !ring) {
    require(one_printable_line(ring.error().message), "a refusal is one line of text");
  }
  require(std::strcmp(proto::describe(k.status), "unknown") != 0, "every status has a reason");
  require(
      inside(k.id_field, k.id_field_size, line, size) && inside(k.type_field, k.type_field_size, line, size),
      "the fields point inside the line");
  if (k.status != proto::KeyLineStatus::Ok) {
    require(key.id == before.id && key.size == before.size && key.type == before.type &&
                std::memcmp(key.bytes, before.bytes, sizeof(key.bytes)) == 0,
            "a refused line leaves the key as it was");
    return 0;
  }
  require(k.id >= 1 && key.id == k.id, "an ID of 1 or more, the key's");
  require(k.key_size >= 1 && k.key_size <= proto::kMaxKeySize && key.size == k.key_size,
          "a key of 1 to 64 bytes");
  return 0;
}

}  // namespace lansync::fuzz
