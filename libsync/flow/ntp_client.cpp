// NTP client queries: the sockets and the loop around core::ServerProbe; see ntp_client.hpp.
#include "flow/ntp_client.hpp"

#include <algorithm>

#include "os/fd.hpp"
#include "os/net_udp.hpp"
#include "os/random.hpp"

namespace lansync::flow {
namespace {

// One server during the query: its socket and its burst.
struct Peer {
  os::UdpSocket socket;
  core::ServerProbe probe;
};

// Sends the peer's request due at now_mono_ns, with a random cookie, T1 read immediately before.
void send_request(os::Clock& clock, Peer& peer, int64_t now_mono_ns) {
  uint64_t cookie = 0;
  os::random_bytes(&cookie, sizeof(cookie));
  uint8_t buf[core::kMaxProbeRequestSize];
  size_t size = peer.probe.write_request(now_mono_ns, cookie, buf, sizeof(buf));
  if (size == 0) return;
  const int64_t t1_ns = clock.now_ns();
  auto sent = peer.socket.send(buf, size);
  if (sent)
    peer.probe.sent(t1_ns);
  else
    peer.probe.send_failed(sent.error().code.message(), os::from_icmp(sent.error()));
}

// One peer per server, its socket connected (or the reason it is not in its probe).
std::vector<Peer> open_peers(const std::vector<os::SocketAddress>& servers, const QueryOptions& options) {
  std::vector<Peer> peers;
  peers.reserve(servers.size());
  for (const os::SocketAddress& server : servers) {
    peers.push_back(Peer{os::UdpSocket(), core::ServerProbe(options)});
    Peer& p = peers.back();
    auto sock = os::UdpSocket::open(server.family());
    if (!sock) {
      p.probe.network_error(sock.error().message);
      continue;
    }
    p.socket = std::move(*sock);
    if (auto st = p.socket.connect(server); !st) p.probe.network_error(st.error().code.message());
  }
  return peers;
}

// Sends each request that is due at now_mono_ns (the probe spaces a server's
// requests).  When the next request is due (monotonic ns; deadline_mono_ns if
// none is).
int64_t send_due(os::Clock& clock, std::vector<Peer>& peers, int64_t now_mono_ns, int64_t deadline_mono_ns) {
  int64_t next_send_ns = deadline_mono_ns;
  for (Peer& p : peers) {
    if (p.probe.due(now_mono_ns)) send_request(clock, p, now_mono_ns);
    next_send_ns = std::min(next_send_ns, p.probe.next_send_ns());
  }
  return next_send_ns;
}

// Reads the datagrams waiting on a peer's socket (bounded: each read removes
// one), T4 from the kernel's timestamp where there is one.
void read_replies(os::Clock& clock, Peer& p) {
  uint8_t buf[1024];
  for (int n = 0; n < 64; ++n) {
    auto d = p.socket.receive(buf, sizeof(buf));
    if (!d) {
      if (os::from_icmp(d.error())) {
        p.probe.icmp_error(d.error().code.message());  // e.g. ICMP port unreachable: wait on
      } else if (!os::would_block(d.error())) {
        p.probe.network_error(d.error().code.message());
      }
      return;
    }
    if (d->truncated) continue;
    int64_t t4_ns = d->kernel_timestamp ? clock.from_system_ns(d->rx_ns) : clock.now_ns();
    p.probe.receive(buf, d->size, t4_ns);
  }
}

// Every server's burst is over (an error, or all sent and answered).
bool all_finished(const std::vector<Peer>& peers) {
  return std::all_of(peers.begin(), peers.end(), [](const Peer& p) { return p.probe.finished(); });
}

}  // namespace

std::vector<ServerReport> query_servers(os::Clock& clock, const std::vector<os::SocketAddress>& servers,
                                        const QueryOptions& options) {
  std::vector<Peer> peers = open_peers(servers, options);

  const int64_t start_mono_ns = os::monotonic_ns();
  const int64_t deadline_mono_ns = start_mono_ns + options.timeout_ns;
  std::vector<int> fds(peers.size());
  std::vector<bool> ready;
  for (;;) {
    const int64_t now_mono = os::monotonic_ns();
    if (now_mono >= deadline_mono_ns) break;
    int64_t next_send_ns = send_due(clock, peers, now_mono, deadline_mono_ns);
    if (all_finished(peers)) break;

    for (size_t i = 0; i < peers.size(); ++i) fds[i] = peers[i].probe.finished() ? -1 : peers[i].socket.fd();
    int64_t wait_ns = std::max<int64_t>(0, std::min(next_send_ns, deadline_mono_ns) - os::monotonic_ns());
    // A nanosecond timeout keeps the burst on its schedule.
    if (!os::wait_readable(fds, wait_ns, &ready)) break;
    for (size_t i = 0; i < peers.size(); ++i) {
      if (ready[i]) read_replies(clock, peers[i]);
    }
  }

  std::vector<ServerReport> out(peers.size());
  for (size_t i = 0; i < peers.size(); ++i) {
    static_cast<core::ProbeReport&>(out[i]) = peers[i].probe.report();
    out[i].address = servers[i];
  }
  return out;
}

}  // namespace lansync::flow
