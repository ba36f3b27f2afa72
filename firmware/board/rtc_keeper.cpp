// The board's DS3231 keeper; see rtc_keeper.hpp.
#include "firmware/board/rtc_keeper.hpp"

#include "codec/timestamp.hpp"
#include "firmware/board/wide.hpp"
#include "proto/ds3231.hpp"
#include "proto/units.hpp"

namespace lansync::fw {
namespace {

using proto::kNsPerSecond;
// The seconds must advance within this long of the first read.
constexpr int64_t kTickTimeoutNs = 1'100'000'000;
// Reading for the RTC's tick starts this long before it is due.
constexpr int64_t kTickLeadNs = 20'000'000;
// A write is handed to the port this long before its moment.
constexpr int64_t kWriteLeadNs = 30'000'000;
// Retry a failed RTC write after this long.
constexpr int64_t kRetryNs = 60 * kNsPerSecond;
// next_action() wakes at least this often to plan reads and writes.
constexpr int64_t kPlanIntervalNs = 60 * kNsPerSecond;

using codec::floor_div;

// The local time at which the clock will show utc_ns.
int64_t local_at_utc(const DisciplinedClock& clock, int64_t utc_ns, int64_t from_local_ns) {
  // The clock runs within 0.15% of the local counter: two Newton steps of
  // slope one land within nanoseconds.
  int64_t at_local_ns = from_local_ns + (utc_ns - clock.utc_ns(from_local_ns));
  at_local_ns += utc_ns - clock.utc_ns(at_local_ns);
  return at_local_ns + (utc_ns - clock.utc_ns(at_local_ns));
}

// Where in its UTC second (ns) a clock showing utc_ns is.
int64_t within_second(int64_t utc_ns) { return utc_ns - floor_div(utc_ns, kNsPerSecond) * kNsPerSecond; }

RtcOutcome event(EventKind kind, int64_t value_ns = 0, uint32_t code = 0) {
  RtcOutcome o;
  o.kind = RtcOutcome::Kind::Event;
  o.event = kind;
  o.value_ns = value_ns;
  o.code = code;
  return o;
}

}  // namespace

void RtcKeeper::start() {
  set_unix_s_ = config_.set_unix_s;
  set_error_ns_ = config_.set_error_ns;
  if (config_.has_rtc) phase_ = Phase::BootRead;
}

bool RtcKeeper::plannable() const {
  return config_.has_rtc && phase_ == Phase::Idle && status_ != RtcStatus::Unknown &&
         status_ != RtcStatus::Missing;
}

int64_t RtcKeeper::error_ns(int64_t utc_ns) const {
  if (set_unix_s_ <= 0) return config_.unknown_error_ns;
  int64_t age_ns = utc_ns - set_unix_s_ * kNsPerSecond;
  // One millisecond for meeting the chip at its tick, both when set and when read.
  return set_error_ns_ + scale_ppb(age_ns > 0 ? age_ns : 0, config_.drift_ppb) + 1'000'000;
}

void RtcKeeper::begin_tick_wait(TickPurpose purpose, int64_t start_local_ns) {
  phase_ = Phase::TickWait;
  tick_purpose_ = purpose;
  tick_seconds_ = 0xFF;
  tick_next_read_ns_ = start_local_ns;
  tick_deadline_ns_ = start_local_ns + kTickTimeoutNs;
}

bool RtcKeeper::plan_write(int64_t local_ns, const RtcView& view) {
  const Reading& r = view.reading;
  // Write it when the clock comes from something better than the RTC itself
  // (a server still heard, or a phone), and is better than what the RTC
  // holds by a margin.
  bool better_source = view.online || r.source == Source::Phone || r.source == Source::Message;
  if (!better_source || !r.synchronized || local_ns < next_write_local_ns_ ||
      (status_ == RtcStatus::Valid && error_ns(r.utc_ns) <= 2 * r.error_ns)) {
    return false;
  }
  int64_t second = floor_div(r.utc_ns, kNsPerSecond) + 1;
  if (second * kNsPerSecond - r.utc_ns < kWriteLeadNs + 10'000'000) ++second;
  uint8_t regs[codec::ds3231::kTimeSize];
  if (!proto::ds3231_time_registers(second, twelve_hour_, regs)) {
    next_write_local_ns_ = local_ns + config_.min_write_interval_ns;
    return true;
  }
  write_unix_s_ = second;
  write_at_local_ns_ = local_at_utc(*view.clock, second * kNsPerSecond, local_ns);
  phase_ = Phase::WriteTime;
  return true;
}

RtcOutcome RtcKeeper::plan(int64_t local_ns, const RtcView& view) {
  if (!plannable() || plan_write(local_ns, view)) return {};
  // Follow it while nothing better is heard.
  if (status_ != RtcStatus::Valid || view.online || local_ns < next_resync_local_ns_) return {};
  const DisciplinedClock& clock = *view.clock;
  int64_t start_local_ns = local_ns;
  if (tick_phase_known_ && clock.is_set()) {
    int64_t utc = clock.utc_ns(local_ns);
    int64_t tick = (floor_div(utc - tick_phase_ns_, kNsPerSecond) + 1) * kNsPerSecond + tick_phase_ns_;
    if (tick - utc < kTickLeadNs + 5'000'000) tick += kNsPerSecond;
    start_local_ns = local_at_utc(clock, tick - kTickLeadNs, local_ns);
  }
  begin_tick_wait(TickPurpose::Resync, start_local_ns);
  Source s = view.reading.source;
  return s == Source::Ntp || s == Source::Broadcast ? event(EventKind::Offline) : RtcOutcome{};
}

bool RtcKeeper::transfer(int64_t local_ns, RtcTransfer* out) const {
  *out = RtcTransfer{};
  out->at_local_ns = local_ns;
  switch (phase_) {
    case Phase::BootRead: out->size = static_cast<uint8_t>(codec::ds3231::kRegisterCount); return true;
    case Phase::TickWait:
      out->size = static_cast<uint8_t>(codec::ds3231::kTimeSize);
      return local_ns >= tick_next_read_ns_;
    case Phase::WriteTime:
      out->write = true;
      out->reg = codec::ds3231::kRegSeconds;
      out->size = static_cast<uint8_t>(codec::ds3231::kTimeSize);
      proto::ds3231_time_registers(write_unix_s_, twelve_hour_, out->data);
      out->at_local_ns = write_at_local_ns_;
      return local_ns >= write_at_local_ns_ - kWriteLeadNs;
    case Phase::WriteControl:
      out->write = true;
      out->reg = codec::ds3231::kRegControl;
      out->size = 2;
      proto::ds3231_control_status_after_set(control_, status_reg_, out->data);
      return true;
    case Phase::Idle: break;
  }
  return false;
}

int64_t RtcKeeper::wake_ns(int64_t local_ns, bool online, int64_t offline_at_local_ns) const {
  int64_t wake = kNeverNs;
  if (phase_ == Phase::TickWait) wake = tick_next_read_ns_;
  if (phase_ == Phase::WriteTime) wake = write_at_local_ns_ - kWriteLeadNs;
  if (config_.has_rtc && status_ != RtcStatus::Missing) {
    wake = min64(wake, local_ns + kPlanIntervalNs);
    if (phase_ == Phase::Idle && status_ == RtcStatus::Valid) {
      wake = min64(wake, online ? offline_at_local_ns : next_resync_local_ns_);
    }
  }
  return wake;
}

RtcOutcome RtcKeeper::unusable(RtcStatus s) {
  status_ = s;
  phase_ = Phase::Idle;
  return event(EventKind::RtcUnusable, 0, static_cast<uint32_t>(s));
}

RtcOutcome RtcKeeper::on_read(const uint8_t* regs, size_t size, bool ok, int64_t local_ns) {
  if (phase_ != Phase::BootRead && phase_ != Phase::TickWait) return {};
  if (!ok) return unusable(RtcStatus::Missing);
  if (phase_ == Phase::BootRead) {
    proto::Ds3231Read r = proto::read_ds3231(regs, size);
    twelve_hour_ = r.twelve_hour;
    control_ = r.control;
    status_reg_ = r.status;
    if (rtc_status(r) != RtcStatus::Valid) return unusable(rtc_status(r));
    begin_tick_wait(TickPurpose::Boot, local_ns);
  }
  // TickWait (the boot read counts as its first read).
  if (size < codec::ds3231::kTimeSize) return {};
  return on_tick_read(regs, local_ns);
}

RtcOutcome RtcKeeper::on_tick_read(const uint8_t* regs, int64_t local_ns) {
  uint8_t seconds = regs[codec::ds3231::kRegSeconds];
  if (tick_seconds_ == 0xFF || seconds == tick_seconds_) {
    tick_seconds_ = seconds;
    tick_prev_local_ns_ = local_ns;
    tick_next_read_ns_ = local_ns + config_.read_interval_ns;
    if (local_ns <= tick_deadline_ns_) return {};
    next_resync_local_ns_ = local_ns + config_.resync_interval_ns;
    return unusable(RtcStatus::NotTicking);
  }
  proto::Ds3231Read r = proto::read_ds3231(regs, codec::ds3231::kTimeSize);
  phase_ = Phase::Idle;
  if (rtc_status(r) != RtcStatus::Valid) return unusable(rtc_status(r));
  // The chip latches its time at the start of a read: the tick fell between
  // the start of the last read that showed the old second and this one.
  RtcOutcome o;
  o.kind = RtcOutcome::Kind::Ticked;
  o.tick = Sample{tick_prev_local_ns_ + (local_ns - tick_prev_local_ns_) / 2, r.unix_s * kNsPerSecond,
                  local_ns - tick_prev_local_ns_};
  return o;
}

RtcOutcome RtcKeeper::on_tick(const Sample& tick, int64_t local_ns, const RtcView& view) {
  status_ = RtcStatus::Valid;
  next_resync_local_ns_ = local_ns + config_.resync_interval_ns;
  int64_t rtc_error = error_ns(tick.utc_ns);
  const Reading& r = view.reading;
  if (tick_purpose_ == TickPurpose::Boot && r.synchronized && r.error_ns <= rtc_error) return {};
  if (tick_purpose_ == TickPurpose::Resync) {
    if (view.online) return {};
    // The RTC was set from this clock: if they now differ by more than both
    // error bounds allow, one of them is broken, and the RTC is not followed.
    int64_t disagreement_ns = abs64(tick.utc_ns - view.clock->utc_ns(tick.local_ns));
    if (r.synchronized && disagreement_ns > rtc_error + r.error_ns + tick.delay_ns) {
      status_ = RtcStatus::Disagrees;
      return event(EventKind::RtcUnusable, 0, static_cast<uint32_t>(RtcStatus::Disagrees));
    }
  }
  RtcOutcome o;
  o.kind = RtcOutcome::Kind::Follow;
  o.tick = tick;
  o.error_ns = rtc_error;
  return o;
}

void RtcKeeper::followed(const Sample& tick, const DisciplinedClock& clock) {
  tick_phase_known_ = true;
  tick_phase_ns_ = within_second(clock.utc_ns(tick.local_ns));
}

RtcOutcome RtcKeeper::on_written(bool ok, int64_t local_ns, const RtcView& view) {
  if (phase_ == Phase::WriteTime) {
    if (!ok) {
      phase_ = Phase::Idle;
      next_write_local_ns_ = local_ns + kRetryNs;
      return event(EventKind::RtcWriteFailed);
    }
    // The chip's second starts now: it ticks where our clock does.
    int64_t utc = view.clock->utc_ns(local_ns);
    tick_phase_known_ = true;
    tick_phase_ns_ = within_second(utc);
    set_error_ns_ = view.reading.error_ns + abs64(utc - write_unix_s_ * kNsPerSecond);
    phase_ = Phase::WriteControl;
    return {};
  }
  if (phase_ != Phase::WriteControl) return {};
  phase_ = Phase::Idle;
  if (!ok) {
    next_write_local_ns_ = local_ns + kRetryNs;
    return event(EventKind::RtcWriteFailed);
  }
  uint8_t regs[2];
  proto::ds3231_control_status_after_set(control_, status_reg_, regs);
  control_ = regs[0];
  status_reg_ = regs[1];
  status_ = RtcStatus::Valid;
  set_unix_s_ = write_unix_s_;
  next_write_local_ns_ = local_ns + config_.min_write_interval_ns;
  next_resync_local_ns_ = local_ns + config_.resync_interval_ns;
  return event(EventKind::RtcWritten, write_unix_s_ * kNsPerSecond);
}

}  // namespace lansync::fw
