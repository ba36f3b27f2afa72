// libFuzzer entry point for the MAC trailer parser; see mac_target.hpp.
//
//   build/fuzz/fuzz_mac -max_total_time=60 NEW_DIR tests/fuzz/corpus/mac
#include <cstddef>
#include <cstdint>

#include "mac_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!lansync::fuzz::mac_trailer_properties_hold(data, size)) __builtin_trap();
  return 0;
}
