// A GPS receiver through gpsd's shared memory; see upstream_refclock.hpp.
#include "upstream/upstream_refclock.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "codec/timestamp.hpp"
#include "core/reference.hpp"
#include "os/log.hpp"
#include "upstream/upstream_follower.hpp"
#include "upstream/upstream_status.hpp"

namespace lansync::sntpd {
namespace {

// The most error a user may state for a receiver: beyond a second its time is not worth serving.
constexpr double kMaxStatedErrorS = 1.0;

// "shm:N" as a unit; false when it is not one.
bool parse_shm(const std::string& text, int* unit) {
  if (text.rfind("shm:", 0) != 0 || text.size() == 4) return false;
  const char* begin = text.data() + 4;
  const char* end = text.data() + text.size();
  auto [at, ec] = std::from_chars(begin, end, *unit);
  return ec == std::errc{} && at == end && *unit >= 0 && *unit <= os::kMaxShmUnit;
}

// Seconds above 0 and at most kMaxStatedErrorS, as ns; false when it is not that.
bool parse_error_s(const std::string& text, int64_t* ns) {
  double s = 0;
  auto [at, ec] = std::from_chars(text.data(), text.data() + text.size(), s);
  if (text.empty() || ec != std::errc{} || at != text.data() + text.size() || !(s > 0) ||
      s > kMaxStatedErrorS) {
    return false;
  }
  *ns = std::max<int64_t>(1, std::llround(s * 1e9));
  return true;
}

}  // namespace

os::OsResult<std::vector<RefclockSpec>> parse_refclocks(const std::vector<std::string>& words) {
  std::vector<RefclockSpec> out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "local") {
      if (out.empty() || out.back().pps_path.empty() || out.back().local || out.back().error_ns != 0)
        return os::invalid("--gps: 'local' must follow a pps:PATH (a steady oscillator's pulse)");
      for (const RefclockSpec& s : out) {
        if (s.local) return os::invalid("--gps: one pps:PATH local at most (the crystal follows one pulse)");
      }
      out.back().local = true;
      continue;
    }
    if (words[i] == "error") {
      if (!out.empty() && out.back().local)
        return os::invalid("--gps: a local pulse has no time of its own to state an error for");
      if (out.empty() || out.back().error_ns != 0)
        return os::invalid("--gps: 'error' must follow a shm:N or a pps:PATH");
      std::string s = i + 1 < words.size() ? words[i + 1] : "";
      if (!parse_error_s(s, &out.back().error_ns)) {
        return os::invalid(fmt::format("--gps {} error: needs seconds above 0 and at most {}",
                                       out.back().text, kMaxStatedErrorS));
      }
      ++i;
      continue;
    }
    RefclockSpec spec;
    spec.text = words[i];
    if (words[i].rfind("pps:/", 0) == 0) {
      spec.pps_path = words[i].substr(4);
    } else if (!parse_shm(words[i], &spec.unit)) {
      return os::invalid(
          fmt::format("--gps {}: neither shm:N, gpsd's segment N (0 to {}), nor pps:PATH, a PPS device",
                      os::shown(words[i]), os::kMaxShmUnit));
    }
    out.push_back(spec);
  }
  return out;
}

RefclockPeer::RefclockPeer(RefclockSpec spec, os::ShmSegment segment, int64_t now_mono)
    : spec_(std::move(spec)), segment_(std::move(segment)), next_read_mono_ns_(now_mono) {}

RefclockPeer::RefclockPeer(RefclockSpec spec, os::PpsDevice pps, int64_t now_mono)
    : spec_(std::move(spec)), pps_(std::move(pps)), next_read_mono_ns_(now_mono) {}

uint32_t RefclockPeer::refid() const { return core::refid_for_source(source()); }

void RefclockPeer::note_problem(const std::string& problem) {
  if (problem != last_problem_) os::log::warn("{}: {}", name(), problem);
  last_problem_ = problem;
}

void RefclockPeer::note_second(const core::RefclockSample& r) const {
  const std::optional<core::RefclockSample>& last = filter_.last();
  int64_t moved_ns = last ? r.offset_ns - last->offset_ns : 0;
  if (std::llabs(moved_ns) < codec::kNsPerSecond / 2) return;
  os::log::warn(
      "{}: its pulses now start another second, {:+.0f} s from the last (a receiver's time or a server "
      "named it)",
      name(), static_cast<double>(moved_ns) / 1e9);
}

std::optional<core::RefclockSample> RefclockPeer::read_segment(os::Clock& clock) {
  int32_t count_after = 0;
  core::ShmRecord rec = segment_->read(&count_after);
  auto r = core::decode_shm(rec, count_after);
  if (r) {
    int64_t local_ns = clock.from_system_ns(r->local_ns);
    r->offset_ns -= local_ns - r->local_ns;
    r->local_ns = local_ns;
    return *r;
  }
  if (r.error() != core::ShmProblem::NotValid) note_problem(core::describe(r.error()));  // else nothing new
  return std::nullopt;
}

std::optional<core::RefclockSample> RefclockPeer::read_pulse(os::Clock& clock) {
  auto edge = pps_->fetch_new();
  if (!edge) {
    note_problem(edge.error().message);
    return std::nullopt;
  }
  if (!*edge) return std::nullopt;  // no new edge
  auto r = core::pps_reading(clock.from_system_ns((*edge)->assert_ns), kPpsPrecisionLog2);
  if (!r) note_problem("an edge time out of range");
  return r;
}

std::optional<int64_t> RefclockPeer::second_at(int64_t local_ns) const {
  const std::optional<core::RefclockSample>& last = filter_.last();
  if (pulse() || !last || std::llabs(local_ns - last->local_ns) > kSecondHintAgeNs) return std::nullopt;
  return last->offset_ns + learned_.offset_ns().value_or(core::kUnlearnedLatenessNs);
}

std::optional<core::UpstreamSample> RefclockPeer::next_sample() {
  std::optional<core::RefclockPoll> p = filter_.take();
  if (p) last_problem_.clear();
  last_poll_read_ = p.has_value();
  if (!p) return std::nullopt;
  os::log::debug("{}: poll of {} readings, {} kept: offset {} ns at {} ns, sd {} ns", name(), p->taken,
                 p->readings, p->offset_ns, p->time_ns, p->sd_ns);
  core::UpstreamSample u;
  u.time_ns = p->time_ns;
  u.sample.offset_ns = p->offset_ns;
  int64_t precision_ns = std::max<int64_t>(1, std::llround(std::ldexp(1e9, p->precision_log2)));
  // A receiver has no path: every poll weighs the same in the register (core/discipline weighs
  // by delay), and the readings' spread goes into the error served.
  u.sample.delay_ns = precision_ns;
  u.stratum = 0;
  u.root_delay_ns = 0;
  u.root_dispersion_ns = (spec_.error_ns != 0 ? spec_.error_ns : precision_ns) + p->sd_ns;
  u.precision_log2 = p->precision_log2;
  return u;
}

void RefclockPeer::correct(core::UpstreamSample& u, std::optional<int64_t> pulse_offset_ns) {
  int64_t difference_ns = pulse_offset_ns ? *pulse_offset_ns - u.sample.offset_ns : 0;
  if (pulse_offset_ns) {
    if (learned_.add(difference_ns)) {
      wrong_second_noted_ = false;
    } else if (!wrong_second_noted_) {
      wrong_second_noted_ = true;
      os::log::warn("{}: {:+.3f} s from the pulse: a wrong second, not a late sentence; not learned", name(),
                    static_cast<double>(difference_ns) / 1e9);
    }
  }
  int64_t learned = learned_.offset_ns().value_or(0);
  u.sample.offset_ns += learned;
  // What the pulse says the time is off by and the learning has not yet taken out (all of it
  // before four polls came) is error the sample has: the stated error alone would not cover it.
  if (pulse_offset_ns) u.root_dispersion_ns += std::llabs(difference_ns - learned);
}

void RefclockPeer::log(const core::UpstreamSource& s, const core::SourceAction& a) const {
  bool beyond = a.event == core::SourceEvent::Sample && (a.verdict == core::SampleVerdict::BeyondMaxChange ||
                                                         a.verdict == core::SampleVerdict::Falseticker);
  if (beyond) {
    os::log::warn("{}: offset {:+.3f} s is beyond --max-change: not applied ({} in a row)", s.name(),
                  static_cast<double>(a.sample.sample.offset_ns) / 1e9, s.strikes());
  }
  if (a.reach == core::ReachEvent::Unreachable) {
    os::log::warn("{}: no reading in its last {} polls; not counted until one comes", name(),
                  core::kReachPolls);
  } else if (a.reach == core::ReachEvent::Reached || a.reach == core::ReachEvent::Again) {
    os::log::info("{}: readings{}", name(), a.reach == core::ReachEvent::Again ? " again" : "");
  }
}

UpstreamSnapshot RefclockPeer::snapshot(const std::vector<core::UpstreamSource>& sources, size_t i,
                                        const UpstreamFollower& follower, int64_t now_ns,
                                        int64_t now_mono) const {
  const core::UpstreamSource& s = sources[i];
  UpstreamSnapshot u;
  u.server = name();
  u.address = spec_.text;
  bool has_sample = describe_source(s, now_ns, now_ns - (now_mono - s.reach_change_mono_ns()), u);
  u.state =
      source_state(sources, i, follower, has_sample, last_problem_.empty() ? "no reading" : last_problem_);
  u.receiver = ReceiverSnapshot{pulse(), last_poll_read_, last_problem_, learned_.offset_ns()};
  return u;
}

}  // namespace lansync::sntpd
