// Access control; see access.hpp.
#include "core/access.hpp"

namespace lansync::core {

bool operator==(const IpAddress& a, const IpAddress& b) {
  if (a.family != b.family) return false;
  int n = a.family == 4 ? 4 : 16;
  for (int i = 0; i < n; ++i) {
    if (a.bytes[i] != b.bytes[i]) return false;
  }
  return true;
}

bool cidr_contains(const Cidr& cidr, const IpAddress& address) {
  if (cidr.base.family != address.family) return false;
  int bits = cidr.prefix_len;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    auto mask = static_cast<uint8_t>(bits >= 8 ? 0xFF : 0xFF << (8 - bits));
    if ((cidr.base.bytes[i] & mask) != (address.bytes[i] & mask)) return false;
  }
  return true;
}

bool AccessList::allowed(const IpAddress& address) const {
  bool decision = false;
  int best = -1;
  for (const Rule& r : rules_) {
    if (r.cidr.prefix_len >= best && cidr_contains(r.cidr, address)) {
      best = r.cidr.prefix_len;
      decision = r.allow;
    }
  }
  return decision;
}

AccessList AccessList::lan_default() {
  // A prefix given by its first two bytes, which is all these need.
  auto prefix = [](uint8_t family, uint8_t a, uint8_t b, uint8_t len) {
    Cidr c;
    c.base.family = family;
    c.base.bytes[0] = a;
    c.base.bytes[1] = b;
    c.prefix_len = len;
    return c;
  };
  Cidr loopback6 = prefix(6, 0, 0, 128);
  loopback6.base.bytes[15] = 1;
  AccessList list;
  for (const Cidr& c :
       {prefix(4, 127, 0, 8), prefix(4, 10, 0, 8), prefix(4, 172, 16, 12), prefix(4, 192, 168, 16),
        prefix(4, 169, 254, 16), loopback6, prefix(6, 0xfc, 0, 7), prefix(6, 0xfe, 0x80, 10)}) {
    list.allow(c);
  }
  return list;
}

}  // namespace lansync::core
