// sntpd's daemon; see daemon.hpp.
#include "daemon.hpp"

#include <string>

#include "cli/command_line.hpp"
#include "event_loop.hpp"
#include "mqtt/mqtt_service.hpp"
#include "nts/nts_service.hpp"
#include "os/ipc_notify.hpp"
#include "os/log.hpp"
#include "os/random.hpp"
#include "upstream/upstreams.hpp"
#include "web/web_service.hpp"

namespace lansync::sntpd {
namespace {

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
               std::unique_ptr<Upstreams> upstreams, FrequencyKeepers keepers)
    : clock_(clock),
      state_(std::move(state)),
      upstreams_(clock, std::move(upstreams), options.drift_file, options.state, std::move(keepers)),
      reliability_(reliability_log(clock, options)),
      keeper_(clock, *state_, upstreams_, reference_config(options)),
      broadcaster_(clock, keeper_, options.broadcast_interval_s),
      report_({clock, *state_, upstreams_, keeper_, broadcaster_, workers_, http_, mqtt_}) {
  keeper_.report_reliability(reliability_.get());
}

Daemon::~Daemon() = default;

void Daemon::set_http(std::unique_ptr<WebService> http) { http_ = std::move(http); }

void Daemon::set_nts(std::unique_ptr<NtsService> nts) { nts_ = std::move(nts); }

void Daemon::set_mqtt(MqttConfig config, std::string camera_state) {
  mqtt_ = std::make_unique<MqttService>(
      std::move(config), MqttSources{[this, camera_state] { return report_.mqtt_state(camera_state); }});
}

void Daemon::set_control(os::ControlServer control) {
  control_ = std::make_unique<ControlService>(
      std::move(control),
      ControlSources{[this] { return report_.snapshot(); }, [this] { return report_.clients(); }});
}

void Daemon::add_worker(std::vector<os::UdpSocket> sockets, bool in_loop) {
  serve_in_loop_ = in_loop;
  report_.note_sockets(sockets);
  keeper_.widen_precision(report_.receive_stamping());
  workers_.push_back(std::make_unique<Worker>(clock_, *state_, std::move(sockets), random_u64()));
}

bool Daemon::run() {
  EventLoop loop;
  if (!loop.stop_on_signals()) return false;
  keeper_.refresh();
  start_serving(loop);
  // The sockets are bound and privileges dropped (main did both): ready.
  keeper_.notify_ready();
  keeper_.attach(loop);  // the references' own descriptors and timers too
  if (reliability_) reliability_->attach(loop);
  broadcaster_.attach(loop);
  if (http_) {  // before the control socket: a status after a request counts it
    http_->attach(loop,
                  WebSources{[this] { return keeper_.snapshot(); }, [this] { return report_.snapshot(); },
                             [this](const proto::PhoneExchange& x, int64_t issued_mono_ns,
                                    const std::optional<std::string>& time_zone,
                                    const std::optional<core::PhoneHolder>& holder) {
                               return keeper_.set_from_phone(x, issued_mono_ns, time_zone, holder);
                             }});
  }
  if (mqtt_) mqtt_->attach(loop);
  if (nts_) nts_->attach(loop);
  if (control_) control_->attach(loop);
  bool ok = loop.run();
  stop_serving();
  return ok;
}

bool Daemon::http_tls_refused() const {
  return (http_ && http_->tls_refused()) || (nts_ && nts_->tls_refused());
}

void Daemon::start_serving(EventLoop& loop) {
  for (auto& w : workers_) serve_in_loop_ ? w->attach(loop) : w->start();
}

void Daemon::stop_serving() {
  (void)os::notify_systemd("STOPPING=1");
  upstreams_.save_drift();
  if (mqtt_) mqtt_->stop();  // it says "offline" first
  if (http_) http_->stop();
  if (nts_) nts_->stop();
  for (auto& w : workers_) w->stop();
  CounterSnapshot t = report_.counters();
  std::string reasons;  // every reason, named as `sntpd status` names them
  for (size_t r = 0; r < kDropReasons; ++r) {
    reasons += fmt::format("{}{} {}", r == 0 ? "" : ", ", t.dropped[r],
                           proto::describe(static_cast<proto::DropReason>(r)));
  }
  os::log::info("{} requests, {} replies, {} dropped ({})", t.requests, t.replies, t.dropped_total(),
                reasons);
}

}  // namespace lansync::sntpd
