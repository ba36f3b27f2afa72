// NTP client queries; see ntp_client.hpp.
#include "os/ntp_client.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "proto/auth.hpp"
#include "core/filter.hpp"
#include "os/random.hpp"
#include "os/udp.hpp"

namespace lansync::os {
namespace {

struct Outstanding {
  core::Request request;
  bool answered = false;
};

struct Good {
  core::Sample sample;
  int64_t root_distance_ns;
  codec::NtpHeader header;
};

// Per-server state during the query.
struct Peer {
  UdpSocket socket;
  std::vector<Outstanding> requests;
  std::vector<Good> good;
  bool stop_sending = false;  // after a kiss or a network error
  ServerReport report;
};

// How telling a failure status is, to choose which one to report.
int rank(core::ReplyStatus s) {
  switch (s) {
    case core::ReplyStatus::Unauthenticated:
    case core::ReplyStatus::BadMac: return 5;
    case core::ReplyStatus::KissOfDeath: return 4;
    case core::ReplyStatus::Unsynchronized: return 3;
    case core::ReplyStatus::RootDistanceTooLarge: return 2;
    case core::ReplyStatus::BadTimestamps: return 1;
    default: return 0;
  }
}

codec::NtpTimestamp new_cookie() {
  codec::NtpTimestamp c;
  do {
    uint8_t bytes[8];
    random_bytes(bytes, sizeof(bytes));
    c = codec::load_timestamp(bytes);
  } while (c.is_zero());  // a zero transmit timestamp is invalid on the wire
  return c;
}

void send_request(Clock& clock, Peer& peer, const QueryOptions& options) {
  core::Request req;
  req.cookie = new_cookie();
  uint8_t buf[codec::kHeaderSize + codec::kMaxV3MacSize];
  size_t size = codec::encode(core::make_request_header(req.cookie), buf, sizeof(buf));
  if (options.keys != nullptr && options.key_id != 0) {
    // The transmit field is a cookie, not the clock: signing before T1 costs no accuracy.
    size = proto::sign_packet(buf, size, sizeof(buf), options.key_id, *options.keys);
    req.key_id = options.key_id;
  }
  if (size == 0) {  // the caller checked the key: not reached
    peer.report.error = "cannot sign the request with key " + std::to_string(options.key_id);
    peer.stop_sending = true;
    return;
  }
  req.t1_ns = clock.now_ns();  // T1, immediately before the send
  auto sent = peer.socket.send(buf, size);
  ++peer.report.samples_sent;
  if (!sent) {
    peer.report.error = sent.error().code.message();
    peer.stop_sending = true;
    return;
  }
  peer.requests.push_back({req});
}

void handle_datagram(Peer& peer, const uint8_t* data, size_t size, int64_t t4_ns,
                     const QueryOptions& options) {
  auto decoded = codec::decode(data, size);
  if (!decoded) return;  // not a packet of ours: stray bytes are ignored
  const codec::NtpHeader& h = decoded->header;
  auto match = std::find_if(peer.requests.begin(), peer.requests.end(), [&](const Outstanding& o) {
    return !o.answered && o.request.cookie == h.origin;
  });
  if (match == peer.requests.end()) return;  // a duplicate or not an answer to us
  proto::AuthCheck auth;
  if (match->request.key_id != 0) auth = proto::check_auth(data, *decoded, options.keys);
  core::ReplyCheck check = core::check_reply(h, match->request, t4_ns, auth);
  if (core::is_ignorable(check.status)) return;
  ++peer.report.replies;
  ServerReport& r = peer.report;
  if (check.status == core::ReplyStatus::Unauthenticated || check.status == core::ReplyStatus::BadMac) {
    // Reported, but the request stays open: the genuine reply may still come.
    if (rank(check.status) >= rank(r.status)) {
      r.status = check.status;
      r.header = h;
    }
    return;
  }
  match->answered = true;
  if (check.status == core::ReplyStatus::Ok) {
    peer.good.push_back({check.sample, check.root_distance_ns, h});
    return;
  }
  if (rank(check.status) >= rank(r.status)) {
    r.status = check.status;
    r.header = h;
  }
  if (check.status == core::ReplyStatus::KissOfDeath) {
    codec::refid_to_ascii(h.refid, r.kiss_code);
    // RATE, DENY and RSTR mean: stop asking now, not retry at once.
    if (core::kiss_demands_backoff(h.refid)) peer.stop_sending = true;
  }
}

bool finished(const Peer& p, int samples) {
  if (!p.report.error.empty()) return true;
  bool all_sent = p.stop_sending || p.report.samples_sent >= samples;
  bool all_answered =
      std::all_of(p.requests.begin(), p.requests.end(), [](const Outstanding& o) { return o.answered; });
  return all_sent && all_answered;
}

void summarize(Peer& p) {
  ServerReport& r = p.report;
  r.samples_ok = static_cast<int>(p.good.size());
  if (p.good.empty()) return;
  std::vector<core::Sample> samples;
  for (const Good& g : p.good) samples.push_back(g.sample);
  core::FilterResult f = core::filter_samples(samples.data(), samples.size());
  const Good& best = p.good[f.best];
  r.usable = true;
  r.status = core::ReplyStatus::Ok;
  r.best = best.sample;
  r.jitter_ns = f.jitter_ns;
  r.root_distance_ns = best.root_distance_ns;
  r.header = best.header;
}

}  // namespace

std::vector<ServerReport> query_servers(Clock& clock, const std::vector<SocketAddress>& servers,
                                        const QueryOptions& options) {
  std::vector<Peer> peers(servers.size());
  for (size_t i = 0; i < servers.size(); ++i) {
    Peer& p = peers[i];
    p.report.address = servers[i];
    auto sock = UdpSocket::open(servers[i].family());
    if (!sock) {
      p.report.error = sock.error().message;
      continue;
    }
    p.socket = std::move(*sock);
    if (auto st = p.socket.connect(servers[i]); !st) p.report.error = st.error().code.message();
  }

  const int64_t start = monotonic_ns();
  const int64_t deadline = start + options.timeout_ns;
  std::vector<pollfd> fds(peers.size());
  for (;;) {
    int64_t now = monotonic_ns();
    if (now >= deadline) break;
    // Send every request that is due; the k-th goes out at start + k * spacing.
    int64_t next_send = deadline;
    for (Peer& p : peers) {
      if (!p.report.error.empty() || p.stop_sending) continue;
      while (p.report.samples_sent < options.samples &&
             start + p.report.samples_sent * options.spacing_ns <= now) {
        send_request(clock, p, options);
        if (p.stop_sending) break;
      }
      if (!p.stop_sending && p.report.samples_sent < options.samples) {
        next_send = std::min(next_send, start + p.report.samples_sent * options.spacing_ns);
      }
    }
    bool all_done =
        std::all_of(peers.begin(), peers.end(), [&](const Peer& p) { return finished(p, options.samples); });
    if (all_done) break;

    for (size_t i = 0; i < peers.size(); ++i) {
      fds[i] = {finished(peers[i], options.samples) ? -1 : peers[i].socket.fd(), POLLIN, 0};
    }
    int64_t wait_ns = std::max<int64_t>(0, std::min(next_send, deadline) - monotonic_ns());
    // ppoll: a nanosecond timeout keeps the burst on its schedule.
    timespec wait{static_cast<time_t>(wait_ns / 1'000'000'000), static_cast<long>(wait_ns % 1'000'000'000)};
    int rc = ::ppoll(fds.data(), fds.size(), &wait, nullptr);
    if (rc < 0 && errno != EINTR) break;
    for (size_t i = 0; i < peers.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      Peer& p = peers[i];
      uint8_t buf[1024];
      // Drain the socket; bounded because each read removes a datagram.
      for (int n = 0; n < 64; ++n) {
        auto d = p.socket.receive(buf, sizeof(buf));
        if (!d) {
          if (!would_block(d.error())) {
            p.report.error = d.error().code.message();  // e.g. ICMP port unreachable
            p.stop_sending = true;
          }
          break;
        }
        if (d->truncated) continue;
        int64_t t4 = d->kernel_timestamp ? clock.from_system_ns(d->rx_ns) : clock.now_ns();
        handle_datagram(p, buf, d->size, t4, options);
      }
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

}  // namespace lansync::os
