// Reference selection; see reference.hpp.
#include "core/reference.hpp"

#include "core/camera_reference.hpp"
#include "core/exchange.hpp"
#include "core/trust.hpp"

namespace lansync::core {
namespace {

// Root distance of a reference at now: what clients will compare with 1.5 s.
int64_t root_distance_at(const proto::ReferenceState& s, int64_t now_ns) {
  return s.root_delay_ns / 2 + proto::root_dispersion_at(s, now_ns);
}

// A reference counts while it is younger than max_age and within MAXDIST;
// when it does not, why_not says why.
bool usable(const proto::ReferenceState& s, int64_t now_ns, int64_t max_age_ns, std::string* why_not) {
  int64_t age = now_ns - s.reference_time_ns;
  if (age > max_age_ns) {
    *why_not = human_duration(age) + " old, more than the " + human_duration(max_age_ns) + " allowed";
    return false;
  }
  int64_t distance = root_distance_at(s, now_ns);
  if (distance > proto::kMaxRootDistanceNs) {
    *why_not = "root distance " + std::to_string(distance / 1'000'000) + " ms, more than 1500 ms";
    return false;
  }
  return true;
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

const char* describe(ReferenceKind k) {
  switch (k) {
    case ReferenceKind::None: return "none";
    case ReferenceKind::Upstream: return "upstream";
    case ReferenceKind::Kernel: return "kernel";
    case ReferenceKind::SyncState: return "state";
    case ReferenceKind::Local: return "local";
  }
  return "none";
}

uint32_t refid_for_source(const std::string& source) {
  uint32_t ip = 0;
  if (source.rfind("ntp:", 0) == 0 && parse_ipv4(source.substr(4), &ip)) return ip;
  if (source == kCameraSyncSource) return codec::refid_from_ascii("CAM");
  char code[5] = {};
  size_t n = 0;
  for (char ch : source) {
    if (n == 4 || ch == ':') break;
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    if ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) code[n++] = ch;
  }
  return codec::refid_from_ascii(code);
}

ReferenceChoice choose_reference(const ReferenceEvidence& e, int64_t now_ns, int64_t start_ns,
                                 int64_t max_age_ns) {
  ReferenceChoice c;
  proto::ReferenceState s;
  s.synchronized = true;
  s.precision_log2 = e.precision_log2;
  std::string rejected;  // why better references did not count, for the detail line
  std::string why;
  auto reject = [&](const std::string& what) {
    rejected += (rejected.empty() ? "" : "; ") + what + ": " + why;
  };

  if (e.upstream) {
    const UpstreamReference& u = *e.upstream;
    s.stratum = static_cast<uint8_t>(u.stratum + 1);
    s.refid = u.refid;
    s.reference_time_ns = u.update_ns;
    s.root_delay_ns = u.root_delay_ns;
    s.root_dispersion_ns = u.root_dispersion_ns;
    if (s.stratum > 15) why = "upstream stratum too high";
    if (s.stratum <= 15 && usable(s, now_ns, max_age_ns, &why)) {
      c.kind = ReferenceKind::Upstream;
      c.state = s;
      c.detail = "upstream " + u.name + " (stratum " + std::to_string(u.stratum) + ", updated " +
                 human_duration(now_ns - u.update_ns) + " ago)";
      return c;
    }
    reject("upstream " + u.name);
  }
  if (e.kernel) {
    s.stratum = kUnknownDepthStratum;
    s.refid = codec::refid_from_ascii("KERN");
    s.reference_time_ns = now_ns;  // the kernel's max error already grows with time
    s.root_delay_ns = 0;
    s.root_dispersion_ns = e.kernel->max_error_ns;
    if (usable(s, now_ns, max_age_ns, &why)) {
      c.kind = ReferenceKind::Kernel;
      c.state = s;
      c.detail = "kernel (clock disciplined by another daemon, max error " +
                 std::to_string(e.kernel->max_error_ns / 1000) + " us)";
      return c;
    }
    reject("kernel");
  }
  if (e.state) {
    const StateReference& st = *e.state;
    s.stratum = st.stratum && *st.stratum < 15 ? static_cast<uint8_t>(*st.stratum + 1) : kUnknownDepthStratum;
    s.refid = refid_for_source(st.source);
    s.reference_time_ns = st.last_sync_ns;
    s.root_delay_ns = 0;
    s.root_dispersion_ns = st.uncertainty_ns;
    RecordVerdict r = judge_record(st.last_sync_ns, st.boot, e.this_boot, now_ns, max_age_ns);
    why = explain_record(r, max_age_ns);
    if (r.counts && usable(s, now_ns, max_age_ns, &why)) {
      c.kind = ReferenceKind::SyncState;
      c.state = s;
      c.detail = "sync-state file (source " + st.source + ", " + why + ")";
      return c;
    }
    reject("sync-state file (source " + st.source + ")");
  } else if (!e.state_problem.empty()) {
    why = e.state_problem;
    reject("sync-state file");
  }
  std::string because = rejected.empty() ? "" : " (" + rejected + ")";
  if (e.local_stratum) {
    c.kind = ReferenceKind::Local;
    c.state = proto::local_reference(*e.local_stratum, e.precision_log2, start_ns, now_ns);
    c.detail = "local clock at stratum " + std::to_string(*e.local_stratum) + because;
    return c;
  }
  c.kind = ReferenceKind::None;
  c.state = proto::unsynchronized_reference(e.precision_log2);
  c.detail = "no reference" + because;
  return c;
}

}  // namespace lansync::core
