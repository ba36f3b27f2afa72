// The sync-state file as a reference: the last set recorded (a phone, the RTC, the camera,
// ntpprobe --set, our own upstream sync), while it vouches for this boot (core/record_age.hpp).
//
// Read afresh at each choice, as other programs write it.  A file that exists
// but cannot be read is said (the reference's detail), never served.
#include <algorithm>
#include <cmath>

#include "os/file_sync_state.hpp"
#include "reference/references.hpp"

namespace lansync::sntpd {
namespace {

class StatePart final : public ReferencePart {
 public:
  StatePart(os::Clock& clock, std::string path, int64_t max_age_ns)
      : clock_(clock), path_(std::move(path)), max_age_ns_(max_age_ns) {}

  std::optional<core::ReferenceCandidate> candidate(int64_t now_ns, int8_t /*precision_log2*/) override {
    auto st = os::read_sync_state(path_);
    if (!st) {
      if (st.error().code == std::errc::no_such_file_or_directory) return std::nullopt;
      return core::unreadable_state_candidate(st.error().message);  // e.g. a malformed boot_id
    }
    core::StateReference r;
    r.last_sync_ns = std::llround(st->last_sync_unix * 1e9);
    r.source = st->source;
    r.uncertainty_ns = st->uncertainty_s ? std::llround(*st->uncertainty_s * 1e9) : 0;
    if (st->action == "verified")
      r.uncorrected_offset_ns = std::llround(std::clamp(st->offset_s, -1e9, 1e9) * 1e9);
    if (st->stratum) r.stratum = static_cast<uint8_t>(*st->stratum);
    r.boot = os::boot_of(*st);
    core::BootStamp this_boot;
    if (auto b = clock_.boot_stamp(); b) this_boot = *b;
    return core::state_candidate(r, this_boot, now_ns, max_age_ns_);
  }

 private:
  os::Clock& clock_;
  std::string path_;
  int64_t max_age_ns_;
};

}  // namespace

std::unique_ptr<ReferencePart> state_reference(const ReferenceSetup& s) {
  return std::make_unique<StatePart>(s.clock, s.state_path, s.max_age_ns);
}

}  // namespace lansync::sntpd
