// Server reply construction; see server.hpp.
#include "core/server.hpp"

#include "core/exchange.hpp"

namespace lansync::core {

using codec::kNsPerSecond;
using codec::Leap;
using codec::Mode;

ReferenceState local_reference(uint8_t stratum, int8_t precision_log2, int64_t start_ns, int64_t now_ns) {
  ReferenceState ref;
  ref.synchronized = true;
  ref.stratum = stratum;
  ref.refid = kLocalRefid;
  int64_t elapsed = now_ns > start_ns ? now_ns - start_ns : 0;
  ref.reference_time_ns = start_ns + elapsed / kLocalRefreshNs * kLocalRefreshNs;
  ref.precision_log2 = precision_log2;
  ref.root_dispersion_ns = ns_from_log2(precision_log2);
  return ref;
}

ReferenceState unsynchronized_reference(int8_t precision_log2) {
  ReferenceState ref;
  ref.precision_log2 = precision_log2;
  return ref;
}

int64_t root_dispersion_at(const ReferenceState& ref, int64_t now_ns) {
  int64_t age = now_ns > ref.reference_time_ns ? now_ns - ref.reference_time_ns : 0;
  return ref.root_dispersion_ns + age / 1'000'000 * kPhiPpm;
}

bool make_reply(const codec::NtpHeader& request, int64_t rx_ns, const ReferenceState& ref,
                codec::NtpHeader* reply) {
  if (request.mode != Mode::Client || request.version < 1 || request.version > 4) return false;
  codec::NtpHeader r;
  r.version = request.version;
  r.mode = Mode::Server;
  r.poll_log2 = request.poll_log2;
  r.precision_log2 = ref.precision_log2;
  if (ref.synchronized) {
    r.leap = Leap::None;
    r.stratum = ref.stratum;
    r.refid = ref.refid;
    r.reference = codec::to_ntp(ref.reference_time_ns);
    r.root_delay = codec::to_ntp_short(ref.root_delay_ns);
    r.root_dispersion = codec::to_ntp_short(root_dispersion_at(ref, rx_ns));
  } else {
    r.leap = Leap::Unsynchronized;
    r.stratum = 16;
  }
  r.origin = request.transmit;
  r.receive = codec::to_ntp(rx_ns);
  *reply = r;
  return true;
}

int8_t precision_log2_from_ns(int64_t resolution_ns) {
  // Smallest p with 2^p s >= the resolution, from 2^-30 s (about 0.93 ns) up to 1 s.
  int p = -30;
  int64_t step_ns = 1;  // 2^p s in ns, rounded up
  while (p < 0 && step_ns < resolution_ns) {
    ++p;
    step_ns = (kNsPerSecond + (int64_t{1} << -p) - 1) >> -p;
  }
  return static_cast<int8_t>(p);
}

int64_t ns_from_log2(int8_t log2_s) {
  if (log2_s >= 0) return kNsPerSecond << (log2_s > 30 ? 30 : log2_s);
  int64_t ns = kNsPerSecond >> (log2_s < -62 ? 62 : -log2_s);
  return ns > 0 ? ns : 1;
}

}  // namespace lansync::core
