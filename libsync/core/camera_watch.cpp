// When a camera's SSDP traffic starts a camsync run; see camera_watch.hpp.
#include "core/camera_watch.hpp"

#include <algorithm>

#include "core/phone.hpp"
#include "core/record_age.hpp"

namespace lansync::core {

const char* code(WatchReason r) {
  switch (r) {
    case WatchReason::Appeared: return "camera_appeared";
    case WatchReason::Answered: return "camera_answered";
    case WatchReason::None: break;
  }
  return "none";
}

CameraWatch::CameraWatch(int64_t now_ns, WatchLimits limits)
    : limits_(limits), credit_ns_(limits.burst * limits.refill_ns), credit_time_ns_(now_ns) {}

bool CameraWatch::last_run(double run_id, bool failed, int64_t now_ns) {
  if (known_run_ && *known_run_ == run_id) return false;
  bool first = !known_run_;
  known_run_ = run_id;
  // A failure recorded before the watcher started counts too: the camera's next word answers it.
  failure_open_ = failed;
  if (failed) last_probe_ns_ = first ? now_ns - limits_.probe_interval_ns : now_ns;
  return failed;
}

WatchDecision CameraWatch::heard(const std::string& host, SsdpEvent event, std::optional<int64_t> max_age_ns,
                                 std::optional<uint32_t> boot_id, int64_t now_ns) {
  forget_expired(now_ns);
  if (event == SsdpEvent::Byebye) {
    hosts_.erase(host);
    return {};
  }
  auto it = hosts_.find(host);
  bool appeared = it == hosts_.end() || (boot_id && it->second.boot_id && *boot_id != *it->second.boot_id);
  int64_t lifetime_ns = std::clamp(max_age_ns.value_or(limits_.default_max_age_ns), limits_.min_max_age_ns,
                                   limits_.max_max_age_ns);
  Host& h = hosts_[host];
  h.expires_ns = now_ns + lifetime_ns;
  if (boot_id) h.boot_id = boot_id;
  if (hosts_.size() > limits_.max_hosts) {
    auto first = std::min_element(hosts_.begin(), hosts_.end(), [](const auto& a, const auto& b) {
      return a.second.expires_ns < b.second.expires_ns;
    });
    hosts_.erase(first);
  }
  // After a failed run any word from the camera answers it, whether or not it had been forgotten.
  if (failure_open_) return want(WatchReason::Answered, now_ns);
  if (appeared) return want(WatchReason::Appeared, now_ns);
  return {};
}

WatchDecision CameraWatch::due(int64_t now_ns) {
  if (pending_ == WatchReason::None || now_ns < allowed_at()) return {};
  WatchReason r = pending_;
  pending_ = WatchReason::None;
  spend(now_ns);
  return {WatchAction::Run, r};
}

bool CameraWatch::probe(int64_t now_ns) {
  if (!failure_open_ || pending_ != WatchReason::None) return false;
  if (now_ns - last_probe_ns_ < limits_.probe_interval_ns) return false;
  last_probe_ns_ = now_ns;
  return true;
}

std::optional<int64_t> CameraWatch::next_due_ns() const {
  if (pending_ != WatchReason::None) return allowed_at();
  if (failure_open_) return last_probe_ns_ + limits_.probe_interval_ns;
  return std::nullopt;
}

size_t CameraWatch::present(int64_t now_ns) const {
  return static_cast<size_t>(std::count_if(hosts_.begin(), hosts_.end(),
                                           [&](const auto& h) { return h.second.expires_ns > now_ns; }));
}

WatchDecision CameraWatch::want(WatchReason reason, int64_t now_ns) {
  // One run waits at most: later reasons merge into it, the first one's kept.
  if (pending_ != WatchReason::None) return {WatchAction::Deferred, pending_};
  if (now_ns < allowed_at()) {
    pending_ = reason;
    return {WatchAction::Deferred, reason};
  }
  spend(now_ns);
  return {WatchAction::Run, reason};
}

int64_t CameraWatch::credit_at(int64_t now_ns) const {
  int64_t full = limits_.burst * limits_.refill_ns;
  return std::min(full, credit_ns_ + (now_ns - credit_time_ns_));
}

// When the next run may be asked for: the gap after the last, and a whole run's credit.
int64_t CameraWatch::allowed_at() const {
  int64_t gap_end = last_request_ns_ ? *last_request_ns_ + limits_.min_gap_ns : credit_time_ns_;
  int64_t credit_ok = credit_time_ns_ + std::max<int64_t>(0, limits_.refill_ns - credit_ns_);
  return std::max(gap_end, credit_ok);
}

void CameraWatch::spend(int64_t now_ns) {
  credit_ns_ = credit_at(now_ns) - limits_.refill_ns;
  credit_time_ns_ = now_ns;
  last_request_ns_ = now_ns;
  failure_open_ = false;
}

void CameraWatch::forget_expired(int64_t now_ns) {
  for (auto it = hosts_.begin(); it != hosts_.end();) {
    it = it->second.expires_ns <= now_ns ? hosts_.erase(it) : std::next(it);
  }
}

bool camera_request_fresh(int64_t requested_unix_ms, int64_t now_unix_ms) {
  int64_t age_ms = now_unix_ms - requested_unix_ms;
  return age_ms >= -2'000 && age_ms <= kCameraRequestFreshMs;
}

bool phone_holds_clock(const TrustEvidence& e, int64_t now_ns, int64_t max_age_ns) {
  if (!e.state_known || e.state_source != kPhoneSyncSource) return false;
  return judge_record(e.state_last_sync_ns, e.state_boot, e.this_boot, now_ns, max_age_ns).counts;
}

bool phone_synced_since(const TrustEvidence& before, const TrustEvidence& now) {
  if (!now.state_known || now.state_source != kPhoneSyncSource) return false;
  if (!before.state_known) return true;
  return now.state_last_sync_ns != before.state_last_sync_ns ||
         now.state_boot.boot_time_ns != before.state_boot.boot_time_ns ||
         now.state_boot.boot_id != before.state_boot.boot_id;
}

bool phone_synced_after(const TrustEvidence& e, int64_t since_unix_ns) {
  return e.state_known && e.state_source == kPhoneSyncSource && e.state_boot.boot_id == e.this_boot.boot_id &&
         e.state_last_sync_ns >= since_unix_ns;
}

}  // namespace lansync::core
