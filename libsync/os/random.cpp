// Kernel randomness; see random.hpp.
#include "os/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace lansync::os {

void random_bytes(void* out, size_t size) {
  auto* p = static_cast<uint8_t*>(out);
  while (size > 0) {
    ssize_t n = getrandom(p, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // getrandom cannot fail on Linux >= 3.17 with a valid buffer: our bug.
      std::abort();
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace lansync::os
