// Unpredictable bytes from the kernel (getrandom), for request cookies and keys.
#pragma once

#include <cstddef>

namespace lansync::os {

// Fills size bytes at out; blocks only until the kernel's pool is seeded at boot.
void random_bytes(void* out, size_t size);

}  // namespace lansync::os
