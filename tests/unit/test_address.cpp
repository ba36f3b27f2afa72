// Unit tests of address parsing (os/net_address).
#include <gtest/gtest.h>

#include "os/net_address.hpp"

namespace lansync::os {
namespace {

TEST(Address, Forms) {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
  } cases[] = {
      {"192.168.4.1", "192.168.4.1", 123},
      {"192.168.4.1:1123", "192.168.4.1", 1123},
      {"pi.local", "pi.local", 123},
      {"pi.local:5000", "pi.local", 5000},
      {"[::1]:1123", "::1", 1123},
      {"[fe80::1%wlan0]", "fe80::1%wlan0", 123},
      {"::1", "::1", 123},
      {"fd00::4:1", "fd00::4:1", 123},
  };
  for (const Case& c : cases) {
    auto hp = parse_host_port(c.text, 123);
    ASSERT_TRUE(hp.ok()) << c.text << ": " << hp.error().message;
    EXPECT_EQ(hp->host, c.host) << c.text;
    EXPECT_EQ(hp->port, c.port) << c.text;
  }
}

TEST(Address, BadFormsSayWhatIsWrong) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "empty address"},
      {"host:", "bad port '' in 'host:'"},
      {"host:0", "bad port '0' in 'host:0'"},
      {"host:70000", "bad port '70000' in 'host:70000'"},
      {"host:12x", "bad port '12x' in 'host:12x'"},
      {"[::1", "missing ']' in '[::1'"},
      {"[::1]x", "unexpected 'x' after ']' in '[::1]x'"},
      {":123", "missing host in ':123'"},
      {"[]:123", "missing host in '[]:123'"},
  };
  for (const Case& c : cases) {
    auto hp = parse_host_port(c.text, 123);
    ASSERT_FALSE(hp.ok()) << c.text;
    EXPECT_EQ(hp.error().message, c.message);
  }
}

TEST(Address, PortZeroOnlyWhenAllowed) {
  EXPECT_TRUE(parse_host_port("127.0.0.1:0", 123, true).ok());
  EXPECT_FALSE(parse_host_port("127.0.0.1:0", 123, false).ok());
}

TEST(Address, ResolvesNumericAddresses) {
  auto v4 = resolve({"127.0.0.1", 1123});
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->front().to_string(), "127.0.0.1:1123");
  EXPECT_EQ(v4->front().ipv4(), 0x7F000001u);
  auto v6 = resolve({"::1", 1123});
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->front().to_string(), "[::1]:1123");
  EXPECT_EQ(v6->front().ipv4(), 0u);
}

}  // namespace
}  // namespace lansync::os
