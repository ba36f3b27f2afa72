// The --upstream names and where their resolution stands: asked in the background, retried with backoff.
//
// Each name is resolved by os::Resolver on a thread of its own, so that a Pi
// offline at boot serves its other references at once and picks the server
// up whenever its name resolves.  An address given as such needs no resolver
// and has no fresh address to give: the thread starts only for a name.  A failure is warned about once per
// name and retried from 2 s, doubling to kMaxResolveRetryNs; a name one of whose addresses gives way
// (core/upstream_pool) is resolved again for a fresh one. UpstreamServers (upstream_servers.hpp) decides
// which addresses of an answer are polled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "os/net_address.hpp"
#include "os/net_resolver.hpp"
#include "proto/auth.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

// Resolution retries back off from 2 s, doubling, to this (as chrony's, about 15 min).
inline constexpr int64_t kMaxResolveRetryNs = 900'000'000'000;

// One --upstream name and where its resolution stands.
struct UpstreamName {
  std::string text;  // as given, e.g. "pool.ntp.org" or "192.168.4.1:123"
  os::HostPort hp;
  const proto::MacKeys* keys = nullptr;  // with key_id: sign requests, check replies
  uint32_t key_id = 0;                   // 0: unauthenticated
  bool nts = false;                      // NTS (RFC 8915): hp's port is its NTS-KE server's
  bool literal = false;                  // an address, not a name: never looked up, nothing fresh to ask for
  bool resolved = false;
  bool pending = false;             // a request is with the resolver
  int failures = 0;                 // resolutions failed in a row
  int64_t retry_mono_ns = 0;        // when to ask again, after a failure
  std::string problem;              // why the last resolution failed
  bool refresh = false;             // an address of it gives way: resolve again for a fresh one
  std::vector<std::string> polled;  // its addresses polled, ever (core::remember_polled)
};

class UpstreamNames {
 public:
  // lookup: name resolution (empty: getaddrinfo).
  explicit UpstreamNames(os::Lookup lookup) : lookup_(std::move(lookup)) {}

  // Adds a name (or an address), asked for by the next ask(); its index.
  size_t add(UpstreamName name);
  size_t size() const { return names_.size(); }
  UpstreamName& operator[](size_t i) { return names_[i]; }
  const UpstreamName& operator[](size_t i) const { return names_[i]; }

  // Asks the resolver for each name that is due: not resolved yet, or wanting a fresh address.  An
  // address is answered at once, by the next take().
  void ask(int64_t now_mono);
  // The resolver's answers since the last call (their id is the name's index).
  std::vector<os::Resolver::Answer> take();
  // Names[i] did not resolve, or none of its addresses can be polled yet: retried later, warned once.
  void failed(size_t i, const std::string& why, int64_t now_mono);
  // Names[i] resolved: used, the fresh addresses now polled in free places; replaced, how many
  // took another's place.  With neither, as failed(problem).
  void took(size_t i, const std::string& used, size_t replaced, const std::string& problem, int64_t now_mono);

  // The resolver's descriptor (readable with answers), or -1 before the first name asked.
  int fd() const { return resolver_ ? resolver_->fd() : -1; }
  // When the next resolution retry is due (monotonic ns), or INT64_MAX.
  int64_t next_due_ns() const;
  // A status line for each name not resolved yet ("resolving", "unresolved, retry in 12 s").
  void describe(std::vector<UpstreamSnapshot>& out, int64_t now_mono) const;

 private:
  os::Lookup lookup_;
  std::unique_ptr<os::Resolver> resolver_;  // made for the first name asked
  std::vector<UpstreamName> names_;
  std::vector<os::Resolver::Answer> literals_;  // the addresses asked for, answered without the resolver
};

}  // namespace lansync::sntpd
