// Two symmetric keys for the client tests: 1, shared by client and server, and 2, a forger's.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "os/crypto_keys.hpp"

namespace lansync::testing {

// Keys 1 and 2 (SHA256) in a libsodium key ring.
inline std::unique_ptr<os::KeyRing> client_test_keys() {
  auto r = os::KeyRing::parse(
      "1 SHA256 HEX:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
      "2 SHA256 HEX:ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
      "test keys");
  EXPECT_TRUE(r.ok());
  return std::move(*r);
}

}  // namespace lansync::testing
