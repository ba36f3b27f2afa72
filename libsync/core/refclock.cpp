// GPS receiver records through gpsd's shared memory, and their filter; see refclock.hpp.
#include "core/refclock.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <utility>

#include "core/discipline.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kNsPerS = 1'000'000'000;
// The latest time a record may hold (kMaxRefclockUnixNs), in whole seconds.
constexpr int64_t kMaxSeconds = kMaxRefclockUnixNs / kNsPerS - 1;

// s and us (and ns, used when it agrees with us, as ntpd's SHM driver does) in Unix ns.
bool to_ns(int64_t s, int32_t us, int32_t ns, int64_t* out) {
  if (s < 0 || s > kMaxSeconds || us < 0 || us > 999'999) return false;
  int64_t frac = ns >= 0 && ns <= 999'999'999 && ns / 1000 == us ? ns : int64_t{us} * 1000;
  *out = s * kNsPerS + frac;
  return true;
}

// The median of v (not empty), sorted here; the middle two's mean for an even count.
int64_t median(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : std::midpoint(v[mid - 1], v[mid]);
}

}  // namespace

const char* describe(ShmProblem p) {
  switch (p) {
    case ShmProblem::NotValid: return "no new record";
    case ShmProblem::Torn: return "a record changed while it was read";
    case ShmProblem::BadTime: return "a record with a time out of range";
    case ShmProblem::Alarm: return "the receiver says it has no fix (leap 3)";
  }
  return "unknown";
}

Result<RefclockSample, ShmProblem> decode_shm(const ShmRecord& r, int32_t count_after) {
  if (r.mode != 0 && r.mode != 1) return fail(ShmProblem::Torn);
  if (r.mode == 1 && r.count != count_after) return fail(ShmProblem::Torn);
  if (r.valid != 1) return fail(ShmProblem::NotValid);
  if (r.leap == 3) return fail(ShmProblem::Alarm);
  int64_t reference_ns = 0;
  int64_t local_ns = 0;
  if (!to_ns(r.clock_s, r.clock_us, r.clock_ns, &reference_ns) ||
      !to_ns(r.receive_s, r.receive_us, r.receive_ns, &local_ns) ||
      std::llabs(reference_ns - local_ns) > kMaxRefclockOffsetNs) {
    return fail(ShmProblem::BadTime);
  }
  RefclockSample s;
  s.local_ns = local_ns;
  s.offset_ns = reference_ns - local_ns;
  s.precision_log2 = static_cast<int8_t>(std::clamp(r.precision, -30, 0));
  return s;
}

std::optional<RefclockSample> pps_reading(int64_t assert_ns, int8_t precision_log2) {
  if (assert_ns < 0 || assert_ns > kMaxRefclockUnixNs) return std::nullopt;
  int64_t into = assert_ns % kNsPerS;
  RefclockSample s;
  s.local_ns = assert_ns;
  s.offset_ns = into >= kNsPerS / 2 ? kNsPerS - into : -into;
  s.precision_log2 = precision_log2;
  return s;
}

int64_t lock_to_second(int64_t pulse_offset_ns, int64_t expected_ns) {
  int64_t d = expected_ns - pulse_offset_ns;
  // The whole seconds nearest d, rounded half away from zero.
  int64_t seconds = (d >= 0 ? d + kNsPerS / 2 : d - kNsPerS / 2) / kNsPerS;
  return pulse_offset_ns + seconds * kNsPerS;
}

void RefclockFilter::add(const RefclockSample& s) {
  if (s.local_ns == last_local_ns_) return;
  last_local_ns_ = s.local_ns;
  last_ = s;
  if (readings_.size() == kMaxRefclockReadings) readings_.erase(readings_.begin());
  readings_.push_back(s);
}

void RefclockFilter::shift(const SampleShift& c) {
  for (RefclockSample& s : readings_) c.apply(s.local_ns, s.offset_ns);
  if (last_) c.apply(last_->local_ns, last_->offset_ns);
}

std::optional<RefclockPoll> RefclockFilter::take() {
  if (readings_.empty()) return std::nullopt;
  std::vector<RefclockSample> r;
  r.swap(readings_);
  RefclockPoll p;
  p.taken = r.size();
  // The middle of the readings by offset, as many dropped above as below: a reading late by a
  // loaded gpsd stays out.  (Keeping those nearest the median instead keeps a lopsided set as
  // often as not: its mean is a third noisier for normal readings, 35 against 26 us of 100 us
  // readings, found in chrony's simulator.)
  std::stable_sort(r.begin(), r.end(), [](const RefclockSample& a, const RefclockSample& b) {
    return a.offset_ns < b.offset_ns;
  });
  size_t drop = 0;
  if (r.size() > 2) {
    drop = static_cast<size_t>(static_cast<double>(r.size()) * (1 - kRefclockKeepFraction) / 2);
    drop = std::clamp<size_t>(drop, 1, (r.size() - 1) / 2);
  }
  r.erase(r.end() - static_cast<std::ptrdiff_t>(drop), r.end());
  r.erase(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(drop));
  // Means taken about the first reading, so that no sum of Unix times overflows.
  const RefclockSample& base = r.front();
  double dt = 0;
  double doff = 0;
  p.precision_log2 = -30;
  for (const RefclockSample& s : r) {
    dt += static_cast<double>(s.local_ns - base.local_ns);
    doff += static_cast<double>(s.offset_ns - base.offset_ns);
    p.precision_log2 = std::max(p.precision_log2, s.precision_log2);
  }
  double n = static_cast<double>(r.size());
  p.time_ns = base.local_ns + std::llround(dt / n);
  p.offset_ns = base.offset_ns + std::llround(doff / n);
  double var = 0;
  for (const RefclockSample& s : r) {
    double d = static_cast<double>(s.offset_ns - p.offset_ns);
    var += d * d;
  }
  p.sd_ns = std::llround(std::sqrt(var / n));
  p.readings = r.size();
  return p;
}

bool ReceiverOffset::add(int64_t difference_ns) {
  if (difference_ns <= -kMaxReceiverOffsetNs || difference_ns >= kMaxReceiverOffsetNs) return false;
  if (differences_.size() == kReceiverOffsetPolls) differences_.erase(differences_.begin());
  differences_.push_back(difference_ns);
  return true;
}

std::optional<int64_t> ReceiverOffset::offset_ns() const {
  if (differences_.size() < kReceiverOffsetMinPolls) return std::nullopt;
  return median(differences_);
}

}  // namespace lansync::core
