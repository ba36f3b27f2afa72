// Correction choice; see correction.hpp.
#include "core/correction.hpp"

namespace lansync::core {

Correction choose_correction(int64_t offset_ns, int64_t step_threshold_ns, bool allow_slew) {
  int64_t magnitude = offset_ns < 0 ? -offset_ns : offset_ns;
  if (magnitude > step_threshold_ns) return Correction::Step;
  return allow_slew ? Correction::Slew : Correction::None;
}

const char* describe(Correction c) {
  switch (c) {
    case Correction::None: return "none";
    case Correction::Slew: return "slew";
    case Correction::Step: return "step";
  }
  return "none";
}

}  // namespace lansync::core
