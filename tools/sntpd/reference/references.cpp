// The kinds of reference in order of preference; see references.hpp.
#include "reference/references.hpp"

namespace lansync::sntpd {

std::vector<std::unique_ptr<ReferencePart>> make_references(const ReferenceSetup& s) {
  using Maker = std::unique_ptr<ReferencePart> (*)(const ReferenceSetup&);
  // The one list of kinds: a new reference is one line here, where it ranks.
  constexpr Maker kKinds[] = {upstream_reference, kernel_reference, state_reference, local_reference};
  std::vector<std::unique_ptr<ReferencePart>> parts;
  for (Maker make : kKinds) {
    if (auto p = make(s)) parts.push_back(std::move(p));
  }
  return parts;
}

}  // namespace lansync::sntpd
