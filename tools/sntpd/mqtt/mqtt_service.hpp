// sntpd's MQTT publisher (--mqtt): the state for a dashboard, through sntpd-mqtt.
//
// sntpd renders what is published (mqtt_topics.hpp) and hands it over the channel
// (os/ipc_mqtt.hpp) to sntpd-mqtt, a process of its own (tools/sntpd-mqtt): libmosquitto,
// its TLS and the broker's connection stay out of the NTP process, which never waits on the
// broker, and a broker that misbehaves can exhaust at most that process (its own bounds, and
// RLIMIT_DATA).  It runs as the web process's user, without any capability (child_process.hpp),
// started again with a backoff when it exits and killed when it stops answering the heartbeat.
//
// Every second, the state is built (MqttSources) and sent when it changed (mqtt_state_key), and at
// least every minute.  When sntpd-mqtt starts, it gets the discovery configs and the state first.
// Its reports (connected, failures, dropped...) are the status report's "mqtt" (MqttSnapshot).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "event_loop.hpp"
#include "heartbeat.hpp"
#include "mqtt/mqtt_topics.hpp"
#include "os/fd.hpp"
#include "os/ipc_mqtt.hpp"
#include "os/proc_privileges.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

struct MqttConfig {
  std::string url_text;  // --mqtt, as given
  MqttUrl url;           // parsed
  MqttIdentity identity;
  os::Fd credentials;  // --mqtt-credentials as "USERNAME\nPASSWORD" in a sealed memory file; -1: none
  os::Fd ca;           // --mqtt-ca's PEM in a sealed memory file; -1: the system's CAs (mqtts only)
  bool verbose = false;
  std::optional<os::UserIds> user;  // whom sntpd-mqtt runs as (none: sntpd's user)
  std::string user_name;
};

// What the publisher reads of the daemon.
struct MqttSources {
  std::function<MqttState()> state;  // built when asked
};

class MqttService {
 public:
  MqttService(MqttConfig config, MqttSources sources);
  ~MqttService() { stop(); }
  MqttService(const MqttService&) = delete;
  MqttService& operator=(const MqttService&) = delete;

  // Whether sntpd-mqtt was found (next to sntpd, or installed).
  bool found() const { return publisher_.found(); }
  // Starts sntpd-mqtt and serves its channel and timers from loop (logs "mqtt: publishing to ...").
  void attach(EventLoop& loop);
  // Stops sntpd-mqtt (it says "offline" first).
  void stop();
  // Its counters for the status report.
  MqttSnapshot status() const;

 private:
  void spawn();
  void on_channel();
  void child_gone();
  void beat();
  // Sends the state when it changed, or when it went out a minute ago (force: now).
  void tick(bool force);
  void publish(const std::string& topic, const std::string& payload);

  MqttConfig config_;
  MqttSources sources_;
  ChildProcess publisher_;
  os::Fd channel_;  // sntpd's end; -1 while sntpd-mqtt is down
  Heartbeat heartbeat_;
  std::vector<uint8_t> buf_;
  std::string sent_key_;      // mqtt_state_key of the state last sent, as text ("" none yet)
  int64_t sent_mono_ns_ = 0;  // when it was sent
  os::mqtt::Report report_;   // the running publisher's last report
  os::mqtt::Report earlier_;  // the sums of the publishers that exited
  uint64_t malformed_ = 0;
  uint64_t unsent_ = 0;  // messages the channel would not take (sntpd-mqtt not reading)
  int64_t malformed_logged_mono_ns_ = 0;
};

}  // namespace lansync::sntpd
