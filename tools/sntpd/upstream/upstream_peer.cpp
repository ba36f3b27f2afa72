// One polled address of an --upstream name; see upstream_peer.hpp.
#include "upstream/upstream_peer.hpp"

#include <fmt/core.h>

#include <cmath>

#include "codec/ntp_packet.hpp"
#include "os/log.hpp"
#include "os/random.hpp"
#include "upstream/upstream_status.hpp"

namespace lansync::sntpd {
namespace {

// Logs what the guards made of a sample of s at offset_ns (max_change_ns: --max-change).
void log_verdict(const core::UpstreamSource& s, core::SampleVerdict verdict, int64_t offset_ns,
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
      os::log::warn("upstream {}: offset {:+.3f} s is beyond --max-change {} s: not applied ({} in a row)",
                    s.name(), offset_s, max_s, s.strikes());
      break;
    case core::SampleVerdict::Falseticker:
      os::log::warn(
          "upstream {}: offset {:+.3f} s is beyond --max-change {} s, {} in a row: a falseticker, "
          "not followed",
          s.name(), offset_s, max_s, s.strikes());
      break;
  }
}

}  // namespace

UpstreamPeer::UpstreamPeer(const os::SocketAddress& address, os::UdpSocket socket, size_t name)
    : address_(address), socket_(std::move(socket)), name_(name) {}

os::Status UpstreamPeer::reconnect(const os::SocketAddress& ntp) {
  auto sock = os::UdpSocket::open(ntp.family());
  if (!sock) return fail(sock.error());
  if (auto st = sock->connect(ntp); !st) return st;
  socket_ = std::move(*sock);
  return os::ok();
}

core::SourceAction UpstreamPeer::transmit(core::UpstreamSource& s, os::Clock& clock, int64_t now_mono) {
  uint64_t cookie = 0;
  os::random_bytes(&cookie, sizeof(cookie));
  uint32_t spread = 0;  // its own draw: the cookie goes on the wire
  os::random_bytes(&spread, sizeof(spread));
  uint8_t buf[proto::kMaxNtsRequestSize];
  core::SourceAction a = s.poll(now_mono, cookie, buf, sizeof(buf), std::ldexp(spread, -32));
  if (a.send_size == 0) return a;
  if (nts_) {
    // Sealed, or not sent at all: never unauthenticated to a server named nts.
    a.send_size = nts_->seal(buf, a.send_size, sizeof(buf), now_mono);
    if (a.send_size == 0) {
      s.send_failed(nts_->not_ready_why());
      return a;
    }
  }
  int64_t t1_ns = clock.now_ns();  // immediately before the send
  if (auto st = socket_.send(buf, a.send_size); !st) {
    s.send_failed(st.error().code.message());
    os::log::debug("upstream {}: {}", s.name(), st.error().message);
  } else {
    s.sent(t1_ns);
  }
  return a;
}

std::optional<size_t> UpstreamPeer::read(core::UpstreamSource& s, os::Clock& clock, uint8_t* buf, size_t cap,
                                         int64_t* t4_ns, int* budget) {
  if (*budget <= 0) return std::nullopt;
  --*budget;
  auto d = socket_.receive(buf, cap);
  if (!d) {
    if (!os::would_block(d.error())) s.note_problem(d.error().code.message());
    return std::nullopt;
  }
  *t4_ns = d->kernel_timestamp ? clock.from_system_ns(d->rx_ns) : clock.now_ns();
  return d->truncated ? 0 : d->size;
}

void UpstreamPeer::log(const core::UpstreamSource& s, const core::SourceAction& a,
                       int64_t max_change_ns) const {
  using core::SourceEvent;
  switch (a.event) {
    case SourceEvent::None:
    case SourceEvent::NotUsable: break;
    case SourceEvent::Ignored: os::log::debug("upstream {}: {}", s.name(), proto::describe(a.status)); break;
    case SourceEvent::Forged:
    case SourceEvent::CannotSign: os::log::debug("upstream {}: {}", s.name(), s.problem()); break;
    case SourceEvent::KissRate:
      os::log::debug("upstream {}: Kiss-o'-Death RATE, polling every {} s", s.name(),
                     int64_t{1} << s.poll_log2());
      break;
    case SourceEvent::KissStop: {
      char code[5];
      codec::refid_to_ascii(a.kiss, code);
      os::log::warn("upstream {} ({}): Kiss-o'-Death {} ({}): no longer polled", s.name(),
                    address_.to_string(), code, proto::describe_kiss(a.kiss));
      break;
    }
    case SourceEvent::Sample: log_verdict(s, a.verdict, a.sample.sample.offset_ns, max_change_ns); break;
  }
  switch (a.reach) {
    case core::ReachEvent::Same:
    case core::ReachEvent::Reached: break;
    case core::ReachEvent::Again:
      os::log::info("upstream {} ({}): reachable again", s.name(), address_.to_string());
      break;
    case core::ReachEvent::Unreachable:
      os::log::warn(
          "upstream {} ({}): unreachable, no usable reply to its last {} polls; not counted until it "
          "answers",
          s.name(), address_.to_string(), core::kReachPolls);
      break;
    case core::ReachEvent::NeverAnswered:
      os::log::warn("upstream {} ({}): no usable reply to its first {} polls; not counted until it answers",
                    s.name(), address_.to_string(), core::kReachPolls);
      break;
  }
}

core::PoolVerdict UpstreamPeer::judge(const core::UpstreamSource& s, bool outvoted, int64_t now_mono) {
  verdict_ = core::judge_pool_address(s, outvoted, now_mono, watch_);
  return verdict_;
}

UpstreamSnapshot UpstreamPeer::snapshot(const std::vector<core::UpstreamSource>& sources, size_t i,
                                        const UpstreamFollower& follower, int64_t now_ns,
                                        int64_t now_mono) const {
  const core::UpstreamSource& s = sources[i];
  UpstreamSnapshot u;
  u.server = s.name();
  u.address = address_.to_string();
  bool has_sample = describe_source(s, now_ns, now_ns - (now_mono - s.reach_change_mono_ns()), u);
  const std::string& problem = s.problem();
  u.state = s.stopped()
                ? problem + ", not polled"
                : source_state(sources, i, follower, has_sample, problem.empty() ? "no reply" : problem);
  u.rejected = s.rejected();
  if (nts_) u.nts = nts_->snapshot();
  return u;
}

}  // namespace lansync::sntpd
