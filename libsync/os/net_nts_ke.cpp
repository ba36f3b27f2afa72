// The NTS-KE client over GnuTLS; see net_nts_ke.hpp.
#include "os/net_nts_ke.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "codec/bytes.hpp"
#include "os/clock.hpp"
#include "os/fd.hpp"

namespace lansync::os {
namespace {

constexpr char kAlpn[] = "ntske/1";
// TLS 1.3 and nothing older (RFC 8915 §3).
constexpr char kPriority[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

// A refusal by TLS or NTS-KE: the message is exactly `what` (the code's own text would add nothing).
Failure<Error> tls_error(const std::string& what) {
  return fail(Error{std::make_error_code(std::errc::protocol_error), what});
}

// Milliseconds left until deadline_mono_ns (at least 1, so that a wait still polls once).
unsigned remaining_ms(int64_t deadline_mono_ns) {
  int64_t left = (deadline_mono_ns - monotonic_ns()) / 1'000'000;
  return left < 1 ? 1u : static_cast<unsigned>(left);
}

// A TCP connection to address, made by deadline_mono_ns; the socket left blocking (GnuTLS's own
// timeouts bound each read).
OsResult<Fd> connect_by(const SocketAddress& address, int64_t deadline_mono_ns) {
  Fd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return errno_error("cannot open a TCP socket");
  std::string where = "cannot connect to " + address.to_string();
  if (::connect(fd.get(), address.get(), address.size()) < 0 && errno != EINPROGRESS)
    return errno_error(where);
  pollfd p{fd.get(), POLLOUT, 0};
  int ready = 0;
  for (int i = 0; i < 100 && ready == 0 && monotonic_ns() < deadline_mono_ns; ++i) {
    ready = ::poll(&p, 1, static_cast<int>(remaining_ms(deadline_mono_ns)));
    if (ready < 0 && errno == EINTR) ready = 0;
    if (ready < 0) return errno_error(where);
  }
  if (ready == 0) return code_error(std::errc::timed_out, where);
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno_error(where);
  if (err != 0) return code_error(static_cast<std::errc>(err), where);
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) < 0) return errno_error(where);
  return fd;
}

// A GnuTLS client session and its credentials, freed together.
struct Tls {
  gnutls_certificate_credentials_t cred = nullptr;
  gnutls_session_t session = nullptr;
  Tls() = default;
  Tls(const Tls&) = delete;
  Tls& operator=(const Tls&) = delete;
  ~Tls() {
    if (session != nullptr) gnutls_deinit(session);
    if (cred != nullptr) gnutls_certificate_free_credentials(cred);
  }
};

bool is_ip_literal(const std::string& name) {
  uint8_t buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

Status load_trust(Tls& tls, const std::string& ca_file) {
  if (gnutls_certificate_allocate_credentials(&tls.cred) < 0)
    return tls_error("cannot set up TLS credentials");
  int n = ca_file.empty()
              ? gnutls_certificate_set_x509_system_trust(tls.cred)
              : gnutls_certificate_set_x509_trust_file(tls.cred, ca_file.c_str(), GNUTLS_X509_FMT_PEM);
  if (n <= 0 && !ca_file.empty()) {
    return invalid("cannot read a CA certificate from " + shown(ca_file) + (n < 0 ? ": " : "") +
                   (n < 0 ? gnutls_strerror(n) : ""));
  }
  if (n <= 0) return tls_error("no CA certificates in the system's store (give one with --nts-ca)");
  return ok();
}

// TLS 1.3, ALPN ntske/1, no tickets, the certificate checked against server_name.
Status set_up(Tls& tls, int fd, const NtsKeOptions& options) {
  if (gnutls_init(&tls.session, GNUTLS_CLIENT | GNUTLS_NO_TICKETS) < 0) return tls_error("cannot start TLS");
  const char* where = nullptr;
  if (gnutls_priority_set_direct(tls.session, kPriority, &where) < 0 ||
      gnutls_credentials_set(tls.session, GNUTLS_CRD_CERTIFICATE, tls.cred) < 0) {
    return tls_error("cannot configure TLS 1.3");
  }
  // SNI carries names only (RFC 6066 §3); an address is still checked against the IP SANs.
  if (!is_ip_literal(options.server_name)) {
    gnutls_server_name_set(tls.session, GNUTLS_NAME_DNS, options.server_name.data(),
                           options.server_name.size());
  }
  // A time of our own (or none): GnuTLS's checks against the machine's clock are left out, and
  // dates_ok() judges the chain after the handshake.
  const unsigned flags =
      options.check_dates && options.verify_time_s == 0
          ? 0u
          : unsigned{GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS};
  gnutls_session_set_verify_cert(tls.session, options.server_name.c_str(), flags);
  gnutls_datum_t alpn{reinterpret_cast<unsigned char*>(const_cast<char*>(kAlpn)), sizeof(kAlpn) - 1};
  if (gnutls_alpn_set_protocols(tls.session, &alpn, 1, GNUTLS_ALPN_MANDATORY) < 0) {
    return tls_error("cannot set ALPN ntske/1");
  }
  gnutls_transport_set_int(tls.session, fd);
  return ok();
}

// Why the certificate was refused, in one line.
std::string verify_text(gnutls_session_t session) {
  unsigned status = gnutls_session_get_verify_cert_status(session);
  gnutls_datum_t text{};
  if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) < 0) return "refused";
  std::string s(reinterpret_cast<const char*>(text.data), text.size);
  gnutls_free(text.data);
  while (!s.empty() && (s.back() == ' ' || s.back() == '.')) s.pop_back();  // GnuTLS ends with ". "
  return shown(s, 200);
}

Status handshake(Tls& tls, const std::string& server, int64_t deadline_mono_ns) {
  int rc = GNUTLS_E_AGAIN;
  for (int i = 0; i < 100 && rc < 0 && gnutls_error_is_fatal(rc) == 0; ++i) {
    gnutls_handshake_set_timeout(tls.session, remaining_ms(deadline_mono_ns));
    rc = gnutls_handshake(tls.session);
  }
  if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
    return tls_error("NTS-KE server " + server + ": certificate refused: " + verify_text(tls.session));
  }
  if (rc == GNUTLS_E_TIMEDOUT || rc == GNUTLS_E_AGAIN) {
    return code_error(std::errc::timed_out, "NTS-KE server " + server + ": TLS handshake");
  }
  if (rc < 0) return tls_error("NTS-KE server " + server + ": TLS handshake failed: " + gnutls_strerror(rc));
  gnutls_datum_t chosen{};
  if (gnutls_alpn_get_selected_protocol(tls.session, &chosen) < 0 || chosen.size != sizeof(kAlpn) - 1 ||
      std::string(reinterpret_cast<const char*>(chosen.data), chosen.size) != kAlpn) {
    return tls_error("NTS-KE server " + server + " did not agree to ALPN ntske/1");
  }
  if (gnutls_protocol_get_version(tls.session) != GNUTLS_TLS1_3) {
    return tls_error("NTS-KE server " + server + " did not speak TLS 1.3");
  }
  return ok();
}

// Whether every certificate the server sent is valid at at_s (Unix s): not before its activation,
// not after its expiry.
Status dates_ok(Tls& tls, const std::string& server, int64_t at_s) {
  unsigned count = 0;
  const gnutls_datum_t* chain = gnutls_certificate_get_peers(tls.session, &count);
  for (unsigned i = 0; chain != nullptr && i < count; ++i) {
    gnutls_x509_crt_t crt = nullptr;
    if (gnutls_x509_crt_init(&crt) < 0) return tls_error("cannot read a certificate");
    bool read = gnutls_x509_crt_import(crt, &chain[i], GNUTLS_X509_FMT_DER) >= 0;
    const auto from_s = static_cast<int64_t>(gnutls_x509_crt_get_activation_time(crt));
    const auto until_s = static_cast<int64_t>(gnutls_x509_crt_get_expiration_time(crt));
    gnutls_x509_crt_deinit(crt);
    if (!read) return tls_error("NTS-KE server " + server + ": cannot read its certificate");
    if (at_s < from_s || at_s > until_s) {
      return tls_error("NTS-KE server " + server + ": certificate refused: not valid at the time checked (" +
                       std::to_string(at_s) + ", valid " + std::to_string(from_s) + " to " +
                       std::to_string(until_s) + ")");
    }
  }
  return ok();
}

// Sends the request in one record and reads the response up to its End record.
OsResult<std::vector<uint8_t>> converse(Tls& tls, const std::string& server, int64_t deadline_mono_ns) {
  uint8_t request[codec::kNtsKeRequestSize];
  size_t n = codec::write_nts_ke_request(request, sizeof(request));
  if (gnutls_record_send(tls.session, request, n) != static_cast<ssize_t>(n)) {
    return tls_error("NTS-KE server " + server + ": cannot send the request");
  }
  std::vector<uint8_t> buf(codec::kNtsKeMaxResponseSize + 1);
  size_t have = 0;
  // Each pass reads at least a byte or ends: bounded by the buffer and the deadline.
  while (have < buf.size() && codec::nts_ke_message_size(buf.data(), have) == 0) {
    if (monotonic_ns() >= deadline_mono_ns)
      return code_error(std::errc::timed_out, "NTS-KE server " + server);
    gnutls_record_set_timeout(tls.session, remaining_ms(deadline_mono_ns));
    ssize_t got = gnutls_record_recv(tls.session, buf.data() + have, buf.size() - have);
    if (got == GNUTLS_E_AGAIN || got == GNUTLS_E_INTERRUPTED) continue;
    if (got == GNUTLS_E_TIMEDOUT) return code_error(std::errc::timed_out, "NTS-KE server " + server);
    if (got == 0) break;  // closed: parsing says what is missing
    if (got < 0) return tls_error("NTS-KE server " + server + ": " + gnutls_strerror(static_cast<int>(got)));
    have += static_cast<size_t>(got);
  }
  buf.resize(have);
  return buf;
}

Status export_key(Tls& tls, uint16_t aead, bool server_to_client, uint8_t* out) {
  auto context = nts_exporter_context(codec::kNtsProtocolNtpV4, aead, server_to_client);
  int rc = gnutls_prf_rfc5705(tls.session, sizeof(kNtsExporterLabel) - 1, kNtsExporterLabel, context.size(),
                              reinterpret_cast<const char*>(context.data()), kNtsKeyLength,
                              reinterpret_cast<char*>(out));
  if (rc < 0) return tls_error(std::string("cannot export the NTS keys: ") + gnutls_strerror(rc));
  return ok();
}

}  // namespace

std::array<uint8_t, 5> nts_exporter_context(uint16_t protocol, uint16_t aead, bool server_to_client) {
  std::array<uint8_t, 5> c{};
  codec::store_be16(c.data(), protocol);
  codec::store_be16(c.data() + 2, aead);
  c[4] = server_to_client ? 1 : 0;
  return c;
}

bool nts_unreachable(const Error& e) {
  return e.code != std::errc::protocol_error && e.code != std::errc::invalid_argument &&
         e.code != std::errc::function_not_supported;
}

OsResult<NtsKeResult> nts_key_exchange(const SocketAddress& address, const NtsKeOptions& options) {
  const int64_t deadline_mono_ns = monotonic_ns() + options.timeout_ns;
  const std::string server = address.to_string();
  Tls tls;
  if (auto st = load_trust(tls, options.ca_file); !st) return fail(st.error());  // before any packet
  auto fd = connect_by(address, deadline_mono_ns);
  if (!fd) return fail(fd.error());
  if (auto st = set_up(tls, fd->get(), options); !st) return fail(st.error());
  if (auto st = handshake(tls, server, deadline_mono_ns); !st) return fail(st.error());
  if (options.check_dates && options.verify_time_s != 0) {
    if (auto st = dates_ok(tls, server, options.verify_time_s); !st) return fail(st.error());
  }
  auto bytes = converse(tls, server, deadline_mono_ns);
  if (!bytes) return fail(bytes.error());
  NtsKeResult result;
  result.response = std::make_unique<codec::NtsKeResponse>();
  auto parsed = codec::parse_nts_ke_response(bytes->data(), bytes->size());
  if (!parsed) {
    std::string detail = parsed.error().error == codec::NtsKeError::ServerError
                             ? " (error code " + std::to_string(parsed.error().code) + ")"
                             : "";
    return tls_error("NTS-KE server " + server + ": " + codec::describe(parsed.error().error) + detail);
  }
  *result.response = *parsed;
  if (auto st = export_key(tls, result.response->aead, false, result.c2s_key.data()); !st)
    return fail(st.error());
  if (auto st = export_key(tls, result.response->aead, true, result.s2c_key.data()); !st)
    return fail(st.error());
  gnutls_bye(tls.session, GNUTLS_SHUT_WR);
  return result;
}

}  // namespace lansync::os
