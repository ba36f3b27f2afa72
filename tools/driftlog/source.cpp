// The registry of driftlog sources; see source.hpp.
#include "source.hpp"

#include <algorithm>

namespace lansync::driftlog {
namespace {

std::vector<SourceKind>& registry() {
  static std::vector<SourceKind> kinds;  // built before main(), read-only after
  return kinds;
}

}  // namespace

SourceRegistration::SourceRegistration(SourceKind kind) { registry().push_back(std::move(kind)); }

Result<std::unique_ptr<Source>, OpenFailure> open_source(const std::string& spec) {
  size_t colon = spec.find(':');
  if (colon == std::string::npos || colon == 0) {
    return fail(
        OpenFailure{"--source '" + spec + "': expected SCHEME:ARGUMENT, one of " + available_sources()});
  }
  std::string scheme = spec.substr(0, colon);
  std::string argument = spec.substr(colon + 1);
  for (const SourceKind& kind : registry()) {
    if (kind.scheme != scheme) continue;
    if (argument.empty())
      return fail(OpenFailure{"--source '" + spec + "': expected " + std::string(kind.usage)});
    auto source = kind.open(argument);
    if (!source) return fail(OpenFailure{"--source '" + spec + "': " + source.error()});
    return std::move(*source);
  }
  return fail(OpenFailure{"--source '" + spec + "': unknown source '" + scheme + "', expected one of " +
                          available_sources()});
}

std::string available_sources() {
  std::vector<std::string_view> usages;
  for (const SourceKind& kind : registry()) usages.push_back(kind.usage);
  std::sort(usages.begin(), usages.end());
  std::string text;
  for (std::string_view u : usages) text += (text.empty() ? "" : ", ") + std::string(u);
  return text;
}

}  // namespace lansync::driftlog
