// Unit tests of access control (core/access) and CIDR parsing (os/net_address).
#include <gtest/gtest.h>

#include "../support/ip.hpp"
#include "core/access.hpp"
#include "os/net_address.hpp"

namespace lansync::core {
namespace {

using testing::cidr;
using testing::ip;

TEST(Access, LanDefaultsAllowPrivateAndLinkLocalNetworks) {
  AccessList a = AccessList::lan_default();
  for (const char* yes : {"127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                          "192.168.4.1", "169.254.10.20", "::1", "fd00::1", "fc12::3", "fe80::1234"}) {
    EXPECT_TRUE(a.allowed(ip(yes))) << yes;
  }
  for (const char* no :
       {"8.8.8.8", "172.32.0.1", "192.169.0.1", "11.0.0.1", "2001:db8::1", "fec0::1", "::2"}) {
    EXPECT_FALSE(a.allowed(ip(no))) << no;
  }
}

TEST(Access, MostSpecificRuleWins) {
  AccessList a = AccessList::lan_default();
  a.deny(cidr("192.168.4.0/24"));
  a.allow(cidr("192.168.4.7"));
  EXPECT_TRUE(a.allowed(ip("192.168.5.1")));
  EXPECT_FALSE(a.allowed(ip("192.168.4.1")));
  EXPECT_TRUE(a.allowed(ip("192.168.4.7")));
}

TEST(Access, LaterRuleOnTheSamePrefixWins) {
  AccessList a;
  a.allow(cidr("10.0.0.0/8"));
  a.deny(cidr("10.0.0.0/8"));
  EXPECT_FALSE(a.allowed(ip("10.1.1.1")));
  a.allow(cidr("10.0.0.0/8"));
  EXPECT_TRUE(a.allowed(ip("10.1.1.1")));
}

TEST(Access, EverythingCanBeAllowed) {
  AccessList a;
  a.allow(cidr("0.0.0.0/0"));
  a.allow(cidr("::/0"));
  EXPECT_TRUE(a.allowed(ip("8.8.8.8")));
  EXPECT_TRUE(a.allowed(ip("2001:db8::1")));
}

TEST(Access, FamiliesDoNotMix) {
  AccessList a;
  a.allow(cidr("0.0.0.0/0"));
  EXPECT_FALSE(a.allowed(ip("::1")));
}

TEST(Access, OddPrefixLengths) {
  Cidr c = cidr("172.16.0.0/12");
  EXPECT_TRUE(cidr_contains(c, ip("172.31.1.1")));
  EXPECT_FALSE(cidr_contains(c, ip("172.32.1.1")));
  Cidr v6 = cidr("fe80::/10");
  EXPECT_TRUE(cidr_contains(v6, ip("febf::1")));
  EXPECT_FALSE(cidr_contains(v6, ip("fec0::1")));
}

TEST(Access, BadCidrsAreRefusedWithAReason) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0/8", "::/129", "host/8", "10.0.0.0/", "10.0.0.0/x", ""}) {
    auto c = os::parse_cidr(bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.error().message.find(bad), std::string::npos) << c.error().message;
  }
}

}  // namespace
}  // namespace lansync::core
