// What the board keeps across deep sleep: a small, trivially copyable record that the port puts in
// RTC memory before sleeping and hands back on waking, with a magic, a version and a checksum.
//
// Deep sleep resets the chip: RAM, the local counter and the estimator's
// history are gone; only RTC memory (RTC_DATA_ATTR on the ESP32,
// ESP.rtcUserMemory on the ESP8266) and the sleep timer survive.  The record
// holds what the clock needs to be honest at once on waking: its time, error
// bound and frequency correction at the moment it was saved, where it came
// from, the poll schedule and what the board learned of its sleep timer, all
// as times relative to that moment (the local counter restarts on wake).  RTC memory holds garbage after a
// power cut, and the ESP8266's is not cleared on an external reset: a record is believed only if its magic,
// version, size and CRC-32 are right and its values are plausible (sleep_record_valid); otherwise the board
// starts as after a power cut.  No padding: every byte is covered by the checksum.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace lansync::fw {

// "LSSL", little-endian: the first word of a record.
inline constexpr uint32_t kSleepMagic = 0x4C53'534C;
// Bumped whenever the layout or the meaning of a field changes.
inline constexpr uint16_t kSleepVersion = 3;

// SleepRecord::flags: the NTP client was polling (the schedule fields are set) ...
inline constexpr uint8_t kSleepPolling = 1;
// ... the frequency correction came from a fit of the history, not a guess.
inline constexpr uint8_t kSleepFreqFitted = 2;

struct SleepRecord {
  uint32_t magic = 0;            // kSleepMagic
  uint16_t version = 0;          // kSleepVersion
  uint16_t size = 0;             // sizeof(SleepRecord)
  uint8_t source = 0;            // Source of the clock (0: none, nothing to restore)
  int8_t poll_log2 = 0;          // the NTP poll interval then
  uint8_t upstream_stratum = 0;  // of the server followed
  uint8_t flags = 0;             // kSleepPolling | kSleepFreqFitted
  uint32_t upstream_refid = 0;   // its reference ID, as served
  int64_t utc_ns = 0;            // the clock (Unix ns) at the save
  int64_t error_ns = 0;          // its error bound then, ns
  int64_t freq_q32 = 0;          // frequency correction of the local counter, 2^-32 units
  int64_t until_burst_ns = 0;    // local ns from the save to the next scheduled burst (may be < 0)
  int64_t until_allowed_ns =
      0;  // ... to the earliest burst the request budget allows (min_poll after the last)
  int64_t since_online_ns = 0;         // local ns from the last NTP or broadcast sample to the save
  int64_t upstream_root_delay_ns = 0;  // root delay served, ns
  int64_t reference_utc_ns = 0;        // when the clock was last corrected, Unix ns
  // The sleep timer (firmware/board/sleep_timer): its rate error (true = measured * (1 + rate)) and the
  // rate's trend at timer_learned_utc_ns (0: never), the covariance of the clock (ns), the rate
  // (ppb) and the trend (ppb/h), the least delay of the path, the sleep since the last networked
  // sample, and how fast the rate may wander.
  int64_t timer_rate_ppb = 0;
  int64_t timer_trend_ppb_per_h = 0;
  int64_t timer_rate_var_ppb2 = 0;
  int64_t timer_learned_utc_ns = 0;
  int64_t timer_clock_var_ns2 = 0;
  int64_t timer_cov_ns_ppb = 0;
  int64_t timer_cov_ns_trend = 0;    // ns * ppb/h
  int64_t timer_cov_rate_trend = 0;  // ppb * ppb/h
  int64_t timer_trend_var = 0;       // (ppb/h)^2
  int64_t timer_path_delay_ns = 0;
  int64_t timer_slept_ns = 0;
  uint32_t timer_wander_ppb_per_h = 0;
  uint16_t timer_readings = 0;    // wakes that taught the rate (saturates)
  uint16_t timer_consistent = 0;  // ... of them in a row within four standard deviations
  uint32_t reserved = 0;          // 0
  uint32_t checksum = 0;          // CRC-32 (IEEE) of every byte before it
};

static_assert(sizeof(SleepRecord) == 184, "SleepRecord must have no padding");
static_assert(sizeof(SleepRecord) % 4 == 0, "ESP.rtcUserMemory reads and writes 4-byte blocks");

// CRC-32 (IEEE 802.3, reflected, as zlib) of size bytes.
uint32_t crc32(const uint8_t* data, size_t size);
// Fills in magic, version, size and checksum.
void seal_sleep_record(SleepRecord* r);
// Whether the record is one seal_sleep_record() made (magic, version, size, checksum).
bool sleep_record_sealed(const SleepRecord& r);

}  // namespace lansync::fw
