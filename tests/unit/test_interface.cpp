// Unit tests of reading an interface's addresses (os/net_interface), on the loopback.
#include <gtest/gtest.h>

#include "core/phone.hpp"
#include "os/net_address.hpp"
#include "os/net_interface.hpp"

namespace lansync::os {
namespace {

TEST(Interface, LoopbackHasItsNetwork) {
  auto addrs = interface_addresses("lo");
  ASSERT_TRUE(addrs.ok()) << addrs.error().message;
  auto loopback = parse_cidr("127.0.0.1/8");
  bool found = false;
  for (const core::Cidr& c : *addrs) {
    if (c.base == loopback->base && c.prefix_len == 8) found = true;
  }
  if (!found) GTEST_SKIP() << "lo has no 127.0.0.1/8 here";
  // What --http-set-interface lo allows: loopback clients that came in on 127.0.0.1.
  core::SetAccess a;
  a.interfaces_configured = true;
  a.interface_addresses = *addrs;
  EXPECT_TRUE(core::may_set_clock(a, parse_cidr("127.0.0.2")->base, loopback->base));
  EXPECT_FALSE(core::may_set_clock(a, parse_cidr("192.0.2.1")->base, loopback->base));
}

TEST(Interface, MissingInterfaceIsNamed) {
  auto addrs = interface_addresses("nosuchif0");
  ASSERT_FALSE(addrs.ok());
  EXPECT_NE(addrs.error().message.find("no network interface 'nosuchif0'"), std::string::npos)
      << addrs.error().message;
}

}  // namespace
}  // namespace lansync::os
