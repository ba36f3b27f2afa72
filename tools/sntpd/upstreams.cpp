// sntpd upstream polling; see upstreams.hpp.
#include "upstreams.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>

#include "codec/ntp_packet.hpp"
#include "core/trust.hpp"
#include "os/log.hpp"
#include "os/random.hpp"
#include "os/sync_state.hpp"

namespace lansync::sntpd {
namespace {

// Requests remembered per server: a reply to an older one is ignored.
constexpr size_t kOutstanding = 4;

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

Upstreams::Upstreams(os::Clock& clock, UpstreamConfig config) : clock_(clock), config_(std::move(config)) {}

void Upstreams::add_name(const std::string& text, const os::HostPort& hp, const proto::MacKeys* keys,
                         uint32_t key_id) {
  if (!resolver_) resolver_ = std::make_unique<os::Resolver>(config_.lookup);
  Name n;
  n.text = text;
  n.hp = hp;
  n.keys = keys;
  n.key_id = key_id;
  names_.push_back(std::move(n));
  ask_resolver(os::monotonic_ns());
}

os::Status Upstreams::add_peer(size_t name, const os::SocketAddress& address) {
  for (const Peer& p : peers_) {
    if (p.address.to_string() == address.to_string()) return os::ok();  // named twice
  }
  auto sock = os::UdpSocket::open(address.family());
  if (!sock) return fail(sock.error());
  if (auto st = sock->connect(address); !st) return st;
  const Name& n = names_[name];
  Peer p;
  p.address = address;
  p.socket = std::move(*sock);
  p.keys = n.keys;
  p.key_id = n.key_id;
  p.name = name;
  p.reach_change_mono_ns = os::monotonic_ns();
  sources_.emplace_back(n.text, address.refid(), p.reach_change_mono_ns, config_.max_poll_log2);
  peers_.push_back(std::move(p));
  return os::ok();
}

void Upstreams::drop_peers(const std::vector<size_t>& indices) {
  for (size_t k = indices.size(); k-- > 0;) {
    auto at = static_cast<std::ptrdiff_t>(indices[k]);
    peers_.erase(peers_.begin() + at);
    sources_.erase(sources_.begin() + at);
  }
  if (!indices.empty()) reselect();  // its indices name other servers now
}

void Upstreams::ask_resolver(int64_t now_mono) {
  for (size_t i = 0; i < names_.size(); ++i) {
    Name& n = names_[i];
    if ((n.resolved && !n.refresh) || n.pending || n.retry_mono_ns > now_mono) continue;
    n.pending = true;
    resolver_->request(i, n.hp);
  }
}

void Upstreams::take_answers(int64_t now_mono) {
  if (!resolver_) return;
  for (os::Resolver::Answer& a : resolver_->take()) {
    Name& n = names_[a.id];
    n.pending = false;
    if (!a.addresses) {
      resolve_failed(n, a.addresses.error().message, now_mono);
    } else {
      use_addresses(a.id, *a.addresses, now_mono);
    }
  }
}

void Upstreams::resolve_failed(Name& n, const std::string& why, int64_t now_mono) {
  // One warning per name; the retries are quiet until it works.
  if (n.resolved) {
    os::log::debug("upstream {}: resolving again for a fresh address: {}", n.text, why);
  } else if (n.failures == 0) {
    os::log::warn("upstream {}: {}; serving the other references meanwhile, retrying in the background",
                  n.text, why);
  }
  n.problem = why;
  retry_later(n, now_mono);
}

void Upstreams::retry_later(Name& n, int64_t now_mono) {
  n.retry_mono_ns =
      now_mono + std::min(kMaxResolveRetryNs, int64_t{2'000'000'000} << std::min(n.failures, 10));
  ++n.failures;
}

void Upstreams::use_addresses(size_t name, const std::vector<os::SocketAddress>& addresses,
                              int64_t now_mono) {
  Name& n = names_[name];
  std::vector<size_t> mine;  // the peers of this name, and what became of each
  std::vector<core::PoolVerdict> verdicts;
  std::vector<std::string> known = n.polled;
  for (size_t i = 0; i < peers_.size(); ++i) {
    // A replacement must be new to every name; at first, a server named twice is merged by add_peer.
    if (n.resolved) known.push_back(peers_[i].address.to_string());
    if (peers_[i].name != name) continue;
    mine.push_back(i);
    verdicts.push_back(peers_[i].verdict);
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
    const Peer& old = peers_[mine[plan.drop[k]]];
    os::log::info("upstream {}: {} {}; replaced by {}", n.text, old.address.to_string(),
                  core::describe(old.verdict), fresh);
    gone.push_back(mine[plan.drop[k]]);
  }
  took_addresses(n, used, gone.size(), problem, now_mono);
  drop_peers(gone);
}

void Upstreams::took_addresses(Name& n, const std::string& used, size_t replaced, const std::string& problem,
                               int64_t now_mono) {
  if (used.empty() && replaced == 0) {  // nothing usable yet: as if the name had not resolved
    resolve_failed(n, problem, now_mono);
    return;
  }
  if (!used.empty() && (n.failures > 0 || n.resolved || used.find(',') != std::string::npos)) {
    os::log::info("upstream {}: polling {}", n.text, used);
  }
  n.resolved = true;
  n.refresh = false;  // judge_pool asks again if another one gives way
  n.failures = 0;
  n.retry_mono_ns = 0;
}

void Upstreams::judge_pool(int64_t now_mono) {
  for (Name& n : names_) n.refresh = false;
  for (size_t i = 0; i < peers_.size(); ++i) {
    Peer& p = peers_[i];
    bool out = core::outvoted(selection_, sources_, i, !synced());
    p.verdict = core::judge_pool_address(sources_[i], out, now_mono, p.watch);
    if (p.verdict != core::PoolVerdict::Keep) names_[p.name].refresh = true;
  }
}

std::vector<int> Upstreams::fds() const {
  std::vector<int> out;
  if (resolver_) out.push_back(resolver_->fd());
  for (const Peer& p : peers_) out.push_back(p.socket.fd());
  return out;
}

int64_t Upstreams::next_due_ns() const {
  int64_t due = INT64_MAX;
  for (const core::UpstreamSource& s : sources_) due = std::min(due, s.next_poll_ns());
  for (const Name& n : names_) {
    if ((!n.resolved || n.refresh) && !n.pending) due = std::min(due, n.retry_mono_ns);
  }
  return due;
}

void Upstreams::poll_once() {
  int64_t now = os::monotonic_ns();
  take_answers(now);
  for (size_t i = 0; i < peers_.size(); ++i) {
    receive(i);
    if (sources_[i].next_poll_ns() <= now) transmit(i, now);
  }
  judge_pool(now);
  ask_resolver(now);
}

void Upstreams::transmit(size_t i, int64_t now_mono) {
  Peer& p = peers_[i];
  uint64_t cookie = 0;
  os::random_bytes(&cookie, sizeof(cookie));
  proto::ClientSession session;
  uint8_t buf[codec::kHeaderSize + codec::kMaxV3MacSize];
  size_t size = session.write_request(cookie, buf, sizeof(buf), p.keys, p.key_id);
  bool was_reachable = sources_[i].reachable();
  sources_[i].on_transmit(now_mono);
  // The counts of the selection change with the reach, whether or not a sample comes.
  if (note_reach(i, was_reachable, now_mono)) reselect();
  if (p.polls < core::kReachPolls && ++p.polls == core::kReachPolls && !p.ever_reached) {
    os::log::warn("upstream {} ({}): no usable reply to its first {} polls; not counted until it answers",
                  sources_[i].name(), p.address.to_string(), core::kReachPolls);
  }
  if (size == 0) {
    p.last_problem = fmt::format("cannot sign with key {}", p.key_id);
    os::log::debug("upstream {}: {}", sources_[i].name(), p.last_problem);
    return;
  }
  session.note_sent(clock_.now_ns());  // T1, immediately before the send
  if (auto st = p.socket.send(buf, size); !st) {
    p.last_problem = st.error().code.message();
    os::log::debug("upstream {}: {}", sources_[i].name(), st.error().message);
    return;
  }
  if (p.outstanding.size() == kOutstanding) p.outstanding.erase(p.outstanding.begin());
  p.outstanding.push_back(session);
}

void Upstreams::receive(size_t i) {
  Peer& p = peers_[i];
  uint8_t buf[1024];
  // Bounded: a handful of datagrams per server per wake-up.
  for (int n = 0; n < 16; ++n) {
    auto d = p.socket.receive(buf, sizeof(buf));
    if (!d) {
      if (!os::would_block(d.error())) p.last_problem = d.error().code.message();
      return;
    }
    int64_t t4 = d->kernel_timestamp ? clock_.from_system_ns(d->rx_ns) : clock_.now_ns();
    proto::ClientReply reply = proto::receive_reply(p.outstanding.data(), p.outstanding.size(), buf,
                                                    d->truncated ? 0 : d->size, t4, t4);
    if (proto::is_ignorable(reply.check.status)) {  // stray, late, replayed or spoofed
      if (reply.check.status == proto::ReplyStatus::NotOurs) ++p.rejected[kRejectedStray];
      os::log::debug("upstream {}: {}", sources_[i].name(), proto::describe(reply.check.status));
      continue;
    }
    if (proto::is_forgery(reply.check.status)) {  // the request stays open for the genuine reply
      p.last_problem = proto::describe(reply.check.status);
      bool bad_mac = reply.check.status == proto::ReplyStatus::BadMac;
      ++p.rejected[bad_mac ? kRejectedBadMac : kRejectedUnauthenticated];
      os::log::debug("upstream {}: {}", sources_[i].name(), p.last_problem);
      continue;
    }
    p.outstanding.erase(p.outstanding.begin() + static_cast<std::ptrdiff_t>(reply.session));
    bool was_reachable = sources_[i].reachable();
    bool selected = take_reply(i, reply, t4);
    // A sample reselects with the reach register as it now is: once is enough.
    if (note_reach(i, was_reachable, os::monotonic_ns()) && !selected) reselect();
  }
}

bool Upstreams::take_reply(size_t i, const proto::ClientReply& reply, int64_t t4_ns) {
  Peer& p = peers_[i];
  const codec::NtpHeader& h = reply.header;
  if (reply.check.status == proto::ReplyStatus::KissOfDeath) {
    take_kiss(i, h.refid);
    return false;
  }
  if (reply.check.status != proto::ReplyStatus::Ok) {
    p.last_problem = proto::describe(reply.check.status);
    return false;
  }
  p.last_problem.clear();
  core::UpstreamSample s;
  s.time_ns = t4_ns;
  s.sample = reply.check.sample;
  s.stratum = h.stratum;
  s.root_delay_ns = codec::from_ntp_short(h.root_delay);
  s.root_dispersion_ns = codec::from_ntp_short(h.root_dispersion);
  s.precision_log2 = h.precision_log2;
  core::SampleVerdict verdict = sources_[i].on_sample(s, {synced(), config_.max_change_ns});
  report(i, verdict, s.sample.offset_ns);
  if (verdict == core::SampleVerdict::Used || verdict == core::SampleVerdict::Restarted) {
    update();
  } else {  // nothing to correct; the selection only loses this server
    reselect();
  }
  return true;
}

void Upstreams::take_kiss(size_t i, uint32_t refid) {
  Peer& p = peers_[i];
  char code[5];
  codec::refid_to_ascii(refid, code);
  p.last_problem = std::string("kod ") + code;
  if (refid == codec::refid_from_ascii("RATE")) {
    sources_[i].on_rate_kiss(os::monotonic_ns());
    os::log::debug("upstream {}: Kiss-o'-Death RATE, polling every {} s", sources_[i].name(),
                   int64_t{1} << sources_[i].poll_log2());
  } else if (refid == codec::refid_from_ascii("DENY") || refid == codec::refid_from_ascii("RSTR")) {
    sources_[i].on_deny_kiss();
    p.outstanding.clear();  // later answers are strays: this is logged once
    os::log::warn("upstream {} ({}): Kiss-o'-Death {} ({}): no longer polled", sources_[i].name(),
                  p.address.to_string(), code, proto::describe_kiss(refid));
  }
}

void Upstreams::report(size_t i, core::SampleVerdict verdict, int64_t offset_ns) {
  const core::UpstreamSource& src = sources_[i];
  double offset_s = static_cast<double>(offset_ns) / 1e9;
  double max_s = static_cast<double>(config_.max_change_ns) / 1e9;
  switch (verdict) {
    case core::SampleVerdict::Used: break;
    case core::SampleVerdict::Restarted:
      os::log::debug(
          "upstream {}: offset {:+.6f} s disagrees with its earlier samples; agreement starts again",
          src.name(), offset_s);
      break;
    case core::SampleVerdict::BeyondMaxChange:
      ++peers_[i].rejected[kRejectedMaxChange];
      os::log::warn("upstream {}: offset {:+.3f} s is beyond --max-change {} s: not applied ({} in a row)",
                    src.name(), offset_s, max_s, src.strikes());
      break;
    case core::SampleVerdict::Falseticker:
      ++peers_[i].rejected[kRejectedMaxChange];
      os::log::warn(
          "upstream {}: offset {:+.3f} s is beyond --max-change {} s, {} in a row: a falseticker, "
          "not followed",
          src.name(), offset_s, max_s, src.strikes());
      break;
  }
}

core::SelectRules Upstreams::select_rules() const { return {!synced(), config_.min_sources}; }

void Upstreams::reselect() { selection_ = core::select_upstreams(sources_, clock_.now_ns(), select_rules()); }

bool Upstreams::note_reach(size_t i, bool was, int64_t now_mono) {
  Peer& p = peers_[i];
  const core::UpstreamSource& s = sources_[i];
  if (s.reachable() == was) return false;
  p.reach_change_mono_ns = now_mono;
  if (s.reachable()) {
    if (p.ever_reached) os::log::info("upstream {} ({}): reachable again", s.name(), p.address.to_string());
    p.ever_reached = true;
  } else if (!s.stopped()) {
    os::log::warn(
        "upstream {} ({}): unreachable, no usable reply to its last {} polls; not counted until it "
        "answers",
        s.name(), p.address.to_string(), core::kReachPolls);
  }
  return true;
}

std::string Upstreams::selection_problem() const {
  const core::UpstreamSelection& sel = selection_;
  switch (sel.problem) {
    case core::SelectProblem::None: return "";
    case core::SelectProblem::NoneReachable:
      return fmt::format("no server reachable (none answered any of its last {} polls)", core::kReachPolls);
    case core::SelectProblem::NoCandidates:
      return synced()
                 ? "no usable samples from the reachable servers"
                 : fmt::format("waiting for {} consistent samples from a server", core::kAgreementSamples);
    case core::SelectProblem::NoMajority:
      if (sel.truechimers == 0)
        return fmt::format("no majority: the {} servers compared disagree", sel.candidates);
      return fmt::format("no majority: {} of {} reachable servers agree", sel.truechimers, sel.reachable);
    case core::SelectProblem::BelowMinSources:
      return fmt::format("{} reachable server{} agree{}, fewer than --min-sources {}", sel.truechimers,
                         sel.truechimers == 1 ? "" : "s", sel.truechimers == 1 ? "s" : "",
                         config_.min_sources);
  }
  return "";
}

SelectionSnapshot Upstreams::selection() const {
  SelectionSnapshot s;
  s.reachable = static_cast<int64_t>(selection_.reachable);
  s.agreeing = static_cast<int64_t>(selection_.truechimers);
  s.min_sources = static_cast<int64_t>(config_.min_sources);
  s.problem = selection_problem();
  return s;
}

void Upstreams::update() {
  int64_t now = clock_.now_ns();
  core::UpstreamSelection sel = core::select_upstreams(sources_, now, select_rules());
  selection_ = sel;
  if (!sel.ok) return;
  last_offset_ns_ = sel.offset_ns;
  if (!config_.clock_control) {
    reference_ = sel.reference;
    return;
  }
  if (clock_failed_) return;
  core::Discipline d = core::plan_discipline(sel.offset_ns, !corrected_once_, config_.step_threshold_ns,
                                             sources_[sel.system_peer].poll_log2());
  os::Status st = os::ok();
  if (d.kind == core::Discipline::Step) {
    st = clock_.step(d.offset_ns);
    if (st) {
      os::log::info("stepped the clock by {:+.6f} s (upstream {})", static_cast<double>(d.offset_ns) / 1e9,
                    sel.reference.name);
      for (core::UpstreamSource& s : sources_) s.apply_step(d.offset_ns);
      reselect();
      sel = selection_;
    }
  } else {
    int64_t distance = sel.reference.root_delay_ns / 2 + sel.reference.root_dispersion_ns;
    st = clock_.discipline(d.offset_ns, d.time_constant, distance, sources_[sel.system_peer].jitter_ns());
  }
  if (!st) {
    // A clock we cannot correct must not be served as if it followed upstream.
    clock_failed_ = true;
    reference_.reset();
    os::log::error(
        "{}; answering unsynchronized (run with CAP_SYS_TIME, or --no-clock-control when another "
        "daemon keeps the clock)",
        st.error().message);
    return;
  }
  if (!corrected_once_) os::log::info("following upstream {}", sel.reference.name);
  corrected_once_ = true;
  reference_ = sel.reference;
  record(d.offset_ns, d.kind == core::Discipline::Step ? "step" : "slew");
}

void Upstreams::record(int64_t offset_ns, const char* action) {
  if (config_.state_path.empty() || !reference_) return;
  os::SyncState s;
  s.last_sync_unix = static_cast<double>(clock_.now_ns()) / 1e9;
  s.source = "ntp:" + peers_[selection_.system_peer].address.ip();
  s.offset_s = static_cast<double>(offset_ns) / 1e9;
  s.uncertainty_s = static_cast<double>(reference_->root_delay_ns / 2 + reference_->root_dispersion_ns) / 1e9;
  s.action = action;
  s.stratum = reference_->stratum;
  if (auto boot = clock_.boot_stamp(); boot) os::stamp_boot(s, *boot);
  auto st = os::write_sync_state(config_.state_path, s);
  if (!st && !state_write_failed_) {
    os::log::warn("cannot record the sync in the state file: {}", st.error().message);
  }
  state_write_failed_ = !st;
}

std::optional<core::UpstreamReference> Upstreams::reference() const { return reference_; }

std::string Upstreams::state_of(size_t i, bool has_sample) const {
  const core::UpstreamSource& s = sources_[i];
  const std::string& problem = peers_[i].last_problem;
  if (s.stopped()) return problem + ", not polled";
  if (s.falseticker()) return "falseticker (beyond --max-change)";
  if (!has_sample) return problem.empty() ? "no reply" : problem;
  if (!synced() && !s.agreed()) {
    return fmt::format("{} of {} consistent samples", s.samples(), core::kAgreementSamples);
  }
  if (selection_.problem == core::SelectProblem::BelowMinSources) return "waiting for --min-sources";
  bool chosen = selection_.ok && i < selection_.truechimer.size();
  if (chosen && selection_.system_peer == i) return "sys_peer";
  if (chosen && selection_.truechimer[i]) return "truechimer";
  return synced() ? "falseticker" : "waiting for a majority";
}

std::vector<UpstreamStatus> Upstreams::status() const {
  std::vector<UpstreamStatus> out;
  int64_t now_mono = os::monotonic_ns();
  for (const Name& n : names_) {  // names not resolved yet: no address to poll
    if (n.resolved) continue;
    UpstreamStatus u;
    u.name = n.text;
    u.state = n.failures == 0 ? "resolving"
                              : fmt::format("unresolved, retry in {} s",
                                            std::max<int64_t>(0, n.retry_mono_ns - now_mono) / 1'000'000'000);
    out.push_back(u);
  }
  int64_t now = clock_.now_ns();
  for (size_t i = 0; i < peers_.size(); ++i) {
    const core::UpstreamSource& s = sources_[i];
    UpstreamStatus u;
    u.name = s.name();
    u.address = peers_[i].address.to_string();
    u.reach = s.reach();
    u.reachable = s.reachable();
    u.reachable_since_ns = now - (now_mono - peers_[i].reach_change_mono_ns);  // on the clock as it is now
    u.poll_log2 = s.poll_log2();
    if (auto b = s.best()) {
      u.has_sample = true;
      u.offset_ns = b->sample.offset_ns;
      u.delay_ns = b->sample.delay_ns;
      u.stratum = b->stratum;
      u.last_sample_age_ns = now - b->time_ns;
    }
    u.state = state_of(i, u.has_sample);
    u.rejected = peers_[i].rejected;
    out.push_back(u);
  }
  return out;
}

}  // namespace lansync::sntpd
