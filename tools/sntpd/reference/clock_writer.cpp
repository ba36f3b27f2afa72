// A phone's or the camera's set applied; see clock_writer.hpp.
#include "reference/clock_writer.hpp"

#include <optional>

#include "upstream/upstream_set.hpp"

namespace lansync::sntpd {

os::Status ClockWriter::correct_or_verify(const flow::ClockCorrection& cc, bool verify) {
  if (verify) return flow::record_verification(clock_, cc, state_path_);
  std::optional<os::OsResult<core::Correction>> stepped;
  upstreams_.hold([&] { stepped = flow::correct_clock(clock_, cc, state_path_); });
  if (!*stepped) return lansync::fail(stepped->error());
  return os::ok();
}

}  // namespace lansync::sntpd
