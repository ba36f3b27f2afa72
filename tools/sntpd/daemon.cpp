// sntpd's daemon; see daemon.hpp.
#include "daemon.hpp"

#include <cmath>
#include <string>

#include "cli/command_line.hpp"
#include "event_loop.hpp"
#include "mqtt_service.hpp"
#include "os/address.hpp"
#include "os/log.hpp"
#include "os/notify.hpp"
#include "os/random.hpp"
#include "os/simulated_clock.hpp"
#include "stamping.hpp"
#include "status_json.hpp"
#include "web_service.hpp"

namespace lansync::sntpd {
namespace {

constexpr size_t kMaxClientsListed = 1000;  // sntpd status --clients: the most recent
constexpr int64_t kHourNs = 3600'000'000'000;

uint64_t random_u64() {
  uint64_t v = 0;
  os::random_bytes(&v, sizeof(v));
  return v;
}

ReferenceConfig reference_config(const Options& o) {
  return {o.state, cli::seconds_to_ns(o.max_age_s), o.local_stratum,
          o.camera_reference ? o.camera_state : ""};
}

// The reliability lines, when phones may set the clock and there is an activity log.
std::unique_ptr<ReliabilityLog> reliability_log(os::Clock& clock, const Options& o) {
  bool phones = phones_may_set(o, false);
  if (!phones || o.activity_log.empty()) return nullptr;
  return std::make_unique<ReliabilityLog>(clock, o.activity_log, cli::seconds_to_ns(o.no_client_after_s));
}

}  // namespace

Daemon::Daemon(os::Clock& clock, const Options& options, std::unique_ptr<core::Server> state,
               std::unique_ptr<Upstreams> upstreams)
    : clock_(clock),
      state_(std::move(state)),
      upstreams_(clock, std::move(upstreams), options.drift_file),
      reliability_(reliability_log(clock, options)),
      keeper_(clock, *state_, upstreams_, reference_config(options)),
      broadcaster_(clock, keeper_, options.broadcast_interval_s),
      start_mono_ns_(os::monotonic_ns()) {
  keeper_.report_reliability(reliability_.get());
}

Daemon::~Daemon() = default;

void Daemon::set_http(std::unique_ptr<WebService> http) { http_ = std::move(http); }

void Daemon::set_mqtt(MqttConfig config, std::string camera_state) {
  mqtt_ = std::make_unique<MqttService>(
      std::move(config), MqttSources{[this, camera_state] { return mqtt_state(camera_state); }});
}

MqttState Daemon::mqtt_state(const std::string& camera_state) {
  MqttState m;
  m.reference = keeper_.snapshot();
  {
    std::lock_guard<std::mutex> lock(state_->clients_mutex());
    m.clients_last_hour = state_->clients().heard_since(os::monotonic_ns() - kHourNs);
  }
  if (!camera_state.empty()) m.camera = camera_snapshot(os::read_camera_state(camera_state));
  if (http_) {
    HttpSnapshot h = http_->status();
    const auto& set = h.last_set;
    const auto& verified = h.last_verification;
    // The later of the two (format_utc's text sorts as time does).
    m.phone = set && (!verified || set->time_utc >= verified->time_utc) ? set : verified;
  }
  return m;
}

void Daemon::set_control(os::ControlServer control) {
  control_ = std::make_unique<ControlService>(
      std::move(control), ControlSources{[this] { return status_snapshot(); }, [this] { return clients(); }});
}

void Daemon::add_worker(std::vector<os::UdpSocket> sockets) {
  note_stamping(timestamps_, sockets);
  keeper_.widen_precision(timestamps_.receive);
  workers_.push_back(std::make_unique<Worker>(clock_, *state_, std::move(sockets), random_u64()));
}

bool Daemon::run() {
  EventLoop loop;
  if (!loop.stop_on_signals()) return false;
  keeper_.refresh();
  start_serving();
  // The sockets are bound and privileges dropped (main did both): ready.
  keeper_.notify_ready();
  upstreams_.attach(loop, [this] { keeper_.refresh(); });
  keeper_.attach(loop);
  if (reliability_) reliability_->attach(loop);
  broadcaster_.attach(loop);
  if (http_) {  // before the control socket: a status after a request counts it
    http_->attach(loop,
                  WebSources{[this] { return keeper_.snapshot(); }, [this] { return status_snapshot(); },
                             [this](const proto::PhoneExchange& x, int64_t issued_mono_ns,
                                    const std::optional<std::string>& time_zone,
                                    const std::optional<core::PhoneHolder>& holder) {
                               return keeper_.set_from_phone(x, issued_mono_ns, time_zone, holder);
                             }});
  }
  if (mqtt_) mqtt_->attach(loop);
  if (control_) control_->attach(loop);
  bool ok = loop.run();
  stop_serving();
  return ok;
}

bool Daemon::http_tls_refused() const { return http_ && http_->tls_refused(); }

void Daemon::start_serving() {
  for (auto& w : workers_) w->start();
}

void Daemon::stop_serving() {
  (void)os::notify_systemd("STOPPING=1");
  upstreams_.save_drift();
  if (mqtt_) mqtt_->stop();  // it says "offline" first
  if (http_) http_->stop();
  for (auto& w : workers_) w->stop();
  CounterSnapshot t = counters();
  std::string reasons;  // every reason, named as `sntpd status` names them
  for (size_t r = 0; r < kDropReasons; ++r) {
    reasons += fmt::format("{}{} {}", r == 0 ? "" : ", ", t.dropped[r],
                           proto::describe(static_cast<proto::DropReason>(r)));
  }
  os::log::info("{} requests, {} replies, {} dropped ({})", t.requests, t.replies, t.dropped_total(),
                reasons);
}

CounterSnapshot Daemon::counters() {
  CounterSnapshot c = sum_counters(workers_);
  c.broadcasts_sent = broadcaster_.sent();
  return c;
}

ClockSnapshot Daemon::clock_snapshot() {
  ClockSnapshot c;
  auto* simulated = dynamic_cast<os::SimulatedClock*>(&clock_);
  c.simulated = simulated != nullptr;
  if (simulated) c.simulated_offset_ns = simulated->offset_ns();
  c.control = upstreams_.controls_clock();
  // As chronyc tracking shows them: the kernel's frequency correction and the
  // offset it has still to slew out (positive: the clock is behind).
  if (auto kernel = clock_.sync_status(); kernel) {
    c.frequency_ppm = kernel->frequency_ppm;
    c.system_time_offset_ns = kernel->offset_ns;
  }
  return c;
}

StatusSnapshot Daemon::status_snapshot() {
  StatusSnapshot s;
  s.version = LANSYNC_VERSION;
  s.uptime_ns = os::monotonic_ns() - start_mono_ns_;
  s.reference = keeper_.snapshot();
  s.clock = clock_snapshot();
  s.timestamps = timestamps_;
  upstreams_.describe(s.upstreams, s.clock.last_offset_ns, s.selection);
  s.counters = counters();
  {
    std::lock_guard<std::mutex> lock(state_->clients_mutex());
    s.clients.seen = state_->clients().clients_seen();
    s.clients.tracked = state_->clients().in_use();
    s.clients.capacity = state_->clients().capacity();
  }
  if (http_) s.http = http_->status();
  if (mqtt_) s.mqtt = mqtt_->status();
  return s;
}

std::vector<ClientEntry> Daemon::clients() {
  std::vector<core::ClientRecord> recent;
  {
    std::lock_guard<std::mutex> lock(state_->clients_mutex());
    recent = state_->clients().recent(kMaxClientsListed);
  }
  // The table's times are monotonic (core::Server::handle): shown on the served clock.
  int64_t now = clock_.now_ns();
  int64_t now_mono = os::monotonic_ns();
  std::vector<ClientEntry> list;
  for (const core::ClientRecord& r : recent) {
    int64_t ago = now_mono - r.last_ns;
    list.push_back({os::to_text(r.address), r.requests, r.interleaved, now - ago, ago});
  }
  return list;
}

}  // namespace lansync::sntpd
