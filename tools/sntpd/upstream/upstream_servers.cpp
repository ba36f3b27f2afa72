// sntpd's --upstream servers and the addresses of them polled; see upstream_servers.hpp.
#include "upstream/upstream_servers.hpp"

#include <algorithm>

#include "os/clock.hpp"
#include "os/log.hpp"
#include "os/net_udp.hpp"

namespace lansync::sntpd {

void UpstreamServers::add_name(const std::string& text, const os::HostPort& hp, const proto::MacKeys* keys,
                               uint32_t key_id, bool nts) {
  UpstreamName n;
  n.nts = nts;
  n.text = text;
  n.hp = hp;
  n.keys = keys;
  n.key_id = key_id;
  names_.add(std::move(n));
  names_.ask(os::monotonic_ns());
}

os::Status UpstreamServers::add_peer(const UpstreamContext& c, size_t name,
                                     const os::SocketAddress& address) {
  for (const UpstreamPeer& p : peers_) {
    if (p.address().to_string() == address.to_string()) return os::ok();  // named twice
  }
  auto sock = os::UdpSocket::open(address.family());
  if (!sock) return fail(sock.error());
  if (auto st = sock->connect(address); !st) return st;  // it needs a route
  int64_t now_mono = os::monotonic_ns();
  peers_.emplace_back(address, std::move(*sock), name);
  // Each address its own exchange, the certificate checked against the name configured.
  if (names_[name].nts) peers_.back().set_nts(std::make_unique<NtsLink>(address, names_[name].hp.host));
  // Before the receivers' sources, which move up one: the follower's indices change.
  auto s = c.sources.emplace(c.sources.begin() + static_cast<std::ptrdiff_t>(peers_.size() - 1),
                             names_[name].text, address.refid(), now_mono, rules_.max_poll_log2);
  s->set_key(names_[name].keys, names_[name].key_id);
  s->set_max_age(rules_.max_age_ns);
  if (c.sources.size() > peers_.size()) c.follower.renumbered();  // there are receivers
  return os::ok();
}

void UpstreamServers::drop_peers(const UpstreamContext& c, const std::vector<size_t>& indices) {
  for (size_t k = indices.size(); k-- > 0;) {
    auto at = static_cast<std::ptrdiff_t>(indices[k]);
    peers_.erase(peers_.begin() + at);
    c.sources.erase(c.sources.begin() + at);
  }
  if (indices.empty()) return;
  c.follower.renumbered();  // its indices name other servers now
  c.follower.reselect(c.sources, c.clock.now_ns());
}

void UpstreamServers::take_answers(const UpstreamContext& c, int64_t now_mono) {
  for (os::Resolver::Answer& a : names_.take()) {
    if (!a.addresses) {
      names_.failed(a.id, a.addresses.error().message, now_mono);
    } else {
      use_addresses(c, a.id, *a.addresses, now_mono);
    }
  }
}

void UpstreamServers::use_addresses(const UpstreamContext& c, size_t name,
                                    const std::vector<os::SocketAddress>& addresses, int64_t now_mono) {
  UpstreamName& n = names_[name];
  std::vector<size_t> mine;  // the peers of this name, and what became of each
  std::vector<core::PoolVerdict> verdicts;
  std::vector<std::string> known = n.polled;
  for (size_t i = 0; i < peers_.size(); ++i) {
    // A replacement must be new to every name; at first, a server named twice is merged by add_peer.
    if (n.resolved) known.push_back(peers_[i].address().to_string());
    if (peers_[i].name() != name) continue;
    mine.push_back(i);
    verdicts.push_back(peers_[i].verdict());
  }
  std::vector<std::string> resolved;
  for (const os::SocketAddress& a : addresses) resolved.push_back(a.to_string());
  core::PoolPlan plan = core::plan_pool(verdicts, resolved, known, rules_.max_sources);
  std::string used;
  std::string problem = "no address not polled before";
  std::vector<size_t> gone;
  for (size_t k = 0; k < plan.add.size(); ++k) {
    // connect() needs a route: an address on a network that is not up yet fails here.
    if (auto st = add_peer(c, name, addresses[plan.add[k]]); !st) {
      problem = st.error().message;
      continue;
    }
    const std::string& fresh = resolved[plan.add[k]];
    core::remember_polled(n.polled, fresh);
    if (k >= plan.drop.size()) {
      used += (used.empty() ? "" : ", ") + fresh;
      continue;
    }
    const UpstreamPeer& old = peers_[mine[plan.drop[k]]];
    os::log::info("upstream {}: {} {}; replaced by {}", n.text, old.address().to_string(),
                  core::describe(old.verdict()), fresh);
    gone.push_back(mine[plan.drop[k]]);
  }
  names_.took(name, used, gone.size(), problem, now_mono);
  drop_peers(c, gone);
}

void UpstreamServers::judge(const std::vector<core::UpstreamSource>& sources,
                            const UpstreamFollower& follower, int64_t now_mono) {
  for (size_t i = 0; i < names_.size(); ++i) names_[i].refresh = false;
  for (size_t i = 0; i < peers_.size(); ++i) {
    bool out = core::outvoted(follower.selection(), sources, i, !follower.synced());
    if (peers_[i].judge(sources[i], out, now_mono) != core::PoolVerdict::Keep) {
      names_[peers_[i].name()].refresh = true;
    }
  }
  names_.ask(now_mono);
}

void UpstreamServers::nts_round(int64_t now_mono, bool clock_trusted, int64_t now_ns) {
  if (!nts_helper_) {
    bool any = false;
    for (const UpstreamPeer& p : peers_) any = any || p.nts() != nullptr;
    if (!any) return;
    nts_helper_ = std::make_unique<NtsHelper>(nts_config_);
  }
  for (auto& [id, answer] : nts_helper_->take()) {
    for (UpstreamPeer& p : peers_) {
      if (p.nts() == nullptr || p.nts()->waiting_for() != id) continue;
      take_exchange(p, answer, now_mono, now_ns);
    }
  }
  for (UpstreamPeer& p : peers_) {
    if (p.nts() == nullptr) continue;
    auto q = p.nts()->due(now_mono, clock_trusted, now_ns);
    if (!q) continue;
    bool dates = q->check_dates;
    p.nts()->asked(nts_helper_->ask(std::move(*q)), dates);
  }
  nts_helper_->tick(now_mono);
}

void UpstreamServers::take_exchange(UpstreamPeer& p, const os::nts::KeAnswer& a, int64_t now_mono,
                                    int64_t now_ns) {
  std::string name = names_[p.name()].text;
  if (name != p.address().to_string()) name += " (" + p.address().to_string() + ")";
  auto ntp = p.nts()->take(a, now_mono, now_ns);
  if (!ntp) {
    os::log::warn("upstream {}: NTS key exchange failed: {}", name, p.nts()->snapshot().error);
    return;
  }
  if (auto st = p.reconnect(*ntp); !st) {
    os::log::warn("upstream {}: cannot poll {}: {}", name, ntp->to_string(), st.error().message);
    return;
  }
  os::log::info(
      "upstream {}: NTS key exchange done, {} cookies, NTP server {}{}", name, a.cookies.size(),
      ntp->to_string(),
      p.nts()->snapshot().dates_checked ? "" : " (certificate dates not checked: clock not trusted yet)");
}

void UpstreamServers::nts_clock_updated(int64_t now_mono) {
  for (UpstreamPeer& p : peers_) {
    if (p.nts() != nullptr) p.nts()->authenticated_update(now_mono);
  }
}

int64_t UpstreamServers::next_due_ns() const {
  int64_t due = names_.next_due_ns();
  for (const UpstreamPeer& p : peers_) {
    if (p.nts() != nullptr) due = std::min(due, p.nts()->due_ns());
  }
  return nts_helper_ ? std::min(due, nts_helper_->next_due_ns()) : due;
}

std::vector<int> UpstreamServers::fds() const {
  std::vector<int> out;
  if (names_.fd() >= 0) out.push_back(names_.fd());
  if (nts_helper_ && nts_helper_->fd() >= 0) out.push_back(nts_helper_->fd());
  for (const UpstreamPeer& p : peers_) out.push_back(p.fd());
  return out;
}

void UpstreamServers::status(std::vector<UpstreamSnapshot>& out,
                             const std::vector<core::UpstreamSource>& sources,
                             const UpstreamFollower& follower, int64_t now_ns, int64_t now_mono) const {
  names_.describe(out, now_mono);
  for (size_t i = 0; i < peers_.size(); ++i)
    out.push_back(peers_[i].snapshot(sources, i, follower, now_ns, now_mono));
}

}  // namespace lansync::sntpd
