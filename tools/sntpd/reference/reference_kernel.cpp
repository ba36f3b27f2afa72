// The kernel's word as a reference: a clock another daemon (chronyd, ntpd) disciplines.
//
// It counts only while sntpd does not correct the clock itself (its status
// would then be our own word) and the kernel clears STA_UNSYNC; its maximum
// error is the root dispersion served.
#include "reference/references.hpp"

namespace lansync::sntpd {
namespace {

class KernelPart final : public ReferencePart {
 public:
  KernelPart(os::Clock& clock, UpstreamSet& upstreams) : clock_(clock), upstreams_(upstreams) {}

  std::optional<core::ReferenceCandidate> candidate(int64_t now_ns, int8_t /*precision_log2*/) override {
    if (upstreams_.controls_clock()) return std::nullopt;
    auto k = clock_.sync_status();
    if (!k || !k->synchronized) return std::nullopt;
    return core::kernel_candidate(k->max_error_ns, now_ns);
  }

 private:
  os::Clock& clock_;
  UpstreamSet& upstreams_;
};

}  // namespace

std::unique_ptr<ReferencePart> kernel_reference(const ReferenceSetup& s) {
  return std::make_unique<KernelPart>(s.clock, s.upstreams);
}

}  // namespace lansync::sntpd
