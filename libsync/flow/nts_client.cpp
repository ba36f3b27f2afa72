// Querying an NTS server; see nts_client.hpp.
#include "flow/nts_client.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "codec/nts_packet.hpp"
#include "os/crypto_siv.hpp"
#include "os/fd.hpp"
#include "os/net_nts_ke.hpp"
#include "os/net_udp.hpp"
#include "os/random.hpp"
#include "proto/nts_session.hpp"

namespace lansync::flow {
namespace {

// The burst to the NTP server the key exchange named.
struct NtsPeer {
  os::UdpSocket socket;
  core::ServerProbe probe;
  os::SivKey c2s;
  os::SivKey s2c;
  proto::NtsSession session;  // the cookies and the requests in flight
  os::SocketAddress address;  // the NTP server's
};

// The NTP server to query: the one the key exchange named (its port, else 123), else the key
// exchange's own address on that port (RFC 8915 §4.1.7, §4.1.8).
os::OsResult<os::SocketAddress> ntp_address(const os::SocketAddress& ke, const codec::NtsKeResponse& r) {
  uint16_t port = r.port != 0 ? r.port : 123;
  os::HostPort hp{r.server[0] != '\0' ? std::string(r.server) : ke.ip(), port};
  auto addresses = os::resolve(hp);
  if (!addresses) return fail(addresses.error());
  return addresses->front();
}

// Sends the request due at now_mono_ns with the oldest cookie; T1 read immediately before.
void send_request(os::Clock& clock, NtsPeer& p, int64_t now_mono_ns) {
  uint64_t cookie = 0;
  os::random_bytes(&cookie, sizeof(cookie));
  uint8_t buf[proto::kMaxNtsRequestSize];
  size_t size = p.probe.write_request(now_mono_ns, cookie, buf, sizeof(buf));
  if (size == 0) return;
  uint8_t unique_id[codec::kNtsUniqueIdSize];
  os::random_bytes(unique_id, sizeof(unique_id));
  uint8_t nonce[codec::kNtsNonceSize];
  os::random_bytes(nonce, sizeof(nonce));
  size = p.session.seal_request(buf, size, sizeof(buf), unique_id, nonce, p.c2s);
  if (size == 0) {
    p.probe.network_error("cannot seal the NTS request");
    return;
  }
  const int64_t t1_ns = clock.now_ns();
  auto done = p.socket.send(buf, size);
  if (!done) {
    p.probe.send_failed(done.error().code.message(), os::from_icmp(done.error()));
    return;
  }
  p.probe.sent(t1_ns);
}

// Checks a datagram's NTS fields against the request whose cookie it echoes; only an
// authenticated reply, or a kiss NTSN that echoes our identifier, reaches the probe.
void receive(NtsPeer& p, const uint8_t* data, size_t size, int64_t t4_ns) {
  auto layout = codec::decode(data, size);
  if (!layout) return;
  switch (p.session.judge_reply(data, *layout, p.s2c)) {
    case proto::NtsReplyStatus::Ok: p.probe.receive(data, size, t4_ns); return;
    case proto::NtsReplyStatus::Nak:
      p.probe.receive(data, size, t4_ns);  // a Kiss-o'-Death NTSN: the probe keeps its code
      p.probe.stop_sending();              // our cookies are no longer taken: a new key exchange is needed
      return;
    case proto::NtsReplyStatus::NotOurs: return;
    case proto::NtsReplyStatus::Unauthenticated:
      p.probe.refused(proto::ReplyStatus::Unauthenticated, layout->header);
      return;
    case proto::NtsReplyStatus::BadAuthenticator:
      p.probe.refused(proto::ReplyStatus::BadMac, layout->header);
      return;
  }
}

// Reads the datagrams waiting (bounded: each read removes one), T4 from the kernel's timestamp.
void read_replies(os::Clock& clock, NtsPeer& p) {
  uint8_t buf[2048];
  for (int n = 0; n < 64; ++n) {
    auto d = p.socket.receive(buf, sizeof(buf));
    if (!d) {
      if (os::from_icmp(d.error())) {
        p.probe.icmp_error(d.error().code.message());
      } else if (!os::would_block(d.error())) {
        p.probe.network_error(d.error().code.message());
      }
      return;
    }
    if (d->truncated) continue;
    receive(p, buf, d->size, d->kernel_timestamp ? clock.from_system_ns(d->rx_ns) : clock.now_ns());
  }
}

// The burst: requests as the probe spaces them, while cookies last, until all are answered or the timeout.
void run_burst(os::Clock& clock, NtsPeer& p, int64_t timeout_ns) {
  const int64_t deadline_mono_ns = os::monotonic_ns() + timeout_ns;
  std::vector<int> fds{p.socket.fd()};
  std::vector<bool> ready;
  // Each pass sends, or waits for a datagram or the next send: bounded by the deadline.
  for (int pass = 0; pass < 100'000; ++pass) {
    const int64_t now_mono_ns = os::monotonic_ns();
    if (now_mono_ns >= deadline_mono_ns) break;
    if (p.session.cookies() > 0 && p.probe.due(now_mono_ns)) send_request(clock, p, now_mono_ns);
    if (p.probe.finished()) break;
    int64_t next_mono_ns =
        p.session.cookies() > 0 ? std::min(p.probe.next_send_ns(), deadline_mono_ns) : deadline_mono_ns;
    if (!os::wait_readable(fds, std::max<int64_t>(0, next_mono_ns - os::monotonic_ns()), &ready)) break;
    if (ready[0]) read_replies(clock, p);
  }
}

// The peer for the key exchange's result: keys, cookies and a socket connected to the NTP server.
os::OsResult<std::unique_ptr<NtsPeer>> open_peer(const os::SocketAddress& ke, const os::NtsKeResult& keys,
                                                 const NtsQueryOptions& options) {
  core::ProbeOptions probe;
  probe.samples = options.samples;
  probe.spacing_ns = options.spacing_ns;
  auto c2s = os::SivKey::create(keys.c2s_key.data(), keys.c2s_key.size());
  if (!c2s) return fail(c2s.error());
  auto s2c = os::SivKey::create(keys.s2c_key.data(), keys.s2c_key.size());
  if (!s2c) return fail(s2c.error());
  auto address = ntp_address(ke, *keys.response);
  if (!address) return fail(address.error());
  auto socket = os::UdpSocket::open(address->family());
  if (!socket) return fail(socket.error());
  auto peer =
      std::unique_ptr<NtsPeer>(new NtsPeer{std::move(*socket), core::ServerProbe(probe), std::move(*c2s),
                                           std::move(*s2c), proto::NtsSession(), *address});
  if (auto st = peer->socket.connect(*address); !st) return fail(st.error());
  peer->session.start(keys.response->cookies, keys.response->cookie_count);
  return peer;
}

}  // namespace

os::OsResult<ServerReport> query_nts_server(os::Clock& clock, const os::SocketAddress& ke_address,
                                            const NtsQueryOptions& options) {
  os::NtsKeOptions ke;
  ke.server_name = options.server_name;
  ke.ca_file = options.ca_file;
  ke.timeout_ns = options.ke_timeout_ns;
  auto keys = os::nts_key_exchange(ke_address, ke);
  if (!keys) return fail(keys.error());
  auto peer = open_peer(ke_address, *keys, options);
  if (!peer) return fail(peer.error());
  NtsPeer& p = **peer;
  run_burst(clock, p, options.timeout_ns);
  ServerReport out;
  static_cast<core::ProbeReport&>(out) = p.probe.report();
  out.address = p.address;
  out.nts = true;
  out.nts_cookies = static_cast<int>(p.session.cookies());
  return out;
}

}  // namespace lansync::flow
