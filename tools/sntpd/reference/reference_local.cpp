// --local-stratum N as a reference: the last resort, the local clock served at stratum N
// (chrony's `local stratum`), its reference time refreshed every 64 s from sntpd's start.
#include "reference/references.hpp"

namespace lansync::sntpd {
namespace {

class LocalPart final : public ReferencePart {
 public:
  LocalPart(uint8_t stratum, int64_t start_ns) : stratum_(stratum), start_ns_(start_ns) {}

  std::optional<core::ReferenceCandidate> candidate(int64_t now_ns, int8_t precision_log2) override {
    return core::local_candidate(stratum_, precision_log2, start_ns_, now_ns);
  }

 private:
  uint8_t stratum_;
  int64_t start_ns_;
};

}  // namespace

std::unique_ptr<ReferencePart> local_reference(const ReferenceSetup& s) {
  if (s.local_stratum <= 0) return nullptr;
  return std::make_unique<LocalPart>(static_cast<uint8_t>(s.local_stratum), s.start_ns);
}

}  // namespace lansync::sntpd
