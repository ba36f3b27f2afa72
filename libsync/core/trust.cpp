// Clock trust rule; see trust.hpp.
#include "core/trust.hpp"

#include <cstdio>

#include "core/camera_reference.hpp"
#include "proto/units.hpp"

namespace lansync::core {
namespace {

using proto::kNsPerSecond;

std::string explain_state(const TrustVerdict& v, const TrustEvidence& e, int64_t max_age_ns) {
  std::string src = e.state_source.empty() ? "" : " (source " + e.state_source + ")";
  std::string clock = v.record.age_clock == AgeClock::Boot ? " by the boot clock" : " by the wall clock";
  switch (v.reason) {
    case TrustReason::StateFresh:
      return "the clock was set or verified " + human_duration(v.state_age_ns) + " ago" + clock + src;
    case TrustReason::StateStale:
      return "the clock was last set or verified " + human_duration(v.state_age_ns) + " ago" + clock + src +
             ", more than the " + human_duration(max_age_ns) + " allowed";
    case TrustReason::StateFromCamera:
      return "the clock was set or verified from the camera " + human_duration(v.state_age_ns) + " ago" +
             clock + ", a last resort: never passed on";
    case TrustReason::StateInFuture:
      return "the sync-state record is dated " + human_duration(v.state_age_ns) + " in the future" + clock +
             ": the clock went back, or the record is wrong";
    default:
      return "the sync-state record" + src + " does not count: " + explain_record(v.record, max_age_ns);
  }
}

std::string explain_reason(const TrustVerdict& v, const TrustEvidence& e, int64_t max_age_ns) {
  switch (v.reason) {
    case TrustReason::KernelSynchronized: return "the kernel reports the clock synchronized";
    case TrustReason::KernelUnsynchronized: return "the kernel reports the clock unsynchronized";
    case TrustReason::StateMissing:
      return "there is no record that the clock was ever set" +
             (e.state_problem.empty() ? std::string() : " (" + e.state_problem + ")");
    case TrustReason::NoEvidence: return "neither the kernel nor a sync-state record says the clock is right";
    default: return explain_state(v, e, max_age_ns);
  }
}

TrustReason reason_of(RecordReason r) {
  switch (r) {
    case RecordReason::Fresh: return TrustReason::StateFresh;
    case RecordReason::Stale: return TrustReason::StateStale;
    case RecordReason::InFuture: return TrustReason::StateInFuture;
    default: return TrustReason::StateOtherBoot;
  }
}

}  // namespace

TrustVerdict assess_trust(const TrustEvidence& e, TrustPolicy policy, int64_t now_ns, int64_t max_age_ns) {
  TrustVerdict v;
  bool use_kernel = policy != TrustPolicy::StateOnly;
  bool use_state = policy != TrustPolicy::KernelOnly;
  if (e.state_known) {
    v.record = judge_record(e.state_last_sync_ns, e.state_boot, e.this_boot, now_ns, max_age_ns);
    v.state_age_ns = v.record.age_ns;
  }
  v.kernel_unsynchronized = use_kernel && e.kernel_known && !e.kernel_synchronized;

  if (use_kernel && e.kernel_known && e.kernel_synchronized) {
    v.trusted = true;
    v.reason = TrustReason::KernelSynchronized;
  } else if (use_state && e.state_known) {
    v.trusted = v.record.counts;
    v.reason = reason_of(v.record.reason);
    if (v.trusted && e.state_source == kCameraSyncSource) {
      v.trusted = false;
      v.reason = TrustReason::StateFromCamera;
    }
  } else if (use_state) {
    v.reason = TrustReason::StateMissing;
  } else {
    v.reason = e.kernel_known ? TrustReason::KernelUnsynchronized : TrustReason::NoEvidence;
  }
  return v;
}

std::string seconds_text(int64_t ns) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%+.3f s", static_cast<double>(ns) / 1e9);
  return buf;
}

std::string human_duration(int64_t ns) {
  if (ns < 0) ns = -ns;
  int64_t s = ns / kNsPerSecond;
  auto two = [](int64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min " + two(s % 60) + " s";
  if (s < 86400) return std::to_string(s / 3600) + " h " + two(s / 60 % 60) + " min";
  return std::to_string(s / 86400) + " d " + std::to_string(s / 3600 % 24) + " h";
}

std::string explain(const TrustVerdict& v, const TrustEvidence& e, int64_t max_age_ns) {
  // When the kernel was asked too and did not vouch for the clock, say so as well.
  bool mention_kernel =
      !v.trusted && v.kernel_unsynchronized && v.reason != TrustReason::KernelUnsynchronized;
  return (mention_kernel ? "the kernel reports the clock unsynchronized, and " : "") +
         explain_reason(v, e, max_age_ns);
}

}  // namespace lansync::core
