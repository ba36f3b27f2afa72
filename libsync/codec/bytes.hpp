// Big-endian loads and stores and a read-only byte view, for the wire codecs.
//
// Written as explicit shifts so that the code is the same on every target and
// the compiler emits no library calls (the codec is freestanding).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace lansync::codec {

// A read-only run of bytes owned by someone else.
struct ByteView {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

constexpr uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

constexpr uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

constexpr void store_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

constexpr void store_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// Fills n bytes with zero; a loop, so that no memset call is emitted by us.
constexpr void zero_bytes(uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = 0;
}

}  // namespace lansync::codec
