// The addresses of a network interface, for rules such as "only clients on ap0 may set the clock".
#pragma once

#include <string>
#include <vector>

#include "core/access.hpp"
#include "os/error.hpp"

namespace lansync::os {

// The IPv4 and IPv6 addresses of the interface called name (getifaddrs), each
// as a prefix whose base is the interface's own address and whose length is
// its network's (from the netmask).  Fails when no such interface exists;
// an interface that is down or has no address gives an empty list.
OsResult<std::vector<core::Cidr>> interface_addresses(const std::string& name);

}  // namespace lansync::os
