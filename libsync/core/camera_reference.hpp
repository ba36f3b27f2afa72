// The camera's clock as the last-resort reference (camsync --camera-reference, sntpd
// --camera-reference).
//
// After a field reboot with no phone, no RTC and no NTP server, the Canon camera's clock is the
// best time the rig has: it ran on its own battery, and camsync last set or found it right from a
// good clock.  camsync, refusing to set the camera from this untrusted clock, measures the camera
// instead (to about a round trip, on its second edge, as it always does) and records the reading
// in the camera-state file with an honest bound: the measurement's uncertainty plus
// kCameraDriftPpm of the time since the camera was last set or verified from a good clock
// (unknown: no bound, not offered).  sntpd takes a fresh reading when it has no other reference
// (or renews its camera record when half its --max-age has gone), steps its clock by it and
// records source "camera" (refid CAM), so NTP clients see the wide root dispersion.  A phone
// replaces it at once; camsync never sets the camera from a clock the camera set, and rtcset does
// not copy it to the RTC (core/trust).  Pure: the callers read the files and clocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/reference.hpp"

namespace lansync::core {

// The sync-state source of a clock set or verified from the camera.
inline constexpr const char* kCameraSyncSource = "camera";

// The drift assumed for a camera's clock since it was last set or verified from a good clock: a
// watch crystal's ±20 ppm at room temperature, widened for the cold and heat of a rig outdoors.
inline constexpr int64_t kCameraDriftPpm = 50;

// A reading counts for sntpd this long after it was measured (camsync runs every 15 minutes).
inline constexpr int64_t kCameraReadingMaxAgeNs = int64_t{300} * 1'000'000'000;

// How far the camera's clock may be from the truth when read at camera_now_ns: the reading's
// uncertainty plus kCameraDriftPpm of the time since good_ns (the camera last set or verified
// from a good clock, Unix ns, by that clock).  nullopt when good_ns is unknown or later than the
// camera's time now: nothing bounds its error.
std::optional<int64_t> camera_error_bound_ns(int64_t uncertainty_ns, std::optional<int64_t> good_ns,
                                             int64_t camera_now_ns);

// A camera reading as the camera-state file carries it.
struct CameraReading {
  int64_t offset_ns = 0;         // camera minus this machine's system clock when read
  int64_t bound_ns = 0;          // the camera's error bound (camera_error_bound_ns)
  int64_t measured_unix_ns = 0;  // when, by the system clock
  std::string boot_id;           // the boot it was read in
};

// What sntpd does with a reading.
enum class CameraTake : uint8_t {
  Ignore,  // another reference counts, a fresh camera record stands, or the reading does not count
  Step,    // step the clock by the reading (it is further off than the bound)
  Verify,  // record a verification: the clock agrees within the bound
};

struct CameraTakeContext {
  CameraReading reading;
  ReferenceChoice reference;         // as chosen now, without the reading
  int64_t record_ns = 0;             // the sync-state record's time, Unix ns (0: none)
  int64_t real_now_ns = 0;           // the system clock now
  int64_t served_minus_real_ns = 0;  // the served clock minus the system clock (0 but in simulation)
  std::string this_boot_id;
  int64_t max_age_ns = 0;  // --max-age
};

struct CameraTakeVerdict {
  CameraTake take = CameraTake::Ignore;
  int64_t correction_ns = 0;  // what to add to the served clock
  std::string why;            // for the log: why it is ignored, or what it does
};

// Takes the reading when nothing better counts (the reference is none or the local clock) or the
// reference is a camera record older than half of max_age, and the reading is of this boot,
// measured within kCameraReadingMaxAgeNs of the system clock now (not after it), after the last
// record, with a bound that leaves the root distance within 1.5 s.  Step when the served clock
// differs from the camera by more than the bound, else Verify.
CameraTakeVerdict judge_camera_reading(const CameraTakeContext& c);

}  // namespace lansync::core
