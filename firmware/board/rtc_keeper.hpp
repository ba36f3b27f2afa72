// The board's DS3231 keeper: reads the RTC at boot and waits for its tick, sets it from a better
// clock at the start of a second, and, while no server is heard, reads it at its tick to follow it.
//
// The RTC's seconds register is read every rtc_read_interval until it
// changes: the chip's second began between the last read that showed the
// old second and the first that shows the new one (a sample whose delay is
// that span).  At boot that tick sets the clock unless the clock is already
// better; offline it is followed every rtc_resync_interval unless it
// disagrees with the clock by more than both error bounds.  It is written
// when the clock comes from something better (a server still heard, or a
// phone) and is better than what the RTC holds by a margin: the time
// registers at the start of a second, then control and status (OSF
// cleared).  The RTC's error bound grows from the one the clock had when it
// was set, at rtc_drift_ppb.  The keeper sees the board's clock only through
// an RtcView and tells the board what to do through an RtcOutcome (log an
// event, follow a tick) and an RtcTransfer (the bus transfer for the port).
// Freestanding, no heap.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/ds3231.hpp"
#include "firmware/board/clock.hpp"
#include "firmware/board/estimator.hpp"
#include "firmware/board/event_queue.hpp"
#include "firmware/board/rtc.hpp"
#include "firmware/board/source_state.hpp"

namespace lansync::fw {

struct RtcKeeperConfig {
  bool has_rtc = false;                      // a DS3231 at 0x68
  int64_t set_unix_s = 0;                    // when the RTC was last set (the port keeps it); 0: unknown
  int64_t set_error_ns = 0;                  // the clock's error bound then
  int64_t unknown_error_ns = 1'000'000'000;  // error assumed for an RTC of unknown age
  int64_t drift_ppb = 2'000;                 // how fast its error grows
  int64_t min_write_interval_ns = 0;         // between writes while synchronized
  int64_t resync_interval_ns = 0;            // offline: read it this often
  int64_t read_interval_ns = 1'000'000;      // between reads while waiting for its tick
};

// The board's clock as the keeper sees it at one moment.
struct RtcView {
  const DisciplinedClock* clock = nullptr;  // the board's clock, never null
  Reading reading;                          // Board::now() then
  bool online = false;                      // a server or broadcaster is still heard
};

// A bus transfer for the port: read size registers from reg, or write data[0..size) to them, at at_local_ns.
struct RtcTransfer {
  bool write = false;                           // a write (else a read)
  uint8_t reg = 0;                              // the first register
  uint8_t size = 0;                             // how many registers
  uint8_t data[codec::ds3231::kTimeSize] = {};  // what a write writes
  int64_t at_local_ns = 0;                      // a write's exact moment (a read: now)
};

// What the board does after a keeper call.
struct RtcOutcome {
  enum class Kind : uint8_t {
    None,
    Event,   // log event (value_ns, code)
    Ticked,  // the RTC ticked (tick): hand it to on_tick()
    Follow,  // take tick as a sample of Source::Rtc with error bound error_ns, then call followed()
  };
  Kind kind = Kind::None;
  EventKind event = EventKind::RtcUnusable;  // Event: RtcUnusable, RtcWritten, RtcWriteFailed or Offline
  int64_t value_ns = 0;                      // Event: as Event::value_ns says for its kind
  uint32_t code = 0;                         // Event: the RtcStatus of RtcUnusable
  Sample tick;           // local ns where the RTC's second began, its UTC, the read's uncertainty
  int64_t error_ns = 0;  // the RTC's error bound at the tick (Follow)
};

class RtcKeeper {
 public:
  explicit RtcKeeper(const RtcKeeperConfig& config) : config_(config) {}

  // At boot (or waking): the RTC's last set as the port kept it, and a first read if there is an RTC.
  void start();
  // Whether plan() may do anything now: an RTC that answered, with nothing in progress.
  bool plannable() const;
  // Decides at local_ns whether to write the RTC or to follow it (wait for its tick).
  RtcOutcome plan(int64_t local_ns, const RtcView& view);
  // The transfer due at local_ns, if any (a write is handed out kWriteLeadNs early).
  bool transfer(int64_t local_ns, RtcTransfer* out) const;
  // When the keeper next needs the board's attention (local ns), or kNeverNs.
  int64_t wake_ns(int64_t local_ns, bool online, int64_t offline_at_local_ns) const;

  // A read's registers (regs[0..size) from register 0); ok false if the bus transfer failed; local_ns:
  // read just before the transfer started.  Ticked when this read saw the seconds change.
  RtcOutcome on_read(const uint8_t* regs, size_t size, bool ok, int64_t local_ns);
  // A tick seen at local_ns: Follow it, or not (the clock is better, a server is heard, it disagrees).
  RtcOutcome on_tick(const Sample& tick, int64_t local_ns, const RtcView& view);
  // After the board followed a tick: where in the clock's UTC second the RTC ticks.
  void followed(const Sample& tick, const DisciplinedClock& clock);
  // A write's result at local_ns; ok false if the bus transfer failed.
  RtcOutcome on_written(bool ok, int64_t local_ns, const RtcView& view);
  // The clock was just set from a phone at local_ns: the RTC may be written at once.
  void write_soon(int64_t local_ns) { next_write_local_ns_ = local_ns; }

  // What the last read or write said of the RTC (Unknown before the first read).
  RtcStatus status() const { return status_; }
  // The RTC's error bound (ns) when it shows utc_ns: its set error plus drift_ppb since, plus 1 ms.
  int64_t error_ns(int64_t utc_ns) const;
  // The Unix second it was last set and the error then (0, 0: never set here), for the port to keep.
  int64_t set_unix_s() const { return set_unix_s_; }
  int64_t set_error_ns() const { return set_error_ns_; }

  // Never: a local time no event reaches.
  static constexpr int64_t kNeverNs = 0x7FFF'FFFF'FFFF'FFFF;

 private:
  enum class Phase : uint8_t { Idle, BootRead, TickWait, WriteTime, WriteControl };
  enum class TickPurpose : uint8_t { Boot, Resync };

  void begin_tick_wait(TickPurpose purpose, int64_t start_local_ns);
  bool plan_write(int64_t local_ns, const RtcView& view);
  RtcOutcome unusable(RtcStatus s);
  RtcOutcome on_boot_read(const uint8_t* regs, size_t size, int64_t local_ns);
  RtcOutcome on_tick_read(const uint8_t* regs, int64_t local_ns);

  RtcKeeperConfig config_;
  RtcStatus status_ = RtcStatus::Unknown;
  Phase phase_ = Phase::Idle;
  TickPurpose tick_purpose_ = TickPurpose::Boot;
  bool twelve_hour_ = false;
  uint8_t control_ = 0x1C;
  uint8_t status_reg_ = 0;
  uint8_t tick_seconds_ = 0xFF;  // seconds register at the last read, 0xFF: none yet
  int64_t tick_prev_local_ns_ = 0;
  int64_t tick_next_read_ns_ = 0;
  int64_t tick_deadline_ns_ = 0;
  bool tick_phase_known_ = false;
  int64_t tick_phase_ns_ = 0;  // where in our UTC second the RTC ticks
  int64_t write_at_local_ns_ = 0;
  int64_t write_unix_s_ = 0;
  int64_t next_write_local_ns_ = 0;
  int64_t next_resync_local_ns_ = 0;
  int64_t set_unix_s_ = 0;
  int64_t set_error_ns_ = 0;
};

}  // namespace lansync::fw
