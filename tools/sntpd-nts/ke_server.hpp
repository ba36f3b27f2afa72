// The NTS-KE server of sntpd-nts (RFC 8915 §4): TLS 1.3 on the socket sntpd bound, cookies sealed
// with the key sntpd sends down the channel.
//
// One thread, one poll loop, every socket non-blocking, so that no client can hold the others:
// at most kMaxConnections at once (further clients wait in the listen queue until one ends), each
// closed kDeadlineNs after it was accepted whatever its state, and a request read only up to
// codec::kNtsKeMaxRequestSize bytes.  A connection: the TLS 1.3 handshake (ALPN ntske/1 required,
// no session tickets, no client certificate), the request read up to its End record and parsed by
// codec::parse_nts_ke_request, the two keys exported (label EXPORTER-network-time-security), eight
// cookies sealed with the current cookie key (proto/nts_cookie.hpp), the response written (an
// Error record for a bad request, or while no cookie key has come yet), and the connection closed.
#pragma once

#include <gnutls/gnutls.h>

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "codec/nts_ke.hpp"
#include "os/crypto_siv_keyed.hpp"
#include "os/error.hpp"
#include "os/fd.hpp"
#include "proto/nts_cookie.hpp"

namespace lansync::nts {

// Exit codes of sntpd-nts server: stopped, could not serve, usage, TLS refused the certificate or key.
inline constexpr int kExitStopped = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitTlsRefused = 3;

struct KeServerConfig {
  int listen_fd = -1;    // the listening TCP socket (sntpd's)
  int channel_fd = -1;   // the channel: cookie keys come down it (os/ipc_nts.hpp)
  std::string cert_pem;  // the certificate (chain) and its key
  std::string key_pem;
  std::string ntp_server;  // sent as the NTP server to use; "": none (this server's address)
  uint16_t ntp_port = 0;   // sent as the NTP port to use; 0: none (123)
  size_t max_connections = 100;
  int64_t deadline_ns = 2'000'000'000;  // from accept to close
};

// Counts, logged at exit.
struct KeCounters {
  uint64_t accepted = 0;
  uint64_t answered = 0;   // responses with cookies
  uint64_t refused = 0;    // Error responses (bad request, no key yet)
  uint64_t failed = 0;     // handshakes or reads that failed, or closed early
  uint64_t timed_out = 0;  // closed at the deadline
};

class KeServer {
 public:
  // Loads the certificate and key into GnuTLS; an error when it refuses them.
  static os::OsResult<std::unique_ptr<KeServer>> create(KeServerConfig config);
  ~KeServer();
  KeServer(const KeServer&) = delete;
  KeServer& operator=(const KeServer&) = delete;

  // Serves until stop_fd is readable (SIGTERM) or sntpd closes the channel; the exit code.
  int run(int stop_fd);
  const KeCounters& counters() const { return counters_; }

 private:
  // The response: two negotiation records, eight cookies, server, port and End.
  static constexpr size_t kMaxResponseSize = 6 + 6 +
                                             codec::kNtsMaxCookies * (4 + proto::kNtsServerCookieSize) + 4 +
                                             codec::kNtsMaxServerNameSize + 6 + 4;
  enum class Phase : uint8_t { Handshake, Read, Write };
  // One client's key exchange.
  struct Connection {
    os::Fd fd;
    gnutls_session_t session = nullptr;
    int64_t deadline_mono_ns = 0;  // closed then, whatever its phase
    Phase phase = Phase::Handshake;
    uint8_t in[codec::kNtsKeMaxRequestSize];
    size_t have = 0;
    uint8_t out[kMaxResponseSize];
    size_t out_size = 0;
    bool answered = false;  // the response carries cookies (else an Error record)

    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();
  };

  explicit KeServer(KeServerConfig config) : config_(std::move(config)) {}
  void accept_clients(int64_t now_mono_ns);
  // Advances one connection as far as it goes without blocking; false when it is over.
  bool step(Connection& c);
  bool handshake(Connection& c);
  bool read_request(Connection& c);
  bool write_response(Connection& c);
  // The response to the message in c.in, into c.out.
  void respond(Connection& c);
  size_t answer(Connection& c, const codec::NtsKeRequest& request);
  void read_channel();
  void sweep(int64_t now_mono_ns);

  KeServerConfig config_;
  gnutls_certificate_credentials_t cred_ = nullptr;
  std::list<Connection> connections_;
  std::optional<proto::NtsCookieKey> key_;  // the current cookie key, from sntpd
  os::NtsServerSiv crypto_;
  KeCounters counters_;
};

}  // namespace lansync::nts
