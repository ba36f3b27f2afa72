// Wide integer arithmetic; see wide.hpp.
#include "firmware/board/wide.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kMax = 0x7FFF'FFFF'FFFF'FFFF;
constexpr int64_t kMin = -kMax - 1;

// Magnitude of a, as unsigned 128-bit halves.
Int128 magnitude(Int128 a) { return a.negative() ? -a : a; }

// The unsigned 64x64 -> 128-bit product, from four 32x32 -> 64-bit products.
Int128 mul_unsigned(uint64_t a, uint64_t b) {
  uint64_t a0 = a & 0xFFFF'FFFFu, a1 = a >> 32;
  uint64_t b0 = b & 0xFFFF'FFFFu, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t mid = (p00 >> 32) + (p01 & 0xFFFF'FFFFu) + (p10 & 0xFFFF'FFFFu);
  uint64_t lo = (p00 & 0xFFFF'FFFFu) | (mid << 32);
  uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return Int128::from_parts(hi, lo);
}

// Unsigned n / d by shift and subtract; d != 0.  Returns the quotient's low
// 64 bits and whether it fits in 63 bits.
uint64_t div_unsigned(Int128 n, Int128 d, bool* fits) {
  // Skip the leading zero bits of n, so that small quotients cost little.
  int bits = 128;
  while (bits > 0 && !((n >> static_cast<unsigned>(bits - 1)).lo() & 1u)) --bits;
  Int128 rem;
  uint64_t q = 0;
  *fits = true;
  for (int i = bits - 1; i >= 0; --i) {
    rem = (rem << 1) + Int128((n >> static_cast<unsigned>(i)).lo() & 1u);
    bool take = !(rem < d);
    if (take) rem -= d;
    if ((q >> 63) != 0) *fits = false;
    q = (q << 1) | (take ? 1u : 0u);
  }
  if ((q >> 63) != 0) *fits = false;
  return q;
}

}  // namespace

int64_t Int128::saturate() const {
  auto h = static_cast<int64_t>(hi_);
  if (h == 0 && (lo_ >> 63) == 0) return static_cast<int64_t>(lo_);
  if (h == -1 && (lo_ >> 63) != 0) return static_cast<int64_t>(lo_);
  return h < 0 ? kMin : kMax;
}

Int128 mul_wide(int64_t a, int64_t b) {
  // Magnitudes as unsigned: -INT64_MIN is representable there.
  uint64_t ua = a < 0 ? ~static_cast<uint64_t>(a) + 1 : static_cast<uint64_t>(a);
  uint64_t ub = b < 0 ? ~static_cast<uint64_t>(b) + 1 : static_cast<uint64_t>(b);
  Int128 p = mul_unsigned(ua, ub);
  return (a < 0) != (b < 0) ? -p : p;
}

int64_t div_wide(Int128 a, Int128 b) {
  bool negative = a.negative() != b.negative();
  if (b == Int128(0)) return a == Int128(0) ? 0 : (a.negative() ? kMin : kMax);
  bool fits = true;
  uint64_t q = div_unsigned(magnitude(a), magnitude(b), &fits);
  if (!fits) return negative ? kMin : kMax;
  return negative ? -static_cast<int64_t>(q) : static_cast<int64_t>(q);
}

int64_t mul_div(int64_t a, int64_t b, int64_t c) { return div_wide(mul_wide(a, b), Int128(c)); }

int64_t scale_q32(int64_t ns, int64_t freq_q32) { return (mul_wide(ns, freq_q32) >> 32).saturate(); }

int64_t scale_ppb(int64_t ns, int64_t ppb) { return mul_div(ns, ppb, 1'000'000'000); }

int64_t q32_from_ppb(int64_t ppb) {
  // ppb * 2^32 / 1e9, rounded half away from zero.
  Int128 p = mul_wide(ppb, int64_t{1} << 32);
  Int128 half(500'000'000);
  return div_wide(p.negative() ? p - half : p + half, Int128(1'000'000'000));
}

int64_t ppb_from_q32(int64_t q32) {
  Int128 p = mul_wide(q32, 1'000'000'000);
  Int128 half(int64_t{1} << 31);
  return div_wide(p.negative() ? p - half : p + half, Int128(int64_t{1} << 32));
}

int64_t isqrt(int64_t v) {
  if (v <= 0) return 0;
  // Bit by bit from the highest power of 4 not above v.
  auto x = static_cast<uint64_t>(v);
  uint64_t r = 0;
  uint64_t bit = uint64_t{1} << 62;
  while (bit > x) bit >>= 2;
  while (bit != 0) {
    if (x >= r + bit) {
      x -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
    bit >>= 2;
  }
  return static_cast<int64_t>(r);
}

}  // namespace lansync::fw
