// libFuzzer entry point for one target of targets.hpp, chosen at build time.
#include <cstddef>
#include <cstdint>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return lansync::fuzz::LANSYNC_FUZZ_TARGET(data, size);
}
