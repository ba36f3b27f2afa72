// sntpd's client side: polling the --upstream servers and disciplining the clock from them.
//
// The schedule, filter, selection and discipline rules are core/upstream's;
// each request is a proto::ClientSession (random cookie, the MAC when the
// server has a key, the reply tests: as ntpprobe and the boards do); this
// file sends the requests, hands the replies in with their kernel receive
// timestamps and applies the corrections through the Clock interface.  Replies
// that fail authentication or answer no request of ours, and samples the
// guards of core/upstream refuse, are counted per server and never reach the
// clock; a Kiss-o'-Death DENY or RSTR ends the polls of that server (logged
// once).  It runs in the main thread, between
// serving (which the workers do).  Server names are resolved in the background (os::Resolver): a Pi offline
// at boot starts serving its other references at once, and picks a server up whenever its name resolves.
// A name that gives several addresses (a pool) has up to --max-sources of them polled; one that stops
// answering, is a falseticker for an hour or refuses us gives way to a fresh address of the same name
// (core/upstream_pool), so that a Pi online for months does not end up polling only dead servers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/reference.hpp"
#include "core/upstream.hpp"
#include "core/upstream_pool.hpp"
#include "os/address.hpp"
#include "os/clock.hpp"
#include "os/resolver.hpp"
#include "os/udp.hpp"
#include "proto/auth.hpp"
#include "proto/client.hpp"
#include "status_snapshot.hpp"

namespace lansync::sntpd {

struct UpstreamConfig {
  bool clock_control = true;                          // false: --no-clock-control
  int64_t step_threshold_ns = 1'000'000'000;          // --step-threshold
  int64_t max_change_ns = core::kDefaultMaxChangeNs;  // --max-change: after the first sync; 0: no limit
  size_t min_sources = 1;                             // --min-sources: agreeing servers needed to correct
  int max_poll_log2 = core::kMaxPollLog2;             // --max-poll: longest poll interval, log2 s
  size_t max_sources = core::kDefaultMaxSources;      // --max-sources: addresses of one name polled at once
  std::string state_path;                             // sync-state file to record updates in ("" = none)
  os::Lookup lookup;                                  // name resolution; empty: getaddrinfo
};

// Resolution retries back off from 2 s, doubling, to this (as chrony's, about 15 min).
inline constexpr int64_t kMaxResolveRetryNs = 900'000'000'000;

// One upstream server as the status report shows it.
struct UpstreamStatus {
  std::string name;
  std::string address;
  uint8_t reach = 0;
  int poll_log2 = 0;
  bool has_sample = false;
  int64_t offset_ns = 0;
  int64_t delay_ns = 0;
  int stratum = 0;
  int64_t last_sample_age_ns = -1;
  bool reachable = false;           // one of its last 8 polls got a usable reply
  int64_t reachable_since_ns = -1;  // since when reachable or not (Unix ns, served clock); -1: not polled
  std::string state;                // "sys_peer", "truechimer", "falseticker", "no reply", "kod RATE", ...
  std::array<uint64_t, kUpstreamRejectionCount> rejected = {};  // replies not used, by kUpstreamRejections
};

// One --upstream server as configured.
struct UpstreamSpec {
  std::string text;     // HOST[:PORT]
  uint32_t key_id = 0;  // sign requests and require replies signed with this key (0: unauthenticated)
};

// Groups the words of the --upstream options into servers: each HOST[:PORT],
// optionally followed by "key" and a key ID (1 to 4294967295).  Error: "key"
// without a valid ID after it, or before any server.
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
  void add_name(const std::string& text, const os::HostPort& hp, const proto::MacKeys* keys = nullptr,
                uint32_t key_id = 0);
  bool empty() const { return names_.empty(); }
  size_t size() const { return names_.size(); }  // servers added (names, not addresses)

  // File descriptors to poll: replies, and answers of the resolver.
  std::vector<int> fds() const;
  // Takes resolved names, sends the requests that are due and reads every reply waiting.
  void poll_once();
  // When the next request or resolution retry is due (monotonic ns), or INT64_MAX.
  int64_t next_due_ns() const;

  // The reference the servers give us (kept, with its age, after they go
  // silent: holdover), or nothing if never synchronized or if the clock
  // could not be corrected.
  std::optional<core::UpstreamReference> reference() const;
  // True once sntpd corrects the clock itself (the kernel status is then ours).
  bool controls_clock() const { return config_.clock_control && !names_.empty(); }
  int64_t last_offset_ns() const { return last_offset_ns_; }
  // True once the kernel discipline has been fed by us: its frequency is ours to save.
  bool disciplined() const { return corrected_once_ && !clock_failed_; }
  std::vector<UpstreamStatus> status() const;
  // How the last selection went: servers reachable and agreeing, and why there is no correction.
  SelectionSnapshot selection() const;

 private:
  // peers_[i] and sources_[i] are the same server (core wants the sources together).
  struct Peer {
    os::SocketAddress address;
    os::UdpSocket socket;
    const proto::MacKeys* keys = nullptr;                         // with key_id: sign requests, check replies
    uint32_t key_id = 0;                                          // 0: unauthenticated
    std::vector<proto::ClientSession> outstanding;                // recent requests, newest last
    std::string last_problem;                                     // e.g. "kod RATE", "unsynchronized"
    std::array<uint64_t, kUpstreamRejectionCount> rejected = {};  // by kUpstreamRejections
    int64_t reach_change_mono_ns = 0;                             // when it became reachable or not
    bool ever_reached = false;                                    // it answered once
    int polls = 0;                                                // requests sent, up to core::kReachPolls
    size_t name = 0;                                              // index in names_ of the name it came from
    core::PoolWatch watch;                                        // for verdict
    core::PoolVerdict verdict = core::PoolVerdict::Keep;          // whether it gives way to a fresh address
  };

  // One --upstream name and where its resolution stands.
  struct Name {
    std::string text;
    os::HostPort hp;
    const proto::MacKeys* keys = nullptr;
    uint32_t key_id = 0;
    bool resolved = false;
    bool pending = false;             // a request is with the resolver
    int failures = 0;                 // resolutions failed in a row
    int64_t retry_mono_ns = 0;        // when to ask again, after a failure
    std::string problem;              // why the last resolution failed
    bool refresh = false;             // an address of it gives way: resolve again for a fresh one
    std::vector<std::string> polled;  // its addresses polled, ever (core::remember_polled)
  };

  // Adds an address of names_[name]; it is polled from now on.
  os::Status add_peer(size_t name, const os::SocketAddress& address);
  // Stops polling the peers at these indices (ascending) and selects again without them.
  void drop_peers(const std::vector<size_t>& indices);
  void ask_resolver(int64_t now_mono);
  void take_answers(int64_t now_mono);
  // A name that did not resolve, or none of whose addresses can be polled yet:
  // retried later (retry_later), warned about once.
  void resolve_failed(Name& n, const std::string& why, int64_t now_mono);
  // Asks for n again later: 2 s after the first failure, doubling to kMaxResolveRetryNs.
  static void retry_later(Name& n, int64_t now_mono);
  // Polls fresh addresses of names_[name] (core::plan_pool): in place of
  // those that give way, and up to max_sources in all.
  void use_addresses(size_t name, const std::vector<os::SocketAddress>& addresses, int64_t now_mono);
  // After use_addresses: notes that n resolved (used: the fresh addresses that fill
  // free places, replaced: how many took another's), or else why not.
  void took_addresses(Name& n, const std::string& used, size_t replaced, const std::string& problem,
                      int64_t now_mono);
  // Judges each peer (core::judge_pool_address); a name with one that gives way is resolved again.
  void judge_pool(int64_t now_mono);
  void transmit(size_t i, int64_t now_mono);
  void receive(size_t i);
  // A reply that ends an exchange with peer i, received at t4_ns; true if it made the selection anew.
  bool take_reply(size_t i, const proto::ClientReply& reply, int64_t t4_ns);
  // A Kiss-o'-Death from peer i (RFC 5905 §7.4): RATE slows the polls, DENY and RSTR end them.
  void take_kiss(size_t i, uint32_t refid);
  // Logs and counts what the guards made of peer i's sample of offset_ns.
  void report(size_t i, core::SampleVerdict verdict, int64_t offset_ns);
  // True once the clock was corrected (or, without clock control, followed): the first-sync rules are over.
  bool synced() const { return corrected_once_ || (!config_.clock_control && reference_.has_value()); }
  // The rules of the selection now (core::SelectRules).
  core::SelectRules select_rules() const;
  // Notes a change of peer i's reachability (was: before the poll or reply), logged once each way;
  // true if it changed (the selection is then out of date).
  bool note_reach(size_t i, bool was, int64_t now_mono);
  // Combines the servers again (core::select_upstreams) into selection_.
  void reselect();
  // Why the last selection gives no correction, in words ("" when it gives one).
  std::string selection_problem() const;
  // Peer i's state as the status report words it.
  std::string state_of(size_t i, bool has_sample) const;
  void update();  // reselect and discipline after a new sample
  void record(int64_t offset_ns, const char* action);

  os::Clock& clock_;
  UpstreamConfig config_;
  std::vector<Name> names_;
  std::unique_ptr<os::Resolver> resolver_;  // made with the first name
  std::vector<Peer> peers_;
  std::vector<core::UpstreamSource> sources_;
  std::optional<core::UpstreamReference> reference_;
  core::UpstreamSelection selection_;
  bool corrected_once_ = false;
  bool clock_failed_ = false;
  bool state_write_failed_ = false;
  int64_t last_offset_ns_ = 0;
};

}  // namespace lansync::sntpd
