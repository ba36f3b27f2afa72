/* Link-only startup for the self-test on the ESP8266's LX106 (there is no
 * LX106 emulator here: it is linked, never run).  out() discards; the
 * division and multiplication helpers stand in for those the ESP8266 ROM and
 * SDK provide and Debian's lx106 libgcc lacks, written with shifts, adds and
 * 32-bit multiplies only, so that the link proves the core and codec need
 * nothing else.  memcpy and memset come from picolibc. */
#include <stddef.h>
#include <stdint.h>

int main(void);

void out(const char* text, size_t size) {
  (void)text;
  (void)size;
}

void _start(void) {
  main();
  for (;;) {
  }
}

static uint64_t udivmod64(uint64_t n, uint64_t d, uint64_t* rem) {
  uint64_t q = 0, r = 0;
  for (int i = 63; i >= 0; --i) {
    r = (r << 1) | ((n >> i) & 1);
    if (r >= d) {
      r -= d;
      q |= (uint64_t)1 << i;
    }
  }
  if (rem) *rem = r;
  return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d) { return udivmod64(n, d, 0); }
uint64_t __umoddi3(uint64_t n, uint64_t d) {
  uint64_t r;
  udivmod64(n, d, &r);
  return r;
}
int64_t __divdi3(int64_t n, int64_t d) {
  uint64_t un = n < 0 ? 0 - (uint64_t)n : (uint64_t)n, ud = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
  uint64_t q = udivmod64(un, ud, 0);
  return (int64_t)((n < 0) != (d < 0) ? 0 - q : q);
}
uint32_t __udivsi3(uint32_t n, uint32_t d) { return (uint32_t)udivmod64(n, d, 0); }
uint32_t __umodsi3(uint32_t n, uint32_t d) {
  uint64_t r;
  udivmod64(n, d, &r);
  return (uint32_t)r;
}
int32_t __divsi3(int32_t n, int32_t d) { return (int32_t)__divdi3(n, d); }
uint64_t __umulsidi3(uint32_t a, uint32_t b) {
  uint64_t r = 0, x = a;
  for (; b != 0; b >>= 1, x <<= 1) {
    if (b & 1) r += x;
  }
  return r;
}
uint64_t __muldi3(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  for (; b != 0; b >>= 1, a <<= 1) {
    if (b & 1) r += a;
  }
  return r;
}
