// What sntpd publishes to an MQTT broker (--mqtt): the URL, the credentials file, the topics and
// their payloads, Home Assistant's discovery configs.  Pure: mqtt_service.hpp sends them to
// sntpd-mqtt, which publishes them retained.
//
//   PREFIX/availability            "online", or "offline" (the last will; also when sntpd stops)
//   PREFIX/state                   one JSON object: mqtt_state_json
//   homeassistant/COMPONENT/NODE/OBJECT/config
//                                  one entity each, of the device "lansync on HOST"
//
// PREFIX is the URL's path, "lansync/NODE" by default; NODE is the host name with every
// character but [A-Za-z0-9_-] replaced by '_'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/result.hpp"
#include "nlohmann/json_fwd.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

// --mqtt URL: mqtt://HOST[:PORT][/PREFIX] or mqtts://... (TLS).
struct MqttUrl {
  bool tls = false;
  std::string host;    // a name, an IPv4 address or an IPv6 address (without brackets)
  uint16_t port = 0;   // 1883, or 8883 with TLS, unless given
  std::string prefix;  // the topic prefix; "" when the URL has none (mqtt_identity's default)
};

// The URL, or why it cannot be used (one line, without the option's name).
Result<MqttUrl, std::string> parse_mqtt_url(std::string_view text);

// --mqtt-credentials FILE: "username NAME" and "password SECRET" lines ('#' comments and blank
// lines allowed; the password is the rest of its line).
struct MqttCredentials {
  std::string username;
  std::string password;
};

// The credentials in text, or why not (one line, naming the line).
Result<MqttCredentials, std::string> parse_mqtt_credentials(std::string_view text);

// Who publishes: names of the topics and of the Home Assistant device.
struct MqttIdentity {
  std::string host;     // the host name, as Home Assistant shows it
  std::string node;     // host with [A-Za-z0-9_-] only: the discovery topics' node id
  std::string prefix;   // the topic prefix
  std::string version;  // LANSYNC_VERSION
};

// The identity for this host name and the URL's prefix ("" = lansync/NODE).
MqttIdentity mqtt_identity(const std::string& host, const std::string& prefix, const std::string& version);
std::string availability_topic(const MqttIdentity& id);
std::string state_topic(const MqttIdentity& id);

// What the state topic says.
struct MqttState {
  ReferenceSnapshot reference;
  uint64_t clients_last_hour = 0;           // NTP clients heard within the last hour
  std::optional<CameraSnapshot> camera;     // camsync's last run, when there is a camera-state file
  std::optional<PhoneAttempt> phone;        // the last phone set or verification, when there was one
  ClockSnapshot clock;                      // the discipline's figures, while sntpd keeps the clock
  std::vector<UpstreamSnapshot> receivers;  // the GPS receivers' lines (--gps), receiver set in each
  std::vector<UpstreamSnapshot> nts;        // the NTS servers' lines, nts set in each
};

// The state as JSON: synchronized, source, stratum, refid, root_distance_ms, reliable_until (UTC,
// ISO 8601), reference_age_s, clients_last_hour, camera {result, message, time, retry}, phone
// {result, client, time, offset_s, uncertainty_s, user_agent}, upstream {offset_s, offset_error_s,
// frequency_ppm, skew_ppm, poll_s, ramp_ppm_per_h} while sntpd disciplines the clock, gps [{server, kind,
// state, reading, problem, learned_offset_s}] with --gps; null where there is no value.
nlohmann::ordered_json mqtt_state_json(const MqttState& s);
// The fields whose change is published at once: the state without reference_age_s and
// root_distance_ms, which grow every second, and upstream and each gps learned_offset_s, which
// move at every update (they go out with the next publication, at least every minute).
nlohmann::ordered_json mqtt_state_key(const nlohmann::ordered_json& state);

struct MqttPublication {
  std::string topic;
  std::string payload;
};

// Home Assistant's discovery configs: one retained message per entity.
std::vector<MqttPublication> mqtt_discovery(const MqttIdentity& id);

}  // namespace lansync::sntpd
