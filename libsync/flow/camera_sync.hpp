// Keeping a camera's whole-second clock right: measure its offset, set it on a second boundary, verify.
//
// The procedure camsync runs, written against two interfaces so that tests
// drive it with a fake clock and a fake camera:
//   1. measure: read the camera's time repeatedly, coarsely until its second
//      changes, then densely across the next predicted change, and intersect
//      the readings (core/camera_offset.hpp): the offset to about a round trip;
//   2. if it is off by more than the threshold (or shows another zone), send
//      the time of a whole local second T at T - (least round trip)/2, so that
//      it arrives as T begins (the camera takes whole seconds; hwclock --systohc
//      waits for the second in the same way);
//   3. measure again and check the result against the threshold.
// A busy camera (503) is waited out with doubling pauses, a bounded number of
// times (the support check, the measurements and the set alike).  The local
// clock is only read, never changed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "codec/ccapi_date.hpp"
#include "core/camera_offset.hpp"
#include "os/camera_link.hpp"
#include "os/clock.hpp"
#include "os/error.hpp"

namespace lansync::flow {

struct OffsetMeasurement {
  int64_t offset_ns = 0;       // camera minus local; positive: the camera is ahead
  int64_t uncertainty_ns = 0;  // the truth is within ± this (assuming no drift during the measurement)
  int64_t min_rtt_ns = 0;      // least round trip of a reading
  // When (local clock, Unix ns) the offset was measured: where the camera's second last changed,
  // which the tightest bound comes from (a measurement takes up to two seconds, and a camera
  // that drifts has another offset at its start).
  int64_t at_ns = 0;
  int readings = 0;
  os::CameraDateTime last;  // the last reading (the camera's zone and dst flag)
};

struct SyncOptions {
  int64_t threshold_ns = 1'000'000'000;  // set when |offset| exceeds this
  bool dry_run = false;                  // measure only
  int retries = 3;                       // how many busy (503) replies to wait out per run
  int64_t backoff_ns = 1'000'000'000;    // first pause after a busy reply; doubles, at most 8x
  std::string tz;                        // zone to show on the camera; empty: this process's zone
};

enum class SyncAction { None, Set, DryRun };

struct SyncReport {
  std::optional<OffsetMeasurement> before;
  bool zone_differs = false;  // the camera's zone or dst flag is not ours
  SyncAction action = SyncAction::None;
  std::string sent;  // the datetime string sent, with sent_dst
  bool sent_dst = false;
  int64_t put_rtt_ns = 0;  // round trip of the timed PUT
  std::optional<OffsetMeasurement> after;
  bool verified = false;           // after the set, |offset| <= threshold
  int busy_waits = 0;              // busy replies waited out
  std::string busy_message;        // the camera's last busy message
  std::optional<os::Error> error;  // why the run stopped, if it did
};

class CameraSync {
 public:
  // Waits go through clock.sleep_ns: a fake clock in tests moves its own time.
  CameraSync(os::Clock& clock, os::CameraLink& camera) : clock_(clock), camera_(camera) {}

  // Measures the camera's offset (one attempt; busy is an error here).
  os::OsResult<OffsetMeasurement> measure();

  // The whole procedure.  Never throws; the report says how far it got.
  SyncReport run(const SyncOptions& options);

 private:
  os::OsResult<core::SecondReading> read(os::CameraDateTime* last, int64_t* rtt_ns);
  os::Status set_on_second(const SyncOptions& options, int64_t min_rtt_ns, SyncReport* report);
  void wait_until(int64_t local_ns);

  os::Clock& clock_;
  os::CameraLink& camera_;
};

}  // namespace lansync::flow
