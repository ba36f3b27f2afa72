// Whether a sync-state record still vouches for this clock: made in this boot, and young enough.
//
// The sync-state file survives reboots, but the clock it vouched for does not:
// a Pi without a battery clock boots with fake-hwclock's saved time, minutes
// after the last record, so a record's wall-clock age says nothing then.  So
// a record names the boot it was made in (the kernel's boot_id) and the time
// since that boot (CLOCK_BOOTTIME, which no step of the clock moves).  Only a
// record from this boot counts; its age is the larger of the wall-clock age
// and the boot-clock age, so a clock set back since cannot make it younger.
// A record that names no boot is taken as from an earlier one.  Pure: the
// caller reads the kernel's boot_id and clocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lansync::core {

// A boot and a moment in it: the kernel's boot_id and CLOCK_BOOTTIME.
struct BootStamp {
  std::string boot_id;                  // e.g. "4f1c2a9e-..." (36 chars); empty: unknown / not recorded
  std::optional<int64_t> boot_time_ns;  // CLOCK_BOOTTIME in ns (time since that boot); none: unknown
};

// The length of a boot_id: a UUID in text form, 8-4-4-4-12 hex digits.
inline constexpr size_t kBootIdLength = 36;

// True when id is a UUID in text form (36 chars, hex digits and four dashes).
bool valid_boot_id(std::string_view id);

enum class RecordReason : uint8_t {
  Fresh,        // this boot, and no older than max age
  Stale,        // this boot, older than max age
  InFuture,     // dated more than 2 s after now: the clock went back, or the record is wrong
  OtherBoot,    // made in another boot
  NoBootId,     // names no boot (an older writer): taken as from another boot
  BootUnknown,  // this boot's id is unknown, so no record can be shown to be from it
};

// Which clock gave a record's age.
enum class AgeClock : uint8_t { Wall, Boot };

struct RecordVerdict {
  bool counts = false;  // the record vouches for the clock now
  RecordReason reason = RecordReason::BootUnknown;
  int64_t age_ns = 0;                   // the larger of the wall and boot-clock ages (wall if no boot age)
  AgeClock age_clock = AgeClock::Wall;  // which of the two that was
};

// How far a record may be dated after the clock that judges it and still be taken as made before
// it (clock granularity, a slewing clock, an RTC's whole second): 2 s.
inline constexpr int64_t kRecordFutureToleranceNs = 2'000'000'000;

// Judges a record made at wall time record_wall_ns (Unix ns) in boot record,
// at wall time now_wall_ns in boot now.  The boot-clock age counts only when
// both stamps carry a boot time.  A record up to 2 s in the future still
// counts (clock granularity, a slewing clock).
RecordVerdict judge_record(int64_t record_wall_ns, const BootStamp& record, const BootStamp& now,
                           int64_t now_wall_ns, int64_t max_age_ns);

// Why a record does not count, e.g. "from an earlier boot" or "25 s old by
// the boot clock, more than the 20 s allowed"; for a record that counts, its
// age and the clock that gave it, e.g. "12 min 03 s old by the boot clock".
std::string explain_record(const RecordVerdict& v, int64_t max_age_ns);

}  // namespace lansync::core
