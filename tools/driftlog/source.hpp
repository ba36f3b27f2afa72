// driftlog's references: what a source is, and how --source SCHEME:ARGUMENT finds one.
//
// Each kind of source lives in one file, source_<scheme>.cpp, and registers
// itself with a static SourceRegistration; the CMakeLists picks up every such
// file.  The reading itself belongs in libsync (flow::query_servers for ntp:,
// os::run_shell_command for cmd:, flow::read_rtc_at_tick for rtc: and ds3231:,
// flow::CameraSync::measure for camera:);
// a source only turns it into a Reading.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/result.hpp"
#include "core/drift_log.hpp"

namespace lansync::driftlog {

// One measurement of the local clock against the reference.
struct Reading {
  core::ReadingStatus status = core::ReadingStatus::Error;
  double offset_s = 0;            // reference - local clock, seconds (positive: local behind); when ok
  std::optional<double> delay_s;  // round trip, when the source has one
  int64_t mono_ns = 0;            // CLOCK_MONOTONIC when the reference was read
  int64_t local_ns = 0;           // the local clock (CLOCK_REALTIME, Unix ns) at that moment
  bool cancelled = false;         // cut short by a stop signal: not a measurement
  std::string detail;             // why it failed, one line, for the live status
};

// Limits of one measurement.
struct MeasureContext {
  int64_t deadline_mono_ns = 0;  // return by then (CLOCK_MONOTONIC)
  int cancel_fd = -1;            // readable: stop early if the source can (cancelled = true)
};

class Source {
 public:
  virtual ~Source() = default;
  virtual Reading measure(const MeasureContext& ctx) = 0;
};

// A kind of source: the scheme before the colon and how to open one from the argument after it.
struct SourceKind {
  std::string_view scheme;  // "ntp"
  std::string_view usage;   // "ntp:HOST[:PORT]", for --help and errors
  // The source, or a one-line reason the argument is wrong (a usage error).
  std::function<Result<std::unique_ptr<Source>, std::string>(const std::string& argument)> open;
};

// Adds a kind to the registry during static initialization, e.g.
//   const SourceRegistration kRegistration{{"ntp", "ntp:HOST[:PORT]", open_ntp}};
struct SourceRegistration {
  explicit SourceRegistration(SourceKind kind);
};

struct OpenFailure {
  std::string message;  // one line
};

// Opens the source named by "SCHEME:ARGUMENT".
Result<std::unique_ptr<Source>, OpenFailure> open_source(const std::string& spec);

// "ntp:HOST[:PORT], cmd:COMMAND": the forms this build accepts.
std::string available_sources();

}  // namespace lansync::driftlog
