// ntp_loadgen: a bounded NTP load generator and a careful measuring client, for the benchmarks.
//
//   ntp_loadgen load SERVER:PORT --rate R --duration S [--clients N] [--keys FILE --key ID]
//                                [--nts KE_ADDR:PORT --nts-ca FILE]
//       sends client requests at R per second for S seconds (sendmmsg, in
//       1 ms batches), from N distinct source addresses 127.1.x.y (IP_PKTINFO),
//       and counts the valid replies (recvmmsg).  With a key, every request
//       carries a MAC by it and only replies with a valid MAC by the same key
//       count as valid.  With --nts, one NTS key exchange first (TLS 1.3, the
//       certificate checked against the CA file for 127.0.0.1); then every request
//       carries a unique identifier of its own, the exchange's first cookie (a
//       server keeps no record of the cookies it took: each request costs it the
//       full work of a new one) and an authenticator by the client-to-server key,
//       and only replies that echo the identifier and open with the
//       server-to-client key count as valid.  Prints one JSON line.
//   ntp_loadgen ke KE_ADDR:PORT --count N --nts-ca FILE
//       runs N NTS key exchanges one after another (at most 120 s) and prints how
//       many succeeded and how many per second, as one JSON line.
//   ntp_loadgen probe SERVER:PORT --count N [--interval-ms M]
//       sends N single requests M ms apart, each timed with T1 read just before
//       the send and the kernel's receive timestamp as T4, and prints the
//       distribution of |offset| (and the signed median) and of delay, and how
//       many replies were out of order (|offset| > delay/2: on one clock, a
//       reply that claims to have left after it arrived), as one JSON line.
//
// Loopback only: the server must be a 127.0.0.0/8 address.  Rates are capped
// at 2 M/s, durations at 120 s, counts at 1 M.  It never touches the clock.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "codec/ntp_packet.hpp"
#include "codec/nts_packet.hpp"
#include "core/exchange.hpp"
#include "os/crypto_keys.hpp"
#include "os/crypto_siv.hpp"
#include "os/net_nts_ke.hpp"
#include "os/random.hpp"
#include "proto/auth.hpp"
#include "proto/nts.hpp"

namespace {

using lansync::codec::NtpTimestamp;

int64_t now_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "ntp_loadgen: %s\n", what);
  std::exit(2);
}

sockaddr_in parse_server(const char* text) {
  std::string s = text;
  auto colon = s.rfind(':');
  if (colon == std::string::npos) die("server must be ADDR:PORT");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(std::atoi(s.substr(colon + 1).c_str())));
  if (inet_pton(AF_INET, s.substr(0, colon).c_str(), &a.sin_addr) != 1) die("server must be an IPv4 address");
  if ((ntohl(a.sin_addr.s_addr) >> 24) != 127) die("loopback only: the server must be in 127.0.0.0/8");
  return a;
}

const char* arg_text(int argc, char** argv, const char* name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return nullptr;
}

double arg_double(int argc, char** argv, const char* name, double fallback) {
  const char* text = arg_text(argc, argv, name);
  return text != nullptr ? std::atof(text) : fallback;
}

// What an NTS key exchange gave: the two keys and the cookie every request carries.
struct NtsSession {
  lansync::os::SivKey c2s;
  lansync::os::SivKey s2c;
  lansync::codec::NtsCookie cookie;
  uint8_t unique_id[lansync::codec::kNtsUniqueIdSize] = {};  // its first 8 bytes: the request's cookie
};

// A signing key for the requests (keys null: unsigned), or an NTS session (nts null: none).
struct Signing {
  const lansync::proto::MacKeys* keys = nullptr;
  uint32_t key_id = 0;
  NtsSession* nts = nullptr;
};

// The unique identifier of the request whose transmit field is cookie.
const uint8_t* unique_id_of(NtsSession& nts, uint64_t cookie) {
  std::memcpy(nts.unique_id, &cookie, sizeof(cookie));
  return nts.unique_id;
}

// Writes a request into out (room for a MAC or NTS's fields); returns its size.
size_t make_request(uint8_t* out, size_t cap, uint64_t cookie, const Signing& sign = {}) {
  lansync::codec::NtpHeader h = lansync::proto::make_request_header(NtpTimestamp::from_raw(cookie));
  size_t size = lansync::codec::encode(h, out, cap);
  if (sign.keys != nullptr) size = lansync::proto::sign_packet(out, size, cap, sign.key_id, *sign.keys);
  if (sign.nts != nullptr) {
    uint8_t nonce[lansync::codec::kNtsNonceSize];
    lansync::os::random_bytes(nonce, sizeof(nonce));
    size = lansync::proto::append_nts_request(out, size, cap, unique_id_of(*sign.nts, cookie),
                                              sign.nts->cookie, 0, nonce, sign.nts->c2s);
  }
  return size;
}

// Whether a decoded reply is valid under sign: a MAC by the key, or NTS's authenticator.
bool reply_valid(const uint8_t* data, const lansync::codec::PacketLayout& d, const Signing& sign) {
  if (sign.keys != nullptr) {
    lansync::proto::AuthCheck a = lansync::proto::check_auth(data, d, sign.keys);
    return a.status == lansync::proto::AuthStatus::Ok && a.key_id == sign.key_id;
  }
  if (sign.nts != nullptr) {
    static lansync::proto::NtsReply reply;  // one thread; its cookies are not kept
    lansync::proto::check_nts_reply(data, d, unique_id_of(*sign.nts, d.header.origin.raw()), sign.nts->s2c,
                                    &reply);
    return reply.status == lansync::proto::NtsReplyStatus::Ok;
  }
  return true;
}

int load(const sockaddr_in& server, double rate, double duration_s, int clients, const Signing& sign) {
  constexpr int kBatch = 256;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int big = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
  sockaddr_in any{};
  any.sin_family = AF_INET;
  if (bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof(any)) != 0) die("cannot bind");

  static uint8_t out[kBatch][lansync::proto::kMaxNtsRequestSize];
  static uint8_t in[kBatch][2048];
  static char ctl[kBatch][CMSG_SPACE(sizeof(in_pktinfo))];
  mmsghdr sends[kBatch]{};
  mmsghdr recvs[kBatch]{};
  iovec send_iov[kBatch], recv_iov[kBatch];
  for (int i = 0; i < kBatch; ++i) {
    send_iov[i] = {out[i], 48};
    sends[i].msg_hdr.msg_name = const_cast<sockaddr_in*>(&server);
    sends[i].msg_hdr.msg_namelen = sizeof(server);
    sends[i].msg_hdr.msg_iov = &send_iov[i];
    sends[i].msg_hdr.msg_iovlen = 1;
    recv_iov[i] = {in[i], sizeof(in[i])};
    recvs[i].msg_hdr.msg_iov = &recv_iov[i];
    recvs[i].msg_hdr.msg_iovlen = 1;
  }
  uint64_t sent = 0, received = 0, valid = 0, seq = 0;
  int64_t start = now_ns(CLOCK_MONOTONIC);
  int64_t end = start + static_cast<int64_t>(duration_s * 1e9);
  auto drain = [&] {
    for (;;) {
      int n = recvmmsg(fd, recvs, kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) return;
      for (int i = 0; i < n; ++i) {
        ++received;
        auto d = lansync::codec::decode(in[i], recvs[i].msg_len);
        if (!d || d->header.mode != lansync::codec::Mode::Server || d->header.stratum == 0) continue;
        if (reply_valid(in[i], *d, sign)) ++valid;
      }
    }
  };
  while (true) {
    int64_t now = now_ns(CLOCK_MONOTONIC);
    if (now >= end) break;
    // Requests due by now, on a fixed schedule: no catching up beyond one batch.
    auto due = static_cast<uint64_t>(static_cast<double>(now - start) * rate / 1e9);
    while (sent < due) {
      int n = static_cast<int>(std::min<uint64_t>(kBatch, due - sent));
      for (int i = 0; i < n; ++i) {
        send_iov[i].iov_len = make_request(out[i], sizeof(out[i]), ++seq | 0x8000000000000000ULL, sign);
        if (clients > 1) {
          uint32_t c =
              static_cast<uint32_t>((sent + static_cast<uint64_t>(i)) % static_cast<uint64_t>(clients));
          in_pktinfo pi{};
          pi.ipi_spec_dst.s_addr = htonl((127u << 24) | (1u << 16) | (c + 1));
          sends[i].msg_hdr.msg_control = ctl[i];
          sends[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
          cmsghdr* cm = CMSG_FIRSTHDR(&sends[i].msg_hdr);
          cm->cmsg_level = IPPROTO_IP;
          cm->cmsg_type = IP_PKTINFO;
          cm->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
          std::memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
        }
      }
      int done = sendmmsg(fd, sends, static_cast<unsigned>(n), 0);
      if (done <= 0) break;  // socket buffer full: count what went, try again later
      sent += static_cast<uint64_t>(done);
    }
    drain();
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, 1);
  }
  // Late replies: wait up to 200 ms for the queue to empty.
  int64_t grace = now_ns(CLOCK_MONOTONIC) + 200'000'000;
  while (now_ns(CLOCK_MONOTONIC) < grace && valid < sent) {
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, 10);
    drain();
  }
  double elapsed = static_cast<double>(now_ns(CLOCK_MONOTONIC) - start) / 1e9;
  std::printf("{\"rate\":%.0f,\"duration_s\":%.3f,\"clients\":%d,\"key_id\":%u,\"sent\":%" PRIu64
              ",\"received\":%" PRIu64 ",\"valid\":%" PRIu64 ",\"answered\":%.5f}\n",
              rate, elapsed, clients, sign.key_id, sent, received, valid,
              sent ? static_cast<double>(valid) / static_cast<double>(sent) : 0.0);
  close(fd);
  return 0;
}

int probe(const sockaddr_in& server, int count, double interval_ms) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof(server)) != 0) die("cannot connect");
  timeval tv{0, 200'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::vector<double> offsets_us, signed_us, delays_us;
  // Client and server read one clock: a reply whose offset lies outside
  // +-delay/2 claims a receive time before the request left or a transmit time
  // after the reply arrived.
  int out_of_order = 0;
  uint64_t cookie = static_cast<uint64_t>(now_ns(CLOCK_MONOTONIC)) | 1;
  for (int k = 0; k < count; ++k) {
    uint8_t req[48];
    lansync::proto::Request r;
    r.cookie = NtpTimestamp::from_raw(++cookie);
    make_request(req, sizeof(req), cookie);
    r.t1_ns = now_ns(CLOCK_REALTIME);
    if (send(fd, req, sizeof(req), 0) != 48) continue;
    uint8_t buf[128];
    alignas(cmsghdr) char control[128];
    iovec iov{buf, sizeof(buf)};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof(control);
    ssize_t n = recvmsg(fd, &m, 0);
    if (n > 0) {
      int64_t t4 = 0;
      for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts;
          std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
          t4 = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
        }
      }
      auto d = lansync::codec::decode(buf, static_cast<size_t>(n));
      if (d && t4 != 0) {
        lansync::proto::ReplyCheck c = lansync::proto::check_reply(d->header, r, t4);
        if (c.status == lansync::proto::ReplyStatus::Ok) {
          offsets_us.push_back(std::fabs(static_cast<double>(c.sample.offset_ns)) / 1e3);
          signed_us.push_back(static_cast<double>(c.sample.offset_ns) / 1e3);
          delays_us.push_back(static_cast<double>(c.sample.delay_ns) / 1e3);
          if (2 * std::llabs(c.sample.offset_ns) > c.sample.delay_ns) ++out_of_order;
        }
      }
    }
    usleep(static_cast<useconds_t>(interval_ms * 1000));
  }
  auto pct = [](std::vector<double> v, double p) -> double {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
  };
  std::printf(
      "{\"count\":%d,\"ok\":%zu,\"offset_us_p50\":%.3f,\"offset_us_p99\":%.3f,\"offset_us_max\":%.3f,"
      "\"offset_us_signed_p50\":%.3f,\"delay_us_p50\":%.3f,\"delay_us_p99\":%.3f,\"out_of_order\":%d}\n",
      count, offsets_us.size(), pct(offsets_us, 0.5), pct(offsets_us, 0.99), pct(offsets_us, 1.0),
      pct(signed_us, 0.5), pct(delays_us, 0.5), pct(delays_us, 0.99), out_of_order);
  close(fd);
  return 0;
}

// The NTS-KE server at text (ADDR:PORT, loopback), its certificate checked against ca_file.
lansync::os::SocketAddress ke_address(const char* text) {
  sockaddr_in a = parse_server(text);
  return lansync::os::SocketAddress(reinterpret_cast<const sockaddr*>(&a), sizeof(a));
}

lansync::os::NtsKeOptions ke_options(const char* ca_file) {
  lansync::os::NtsKeOptions o;
  o.server_name = "127.0.0.1";
  o.ca_file = ca_file != nullptr ? ca_file : "";
  return o;
}

// One key exchange: the session's keys and the first cookie; exits on failure.
std::unique_ptr<NtsSession> nts_session(const char* ke, const char* ca_file) {
  auto r = lansync::os::nts_key_exchange(ke_address(ke), ke_options(ca_file));
  if (!r) die(r.error().message.c_str());
  if (r->response->cookie_count == 0) die("the key exchange gave no cookie");
  auto c2s = lansync::os::SivKey::create(r->c2s_key.data(), r->c2s_key.size());
  auto s2c = lansync::os::SivKey::create(r->s2c_key.data(), r->s2c_key.size());
  if (!c2s || !s2c) die("cannot make the AES-SIV keys");
  auto s = std::make_unique<NtsSession>();
  s->c2s = std::move(*c2s);
  s->s2c = std::move(*s2c);
  s->cookie = r->response->cookies[0];
  lansync::os::random_bytes(s->unique_id, sizeof(s->unique_id));
  return s;
}

// count key exchanges in a row, within 120 s.
int key_exchanges(const char* ke, int count, const char* ca_file) {
  auto address = ke_address(ke);
  auto options = ke_options(ca_file);
  int ok = 0, done = 0;
  int64_t start = now_ns(CLOCK_MONOTONIC);
  std::string last_error;
  for (; done < count && now_ns(CLOCK_MONOTONIC) - start < 120'000'000'000; ++done) {
    auto r = lansync::os::nts_key_exchange(address, options);
    if (r) {
      ++ok;
    } else {
      last_error = r.error().message;
    }
  }
  double elapsed = static_cast<double>(now_ns(CLOCK_MONOTONIC) - start) / 1e9;
  std::printf("{\"count\":%d,\"ok\":%d,\"seconds\":%.3f,\"per_second\":%.1f,\"last_error\":\"%s\"}\n", done,
              ok, elapsed, elapsed > 0 ? ok / elapsed : 0.0, last_error.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3)
    die("usage: ntp_loadgen load|probe|ke SERVER:PORT [options] (see the comment at the top of loadgen.cpp)");
  sockaddr_in server = parse_server(argv[2]);
  if (std::strcmp(argv[1], "load") == 0) {
    double rate = std::clamp(arg_double(argc, argv, "--rate", 1000), 1.0, 2e6);
    double duration = std::clamp(arg_double(argc, argv, "--duration", 5), 0.1, 120.0);
    int clients = static_cast<int>(std::clamp(arg_double(argc, argv, "--clients", 1), 1.0, 65000.0));
    Signing sign;
    std::unique_ptr<lansync::os::KeyRing> keys;
    if (const char* path = arg_text(argc, argv, "--keys")) {
      auto ring = lansync::os::KeyRing::load(path, /*allow_insecure=*/false);
      if (!ring) die(ring.error().message.c_str());
      keys = std::move(*ring);
      sign.key_id = static_cast<uint32_t>(arg_double(argc, argv, "--key", 1));
      if (!keys->find(sign.key_id, nullptr)) die(keys->why_missing(sign.key_id).c_str());
      sign.keys = keys.get();
    }
    std::unique_ptr<NtsSession> nts;
    if (const char* ke = arg_text(argc, argv, "--nts")) {
      nts = nts_session(ke, arg_text(argc, argv, "--nts-ca"));
      sign.nts = nts.get();
    }
    return load(server, rate, duration, clients, sign);
  }
  if (std::strcmp(argv[1], "probe") == 0) {
    int count = static_cast<int>(std::clamp(arg_double(argc, argv, "--count", 1000), 1.0, 1e6));
    double interval = std::clamp(arg_double(argc, argv, "--interval-ms", 5), 0.0, 10000.0);
    return probe(server, count, interval);
  }
  if (std::strcmp(argv[1], "ke") == 0) {
    int count = static_cast<int>(std::clamp(arg_double(argc, argv, "--count", 100), 1.0, 10000.0));
    return key_exchanges(argv[2], count, arg_text(argc, argv, "--nts-ca"));
  }
  die("first argument: load, probe or ke");
}
