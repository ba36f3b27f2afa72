// sntpd's main loop: reference keeping, upstream polling, broadcasts, the control socket.
//
// Serving runs in the workers (server.hpp); this thread decides, once a
// second, which reference the clock follows (core/reference) and publishes it
// to them, logs every change of reference, polls the upstream servers, sends
// the broadcasts and answers `sntpd status`.  It stops on SIGTERM or SIGINT.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/auth.hpp"
#include "core/phone.hpp"
#include "core/reference.hpp"
#include "nlohmann/json_fwd.hpp"
#include "options.hpp"
#include "os/clock.hpp"
#include "os/control.hpp"
#include "os/udp.hpp"
#include "server.hpp"
#include "upstreams.hpp"

namespace lansync::sntpd {

class HttpServer;

struct Broadcast {
  os::SocketAddress address;
  os::UdpSocket socket;
  const proto::MacKeys* keys = nullptr;  // with key_id: sign each broadcast
  uint32_t key_id = 0;                  // 0: unsigned
};

class Daemon {
 public:
  Daemon(os::Clock& clock, const Options& options, std::unique_ptr<ServeState> state,
         std::unique_ptr<Upstreams> upstreams);
  ~Daemon();

  void add_worker(std::vector<os::UdpSocket> sockets);
  void add_broadcast(Broadcast b) { broadcasts_.push_back(std::move(b)); }
  void set_control(os::ControlServer control) { control_ = std::move(control); }
  // The HTTP interface, started and stopped with run().
  void set_http(std::unique_ptr<HttpServer> http);

  // Runs until SIGTERM/SIGINT; returns false if the event loop failed.
  bool run();

  // The status report, as `sntpd status --json` prints it.  Thread-safe.
  nlohmann::ordered_json status_json();
  // The clients in the table, most recent first (sntpd status --clients).
  nlohmann::ordered_json clients_json();
  // Picks the reference now and publishes it (also done every second by run()).  Thread-safe.
  void refresh_reference();

  // The reference as last chosen.  Thread-safe.
  struct ReferenceView {
    core::ReferenceChoice choice;
    // The sync-state file's source ("phone", "rtc", ...), else the kind ("upstream", "local", ...).
    std::string source;
    int64_t max_age_ns = 0;
  };
  ReferenceView reference_view();

  // A phone's exchange x (T2/T3 ours, issued at monotonic issued_mono_ns):
  // judged on evidence gathered now (core::judge_phone_set); when accepted,
  // the clock is stepped and recorded (os::correct_clock, source "phone")
  // and the reference re-chosen at once.  ClockFailed when the step or the
  // record failed (the reason says which).  Thread-safe.
  core::PhoneVerdict set_from_phone(const core::PhoneExchange& x, int64_t issued_mono_ns);

 private:
  void send_broadcasts();
  core::ReferenceEvidence gather_evidence(std::string* state_source);
  void refresh_reference_locked();
  // Tells systemd the reference served ("serving stratum 3 from phone, 12 min
  // old" / "unsynchronized: ..."), when that line changed; prefix goes first.
  void notify_status_locked(std::string_view prefix = "");
  // Writes the clock's frequency to --drift-file, once the discipline is ours.
  void save_drift_locked();
  nlohmann::ordered_json status_json_locked();

  os::Clock& clock_;
  Options options_;
  std::unique_ptr<ServeState> state_;
  std::unique_ptr<Upstreams> upstreams_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Broadcast> broadcasts_;
  os::ControlServer control_;
  int8_t precision_log2_;
  int64_t start_ns_;
  int64_t start_mono_ns_;
  std::unique_ptr<HttpServer> http_;
  std::mutex mutex_;  // the main loop's state below, and upstreams_, against the HTTP threads
  core::ReferenceChoice reference_;
  std::string reference_source_;
  bool have_reference_ = false;
  std::string systemd_status_;  // the STATUS= line systemd has last been sent
  bool drift_save_failed_ = false;  // warned once until a save works again
  uint64_t broadcasts_sent_ = 0;
};

}  // namespace lansync::sntpd
