// sntpd-web's HTTP server on libmicrohttpd: bounds, deadlines and the link to sntpd.
//
// One thread serves every connection and the channel: main()'s loop polls libmicrohttpd's epoll
// descriptor beside the channel and calls run(), so a slow client cannot hold up the others, and
// sntpd's heartbeat (a Ping, answered by read_channel()) goes unanswered exactly when the HTTP
// loop is stuck.  libmicrohttpd bounds the request line and headers (its per-connection memory
// pool), the connections in total and per client address, and an idle connection's time; this
// class adds a deadline for each whole request (from the accept, or from the end of the previous
// request on a kept-alive connection), enforced by sweep().  Each request is judged by
// request.hpp; what needs sntpd (the time, metrics, an exchange, a set) is asked over the
// channel (os/ipc_web.hpp) and answered with sntpd's status and body as they are.  With a
// certificate and key (--http-tls-cert) it serves HTTPS only, through libmicrohttpd's GnuTLS.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/phone.hpp"
#include "os/ipc_web.hpp"
#include "request.hpp"

struct MHD_Daemon;
struct MHD_Connection;

namespace lansync::web {

// The bounds, as sntpd(8) documents them.
inline constexpr size_t kConnectionMemory = 16 * 1024;  // request line + headers + reply headers, bytes
inline constexpr unsigned kMaxConnections = 256;        // in total
inline constexpr unsigned kMaxPerAddress = 16;          // per client address
inline constexpr unsigned kIdleTimeoutS = 5;            // a connection silent this long is closed
inline constexpr int64_t kRequestDeadlineNs = 10'000'000'000;  // a whole request, from its first byte's turn
inline constexpr int kSntpdTimeoutMs = 3000;                   // an answer from sntpd

struct ServerConfig {
  int listen_fd = -1;                            // bound and listening (sntpd's)
  int channel_fd = -1;                           // the SOCK_SEQPACKET channel to sntpd
  std::vector<core::Cidr> set_allow;             // --http-set-allow
  std::vector<std::string> set_interfaces;       // --http-set-interface
  std::vector<std::string> manual_interfaces;    // --http-manual-interface: the button only
  std::vector<std::string> fallback_interfaces;  // --http-fallback-interface: automatic while no other holds
  std::vector<std::string> allow_origins;        // --http-allow-origin, in core::parse_allowed_origin's form
  std::string tls_cert_pem;                      // --http-tls-cert's bytes: HTTPS only; empty: plain HTTP
  std::string tls_key_pem;                       // --http-tls-key's
};

class Server {
 public:
  explicit Server(ServerConfig config);
  ~Server();  // stops the daemon
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts serving; false (logged) when libmicrohttpd cannot, tls_refused() telling whether it
  // was for the certificate and key.
  bool start();
  bool tls_refused() const { return tls_refused_; }
  // libmicrohttpd's epoll descriptor: readable when run() has work.
  int poll_fd() const;
  // How long main() may wait before calling run() (ms, at most longest_ms).
  int timeout_ms(int longest_ms) const;
  // Serves the connections that are ready (never blocks but in a request waiting for sntpd).
  void run();
  // Takes the messages sntpd sent between requests: the served clock, Pings (answered at once).
  void read_channel();
  // Closes the connections past their deadline and pushes the counters when they changed; call
  // about twice a second.  Thread-safe.
  void sweep(int64_t mono_now_ns);

  // libmicrohttpd's callbacks (public for the C trampolines in server.cpp), from run().
  int on_request(MHD_Connection* c, const char* url, const char* method, const char* upload,
                 size_t* upload_size, void** request_state);
  void on_connection(MHD_Connection* c, void** socket_state, bool started);
  void on_completed(MHD_Connection* c, void** request_state);
  // libmicrohttpd's error messages (with TLS only): the first one while starting is kept.
  void on_log(const char* message);

 private:
  struct Tracked {
    int fd = -1;
    int64_t since_mono_ns = 0;  // the deadline runs from here
    bool shut = false;          // closed for its deadline
  };
  struct Pending;

  int answer(MHD_Connection* c, const HeadVerdict& v);
  // Asks sntpd for what v's route needs and answers with it (CORS as v.answer.allow_origin says).
  int ask(MHD_Connection* c, const HeadVerdict& v, const os::web::Message& m);
  // Sends a: its status, Content-Type and body with the headers its flags call for; Cache-Control
  // no-store when no_store.
  int reply(MHD_Connection* c, const Answer& a, bool no_store);
  int finish_set(MHD_Connection* c, const char* url, const char* method, Pending& p);
  // The next message from sntpd within timeout_ms (a Clock taken note of, a Ping answered); none
  // when none came.
  std::optional<os::web::Message> next_message(int timeout_ms);
  // sntpd's Reply to m, or none when it did not answer within kSntpdTimeoutMs.
  std::optional<os::web::Reply> exchange_with_sntpd(os::web::Message m);
  void set_starting(bool starting);
  void count_limit(os::web::Limit l);
  void push_counters();
  core::SetAccess set_access() const;
  // The Date header (RFC 9110 §6.6.1): the served clock, or none while sntpd's reference is not
  // trusted (as of its last Clock message).
  std::optional<std::string> served_date() const;

  ServerConfig config_;
  MHD_Daemon* daemon_ = nullptr;
  uint32_t next_id_ = 1;                           // run()'s thread only
  std::atomic<int64_t> served_minus_real_ns_{0};   // from sntpd's Clock messages
  std::atomic<int64_t> trusted_until_mono_ns_{0};  // likewise: until when a Date may be sent
  std::atomic<uint64_t> requests_[6] = {};         // by Route
  std::atomic<uint64_t> host_refused_{0};
  std::atomic<uint64_t> limited_[os::web::kLimitCount] = {};
  std::mutex push_mutex_;     // guards the two below
  os::web::Counters pushed_;  // as last sent
  int64_t limit_logged_mono_ns_[os::web::kLimitCount] = {};
  std::mutex tracked_mutex_;
  std::set<Tracked*> tracked_;  // the open connections
  std::vector<uint8_t> buf_;    // receive buffer, run()'s thread only
  bool closed_ = false;         // sntpd closed the channel
  bool tls_refused_ = false;
  std::mutex log_mutex_;  // guards the two below (libmicrohttpd may log from its thread)
  bool starting_ = false;
  std::string start_error_;  // libmicrohttpd's first message while starting
  uint64_t malformed_ = 0;   // datagrams from sntpd dropped
};

}  // namespace lansync::web
