// Addresses and prefixes from text for tests: "192.168.4.1", "fd00::/8" (os/net_address.hpp parse_cidr).
#pragma once

#include <gtest/gtest.h>

#include "core/access.hpp"
#include "os/net_address.hpp"

namespace lansync::testing {

inline core::IpAddress ip(const char* text) {
  auto c = os::parse_cidr(text);
  EXPECT_TRUE(c.ok()) << text;
  return c->base;
}

inline core::Cidr cidr(const char* text) {
  auto c = os::parse_cidr(text);
  EXPECT_TRUE(c.ok()) << text;
  return *c;
}

}  // namespace lansync::testing
