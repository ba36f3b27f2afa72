// What the board's clock follows and how well: its source, its error bound, the upstream it serves
// from, and the last sample, kept apart from the clock that applies the corrections.
//
// The error bound is RFC 5905's root distance of the board: a base set at the
// last correction (half the path delay, the server's root distance, the
// estimator's spread) growing at a rate (PHI) since; the board adds the slew
// still left in its clock.  The upstream (stratum, reference ID, root delay)
// and the reference time are what server mode serves; a network source is
// online while its samples keep coming within offline_after.  save() and
// restore_upstream() carry it across deep sleep in the SleepRecord.
// Freestanding: integer ns, no heap.
#pragma once

#include <stdint.h>

#include "firmware/board/sleep.hpp"
#include "proto/units.hpp"

namespace lansync::fw {

// Where the clock's time comes from.
// Message: a time another protocol carried (OCPP's currentTime: Board::on_time_message).
enum class Source : uint8_t { None, Rtc, Phone, Ntp, Broadcast, Message };
const char* source_name(Source s);  // "none", "rtc", "phone", "ntp", "broadcast", "message"

// The clock as a reader sees it.
struct Reading {
  int64_t utc_ns = 0;    // Unix ns (meaningless when !synchronized)
  int64_t error_ns = 0;  // |utc_ns - UTC| is at most this (INT64_MAX when unsynchronized)
  bool synchronized = false;
  Source source = Source::None;
};

// An error bound that grows linearly: base_ns at local_ns, plus rate_ppb of the time since.
struct ErrorBound {
  int64_t base_ns = 0;                // the bound when it was set, ns
  int64_t local_ns = 0;               // when it was set, local ns
  int64_t rate_ppb = proto::kPhiPpb;  // how fast it grows since (RFC 5905 PHI)

  // The bound at local_ns (ns, >= base_ns; never shrinks before local_ns).
  int64_t at(int64_t now_local_ns) const;
};

// The server (or broadcaster) the clock follows, as server mode serves it (RFC 5905 §7.3).
struct Upstream {
  uint8_t stratum = 0;        // its stratum (we serve one more)
  uint32_t refid = 0;         // the server's IPv4 address, as a reference ID
  int64_t root_delay_ns = 0;  // its root delay plus our path to it
};

struct SourceState {
  Source source = Source::None;      // where the clock's time comes from
  ErrorBound error;                  // the clock's error bound, without the slew still left in it
  Upstream upstream;                 // what server mode serves while the source is networked()
  int64_t reference_utc_ns = 0;      // when the clock was last corrected (Unix ns)
  int64_t last_offset_ns = 0;        // the last sample's reference minus our clock (positive: we were behind)
  int64_t last_delay_ns = 0;         // its round-trip delay
  int64_t last_online_local_ns = 0;  // the last NTP or broadcast sample (local ns)

  // Whether the clock follows a server or broadcaster (Source::Ntp, Source::Broadcast).
  bool networked() const { return source == Source::Ntp || source == Source::Broadcast; }
  // Whether it follows one still heard: a sample within offline_after_ns before local_ns.
  bool online(int64_t local_ns, int64_t offline_after_ns) const;
  // Sets the error bound: base_ns at local_ns, growing at rate_ppb.
  void set_error(int64_t local_ns, int64_t base_ns, int64_t rate_ppb = proto::kPhiPpb);

  // Writes the upstream, the reference time and since_online (relative to local_ns) into r.
  void save(int64_t local_ns, SleepRecord* r) const;
  // Takes the upstream and the reference time back from r on waking (the rest is the board's).
  void restore_upstream(const SleepRecord& r);
};

}  // namespace lansync::fw
