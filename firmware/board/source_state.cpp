// What the board's clock follows and how well; see source_state.hpp.
#include "firmware/board/source_state.hpp"

#include "firmware/board/wide.hpp"

namespace lansync::fw {

const char* source_name(Source s) {
  switch (s) {
    case Source::None: return "none";
    case Source::Rtc: return "rtc";
    case Source::Phone: return "phone";
    case Source::Ntp: return "ntp";
    case Source::Broadcast: return "broadcast";
    case Source::Message: return "message";
  }
  return "unknown";
}

int64_t ErrorBound::at(int64_t now_local_ns) const {
  int64_t age_ns = now_local_ns > local_ns ? now_local_ns - local_ns : 0;
  return base_ns + scale_ppb(age_ns, rate_ppb);
}

bool SourceState::online(int64_t local_ns, int64_t offline_after_ns) const {
  return networked() && local_ns - last_online_local_ns < offline_after_ns;
}

void SourceState::set_error(int64_t local_ns, int64_t base_ns, int64_t rate_ppb) {
  error.local_ns = local_ns;
  error.base_ns = base_ns;
  error.rate_ppb = rate_ppb;
}

void SourceState::save(int64_t local_ns, SleepRecord* r) const {
  r->since_online_ns = local_ns > last_online_local_ns ? local_ns - last_online_local_ns : 0;
  r->upstream_stratum = upstream.stratum;
  r->upstream_refid = upstream.refid;
  r->upstream_root_delay_ns = upstream.root_delay_ns;
  r->reference_utc_ns = reference_utc_ns;
}

void SourceState::restore_upstream(const SleepRecord& r) {
  upstream.stratum = r.upstream_stratum;
  upstream.refid = r.upstream_refid;
  upstream.root_delay_ns = r.upstream_root_delay_ns;
  reference_utc_ns = r.reference_utc_ns;
}

}  // namespace lansync::fw
