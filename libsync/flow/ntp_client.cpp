// NTP client queries; see ntp_client.hpp.
#include "flow/ntp_client.hpp"

#include <algorithm>

#include "core/filter.hpp"
#include "os/fd.hpp"
#include "os/net_udp.hpp"
#include "os/random.hpp"
#include "proto/client.hpp"

namespace lansync::flow {
namespace {

struct Good {
  proto::Sample sample;
  int64_t root_distance_ns;
  codec::NtpHeader header;
};

// Per-server state during the query.
struct Peer {
  os::UdpSocket socket;
  std::vector<proto::ClientSession> requests;
  std::vector<Good> good;
  bool stop_sending = false;  // after a kiss or a network error
  int64_t next_send_ns = 0;   // monotonic time the next request is due
  std::string icmp_error;     // the last ICMP error the socket reported (reported only if no reply came)
  ServerReport report;
};

// An error an ICMP message put on a connected UDP socket (port or host
// unreachable, refused).  Anyone on the path can forge one, so it ends
// nothing while the query has time left (RFC 1122 §4.1.3.3: a UDP
// application need not act on ICMP errors).
bool from_icmp(const os::Error& e) {
  return e.code == std::errc::connection_refused || e.code == std::errc::host_unreachable ||
         e.code == std::errc::network_unreachable || e.code == std::errc::connection_reset;
}

// How telling a failure status is, to choose which one to report.
int rank(proto::ReplyStatus s) {
  switch (s) {
    case proto::ReplyStatus::Unauthenticated:
    case proto::ReplyStatus::BadMac: return 5;
    case proto::ReplyStatus::KissOfDeath: return 4;
    case proto::ReplyStatus::Unsynchronized: return 3;
    case proto::ReplyStatus::RootDistanceTooLarge: return 2;
    case proto::ReplyStatus::BadTimestamps: return 1;
    default: return 0;
  }
}

void send_request(os::Clock& clock, Peer& peer, const QueryOptions& options) {
  uint64_t cookie = 0;
  os::random_bytes(&cookie, sizeof(cookie));
  proto::ClientSession session;
  uint8_t buf[codec::kHeaderSize + codec::kMaxV3MacSize];
  size_t size = session.write_request(cookie, buf, sizeof(buf), options.keys, options.key_id);
  if (size == 0) {  // the caller checked the key: not reached
    peer.report.error = "cannot sign the request with key " + std::to_string(options.key_id);
    peer.stop_sending = true;
    return;
  }
  session.note_sent(clock.now_ns());  // T1, immediately before the send
  auto sent = peer.socket.send(buf, size);
  ++peer.report.samples_sent;
  if (!sent && from_icmp(sent.error()) && !peer.requests.empty()) {
    // An ICMP error left on the socket by an earlier request: this one was not sent; go on.
    peer.icmp_error = sent.error().code.message();
    return;
  }
  if (!sent) {
    peer.report.error = sent.error().code.message();
    peer.stop_sending = true;
    return;
  }
  peer.requests.push_back(session);
}

// Keeps the most telling failure of the server's replies, for the report.
void note_failure(ServerReport& r, proto::ReplyStatus status, const codec::NtpHeader& h) {
  if (rank(status) < rank(r.status)) return;
  r.status = status;
  r.header = h;
}

void handle_datagram(Peer& peer, const uint8_t* data, size_t size, int64_t t4_ns) {
  proto::ClientReply reply =
      proto::receive_reply(peer.requests.data(), peer.requests.size(), data, size, t4_ns, t4_ns);
  proto::ReplyStatus status = reply.check.status;
  if (proto::is_ignorable(status)) return;  // stray bytes, a duplicate or not an answer to us
  ++peer.report.replies;
  const codec::NtpHeader& h = reply.header;
  if (status == proto::ReplyStatus::Ok) {
    peer.good.push_back({reply.check.sample, reply.check.root_distance_ns, h});
    return;
  }
  // A forgery is reported, but its request stays open: the genuine reply may still come.
  note_failure(peer.report, status, h);
  if (status == proto::ReplyStatus::KissOfDeath) {
    codec::refid_to_ascii(h.refid, peer.report.kiss_code);
    // RATE, DENY and RSTR mean: stop asking now, not retry at once.
    if (proto::kiss_demands_backoff(h.refid)) peer.stop_sending = true;
  }
}

bool finished(const Peer& p, int samples) {
  if (!p.report.error.empty()) return true;
  bool all_sent = p.stop_sending || p.report.samples_sent >= samples;
  bool all_answered = std::none_of(p.requests.begin(), p.requests.end(),
                                   [](const proto::ClientSession& s) { return s.waiting(); });
  return all_sent && all_answered;
}

void summarize(Peer& p) {
  ServerReport& r = p.report;
  r.samples_ok = static_cast<int>(p.good.size());
  if (p.good.empty() && r.error.empty() && r.status == proto::ReplyStatus::Ok && !p.icmp_error.empty())
    r.error = p.icmp_error + " (ICMP; no reply before the timeout)";
  if (p.good.empty()) return;
  std::vector<proto::Sample> samples;
  for (const Good& g : p.good) samples.push_back(g.sample);
  core::FilterResult f = core::filter_samples(samples.data(), samples.size());
  const Good& best = p.good[f.best];
  r.usable = true;
  r.status = proto::ReplyStatus::Ok;
  r.best = best.sample;
  r.jitter_ns = f.jitter_ns;
  r.root_distance_ns = best.root_distance_ns;
  r.header = best.header;
}

// One peer per server, its socket connected (or the reason it is not in its report).
std::vector<Peer> open_peers(const std::vector<os::SocketAddress>& servers) {
  std::vector<Peer> peers(servers.size());
  for (size_t i = 0; i < servers.size(); ++i) {
    Peer& p = peers[i];
    p.report.address = servers[i];
    auto sock = os::UdpSocket::open(servers[i].family());
    if (!sock) {
      p.report.error = sock.error().message;
      continue;
    }
    p.socket = std::move(*sock);
    if (auto st = p.socket.connect(servers[i]); !st) p.report.error = st.error().code.message();
  }
  return peers;
}

// Sends each request that is due at now_mono_ns, one per server at a time:
// the next goes out a spacing after this one, so a process held up (a loaded
// machine) resumes the burst at its pace, reading the replies (a kiss) between
// requests, instead of sending all it missed back to back.  When the next
// request is due (monotonic ns; deadline_mono_ns if none is).
int64_t send_due(os::Clock& clock, std::vector<Peer>& peers, const QueryOptions& options, int64_t now_mono_ns,
                 int64_t deadline_mono_ns) {
  int64_t next_send = deadline_mono_ns;
  for (Peer& p : peers) {
    if (!p.report.error.empty() || p.stop_sending || p.report.samples_sent >= options.samples) continue;
    if (p.next_send_ns <= now_mono_ns) {
      send_request(clock, p, options);
      p.next_send_ns = now_mono_ns + options.spacing_ns;
    }
    if (!p.stop_sending && p.report.samples_sent < options.samples)
      next_send = std::min(next_send, p.next_send_ns);
  }
  return next_send;
}

// Reads the datagrams waiting on a peer's socket (bounded: each read removes
// one), T4 from the kernel's timestamp where there is one.
void read_replies(os::Clock& clock, Peer& p) {
  uint8_t buf[1024];
  for (int n = 0; n < 64; ++n) {
    auto d = p.socket.receive(buf, sizeof(buf));
    if (!d) {
      if (from_icmp(d.error())) {
        p.icmp_error = d.error().code.message();  // e.g. ICMP port unreachable: wait on
      } else if (!os::would_block(d.error())) {
        p.report.error = d.error().code.message();
        p.stop_sending = true;
      }
      return;
    }
    if (d->truncated) continue;
    int64_t t4 = d->kernel_timestamp ? clock.from_system_ns(d->rx_ns) : clock.now_ns();
    handle_datagram(p, buf, d->size, t4);
  }
}

}  // namespace

std::vector<ServerReport> query_servers(os::Clock& clock, const std::vector<os::SocketAddress>& servers,
                                        const QueryOptions& options) {
  std::vector<Peer> peers = open_peers(servers);

  const int64_t start_mono_ns = os::monotonic_ns();
  const int64_t deadline_mono_ns = start_mono_ns + options.timeout_ns;
  std::vector<int> fds(peers.size());
  std::vector<bool> ready;
  for (;;) {
    const int64_t now_mono = os::monotonic_ns();
    if (now_mono >= deadline_mono_ns) break;
    int64_t next_send = send_due(clock, peers, options, now_mono, deadline_mono_ns);
    bool all_done =
        std::all_of(peers.begin(), peers.end(), [&](const Peer& p) { return finished(p, options.samples); });
    if (all_done) break;

    for (size_t i = 0; i < peers.size(); ++i)
      fds[i] = finished(peers[i], options.samples) ? -1 : peers[i].socket.fd();
    int64_t wait_ns = std::max<int64_t>(0, std::min(next_send, deadline_mono_ns) - os::monotonic_ns());
    // A nanosecond timeout keeps the burst on its schedule.
    if (!os::wait_readable(fds, wait_ns, &ready)) break;
    for (size_t i = 0; i < peers.size(); ++i) {
      if (ready[i]) read_replies(clock, peers[i]);
    }
  }

  std::vector<ServerReport> out;
  out.reserve(peers.size());
  for (Peer& p : peers) {
    summarize(p);
    out.push_back(p.report);
  }
  return out;
}

}  // namespace lansync::flow
