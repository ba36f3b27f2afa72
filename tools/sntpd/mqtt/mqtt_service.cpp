// sntpd's MQTT publisher; see mqtt_service.hpp.
#include "mqtt/mqtt_service.hpp"

#include <nlohmann/json.hpp>

#include "os/clock.hpp"
#include "os/ipc_seqpacket.hpp"
#include "os/log.hpp"

namespace lansync::sntpd {
namespace {

// The descriptors sntpd-mqtt gets besides its channel, when they are given.
constexpr int kCredentialsFd = ChildProcess::kFirstFd;
constexpr int64_t kTickNs = 1'000'000'000;
constexpr int64_t kRepublishNs = 60'000'000'000;  // the state goes out at least this often

void add(os::mqtt::Report& sum, const os::mqtt::Report& r) {
  sum.connects += r.connects;
  sum.failures += r.failures;
  sum.dropped += r.dropped;
  sum.published += r.published;
}

}  // namespace

MqttService::MqttService(MqttConfig config, MqttSources sources)
    : config_(std::move(config)),
      sources_(std::move(sources)),
      publisher_("sntpd-mqtt", LANSYNC_MQTT_BINARY, "mqtt", config_.user, config_.user_name) {}

void MqttService::attach(EventLoop& loop) {
  os::log::info("mqtt: publishing to {} under {}/", config_.url_text, config_.identity.prefix);
  spawn();
  loop.watch_set(
      [this] { return channel_.get() >= 0 ? std::vector<int>{channel_.get()} : std::vector<int>{}; },
      [this] { on_channel(); });
  loop.every(Heartbeat::kPeriodNs, os::monotonic_ns() + Heartbeat::kPeriodNs, [this] { beat(); });
  loop.every(kTickNs, os::monotonic_ns() + kTickNs, [this] { tick(false); });
  loop.when([this] { return publisher_.restart_due_mono_ns(); }, [this] { spawn(); });
}

void MqttService::spawn() {
  const MqttUrl& u = config_.url;
  std::vector<std::string> args = {"--channel-fd",
                                   std::to_string(ChildProcess::kChannelFd),
                                   "--host",
                                   u.host,
                                   "--port",
                                   std::to_string(u.port),
                                   "--client-id",
                                   "lansync-" + config_.identity.node,
                                   "--availability-topic",
                                   availability_topic(config_.identity)};
  std::vector<int> fds;
  if (config_.credentials.get() >= 0) {
    args.insert(args.end(),
                {"--credentials-fd", std::to_string(kCredentialsFd + static_cast<int>(fds.size()))});
    fds.push_back(config_.credentials.get());
  }
  if (u.tls) args.push_back("--tls");
  if (config_.ca.get() >= 0) {
    args.insert(args.end(), {"--ca-fd", std::to_string(kCredentialsFd + static_cast<int>(fds.size()))});
    fds.push_back(config_.ca.get());
  }
  if (config_.verbose) args.push_back("--verbose");
  channel_ = publisher_.start(args, fds);
  if (channel_.get() < 0) return;
  heartbeat_.restart();
  report_ = {};
  for (const MqttPublication& p : mqtt_discovery(config_.identity)) publish(p.topic, p.payload);
  tick(/*force=*/true);
}

void MqttService::publish(const std::string& topic, const std::string& payload) {
  os::mqtt::Message m;
  m.type = os::mqtt::Type::Publish;
  m.topic = topic;
  m.payload = payload;
  // Never blocks: a publisher that does not read misses the message, and the next state goes
  // out within the minute.
  if (channel_.get() < 0 || !os::mqtt::send(channel_.get(), m)) ++unsent_;
}

void MqttService::tick(bool force) {
  if (channel_.get() < 0) return;
  nlohmann::ordered_json state = mqtt_state_json(sources_.state());
  std::string key = mqtt_state_key(state).dump();
  int64_t mono_now_ns = os::monotonic_ns();
  if (!force && key == sent_key_ && mono_now_ns - sent_mono_ns_ < kRepublishNs) return;
  publish(state_topic(config_.identity),
          state.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  sent_key_ = std::move(key);
  sent_mono_ns_ = mono_now_ns;
}

void MqttService::on_channel() {
  for (int i = 0; i < ChildProcess::kMessagesPerRound && channel_.get() >= 0; ++i) {
    ssize_t n = os::mqtt::receive(channel_.get(), buf_, /*wait=*/false);
    if (n == 0 || (n < 0 && n != os::kOversized && errno != EAGAIN && errno != EWOULDBLOCK)) {
      return child_gone();
    }
    if (n == -1) return;  // nothing more for now
    auto m = n > 0 ? os::mqtt::decode(
                         std::string_view(reinterpret_cast<const char*>(buf_.data()), static_cast<size_t>(n)))
                   : fail(os::mqtt::DecodeError::BadPayload);
    if (!m || (m->type != os::mqtt::Type::Pong && m->type != os::mqtt::Type::Report)) {
      ++malformed_;
      if (os::log::once_a_minute(malformed_logged_mono_ns_)) {
        os::log::warn("mqtt: dropped a malformed message from sntpd-mqtt ({}; logged at most once a minute)",
                      m ? "not for sntpd" : os::mqtt::code(m.error()));
      }
      continue;
    }
    if (m->type == os::mqtt::Type::Pong) {
      heartbeat_.pong(m->sequence);
    } else {
      report_ = m->report;
    }
  }
}

void MqttService::child_gone() {
  channel_.reset();
  publisher_.gone();
  add(earlier_, report_);
  if (!report_.last_error.empty()) earlier_.last_error = report_.last_error;
  report_ = {};
  sent_key_.clear();
}

void MqttService::beat() {
  if (!publisher_.running() || channel_.get() < 0) return;
  int64_t mono_now_ns = os::monotonic_ns();
  if (heartbeat_.hung(mono_now_ns)) {
    os::log::warn("mqtt: sntpd-mqtt (pid {}) did not answer for {} s; killing and starting it again",
                  publisher_.pid(), heartbeat_.silent_ns(mono_now_ns) / 1'000'000'000);
    return child_gone();
  }
  os::mqtt::Message ping;
  ping.type = os::mqtt::Type::Ping;
  ping.sequence = heartbeat_.ping(mono_now_ns);
  os::mqtt::send(channel_.get(), ping);  // one that cannot go is missed all the same
}

void MqttService::stop() {
  channel_.reset();
  publisher_.stop();
}

MqttSnapshot MqttService::status() const {
  os::mqtt::Report sum = earlier_;
  add(sum, report_);
  MqttSnapshot s;
  s.broker = config_.url_text;
  s.connected = report_.connected;
  s.connects = sum.connects;
  s.failures = sum.failures;
  s.published = sum.published;
  s.dropped = sum.dropped + unsent_;
  s.restarts = publisher_.restarts();
  s.last_error = report_.last_error.empty() ? earlier_.last_error : report_.last_error;
  return s;
}

}  // namespace lansync::sntpd
