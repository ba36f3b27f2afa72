// The board; see board.hpp.
#include "firmware/board/board.hpp"

#include "codec/mac.hpp"
#include "codec/ntp_packet.hpp"
#include "codec/timestamp.hpp"
#include "firmware/board/wide.hpp"
#include "proto/units.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kNever = 0x7FFF'FFFF'FFFF'FFFF;
constexpr int64_t kSecondNs = codec::kNsPerSecond;
// A sample further from the prediction than its own error allows is set
// aside; this many in a row mean the reference really moved.
constexpr uint8_t kConfirmJumps = 3;
// The poll interval doubles after this many quiet bursts in a row: bursts
// whose least-delay sample was queued no more than kQuietNs and agreed with
// the prediction to within kQuietNs (plus its standard error).  A noisy path
// needs every sample the budget allows; a quiet one holds the clock with few.
constexpr uint8_t kStableBursts = 4;
constexpr int64_t kQuietNs = 100'000;
// The history spans at least this long, and at least eight sampling
// intervals: long enough to average the queueing out, short enough that
// the crystal's frequency stays put over it (bench/README.md).
constexpr int64_t kMinWindowNs = int64_t{1800} * 1'000'000'000;
// The outlier test allows for this much frequency wander since the last fit,
// and this much on top of everything.
constexpr int64_t kWanderPpb = 2'000;
constexpr int64_t kOutlierMarginNs = 200'000;
// The least delay of an estimator holding this many samples is taken as the path's.
constexpr size_t kSleepPathSamples = 16;
// The least standard deviation of a burst after waking: what the path's least delay may be off by.
constexpr int64_t kWakeSampleFloorNs = 50'000;
// A sample's time must lie between 2026 (codec::kEarliestPlausibleUnixSeconds)
// and 2200 (the DS3231's calendar ends in 2199); NTP eras are unfolded
// around the clock, but never around a time after 2190, so that nothing
// reaches the end of int64 nanoseconds (2262).
constexpr int64_t kLastPlausibleNs = int64_t{7'258'118'400} * kSecondNs;
constexpr int64_t kLatestPivotNs = int64_t{6'942'499'200} * kSecondNs;
// Before a frequency is fitted, a sample may differ from the prediction by a
// second plus 1000 ppm of the time since; beyond that it is an outlier.
constexpr int64_t kUnfittedSlackNs = kSecondNs;
constexpr int64_t kUnfittedRatePpb = 1'000'000;
// The first burst from the network sets the clock within its own error only: where the network
// held its replies (a new flow's first packets, an access point waking its radio) that error is
// half the held round trip.  For this many updates after it, a correction beyond kSettleStepNs is
// stepped, as chrony's makestep steps its first updates, to the board's millisecond: slewed at
// 500 ppm, the 0.12 s an emulated C3's first burst was off took four minutes.
constexpr uint8_t kSettleUpdates = 3;
constexpr int64_t kSettleStepNs = 1'000'000;

bool plausible_utc(int64_t utc_ns) {
  return utc_ns >= codec::kEarliestPlausibleUnixSeconds * kSecondNs && utc_ns < kLastPlausibleNs;
}

// The samples of one burst agree with its best to within a second, or something is wrong with them.
bool agrees_with(const Sample& s, const Sample& best) {
  return plausible_utc(s.utc_ns) &&
         abs64((s.utc_ns - best.utc_ns) - (s.local_ns - best.local_ns)) <= kUnfittedSlackNs;
}

BoardHttpConfig http_config(const BoardConfig& c) {
  return BoardHttpConfig{c.key.enabled(), c.phone_error_ns, c.random64, c.random_context};
}

RtcKeeperConfig rtc_config(const BoardConfig& c) {
  return RtcKeeperConfig{c.has_rtc,
                         c.rtc_set_unix_s,
                         c.rtc_set_error_ns,
                         c.rtc_unknown_error_ns,
                         c.rtc_drift_ppb,
                         c.rtc_min_write_interval_ns,
                         c.rtc_resync_interval_ns,
                         c.rtc_read_interval_ns};
}

}  // namespace

Board::Board(const BoardConfig& config)
    : config_(config),
      estimator_(config.sigma_floor_ns),
      client_(config.client),
      network_(config.network),
      http_(http_config(config)),
      rtc_(rtc_config(config)),
      sleep_timer_(config.sleep_drift_ppb, config.sleep_rate_ppb, config.sleep_wander_ppb_per_h) {}

void Board::start(int64_t local_ns) {
  started_ = true;
  rtc_.start();
  if (config_.use_server) client_.start(local_ns);
  network_.start(local_ns);
  state_.last_online_local_ns = local_ns;
}

// --- Wi-Fi.

bool Board::wifi_step(WifiStep step, Action* a) {
  switch (step) {
    case WifiStep::Join:
      a->kind = ActionKind::JoinNetwork;
      a->wifi = &network_.config().known;
      return true;
    case WifiStep::StartAccessPoint:
      a->kind = ActionKind::StartAccessPoint;
      a->wifi = &network_.config().own;
      return true;
    case WifiStep::Joined: push(EventKind::Joined); break;
    case WifiStep::JoinFailed: push(EventKind::JoinFailed); break;
    case WifiStep::AccessPointUp: push(EventKind::AccessPointStarted); break;
    case WifiStep::AccessPointDown: push(EventKind::AccessPointFailed); break;
    case WifiStep::None: break;
  }
  return false;
}

void Board::on_wifi(WifiReport report, int64_t local_ns) {
  Action unused;
  wifi_step(network_.on_report(report, local_ns), &unused);
}

// --- The clock and its error bound.

int64_t Board::error_ns(int64_t local_ns) const {
  return state_.error.at(local_ns) + abs64(clock_.slew_left_ns(local_ns));
}

Reading Board::now(int64_t local_ns) const {
  Reading r;
  r.source = state_.source;
  r.utc_ns = clock_.utc_ns(local_ns);
  if (!clock_.is_set() || state_.source == Source::None) {
    r.error_ns = kNever;
    return r;
  }
  r.error_ns = error_ns(local_ns);
  r.synchronized = r.error_ns <= config_.max_error_ns;
  return r;
}

int64_t Board::pivot_ns(int64_t local_ns) const {
  int64_t utc = clock_.is_set() ? clock_.utc_ns(local_ns) : 0;
  return utc < kLatestPivotNs ? utc : kLatestPivotNs;
}

bool Board::online(int64_t local_ns) const { return state_.online(local_ns, config_.offline_after_ns); }

// A sample's own error is at most half its delay (asymmetry); the prediction's, a few standard
// errors plus what the frequency may have wandered since.  A sample beyond both is an outlier.
bool Board::inlier(const Sample& s) const {
  if (!fit_.ok) return true;
  int64_t residual = s.utc_ns - fit_.predict(s.local_ns);
  int64_t age_ns = abs64(s.local_ns - fit_.local_ns);
  if (!fit_.freq_fitted) return abs64(residual) <= kUnfittedSlackNs + scale_ppb(age_ns, kUnfittedRatePpb);
  int64_t bound = s.delay_ns / 2 + 4 * fit_.offset_sd_ns + scale_ppb(age_ns, kWanderPpb) +
                  scale_q32(age_ns, 3 * fit_.freq_sd_q32) + kOutlierMarginNs;
  return abs64(residual) <= bound;
}

void Board::adapt_poll(const Sample& best) {
  int64_t queued = max64(0, best.delay_ns - fit_.min_delay_ns) / 2;
  if (queued <= kQuietNs &&
      abs64(best.utc_ns - fit_.predict(best.local_ns)) <= kQuietNs + fit_.offset_sd_ns) {
    if (++stable_bursts_ >= kStableBursts) {
      client_.poll_up();
      stable_bursts_ = 0;
    }
  } else {
    client_.poll_down();
    stable_bursts_ = 0;
  }
}

void Board::steer_clock(int64_t local_ns, int64_t offset_ns, bool jump, const Sample& best) {
  int64_t target = fit_.predict(local_ns);
  bool first = state_.networked() && (!clock_.is_set() || !ntp_synced_once_);
  bool settling = state_.networked() && settle_updates_ > 0;
  settle_updates_ = first ? kSettleUpdates : static_cast<uint8_t>(settle_updates_ - (settling ? 1 : 0));
  if (!clock_.is_set()) {
    clock_.step(local_ns, target);
    clock_.slew(local_ns, 0, fit_.freq_q32);
    push(EventKind::ClockSet, target);
  } else if (first || (jump && abs64(offset_ns) > config_.step_threshold_ns) ||
             (settling && abs64(offset_ns) > kSettleStepNs)) {
    clock_.step(local_ns, target);
    clock_.slew(local_ns, 0, fit_.freq_q32);
    push(EventKind::Stepped, offset_ns);
  } else {
    clock_.slew(local_ns, offset_ns, fit_.freq_q32);
  }
  if (state_.networked()) {
    // The sleep timer's filter across the next sleep starts from the estimator's clock.
    sleep_timer_.clock_steered(fit_.offset_sd_ns + (best.delay_ns - fit_.min_delay_ns) / 4,
                               estimator_.size() >= kSleepPathSamples ? fit_.min_delay_ns : 0);
  } else {
    sleep_timer_.forget_sleep();
  }
}

int64_t Board::steer_after_wake(const Sample* samples, size_t n, const Sample& best, int64_t local_ns) {
  // The burst read as the estimator reads its envelopes, each way on its own: the least forward
  // delay (y + delay/2, offset plus uplink) bounds the offset from above, the least backward one
  // (delay/2 - y, downlink minus offset) from below, each less its half of the path's least delay
  // (the least seen, awake or in a burst: the split is the estimator's midline, asymmetry and
  // all).  With each way's queueing exponential, the likelihood is flat between the two bounds:
  // the middle, at the width's uniform standard deviation (width / sqrt(12)), plus a floor for
  // what the path's least delay may be off by.  Then against the clock carried across the sleep
  // by the sleep timer's filter.
  sleep_timer_.saw_path_delay(best.delay_ns);
  int64_t path = sleep_timer_.path_delay_ns();
  int64_t min_fwd = kNever;
  int64_t min_bwd = kNever;
  for (size_t i = 0; i < n; ++i) {
    const Sample& s = samples[i];
    if (!agrees_with(s, best)) continue;
    int64_t y = s.utc_ns - clock_.utc_ns(s.local_ns);
    min_fwd = min64(min_fwd, y + s.delay_ns / 2);
    min_bwd = min64(min_bwd, s.delay_ns / 2 - y);
  }
  if (min_fwd == kNever) {
    int64_t y = best.utc_ns - clock_.utc_ns(best.local_ns);
    min_fwd = y + best.delay_ns / 2;
    min_bwd = best.delay_ns / 2 - y;
  }
  int64_t hi = min_fwd - path / 2;
  int64_t lo = path / 2 - min_bwd;
  int64_t offset_ns = lo + (hi - lo) / 2;
  int64_t width = max64(hi - lo, 0);
  // What the samples guarantee whatever the path's asymmetry: the offset lies in [-min_bwd, min_fwd].
  int64_t guaranteed = max64(min_fwd - offset_ns, offset_ns + min_bwd) + 1000;
  int64_t sample_sd = width * 289 / 1000 + kWakeSampleFloorNs;
  int64_t sd = 0;
  int64_t correction = sleep_timer_.on_wake_sample(offset_ns, sample_sd, clock_.utc_ns(local_ns), &sd);
  clock_.step(local_ns, clock_.utc_ns(local_ns) + correction);
  clock_.slew(local_ns, 0, clock_.freq_q32());
  push(EventKind::Stepped, correction);
  // The samples' own guarantee, plus how far the clock stayed from them; once the filter is
  // trusted, three of its standard deviations and what no client can see (the path's
  // asymmetry, within half its least delay) if that is less.
  int64_t bound = guaranteed + abs64(offset_ns - correction);
  return sleep_timer_.trusted() ? min64(bound, path / 2 + 3 * sd) : bound;
}

void Board::apply_samples(Source source, const Sample* samples, size_t n, const Sample& best,
                          int64_t upstream_distance_ns, int64_t local_ns) {
  if (!plausible_utc(best.utc_ns)) return;
  if (estimator_source_ != source) {
    estimator_.clear();
    fit_ = Fit{};
    outliers_ = 0;
    stable_bursts_ = 0;
    estimator_source_ = source;
  }
  // Before the clock was first set it had no time to be off from.
  int64_t ours = clock_.is_set() ? clock_.utc_ns(best.local_ns) : best.utc_ns;
  size_t inliers = 0;
  for (size_t i = 0; i < n; ++i) inliers += inlier(samples[i]) ? 1u : 0u;
  bool jump = false;
  if (inliers == 0) {
    // The whole burst disagrees: an outlier, or the reference moved.
    if (++outliers_ < kConfirmJumps) {
      push(EventKind::Outlier, best.utc_ns - fit_.predict(best.local_ns));
      return;
    }
    estimator_.clear();
    jump = true;
  } else if (source == Source::Ntp && fit_.ok && fit_.freq_fitted) {
    adapt_poll(best);
  }
  outliers_ = 0;
  int64_t gap_ns = estimator_.size() > 0 ? best.local_ns - last_sample_local_ns_ : 0;
  for (size_t i = 0; i < n; ++i) {
    const Sample& s = samples[i];
    if (agrees_with(s, best) && (jump || inlier(s))) estimator_.add(s);
  }
  last_sample_local_ns_ = best.local_ns;
  estimator_.expire(best.local_ns - max64(kMinWindowNs, 8 * gap_ns));
  fit_ = estimator_.fit(clock_.freq_q32());
  anchor_after_wake();

  int64_t offset_ns = clock_.is_set() ? fit_.predict(local_ns) - clock_.utc_ns(local_ns) : 0;
  bool woke = clock_.is_set() && !jump && sleep_timer_.woke() && source == state_.source &&
              (source == Source::Ntp || source == Source::Broadcast);
  state_.source = source;
  int64_t error = fit_.min_delay_ns / 2 + 2 * fit_.offset_sd_ns;
  if (woke) {
    error = steer_after_wake(samples, n, best, local_ns);
  } else {
    steer_clock(local_ns, offset_ns, jump, best);
  }
  state_.last_offset_ns = best.utc_ns - ours;
  state_.last_delay_ns = best.delay_ns;
  state_.reference_utc_ns = clock_.utc_ns(local_ns);
  state_.set_error(local_ns, upstream_distance_ns + error, kPhiPpb);
  if (state_.networked()) {
    ntp_synced_once_ = true;
    state_.last_online_local_ns = local_ns;
  }
  push(EventKind::Updated);
}

// --- NTP.

void Board::finish_burst(int64_t local_ns) {
  BurstResult b;
  if (!client_.take_burst(local_ns, &b)) return;
  if (b.kiss_code != 0) push(EventKind::Kiss, 0, b.kiss_code);
  if (!b.have_sample) {
    if (b.unsynchronized > 0) {
      if (!last_burst_unsynchronized_) push(EventKind::ServerUnsynchronized);
      last_burst_unsynchronized_ = true;
    } else if (b.sent > 0 && b.kiss_code == 0) {
      if (!last_burst_silent_) push(EventKind::NoReply);
      last_burst_silent_ = true;
    }
    return;
  }
  last_burst_unsynchronized_ = false;
  last_burst_silent_ = false;
  apply_samples(Source::Ntp, b.samples, b.sample_count, b.best, b.root_delay_ns / 2 + b.root_dispersion_ns,
                local_ns);
  if (state_.source == Source::Ntp) {
    state_.upstream = Upstream{b.stratum, config_.server_refid, b.root_delay_ns + fit_.min_delay_ns};
  }
}

void Board::note_verdict(proto::ReplyStatus status, const uint8_t* data, size_t size) {
  if (status == proto::ReplyStatus::Ok) last_unauthenticated_ = false;
  if (!proto::is_forgery(status)) return;
  ++unauthenticated_;
  if (last_unauthenticated_) return;
  last_unauthenticated_ = true;
  // Said once: only then is the MAC checked again, to say what was wrong.
  auto decoded = codec::decode(data, size);
  push(EventKind::Unauthenticated, 0,
       static_cast<uint32_t>(decoded ? proto::check_auth(data, *decoded, &config_.key).status
                                     : proto::AuthStatus::Unsigned));
}

void Board::on_ntp_packet(const uint8_t* data, size_t size, int64_t local_ns) {
  if (!config_.use_server || !started_) return;
  note_verdict(client_.on_reply(data, size, local_ns, pivot_ns(local_ns)), data, size);
  finish_burst(local_ns);
}

void Board::on_broadcast(const uint8_t* data, size_t size, int64_t local_ns, uint32_t refid) {
  if (!config_.listen_broadcast || !started_) return;
  BurstResult b;
  proto::ReplyStatus v = read_broadcast(data, size, local_ns, pivot_ns(local_ns), config_.broadcast_delay_ns,
                                        &b, &config_.key, client_key_id());
  note_verdict(v, data, size);
  if (v == proto::ReplyStatus::Unsynchronized) {
    if (!last_burst_unsynchronized_) push(EventKind::ServerUnsynchronized);
    last_burst_unsynchronized_ = true;
  }
  if (v != proto::ReplyStatus::Ok) return;
  last_burst_unsynchronized_ = false;
  if (config_.key.enabled() && !broadcasts_.admit(refid, b.best.utc_ns, b.best.local_ns)) return;
  apply_samples(Source::Broadcast, &b.best, 1, b.best, b.root_delay_ns / 2 + b.root_dispersion_ns, local_ns);
  if (state_.source == Source::Broadcast) {
    state_.upstream = Upstream{b.stratum, refid, b.root_delay_ns + b.best.delay_ns};
  }
}

// --- The DS3231.

RtcView Board::rtc_view(int64_t local_ns) const { return RtcView{&clock_, now(local_ns), online(local_ns)}; }

void Board::take(const RtcOutcome& o, int64_t local_ns) {
  if (o.kind == RtcOutcome::Kind::Event) push(o.event, o.value_ns, o.code);
  if (o.kind != RtcOutcome::Kind::Follow) return;
  apply_samples(Source::Rtc, &o.tick, 1, o.tick, o.error_ns, local_ns);
  rtc_.followed(o.tick, clock_);
}

void Board::on_rtc_read(const uint8_t* regs, size_t size, bool ok, int64_t local_ns) {
  RtcOutcome o = rtc_.on_read(regs, size, ok, local_ns);
  if (o.kind == RtcOutcome::Kind::Ticked) o = rtc_.on_tick(o.tick, local_ns, rtc_view(local_ns));
  take(o, local_ns);
}

void Board::on_rtc_written(bool ok, int64_t local_ns) {
  take(rtc_.on_written(ok, local_ns, rtc_view(local_ns)), local_ns);
}

// --- What to do next.

Action Board::next_action(int64_t local_ns) {
  Action a;
  a.at_local_ns = kNever;
  if (!started_) return a;
  for (WifiStep step = network_.next(local_ns); step != WifiStep::None; step = network_.next(local_ns)) {
    a.at_local_ns = local_ns;
    if (wifi_step(step, &a)) return a;
  }
  for (int pass = 0; pass < 2; ++pass) {
    RtcTransfer t;
    if (rtc_.transfer(local_ns, &t)) {
      a.kind = t.write ? ActionKind::WriteRtc : ActionKind::ReadRtc;
      a.reg = t.reg;
      a.size = t.size;
      for (uint8_t i = 0; t.write && i < t.size; ++i) a.data[i] = t.data[i];
      a.at_local_ns = t.at_local_ns;
      return a;
    }
    if (client_.request_due(local_ns)) {
      uint64_t cookie = config_.random64 != nullptr ? config_.random64(config_.random_context) : 0;
      a.kind = ActionKind::SendNtp;
      a.size = static_cast<uint8_t>(
          client_.make_request(local_ns, cookie, a.data, sizeof(a.data), &config_.key, client_key_id()));
      a.at_local_ns = local_ns;
      if (a.size > 0) return a;  // else it could not be signed: the burst goes on without it
    }
    finish_burst(local_ns);
    if (pass == 0 && rtc_.plannable()) take(rtc_.plan(local_ns, rtc_view(local_ns)), local_ns);
  }

  int64_t wake = min64(client_.next_event_ns(), network_.wake_ns());
  bool heard = online(local_ns);
  wake = min64(wake, rtc_.wake_ns(local_ns, heard, state_.last_online_local_ns + config_.offline_after_ns));
  // Nothing is due now (else it was returned above): never ask the port to spin.
  if (wake <= local_ns) wake = local_ns + 1'000'000;
  a.kind = ActionKind::Wait;
  a.at_local_ns = wake;
  return a;
}

// --- Server mode.

size_t Board::serve_ntp(const uint8_t* request, size_t size, int64_t local_ns, uint8_t* out, size_t cap) {
  if (!serving() || !started_) return 0;
  auto checked = proto::check_request(request, size);
  if (!checked) return 0;
  proto::Authorization auth = proto::authorize_request(request, *checked, &config_.key, false, cap);
  if (!auth.ok) {
    if (auth.reason == proto::DropReason::UnknownKey || auth.reason == proto::DropReason::BadMac)
      ++auth_refused_;
    return 0;
  }
  Reading r = now(local_ns);
  codec::NtpHeader h;
  proto::make_reply(checked->header, r.utc_ns, served_reference(r), &h);
  size_t n = codec::encode(h, out, cap);
  // Signed, as long as the request, whose MAC has our length: stamp_transmit() signs.
  return auth.key_id == 0 ? n : n + proto::mac_trailer_size(config_.key, auth.key_id, h.version);
}

proto::ReferenceState Board::served_reference(const Reading& r) const {
  proto::ReferenceState ref = proto::unsynchronized_reference(config_.precision_log2);
  bool networked = state_.networked();
  if (!r.synchronized || (networked && state_.upstream.stratum >= 15)) return ref;
  ref.synchronized = true;
  ref.stratum = networked ? static_cast<uint8_t>(state_.upstream.stratum + 1) : config_.local_stratum;
  ref.refid = networked ? state_.upstream.refid : proto::kLocalRefid;
  ref.reference_time_ns = state_.reference_utc_ns;
  ref.root_delay_ns = networked ? state_.upstream.root_delay_ns : 0;
  // Root distance = root delay / 2 + root dispersion is then our error bound, now.
  ref.root_dispersion_ns = max64(0, r.error_ns - ref.root_delay_ns / 2);
  ref.dispersion_time_ns = r.utc_ns;
  return ref;
}

size_t Board::stamp_transmit(uint8_t* reply, size_t size, int64_t local_ns) const {
  int64_t utc_ns = clock_.utc_ns(local_ns);
  proto::TransmitClock at{[](void* t) { return *static_cast<int64_t*>(t); }, &utc_ns};
  uint32_t key_id = size > codec::kHeaderSize ? config_.key.id : 0;
  size_t n = proto::finish_reply(reply, size, true, at, &config_.key, key_id, nullptr);
  return n == size ? size : 0;
}

// --- HTTP.

size_t Board::serve_http(const char* request, size_t size, int64_t local_ns, char* out, size_t cap) {
  PhoneSet set;
  size_t n = http_.serve(request, size, local_ns, clock_view(local_ns), &set, out, cap);
  if (set.accepted) set_from(Source::Phone, set.utc_ns, set.error_ns, local_ns);
  return n;
}

void Board::set_from(Source source, int64_t utc_ns, int64_t error_ns, int64_t local_ns) {
  bool was_set = clock_.is_set() && state_.source != Source::None;
  int64_t step = utc_ns - clock_.utc_ns(local_ns);
  clock_.step(local_ns, utc_ns);
  estimator_.clear();
  fit_ = Fit{};
  estimator_source_ = source;
  state_.source = source;
  // This step did not come from the network: a server heard again steps on its first good burst.
  ntp_synced_once_ = false;
  sleep_timer_.forget_sleep();
  state_.reference_utc_ns = utc_ns;
  state_.last_offset_ns = step;
  state_.set_error(local_ns, error_ns, kPhiPpb);
  rtc_.write_soon(local_ns);
  push(was_set ? EventKind::Stepped : EventKind::ClockSet, was_set ? step : utc_ns);
}

// --- A time another protocol carried.

const char* describe(TimeMessageVerdict v) {
  switch (v) {
    case TimeMessageVerdict::Set: return "clock set from the message";
    case TimeMessageVerdict::NotBetter: return "not taken: a server is heard, or the clock is better";
    case TimeMessageVerdict::Refused: return "refused: not a usable round trip";
  }
  return "unknown";
}

TimeMessageVerdict Board::on_time_message(const proto::TimeMessage& m, int64_t local_ns) {
  auto reading = proto::read_time_message(m);
  if (!reading || local_ns < m.received_local_ns || !plausible_utc(reading->utc_ns)) {
    return TimeMessageVerdict::Refused;
  }
  // Carried to local_ns on the counter, the bound growing at PHI meanwhile.
  int64_t since_ns = local_ns - m.received_local_ns;
  int64_t utc = reading->utc_ns + since_ns;
  int64_t error = reading->error_ns + scale_ppb(since_ns, kPhiPpb);
  // As a phone's set.
  if (!takes_set(clock_view(local_ns), error)) return TimeMessageVerdict::NotBetter;
  set_from(Source::Message, utc, error, local_ns);
  return TimeMessageVerdict::Set;
}

// --- Deep sleep.

const char* describe(WakeResult w) {
  switch (w) {
    case WakeResult::Restored: return "woke from deep sleep: clock restored";
    case WakeResult::Empty: return "woke from deep sleep with no time to restore";
    case WakeResult::Rejected: return "sleep record rejected (power cut?): starting afresh";
  }
  return "unknown";
}

SleepRecord Board::save(int64_t local_ns) const {
  SleepRecord r;
  if (clock_.is_set() && state_.source != Source::None) {
    // Where the clock is heading (a slew in progress is lost in the sleep),
    // with the error of that target: the bound without the slew left.
    int64_t left = clock_.slew_left_ns(local_ns);
    r.source = static_cast<uint8_t>(state_.source);
    r.utc_ns = clock_.utc_ns(local_ns) + left;
    r.error_ns = error_ns(local_ns) - abs64(left);
    r.freq_q32 = clock_.freq_q32();
  }
  if (fit_.freq_fitted || woke_with_freq_) r.flags |= kSleepFreqFitted;
  if (config_.use_server && client_.active()) {
    r.flags |= kSleepPolling;
    r.poll_log2 = client_.poll_log2();
    r.until_burst_ns = client_.next_burst_ns() - local_ns;
    r.until_allowed_ns = client_.earliest_burst_ns() - local_ns;
  }
  state_.save(local_ns, &r);
  sleep_timer_.save(&r);
  seal_sleep_record(&r);
  return r;
}

bool Board::restorable(const SleepRecord& r, int64_t slept_ns) const {
  constexpr int64_t kMaxSleepNs = int64_t{10} * 366 * 86'400 * kSecondNs;  // ten years
  constexpr int64_t kMaxSpanNs = int64_t{1} << 50;                         // 13 days of schedule
  constexpr int64_t kMaxRatePpb = 100'000'000;                             // 10 %
  constexpr int64_t kMaxVarNs2 = int64_t{1'000'000'000} * 1'000'000'000;   // (1 s)^2
  auto within = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  if ((r.flags & ~(kSleepPolling | kSleepFreqFitted)) != 0 || r.reserved != 0 ||
      !within(slept_ns, 0, kMaxSleepNs))
    return false;
  if (!within(r.until_burst_ns, -kMaxSpanNs, kMaxSpanNs) ||
      !within(r.until_allowed_ns, -kMaxSpanNs, kMaxSpanNs) || !within(r.since_online_ns, 0, kMaxSleepNs) ||
      !within(r.upstream_root_delay_ns, 0, kMaxSpanNs)) {
    return false;
  }
  if (!within(r.timer_rate_ppb, -kMaxRatePpb, kMaxRatePpb) ||
      !within(r.timer_trend_ppb_per_h, -kMaxRatePpb, kMaxRatePpb) ||
      !within(r.timer_rate_var_ppb2, 0, kMaxRatePpb * kMaxRatePpb) ||
      (r.timer_learned_utc_ns != 0 && !plausible_utc(r.timer_learned_utc_ns)) ||
      !within(r.timer_clock_var_ns2, 0, kMaxVarNs2) || !within(r.timer_cov_ns_ppb, -kMaxVarNs2, kMaxVarNs2) ||
      !within(r.timer_cov_ns_trend, -kMaxVarNs2, kMaxVarNs2) ||
      !within(r.timer_cov_rate_trend, -kMaxRatePpb * kMaxRatePpb, kMaxRatePpb * kMaxRatePpb) ||
      !within(r.timer_trend_var, 0, kMaxRatePpb * kMaxRatePpb) ||
      !within(r.timer_path_delay_ns, 0, kMaxSpanNs) || !within(r.timer_slept_ns, 0, kMaxSleepNs) ||
      r.timer_wander_ppb_per_h > kMaxRatePpb) {
    return false;
  }
  if (r.source == static_cast<uint8_t>(Source::None)) return true;
  return r.source <= static_cast<uint8_t>(Source::Message) && plausible_utc(r.utc_ns) &&
         plausible_utc(r.utc_ns + slept_ns) && within(r.error_ns, 0, kMaxSleepNs) &&
         within(r.freq_q32, -kMaxFreqQ32, kMaxFreqQ32);
}

void Board::resume_polling(const SleepRecord& r, int64_t slept_ns, int64_t error_ns, int64_t local_ns) {
  // A clock that slept beyond the threshold asks as soon as the budget
  // allows; one still good enough keeps the schedule it had.
  int64_t until_ns = error_ns > config_.wake_burst_error_ns ? r.until_allowed_ns : r.until_burst_ns;
  client_.resume(local_ns + max64(0, until_ns - slept_ns), r.poll_log2);
}

void Board::anchor_after_wake() {
  // Until the history fits a frequency of its own, the estimator stands on
  // the newest sample, which may be a stalled one.  With the frequency kept
  // over the sleep, the sample that bounds the offset best (least delay, plus
  // the wander since) is carried to the anchor instead.
  if (fit_.freq_fitted) woke_with_freq_ = false;
  if (!woke_with_freq_ || !fit_.ok || fit_.freq_fitted) return;
  const Sample* pick = nullptr;
  int64_t pick_bound = kNever;
  for (size_t i = 0; i < estimator_.size(); ++i) {
    const Sample& s = estimator_.at(i);
    int64_t bound = s.delay_ns / 2 + scale_ppb(abs64(fit_.local_ns - s.local_ns), kWanderPpb);
    if (bound < pick_bound) {
      pick_bound = bound;
      pick = &s;
    }
  }
  if (pick == nullptr) return;
  int64_t d = fit_.local_ns - pick->local_ns;
  fit_.utc_ns = pick->utc_ns + d + scale_q32(d, fit_.freq_q32);
  // The board's bound takes min_delay / 2 + 2 sd: sd covers the rest of this sample's.
  fit_.offset_sd_ns =
      config_.sigma_floor_ns + (pick->delay_ns - fit_.min_delay_ns) / 2 + scale_ppb(abs64(d), kWanderPpb);
}

WakeResult Board::wake(const SleepRecord& r, int64_t slept_ns, int64_t local_ns) {
  start(local_ns);
  if (!sleep_record_sealed(r) || !restorable(r, slept_ns)) return WakeResult::Rejected;
  state_.last_online_local_ns = local_ns - max64(0, r.since_online_ns + slept_ns);
  sleep_timer_.restore(r);
  if (r.source == static_cast<uint8_t>(Source::None)) return WakeResult::Empty;
  // The sleep at the timer's learned rate, its bound at the rate's uncertainty.
  int64_t gap_ns = sleep_timer_.corrected_ns(slept_ns, r.utc_ns);
  int64_t error = r.error_ns + sleep_timer_.error_ns(slept_ns, r.utc_ns) + config_.sleep_read_error_ns;
  clock_.step(local_ns, r.utc_ns + gap_ns);
  clock_.slew(local_ns, 0, r.freq_q32);
  sleep_timer_.slept(slept_ns, r.utc_ns + gap_ns);
  state_.source = static_cast<Source>(r.source);
  state_.set_error(local_ns, error, kPhiPpb);
  state_.restore_upstream(r);
  // ntp_synced_once_ stays false: the first burst after waking steps the
  // clock to what it says, as at boot, rather than slewing for seconds.
  woke_with_freq_ = (r.flags & kSleepFreqFitted) != 0;
  if (config_.use_server && (r.flags & kSleepPolling) != 0) resume_polling(r, slept_ns, error, local_ns);
  return WakeResult::Restored;
}

// --- Status and events.

BoardStatus Board::status(int64_t local_ns) const {
  BoardStatus s;
  s.reading = now(local_ns);
  s.last_offset_ns = state_.last_offset_ns;
  s.last_delay_ns = state_.last_delay_ns;
  s.freq_ppb = ppb_from_q32(clock_.freq_q32());
  s.poll_log2 = client_.poll_log2();
  s.upstream_stratum = state_.upstream.stratum;
  s.samples = estimator_.size();
  s.requests_sent = client_.requests_sent();
  s.unauthenticated = unauthenticated_;
  s.auth_refused = auth_refused_;
  s.http_sets_refused = http_.sets_refused();
  s.broadcasts_replayed = broadcasts_.replayed();
  s.rtc = rtc_.status();
  s.rtc_error_ns = rtc_.status() == RtcStatus::Valid ? rtc_.error_ns(s.reading.utc_ns) : 0;
  s.sleep_rate_ppb = sleep_timer_.rate_ppb(s.reading.utc_ns);
  s.sleep_rate_sd_ppb = sleep_timer_.rate_sd_ppb(s.reading.utc_ns);
  s.sleep_readings = sleep_timer_.readings();
  s.sleep_trusted = sleep_timer_.trusted();
  return s;
}

void Board::push(EventKind kind, int64_t value_ns, uint32_t code) {
  events_.push(Event{kind, state_.source, value_ns, code});
}

bool Board::next_event(Event* out) { return events_.pop(out); }

}  // namespace lansync::fw
