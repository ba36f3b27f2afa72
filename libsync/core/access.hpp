// Access control for the server: which client addresses may be answered.
//
// An ordered list of allow/deny rules on address prefixes, as chrony's
// allow/deny directives: the most specific matching prefix decides, and of
// two rules on the same prefix the later one wins.  An address no rule
// matches is denied.  Pure: addresses arrive as bytes; parsing text is the os
// layer's (os/net_address.hpp parse_cidr).
#pragma once

#include <cstdint>
#include <vector>

namespace lansync::core {

// An IPv4 or IPv6 address as bytes in network order.
struct IpAddress {
  uint8_t family = 0;      // 4 or 6; 0 = none
  uint8_t bytes[16] = {};  // IPv4 uses the first 4

  friend bool operator==(const IpAddress& a, const IpAddress& b);
};

// A prefix: the first prefix_len bits of base.
struct Cidr {
  IpAddress base;
  uint8_t prefix_len = 0;  // 0..32 for IPv4, 0..128 for IPv6
};

// True when address lies within cidr (same family, first prefix_len bits equal).
bool cidr_contains(const Cidr& cidr, const IpAddress& address);

class AccessList {
 public:
  void allow(const Cidr& cidr) { rules_.push_back({cidr, true}); }
  void deny(const Cidr& cidr) { rules_.push_back({cidr, false}); }
  bool allowed(const IpAddress& address) const;

  // The networks a LAN server answers by default: loopback, 10/8,
  // 172.16/12, 192.168/16, 169.254/16, fc00::/7 and fe80::/10.
  static AccessList lan_default();

 private:
  struct Rule {
    Cidr cidr;
    bool allow;
  };
  std::vector<Rule> rules_;
};

}  // namespace lansync::core
