// A GPS receiver's time as gpsd hands it over (the NTP shared-memory records) or as its pulse per
// second gives it, and the filter that turns a poll's worth of readings into one sample for the
// discipline.
//
// gpsd (and ntpd's SHM drivers) write, about once a second, a record holding
// the time the receiver gave ("clock" time) and the system clock's reading
// when it came ("receive" time); their difference is our clock's offset from
// the receiver (positive: the receiver is ahead, our clock is behind, as every
// offset in lansync).  By gpsd's convention segment 2N holds receiver N's own
// time (NMEA or binary, precision about -1: its words arrive up to 0.5 s after
// the second) and segment 2N+1 the pulse per second gpsd timed (precision about
// -20); the record says which through its precision.  Mode 1 records carry a
// count that a writer bumps before and after, so that a record read while being
// written is refused (ntpd's SHM driver rule).  A pulse's edge (a kernel PPS
// device's) is a reading once the second it starts is known: pps_reading.
//
// RefclockFilter collects the readings of one poll interval and gives their
// mean (after dropping the highest and the lowest 20 % of the offsets, as
// chronyd's refclock filter does) at their mean time: a linear drift over the
// poll averages out there.  Its samples follow each correction of the clock
// made before the poll ends, as the discipline's registers do (core/discipline).
//
// ReceiverOffset learns how late a receiver's own time is (its sentences come
// 50-500 ms after the second they name) against a pulse followed beside it:
// what chronyd's users set by hand as a refclock's `offset`.  lock_to_second
// gives a pulse the second a receiver names (chronyd's `lock`).  Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "codec/result.hpp"

namespace lansync::core {

struct SampleShift;  // core/discipline

// One SHM record as read out of the segment (its C layout is os/clock_shm's).
struct ShmRecord {
  int32_t mode = 0;     // 0: no count protocol; 1: count bumped around each write
  int32_t count = 0;    // the writer's count (mode 1)
  int64_t clock_s = 0;  // the receiver's time, Unix s
  int32_t clock_us = 0;
  int32_t clock_ns = 0;   // the same to the ns, when the writer sets it (it agrees with clock_us)
  int64_t receive_s = 0;  // our clock's reading when it came, Unix s
  int32_t receive_us = 0;
  int32_t receive_ns = 0;
  int32_t leap = 0;       // 0 none, 1 insert, 2 delete, 3 alarm (not synchronized)
  int32_t precision = 0;  // log2 s of the receiver's time; 0: not said
  int32_t valid = 0;      // 1: a new record the reader has not taken yet
};

// One reading of the receiver.
struct RefclockSample {
  int64_t local_ns = 0;       // our clock when it came (Unix ns)
  int64_t offset_ns = 0;      // receiver - our clock (positive: our clock is behind)
  int8_t precision_log2 = 0;  // the writer's, -30 to 0 (0 when it said nothing)
};

// The latest time a reading may hold, Unix ns: in 2191, well before int64 ns end (2262), so that
// corrections of the readings cannot overflow.
inline constexpr int64_t kMaxRefclockUnixNs = 7'000'000'000'000'000'000;
// The largest offset a reading may have: 127 years (a Pi without a battery clock boots in 1970;
// a receiver says 2026).  Two readings' offsets then differ by less than 2^63 ns.
inline constexpr int64_t kMaxRefclockOffsetNs = 4'000'000'000'000'000'000;

// Why a record is not a reading.
enum class ShmProblem : uint8_t {
  NotValid,  // no new record since the last read
  Torn,      // read while being written (mode 1 count changed), or a mode we do not know
  BadTime,   // a field out of range (microseconds beyond 999 999, a time before 1970)
  Alarm,     // leap 3: the receiver has no fix
};
const char* describe(ShmProblem p);

// The reading a record holds; count_after is the count read again after copying it (mode 1).
Result<RefclockSample, ShmProblem> decode_shm(const ShmRecord& r, int32_t count_after);

// The reading a pulse-per-second edge gives, the second it starts being known to within half a
// second: our clock at the edge (assert_ns, Unix ns), and the whole second nearest it minus that
// (-0.5 s < offset <= 0.5 s).  A pulse alone says where a second starts, never which one.  None
// for an edge before 1970 or after kMaxRefclockUnixNs, as decode_shm refuses such records.
std::optional<RefclockSample> pps_reading(int64_t assert_ns, int8_t precision_log2);

// A pulse's offset (pps_reading's, within half a second) moved by whole seconds to the second
// expected_ns says: the one nearest it.  expected_ns is what a receiver's time says the offset is,
// or 0 while our clock is known to within half a second.  Both within kMaxRefclockOffsetNs.
int64_t lock_to_second(int64_t pulse_offset_ns, int64_t expected_ns);

// The mean of a poll's readings.
struct RefclockPoll {
  int64_t time_ns = 0;        // the kept readings' mean local time
  int64_t offset_ns = 0;      // their mean offset, at time_ns
  int64_t sd_ns = 0;          // their standard deviation about the mean
  size_t readings = 0;        // kept
  size_t taken = 0;           // collected this poll
  int8_t precision_log2 = 0;  // the coarsest of the readings'
};

// Readings a poll keeps at most (about 17 minutes at one a second).
inline constexpr size_t kMaxRefclockReadings = 1024;
// The share of a poll's readings, the middle ones by offset, that the mean is taken over (chronyd's 0.6).
inline constexpr double kRefclockKeepFraction = 0.6;

// Readings' offsets are within kMaxRefclockOffsetNs (decode_shm's, pps_reading's).
class RefclockFilter {
 public:
  // Adds a reading (the oldest is dropped beyond kMaxRefclockReadings); one with the local time
  // of the last one added is the same reading again and is ignored.
  void add(const RefclockSample& s);
  // A correction was made (core/discipline): the readings, and the last one, follow it.
  void shift(const SampleShift& c);
  // The poll's mean, and a fresh poll; nothing when no reading came.
  std::optional<RefclockPoll> take();
  size_t size() const { return readings_.size(); }
  // The last reading added (kept across polls), on the clock as corrected since.
  const std::optional<RefclockSample>& last() const { return last_; }

 private:
  std::vector<RefclockSample> readings_;
  std::optional<RefclockSample> last_;  // shifted by corrections
  int64_t last_local_ns_ = INT64_MIN;   // the last one's local time as added: the same reading again
};

// The differences a receiver's offset is learned from: the last 256 polls' (68 minutes at 16 s): each
// poll's is as noisy as the receiver's time (tens of ms), and its lateness changes only with its
// settings (another baud rate, more sentences), so that the longer the memory, the closer the median.
inline constexpr size_t kReceiverOffsetPolls = 256;
// Learned once this many differences came: a median of 4 outvotes one stray poll.
inline constexpr size_t kReceiverOffsetMinPolls = 4;
// A difference this large is a wrong second (a receiver after a cold start), not a late sentence:
// never learned away.
inline constexpr int64_t kMaxReceiverOffsetNs = 1'000'000'000;
// How late a receiver's time is taken to be before it is learned: the middle of -0.1 to 0.9 s, so
// that a pulse gets the right second from a receiver whose sentences come up to 0.9 s late (and
// none comes before its second; 0.1 s spares a gpsd that stamps a pulse's own time as early).
inline constexpr int64_t kUnlearnedLatenessNs = 400'000'000;

class ReceiverOffset {
 public:
  // One poll's difference: the pulse's offset minus the receiver time's, at the same instant.
  // False (and not kept) when it is kMaxReceiverOffsetNs or more.
  bool add(int64_t difference_ns);
  // What the receiver's time is corrected by (added to its offsets): the median of the last
  // kReceiverOffsetPolls differences, once kReceiverOffsetMinPolls came.
  std::optional<int64_t> offset_ns() const;
  size_t size() const { return differences_.size(); }

 private:
  std::vector<int64_t> differences_;  // oldest first
};

}  // namespace lansync::core
