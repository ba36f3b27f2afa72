// sntpd's status report: one snapshot built from the daemon's parts, for every reader.
//
// The control socket (`sntpd status`), the web process (GET /time,
// /metrics) and the MQTT publisher each ask for it; the parts are read each
// under its own lock (the reference keeper, its references, the workers'
// counters, the client table, the HTTP and MQTT services), never formatted
// and parsed again (status_snapshot.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mqtt/mqtt_topics.hpp"
#include "os/clock.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::core {
class Server;
}

namespace lansync::sntpd {

class Broadcaster;
class MqttService;
class ReferenceKeeper;
class UpstreamSet;
class WebService;
class Worker;

// The parts a report reads; the daemon owns them and outlives the report.
struct ReportedParts {
  os::Clock& clock;
  core::Server& server;
  UpstreamSet& upstreams;
  ReferenceKeeper& keeper;
  Broadcaster& broadcaster;
  const std::vector<std::unique_ptr<Worker>>& workers;
  const std::unique_ptr<WebService>& http;   // none: no HTTP interface
  const std::unique_ptr<MqttService>& mqtt;  // none: no MQTT publisher
};

class StatusReport {
 public:
  // Started now (the uptime counts from here).
  explicit StatusReport(ReportedParts parts);

  // Notes how a worker's sockets stamp datagrams (before run()).
  void note_sockets(const std::vector<os::UdpSocket>& sockets);
  // The coarsest receive stamps of the sockets noted.
  os::RxStamping receive_stamping() const { return timestamps_.receive; }

  // The status report, built now.  Thread-safe.
  StatusSnapshot snapshot();
  // The clients in the table, most recent first (sntpd status --clients).  Thread-safe.
  std::vector<ClientEntry> clients();
  // The workers' and the broadcaster's counts.  Thread-safe.
  CounterSnapshot counters();
  // What the MQTT state topic says now; camera_state: camsync's file ("": none).  Thread-safe.
  MqttState mqtt_state(const std::string& camera_state);

 private:
  ClockSnapshot clock_snapshot();

  ReportedParts parts_;
  TimestampSnapshot timestamps_;  // of the workers' sockets, noted before run()
  int64_t start_mono_ns_;
};

}  // namespace lansync::sntpd
