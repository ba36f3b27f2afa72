// Camera clock procedure; see camera_sync.hpp.
#include "flow/camera_sync.hpp"

#include <algorithm>
#include <cstdlib>

#include "os/clock_zone.hpp"
#include "proto/units.hpp"

namespace lansync::flow {
namespace {

using proto::kNsPerMs;
using proto::kNsPerSecond;
// Coarse readings until the camera's second changes: at most 15, 100 ms apart.
constexpr int64_t kCoarseSpacingNs = 100 * kNsPerMs;
constexpr size_t kMaxCoarseReadings = 15;
// Dense readings across the predicted change, 2 ms apart (or back to back
// when a round trip is longer).
constexpr int64_t kFineSpacingNs = 2 * kNsPerMs;
constexpr size_t kMaxReadings = 120;
// A measurement gives up refining after this much local time.
constexpr int64_t kMeasureBudgetNs = 3 * kNsPerSecond;
// The timed PUT is prepared at least this long before it is sent.
constexpr int64_t kSetLeadNs = 20 * kNsPerMs;

// Between the last reading of the camera's second before it last changed and the first after it
// (the readings' middle where it never changed).
int64_t change_time_ns(const std::vector<core::SecondReading>& rs) {
  for (size_t i = rs.size(); i-- > 1;) {
    if (rs[i].camera_s != rs[i - 1].camera_s) return rs[i - 1].t1_ns + (rs[i].t4_ns - rs[i - 1].t1_ns) / 2;
  }
  return rs.front().t1_ns + (rs.back().t4_ns - rs.front().t1_ns) / 2;
}

}  // namespace

void CameraSync::wait_until(int64_t local_ns) {
  // Sleep to 1 ms short, then the rest: the target is met to the sleep's slack.
  for (int i = 0; i < 1000; ++i) {
    int64_t d = local_ns - clock_.now_ns();
    // Beyond a few seconds the clock was stepped back under us: do not hang.
    if (d <= 0 || d > 5 * kNsPerSecond) return;
    clock_.sleep_ns(d > 2 * kNsPerMs ? d - kNsPerMs : d);
  }
}

os::OsResult<core::SecondReading> CameraSync::read(os::CameraDateTime* last, int64_t* rtt_ns) {
  core::SecondReading r;
  r.t1_ns = clock_.now_ns();
  auto dt = camera_.read_datetime();
  r.t4_ns = clock_.now_ns();
  if (!dt) return fail(dt.error());
  auto s = codec::ccapi_date_to_unix(dt->date, dt->dst);
  if (!s)
    return fail(os::Error{os::CameraErrc::malformed,
                          "the camera's date '" + os::shown(dt->text) + "' is out of range"});
  r.camera_s = *s;
  *rtt_ns = r.t4_ns - r.t1_ns;
  *last = std::move(*dt);
  return r;
}

os::OsResult<OffsetMeasurement> CameraSync::measure() {
  std::vector<core::SecondReading> rs;
  OffsetMeasurement m;
  m.min_rtt_ns = INT64_MAX;
  auto take = [&]() -> os::Status {
    int64_t rtt = 0;
    auto r = read(&m.last, &rtt);
    if (!r) return fail(r.error());
    rs.push_back(*r);
    m.min_rtt_ns = std::min(m.min_rtt_ns, rtt);
    return os::ok();
  };
  auto bounds = [&]() -> os::OsResult<core::OffsetBounds> {
    auto b = core::camera_offset_bounds(rs.data(), rs.size());
    if (b) return *b;
    if (b.error() == core::OffsetError::Inconsistent) {
      return fail(
          os::Error{os::CameraErrc::inconsistent,
                    "the camera's clock readings contradict each other (it does not advance, or it jumped)"});
    }
    return fail(
        os::Error{os::CameraErrc::malformed, "the camera's date is more than 100 years from this clock's"});
  };

  int64_t start_real_ns = clock_.now_ns();
  if (auto st = take(); !st) return fail(st.error());
  // Coarse: until the camera's second changes.
  while (rs.back().camera_s == rs.front().camera_s && rs.size() < kMaxCoarseReadings) {
    wait_until(rs.back().t1_ns + kCoarseSpacingNs);
    if (auto st = take(); !st) return fail(st.error());
  }
  auto b = bounds();
  if (!b) return fail(b.error());
  // Dense: across the next change, now that it can be predicted.
  if (rs.back().camera_s != rs.front().camera_s) {
    int64_t half_rtt = m.min_rtt_ns / 2;
    core::EdgeWindow edge =
        core::next_second_edge(*b, clock_.now_ns() + half_rtt + kFineSpacingNs + kNsPerMs);
    int64_t first = edge.start_ns - half_rtt - kFineSpacingNs;
    if (first - start_real_ns < kMeasureBudgetNs) {
      wait_until(first);
      while (rs.size() < kMaxReadings) {
        if (auto st = take(); !st) return fail(st.error());
        if (rs.back().camera_s >= edge.camera_s) break;
        if (rs.back().t1_ns > edge.end_ns + m.min_rtt_ns + kFineSpacingNs) break;
        if (rs.back().t1_ns - start_real_ns > kMeasureBudgetNs) break;
        wait_until(rs.back().t1_ns + kFineSpacingNs);
      }
      b = bounds();
      if (!b) return fail(b.error());
    }
  }
  m.offset_ns = b->offset_ns();
  m.uncertainty_ns = b->uncertainty_ns();
  m.readings = static_cast<int>(rs.size());
  m.at_ns = change_time_ns(rs);
  return m;
}

os::Status CameraSync::set_on_second(const SyncOptions& options, int64_t min_rtt_ns, SyncReport* report) {
  int64_t lead_ns = min_rtt_ns / 2;
  int64_t t_ns = core::next_whole_second_ns(clock_.now_ns() + kSetLeadNs, lead_ns);
  int64_t t_s = t_ns / kNsPerSecond;
  auto zone = os::zone_at(t_s, options.tz);
  if (!zone) return fail(zone.error());
  auto date = codec::ccapi_date_from_unix(t_s, static_cast<int16_t>(zone->std_offset_s / 60), zone->dst);
  if (!date) return os::invalid("cannot express the local time in the camera's format");
  char text[codec::kCcapiDateMaxLength + 1];
  auto n = codec::format_ccapi_date(*date, text, sizeof(text));
  if (!n) return os::invalid("cannot express the local time in the camera's format");
  report->sent.assign(text, *n);
  report->sent_dst = zone->dst;
  wait_until(t_ns - lead_ns);
  int64_t t1 = clock_.now_ns();
  os::Status st = camera_.write_datetime(*date, zone->dst);
  report->put_rtt_ns = clock_.now_ns() - t1;
  return st;
}

SyncReport CameraSync::run(const SyncOptions& options) {
  SyncReport rep;
  int64_t backoff_ns = options.backoff_ns;
  // Runs op, waiting out busy replies with doubling pauses.
  auto with_retries = [&](auto op) {
    for (;;) {
      auto r = op();
      if (r || r.error().code != os::CameraErrc::busy || rep.busy_waits >= options.retries) return r;
      ++rep.busy_waits;
      rep.busy_message = r.error().message;
      clock_.sleep_ns(backoff_ns);
      backoff_ns = std::min(backoff_ns * 2, options.backoff_ns * 8);
    }
  };

  if (auto st = with_retries([&] { return camera_.check_supported(); }); !st) {
    rep.error = st.error();
    return rep;
  }
  auto before = with_retries([&] { return measure(); });
  if (!before) {
    rep.error = before.error();
    return rep;
  }
  rep.before = *before;
  auto zone = os::zone_at(clock_.now_ns() / kNsPerSecond, options.tz);
  if (!zone) {
    rep.error = zone.error();
    return rep;
  }
  rep.zone_differs = before->last.date.zone_min != zone->std_offset_s / 60 || before->last.dst != zone->dst;
  bool off = std::llabs(before->offset_ns) > options.threshold_ns;
  if (!off && !rep.zone_differs) {
    rep.verified = true;
    return rep;
  }
  if (options.dry_run) {
    rep.action = SyncAction::DryRun;
    return rep;
  }
  auto set = with_retries([&] { return set_on_second(options, before->min_rtt_ns, &rep); });
  if (!set) {
    rep.error = set.error();
    return rep;
  }
  rep.action = SyncAction::Set;
  auto after = with_retries([&] { return measure(); });
  if (!after) {
    rep.error = after.error();
    return rep;
  }
  rep.after = *after;
  rep.verified = std::llabs(after->offset_ns) <= options.threshold_ns;
  return rep;
}

}  // namespace lansync::flow
