// The NTS-KE server of sntpd-nts; see ke_server.hpp.
#include "ke_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "os/clock.hpp"
#include "os/ipc_nts.hpp"
#include "os/ipc_seqpacket.hpp"
#include "os/log.hpp"
#include "os/net_nts_ke.hpp"

namespace lansync::nts {

namespace {

constexpr char kAlpn[] = "ntske/1";
constexpr char kPriority[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
constexpr int kPollMs = 250;

}  // namespace

KeServer::Connection::~Connection() {
  if (session != nullptr) gnutls_deinit(session);
  explicit_bzero(out, sizeof(out));  // cookies
}

os::OsResult<std::unique_ptr<KeServer>> KeServer::create(KeServerConfig config) {
  std::unique_ptr<KeServer> s(new KeServer(std::move(config)));
  // accept4 must not wait when a client left the queue before we took it.
  int flags = ::fcntl(s->config_.listen_fd, F_GETFL);
  if (flags < 0 || ::fcntl(s->config_.listen_fd, F_SETFL, flags | O_NONBLOCK) < 0)
    return os::errno_error("cannot make the NTS-KE socket non-blocking");
  if (gnutls_certificate_allocate_credentials(&s->cred_) < 0)
    return os::invalid("cannot set up TLS credentials");
  gnutls_datum_t cert{reinterpret_cast<unsigned char*>(s->config_.cert_pem.data()),
                      static_cast<unsigned>(s->config_.cert_pem.size())};
  gnutls_datum_t key{reinterpret_cast<unsigned char*>(s->config_.key_pem.data()),
                     static_cast<unsigned>(s->config_.key_pem.size())};
  int rc = gnutls_certificate_set_x509_key_mem2(s->cred_, &cert, &key, GNUTLS_X509_FMT_PEM, nullptr, 0);
  explicit_bzero(s->config_.key_pem.data(), s->config_.key_pem.size());
  if (rc < 0)
    return os::invalid(std::string("GnuTLS refused the certificate or key: ") + gnutls_strerror(rc));
  return s;
}

KeServer::~KeServer() {
  connections_.clear();
  if (cred_ != nullptr) gnutls_certificate_free_credentials(cred_);
}

int KeServer::run(int stop_fd) {
  for (;;) {
    std::vector<pollfd> fds = {
        {stop_fd, POLLIN, 0}, {config_.channel_fd, POLLIN, 0}, {config_.listen_fd, 0, 0}};
    // A full house stops accepting: further clients wait in the listen queue.
    if (connections_.size() < config_.max_connections) fds[2].events = POLLIN;
    for (const Connection& c : connections_) {
      bool writing = c.phase == KeServer::Phase::Write || gnutls_record_get_direction(c.session) == 1;
      fds.push_back({c.fd.get(), static_cast<short>(writing ? POLLOUT : POLLIN), 0});
    }
    int n = ::poll(fds.data(), fds.size(), kPollMs);
    if (n < 0 && errno != EINTR) return kExitFailed;
    if (n > 0 && (fds[0].revents & POLLIN) != 0) return kExitStopped;
    if (n > 0 && (fds[1].revents & (POLLHUP | POLLERR)) != 0) {
      os::log::info("sntpd closed the channel: stopping");
      return kExitStopped;
    }
    if (n > 0 && (fds[1].revents & POLLIN) != 0) read_channel();
    int64_t now_mono_ns = os::monotonic_ns();
    size_t i = 3;
    for (auto it = connections_.begin(); it != connections_.end(); ++i) {
      bool ready = n > 0 && fds[i].revents != 0;
      it = ready && !step(*it) ? connections_.erase(it) : std::next(it);
    }
    if (n > 0 && (fds[2].revents & POLLIN) != 0) accept_clients(now_mono_ns);
    sweep(now_mono_ns);
  }
}

void KeServer::read_channel() {
  std::vector<uint8_t> buf;
  for (int i = 0; i < 16; ++i) {
    ssize_t n = os::receive_datagram(config_.channel_fd, buf, 64, /*wait=*/false);
    if (n <= 0 && n != os::kOversized) return;
    proto::NtsCookieKey key;
    if (n > 0 && os::nts::decode_cookie_key(buf.data(), static_cast<size_t>(n), &key)) {
      key_ = key;
      os::log::debug("cookie key {} from sntpd", key.id);
    }
    explicit_bzero(buf.data(), buf.size());
  }
}

void KeServer::accept_clients(int64_t now_mono_ns) {
  while (connections_.size() < config_.max_connections) {
    os::Fd fd(::accept4(config_.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (fd.get() < 0) return;  // EAGAIN: none waits (or the client left)
    Connection& c = connections_.emplace_back();
    c.fd = std::move(fd);
    c.deadline_mono_ns = now_mono_ns + config_.deadline_ns;
    ++counters_.accepted;
    gnutls_datum_t alpn{reinterpret_cast<unsigned char*>(const_cast<char*>(kAlpn)), sizeof(kAlpn) - 1};
    if (gnutls_init(&c.session, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS) < 0 ||
        gnutls_priority_set_direct(c.session, kPriority, nullptr) < 0 ||
        gnutls_credentials_set(c.session, GNUTLS_CRD_CERTIFICATE, cred_) < 0 ||
        gnutls_alpn_set_protocols(c.session, &alpn, 1, GNUTLS_ALPN_MANDATORY) < 0) {
      ++counters_.failed;
      connections_.pop_back();
      continue;
    }
    gnutls_transport_set_int(c.session, c.fd.get());
    if (!step(c)) connections_.pop_back();
  }
}

void KeServer::sweep(int64_t now_mono_ns) {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (now_mono_ns < it->deadline_mono_ns) {
      ++it;
      continue;
    }
    ++counters_.timed_out;
    it = connections_.erase(it);
  }
}

bool KeServer::step(Connection& c) {
  if (c.phase == KeServer::Phase::Handshake && !handshake(c)) return false;
  if (c.phase == KeServer::Phase::Read && !read_request(c)) return false;
  if (c.phase == KeServer::Phase::Write) return write_response(c);
  return true;
}

bool KeServer::handshake(Connection& c) {
  int rc = gnutls_handshake(c.session);
  if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) return true;
  gnutls_datum_t chosen{};
  if (rc < 0 || gnutls_protocol_get_version(c.session) != GNUTLS_TLS1_3 ||
      gnutls_alpn_get_selected_protocol(c.session, &chosen) < 0 || chosen.size != sizeof(kAlpn) - 1 ||
      std::memcmp(chosen.data, kAlpn, chosen.size) != 0) {
    os::log::debug("NTS-KE handshake failed: {}", rc < 0 ? gnutls_strerror(rc) : "not TLS 1.3 with ntske/1");
    ++counters_.failed;
    return false;
  }
  c.phase = KeServer::Phase::Read;
  return true;
}

bool KeServer::read_request(Connection& c) {
  // Each pass reads at least a byte or ends: bounded by the buffer.
  while (c.have < sizeof(c.in)) {
    ssize_t got = gnutls_record_recv(c.session, c.in + c.have, sizeof(c.in) - c.have);
    if (got == GNUTLS_E_AGAIN || got == GNUTLS_E_INTERRUPTED) return true;
    if (got <= 0) {
      ++counters_.failed;  // closed or broken before End of Message
      return false;
    }
    c.have += static_cast<size_t>(got);
    if (codec::nts_ke_message_size(c.in, c.have) != 0) break;
  }
  respond(c);  // a whole message, or a full buffer: the parser says what is wrong with it
  c.phase = KeServer::Phase::Write;
  return true;
}

void KeServer::respond(Connection& c) {
  auto request = codec::parse_nts_ke_request(c.in, c.have);
  if (!request) {
    os::log::debug("NTS-KE request refused: {}", codec::describe(request.error().error));
    c.out_size = codec::write_nts_ke_error(codec::error_code(request.error()), c.out, sizeof(c.out));
    return;
  }
  c.out_size = answer(c, *request);
  c.answered = c.out_size != 0;
  if (c.out_size == 0)
    c.out_size = codec::write_nts_ke_error(codec::kNtsKeErrorInternal, c.out, sizeof(c.out));
}

size_t KeServer::answer(Connection& c, const codec::NtsKeRequest& request) {
  codec::NtsKeAnswer a;
  if (!request.ntp_v4 || !request.aead_siv)
    return codec::write_nts_ke_response(request, a, c.out, sizeof(c.out));
  if (!key_) return 0;  // no cookie key from sntpd yet
  proto::NtsSessionKeys keys;
  for (bool s2c : {false, true}) {
    auto context = os::nts_exporter_context(codec::kNtsProtocolNtpV4, codec::kAeadAesSivCmac256, s2c);
    if (gnutls_prf_rfc5705(c.session, sizeof(os::kNtsExporterLabel) - 1, os::kNtsExporterLabel,
                           context.size(), reinterpret_cast<const char*>(context.data()),
                           proto::kNtsSessionKeySize,
                           reinterpret_cast<char*>(s2c ? keys.s2c : keys.c2s)) < 0) {
      return 0;
    }
  }
  auto cookies = std::make_unique<codec::NtsCookie[]>(codec::kNtsMaxCookies);
  for (size_t i = 0; i < codec::kNtsMaxCookies; ++i) {
    uint8_t nonce[proto::kNtsCookieNonceSize];
    crypto_.random(nonce, sizeof(nonce));
    cookies[i].size =
        proto::seal_cookie(*key_, keys, nonce, crypto_, cookies[i].bytes, sizeof(cookies[i].bytes));
    if (cookies[i].size == 0) return 0;
  }
  explicit_bzero(&keys, sizeof(keys));
  a.cookies = cookies.get();
  a.cookie_count = codec::kNtsMaxCookies;
  a.server = config_.ntp_server.empty() ? nullptr : config_.ntp_server.c_str();
  a.port = config_.ntp_port;
  return codec::write_nts_ke_response(request, a, c.out, sizeof(c.out));
}

bool KeServer::write_response(Connection& c) {
  // After GNUTLS_E_AGAIN, GnuTLS wants the same call again.
  ssize_t sent = gnutls_record_send(c.session, c.out, c.out_size);
  if (sent == GNUTLS_E_AGAIN || sent == GNUTLS_E_INTERRUPTED) return true;
  if (sent != static_cast<ssize_t>(c.out_size)) {
    ++counters_.failed;
    return false;
  }
  ++(c.answered ? counters_.answered : counters_.refused);
  gnutls_bye(c.session, GNUTLS_SHUT_WR);  // the connection closes after End of Message (RFC 8915 §4)
  return false;
}

}  // namespace lansync::nts
