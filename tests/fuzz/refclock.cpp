// Fuzz target for what a GPS receiver hands sntpd; see targets.hpp.
//
// The bytes are read as a run of 56-byte SHM records (the fields of core::ShmRecord and the count
// read again, big-endian), each followed by a byte that says what happens next: a PPS edge at
// the record's receive time, a correction of the clock (its size from the record's µs fields),
// or the end of a poll.  For any input: decode_shm refuses a record with a reason or gives a
// reading whose times are in range and whose offset is the two times' difference; a pulse's
// reading starts the nearest whole second; a poll's mean lies within the offsets and times of the
// readings it took, keeps at least one and at most all of them, and has a spread of at least 0;
// each reading's offset, as a receiver's difference from its pulse, is learned only under a
// second, and what is learned lies within the differences kept.
#include "core/refclock.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <vector>

#include "core/discipline.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"refclock"};
constexpr int64_t kS = 1'000'000'000;
constexpr size_t kRecordBytes = 56;

int64_t read64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return static_cast<int64_t>(v);
}

int32_t read32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | p[i];
  return static_cast<int32_t>(v);
}

core::ShmRecord record_of(const uint8_t* p, int32_t* count_after) {
  core::ShmRecord r;
  r.mode = read32(p) & 3;
  r.count = read32(p + 4);
  r.clock_s = read64(p + 8);
  r.clock_us = read32(p + 16);
  r.clock_ns = read32(p + 20);
  r.receive_s = read64(p + 24);
  r.receive_us = read32(p + 32);
  r.receive_ns = read32(p + 36);
  r.leap = read32(p + 40) & 3;
  r.precision = read32(p + 44);
  r.valid = read32(p + 48) & 1;
  *count_after = read32(p + 52) == 0 ? r.count : read32(p + 52);
  return r;
}

// The readings a poll took, for its bounds (the filter's rules: the same local time as the last
// reading added, before any correction, is that reading again).
struct Taken {
  std::vector<core::RefclockSample> readings;
  int64_t last_local_ns = INT64_MIN;
  void add(const core::RefclockSample& s) {
    if (s.local_ns == last_local_ns) return;
    last_local_ns = s.local_ns;
    readings.push_back(s);
  }
};

void check_poll(core::RefclockFilter& f, Taken& t) {
  auto p = f.take();
  require(p.has_value() == !t.readings.empty(), "a poll has a mean exactly when readings came");
  if (!p) return;
  require(p->readings >= 1 && p->readings <= p->taken, "it keeps at least one reading, at most all");
  require(p->sd_ns >= 0, "a spread is not negative");
  auto [lo, hi] = std::minmax_element(t.readings.begin(), t.readings.end(),
                                      [](const auto& a, const auto& b) { return a.offset_ns < b.offset_ns; });
  require(p->offset_ns >= lo->offset_ns - 1 && p->offset_ns <= hi->offset_ns + 1,
          "the mean is within the offsets");
  auto [first, last] =
      std::minmax_element(t.readings.begin(), t.readings.end(),
                          [](const auto& a, const auto& b) { return a.local_ns < b.local_ns; });
  require(p->time_ns >= first->local_ns - 1 && p->time_ns <= last->local_ns + 1,
          "its time is within the readings'");
  require(f.size() == 0, "a poll starts afresh");
  t.readings.clear();
}

}  // namespace

// A receiver's lateness learned from the records' offsets taken as differences: kept only under
// a second, and the learned value within the differences kept.
void check_learning(core::ReceiverOffset& learned, std::deque<int64_t>& kept, int64_t difference_ns) {
  bool wanted = difference_ns > -core::kMaxReceiverOffsetNs && difference_ns < core::kMaxReceiverOffsetNs;
  require(learned.add(difference_ns) == wanted, "a difference is kept exactly when under a second");
  if (wanted) kept.push_back(difference_ns);
  if (kept.size() > core::kReceiverOffsetPolls) kept.pop_front();
  std::optional<int64_t> o = learned.offset_ns();
  require(o.has_value() == (kept.size() >= core::kReceiverOffsetMinPolls), "learned once four came");
  if (!o) return;
  auto [lo, hi] = std::minmax_element(kept.begin(), kept.end());
  require(*o >= *lo && *o <= *hi, "the learned offset is within the differences kept");
}

int refclock(const uint8_t* data, size_t size) {
  core::RefclockFilter f;
  Taken taken;
  core::ReceiverOffset learned;
  std::deque<int64_t> kept;
  for (size_t at = 0; at + kRecordBytes + 1 <= size; at += kRecordBytes + 1) {
    int32_t count_after = 0;
    core::ShmRecord rec = record_of(data + at, &count_after);
    uint8_t next = data[at + kRecordBytes];
    auto r = core::decode_shm(rec, count_after);
    if (!r) {
      require(std::strcmp(core::describe(r.error()), "unknown") != 0, "a refusal says why");
      continue;
    }
    require(r->local_ns >= 0, "no reading before 1970");
    require(r->precision_log2 >= -30 && r->precision_log2 <= 0, "a precision from 1 ns to 1 s");
    require(r->offset_ns >= -core::kMaxRefclockOffsetNs && r->offset_ns <= core::kMaxRefclockOffsetNs,
            "an offset within the largest");
    check_learning(learned, kept, r->offset_ns % (2 * kS));
    switch (next % 4) {
      case 0: {  // a pulse at the record's receive time instead of its reading
        std::optional<core::RefclockSample> pps = core::pps_reading(r->local_ns, -20);
        require(pps.has_value(), "a pulse at a record's time is in range");
        require(pps->offset_ns > -kS / 2 && pps->offset_ns <= kS / 2, "a pulse is within half a second");
        require((pps->local_ns + pps->offset_ns) % kS == 0, "a pulse starts a whole second");
        // Locked to the second the record's reading names.
        int64_t locked = core::lock_to_second(pps->offset_ns, r->offset_ns);
        require((locked - pps->offset_ns) % kS == 0, "a lock moves a pulse by whole seconds");
        require(locked - r->offset_ns >= -kS / 2 && locked - r->offset_ns <= kS / 2,
                "a pulse is locked to the second nearest the reading");
        f.add(*pps);
        taken.add(*pps);
        break;
      }
      case 1: {  // a correction of the clock: at most 1000 s and 100 ppm either way
        int64_t doffset = (rec.clock_us % 1'000'000) * 1'000'000LL;
        double dfreq = static_cast<double>(rec.receive_us % 100'000) / 1000;
        f.shift({r->local_ns, dfreq, doffset});
        for (auto& s : taken.readings) {
          int64_t delta = core::correction_shift_ns(s.local_ns, r->local_ns, dfreq, doffset);
          s.offset_ns -= delta;
          s.local_ns += delta;
        }
        break;
      }
      case 2: check_poll(f, taken); break;
      default:
        f.add(*r);
        taken.add(*r);
        break;
    }
  }
  check_poll(f, taken);
  return 0;
}

}  // namespace lansync::fuzz
