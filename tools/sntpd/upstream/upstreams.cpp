// sntpd upstream polling; see upstreams.hpp.
#include "upstream/upstreams.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "os/log.hpp"

namespace lansync::sntpd {
namespace {

// Datagrams read from one server per wake-up at most: a flood waits for the next.
constexpr int kReadsPerPoll = 16;

}  // namespace

os::OsResult<std::vector<UpstreamSpec>> parse_upstreams(const std::vector<std::string>& words) {
  std::vector<UpstreamSpec> out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] != "key") {
      out.push_back({words[i], 0});
      continue;
    }
    if (out.empty() || out.back().key_id != 0)
      return os::invalid("--upstream: 'key' must follow a HOST[:PORT]");
    const std::string id = i + 1 < words.size() ? words[i + 1] : "";
    uint32_t key_id = 0;
    auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), key_id);
    if (id.empty() || ec != std::errc{} || end != id.data() + id.size() || key_id == 0) {
      return os::invalid(fmt::format("--upstream {} key: needs a key ID, 1 to 4294967295", out.back().text));
    }
    out.back().key_id = key_id;
    ++i;
  }
  return out;
}

Upstreams::Upstreams(os::Clock& clock, UpstreamConfig config)
    : clock_(clock),
      config_(std::move(config)),
      names_(config_.lookup),
      follower_(
          {config_.clock_control, config_.step_threshold_ns, config_.max_change_ns, config_.min_sources}) {}

void Upstreams::add_name(const std::string& text, const os::HostPort& hp, const proto::MacKeys* keys,
                         uint32_t key_id) {
  UpstreamName n;
  n.text = text;
  n.hp = hp;
  n.keys = keys;
  n.key_id = key_id;
  names_.add(std::move(n));
  names_.ask(os::monotonic_ns());
}

os::Status Upstreams::add_peer(size_t name, const os::SocketAddress& address) {
  for (const UpstreamPeer& p : peers_) {
    if (p.address().to_string() == address.to_string()) return os::ok();  // named twice
  }
  auto sock = os::UdpSocket::open(address.family());
  if (!sock) return fail(sock.error());
  if (auto st = sock->connect(address); !st) return st;  // it needs a route
  int64_t now_mono = os::monotonic_ns();
  peers_.emplace_back(address, std::move(*sock), name);
  // Before the receivers' sources, which move up one: the follower's indices change.
  auto s = sources_.emplace(sources_.begin() + static_cast<std::ptrdiff_t>(peers_.size() - 1),
                            names_[name].text, address.refid(), now_mono, config_.max_poll_log2);
  s->set_key(names_[name].keys, names_[name].key_id);
  s->set_max_age(config_.max_age_ns);
  if (!refclocks_.empty()) follower_.renumbered();
  return os::ok();
}

void Upstreams::add_refclock(RefclockSpec spec, os::ShmSegment segment) {
  int64_t now_mono = os::monotonic_ns();
  refclocks_.emplace_back(std::move(spec), std::move(segment), now_mono);
  add_refclock_source(now_mono);
}

void Upstreams::add_refclock(RefclockSpec spec, os::PpsDevice pps) {
  int64_t now_mono = os::monotonic_ns();
  refclocks_.emplace_back(std::move(spec), std::move(pps), now_mono);
  add_refclock_source(now_mono);
}

void Upstreams::add_refclock_source(int64_t now_mono) {
  sources_.emplace_back(refclocks_.back().name(), refclocks_.back().refid(), now_mono,
                        std::min(kRefclockPollLog2, config_.max_poll_log2));
}

void Upstreams::drop_peers(const std::vector<size_t>& indices) {
  for (size_t k = indices.size(); k-- > 0;) {
    auto at = static_cast<std::ptrdiff_t>(indices[k]);
    peers_.erase(peers_.begin() + at);
    sources_.erase(sources_.begin() + at);
  }
  if (indices.empty()) return;
  follower_.renumbered();  // its indices name other servers now
  follower_.reselect(sources_, clock_.now_ns());
}

void Upstreams::take_answers(int64_t now_mono) {
  for (os::Resolver::Answer& a : names_.take()) {
    if (!a.addresses) {
      names_.failed(a.id, a.addresses.error().message, now_mono);
    } else {
      use_addresses(a.id, *a.addresses, now_mono);
    }
  }
}

void Upstreams::use_addresses(size_t name, const std::vector<os::SocketAddress>& addresses,
                              int64_t now_mono) {
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
  core::PoolPlan plan = core::plan_pool(verdicts, resolved, known, config_.max_sources);
  std::string used;
  std::string problem = "no address not polled before";
  std::vector<size_t> gone;
  for (size_t k = 0; k < plan.add.size(); ++k) {
    // connect() needs a route: an address on a network that is not up yet fails here.
    if (auto st = add_peer(name, addresses[plan.add[k]]); !st) {
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
  drop_peers(gone);
}

void Upstreams::judge_pool(int64_t now_mono) {
  for (size_t i = 0; i < names_.size(); ++i) names_[i].refresh = false;
  for (size_t i = 0; i < peers_.size(); ++i) {
    bool out = core::outvoted(follower_.selection(), sources_, i, !follower_.synced());
    if (peers_[i].judge(sources_[i], out, now_mono) != core::PoolVerdict::Keep) {
      names_[peers_[i].name()].refresh = true;
    }
  }
}

std::vector<int> Upstreams::fds() const {
  std::vector<int> out;
  if (names_.fd() >= 0) out.push_back(names_.fd());
  for (const UpstreamPeer& p : peers_) out.push_back(p.fd());
  return out;
}

int64_t Upstreams::next_due_ns() const {
  int64_t due = follower_.slew_due_ns();
  for (const core::UpstreamSource& s : sources_) due = std::min(due, s.next_poll_ns());
  for (const RefclockPeer& r : refclocks_) due = std::min(due, r.next_read_ns());
  return std::min(due, names_.next_due_ns());
}

std::optional<UpstreamAction> Upstreams::poll_once() {
  int64_t mono_now_ns = os::monotonic_ns();
  read_refclocks(mono_now_ns);
  if (follower_.slew_due_ns() <= mono_now_ns) return follower_.end_slew(mono_now_ns);
  take_answers(mono_now_ns);
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (auto a = receive(i)) return a;  // the next call reads on from here
    if (sources_[i].next_poll_ns() > mono_now_ns) continue;
    core::SourceAction a = peers_[i].transmit(sources_[i], clock_, mono_now_ns);
    peers_[i].log(sources_[i], a, config_.max_change_ns);
    act(i, a);  // a poll brings no sample: at most a new selection
  }
  if (auto a = poll_refclocks(mono_now_ns)) return a;
  judge_pool(mono_now_ns);
  names_.ask(mono_now_ns);
  return std::nullopt;
}

std::optional<UpstreamAction> Upstreams::receive(size_t i) {
  int budget = kReadsPerPoll;
  uint8_t buf[1024];
  int64_t t4 = 0;
  while (auto size = peers_[i].read(sources_[i], clock_, buf, sizeof(buf), &t4, &budget)) {
    int64_t now_mono = os::monotonic_ns();
    core::SourceAction a = sources_[i].receive(buf, *size, t4, now_mono, follower_.sample_rules(),
                                               follower_.remaining_ns(now_mono));
    peers_[i].log(sources_[i], a, config_.max_change_ns);
    if (auto action = act(i, a)) return action;
  }
  return std::nullopt;
}

void Upstreams::read_refclocks(int64_t now_mono) {
  if (refclocks_.empty()) return;
  auto remaining_at = [this](int64_t mono_ns) { return follower_.remaining_ns(mono_ns); };
  // Our clock's own second is a pulse's while the clock served is within kPpsLockNs of the truth.
  bool clock_known = false;
  if (auto r = follower_.reference(); r && follower_.synced()) {
    core::ReferenceCandidate c = core::upstream_candidate(*r, clock_.now_ns());
    clock_known = c.state.root_delay_ns / 2 + c.state.root_dispersion_ns < kPpsLockNs;
  }
  // A server as the system peer says which second it is; else a receiver does, as chronyd's lock.
  std::optional<size_t> peer = follower_.system_peer();
  bool server_peer = clock_known && peer && *peer < peers_.size();
  // Receivers first: their readings name the pulses' seconds.
  for (RefclockPeer& r : refclocks_) {
    if (!r.pulse()) r.read(clock_, now_mono, remaining_at, [](int64_t) { return std::nullopt; });
  }
  auto second_at = [&](int64_t local_ns) -> std::optional<int64_t> {
    if (!server_peer) {
      for (const RefclockPeer& r : refclocks_) {
        if (auto e = r.second_at(local_ns)) return e;
      }
    }
    return clock_known ? std::optional<int64_t>(0) : std::nullopt;
  };
  for (RefclockPeer& r : refclocks_) {
    if (r.pulse()) r.read(clock_, now_mono, remaining_at, second_at);
  }
  select_receivers();
}

void Upstreams::select_receivers() {
  bool pulse_answers = false;
  for (size_t j = 0; j < refclocks_.size(); ++j) {
    pulse_answers = pulse_answers || (refclocks_[j].pulse() && sources_[peers_.size() + j].reachable());
  }
  bool changed = false;
  for (size_t j = 0; j < refclocks_.size(); ++j) {
    core::UpstreamSource& s = sources_[peers_.size() + j];
    if (refclocks_[j].pulse() || s.noselect() == pulse_answers) continue;
    s.set_noselect(pulse_answers);
    changed = true;
  }
  if (changed) follower_.reselect(sources_, clock_.now_ns());
}

std::optional<UpstreamAction> Upstreams::poll_refclocks(int64_t now_mono) {
  for (size_t j = 0; j < refclocks_.size(); ++j) {
    size_t k = peers_.size() + j;
    if (sources_[k].next_poll_ns() > now_mono) continue;
    std::optional<core::UpstreamSample> s = refclocks_[j].next_sample();
    if (s && !refclocks_[j].pulse()) refclocks_[j].correct(*s, pulse_offset_at(s->time_ns));
    core::SourceAction a = sources_[k].take_reading(now_mono, s, follower_.sample_rules());
    refclocks_[j].log(sources_[k], a);
    if (auto action = act(k, a)) return action;
  }
  return std::nullopt;
}

std::optional<int64_t> Upstreams::pulse_offset_at(int64_t t_ns) const {
  for (size_t j = 0; j < refclocks_.size(); ++j) {
    const core::UpstreamSource& p = sources_[peers_.size() + j];
    if (!refclocks_[j].pulse() || !p.reachable() || p.falseticker() || !p.estimate()) continue;
    // Fresh: its line's newest sample within two of its polls of t_ns.
    const core::SourceEstimate& e = *p.estimate();
    int64_t poll_ns = std::llround(std::ldexp(1e9, p.poll_log2()));
    if (std::llabs(t_ns - e.time_ns) <= 2 * poll_ns) return e.offset_at(t_ns);
  }
  return std::nullopt;
}

std::optional<UpstreamAction> Upstreams::act(size_t k, const core::SourceAction& a) {
  if (a.event == core::SourceEvent::Sample) return follow(k, a.verdict);
  if (a.reselect()) follower_.reselect(sources_, clock_.now_ns());
  return std::nullopt;
}

std::optional<UpstreamAction> Upstreams::follow(size_t k, core::SampleVerdict verdict) {
  if (verdict != core::SampleVerdict::Used && verdict != core::SampleVerdict::Restarted) {
    // Nothing to correct; the selection only loses this source.
    follower_.reselect(sources_, clock_.now_ns());
    return std::nullopt;
  }
  if (!follower_.synced()) {
    // The frequency the clock has now (a drift file's) is where the discipline starts.
    if (auto st = clock_.sync_status()) follower_.start_from(st->frequency_ppm);
  }
  std::optional<UpstreamAction> action = follower_.update(sources_, k, clock_.now_ns(), os::monotonic_ns());
  if (action) action->source = source_label(action->system_peer);
  return action;
}

std::string Upstreams::source_label(size_t k) const {
  if (k < peers_.size()) return "ntp:" + peers_[k].address().ip();
  return refclocks_[k - peers_.size()].source();
}

void Upstreams::applied(const UpstreamAction& a, bool done) {
  std::optional<core::SampleShift> shift =
      follower_.applied(a, done, sources_, clock_.now_ns(), os::monotonic_ns());
  // The receivers' readings not yet taken move as the sources' samples did.
  if (shift) {
    for (RefclockPeer& r : refclocks_) r.shift(*shift);
  }
}

std::vector<UpstreamSnapshot> Upstreams::status() const {
  std::vector<UpstreamSnapshot> out;
  int64_t now_mono = os::monotonic_ns();
  names_.describe(out, now_mono);
  int64_t real_now_ns = clock_.now_ns();
  for (size_t i = 0; i < peers_.size(); ++i)
    out.push_back(peers_[i].snapshot(sources_, i, follower_, real_now_ns, now_mono));
  for (size_t j = 0; j < refclocks_.size(); ++j)
    out.push_back(refclocks_[j].snapshot(sources_, peers_.size() + j, follower_, real_now_ns, now_mono));
  return out;
}

}  // namespace lansync::sntpd
