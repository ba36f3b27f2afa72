// How to correct a clock found off by a measured offset: leave it, slew it or step it.
//
// ntpdate's -B/-b rule, as chrony's makestep applies it: a small offset is
// slewed (the clock runs slightly faster or slower until it is right, never
// jumping), a large one is stepped at once.  Pure.
#pragma once

#include <cstdint>

namespace lansync::core {

enum class Correction : uint8_t { None, Slew, Step };

// |offset_ns| > step_threshold_ns: step; otherwise slew, or nothing when
// slewing is not allowed (ntpprobe --no-slew).  offset_ns > 0: the clock is behind.
Correction choose_correction(int64_t offset_ns, int64_t step_threshold_ns, bool allow_slew);

const char* describe(Correction c);  // "none", "slew", "step"

}  // namespace lansync::core
