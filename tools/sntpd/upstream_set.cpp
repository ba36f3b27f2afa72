// The upstream servers in the daemon; see upstream_set.hpp.
#include "upstream_set.hpp"

#include "os/drift_file.hpp"
#include "os/log.hpp"

namespace lansync::sntpd {
namespace {

constexpr int64_t kDriftSaveNs = 3600'000'000'000;  // the drift file is written hourly (and at stop)

}  // namespace

UpstreamSet::UpstreamSet(os::Clock& clock, std::unique_ptr<Upstreams> upstreams, std::string drift_file)
    : clock_(clock), drift_file_(std::move(drift_file)), upstreams_(std::move(upstreams)) {}

void UpstreamSet::attach(EventLoop& loop, std::function<void()> after_read) {
  loop.when(
      [this] {
        std::lock_guard<std::mutex> lock(mutex_);
        return upstreams_->next_due_ns();
      },
      [this] {
        std::lock_guard<std::mutex> lock(mutex_);
        upstreams_->poll_once();
      });
  // Upstream sockets come and go as names resolve: the set is asked anew each round.
  loop.watch_set(
      [this] {
        std::lock_guard<std::mutex> lock(mutex_);
        return upstreams_->fds();
      },
      [this, after_read = std::move(after_read)] {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          upstreams_->poll_once();
        }
        after_read();
      });
  loop.every(kDriftSaveNs, os::monotonic_ns() + kDriftSaveNs, [this] { save_drift(); });
}

void UpstreamSet::save_drift() {
  std::lock_guard<std::mutex> lock(mutex_);
  save_drift_locked();
}

void UpstreamSet::save_drift_locked() {
  if (drift_file_.empty() || !upstreams_->disciplined()) return;
  auto st = os::save_frequency(clock_, drift_file_);
  if (!st && !drift_save_failed_) os::log::warn("--drift-file: {}", st.error().message);
  drift_save_failed_ = !st;
}

bool UpstreamSet::controls_clock() {
  std::lock_guard<std::mutex> lock(mutex_);
  return upstreams_->controls_clock();
}

std::optional<core::UpstreamReference> UpstreamSet::reference() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (upstreams_->empty()) return std::nullopt;
  return upstreams_->reference();
}

void UpstreamSet::hold(const std::function<void()>& f) {
  std::lock_guard<std::mutex> lock(mutex_);
  f();
}

void UpstreamSet::describe(std::vector<UpstreamSnapshot>& servers, std::optional<int64_t>& last_offset_ns,
                           std::optional<SelectionSnapshot>& selection) {
  std::lock_guard<std::mutex> lock(mutex_);
  last_offset_ns = upstreams_->empty() ? std::nullopt : std::optional<int64_t>(upstreams_->last_offset_ns());
  selection = upstreams_->empty() ? std::nullopt : std::optional<SelectionSnapshot>(upstreams_->selection());
  for (const UpstreamStatus& u : upstreams_->status()) {
    UpstreamSnapshot s;
    s.server = u.name;
    s.address = u.address;
    s.state = u.state;
    s.reach = u.reach;
    s.poll_s = int64_t{1} << u.poll_log2;
    s.rejected = u.rejected;
    s.reachable = u.reachable;
    if (u.reachable_since_ns >= 0) s.reachable_since_ns = u.reachable_since_ns;
    if (u.has_sample) {
      s.stratum = u.stratum;
      s.offset_ns = u.offset_ns;
      s.delay_ns = u.delay_ns;
      s.last_sample_age_ns = u.last_sample_age_ns;
    }
    servers.push_back(s);
  }
}

}  // namespace lansync::sntpd
