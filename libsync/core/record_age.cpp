// Sync-state records and boots; see record_age.hpp.
#include "core/record_age.hpp"

#include "core/trust.hpp"

namespace lansync::core {
namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

const char* clock_name(AgeClock c) { return c == AgeClock::Boot ? "boot clock" : "wall clock"; }

// The record's age by each clock and the larger of the two; a negative age
// beyond the tolerance (by either clock) wins, as it makes the record suspect.
RecordVerdict age_of(int64_t wall_age_ns, std::optional<int64_t> boot_age_ns) {
  RecordVerdict v;
  v.age_ns = wall_age_ns;
  v.age_clock = AgeClock::Wall;
  if (!boot_age_ns) return v;
  bool boot_suspect = *boot_age_ns < -kRecordFutureToleranceNs;
  bool wall_suspect = wall_age_ns < -kRecordFutureToleranceNs;
  if (boot_suspect || (!wall_suspect && *boot_age_ns >= wall_age_ns)) {
    v.age_ns = *boot_age_ns;
    v.age_clock = AgeClock::Boot;
  }
  return v;
}

}  // namespace

bool valid_boot_id(std::string_view id) {
  if (id.size() != kBootIdLength) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !is_hex(id[i])) return false;
  }
  return true;
}

RecordVerdict judge_record(int64_t record_wall_ns, const BootStamp& record, const BootStamp& now,
                           int64_t now_wall_ns, int64_t max_age_ns) {
  std::optional<int64_t> boot_age;
  if (record.boot_time_ns && now.boot_time_ns) boot_age = *now.boot_time_ns - *record.boot_time_ns;
  RecordVerdict v = age_of(now_wall_ns - record_wall_ns, boot_age);
  if (!valid_boot_id(now.boot_id)) {
    v.reason = RecordReason::BootUnknown;
  } else if (record.boot_id.empty()) {
    v.reason = RecordReason::NoBootId;
  } else if (record.boot_id != now.boot_id) {
    v.reason = RecordReason::OtherBoot;
  } else if (v.age_ns < -kRecordFutureToleranceNs) {
    v.reason = RecordReason::InFuture;
  } else {
    v.counts = v.age_ns <= max_age_ns;
    v.reason = v.counts ? RecordReason::Fresh : RecordReason::Stale;
  }
  return v;
}

std::string explain_record(const RecordVerdict& v, int64_t max_age_ns) {
  std::string age = human_duration(v.age_ns) + " old by the " + clock_name(v.age_clock);
  switch (v.reason) {
    case RecordReason::Fresh: return age;
    case RecordReason::Stale: return age + ", more than the " + human_duration(max_age_ns) + " allowed";
    case RecordReason::InFuture:
      return "dated " + human_duration(v.age_ns) + " in the future by the " + clock_name(v.age_clock) +
             " (the clock went back?)";
    case RecordReason::OtherBoot: return "from an earlier boot";
    case RecordReason::NoBootId: return "no boot_id recorded, so taken as from an earlier boot";
    case RecordReason::BootUnknown:
      return "this boot's boot_id is unknown, so not shown to be from this boot";
  }
  return "unknown";
}

}  // namespace lansync::core
