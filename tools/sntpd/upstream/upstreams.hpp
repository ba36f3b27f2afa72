// sntpd's client side: polling the --upstream servers and the --gps receivers, and deciding how
// the clock follows them.
//
// The schedule, filter, selection and discipline rules are core/upstream's.
// This part ties three others together: the servers (upstream_servers.hpp:
// the names resolved in the background, so that a Pi offline at boot serves
// its other references at once and picks a server up whenever its name
// resolves, and the addresses polled, each driven by an UpstreamPeer, which
// has its socket, upstream_peer.hpp), the receivers (upstream_receivers.hpp:
// gpsd's segments and PPS devices, read at every wake-up) and the selection
// among them (upstream_follower.hpp), which returns each correction the
// clock needs as an UpstreamAction: the caller applies it (upstream_clock.hpp)
// and reports back (applied), so this part reads the clock and never sets
// it.  It keeps the sources of both kinds (each a core::UpstreamSource,
// sans-IO: its requests or readings and what became of them, the
// Kiss-o'-Death obeyed) in one vector, the servers' first, since the
// selection wants them together.  A name that gives several addresses (a
// pool) has up to --max-sources of them polled; one that stops answering, is
// a falseticker for an hour or refuses us gives way to a fresh address of the
// same name (core/upstream_pool), so that a Pi online for months does not end
// up polling only dead servers.  It runs in the main thread, between serving
// (which the workers do).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/upstream.hpp"
#include "os/clock.hpp"
#include "os/net_address.hpp"
#include "proto/auth.hpp"
#include "status/status_snapshot.hpp"
#include "upstream/upstream_follower.hpp"
#include "upstream/upstream_receivers.hpp"
#include "upstream/upstream_refclock.hpp"
#include "upstream/upstream_servers.hpp"

namespace lansync::sntpd {

struct UpstreamConfig {
  bool clock_control = true;                          // false: --no-clock-control
  int64_t step_threshold_ns = 1'000'000'000;          // --step-threshold
  int64_t max_change_ns = core::kDefaultMaxChangeNs;  // --max-change: after the first sync; 0: no limit
  size_t min_sources = 1;                             // --min-sources: agreeing servers needed to correct
  int max_poll_log2 = core::kMaxPollLog2;             // --max-poll: longest poll interval, log2 s
  int64_t max_age_ns = core::kDefaultMaxAgeNs;        // --max-age: a lost reply is retried to keep within it
  size_t max_sources = core::kDefaultMaxSources;      // --max-sources: addresses of one name polled at once
  os::Lookup lookup;                                  // name resolution; empty: getaddrinfo
  NtsClientConfig nts;                                // NTS servers' key exchanges (--nts-ca)
};

// One --upstream server as configured.
struct UpstreamSpec {
  std::string text;     // HOST[:PORT]
  uint32_t key_id = 0;  // sign requests and require replies signed with this key (0: unauthenticated)
  bool nts = false;     // NTS (RFC 8915): HOST[:PORT] is its NTS-KE server (port 4460 by default)
};

// Groups the words of the --upstream options into servers: each HOST[:PORT],
// optionally followed by "key" and a key ID (1 to 4294967295), or by "nts".  Error: "key"
// without a valid ID after it, "key" or "nts" before any server, or both for one server.
os::OsResult<std::vector<UpstreamSpec>> parse_upstreams(const std::vector<std::string>& words);

class Upstreams {
 public:
  Upstreams(os::Clock& clock, UpstreamConfig config);

  // Adds a server by name or address (the --upstream text, parsed): it is
  // resolved in the background, again after each failure, and up to
  // max_sources of its addresses are polled once known (others replace those
  // that give way, core/upstream_pool).  With a
  // key (keys not null, key_id not 0; keys must outlive this object), every
  // request is signed with it and only replies signed alike are used (RFC 5905 §7.3).
  // With nts, hp is its NTS-KE server and every address of it is polled only with NTS (RFC 8915).
  void add_name(const std::string& text, const os::HostPort& hp, const proto::MacKeys* keys = nullptr,
                uint32_t key_id = 0, bool nts = false);
  // Adds a GPS receiver, read through gpsd's shared memory or a PPS device (upstream_refclock.hpp),
  // a source among the servers from now on.
  void add_refclock(RefclockPeer receiver);
  bool empty() const { return servers_.size() == 0 && receivers_.size() == 0; }
  size_t size() const { return servers_.size(); }  // servers added (names, not addresses)
  size_t refclocks() const { return receivers_.size(); }

  // File descriptors to poll: replies, and answers of the resolver.
  std::vector<int> fds() const { return servers_.fds(); }
  // Takes resolved names, sends the requests that are due and reads the replies waiting, up to the
  // first that asks for a correction: that is returned, to be applied and reported (applied) before
  // the next call reads on.  Nothing: every reply waiting was read.  beneath: what corrects the
  // crystal beneath the discipline (core::UpstreamSource::correct_beneath).
  std::optional<UpstreamAction> poll_once(core::Beneath beneath = core::Beneath::Nothing);
  // The outcome of applying a (done: the clock took it).  A clock that refused is never followed again.
  void applied(const UpstreamAction& a, bool done);
  // When the next request or resolution retry is due (monotonic ns), or INT64_MAX.
  int64_t next_due_ns() const;

  // Whether sntpd serves synchronized time now (its reference, whichever it is, trusted): NTS
  // certificates' dates are then judged against its clock (core::nts_cert_time), as they are once
  // the servers corrected it.  Thread-safe.
  void set_clock_trusted(bool trusted) { clock_trusted_.store(trusted); }
  // True once sntpd corrects the clock itself (the kernel status is then ours).
  bool controls_clock() const { return config_.clock_control && !empty(); }
  // The selection, the reference the servers give and whether the clock follows them.
  const UpstreamFollower& follower() const { return follower_; }
  const std::vector<core::UpstreamSource>& sources() const { return sources_; }
  // Each server (each address polled, each name not resolved yet) as the status report shows it.
  std::vector<UpstreamSnapshot> status() const;

 private:
  // Reads peer i's datagrams waiting into its source; the first correction one asks for, if any.
  std::optional<UpstreamAction> receive(size_t i);
  // An NTS server's datagram judged before its source sees it (upstream_nts.hpp): event None when
  // the source may take it, else what refusing it made of it.
  core::SourceAction judge_nts(size_t i, const uint8_t* data, size_t size, int64_t now_mono);
  // What sources_[k]'s event a asks of the selection: a sample is followed, a change of reach
  // reselects; the correction it asks for, if any.
  std::optional<UpstreamAction> act(size_t k, const core::SourceAction& a);
  // sources_[k] took a sample (verdict): the selection made anew, and the correction it asks for, if any.
  std::optional<UpstreamAction> follow(size_t k, core::SampleVerdict verdict);
  // What the sync-state file records as sources_[k]'s name ("ntp:ADDRESS", "gps:shm0").
  std::string source_label(size_t k) const;

  os::Clock& clock_;
  UpstreamConfig config_;
  // sources_[i] is a server's, servers_.peer(i) its socket; sources_[servers_.peers() + j] is
  // receiver j's (the selection wants the sources together).
  UpstreamServers servers_;
  UpstreamReceivers receivers_;
  std::vector<core::UpstreamSource> sources_;
  UpstreamFollower follower_;
  std::atomic<bool> clock_trusted_{false};  // set_clock_trusted's
};

}  // namespace lansync::sntpd
