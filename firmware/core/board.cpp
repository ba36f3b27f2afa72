// The board; see board.hpp.
#include "firmware/core/board.hpp"

#include "codec/ds3231.hpp"
#include "codec/mac.hpp"
#include "codec/ntp_packet.hpp"
#include "codec/timestamp.hpp"
#include "firmware/core/http.hpp"
#include "firmware/core/text.hpp"
#include "firmware/core/wide.hpp"
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
// The seconds must advance within this long of the first read.
constexpr int64_t kTickTimeoutNs = 1'100'000'000;
// Reading for the RTC's tick starts this long before it is due.
constexpr int64_t kTickLeadNs = 20'000'000;
// A write is handed to the port this long before its moment.
constexpr int64_t kWriteLeadNs = 30'000'000;
// Retry a failed RTC write after this long.
constexpr int64_t kRtcRetryNs = int64_t{60} * kSecondNs;
constexpr int64_t kMsNs = 1'000'000;
// Phone times are Unix ms between 2026 and 2200 (the DS3231's calendar).
constexpr int64_t kFirstPhoneMs = codec::kEarliestPlausibleUnixSeconds * 1000;
constexpr int64_t kLastPhoneMs = int64_t{7'258'118'400} * 1000;
// A broadcast sender's time may run ahead of the local counter by this much
// between two broadcasts (crystal and sender's slew, 2000 ppm), plus a slack
// for the path delay's variation.
constexpr int64_t kBroadcastWanderPpb = 2'000'000;
constexpr int64_t kBroadcastSlackNs = 100'000'000;
// With an RTC, next_action() wakes at least this often to plan its reads and writes.
constexpr int64_t kRtcPlanIntervalNs = int64_t{60} * kSecondNs;
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

int64_t abs64(int64_t v) { return v < 0 ? -v : v; }
bool plausible_utc(int64_t utc_ns) {
  return utc_ns >= codec::kEarliestPlausibleUnixSeconds * kSecondNs && utc_ns < kLastPlausibleNs;
}
int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
int64_t scale_ppb(int64_t ns, int64_t ppb) { return mul_div(ns, ppb, 1'000'000'000); }
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0 && a < 0) ? 1 : 0); }

void put_hex(TextWriter& w, uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) w.put("0123456789abcdef"[(v >> (4 * i)) & 0xF]);
}

bool parse_hex(const char* s, size_t n, uint64_t* out) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[i];
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

// A JSON member holding Unix ms between 2026 and 2200.
bool json_unix_ms(const char* body, size_t size, const char* key, int64_t* ms) {
  const char* v = nullptr;
  size_t n = 0;
  bool str = false;
  return json_value(body, size, key, &v, &n, &str) && !str && parse_decimal(v, n, ms) &&
         *ms >= kFirstPhoneMs && *ms < kLastPhoneMs;
}

// The page a phone opens to set the board's clock: it measures an exchange
// (T1, GET /exchange, T4) and sends the board its token with T1 and T4.
constexpr char kPhonePage[] =
    "<!doctype html><html><head><meta charset=utf-8>"
    "<meta name=viewport content=\"width=device-width,initial-scale=1\"><title>lansync board</title></head>"
    "<body style=\"font-family:sans-serif\"><h1>lansync board</h1><p id=s>...</p>"
    "<button id=b style=\"font-size:1.5em\">Set the clock from this phone</button>"
    "<script>"
    "function say(t){document.getElementById('s').textContent=t}"
    "function show(){fetch('/time').then(r=>r.json()).then(j=>say("
    "j.synchronized?('Board: '+j.utc+' \\u00b1 '+j.error_s+' s ('+j.source+')'):'Board: not set'))}"
    "document.getElementById('b').onclick=function(){var t1=Date.now();"
    "fetch('/exchange').then(r=>r.json()).then(x=>{var t4=Date.now();return fetch('/time',{method:'PUT',"
    "headers:{'Content-Type':'application/json'},body:JSON.stringify({token:x.token,t1_ms:t1,t4_ms:t4})})})"
    ".then(r=>r.json()).then(j=>{say(j.message);setTimeout(show,1500)})};"
    "show();"
    "</script></body></html>";

}  // namespace

const char* source_name(Source s) {
  switch (s) {
    case Source::None: return "none";
    case Source::Rtc: return "rtc";
    case Source::Phone: return "phone";
    case Source::Ntp: return "ntp";
    case Source::Broadcast: return "broadcast";
  }
  return "unknown";
}

const char* describe(EventKind k) {
  switch (k) {
    case EventKind::ClockSet: return "clock set";
    case EventKind::Stepped: return "clock stepped";
    case EventKind::Updated: return "clock updated";
    case EventKind::Outlier: return "sample set aside as an outlier";
    case EventKind::NoReply: return "no reply from the server";
    case EventKind::ServerUnsynchronized: return "the server is unsynchronized (LI=3)";
    case EventKind::Kiss: return "Kiss-o'-Death from the server";
    case EventKind::Offline: return "the server is silent: following the RTC";
    case EventKind::RtcUnusable: return "RTC unusable";
    case EventKind::RtcWritten: return "RTC set";
    case EventKind::RtcWriteFailed: return "RTC write failed";
    case EventKind::Unauthenticated: return "a reply not signed with our key was not used";
    case EventKind::Joined: return "joined the Wi-Fi network";
    case EventKind::JoinFailed: return "the Wi-Fi network was not joined";
    case EventKind::AccessPointStarted: return "access point started: serving SNTP and HTTP on it";
    case EventKind::AccessPointFailed: return "the access point could not be started";
  }
  return "unknown";
}

Board::Board(const BoardConfig& config)
    : config_(config), estimator_(config.sigma_floor_ns), client_(config.client), network_(config.network) {}

void Board::start(int64_t local_ns) {
  started_ = true;
  rtc_set_unix_s_ = config_.rtc_set_unix_s;
  rtc_set_error_ns_ = config_.rtc_set_error_ns;
  if (config_.has_rtc) rtc_phase_ = RtcPhase::BootRead;
  if (config_.use_server) client_.start(local_ns);
  network_.start(local_ns);
  last_online_local_ns_ = local_ns;
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

void Board::set_error(int64_t local_ns, int64_t base_ns, int64_t rate_ppb) {
  error_local_ns_ = local_ns;
  error_base_ns_ = base_ns;
  error_rate_ppb_ = rate_ppb;
}

int64_t Board::error_ns(int64_t local_ns) const {
  int64_t age = max64(0, local_ns - error_local_ns_);
  return error_base_ns_ + scale_ppb(age, error_rate_ppb_) + abs64(clock_.slew_left_ns(local_ns));
}

int64_t Board::rtc_error_ns(int64_t utc_ns) const {
  if (rtc_set_unix_s_ <= 0) return config_.rtc_unknown_error_ns;
  int64_t age = max64(0, utc_ns - rtc_set_unix_s_ * kSecondNs);
  // One millisecond for meeting the chip at its tick, both when set and when read.
  return rtc_set_error_ns_ + scale_ppb(age, config_.rtc_drift_ppb) + 1'000'000;
}

Reading Board::now(int64_t local_ns) const {
  Reading r;
  r.source = source_;
  r.utc_ns = clock_.utc_ns(local_ns);
  if (!clock_.is_set() || source_ == Source::None) {
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

bool Board::online(int64_t local_ns) const {
  return (source_ == Source::Ntp || source_ == Source::Broadcast) &&
         local_ns - last_online_local_ns_ < config_.offline_after_ns;
}

int64_t Board::local_at_utc(int64_t utc_ns, int64_t from_local_ns) const {
  // The clock runs within 0.15% of the local counter: two Newton steps of
  // slope one land within nanoseconds.
  int64_t at = from_local_ns + (utc_ns - clock_.utc_ns(from_local_ns));
  at += utc_ns - clock_.utc_ns(at);
  return at + (utc_ns - clock_.utc_ns(at));
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
  // A sample's own error is at most half its delay (asymmetry); the
  // prediction's, a few standard errors plus what the frequency may have
  // wandered since.  A sample beyond both is an outlier.
  auto residual = [&](const Sample& s) { return s.utc_ns - fit_.predict(s.local_ns); };
  auto inlier = [&](const Sample& s) {
    if (!fit_.ok) return true;
    int64_t age = abs64(s.local_ns - fit_.local_ns);
    if (!fit_.freq_fitted) return abs64(residual(s)) <= kUnfittedSlackNs + scale_ppb(age, kUnfittedRatePpb);
    int64_t bound = s.delay_ns / 2 + 4 * fit_.offset_sd_ns + scale_ppb(age, kWanderPpb) +
                    scale_q32(age, 3 * fit_.freq_sd_q32) + kOutlierMarginNs;
    return abs64(residual(s)) <= bound;
  };
  size_t inliers = 0;
  for (size_t i = 0; i < n; ++i) inliers += inlier(samples[i]) ? 1u : 0u;
  bool jump = false;
  if (inliers == 0) {
    // The whole burst disagrees: an outlier, or the reference moved.
    if (++outliers_ < kConfirmJumps) {
      push(EventKind::Outlier, residual(best));
      return;
    }
    estimator_.clear();
    jump = true;
  } else if (source == Source::Ntp && fit_.ok && fit_.freq_fitted) {
    int64_t queued = max64(0, best.delay_ns - fit_.min_delay_ns) / 2;
    if (queued <= kQuietNs && abs64(residual(best)) <= kQuietNs + fit_.offset_sd_ns) {
      if (++stable_bursts_ >= kStableBursts) {
        client_.poll_up();
        stable_bursts_ = 0;
      }
    } else {
      client_.poll_down();
      stable_bursts_ = 0;
    }
  }
  outliers_ = 0;
  int64_t gap = estimator_.size() > 0 ? best.local_ns - last_sample_local_ns_ : 0;
  for (size_t i = 0; i < n; ++i) {
    const Sample& s = samples[i];
    // The samples of one burst agree to within a second, or something is wrong with them.
    bool plausible = plausible_utc(s.utc_ns) &&
                     abs64((s.utc_ns - best.utc_ns) - (s.local_ns - best.local_ns)) <= kUnfittedSlackNs;
    if (plausible && (jump || inlier(s))) estimator_.add(s);
  }
  last_sample_local_ns_ = best.local_ns;
  estimator_.expire(best.local_ns - max64(kMinWindowNs, 8 * gap));
  fit_ = estimator_.fit(clock_.freq_q32());
  anchor_after_wake();

  int64_t target = fit_.predict(local_ns);
  int64_t offset = target - clock_.utc_ns(local_ns);
  bool from_network = source == Source::Ntp || source == Source::Broadcast;
  if (!clock_.is_set()) {
    clock_.step(local_ns, target);
    clock_.slew(local_ns, 0, fit_.freq_q32);
    source_ = source;
    push(EventKind::ClockSet, target);
  } else if ((from_network && !ntp_synced_once_) || (jump && abs64(offset) > config_.step_threshold_ns)) {
    clock_.step(local_ns, target);
    clock_.slew(local_ns, 0, fit_.freq_q32);
    source_ = source;
    push(EventKind::Stepped, offset);
  } else {
    clock_.slew(local_ns, offset, fit_.freq_q32);
  }
  source_ = source;
  last_offset_ns_ = best.utc_ns - ours;
  last_delay_ns_ = best.delay_ns;
  reference_utc_ns_ = clock_.utc_ns(local_ns);
  set_error(local_ns, upstream_distance_ns + fit_.min_delay_ns / 2 + 2 * fit_.offset_sd_ns, kPhiPpb);
  if (from_network) {
    ntp_synced_once_ = true;
    last_online_local_ns_ = local_ns;
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
  if (source_ == Source::Ntp) {
    upstream_stratum_ = b.stratum;
    upstream_refid_ = config_.server_refid;
    upstream_root_delay_ns_ = b.root_delay_ns + fit_.min_delay_ns;
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
  if (config_.key.enabled() && !fresh_broadcast(refid, b.best)) {
    ++broadcasts_replayed_;
    return;
  }
  apply_samples(Source::Broadcast, &b.best, 1, b.best, b.root_delay_ns / 2 + b.root_dispersion_ns, local_ns);
  if (source_ == Source::Broadcast) {
    upstream_stratum_ = b.stratum;
    upstream_refid_ = refid;
    upstream_root_delay_ns_ = b.root_delay_ns + b.best.delay_ns;
  }
}

bool Board::fresh_broadcast(uint32_t refid, const Sample& s) {
  BroadcastSender* slot = nullptr;
  for (BroadcastSender& e : senders_) {
    if (e.used && e.refid == refid) slot = &e;
  }
  if (slot == nullptr) {
    // A free entry, else the one heard from longest ago.
    slot = &senders_[0];
    for (BroadcastSender& e : senders_) {
      if (!e.used || (slot->used && e.local_ns < slot->local_ns)) slot = &e;
    }
    *slot = BroadcastSender{refid, s.utc_ns, s.local_ns, true};
    return false;  // a sender's first broadcast only anchors: it may be a recording
  }
  int64_t advance = s.utc_ns - slot->utc_ns;
  int64_t elapsed = max64(0, s.local_ns - slot->local_ns);
  if (advance <= 0) return false;  // not newer than the last: a replay
  slot->utc_ns = s.utc_ns;
  slot->local_ns = s.local_ns;
  // Further ahead than the time since allows: the sender stepped, or the
  // last one was a replay; the next one is judged from this one.
  return advance <= elapsed + scale_ppb(elapsed, kBroadcastWanderPpb) + kBroadcastSlackNs;
}

// --- The DS3231.

void Board::begin_tick_wait(TickPurpose purpose, int64_t start_local_ns) {
  rtc_phase_ = RtcPhase::TickWait;
  tick_purpose_ = purpose;
  tick_seconds_ = 0xFF;
  tick_next_read_ns_ = start_local_ns;
  tick_deadline_ns_ = start_local_ns + kTickTimeoutNs;
}

void Board::plan_rtc(int64_t local_ns) {
  if (!config_.has_rtc || rtc_phase_ != RtcPhase::Idle || rtc_status_ == RtcStatus::Unknown ||
      rtc_status_ == RtcStatus::Missing) {
    return;
  }
  Reading r = now(local_ns);
  // Write it when the clock comes from something better than the RTC itself
  // (a server still heard, or a phone), and is better than what the RTC
  // holds by a margin.
  bool better_source = online(local_ns) || source_ == Source::Phone;
  if (better_source && r.synchronized && local_ns >= next_rtc_write_local_ns_ &&
      (rtc_status_ != RtcStatus::Valid || rtc_error_ns(r.utc_ns) > 2 * r.error_ns)) {
    int64_t second = floor_div(r.utc_ns, kSecondNs) + 1;
    if (second * kSecondNs - r.utc_ns < kWriteLeadNs + 10'000'000) ++second;
    uint8_t regs[codec::ds3231::kTimeSize];
    if (!proto::ds3231_time_registers(second, rtc_twelve_hour_, regs)) {
      next_rtc_write_local_ns_ = local_ns + config_.rtc_min_write_interval_ns;
      return;
    }
    rtc_write_unix_s_ = second;
    rtc_write_at_local_ns_ = local_at_utc(second * kSecondNs, local_ns);
    rtc_phase_ = RtcPhase::WriteTime;
    return;
  }
  // Follow it while nothing better is heard.
  if (rtc_status_ == RtcStatus::Valid && !online(local_ns) && local_ns >= next_rtc_resync_local_ns_) {
    if (source_ == Source::Ntp || source_ == Source::Broadcast) push(EventKind::Offline);
    int64_t start = local_ns;
    if (tick_phase_known_ && clock_.is_set()) {
      int64_t utc = clock_.utc_ns(local_ns);
      int64_t tick = (floor_div(utc - tick_phase_ns_, kSecondNs) + 1) * kSecondNs + tick_phase_ns_;
      if (tick - utc < kTickLeadNs + 5'000'000) tick += kSecondNs;
      start = local_at_utc(tick - kTickLeadNs, local_ns);
    }
    begin_tick_wait(TickPurpose::Resync, start);
  }
}

void Board::on_rtc_read(const uint8_t* regs, size_t size, bool ok, int64_t local_ns) {
  if (rtc_phase_ != RtcPhase::BootRead && rtc_phase_ != RtcPhase::TickWait) return;
  if (!ok) {
    rtc_status_ = RtcStatus::Missing;
    rtc_phase_ = RtcPhase::Idle;
    push(EventKind::RtcUnusable, 0, static_cast<uint32_t>(RtcStatus::Missing));
    return;
  }
  if (rtc_phase_ == RtcPhase::BootRead) {
    proto::Ds3231Read r = proto::read_ds3231(regs, size);
    rtc_twelve_hour_ = r.twelve_hour;
    rtc_control_ = r.control;
    rtc_status_reg_ = r.status;
    if (rtc_status(r) != RtcStatus::Valid) {
      rtc_status_ = rtc_status(r);
      rtc_phase_ = RtcPhase::Idle;
      push(EventKind::RtcUnusable, 0, static_cast<uint32_t>(rtc_status_));
      return;
    }
    begin_tick_wait(TickPurpose::Boot, local_ns);
  }
  // TickWait (the boot read counts as its first read).
  if (size < codec::ds3231::kTimeSize) return;
  uint8_t seconds = regs[codec::ds3231::kRegSeconds];
  if (tick_seconds_ == 0xFF || seconds == tick_seconds_) {
    tick_seconds_ = seconds;
    tick_prev_local_ns_ = local_ns;
    tick_next_read_ns_ = local_ns + config_.rtc_read_interval_ns;
    if (local_ns > tick_deadline_ns_) {
      rtc_status_ = RtcStatus::NotTicking;
      rtc_phase_ = RtcPhase::Idle;
      next_rtc_resync_local_ns_ = local_ns + config_.rtc_resync_interval_ns;
      push(EventKind::RtcUnusable, 0, static_cast<uint32_t>(RtcStatus::NotTicking));
    }
    return;
  }
  proto::Ds3231Read r = proto::read_ds3231(regs, codec::ds3231::kTimeSize);
  rtc_phase_ = RtcPhase::Idle;
  if (rtc_status(r) != RtcStatus::Valid) {
    rtc_status_ = rtc_status(r);
    push(EventKind::RtcUnusable, 0, static_cast<uint32_t>(rtc_status_));
    return;
  }
  // The chip latches its time at the start of a read: the tick fell between
  // the start of the last read that showed the old second and this one.
  Sample tick{tick_prev_local_ns_ + (local_ns - tick_prev_local_ns_) / 2, r.unix_s * kSecondNs,
              local_ns - tick_prev_local_ns_};
  on_tick(tick, local_ns);
}

void Board::on_tick(const Sample& tick, int64_t local_ns) {
  rtc_status_ = RtcStatus::Valid;
  next_rtc_resync_local_ns_ = local_ns + config_.rtc_resync_interval_ns;
  int64_t rtc_error = rtc_error_ns(tick.utc_ns);
  Reading r = now(local_ns);
  if (tick_purpose_ == TickPurpose::Boot && r.synchronized && r.error_ns <= rtc_error) return;
  if (tick_purpose_ == TickPurpose::Resync) {
    if (online(local_ns)) return;
    // The RTC was set from this clock: if they now differ by more than both
    // error bounds allow, one of them is broken, and the RTC is not followed.
    int64_t disagreement_ns = abs64(tick.utc_ns - clock_.utc_ns(tick.local_ns));
    if (r.synchronized && disagreement_ns > rtc_error + r.error_ns + tick.delay_ns) {
      rtc_status_ = RtcStatus::Disagrees;
      push(EventKind::RtcUnusable, 0, static_cast<uint32_t>(RtcStatus::Disagrees));
      return;
    }
  }
  apply_samples(Source::Rtc, &tick, 1, tick, rtc_error, local_ns);
  tick_phase_known_ = true;
  tick_phase_ns_ =
      clock_.utc_ns(tick.local_ns) - floor_div(clock_.utc_ns(tick.local_ns), kSecondNs) * kSecondNs;
}

void Board::on_rtc_written(bool ok, int64_t local_ns) {
  if (rtc_phase_ == RtcPhase::WriteTime) {
    if (!ok) {
      rtc_phase_ = RtcPhase::Idle;
      next_rtc_write_local_ns_ = local_ns + kRtcRetryNs;
      push(EventKind::RtcWriteFailed);
      return;
    }
    // The chip's second starts now: it ticks where our clock does.
    int64_t utc = clock_.utc_ns(local_ns);
    tick_phase_known_ = true;
    tick_phase_ns_ = utc - floor_div(utc, kSecondNs) * kSecondNs;
    rtc_set_error_ns_ = error_ns(local_ns) + abs64(utc - rtc_write_unix_s_ * kSecondNs);
    rtc_phase_ = RtcPhase::WriteControl;
    return;
  }
  if (rtc_phase_ != RtcPhase::WriteControl) return;
  rtc_phase_ = RtcPhase::Idle;
  if (!ok) {
    next_rtc_write_local_ns_ = local_ns + kRtcRetryNs;
    push(EventKind::RtcWriteFailed);
    return;
  }
  uint8_t regs[2];
  proto::ds3231_control_status_after_set(rtc_control_, rtc_status_reg_, regs);
  rtc_control_ = regs[0];
  rtc_status_reg_ = regs[1];
  rtc_status_ = RtcStatus::Valid;
  rtc_set_unix_s_ = rtc_write_unix_s_;
  next_rtc_write_local_ns_ = local_ns + config_.rtc_min_write_interval_ns;
  next_rtc_resync_local_ns_ = local_ns + config_.rtc_resync_interval_ns;
  push(EventKind::RtcWritten, rtc_write_unix_s_ * kSecondNs);
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
    switch (rtc_phase_) {
      case RtcPhase::BootRead:
        a.kind = ActionKind::ReadRtc;
        a.reg = 0;
        a.size = static_cast<uint8_t>(codec::ds3231::kRegisterCount);
        a.at_local_ns = local_ns;
        return a;
      case RtcPhase::TickWait:
        if (local_ns >= tick_next_read_ns_) {
          a.kind = ActionKind::ReadRtc;
          a.reg = 0;
          a.size = static_cast<uint8_t>(codec::ds3231::kTimeSize);
          a.at_local_ns = local_ns;
          return a;
        }
        break;
      case RtcPhase::WriteTime:
        if (local_ns >= rtc_write_at_local_ns_ - kWriteLeadNs) {
          a.kind = ActionKind::WriteRtc;
          a.reg = codec::ds3231::kRegSeconds;
          a.size = static_cast<uint8_t>(codec::ds3231::kTimeSize);
          proto::ds3231_time_registers(rtc_write_unix_s_, rtc_twelve_hour_, a.data);
          a.at_local_ns = rtc_write_at_local_ns_;
          return a;
        }
        break;
      case RtcPhase::WriteControl:
        a.kind = ActionKind::WriteRtc;
        a.reg = codec::ds3231::kRegControl;
        a.size = 2;
        proto::ds3231_control_status_after_set(rtc_control_, rtc_status_reg_, a.data);
        a.at_local_ns = local_ns;
        return a;
      case RtcPhase::Idle: break;
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
    if (pass == 0) plan_rtc(local_ns);
  }

  int64_t wake = min64(client_.next_event_ns(), network_.wake_ns());
  if (rtc_phase_ == RtcPhase::TickWait) wake = min64(wake, tick_next_read_ns_);
  if (rtc_phase_ == RtcPhase::WriteTime) wake = min64(wake, rtc_write_at_local_ns_ - kWriteLeadNs);
  if (config_.has_rtc && rtc_status_ != RtcStatus::Missing) {
    wake = min64(wake, local_ns + kRtcPlanIntervalNs);
    if (rtc_phase_ == RtcPhase::Idle && rtc_status_ == RtcStatus::Valid) {
      wake = min64(wake, online(local_ns) ? last_online_local_ns_ + config_.offline_after_ns
                                          : next_rtc_resync_local_ns_);
    }
  }
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
  bool networked = source_ == Source::Ntp || source_ == Source::Broadcast;
  if (!r.synchronized || (networked && upstream_stratum_ >= 15)) return ref;
  ref.synchronized = true;
  ref.stratum = networked ? static_cast<uint8_t>(upstream_stratum_ + 1) : config_.local_stratum;
  ref.refid = networked ? upstream_refid_ : proto::kLocalRefid;
  ref.reference_time_ns = reference_utc_ns_;
  ref.root_delay_ns = networked ? upstream_root_delay_ns_ : 0;
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

size_t Board::http_time(bool head, int64_t local_ns, char* out, size_t cap) const {
  Reading r = now(local_ns);
  char body[256];
  TextWriter w(body, sizeof(body));
  w.put("{\"synchronized\":").put(r.synchronized ? "true" : "false");
  w.put(",\"source\":").put_json_string(source_name(r.source));
  if (r.synchronized) {
    w.put(",\"utc\":\"").put_iso8601(r.utc_ns, 6).put('"');
    w.put(",\"unix_ns\":").put_int(r.utc_ns);
    w.put(",\"error_s\":").put_seconds(r.error_ns, 6);
  }
  w.put("}\n");
  return write_http_response(r.synchronized ? 200 : 503, "application/json", w.c_str(), w.size(), head, out,
                             cap);
}

size_t Board::http_exchange(int64_t local_ns, char* out, size_t cap) {
  // A free slot, else the oldest exchange gives way.
  Exchange* slot = &exchanges_[0];
  for (Exchange& e : exchanges_) {
    if (!e.live) {
      slot = &e;
      break;
    }
    if (e.t3_local_ns < slot->t3_local_ns) slot = &e;
  }
  slot->nonce = config_.random64 != nullptr ? config_.random64(config_.random_context) : 0;
  slot->counter = ++exchange_counter_;
  slot->t2_local_ns = local_ns;
  slot->t3_local_ns = local_ns;
  slot->live = true;
  char body[96];
  TextWriter w(body, sizeof(body));
  w.put("{\"token\":\"");
  put_hex(w, slot->nonce, 16);
  put_hex(w, slot->counter, 8);
  w.put("\",\"expires_s\":").put_int(kExchangeLifetimeNs / kSecondNs).put("}\n");
  return write_http_response(200, "application/json", w.c_str(), w.size(), false, out, cap);
}

bool Board::redeem(const char* token, size_t size, int64_t local_ns, int64_t* t2_ns, int64_t* t3_ns,
                   TextWriter* why) {
  uint64_t nonce = 0, counter = 0;
  if (size == 24 && parse_hex(token, 16, &nonce) && parse_hex(token + 16, 8, &counter)) {
    for (Exchange& e : exchanges_) {
      if (!e.live || e.counter != counter || e.nonce != nonce) continue;
      e.live = false;  // once only, even when too old
      if (local_ns - e.t3_local_ns > kExchangeLifetimeNs) {
        why->put("the token expired: measure again");
        return false;
      }
      *t2_ns = e.t2_local_ns;
      *t3_ns = e.t3_local_ns;
      return true;
    }
  }
  why->put("not a token this board issued, or already used: measure again");
  return false;
}

uint16_t Board::phone_time(const char* body, size_t size, int64_t local_ns, int64_t* utc_ns,
                           int64_t* error_ns, TextWriter* why) {
  const char* v = nullptr;
  size_t n = 0;
  bool str = false;
  int64_t claimed = config_.phone_error_ns;
  if (json_value(body, size, "error_ms", &v, &n, &str)) {
    int64_t ms = 0;
    if (str || !parse_decimal(v, n, &ms) || ms > 86'400'000) {
      why->put("expected \"error_ms\": milliseconds");
      return 400;
    }
    claimed = ms * kMsNs;
  }
  if (!json_value(body, size, "token", &v, &n, &str)) {
    if (config_.key.enabled()) {
      why->put("this board needs a token from GET /exchange");
      return 403;
    }
    int64_t ms = 0;
    if (!json_unix_ms(body, size, "unix_ms", &ms)) {
      why->put("expected {\"token\":..., \"t1_ms\":..., \"t4_ms\":...} or {\"unix_ms\":...}, after 2026");
      return 400;
    }
    // Nothing measured the transit: the configured bound, at least.
    *utc_ns = ms * kMsNs;
    *error_ns = max64(claimed, config_.phone_error_ns);
    return 0;
  }
  int64_t t1 = 0, t4 = 0, t2 = 0, t3 = 0;
  if (!str || !json_unix_ms(body, size, "t1_ms", &t1) || !json_unix_ms(body, size, "t4_ms", &t4)) {
    why->put("expected {\"token\":\"...\", \"t1_ms\":..., \"t4_ms\":...}, Unix ms after 2026");
    return 400;
  }
  if (!redeem(v, n, local_ns, &t2, &t3, why)) return 403;
  int64_t delay = (t4 - t1) * kMsNs - (t3 - t2);
  if (t4 < t1 || delay < 0) {
    why->put("the phone's timestamps are inconsistent (T4 before T1)");
    return 400;
  }
  if (delay > kMaxPhoneDelayNs) {
    why->put("the round trip took over 1 s: measure again");
    return 409;
  }
  // RFC 5905 §8 with the phone as the reference: its (T1 + T4) / 2 is our (T2 + T3) / 2.
  *utc_ns = (t1 + t4) * kMsNs / 2 + (local_ns - (t2 + (t3 - t2) / 2));
  // Half the round trip, Date.now()'s millisecond, and the uncorrected crystal since T3.
  int64_t floor = delay / 2 + kMsNs + scale_ppb(local_ns - t3, kUnfittedRatePpb);
  *error_ns = max64(claimed, floor);
  return 0;
}

size_t Board::http_set(const HttpRequest& q, int64_t local_ns, char* out, size_t cap) {
  char reason[160];
  TextWriter why(reason, sizeof(reason));
  uint16_t status = 0;
  int64_t utc = 0, phone_error = 0;
  if (!same_origin(q)) {
    status = 403;
    why.put("refused: another site's page sent this (Origin, Host or Sec-Fetch-Site)");
  } else if (!is_json_request(q)) {
    status = 415;
    why.put("expected Content-Type: application/json");
  } else {
    status = phone_time(q.body, q.body_size, local_ns, &utc, &phone_error, &why);
  }
  // A phone only sets a clock it makes at least twice as good, and never
  // one that a server keeps: anyone on the network can send this request.
  Reading r = now(local_ns);
  if (status == 0 && (online(local_ns) || (r.synchronized && r.error_ns < 2 * phone_error))) {
    status = 409;
    why.put("the board's clock is already better: error ").put_seconds(r.error_ns, 6).put(" s (");
    why.put(source_name(r.source)).put(")");
  }
  char text[256];
  TextWriter w(text, sizeof(text));
  if (status != 0) {
    ++http_sets_refused_;
    w.put("{\"set\":false,\"message\":").put_json_string(why.c_str()).put("}\n");
    return write_http_response(status, "application/json", w.c_str(), w.size(), false, out, cap);
  }
  bool was_set = clock_.is_set() && source_ != Source::None;
  int64_t step = utc - clock_.utc_ns(local_ns);
  clock_.step(local_ns, utc);
  estimator_.clear();
  fit_ = Fit{};
  estimator_source_ = Source::Phone;
  source_ = Source::Phone;
  // This step did not come from the network: a server heard again steps on its first good burst.
  ntp_synced_once_ = false;
  reference_utc_ns_ = utc;
  last_offset_ns_ = step;
  set_error(local_ns, phone_error, kPhiPpb);
  next_rtc_write_local_ns_ = local_ns;
  push(was_set ? EventKind::Stepped : EventKind::ClockSet, was_set ? step : utc);
  w.put("{\"set\":true,\"message\":\"clock set from the phone: ").put_iso8601(utc, 3).put(" \\u00b1 ");
  w.put_seconds(phone_error, 3).put(" s\",\"error_s\":").put_seconds(phone_error, 6).put("}\n");
  return write_http_response(200, "application/json", w.c_str(), w.size(), false, out, cap);
}

size_t Board::serve_http(const char* request, size_t size, int64_t local_ns, char* out, size_t cap) {
  HttpRequest q;
  HttpParseResult p = parse_http_request(request, size, &q);
  if (p.state == HttpParse::Incomplete) return 0;
  char body[96];
  TextWriter w(body, sizeof(body));
  uint16_t status = p.status;
  if (p.state == HttpParse::Complete) {
    bool read = q.method == HttpMethod::Get || q.method == HttpMethod::Head;
    bool head = q.method == HttpMethod::Head;
    if (text_equals(q.path, q.path_size, "/time")) {
      if (read) return http_time(head, local_ns, out, cap);
      if (q.method == HttpMethod::Put || q.method == HttpMethod::Post) return http_set(q, local_ns, out, cap);
      status = 405;
    } else if (text_equals(q.path, q.path_size, "/exchange")) {
      if (q.method == HttpMethod::Get) return http_exchange(local_ns, out, cap);
      status = 405;
    } else if (text_equals(q.path, q.path_size, "/")) {
      if (read) {
        return write_http_response(200, "text/html; charset=utf-8", kPhonePage, sizeof(kPhonePage) - 1, head,
                                   out, cap);
      }
      status = 405;
    } else {
      status = 404;
    }
  }
  w.put("{\"error\":").put_json_string(http_reason(status)).put("}\n");
  return write_http_response(status, "application/json", w.c_str(), w.size(), false, out, cap);
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
  if (clock_.is_set() && source_ != Source::None) {
    // Where the clock is heading (a slew in progress is lost in the sleep),
    // with the error of that target: the bound without the slew left.
    int64_t left = clock_.slew_left_ns(local_ns);
    r.source = static_cast<uint8_t>(source_);
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
  r.since_online_ns = max64(0, local_ns - last_online_local_ns_);
  r.upstream_stratum = upstream_stratum_;
  r.upstream_refid = upstream_refid_;
  r.upstream_root_delay_ns = upstream_root_delay_ns_;
  r.reference_utc_ns = reference_utc_ns_;
  seal_sleep_record(&r);
  return r;
}

bool Board::restorable(const SleepRecord& r, int64_t slept_ns) const {
  constexpr int64_t kMaxSleepNs = int64_t{10} * 366 * 86'400 * kSecondNs;  // ten years
  constexpr int64_t kMaxSpanNs = int64_t{1} << 50;                         // 13 days of schedule
  auto within = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  if ((r.flags & ~(kSleepPolling | kSleepFreqFitted)) != 0 || r.reserved != 0 ||
      !within(slept_ns, 0, kMaxSleepNs))
    return false;
  if (!within(r.until_burst_ns, -kMaxSpanNs, kMaxSpanNs) ||
      !within(r.until_allowed_ns, -kMaxSpanNs, kMaxSpanNs) || !within(r.since_online_ns, 0, kMaxSleepNs) ||
      !within(r.upstream_root_delay_ns, 0, kMaxSpanNs)) {
    return false;
  }
  if (r.source == static_cast<uint8_t>(Source::None)) return true;
  return r.source <= static_cast<uint8_t>(Source::Broadcast) && plausible_utc(r.utc_ns) &&
         plausible_utc(r.utc_ns + slept_ns) && within(r.error_ns, 0, kMaxSleepNs) &&
         within(r.freq_q32, -kMaxFreqQ32, kMaxFreqQ32);
}

void Board::resume_polling(const SleepRecord& r, int64_t slept_ns, int64_t error_ns, int64_t local_ns) {
  // A clock that slept beyond the threshold asks as soon as the budget
  // allows; one still good enough keeps the schedule it had.
  int64_t until = error_ns > config_.wake_burst_error_ns ? r.until_allowed_ns : r.until_burst_ns;
  client_.resume(local_ns + max64(0, until - slept_ns), r.poll_log2);
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
  last_online_local_ns_ = local_ns - max64(0, r.since_online_ns + slept_ns);
  if (r.source == static_cast<uint8_t>(Source::None)) return WakeResult::Empty;
  int64_t error = r.error_ns + scale_ppb(slept_ns, config_.sleep_drift_ppb) + config_.sleep_read_error_ns;
  clock_.step(local_ns, r.utc_ns + slept_ns);
  clock_.slew(local_ns, 0, r.freq_q32);
  source_ = static_cast<Source>(r.source);
  set_error(local_ns, error, kPhiPpb);
  upstream_stratum_ = r.upstream_stratum;
  upstream_refid_ = r.upstream_refid;
  upstream_root_delay_ns_ = r.upstream_root_delay_ns;
  reference_utc_ns_ = r.reference_utc_ns;
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
  s.last_offset_ns = last_offset_ns_;
  s.last_delay_ns = last_delay_ns_;
  s.freq_ppb = ppb_from_q32(clock_.freq_q32());
  s.poll_log2 = client_.poll_log2();
  s.upstream_stratum = upstream_stratum_;
  s.samples = estimator_.size();
  s.requests_sent = client_.requests_sent();
  s.unauthenticated = unauthenticated_;
  s.auth_refused = auth_refused_;
  s.http_sets_refused = http_sets_refused_;
  s.broadcasts_replayed = broadcasts_replayed_;
  s.rtc = rtc_status_;
  s.rtc_error_ns = rtc_status_ == RtcStatus::Valid ? rtc_error_ns(s.reading.utc_ns) : 0;
  return s;
}

void Board::push(EventKind kind, int64_t value_ns, uint32_t code) {
  constexpr uint8_t kCapacity = sizeof(events_) / sizeof(events_[0]);
  if (event_count_ == kCapacity) {
    event_first_ = static_cast<uint8_t>((event_first_ + 1) % kCapacity);
    --event_count_;
  }
  Event& e = events_[(event_first_ + event_count_) % kCapacity];
  e.kind = kind;
  e.source = source_;
  e.value_ns = value_ns;
  e.code = code;
  ++event_count_;
}

bool Board::next_event(Event* out) {
  constexpr uint8_t kCapacity = sizeof(events_) / sizeof(events_[0]);
  if (event_count_ == 0) return false;
  *out = events_[event_first_];
  event_first_ = static_cast<uint8_t>((event_first_ + 1) % kCapacity);
  --event_count_;
  return true;
}

}  // namespace lansync::fw
