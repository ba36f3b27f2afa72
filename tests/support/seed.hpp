// Random inputs for tests with a printed seed: a failure can be replayed with
// LANSYNC_TEST_SEED=<seed>.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>

namespace lansync::testing {

inline std::mt19937_64 seeded_rng() {
  uint64_t seed = 0;
  if (const char* env = std::getenv("LANSYNC_TEST_SEED")) {
    seed = std::strtoull(env, nullptr, 10);
  } else {
    seed = (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  }
  std::cout << "[ seed     ] LANSYNC_TEST_SEED=" << seed << "\n";
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return std::mt19937_64(seed);
}

}  // namespace lansync::testing
