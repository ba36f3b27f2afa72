// sntpd's --upstream servers: their names, and which of their addresses are polled.
//
// The names are resolved in the background (upstream_names.hpp).  A name
// that gives several addresses (a pool) has up to --max-sources of them
// polled, each an UpstreamPeer (its socket, upstream_peer.hpp); one that
// stops answering, is a falseticker for an hour or refuses us gives way to a
// fresh address of the same name (core/upstream_pool).  The addresses'
// core::UpstreamSources are not kept here but at the front of Upstreams' one
// vector of sources (sources[i] is peer(i)'s), since the selection wants them
// together with the receivers': each call that adds or drops an address
// gets that vector and the follower that selects among it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/trust.hpp"
#include "core/upstream.hpp"
#include "core/upstream_pool.hpp"
#include "os/net_address.hpp"
#include "os/net_resolver.hpp"
#include "proto/auth.hpp"
#include "status/status_snapshot.hpp"
#include "upstream/nts_helper.hpp"
#include "upstream/upstream_follower.hpp"
#include "upstream/upstream_names.hpp"
#include "upstream/upstream_peer.hpp"

namespace lansync::sntpd {

// How the addresses of the names are polled (sntpd's options).
struct PoolRules {
  size_t max_sources = core::kDefaultMaxSources;  // --max-sources: addresses of one name polled at once
  int max_poll_log2 = core::kMaxPollLog2;         // --max-poll: longest poll interval, log2 s
  int64_t max_age_ns = core::kDefaultMaxAgeNs;    // --max-age: a lost reply is retried to keep within it
};

class UpstreamServers {
 public:
  // lookup: name resolution (empty: getaddrinfo); nts: how NTS servers' key exchanges run.
  UpstreamServers(os::Lookup lookup, PoolRules rules, NtsClientConfig nts = {})
      : rules_(rules), names_(std::move(lookup)), nts_config_(std::move(nts)) {}

  // Adds a server by name or address (Upstreams::add_name), asked for at once; nts: each of its
  // addresses is an NTS-KE server, polled only with the keys of its own exchange.
  void add_name(const std::string& text, const os::HostPort& hp, const proto::MacKeys* keys, uint32_t key_id,
                bool nts = false);
  size_t size() const { return names_.size(); }  // servers added (names, not addresses)
  // The addresses polled: peer(i)'s source is sources[i].
  size_t peers() const { return peers_.size(); }
  UpstreamPeer& peer(size_t i) { return peers_[i]; }
  const UpstreamPeer& peer(size_t i) const { return peers_[i]; }

  // File descriptors to poll: the resolver's answers, then each address's replies.
  std::vector<int> fds() const;
  // When the next resolution retry, key exchange or helper start is due (monotonic ns), or INT64_MAX.
  int64_t next_due_ns() const;
  // The NTS servers' key exchanges: the helper's answers taken (an address whose exchange
  // succeeded is polled at the NTP server it names), the exchanges due asked for, the helper
  // started when due.  clock_trusted, now_ns: how the certificates' dates are judged.
  void nts_round(int64_t now_mono, bool clock_trusted, int64_t now_ns);
  // An update corrected the clock: NTS keys whose certificate dates were not checked are exchanged anew.
  void nts_clock_updated(int64_t now_mono);
  // Polls the addresses of the names that resolved (use_addresses), and retries the others later.
  void take_answers(const UpstreamContext& c, int64_t now_mono);
  // Judges each address (core::judge_pool_address) against its source in sources and follower's
  // last selection, then asks the resolver for the names due: those not resolved yet, and those
  // with an address that gives way.
  void judge(const std::vector<core::UpstreamSource>& sources, const UpstreamFollower& follower,
             int64_t now_mono);
  // A line for each name not resolved yet, then each address's, appended to out.
  void status(std::vector<UpstreamSnapshot>& out, const std::vector<core::UpstreamSource>& sources,
              const UpstreamFollower& follower, int64_t now_ns, int64_t now_mono) const;

 private:
  // Adds an address of names_[name]; it is polled from now on, its source inserted in c.sources
  // before the receivers'.
  os::Status add_peer(const UpstreamContext& c, size_t name, const os::SocketAddress& address);
  // The answer a to p's key exchange: its keys taken and its NTP server polled, or the error logged.
  void take_exchange(UpstreamPeer& p, const os::nts::KeAnswer& a, int64_t now_mono, int64_t now_ns);
  // Stops polling the peers at these indices (ascending) and selects again without them.
  void drop_peers(const UpstreamContext& c, const std::vector<size_t>& indices);
  // Polls fresh addresses of names_[name] (core::plan_pool): in place of
  // those that give way, and up to max_sources in all.
  void use_addresses(const UpstreamContext& c, size_t name, const std::vector<os::SocketAddress>& addresses,
                     int64_t now_mono);

  PoolRules rules_;
  UpstreamNames names_;
  std::vector<UpstreamPeer> peers_;  // peers_[i]'s source is sources[i]
  NtsClientConfig nts_config_;
  std::unique_ptr<NtsHelper> nts_helper_;  // made for the first NTS server's exchange
};

}  // namespace lansync::sntpd
