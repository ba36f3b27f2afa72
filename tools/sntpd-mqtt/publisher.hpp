// sntpd-mqtt's connection to the broker: libmosquitto driven from one poll() loop of our own.
//
// It connects (MQTT 3.1.1, keepalive 30 s, clean session, a last will of "offline" on the
// availability topic, retained), says "online" there, and publishes what sntpd sends (Outbox),
// retained, at QoS 1, so that "published" counts what the broker acknowledged.  A connection that
// fails, is refused, goes unanswered for the keepalive or is lost is tried again after a delay of
// 1 s doubling up to 5 min (core::Backoff), back to 1 s once a connection is accepted.  The first
// failure after a success (or at start) is logged; the others, until the next success, only with
// --verbose.  Every change of state is reported to sntpd (os/ipc_mqtt.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/backoff.hpp"
#include "os/ipc_mqtt.hpp"
#include "outbox.hpp"

struct mosquitto;

namespace lansync::mqtt {

struct PublisherConfig {
  std::string host;
  int port = 1883;
  std::string client_id;
  std::string availability_topic;
  std::optional<std::string> username;  // none: anonymous
  std::string password;
  bool tls = false;
  std::string ca_file;  // with tls: a PEM file of CAs ("": the system's, /etc/ssl/certs)
};

class Publisher {
 public:
  // Creates the client; false from ok() when libmosquitto refused the settings (logged).
  explicit Publisher(const PublisherConfig& config);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;
  bool ok() const { return mosq_ != nullptr; }

  // Serves the channel and the broker until SIGTERM (signal_fd readable) or the channel closes;
  // then says "offline" (waiting at most a second for the broker) and disconnects.  The exit code.
  int run(int channel_fd, int signal_fd);

 private:
  enum class State { Down, Connecting, Up };

  static void on_connect(mosquitto* m, void* self, int rc);
  static void on_publish(mosquitto* m, void* self, int mid);
  void connect();
  // A connection attempt failed or the connection was lost: why, in words.
  void lost(const std::string& why);
  // The outcome of a libmosquitto call: a failure (rc != 0) ends the connection.
  void check(int rc);
  void flush();
  // Reads sntpd's messages; false when the channel closed.
  bool read_channel();
  void report();
  void goodbye();

  PublisherConfig config_;
  mosquitto* mosq_ = nullptr;
  int channel_fd_ = -1;
  State state_ = State::Down;
  int64_t due_mono_ns_ = 0;  // Down: the next attempt; Connecting: when it is given up
  core::Backoff backoff_{1'000'000'000, 300'000'000'000};
  bool failure_logged_ = false;  // since the last success
  uint64_t failed_in_row_ = 0;
  Outbox outbox_;
  os::mqtt::Report report_;
  std::string reported_;            // the last report sent, encoded
  std::optional<int> goodbye_mid_;  // the "offline" message, while it waits for its acknowledgement
  bool goodbye_acknowledged_ = false;
};

}  // namespace lansync::mqtt
