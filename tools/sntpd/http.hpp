// sntpd's HTTP interface (--http): the time for devices without NTP, the phone page, metrics.
//
//   GET  /          the page (page.html, embedded at build time)
//   GET  /time      the time and the reference state as JSON
//   GET  /exchange  one NTP-style exchange: the server's T2/T3 and a token for them
//   POST /set       a phone sets the clock: {"token", "t1_ms", "t4_ms"}
//   GET  /metrics   Prometheus text: the counters and the reference state
//
// cpp-httplib serves it from its own threads; everything they need from the
// daemon goes through Daemon's thread-safe calls (reference_snapshot,
// set_from_phone, status_snapshot).  A set is judged by core/phone's rules; each
// attempt, taken or refused, is logged and appended as one JSON line to the
// activity log.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/phone.hpp"
#include "nlohmann/json_fwd.hpp"
#include "os/clock.hpp"
#include "os/error.hpp"
#include "os/exchange_token.hpp"
#include "status_snapshot.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace lansync::sntpd {

class Daemon;

struct HttpConfig {
  std::string listen;                       // --http ADDR:PORT
  std::vector<core::Cidr> set_allow;        // --http-set-allow
  std::vector<std::string> set_interfaces;  // --http-set-interface
  std::string activity_log;                 // --activity-log ("" = none)
};

class HttpServer {
 public:
  // Binds the listening socket (before privileges are dropped); serves from start().
  static os::OsResult<std::unique_ptr<HttpServer>> bind(Daemon& daemon, os::Clock& clock, HttpConfig config);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  void stop();  // returns once no handler runs any more

  // The address it listens on, e.g. "127.0.0.1:8080".
  const std::string& address() const { return address_; }
  // Its counters and last phone sets for the status report (thread-safe).
  HttpSnapshot status();

 private:
  enum Endpoint : size_t { kPage, kTime, kExchange, kSet, kMetrics, kOther, kEndpoints };

  HttpServer(Daemon& daemon, os::Clock& clock, HttpConfig config);
  void routes();
  void handle_time(httplib::Response& res);
  void handle_exchange(httplib::Response& res);
  void handle_set(const httplib::Request& req, httplib::Response& res);
  void handle_metrics(httplib::Response& res);
  core::SetAccess set_access();
  // Records one attempt: counters, the log line and the activity log.
  void record(const std::string& client, const std::string& trigger, core::PhoneRefusal refusal,
              const std::string& message, const std::optional<core::PhoneMeasurement>& m,
              const std::string& user_agent);

  Daemon& daemon_;
  os::Clock& clock_;
  HttpConfig config_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string address_;
  os::ExchangeTokens tokens_;

  std::atomic<uint64_t> requests_[kEndpoints] = {};
  std::atomic<uint64_t> sets_{0};
  std::atomic<uint64_t> host_refused_{0};  // requests refused for their Host (DNS rebinding)
  std::atomic<uint64_t> refused_[static_cast<size_t>(core::PhoneRefusal::kCount)] = {};
  std::mutex last_mutex_;                     // guards the two below and activity-log appends
  std::optional<PhoneAttempt> last_set_;      // none before the first
  std::optional<PhoneAttempt> last_refusal_;  // likewise
  bool log_failed_ = false;                   // warned once about the activity log
  // Per refusal reason, when its last log line was written (monotonic ns; guarded by last_mutex_).
  int64_t refusal_logged_mono_ns_[static_cast<size_t>(core::PhoneRefusal::kCount)] = {};
};

}  // namespace lansync::sntpd
