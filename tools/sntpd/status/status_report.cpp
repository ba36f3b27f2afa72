// sntpd's status report; see status_report.hpp.
#include "status/status_report.hpp"

#include "broadcaster.hpp"
#include "core/server.hpp"
#include "mqtt/mqtt_service.hpp"
#include "os/camera_state.hpp"
#include "os/clock_compensated.hpp"
#include "os/clock_simulated.hpp"
#include "os/net_address.hpp"
#include "reference/reference_keeper.hpp"
#include "stamping.hpp"
#include "status/status_json.hpp"
#include "upstream/upstream_set.hpp"
#include "web/web_service.hpp"
#include "worker.hpp"

namespace lansync::sntpd {
namespace {

constexpr size_t kMaxClientsListed = 1000;  // sntpd status --clients: the most recent
constexpr int64_t kHourNs = 3600'000'000'000;

}  // namespace

StatusReport::StatusReport(ReportedParts parts) : parts_(parts), start_mono_ns_(os::monotonic_ns()) {}

void StatusReport::note_sockets(const std::vector<os::UdpSocket>& sockets) {
  note_stamping(timestamps_, sockets);
}

CounterSnapshot StatusReport::counters() {
  CounterSnapshot c = sum_counters(parts_.workers);
  c.broadcasts_sent = parts_.broadcaster.sent();
  return c;
}

ClockSnapshot StatusReport::clock_snapshot() {
  ClockSnapshot c;
  os::Clock* base = &parts_.clock;
  if (auto* compensated = dynamic_cast<os::CompensatedClock*>(base)) base = &compensated->inner();
  auto* simulated = dynamic_cast<os::SimulatedClock*>(base);
  c.simulated = simulated != nullptr;
  if (simulated) c.simulated_offset_ns = simulated->offset_ns();
  c.control = parts_.upstreams.controls_clock();
  // As chronyc tracking shows them: the kernel's frequency correction and the
  // offset it has still to slew out (positive: the clock is behind).
  if (auto kernel = parts_.clock.sync_status(); kernel) {
    c.frequency_ppm = kernel->frequency_ppm;
    c.system_time_offset_ns = kernel->offset_ns;
  }
  // While sntpd disciplines the clock, the kernel's frequency includes the
  // slew in progress: chronyc's figures are the drift and the slew apart.
  if (auto t = parts_.upstreams.tracking()) {
    c.frequency_ppm = t->base_ppm;
    c.system_time_offset_ns = t->remaining_ns;
    c.skew_ppm = t->skew_ppm;
    c.last_offset_ns = t->offset_ns;
    c.drift_bound_ppm = t->drift_bound_ppm;
    if (t->holdover_ppm != 0) c.holdover_ppm = t->holdover_ppm;
    c.ramp_ppm_per_h = t->ramp_ppm_per_h;
    if (t->poll_s > 0) {
      c.offset_error_ns = t->offset_error_ns;
      c.poll_s = t->poll_s;
    }
  }
  return c;
}

StatusSnapshot StatusReport::snapshot() {
  StatusSnapshot s;
  s.version = LANSYNC_VERSION;
  s.uptime_ns = os::monotonic_ns() - start_mono_ns_;
  s.reference = parts_.keeper.snapshot();
  s.clock = clock_snapshot();
  s.timestamps = timestamps_;
  parts_.keeper.describe(s);  // each reference's part: the upstream servers
  s.counters = counters();
  {
    std::lock_guard<std::mutex> lock(parts_.server.clients_mutex());
    s.clients.seen = parts_.server.clients().clients_seen();
    s.clients.tracked = parts_.server.clients().in_use();
    s.clients.capacity = parts_.server.clients().capacity();
  }
  if (parts_.http) s.http = parts_.http->status();
  if (parts_.mqtt) s.mqtt = parts_.mqtt->status();
  s.temperature = parts_.upstreams.thermal();
  s.pulse = parts_.upstreams.pulse();
  return s;
}

std::vector<ClientEntry> StatusReport::clients() {
  std::vector<core::ClientRecord> recent;
  {
    std::lock_guard<std::mutex> lock(parts_.server.clients_mutex());
    recent = parts_.server.clients().recent(kMaxClientsListed);
  }
  // The table's times are monotonic (core::Server::handle): shown on the served clock.
  int64_t real_now_ns = parts_.clock.now_ns();
  int64_t now_mono = os::monotonic_ns();
  std::vector<ClientEntry> list;
  for (const core::ClientRecord& r : recent) {
    int64_t ago = now_mono - r.last_ns;
    list.push_back({os::to_text(r.address), r.requests, r.interleaved, real_now_ns - ago, ago});
  }
  return list;
}

MqttState StatusReport::mqtt_state(const std::string& camera_state) {
  MqttState m;
  m.reference = parts_.keeper.snapshot();
  {
    std::lock_guard<std::mutex> lock(parts_.server.clients_mutex());
    m.clients_last_hour = parts_.server.clients().heard_since(os::monotonic_ns() - kHourNs);
  }
  if (!camera_state.empty()) m.camera = camera_snapshot(os::read_camera_state(camera_state));
  if (parts_.http) {
    HttpSnapshot h = parts_.http->status();
    const auto& set = h.last_set;
    const auto& verified = h.last_verification;
    // The later of the two (format_utc's text sorts as time does).
    m.phone = set && (!verified || set->time_utc >= verified->time_utc) ? set : verified;
  }
  m.clock = clock_snapshot();
  std::vector<UpstreamSnapshot> lines;
  std::optional<int64_t> last_offset_ns;
  std::optional<SelectionSnapshot> selection;
  parts_.upstreams.describe(lines, last_offset_ns, selection);
  for (UpstreamSnapshot& u : lines) {
    if (u.nts) m.nts.push_back(u);
    if (u.receiver) m.receivers.push_back(std::move(u));
  }
  return m;
}

}  // namespace lansync::sntpd
