// sntpd-mqtt's connection to the broker; see publisher.hpp.
#include "publisher.hpp"

#include <mosquitto.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "os/clock.hpp"
#include "os/log.hpp"

namespace lansync::mqtt {
namespace {

constexpr int kKeepaliveS = 30;
constexpr int64_t kConnectTimeoutNs = int64_t{kKeepaliveS} * 1'000'000'000;
constexpr int64_t kGoodbyeNs = 1'000'000'000;  // how long "offline" may wait for the broker
constexpr int kMaxPollMs = 1000;               // libmosquitto's keepalive runs at least this often
constexpr int kQos = 1;
constexpr const char* kOnline = "online";
constexpr const char* kOffline = "offline";

// libmosquitto's error in words (errno's for MOSQ_ERR_ERRNO).
std::string describe(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
  return mosquitto_strerror(rc);
}

}  // namespace

Publisher::Publisher(const PublisherConfig& config) : config_(config) {
  mosquitto_lib_init();
  mosquitto* m = mosquitto_new(config_.client_id.c_str(), /*clean_session=*/true, this);
  if (m == nullptr) {
    os::log::error("cannot create the MQTT client: {}", std::strerror(errno));
    return;
  }
  int rc = mosquitto_will_set(m, config_.availability_topic.c_str(), static_cast<int>(std::strlen(kOffline)),
                              kOffline, kQos, /*retain=*/true);
  if (rc == MOSQ_ERR_SUCCESS && config_.username) {
    rc = mosquitto_username_pw_set(m, config_.username->c_str(), config_.password.c_str());
  }
  if (rc == MOSQ_ERR_SUCCESS && config_.tls) {
    rc = config_.ca_file.empty()
             ? mosquitto_tls_set(m, nullptr, "/etc/ssl/certs", nullptr, nullptr, nullptr)
             : mosquitto_tls_set(m, config_.ca_file.c_str(), nullptr, nullptr, nullptr, nullptr);
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    os::log::error("the MQTT client refused its settings: {}", describe(rc));
    mosquitto_destroy(m);
    return;
  }
  mosquitto_connect_callback_set(m, &Publisher::on_connect);
  mosquitto_publish_callback_set(m, &Publisher::on_publish);
  mosq_ = m;
}

Publisher::~Publisher() {
  if (mosq_ != nullptr) mosquitto_destroy(mosq_);
  mosquitto_lib_cleanup();
}

void Publisher::connect() {
  os::log::debug("connecting to {}:{}", config_.host, config_.port);
  // The name is resolved here, blocking: a broker named in /etc/hosts or by an address does not wait.
  state_ = State::Connecting;
  due_mono_ns_ = os::monotonic_ns() + kConnectTimeoutNs;
  int rc = mosquitto_connect_async(mosq_, config_.host.c_str(), config_.port, kKeepaliveS);
  if (rc != MOSQ_ERR_SUCCESS) lost(describe(rc));
}

void Publisher::lost(const std::string& why) {
  if (state_ == State::Down) return;  // already counted
  bool was_up = state_ == State::Up;
  state_ = State::Down;
  report_.connected = false;
  ++report_.failures;
  ++failed_in_row_;
  report_.last_error = why;
  int64_t delay_ns = backoff_.next_delay_ns();
  due_mono_ns_ = os::monotonic_ns() + delay_ns;
  if (!failure_logged_) {
    os::log::warn(
        "{} {}:{}: {}; trying again in {} s, the delay doubling up to 5 min (logged again once "
        "connected)",
        was_up ? "lost the connection to the broker" : "cannot connect to the broker", config_.host,
        config_.port, why, delay_ns / 1'000'000'000);
    failure_logged_ = true;
  } else {
    os::log::debug("{}:{}: {}; trying again in {} s", config_.host, config_.port, why,
                   delay_ns / 1'000'000'000);
  }
}

void Publisher::check(int rc) {
  if (rc != MOSQ_ERR_SUCCESS && state_ != State::Down) lost(describe(rc));
}

void Publisher::on_connect(mosquitto* /*m*/, void* self, int rc) {
  auto* p = static_cast<Publisher*>(self);
  if (rc != 0) {
    // libmosquitto closes the connection after this: the refusal is the reason.
    p->lost(fmt::format("the broker refused the connection ({})", mosquitto_connack_string(rc)));
    return;
  }
  p->state_ = State::Up;
  p->backoff_.reset();
  p->report_.connected = true;
  ++p->report_.connects;
  if (p->failed_in_row_ > 0 && p->failure_logged_) {
    os::log::info("connected to {}:{} after {} failed attempt{}", p->config_.host, p->config_.port,
                  p->failed_in_row_, p->failed_in_row_ == 1 ? "" : "s");
  } else {
    os::log::info("connected to {}:{}", p->config_.host, p->config_.port);
  }
  p->failure_logged_ = false;
  p->failed_in_row_ = 0;
  p->check(mosquitto_publish(p->mosq_, nullptr, p->config_.availability_topic.c_str(),
                             static_cast<int>(std::strlen(kOnline)), kOnline, kQos, /*retain=*/true));
  p->outbox_.resend_all();
}

void Publisher::on_publish(mosquitto* /*m*/, void* self, int mid) {
  auto* p = static_cast<Publisher*>(self);
  if (p->goodbye_mid_ && *p->goodbye_mid_ == mid) {
    p->goodbye_acknowledged_ = true;
    return;
  }
  p->outbox_.acknowledged();
}

void Publisher::flush() {
  while (state_ == State::Up) {
    std::optional<size_t> i = outbox_.next();
    if (!i) return;
    const std::string& payload = outbox_.payload(*i);
    int rc = mosquitto_publish(mosq_, nullptr, outbox_.topic(*i).c_str(), static_cast<int>(payload.size()),
                               payload.data(), kQos, /*retain=*/true);
    outbox_.handed(*i, rc == MOSQ_ERR_SUCCESS);
    if (rc != MOSQ_ERR_SUCCESS) return check(rc);
  }
}

bool Publisher::read_channel() {
  std::vector<uint8_t> buf;
  for (int i = 0; i < 64; ++i) {
    ssize_t n = os::mqtt::receive(channel_fd_, buf, /*wait=*/false);
    if (n == 0) return false;
    if (n == -1) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    auto m = n > 0 ? os::mqtt::decode(
                         std::string_view(reinterpret_cast<const char*>(buf.data()), static_cast<size_t>(n)))
                   : fail(os::mqtt::DecodeError::BadPayload);
    if (!m) {
      os::log::warn("dropped a malformed message from sntpd ({})", os::mqtt::code(m.error()));
      continue;
    }
    if (m->type == os::mqtt::Type::Publish) {
      outbox_.put(m->topic, m->payload);
    } else if (m->type == os::mqtt::Type::Ping) {
      os::mqtt::Message pong;
      pong.type = os::mqtt::Type::Pong;
      pong.sequence = m->sequence;
      os::mqtt::send(channel_fd_, pong);
    }
  }
  return true;
}

void Publisher::report() {
  report_.dropped = outbox_.dropped();
  report_.published = outbox_.published();
  os::mqtt::Message m;
  m.type = os::mqtt::Type::Report;
  m.report = report_;
  std::string encoded = os::mqtt::encode(m);
  if (encoded == reported_) return;
  if (os::mqtt::send(channel_fd_, m)) reported_ = std::move(encoded);
}

int Publisher::run(int channel_fd, int signal_fd) {
  channel_fd_ = channel_fd;
  due_mono_ns_ = os::monotonic_ns();
  for (;;) {
    int64_t mono_now_ns = os::monotonic_ns();
    if (state_ == State::Down && mono_now_ns >= due_mono_ns_) connect();
    if (state_ == State::Connecting && mono_now_ns >= due_mono_ns_) {
      lost(fmt::format("no answer from the broker within {} s", kKeepaliveS));
    }
    flush();
    report();
    int sock = state_ == State::Down ? -1 : mosquitto_socket(mosq_);
    pollfd fds[3] = {{signal_fd, POLLIN, 0}, {channel_fd, POLLIN, 0}, {sock, POLLIN, 0}};
    if (sock >= 0 && mosquitto_want_write(mosq_)) fds[2].events |= POLLOUT;
    int64_t wait_ms = kMaxPollMs;
    if (state_ == State::Down)
      wait_ms = std::min<int64_t>(wait_ms, (due_mono_ns_ - mono_now_ns) / 1'000'000 + 1);
    int n = ::poll(fds, 3, static_cast<int>(std::max<int64_t>(wait_ms, 0)));
    if (n < 0 && errno != EINTR) {
      os::log::error("poll: {}", std::strerror(errno));
      return 1;
    }
    if (n > 0 && (fds[0].revents & POLLIN) != 0) break;
    if (n > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !read_channel()) {
      os::log::info("sntpd closed the channel: stopping");
      break;
    }
    if (sock < 0 || state_ == State::Down) continue;
    if ((fds[2].revents & (POLLIN | POLLHUP | POLLERR)) != 0) check(mosquitto_loop_read(mosq_, 1));
    if (state_ != State::Down && (fds[2].revents & POLLOUT) != 0) check(mosquitto_loop_write(mosq_, 1));
    if (state_ != State::Down) check(mosquitto_loop_misc(mosq_));
  }
  goodbye();
  return 0;
}

void Publisher::goodbye() {
  if (state_ != State::Up) return;
  int mid = 0;
  if (mosquitto_publish(mosq_, &mid, config_.availability_topic.c_str(),
                        static_cast<int>(std::strlen(kOffline)), kOffline, kQos,
                        /*retain=*/true) != MOSQ_ERR_SUCCESS) {
    return;
  }
  goodbye_mid_ = mid;
  int64_t give_up = os::monotonic_ns() + kGoodbyeNs;
  while (!goodbye_acknowledged_ && state_ == State::Up && os::monotonic_ns() < give_up) {
    int sock = mosquitto_socket(mosq_);
    pollfd fd = {sock, static_cast<short>(POLLIN | (mosquitto_want_write(mosq_) ? POLLOUT : 0)), 0};
    if (::poll(&fd, 1, 100) < 0 && errno != EINTR) break;
    if ((fd.revents & POLLOUT) != 0) check(mosquitto_loop_write(mosq_, 1));
    if (state_ == State::Up && (fd.revents & (POLLIN | POLLHUP | POLLERR)) != 0)
      check(mosquitto_loop_read(mosq_, 1));
  }
  if (state_ == State::Up) {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_write(mosq_, 1);
  }
  os::log::info("said offline to {}:{}{}", config_.host, config_.port,
                goodbye_acknowledged_ ? "" : " (not acknowledged within a second)");
}

}  // namespace lansync::mqtt
