// Wide integer arithmetic for the firmware core: a signed 128-bit value and the products and
// quotients that need one.
//
// The firmware keeps time in int64 nanoseconds and frequency as a signed
// fraction in 2^-32 units (about 0.23 ppb).  A nanosecond count times a
// frequency, and the least-squares sums over hours of samples, outgrow 64
// bits; the 32-bit targets (ESP32-C3's RV32, the ESP8266's LX106) have no
// __int128.  Int128 is two's complement in two 64-bit halves, and every
// operation here is plain integer code (no library call beyond the compiler's
// 64-bit helpers on 32-bit targets).  Results that do not fit in 64 bits
// saturate rather than wrap.
#pragma once

#include <stdint.h>

namespace lansync::fw {

// The larger and the smaller of a and b, and |v| (the firmware core includes no C++ library header).
constexpr int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
constexpr int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
constexpr int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

class Int128 {
 public:
  constexpr Int128() = default;
  constexpr Int128(int64_t v)  // NOLINT: implicit widening, like the built-in types
      : hi_(v < 0 ? ~uint64_t{0} : 0), lo_(static_cast<uint64_t>(v)) {}
  static constexpr Int128 from_parts(uint64_t hi, uint64_t lo) {
    Int128 r;
    r.hi_ = hi;
    r.lo_ = lo;
    return r;
  }

  constexpr uint64_t hi() const { return hi_; }
  constexpr uint64_t lo() const { return lo_; }
  constexpr bool negative() const { return (hi_ >> 63) != 0; }

  friend constexpr Int128 operator+(Int128 a, Int128 b) {
    uint64_t lo = a.lo_ + b.lo_;
    return from_parts(a.hi_ + b.hi_ + (lo < a.lo_ ? 1 : 0), lo);
  }
  friend constexpr Int128 operator-(Int128 a) {
    return from_parts(~a.hi_ + (a.lo_ == 0 ? 1 : 0), ~a.lo_ + 1);
  }
  friend constexpr Int128 operator-(Int128 a, Int128 b) { return a + (-b); }
  Int128& operator+=(Int128 b) { return *this = *this + b; }
  Int128& operator-=(Int128 b) { return *this = *this - b; }

  friend constexpr bool operator==(Int128 a, Int128 b) { return a.hi_ == b.hi_ && a.lo_ == b.lo_; }
  friend constexpr bool operator<(Int128 a, Int128 b) {
    auto ah = static_cast<int64_t>(a.hi_), bh = static_cast<int64_t>(b.hi_);
    return ah < bh || (ah == bh && a.lo_ < b.lo_);
  }

  // Shifts by 0..127 bits; >> is arithmetic (rounds toward minus infinity).
  friend constexpr Int128 operator<<(Int128 a, unsigned n) {
    if (n == 0) return a;
    if (n >= 64) return from_parts(a.lo_ << (n - 64), 0);
    return from_parts((a.hi_ << n) | (a.lo_ >> (64 - n)), a.lo_ << n);
  }
  friend constexpr Int128 operator>>(Int128 a, unsigned n) {
    if (n == 0) return a;
    uint64_t fill = a.negative() ? ~uint64_t{0} : 0;
    if (n >= 64) return from_parts(fill, n == 64 ? a.hi_ : (a.hi_ >> (n - 64)) | (fill << (128 - n)));
    return from_parts((a.hi_ >> n) | (fill << (64 - n)), (a.lo_ >> n) | (a.hi_ << (64 - n)));
  }

  // The value as int64, saturated at INT64_MIN / INT64_MAX.
  int64_t saturate() const;

 private:
  uint64_t hi_ = 0;
  uint64_t lo_ = 0;
};

// The exact product a * b.
Int128 mul_wide(int64_t a, int64_t b);

// a / b rounded toward zero, saturated to int64; b == 0 gives the saturated
// value of a's sign (0 for a == 0).
int64_t div_wide(Int128 a, Int128 b);

// a * b / c rounded toward zero, saturated; c == 0 as for div_wide.
int64_t mul_div(int64_t a, int64_t b, int64_t c);

// Nanoseconds times a frequency in 2^-32 units: (ns * freq_q32) >> 32, rounded
// toward minus infinity, saturated.  How far a clock running freq_q32 fast
// gets ahead in ns.
int64_t scale_q32(int64_t ns, int64_t freq_q32);
// Nanoseconds times parts per billion: ns * ppb / 1e9, rounded toward zero, saturated.
int64_t scale_ppb(int64_t ns, int64_t ppb);

// Parts per billion <-> 2^-32 units, rounded to nearest.
int64_t q32_from_ppb(int64_t ppb);
int64_t ppb_from_q32(int64_t q32);

// Integer square root: the largest r with r * r <= v (0 for v <= 0).
int64_t isqrt(int64_t v);

}  // namespace lansync::fw
