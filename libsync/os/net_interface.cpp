// Interface addresses; see net_interface.hpp.
#include "os/net_interface.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>

namespace lansync::os {
namespace {

// The number of leading one bits of a netmask.
uint8_t prefix_length(const uint8_t* mask, int bytes) {
  uint8_t n = 0;
  for (int i = 0; i < bytes; ++i) {
    for (int bit = 7; bit >= 0; --bit) {
      if ((mask[i] >> bit & 1) == 0) return n;
      ++n;
    }
  }
  return n;
}

}  // namespace

OsResult<std::vector<core::Cidr>> interface_addresses(const std::string& name) {
  if (if_nametoindex(name.c_str()) == 0) return errno_error("no network interface '" + name + "'");
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return errno_error("cannot list the network interfaces (getifaddrs)");
  std::vector<core::Cidr> out;
  for (ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
    if (ifa->ifa_addr == nullptr || ifa->ifa_netmask == nullptr || name != ifa->ifa_name) continue;
    core::Cidr c;
    if (ifa->ifa_addr->sa_family == AF_INET) {
      sockaddr_in addr{}, mask{};
      std::memcpy(&addr, ifa->ifa_addr, sizeof addr);
      std::memcpy(&mask, ifa->ifa_netmask, sizeof mask);
      c.base.family = 4;
      std::memcpy(c.base.bytes, &addr.sin_addr, 4);
      c.prefix_len = prefix_length(reinterpret_cast<const uint8_t*>(&mask.sin_addr), 4);
    } else if (ifa->ifa_addr->sa_family == AF_INET6) {
      sockaddr_in6 addr{}, mask{};
      std::memcpy(&addr, ifa->ifa_addr, sizeof addr);
      std::memcpy(&mask, ifa->ifa_netmask, sizeof mask);
      c.base.family = 6;
      std::memcpy(c.base.bytes, &addr.sin6_addr, 16);
      c.prefix_len = prefix_length(reinterpret_cast<const uint8_t*>(&mask.sin6_addr), 16);
    } else {
      continue;
    }
    out.push_back(c);
  }
  freeifaddrs(list);
  return out;
}

}  // namespace lansync::os
