// sntpd's HTTP interface (--http): the listening socket, the web process that serves it, and its channel.
//
//   GET  /          the page
//   GET  /time      the time and the reference state as JSON
//   GET  /exchange  one NTP-style exchange: the server's T2/T3 and a token for them
//   POST /set       a phone sets the clock: {"token", "t1_ms", "t4_ms"}
//   POST /sync-camera  asks for a camsync run: writes --camera-request, which camsync.path watches
//                      (GET /time says when camsync --watch wrote it for a camera that appeared)
//   GET  /metrics   Prometheus text: the counters and the reference state
//
// HTTP is parsed by sntpd-web (tools/sntpd-web), a process of its own without privileges, so that
// an HTTP client can neither reach the NTP service's memory nor exhaust it.  sntpd binds the
// socket (as root, before dropping privileges) and keeps it; sntpd-web is started when the event
// loop starts, as a user of its own (_lansync-web: it may neither write sntpd's files nor signal
// it) with no capability, and started again when it exits or closes the
// channel (ChildProcess), or when it stops answering the heartbeat (Heartbeat: a Ping every
// 5 s; 3 unanswered over 15 s and it is killed with SIGKILL, then started again the same way).  With
// --http-tls-cert and --http-tls-key it serves HTTPS only: the certificate and key reach it as sealed memory
// files (tls_files.hpp), and when its TLS library refuses them it exits with os::web::kExitTlsRefused and
// sntpd stops (exit 2).  Over the channel (os/web_channel.hpp) sntpd answers what needs the daemon: the /time
// JSON, the metrics text, exchanges (T2/T3 read here from the served clock, the token issued here) and sets
// (the token redeemed here, the set judged by Daemon::set_from_phone). Each set attempt, taken, verified or
// refused, is recorded here: counted, logged (refusals at most once a minute per reason) and, when it passed
// the access check, appended to the activity log. Everything runs in the event loop's thread and never blocks
// on the web process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "core/phone.hpp"
#include "event_loop.hpp"
#include "heartbeat.hpp"
#include "nlohmann/json_fwd.hpp"
#include "os/clock.hpp"
#include "os/error.hpp"
#include "os/exchange_token.hpp"
#include "os/fd.hpp"
#include "os/privileges.hpp"
#include "os/web_channel.hpp"
#include "status_snapshot.hpp"

namespace lansync::sntpd {

class Daemon;

struct HttpConfig {
  std::string listen;                            // --http ADDR:PORT
  std::vector<std::string> set_allow;            // --http-set-allow, as given (checked by main)
  std::vector<std::string> set_interfaces;       // --http-set-interface
  std::vector<std::string> manual_interfaces;    // --http-manual-interface: the button only
  std::vector<std::string> fallback_interfaces;  // --http-fallback-interface: automatic while no other holds
  std::vector<std::string> allow_origins;        // --http-allow-origin, in core::parse_allowed_origin's form
  int recheck_permille = core::kPhoneRecheckDefaultPermille;  // --http-recheck, in thousandths
  int64_t hold_ns = 1800'000'000'000;  // --max-age: a phone holds the clock this long after its last check-in
  std::string activity_log;            // --activity-log ("" = none)
  std::string camera_state;            // --camera-state: camsync's last run, for GET /time ("" = none)
  std::string camera_request;          // --camera-request: written by POST /sync-camera ("" = refused)
  bool verbose = false;                // --verbose, passed on
  std::string web_user_name;           // the user sntpd-web runs as, for messages
  std::optional<os::UserIds> web_user;  // its IDs; none: sntpd's own user (not started as root)
  std::string web_user_note;  // why sntpd-web runs as sntpd's user, logged at attach ("": it does not)
  os::Fd tls_cert;            // --http-tls-cert's bytes in a sealed memory file; -1: plain HTTP
  os::Fd tls_key;             // --http-tls-key's, likewise
};

class WebService {
 public:
  // Binds the listening socket (before privileges are dropped) and finds sntpd-web: next to this
  // executable, else in the libexec directory it was installed to.
  static os::OsResult<std::unique_ptr<WebService>> bind(Daemon& daemon, os::Clock& clock, HttpConfig config);
  ~WebService();  // stops the web process
  WebService(const WebService&) = delete;
  WebService& operator=(const WebService&) = delete;

  // Starts the web process and serves its channel from loop (logs "http: serving on ADDR:PORT").
  void attach(EventLoop& loop);
  // Stops the web process: SIGTERM, then SIGKILL after 2 s.
  void stop();

  // The address it listens on, e.g. "127.0.0.1:8080".
  const std::string& address() const { return address_; }
  // Its counters and last phone sets for the status report.
  HttpSnapshot status() const;
  // Whether the web process refused the certificate and key, which stopped the loop.
  bool tls_refused() const { return tls_refused_; }

 private:
  bool set_enabled() const {
    return !config_.set_allow.empty() || !config_.set_interfaces.empty() ||
           !config_.manual_interfaces.empty() || !config_.fallback_interfaces.empty();
  }
  WebService(Daemon& daemon, os::Clock& clock, HttpConfig config);
  void spawn();
  void on_channel();
  void child_gone();
  // The heartbeat's tick: kills a web process that stopped answering, else sends the next Ping.
  void beat();
  void handle(const os::web::Message& m);
  // Tells the web process the served clock (Clock); false when it could not be sent.
  bool send_clock();
  void answer(uint32_t id, int status, const std::string& body);
  std::string exchange();
  void set(uint32_t id, const os::web::SetRequest& r);
  // The phone that holds the clock, as r's judgement meets it: none when its hold lapsed, when it
  // is r's own client, or when r outranks it (a button set; a full network's phone over a
  // fallback network's: core::outranks_holder).
  std::optional<core::PhoneHolder> holder_for(const os::web::SetRequest& r) const;
  // Whether a phone holds the clock now: one did, and checked in within --max-age.
  bool hold_current() const;
  // After a taken set or verification: r's phone holds the clock when none did, when it already
  // did, or when it outranks the holder (logged).
  void take_hold(const os::web::SetRequest& r, const proto::PhoneMeasurement& m);
  // GET /time's "held_by": {client, user_agent, fallback, until_unix_ms}, or null.
  nlohmann::ordered_json held_by_json() const;
  // GET /time's "camera_appeared_unix_ms": when camsync --watch asked for a run because the camera
  // appeared (or answered after a failed run), while that request is fresh (60 s); else null.  An
  // open page syncs when it sees a new one, so that the camera is set from a fresh clock.
  nlohmann::ordered_json camera_appeared_json() const;
  void refuse(uint32_t id, const os::web::SetRequest& r, core::PhoneRefusal refusal,
              const std::string& message, const std::optional<proto::PhoneMeasurement>& m);
  // Answers a verification (the clocks agree): 200, result "verified".
  void verified(uint32_t id, const os::web::SetRequest& r, const proto::PhoneMeasurement& m);
  // POST /sync-camera: refused as a set is, 409 while the Pi is unreliable, else the request
  // file written and 202.
  void sync_camera(uint32_t id, const os::web::SetRequest& r);
  // Records one camera request: counters, the log line and the activity log.
  void record_camera(const os::web::SetRequest& r, core::PhoneRefusal refusal, const std::string& message);
  // Records one attempt: counters, the log line and the activity log.
  void record(const os::web::SetRequest& r, core::PhoneOutcome outcome, core::PhoneRefusal refusal,
              const std::string& message, const std::optional<proto::PhoneMeasurement>& m);

  Daemon& daemon_;
  os::Clock& clock_;
  HttpConfig config_;
  std::string address_;
  os::Fd listen_;
  ChildProcess web_;           // sntpd-web
  os::Fd channel_;             // sntpd's end; -1 while the web process is down
  EventLoop* loop_ = nullptr;  // attach()'s
  bool tls_refused_ = false;
  Heartbeat heartbeat_;
  uint64_t hung_ = 0;  // restarts for a missed heartbeat
  os::ExchangeTokens tokens_;
  std::vector<uint8_t> buf_;

  os::web::Counters earlier_;  // the web counters of the processes that exited, summed
  os::web::Counters current_;  // the running one's, as last pushed
  uint64_t malformed_[os::web::kDecodeErrorCount] = {};
  int64_t malformed_logged_mono_ns_ = 0;
  uint64_t sets_ = 0;
  uint64_t verifications_ = 0;
  uint64_t refused_[kPhoneRefusals] = {};
  std::optional<PhoneAttempt> last_set_;           // none before the first
  std::optional<PhoneAttempt> last_verification_;  // likewise
  std::optional<PhoneAttempt> last_refusal_;       // likewise
  std::optional<core::PhoneHolder> holder_;        // the phone that holds the clock, if any
  int64_t holder_mono_ns_ = 0;                     // its last taken set or verification (monotonic)
  bool log_failed_ = false;                        // warned once about the activity log
  // Per refusal reason, when its last log line was written (monotonic ns).
  int64_t refusal_logged_mono_ns_[kPhoneRefusals] = {};
};

}  // namespace lansync::sntpd
