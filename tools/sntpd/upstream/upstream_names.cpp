// The --upstream names' resolution; see upstream_names.hpp.
#include "upstream/upstream_names.hpp"

#include <fmt/core.h>

#include <algorithm>

#include "os/clock.hpp"
#include "os/log.hpp"

namespace lansync::sntpd {

size_t UpstreamNames::add(UpstreamName name) {
  name.literal = os::resolve_numeric(name.hp).has_value();
  names_.push_back(std::move(name));
  return names_.size() - 1;
}

void UpstreamNames::ask(int64_t now_mono) {
  for (size_t i = 0; i < names_.size(); ++i) {
    UpstreamName& n = names_[i];
    if (n.literal) n.refresh = false;  // the same address again is all it has
    if ((n.resolved && !n.refresh) || n.pending || n.retry_mono_ns > now_mono) continue;
    n.pending = true;
    if (n.literal) {
      literals_.push_back({i, *os::resolve_numeric(n.hp)});
      continue;
    }
    if (!resolver_) resolver_ = std::make_unique<os::Resolver>(lookup_);  // its thread, once a name needs it
    resolver_->request(i, n.hp);
  }
}

std::vector<os::Resolver::Answer> UpstreamNames::take() {
  std::vector<os::Resolver::Answer> answers = std::move(literals_);
  literals_.clear();
  if (resolver_) {
    for (os::Resolver::Answer& a : resolver_->take()) answers.push_back(std::move(a));
  }
  for (const os::Resolver::Answer& a : answers) names_[a.id].pending = false;
  return answers;
}

void UpstreamNames::failed(size_t i, const std::string& why, int64_t now_mono) {
  UpstreamName& n = names_[i];
  // One warning per name; the retries are quiet until it works.
  if (n.resolved) {
    os::log::debug("upstream {}: resolving again for a fresh address: {}", n.text, why);
  } else if (n.failures == 0) {
    os::log::warn("upstream {}: {}; serving the other references meanwhile, retrying in the background",
                  n.text, why);
  }
  n.problem = why;
  n.retry_mono_ns =
      now_mono + std::min(kMaxResolveRetryNs, int64_t{2'000'000'000} << std::min(n.failures, 10));
  ++n.failures;
}

void UpstreamNames::took(size_t i, const std::string& used, size_t replaced, const std::string& problem,
                         int64_t now_mono) {
  UpstreamName& n = names_[i];
  if (used.empty() && replaced == 0) {  // nothing usable yet: as if the name had not resolved
    failed(i, problem, now_mono);
    return;
  }
  if (!used.empty() && (n.failures > 0 || n.resolved || used.find(',') != std::string::npos)) {
    os::log::info("upstream {}: polling {}", n.text, used);
  }
  n.resolved = true;
  n.refresh = false;  // asked again if another address gives way
  n.failures = 0;
  n.retry_mono_ns = 0;
}

int64_t UpstreamNames::next_due_ns() const {
  if (!literals_.empty()) return 0;  // answered, to be taken now
  int64_t due = INT64_MAX;
  for (const UpstreamName& n : names_) {
    if ((!n.resolved || n.refresh) && !n.pending) due = std::min(due, n.retry_mono_ns);
  }
  return due;
}

void UpstreamNames::describe(std::vector<UpstreamSnapshot>& out, int64_t now_mono) const {
  for (const UpstreamName& n : names_) {  // no address to poll yet
    if (n.resolved) continue;
    UpstreamSnapshot u;
    u.server = n.text;
    u.state = n.failures == 0 ? "resolving"
                              : fmt::format("unresolved, retry in {} s",
                                            std::max<int64_t>(0, n.retry_mono_ns - now_mono) / 1'000'000'000);
    out.push_back(u);
  }
}

}  // namespace lansync::sntpd
