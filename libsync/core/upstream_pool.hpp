// Pools that renew themselves: which addresses of an --upstream name are polled, and which give way.
//
// A name may resolve to several addresses (a pool such as pool.ntp.org, or a
// LAN name with several records); up to max_sources of them are polled.  As
// chrony replaces a pool source, an address gives way when it has been
// unreachable for kReachPolls polls, a falseticker for kFalsetickerReplaceNs,
// or has answered a Kiss-o'-Death DENY or RSTR: the name is resolved again,
// and an address of it not polled before takes its place.  When the name
// gives no such address, the bad one stays (it may answer again) and the name
// is asked again later.  Pure: times are parameters (monotonic ns), addresses
// are their text ("192.0.2.1:123").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lansync::core {

class UpstreamSource;
struct UpstreamSelection;

// --max-sources' default: addresses of one name polled at once (chrony's maxsources).
inline constexpr size_t kDefaultMaxSources = 4;
// A falseticker this long (monotonic ns) gives way to another address of its name: an hour.
inline constexpr int64_t kFalsetickerReplaceNs = 3600'000'000'000;
// Addresses a name remembers having polled (the oldest is forgotten first).
inline constexpr size_t kPolledMemory = 64;

// Whether a polled address keeps its place, and if not, why.
enum class PoolVerdict : uint8_t {
  Keep,
  Unreachable,  // no usable reply to its last kReachPolls polls
  Falseticker,  // beyond --max-change, or outvoted by the others, for kFalsetickerReplaceNs
  Denied,       // Kiss-o'-Death DENY or RSTR: no longer polled
};

// The verdict in words, for the log: "unreachable for 8 polls", ...
std::string describe(PoolVerdict v);

// What judging an address needs to remember between calls.
struct PoolWatch {
  int64_t falseticker_since_ns = -1;  // monotonic; -1: not a falseticker now
};

// True when source i, with samples, was left out of a selection that gives a
// correction (sel.ok): it disagrees with the majority.  first_pending: before
// the first sync, where a source that has not agreed() yet is only waiting.
bool outvoted(const UpstreamSelection& sel, const std::vector<UpstreamSource>& sources, size_t i,
              bool first_pending);

// Judges a polled address at now_ns (monotonic): s its source, outvoted as above.
PoolVerdict judge_pool_address(const UpstreamSource& s, bool outvoted, int64_t now_ns, PoolWatch& w);

// What to do with a name's addresses once it resolved (again).
struct PoolPlan {
  std::vector<size_t> add;   // indices into resolved: to poll from now on, in order
  std::vector<size_t> drop;  // indices into the polled ones: drop[k] gives way to add[k]
};

// verdicts: those of the name's addresses polled now; resolved: the
// addresses the name gives now; known: every address it may not take
// (polled before by this name, or polled now by any).  Each bad address is
// paired with a fresh one while there are any; the rest fill free places, up
// to max_sources addresses polled in all.
PoolPlan plan_pool(const std::vector<PoolVerdict>& verdicts, const std::vector<std::string>& resolved,
                   const std::vector<std::string>& known, size_t max_sources);

// Adds address to a name's memory of addresses polled, forgetting the oldest beyond kPolledMemory.
void remember_polled(std::vector<std::string>& polled, const std::string& address);

}  // namespace lansync::core
