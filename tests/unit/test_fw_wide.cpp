// Tests of the firmware's 128-bit arithmetic, with random inputs, against a reference built
// differently: four 32-bit limbs and schoolbook products (Ref below), which every target has.
// Where the compiler has __int128 (64-bit targets only), the reference is checked against it too.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <ostream>
#include <random>

#include "firmware/board/wide.hpp"
#include "seed.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// A 128-bit two's complement integer as four 32-bit limbs, least significant first.
struct Ref {
  std::array<uint32_t, 4> limb{};

  static Ref of(uint64_t hi, uint64_t lo) {
    return {{static_cast<uint32_t>(lo), static_cast<uint32_t>(lo >> 32), static_cast<uint32_t>(hi),
             static_cast<uint32_t>(hi >> 32)}};
  }
  static Ref of(int64_t v) { return of(v < 0 ? ~uint64_t{0} : 0, static_cast<uint64_t>(v)); }
  static Ref of(Int128 v) { return of(v.hi(), v.lo()); }
  bool negative() const { return (limb[3] >> 31) != 0; }

  friend bool operator==(const Ref&, const Ref&) = default;
  friend bool operator<(const Ref& a, const Ref& b) {
    if (a.negative() != b.negative()) return a.negative();
    for (size_t i = 4; i-- > 0;) {
      if (a.limb[i] != b.limb[i]) return a.limb[i] < b.limb[i];
    }
    return false;
  }
  friend Ref operator+(const Ref& a, const Ref& b) {
    Ref r;
    uint64_t carry = 0;
    for (size_t i = 0; i < 4; ++i) {
      uint64_t sum = uint64_t{a.limb[i]} + b.limb[i] + carry;
      r.limb[i] = static_cast<uint32_t>(sum);
      carry = sum >> 32;
    }
    return r;
  }
  friend Ref operator-(Ref a) {
    for (auto& l : a.limb) l = ~l;
    return a + of(int64_t{1});
  }
  friend Ref operator-(const Ref& a, const Ref& b) { return a + (-b); }
  // The product modulo 2^128: exact for two's complement values whose product fits.
  friend Ref operator*(const Ref& a, const Ref& b) {
    Ref r;
    for (size_t i = 0; i < 4; ++i) {
      uint64_t carry = 0;
      for (size_t j = 0; i + j < 4; ++j) {
        uint64_t t = uint64_t{a.limb[i]} * b.limb[j] + r.limb[i + j] + carry;
        r.limb[i + j] = static_cast<uint32_t>(t);
        carry = t >> 32;
      }
    }
    return r;
  }
  // Shifts by n bits, one bit at a time; >> keeps the sign.
  Ref shl(unsigned n) const {
    Ref r = *this;
    for (unsigned k = 0; k < n; ++k) r = r + r;
    return r;
  }
  Ref sar(unsigned n) const {
    Ref r = *this;
    for (unsigned k = 0; k < n; ++k) {
      for (size_t i = 0; i < 3; ++i) r.limb[i] = (r.limb[i] >> 1) | (r.limb[i + 1] << 31);
      r.limb[3] = static_cast<uint32_t>((r.limb[3] >> 1) | (r.limb[3] & 0x8000'0000u));
    }
    return r;
  }
};

std::ostream& operator<<(std::ostream& os, const Ref& v) {
  char text[40];
  std::snprintf(text, sizeof text, "0x%08x%08x%08x%08x", v.limb[3], v.limb[2], v.limb[1], v.limb[0]);
  return os << text;
}

Ref magnitude(const Ref& v) { return v.negative() ? -v : v; }

// Whether q is n / d rounded toward zero and saturated to int64 (d != 0).
bool is_saturated_quotient(const Ref& n, int64_t d, int64_t q) {
  Ref dr = Ref::of(d);
  if (q == kMax) return d > 0 ? !(n < Ref::of(kMax) * dr) : !(Ref::of(kMax) * dr < n);  // n / d >= kMax
  if (q == kMin) return d > 0 ? !(Ref::of(kMin) * dr < n) : !(n < Ref::of(kMin) * dr);  // n / d <= kMin
  Ref rem = n - Ref::of(q) * dr;
  bool rem_sign_ok = rem == Ref{} || rem.negative() == n.negative();
  return magnitude(rem) < magnitude(dr) && rem_sign_ok;
}

int64_t random_magnitude(std::mt19937_64& rng) {
  // Every size from 1 to 63 bits, both signs.
  int bits = static_cast<int>(rng() % 63) + 1;
  auto v = static_cast<int64_t>(rng() >> (64 - bits));
  return (rng() & 1) != 0 ? -v : v;
}

TEST(FwWide, KnownProducts) {
  EXPECT_EQ(Ref::of(mul_wide(kMax, kMax)), Ref::of(0x3FFF'FFFF'FFFF'FFFF, 1));  // 2^126 - 2^64 + 1
  EXPECT_EQ(Ref::of(mul_wide(kMin, kMax)), Ref::of(0xC000'0000'0000'0000, 0x8000'0000'0000'0000));
  EXPECT_EQ(Ref::of(mul_wide(kMin, kMin)), Ref::of(0x4000'0000'0000'0000, 0));  // 2^126
  EXPECT_EQ(Ref::of(mul_wide(kMin, -1)), Ref::of(0, 0x8000'0000'0000'0000));    // 2^63
  EXPECT_EQ(Ref::of(mul_wide(-3, 5)), Ref::of(int64_t{-15}));
  // The reference agrees on the same products.
  EXPECT_EQ(Ref::of(kMax) * Ref::of(kMax), Ref::of(0x3FFF'FFFF'FFFF'FFFF, 1));
  EXPECT_EQ(Ref::of(kMin) * Ref::of(kMax), Ref::of(0xC000'0000'0000'0000, 0x8000'0000'0000'0000));
  EXPECT_EQ(Ref::of(kMin).sar(127), Ref::of(int64_t{-1}));
  EXPECT_EQ(Ref::of(int64_t{1}).shl(127), Ref::of(0x8000'0000'0000'0000, 0));
}

TEST(FwWide, ProductsMatchReference) {
  auto rng = testing::seeded_rng();
  for (int i = 0; i < 20'000; ++i) {
    int64_t a = random_magnitude(rng), b = random_magnitude(rng);
    ASSERT_EQ(Ref::of(mul_wide(a, b)), Ref::of(a) * Ref::of(b)) << a << " * " << b;
  }
}

TEST(FwWide, QuotientsMatchReferenceAndSaturate) {
  auto rng = testing::seeded_rng();
  for (int i = 0; i < 20'000; ++i) {
    Int128 n = mul_wide(random_magnitude(rng), random_magnitude(rng));
    int64_t d = random_magnitude(rng);
    if (d == 0) continue;
    int64_t q = div_wide(n, Int128(d));
    ASSERT_TRUE(is_saturated_quotient(Ref::of(n), d, q)) << "n " << Ref::of(n) << " d " << d << " q " << q;
  }
  EXPECT_EQ(div_wide(Int128(5), Int128(0)), kMax);
  EXPECT_EQ(div_wide(Int128(-5), Int128(0)), kMin);
  EXPECT_EQ(div_wide(Int128(0), Int128(0)), 0);
  EXPECT_EQ(div_wide(Int128(-7), Int128(2)), -3);  // toward zero
  EXPECT_EQ(div_wide(mul_wide(kMax, 4), Int128(2)), kMax);
  EXPECT_EQ(div_wide(mul_wide(kMin, 4), Int128(2)), kMin);
  EXPECT_EQ(div_wide(mul_wide(kMin, 4), Int128(-4)), kMax);
  // The checker itself refuses a wrong quotient.
  EXPECT_FALSE(is_saturated_quotient(Ref::of(int64_t{-7}), 2, -4));
  EXPECT_FALSE(is_saturated_quotient(Ref::of(mul_wide(kMax, 2)), 3, kMax));
}

TEST(FwWide, ShiftsAreArithmetic) {
  auto rng = testing::seeded_rng();
  for (int i = 0; i < 5'000; ++i) {
    Int128 v = mul_wide(random_magnitude(rng), random_magnitude(rng));
    unsigned n = static_cast<unsigned>(rng() % 128);
    ASSERT_EQ(Ref::of(v >> n), Ref::of(v).sar(n)) << Ref::of(v) << " >> " << n;
    ASSERT_EQ(Ref::of(v << n), Ref::of(v).shl(n)) << Ref::of(v) << " << " << n;
  }
}

#ifdef __SIZEOF_INT128__
// Only where the compiler has a 128-bit integer: the reference against it.
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

Ref of_native(i128 v) {
  auto u = static_cast<u128>(v);
  return Ref::of(static_cast<uint64_t>(u >> 64), static_cast<uint64_t>(u));
}

TEST(FwWide, ReferenceMatchesInt128) {
  auto rng = testing::seeded_rng();
  for (int i = 0; i < 5'000; ++i) {
    int64_t a = random_magnitude(rng), b = random_magnitude(rng);
    i128 p = static_cast<i128>(a) * b;
    ASSERT_EQ(Ref::of(a) * Ref::of(b), of_native(p)) << a << " * " << b;
    unsigned n = static_cast<unsigned>(rng() % 128);
    ASSERT_EQ(of_native(p).sar(n), of_native(p >> n));
    ASSERT_EQ(of_native(p).shl(n), of_native(static_cast<i128>(static_cast<u128>(p) << n)));
    i128 q = static_cast<i128>(random_magnitude(rng)) * random_magnitude(rng);
    ASSERT_EQ(of_native(p) < of_native(q), p < q);
  }
}
#endif

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
    ASSERT_FALSE(Ref::of(v) < Ref::of(r) * Ref::of(r)) << v << " " << r;  // r * r <= v
    ASSERT_LT(Ref::of(v), Ref::of(r + 1) * Ref::of(r + 1)) << v << " " << r;
  }
  EXPECT_EQ(isqrt(0), 0);
  EXPECT_EQ(isqrt(-4), 0);
  EXPECT_EQ(isqrt(kMax), 3'037'000'499);
}

}  // namespace
}  // namespace lansync::fw
