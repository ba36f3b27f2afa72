// One polled address of an --upstream name; see upstream_peer.hpp.
#include "upstream/upstream_peer.hpp"

#include <fmt/core.h>

#include "codec/ntp_packet.hpp"
#include "os/log.hpp"
#include "os/random.hpp"
#include "proto/auth.hpp"
#include "upstream/upstream_follower.hpp"

namespace lansync::sntpd {
namespace {

// Requests remembered per server: a reply to an older one is ignored.
constexpr size_t kOutstanding = 4;

}  // namespace

UpstreamPeer::UpstreamPeer(const os::SocketAddress& address, os::UdpSocket socket, const UpstreamName& n,
                           size_t name, int64_t now_mono)
    : address_(address),
      socket_(std::move(socket)),
      keys_(n.keys),
      key_id_(n.key_id),
      name_(name),
      reach_change_mono_ns_(now_mono) {}

bool UpstreamPeer::transmit(core::UpstreamSource& s, os::Clock& clock, int64_t now_mono) {
  uint64_t cookie = 0;
  os::random_bytes(&cookie, sizeof(cookie));
  proto::ClientSession session;
  uint8_t buf[codec::kHeaderSize + codec::kMaxV3MacSize];
  size_t size = session.write_request(cookie, buf, sizeof(buf), keys_, key_id_);
  bool was_reachable = s.reachable();
  s.on_transmit(now_mono);
  // The counts of the selection change with the reach, whether or not a sample comes.
  bool changed = note_reach(s, was_reachable, now_mono);
  if (polls_ < core::kReachPolls && ++polls_ == core::kReachPolls && !ever_reached_) {
    os::log::warn("upstream {} ({}): no usable reply to its first {} polls; not counted until it answers",
                  s.name(), address_.to_string(), core::kReachPolls);
  }
  if (size == 0) {
    last_problem_ = fmt::format("cannot sign with key {}", key_id_);
    os::log::debug("upstream {}: {}", s.name(), last_problem_);
    return changed;
  }
  session.note_sent(clock.now_ns());  // T1, immediately before the send
  if (auto st = socket_.send(buf, size); !st) {
    last_problem_ = st.error().code.message();
    os::log::debug("upstream {}: {}", s.name(), st.error().message);
    return changed;
  }
  if (outstanding_.size() == kOutstanding) outstanding_.erase(outstanding_.begin());
  outstanding_.push_back(session);
  return changed;
}

std::optional<proto::ClientReply> UpstreamPeer::next_reply(const core::UpstreamSource& s, os::Clock& clock,
                                                           int64_t* t4_ns, int* budget) {
  uint8_t buf[1024];
  while (*budget > 0) {
    --*budget;
    auto d = socket_.receive(buf, sizeof(buf));
    if (!d) {
      if (!os::would_block(d.error())) last_problem_ = d.error().code.message();
      return std::nullopt;
    }
    int64_t t4 = d->kernel_timestamp ? clock.from_system_ns(d->rx_ns) : clock.now_ns();
    proto::ClientReply reply = proto::receive_reply(outstanding_.data(), outstanding_.size(), buf,
                                                    d->truncated ? 0 : d->size, t4, t4);
    if (proto::is_ignorable(reply.check.status)) {  // stray, late, replayed or spoofed
      if (reply.check.status == proto::ReplyStatus::NotOurs) ++rejected_[kRejectedStray];
      os::log::debug("upstream {}: {}", s.name(), proto::describe(reply.check.status));
      continue;
    }
    if (proto::is_forgery(reply.check.status)) {  // the request stays open for the genuine reply
      last_problem_ = proto::describe(reply.check.status);
      bool bad_mac = reply.check.status == proto::ReplyStatus::BadMac;
      ++rejected_[bad_mac ? kRejectedBadMac : kRejectedUnauthenticated];
      os::log::debug("upstream {}: {}", s.name(), last_problem_);
      continue;
    }
    outstanding_.erase(outstanding_.begin() + static_cast<std::ptrdiff_t>(reply.session));
    *t4_ns = t4;
    return reply;
  }
  return std::nullopt;
}

void UpstreamPeer::note_reply(const proto::ClientReply& reply) {
  if (reply.check.status == proto::ReplyStatus::Ok) {
    last_problem_.clear();
  } else {
    last_problem_ = proto::describe(reply.check.status);
  }
}

void UpstreamPeer::take_kiss(core::UpstreamSource& s, uint32_t refid) {
  char code[5];
  codec::refid_to_ascii(refid, code);
  last_problem_ = std::string("kod ") + code;
  if (refid == codec::refid_from_ascii("RATE")) {
    s.on_rate_kiss(os::monotonic_ns());
    os::log::debug("upstream {}: Kiss-o'-Death RATE, polling every {} s", s.name(),
                   int64_t{1} << s.poll_log2());
  } else if (refid == codec::refid_from_ascii("DENY") || refid == codec::refid_from_ascii("RSTR")) {
    s.on_deny_kiss();
    outstanding_.clear();  // later answers are strays: this is logged once
    os::log::warn("upstream {} ({}): Kiss-o'-Death {} ({}): no longer polled", s.name(), address_.to_string(),
                  code, proto::describe_kiss(refid));
  }
}

void UpstreamPeer::report(const core::UpstreamSource& s, core::SampleVerdict verdict, int64_t offset_ns,
                          int64_t max_change_ns) {
  double offset_s = static_cast<double>(offset_ns) / 1e9;
  double max_s = static_cast<double>(max_change_ns) / 1e9;
  switch (verdict) {
    case core::SampleVerdict::Used: break;
    case core::SampleVerdict::Restarted:
      os::log::debug(
          "upstream {}: offset {:+.6f} s disagrees with its earlier samples; agreement starts again",
          s.name(), offset_s);
      break;
    case core::SampleVerdict::BeyondMaxChange:
      ++rejected_[kRejectedMaxChange];
      os::log::warn("upstream {}: offset {:+.3f} s is beyond --max-change {} s: not applied ({} in a row)",
                    s.name(), offset_s, max_s, s.strikes());
      break;
    case core::SampleVerdict::Falseticker:
      ++rejected_[kRejectedMaxChange];
      os::log::warn(
          "upstream {}: offset {:+.3f} s is beyond --max-change {} s, {} in a row: a falseticker, "
          "not followed",
          s.name(), offset_s, max_s, s.strikes());
      break;
  }
}

bool UpstreamPeer::note_reach(const core::UpstreamSource& s, bool was, int64_t now_mono) {
  if (s.reachable() == was) return false;
  reach_change_mono_ns_ = now_mono;
  if (s.reachable()) {
    if (ever_reached_) os::log::info("upstream {} ({}): reachable again", s.name(), address_.to_string());
    ever_reached_ = true;
  } else if (!s.stopped()) {
    os::log::warn(
        "upstream {} ({}): unreachable, no usable reply to its last {} polls; not counted until it "
        "answers",
        s.name(), address_.to_string(), core::kReachPolls);
  }
  return true;
}

core::PoolVerdict UpstreamPeer::judge(const core::UpstreamSource& s, bool outvoted, int64_t now_mono) {
  verdict_ = core::judge_pool_address(s, outvoted, now_mono, watch_);
  return verdict_;
}

std::string UpstreamPeer::state(const std::vector<core::UpstreamSource>& sources, size_t i,
                                const UpstreamFollower& follower, bool has_sample) const {
  if (sources[i].stopped()) return last_problem_ + ", not polled";
  return source_state(sources, i, follower, has_sample, last_problem_.empty() ? "no reply" : last_problem_);
}

bool describe_source(const core::UpstreamSource& s, int64_t now_ns, int64_t reach_change_ns,
                     UpstreamSnapshot& u) {
  u.reach = s.reach();
  u.reachable = s.reachable();
  u.reachable_since_ns = reach_change_ns;
  u.poll_s = int64_t{1} << s.poll_log2();
  auto b = s.best();
  if (!b) return false;
  u.offset_ns = b->sample.offset_ns;
  u.delay_ns = b->sample.delay_ns;
  u.stratum = b->stratum;
  u.last_sample_age_ns = now_ns - b->time_ns;
  return true;
}

std::string source_state(const std::vector<core::UpstreamSource>& sources, size_t i,
                         const UpstreamFollower& follower, bool has_sample, const std::string& no_sample) {
  const core::UpstreamSource& s = sources[i];
  const core::UpstreamSelection& sel = follower.selection();
  if (s.falseticker()) return "falseticker (beyond --max-change)";
  if (!has_sample) return no_sample;
  if (s.noselect()) return "names its pulse's second (not selected while the pulse answers)";
  if (!follower.synced() && !s.agreed()) {
    return fmt::format("{} of {} consistent samples", s.samples(), core::kAgreementSamples);
  }
  if (sel.problem == core::SelectProblem::BelowMinSources) return "waiting for --min-sources";
  bool chosen = sel.ok && i < sel.truechimer.size();
  if (chosen && sel.system_peer == i) return "sys_peer";
  if (chosen && sel.truechimer[i]) return "truechimer";
  return follower.synced() ? "falseticker" : "waiting for a majority";
}

UpstreamSnapshot UpstreamPeer::snapshot(const std::vector<core::UpstreamSource>& sources, size_t i,
                                        const UpstreamFollower& follower, int64_t now_ns,
                                        int64_t now_mono) const {
  const core::UpstreamSource& s = sources[i];
  UpstreamSnapshot u;
  u.server = s.name();
  u.address = address_.to_string();
  bool has_sample = describe_source(s, now_ns, now_ns - (now_mono - reach_change_mono_ns_), u);
  u.state = state(sources, i, follower, has_sample);
  u.rejected = rejected_;
  return u;
}

}  // namespace lansync::sntpd
