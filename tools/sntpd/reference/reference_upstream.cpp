// The --upstream servers as a reference: their system peer (upstream_set.hpp polls them).
#include "reference/references.hpp"

namespace lansync::sntpd {
namespace {

class UpstreamPart final : public ReferencePart {
 public:
  explicit UpstreamPart(UpstreamSet& upstreams) : upstreams_(upstreams) {}

  std::optional<core::ReferenceCandidate> candidate(int64_t now_ns, int8_t /*precision_log2*/) override {
    auto u = upstreams_.reference();
    if (!u) return std::nullopt;
    return core::upstream_candidate(*u, now_ns);
  }

  void attach(EventLoop& loop, const std::function<void()>& changed) override {
    upstreams_.attach(loop, changed);
  }

  void describe(StatusSnapshot& s) override {
    upstreams_.describe(s.upstreams, s.clock.last_offset_ns, s.selection);
  }

 private:
  UpstreamSet& upstreams_;
};

}  // namespace

// Always there: without servers it offers nothing, and its status says so.
std::unique_ptr<ReferencePart> upstream_reference(const ReferenceSetup& s) {
  return std::make_unique<UpstreamPart>(s.upstreams);
}

}  // namespace lansync::sntpd
