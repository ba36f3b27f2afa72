// Reference selection; see reference.hpp.
#include "core/reference.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/camera_reference.hpp"
#include "core/exchange.hpp"
#include "core/trust.hpp"

namespace lansync::core {
namespace {

// A record written within this of a measured reference's update is of the same measurement.
constexpr int64_t kSameMeasurementNs = 1'000'000'000;

// Root distance of a reference at now: what clients will compare with 1.5 s.
int64_t root_distance_at(const proto::ReferenceState& s, int64_t now_ns) {
  return s.root_delay_ns / 2 + proto::root_dispersion_at(s, now_ns);
}

// A reference counts while it is younger than max_age and within MAXDIST;
// when it does not, why_not says why.
bool usable(const proto::ReferenceState& s, int64_t now_ns, int64_t max_age_ns, std::string* why_not) {
  int64_t age_ns = now_ns - s.reference_time_ns;
  if (age_ns > max_age_ns) {
    *why_not = human_duration(age_ns) + " old, more than the " + human_duration(max_age_ns) + " allowed";
    return false;
  }
  int64_t distance = root_distance_at(s, now_ns);
  if (distance > proto::kMaxRootDistanceNs) {
    *why_not = "root distance " + std::to_string(distance / 1'000'000) + " ms, more than 1500 ms";
    return false;
  }
  return true;
}

// A candidate of kind and role that serves state at stratum and refid.
ReferenceCandidate candidate(const char* kind, ReferenceRole role, int stratum, uint32_t refid) {
  ReferenceCandidate c;
  c.kind = kind;
  c.role = role;
  c.source = kind;
  c.name = kind;
  c.state.synchronized = true;
  c.state.stratum = static_cast<uint8_t>(stratum);
  c.state.refid = refid;
  return c;
}

bool parse_ipv4(const std::string& text, uint32_t* out) {
  uint32_t value = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
    uint32_t octet = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 4) {
      octet = octet * 10 + static_cast<uint32_t>(text[i++] - '0');
      ++digits;
    }
    if (octet > 255) return false;
    value = value << 8 | octet;
    if (++parts < 4) {
      if (i >= text.size() || text[i] != '.') return false;
      ++i;
    }
  }
  if (i < text.size() && text[i] != ',' && text[i] != ':') return false;
  *out = value;
  return true;
}

}  // namespace

uint32_t refid_for_source(const std::string& source) {
  uint32_t ip = 0;
  if (source.rfind("ntp:", 0) == 0 && parse_ipv4(source.substr(4), &ip)) return ip;
  if (source == kCameraSyncSource) return codec::refid_from_ascii("CAM");
  bool odd_segment = source.rfind("gps:shm", 0) == 0 && source.size() > 7 && (source.back() - '0') % 2 == 1;
  if (source == "gps:pps" || odd_segment) return codec::refid_from_ascii("PPS");
  char code[5] = {};
  size_t n = 0;
  for (char ch : source) {
    if (n == 4 || ch == ':') break;
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    if ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) code[n++] = ch;
  }
  return codec::refid_from_ascii(code);
}

ReferenceCandidate upstream_candidate(const UpstreamReference& u, int64_t now_ns) {
  ReferenceCandidate c = candidate("upstream", ReferenceRole::Measured, u.stratum + 1, u.refid);
  c.name = "upstream " + u.name;
  c.state.reference_time_ns = u.update_ns;
  c.state.root_delay_ns = u.root_delay_ns;
  c.state.root_dispersion_ns = u.root_dispersion_ns;
  // The served error grows by how well our frequency is known, as chronyd's root dispersion grows
  // by its skew: no worse than kMaxFrequencyErrorPpm, when it is not known at all; and by how far
  // the crystal may move from it since (PHI, or less where the clock earned it: core/holdover).
  double skew = u.frequency_skew_ppm >= 0 ? std::min(u.frequency_skew_ppm, kMaxFrequencyErrorPpm)
                                          : kMaxFrequencyErrorPpm;  // (NaN too: nothing known)
  double drift = u.drift_bound_ppm >= 0 ? std::min(u.drift_bound_ppm, static_cast<double>(proto::kPhiPpm))
                                        : static_cast<double>(proto::kPhiPpm);
  c.state.dispersion_rate_ppb = std::llround(std::ceil((drift + skew) * 1000));
  c.detail = c.name + " (stratum " + std::to_string(u.stratum) + ", updated " +
             human_duration(now_ns - u.update_ns) + " ago)";
  if (u.stratum + 1 > 15) c.problem = "upstream stratum too high";
  return c;
}

ReferenceCandidate kernel_candidate(int64_t max_error_ns, int64_t now_ns) {
  ReferenceCandidate c =
      candidate("kernel", ReferenceRole::External, kUnknownDepthStratum, codec::refid_from_ascii("KERN"));
  c.state.reference_time_ns = now_ns;  // the kernel's max error already grows with time
  c.state.root_dispersion_ns = max_error_ns;
  c.detail = "kernel (clock disciplined by another daemon, max error " + std::to_string(max_error_ns / 1000) +
             " us)";
  return c;
}

ReferenceCandidate state_candidate(const StateReference& st, const BootStamp& this_boot, int64_t now_ns,
                                   int64_t max_age_ns) {
  int stratum = st.stratum && *st.stratum < 15 ? *st.stratum + 1 : kUnknownDepthStratum;
  ReferenceCandidate c = candidate("state", ReferenceRole::Record, stratum, refid_for_source(st.source));
  c.source = st.source;
  c.name = "sync-state file (source " + st.source + ")";
  c.state.reference_time_ns = st.last_sync_ns;
  c.state.root_dispersion_ns = st.uncertainty_ns + std::llabs(st.uncorrected_offset_ns);
  RecordVerdict r = judge_record(st.last_sync_ns, st.boot, this_boot, now_ns, max_age_ns);
  std::string why = explain_record(r, max_age_ns);
  c.detail = "sync-state file (source " + st.source + ", " + why + ")";
  if (!r.counts) c.problem = why;
  return c;
}

ReferenceCandidate unreadable_state_candidate(const std::string& problem) {
  ReferenceCandidate c = candidate("state", ReferenceRole::Record, kUnknownDepthStratum, 0);
  c.name = "sync-state file";
  c.problem = problem;
  return c;
}

ReferenceCandidate local_candidate(uint8_t stratum, int8_t precision_log2, int64_t start_ns, int64_t now_ns) {
  ReferenceCandidate c = candidate("local", ReferenceRole::LastResort, stratum, proto::kLocalRefid);
  c.state = proto::local_reference(stratum, precision_log2, start_ns, now_ns);
  c.detail = "local clock at stratum " + std::to_string(stratum);
  return c;
}

ReferenceChoice choose_reference(const std::vector<ReferenceCandidate>& candidates, int64_t now_ns,
                                 int64_t max_age_ns, int8_t precision_log2) {
  std::string rejected;                     // why better references did not count, for a last resort's detail
  int64_t measured_refused_ns = INT64_MIN;  // the reference time of a measured one that did not
  for (const ReferenceCandidate& c : candidates) {
    std::string why = c.problem;
    // A record made by the same measurement (sntpd records each upstream update) would serve it
    // on, its error grown at 15 ppm where the upstream one grew by the frequency's error too.
    if (why.empty() && c.role == ReferenceRole::Record && c.state.reference_time_ns <= measured_refused_ns)
      why = "no newer than the upstream reference that no longer counts";
    if (why.empty() && usable(c.state, now_ns, max_age_ns, &why)) {
      ReferenceChoice choice{c.kind, c.role, c.source, c.state, c.detail};
      choice.state.precision_log2 = precision_log2;
      if (c.role == ReferenceRole::LastResort && !rejected.empty()) choice.detail += " (" + rejected + ")";
      return choice;
    }
    if (c.role == ReferenceRole::Measured && c.problem.empty()) {
      measured_refused_ns = c.state.reference_time_ns + kSameMeasurementNs;
    }
    rejected += (rejected.empty() ? "" : "; ") + c.name + ": " + why;
  }
  ReferenceChoice none;
  none.state = proto::unsynchronized_reference(precision_log2);
  none.detail = "no reference" + (rejected.empty() ? "" : " (" + rejected + ")");
  return none;
}

}  // namespace lansync::core
