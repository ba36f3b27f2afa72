// sntpd's daemon: its parts put together, and the order in which they start and stop.
//
// Serving runs in the workers (worker.hpp).  The main thread runs an event
// loop (event_loop.hpp) for the other parts, each with one job: the upstream
// set polls the --upstream servers (upstream_set.hpp), the reference keeper
// re-chooses the reference every second and publishes it to the workers
// (reference_keeper.hpp), the broadcaster sends the --broadcast packets
// (broadcaster.hpp) and the control service answers `sntpd status`
// (control_service.hpp).  The HTTP interface (web_service.hpp) serves its web
// process's channel from the same loop, and reaches the reference keeper and
// the status report through WebSources, as the control service does through
// ControlSources.  When phones may set the clock, the reliability log
// (reliability_log.hpp), told by the keeper, writes the activity log's
// became_unreliable, no_client and client_back lines.  The status report is
// one snapshot (status_snapshot.hpp) built from the parts by status_report.hpp.
// It stops on SIGTERM or SIGINT.
#pragma once

#include <memory>
#include <vector>

#include "broadcaster.hpp"
#include "core/phone.hpp"
#include "mqtt/mqtt_topics.hpp"
#include "options.hpp"
#include "os/clock.hpp"
#include "os/ipc_control.hpp"
#include "os/net_udp.hpp"
#include "reference/reference_keeper.hpp"
#include "status/control_service.hpp"
#include "status/status_report.hpp"
#include "status/status_snapshot.hpp"
#include "upstream/upstream_set.hpp"
#include "worker.hpp"

namespace lansync::sntpd {

class WebService;
class NtsService;
class MqttService;
struct MqttConfig;
class Upstreams;

class Daemon {
 public:
  // The clock served and set, the settings, what the workers share, the --upstream servers (added).
  Daemon(os::Clock& clock, const Options& options, std::unique_ptr<core::Server> state,
         std::unique_ptr<Upstreams> upstreams, FrequencyKeepers keepers = {});
  ~Daemon();  // stops the web process first

  // A worker serving these sockets (started by run(): a thread of its own, or
  // with in_loop the main thread's event loop); the served precision widens to
  // the coarsest of their receive stamps.
  void add_worker(std::vector<os::UdpSocket> sockets, bool in_loop = false);
  // A --broadcast destination.
  void add_broadcast(Broadcast b) { broadcaster_.add(std::move(b)); }
  // The control socket `sntpd status` asks.
  void set_control(os::ControlServer control);
  // The HTTP interface, started and stopped with run().
  void set_http(std::unique_ptr<WebService> http);
  // The NTS server's keys and key exchange (--nts-server), started and stopped with run().
  void set_nts(std::unique_ptr<NtsService> nts);
  // The MQTT publisher (--mqtt), started and stopped with run(); camera_state: camsync's file
  // ("" none), for the state's last camera run.
  void set_mqtt(MqttConfig config, std::string camera_state);

  // Runs until SIGTERM/SIGINT; returns false if the event loop failed.
  bool run();
  // Whether run() stopped because sntpd-web refused --http-tls-cert and --http-tls-key, or
  // sntpd-nts refused --nts-cert and --nts-key.
  bool http_tls_refused() const;

 private:
  void start_serving(EventLoop& loop);
  void stop_serving();

  os::Clock& clock_;
  std::unique_ptr<core::Server> state_;
  UpstreamSet upstreams_;
  std::unique_ptr<ReliabilityLog> reliability_;  // before keeper_, which reports to it
  ReferenceKeeper keeper_;
  Broadcaster broadcaster_;
  std::vector<std::unique_ptr<Worker>> workers_;
  bool serve_in_loop_ = false;  // --workers 0: the one worker serves from the event loop
  std::unique_ptr<ControlService> control_;
  std::unique_ptr<WebService> http_;   // it uses the parts above
  std::unique_ptr<MqttService> mqtt_;  // it uses the parts above and http_
  std::unique_ptr<NtsService> nts_;    // it gives state_ the cookie keys
  StatusReport report_;                // reads every part above
};

}  // namespace lansync::sntpd
