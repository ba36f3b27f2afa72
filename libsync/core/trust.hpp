// Whether this machine's clock may be trusted now, from what the kernel and the sync-state file say.
//
// The users' rule for a Pi without a battery clock: the clock is good when
// something set or verified it recently (the sync-state file is younger than
// max age, 30 minutes by default) or when a daemon is disciplining it (the
// kernel says synchronized).  A record counts only when it was made in this
// boot (core/record_age.hpp); its age is the larger of its wall-clock and
// boot-clock ages.  camsync, rtcset --systohc and sntpd apply it before they
// pass the time on.  Pure: the caller reads the kernel, the boot and the file.
#pragma once

#include <cstdint>
#include <string>

#include "core/record_age.hpp"

namespace lansync::core {

// The max age's default, 30 minutes: how long a set or verification keeps the clock good
// (camsync, rtcset --systohc), a phone holds it and an upstream's newest sample counts (sntpd).
inline constexpr int64_t kDefaultMaxAgeNs = 1'800'000'000'000;

// Which evidence counts (camsync --reference auto|kernel|state).
enum class TrustPolicy : uint8_t { Auto, KernelOnly, StateOnly };

struct TrustEvidence {
  bool kernel_known = false;         // the kernel status could be read
  bool kernel_synchronized = false;  // adjtimex: no STA_UNSYNC, not TIME_ERROR
  bool state_known = false;          // the sync-state file exists and parsed
  int64_t state_last_sync_ns = 0;    // its last_sync_unix, in Unix ns
  std::string state_source;          // its source, e.g. "ntp:192.168.4.1"
  std::string state_problem;         // why it could not be read, if it could not
  BootStamp state_boot;              // the boot the record names, and its boot time then
  BootStamp this_boot;               // this boot, and its boot time now
};

enum class TrustReason : uint8_t {
  KernelSynchronized,
  StateFresh,
  KernelUnsynchronized,  // and the policy does not look at the state file
  StateStale,
  StateMissing,     // no file, or a file that does not parse
  StateInFuture,    // recorded after now: the clock went back, or the file lies
  StateOtherBoot,   // made in another boot (or names none): not evidence for this one
  StateFromCamera,  // fresh, but set from the camera (core/camera_reference): served, never passed on
  NoEvidence,       // neither source could be read
};

struct TrustVerdict {
  bool trusted = false;
  TrustReason reason = TrustReason::NoEvidence;
  int64_t state_age_ns = -1;           // age of the sync-state record, if there is one
  RecordVerdict record;                // the record rule's verdict, when the record was judged
  bool kernel_unsynchronized = false;  // the kernel was consulted and said unsynchronized
};

// Applies the rule at now_ns.  A record up to 2 s in the future still counts
// as fresh (clock granularity, a slewing clock); beyond that it is suspect.
TrustVerdict assess_trust(const TrustEvidence& e, TrustPolicy policy, int64_t now_ns, int64_t max_age_ns);

// One line for the user, e.g. "sync-state file is 2 h 05 min old (source
// ntp:192.168.4.1), more than the 30 min allowed".
std::string explain(const TrustVerdict& v, const TrustEvidence& e, int64_t max_age_ns);

// "2 h 05 min", "42 s", "3 d 4 h": a duration for people.
std::string human_duration(int64_t ns);

// "+5.003 s": a signed offset for people, to the millisecond.
std::string seconds_text(int64_t ns);

}  // namespace lansync::core
