// The upstream servers in the daemon; see upstream_set.hpp.
#include "upstream/upstream_set.hpp"

#include "os/file_drift.hpp"
#include "os/log.hpp"
#include "upstream/upstreams.hpp"

namespace lansync::sntpd {
namespace {

constexpr int64_t kDriftSaveNs = 3600'000'000'000;  // the drift file is written hourly (and at stop)
// Corrections applied in one wake-up at most; replies left waiting are read at the next.
constexpr int kMaxCorrectionsPerPoll = 64;

}  // namespace

UpstreamSet::UpstreamSet(os::Clock& clock, std::unique_ptr<Upstreams> upstreams, std::string drift_file,
                         std::string state_path, FrequencyKeepers keepers)
    : drift_file_(std::move(drift_file)),
      upstreams_(std::move(upstreams)),
      corrections_(clock, std::move(state_path)),
      thermal_(std::move(keepers.thermal)),
      shape_(std::move(keepers.shape)),
      pulse_(std::move(keepers.pulse)) {}

UpstreamSet::~UpstreamSet() = default;

void UpstreamSet::set_clock_trusted(bool trusted) { upstreams_->set_clock_trusted(trusted); }

void UpstreamSet::attach(EventLoop& loop, std::function<void()> after_read) {
  loop.when(
      [this] {
        std::lock_guard<std::mutex> lock(mutex_);
        return upstreams_->next_due_ns();
      },
      [this, after_read] {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          poll_locked();
        }
        after_read();  // a slew ended, a clock that refused: the reference is chosen again
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
          poll_locked();
        }
        after_read();
      });
  loop.every(kDriftSaveNs, os::monotonic_ns() + kDriftSaveNs, [this] { save_drift(); });
  if (shape_) {
    loop.every(kThermalReadNs, os::monotonic_ns() + kThermalReadNs, [this] {
      std::lock_guard<std::mutex> lock(mutex_);
      shape_->tick(os::monotonic_ns());
    });
  }
  if (pulse_) {
    loop.when(
        [this] {
          std::lock_guard<std::mutex> lock(mutex_);
          return pulse_->next_read_ns();
        },
        [this] {
          std::lock_guard<std::mutex> lock(mutex_);
          pulse_->read(os::monotonic_ns());
        });
  }
  if (thermal_) {
    int64_t now_mono_ns = os::monotonic_ns();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      thermal_->read(now_mono_ns);
    }
    loop.every(kThermalReadNs, now_mono_ns + kThermalReadNs, [this] {
      std::lock_guard<std::mutex> lock(mutex_);
      thermal_->read(os::monotonic_ns());
    });
  }
}

void UpstreamSet::poll_locked() {
  // Where the temperature or a pulse corrects the crystal beneath, they take its ramps out (and
  // learn better from a discipline that does not chase them: the load's steps with a sensor were
  // 0.74x chronyd's RMS offset with the ramp model allowed while the curve did not hold, 0.68x
  // without it, seeds 1-9).  The pulse holds the crystal; the sensor's curve leaves it wandering
  // by what it misses (core::Beneath).
  core::Beneath beneath = pulse_     ? core::Beneath::Pulse
                          : thermal_ ? core::Beneath::Temperature
                                     : core::Beneath::Nothing;
  for (int n = 0; n < kMaxCorrectionsPerPoll; ++n) {
    std::optional<UpstreamAction> a = upstreams_->poll_once(beneath);
    if (!a) return;
    // Learnt before a step moves the clock: the offset is the clock's before it.
    if (thermal_ && a->measured_error_ns > 0) {
      thermal_->measured(os::monotonic_ns(), a->measured_offset_ns, a->measured_error_ns);
    }
    bool done = corrections_.apply(*a);
    upstreams_->applied(*a, done);
    if (done && a->discipline.kind == core::Discipline::Step) mark_stepped_locked(*a);
    int64_t now_mono_ns = os::monotonic_ns();
    // An update (a step too): the day's shape records it and stops being followed.
    bool update = done && (a->discipline.kind == core::Discipline::Step || a->discipline.clock.is_update);
    double base_ppm = upstreams_->follower().base_frequency_ppm();
    if (update && shape_) shape_->updated(now_mono_ns, base_ppm);
    // What the frequency does while the temperature's or the pulse's correction holds is what it
    // may earn on.
    if (update && a->discipline.kind == core::Discipline::Slew && held_locked(now_mono_ns)) {
      frequencies_.add(now_mono_ns, base_ppm);
    }
  }
}

void UpstreamSet::mark_stepped_locked(const UpstreamAction& a) {
  const UpstreamFollower& f = upstreams_->follower();
  std::optional<core::UpstreamReference> r = f.reference();
  if (!r) return;
  corrections_.mark_synchronized(f.base_frequency_ppm(), r->root_distance_ns(), a.jitter_ns);
}

void UpstreamSet::save_drift() {
  std::lock_guard<std::mutex> lock(mutex_);
  save_drift_locked();
}

void UpstreamSet::save_drift_locked() {
  if (drift_file_.empty() || !upstreams_->follower().disciplined()) return;
  // The base frequency, not the kernel's: that includes the slew in progress (and the
  // temperature's compensation, which the curve saved beside it gives back at start).
  auto st = os::save_frequency(upstreams_->follower().base_frequency_ppm(), drift_file_,
                               thermal_ ? thermal_->curve() : std::nullopt,
                               pulse_ ? pulse_->reference_ppm() : std::nullopt);
  // The day's shape beside it, once this run has recorded some (what an earlier run saved stays
  // until then).
  std::vector<core::DailyShape::Point> points =
      shape_ ? shape_->saved(os::monotonic_ns()) : std::vector<core::DailyShape::Point>{};
  if (st && !points.empty()) st = os::save_shape_file(drift_file_ + os::kShapeSuffix, points);
  if (!st && !drift_save_failed_) os::log::warn("--drift-file: {}", st.error().message);
  if (st && drift_save_failed_) os::log::info("--drift-file: {} written again", drift_file_);
  drift_save_failed_ = !st;
}

std::optional<UpstreamSet::Tracking> UpstreamSet::tracking() {
  std::lock_guard<std::mutex> lock(mutex_);
  const UpstreamFollower& f = upstreams_->follower();
  if (!f.disciplined()) return std::nullopt;
  Tracking t{f.base_frequency_ppm(), f.remaining_ns(os::monotonic_ns()), f.frequency_skew_ppm(),
             f.last_offset_ns()};
  if (auto peer = f.system_peer(); peer && *peer < upstreams_->sources().size()) {
    const core::UpstreamSource& p = upstreams_->sources()[*peer];
    t.offset_error_ns = p.estimate() ? p.estimate()->offset_sd_ns : p.jitter_ns();
    t.poll_s = int64_t{1} << p.poll_log2();
    if (p.estimate() && p.estimate()->ramping) t.ramp_ppm_per_h = p.estimate()->ramp_ppm_per_h;
  }
  t.drift_bound_ppm = drift_bound_locked(os::monotonic_ns());
  t.holdover_ppm = shape_ ? shape_->following_ppm() : 0;
  return t;
}

bool UpstreamSet::controls_clock() {
  std::lock_guard<std::mutex> lock(mutex_);
  return upstreams_->controls_clock();
}

std::optional<core::UpstreamReference> UpstreamSet::reference() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (upstreams_->empty()) return std::nullopt;
  std::optional<core::UpstreamReference> r = upstreams_->follower().reference();
  if (r) r->drift_bound_ppm = drift_bound_locked(os::monotonic_ns());
  return r;
}

double UpstreamSet::drift_bound_locked(int64_t now_mono_ns) const {
  // A crystal corrected for its temperature or by a pulse may claim the drift its record earned, not PHI.
  if (held_locked(now_mono_ns)) {
    if (auto bound = frequencies_.earned_bound_ppm(now_mono_ns)) return *bound;
  }
  return static_cast<double>(proto::kPhiPpm);
}

bool UpstreamSet::held_locked(int64_t now_mono_ns) const {
  return (thermal_ && thermal_->holds(now_mono_ns)) || (pulse_ && pulse_->holds(now_mono_ns));
}

void UpstreamSet::hold(const std::function<void()>& f) {
  std::lock_guard<std::mutex> lock(mutex_);
  f();
}

void UpstreamSet::describe(std::vector<UpstreamSnapshot>& servers, std::optional<int64_t>& last_offset_ns,
                           std::optional<SelectionSnapshot>& selection) {
  std::lock_guard<std::mutex> lock(mutex_);
  last_offset_ns =
      upstreams_->empty() ? std::nullopt : std::optional<int64_t>(upstreams_->follower().last_offset_ns());
  selection = upstreams_->empty() ? std::nullopt
                                  : std::optional<SelectionSnapshot>(upstreams_->follower().snapshot());
  servers = upstreams_->status();
}

std::optional<TemperatureSnapshot> UpstreamSet::thermal() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!thermal_) return std::nullopt;
  return thermal_->snapshot();
}

std::optional<PulseSnapshot> UpstreamSet::pulse() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!pulse_) return std::nullopt;
  return pulse_->snapshot(os::monotonic_ns());
}

}  // namespace lansync::sntpd
