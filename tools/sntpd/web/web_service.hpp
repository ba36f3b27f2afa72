// sntpd's HTTP interface (--http), its parts put together:
//   - the web process (web_process.hpp): the listening socket, sntpd-web that serves it without
//     privileges, kept running, and the channel to it;
//   - the endpoints that need the daemon (web_endpoints.hpp): /time, /metrics, /exchange, /set and
//     /sync-camera, answered over the channel, the daemon reached through WebSources;
//   - the record of the phones' requests (phone_record.hpp): counts, log lines, the activity log.
// Everything runs in the event loop's thread and never blocks on the web process.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "event_loop.hpp"
#include "os/clock.hpp"
#include "os/error.hpp"
#include "status/status_snapshot.hpp"
#include "web/http_config.hpp"
#include "web/phone_record.hpp"
#include "web/web_endpoints.hpp"
#include "web/web_process.hpp"

namespace lansync::sntpd {

// How long from r's time its reference stays trusted if nothing changes (what the web process
// may send a Date header for): 0 while unsynchronized, until its reliable_until_ns, or
// os::web::kTrustedUntilChanged for a reference with no end (a local stratum).
int64_t trusted_for_ns(const ReferenceSnapshot& r);

class WebService {
 public:
  // Binds the listening socket (before privileges are dropped) and finds sntpd-web (WebProcess::bind).
  static os::OsResult<std::unique_ptr<WebService>> bind(os::Clock& clock, HttpConfig config);
  WebService(const WebService&) = delete;
  WebService& operator=(const WebService&) = delete;

  // Starts the web process and answers its requests from sources, in loop (logs "http: serving on
  // ADDR:PORT").
  void attach(EventLoop& loop, WebSources sources);
  // Stops the web process: SIGTERM, then SIGKILL after 2 s.
  void stop() { process_->stop(); }

  // The address it listens on, e.g. "127.0.0.1:8080".
  const std::string& address() const { return process_->address(); }
  // Its counters and last phone sets for the status report.
  HttpSnapshot status() const;
  // Whether the web process refused the certificate and key, which stopped the loop.
  bool tls_refused() const { return process_->tls_refused(); }

 private:
  WebService(os::Clock& clock, HttpConfig config);

  os::Clock& clock_;
  HttpConfig config_;  // before the parts, which read it
  std::unique_ptr<WebProcess> process_;
  PhoneRecord record_;
  std::optional<WebEndpoints> endpoints_;  // attach()'s
};

}  // namespace lansync::sntpd
