// Tests of the firmware's 128-bit arithmetic against the compiler's __int128, with random inputs.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

#include "firmware/core/wide.hpp"
#include "seed.hpp"

namespace lansync::fw {
namespace {

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

i128 native(Int128 v) { return static_cast<i128>((static_cast<u128>(v.hi()) << 64) | v.lo()); }

int64_t saturated(i128 v) { return v > kMax ? kMax : (v < kMin ? kMin : static_cast<int64_t>(v)); }

int64_t random_magnitude(std::mt19937_64& rng) {
  // Every size from 1 to 63 bits, both signs.
  int bits = static_cast<int>(rng() % 63) + 1;
  auto v = static_cast<int64_t>(rng() >> (64 - bits));
  return (rng() & 1) != 0 ? -v : v;
}

TEST(FwWide, ProductsMatchInt128) {
  auto rng = testing::seeded_rng();
  for (int i = 0; i < 20'000; ++i) {
    int64_t a = random_magnitude(rng), b = random_magnitude(rng);
    ASSERT_EQ(native(mul_wide(a, b)), static_cast<i128>(a) * b) << a << " * " << b;
  }
  EXPECT_EQ(native(mul_wide(kMin, kMin)), static_cast<i128>(kMin) * kMin);
  EXPECT_EQ(native(mul_wide(kMin, -1)), -static_cast<i128>(kMin));
}

TEST(FwWide, QuotientsMatchInt128AndSaturate) {
  auto rng = testing::seeded_rng();
  for (int i = 0; i < 20'000; ++i) {
    Int128 n = mul_wide(random_magnitude(rng), random_magnitude(rng));
    int64_t d = random_magnitude(rng);
    if (d == 0) continue;
    ASSERT_EQ(div_wide(n, Int128(d)), saturated(native(n) / d))
        << "n " << static_cast<double>(native(n)) << " d " << d;
  }
  EXPECT_EQ(div_wide(Int128(5), Int128(0)), kMax);
  EXPECT_EQ(div_wide(Int128(-5), Int128(0)), kMin);
  EXPECT_EQ(div_wide(Int128(0), Int128(0)), 0);
  EXPECT_EQ(div_wide(Int128(-7), Int128(2)), -3);  // toward zero
}

TEST(FwWide, ShiftsAreArithmetic) {
  auto rng = testing::seeded_rng();
  for (int i = 0; i < 5'000; ++i) {
    Int128 v = mul_wide(random_magnitude(rng), random_magnitude(rng));
    unsigned n = static_cast<unsigned>(rng() % 128);
    ASSERT_EQ(native(v >> n), native(v) >> n);
    ASSERT_EQ(native(v << n), static_cast<i128>(static_cast<u128>(native(v)) << n));
  }
}

TEST(FwWide, FrequencyScaling) {
  // 40 ppm for a day is 3.456 s.
  int64_t q = q32_from_ppb(40'000);
  EXPECT_EQ(q, 171'799);  // 40e-6 * 2^32 = 171798.69
  EXPECT_NEAR(static_cast<double>(scale_q32(86'400'000'000'000, q)), 3.456e9, 1e4);
  EXPECT_EQ(ppb_from_q32(q), 40'000);
  EXPECT_EQ(q32_from_ppb(-40'000), -q);
  // Rounding toward minus infinity, as a shift.
  EXPECT_EQ(scale_q32(-1, 1), -1);
  EXPECT_EQ(scale_q32(1, 1), 0);
  EXPECT_EQ(mul_div(kMax, kMax, kMax), kMax);
  EXPECT_EQ(mul_div(3'000'000'000, 3'000'000'000, 1'000'000), 9'000'000'000'000);
}

TEST(FwWide, IntegerSquareRoot) {
  auto rng = testing::seeded_rng();
  for (int i = 0; i < 10'000; ++i) {
    int64_t v = std::abs(random_magnitude(rng));
    int64_t r = isqrt(v);
    ASSERT_LE(static_cast<i128>(r) * r, v);
    ASSERT_GT(static_cast<i128>(r + 1) * (r + 1), v);
  }
  EXPECT_EQ(isqrt(0), 0);
  EXPECT_EQ(isqrt(-4), 0);
  EXPECT_EQ(isqrt(kMax), 3'037'000'499);
}

}  // namespace
}  // namespace lansync::fw
