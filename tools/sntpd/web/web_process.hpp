// sntpd-web, supervised: the listening socket, the web process that serves it, and its channel.
//
// HTTP is parsed by sntpd-web (tools/sntpd-web), a process of its own without privileges, so that
// an HTTP client can neither reach the NTP service's memory nor exhaust it.  sntpd binds the
// socket (as root, before dropping privileges) and keeps it; sntpd-web is started when the event
// loop starts, as a user of its own (_lansync-web: it may neither write sntpd's files nor signal
// it) with no capability, and started again when it exits or closes the channel (ChildProcess),
// or when it stops answering the heartbeat (Heartbeat: a Ping every 5 s; 3 unanswered over 15 s
// and it is killed with SIGKILL, then started again the same way).  With --http-tls-cert and
// --http-tls-key it serves HTTPS only: the certificate and key reach it as sealed memory files
// (tls_files.hpp), and when its TLS library refuses them it exits with os::web::kExitTlsRefused
// and sntpd stops (exit 2).  This part keeps the process running and the channel read; the
// requests it carries go to a handler (WebService gives them to WebEndpoints), and their answers
// come back through answer().  Its own messages (the web counters, the heartbeat's Pong) stay
// here.  Everything runs in the event loop's thread and never blocks on the web process.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "event_loop.hpp"
#include "heartbeat.hpp"
#include "os/clock.hpp"
#include "os/error.hpp"
#include "os/fd.hpp"
#include "os/ipc_web.hpp"
#include "status/status_snapshot.hpp"
#include "web/http_config.hpp"

namespace lansync::sntpd {

class WebProcess {
 public:
  // What a request from the channel goes to (Time, Metrics, Exchange, Set, SyncCamera).
  using Handler = std::function<void(const os::web::Message&)>;
  // How long from now the reference stays trusted (os::web::Clock::trusted_for_ns).
  using TrustedFor = std::function<int64_t()>;

  // Binds config's --http socket (before privileges are dropped) and finds sntpd-web: next to this
  // executable, else in the libexec directory it was installed to.  config outlives it; clock is
  // the served clock, which the web process's Date headers follow.
  static os::OsResult<std::unique_ptr<WebProcess>> bind(const HttpConfig& config, os::Clock& clock);
  ~WebProcess();  // stops the web process
  WebProcess(const WebProcess&) = delete;
  WebProcess& operator=(const WebProcess&) = delete;

  // Starts the web process and reads its channel from loop, each request to handler.  The web
  // process is told the served clock and trusted_for with each answer and each heartbeat (5 s).
  void attach(EventLoop& loop, Handler handler, TrustedFor trusted_for);
  // Stops the web process: SIGTERM, then SIGKILL after 2 s.
  void stop();
  // Answers request id with an HTTP status and body (nothing when the web process is down or does
  // not read: it answers 503 by itself).
  void answer(uint32_t id, int status, const std::string& body);

  // The address it listens on, e.g. "127.0.0.1:8080".
  const std::string& address() const { return address_; }
  // Whether the web process refused the certificate and key, which stopped the loop.
  bool tls_refused() const { return tls_refused_; }
  // The web process's part of the status report: its requests and bounds (summed over its
  // restarts), the restarts and the channel's dropped messages.
  void report(HttpSnapshot& h) const;

 private:
  WebProcess(const HttpConfig& config, os::Clock& clock);
  void spawn();
  void on_channel();
  void child_gone();
  // The heartbeat's tick: kills a web process that stopped answering, else sends the next Ping.
  void beat();
  // Tells the web process the served clock and how long it is trusted (Clock); false when it
  // could not be sent.
  bool send_clock();

  const HttpConfig& config_;
  os::Clock& clock_;
  std::string address_;
  os::Fd listen_;
  ChildProcess web_;           // sntpd-web
  os::Fd channel_;             // sntpd's end; -1 while the web process is down
  EventLoop* loop_ = nullptr;  // attach()'s
  Handler handler_;            // likewise
  TrustedFor trusted_for_;     // likewise
  bool tls_refused_ = false;
  Heartbeat heartbeat_;
  uint64_t hung_ = 0;  // restarts for a missed heartbeat
  std::vector<uint8_t> buf_;
  os::web::Counters earlier_;  // the web counters of the processes that exited, summed
  os::web::Counters current_;  // the running one's, as last pushed
  uint64_t malformed_[os::web::kDecodeErrorCount] = {};
  int64_t malformed_logged_mono_ns_ = 0;
};

}  // namespace lansync::sntpd
