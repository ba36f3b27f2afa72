// What sntpd publishes to an MQTT broker; see mqtt_topics.hpp.
#include "mqtt/mqtt_topics.hpp"

#include <arpa/inet.h>
#include <fmt/core.h>

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/drift_log.hpp"
#include "os/ipc_mqtt.hpp"
#include "status/status_json.hpp"

namespace lansync::sntpd {
namespace {

using nlohmann::ordered_json;

constexpr size_t kMaxCredential = 256;  // bytes of a username or a password
constexpr const char* kDiscoveryPrefix = "homeassistant";

bool host_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

// HOST[:PORT] or [IPV6][:PORT] into url; "" or why not.
std::string parse_authority(std::string_view a, MqttUrl& url) {
  std::string_view port;
  if (!a.empty() && a.front() == '[') {
    size_t close = a.find(']');
    if (close == std::string_view::npos) return "an IPv6 address needs its closing ']'";
    url.host = std::string(a.substr(1, close - 1));
    in6_addr v6;
    if (::inet_pton(AF_INET6, url.host.c_str(), &v6) != 1) return "'" + url.host + "' is not an IPv6 address";
    std::string_view rest = a.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return "unexpected text after ']'";
    port = rest.empty() ? rest : rest.substr(1);
    if (!rest.empty() && port.empty()) return "an empty port";
  } else {
    size_t colon = a.find(':');
    url.host = std::string(a.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = a.substr(colon + 1);
      if (port.empty()) return "an empty port";
    }
    if (url.host.empty()) return "no host";
    if (url.host.size() > 253) return "the host name is longer than 253 bytes";
    for (char c : url.host) {
      if (!host_name_char(c)) return "the host '" + url.host + "' has a character a host name cannot have";
    }
  }
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return "the port '" + std::string(port) + "' is not a number from 1 to 65535";
    }
    url.port = static_cast<uint16_t>(value);
  }
  return "";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

ordered_json utc_or_null(const std::optional<int64_t>& unix_ns) {
  return unix_ns ? ordered_json(core::format_utc(*unix_ns)) : ordered_json(nullptr);
}

ordered_json camera_json(const CameraSnapshot& c) {
  ordered_json j;
  j["result"] = c.result;
  j["message"] = c.message;
  j["time"] = utc_or_null(c.last_run_unix ? std::optional<int64_t>(std::llround(*c.last_run_unix * 1e9))
                                          : std::nullopt);
  j["retry"] =
      utc_or_null(c.retry_unix ? std::optional<int64_t>(*c.retry_unix * 1'000'000'000) : std::nullopt);
  return j;
}

ordered_json phone_json(const PhoneAttempt& p) {
  ordered_json j;
  j["result"] = p.result;
  j["client"] = p.client;
  j["time"] = p.time_utc;
  j["offset_s"] = seconds_or_null(p.offset_ns);
  j["uncertainty_s"] = seconds_or_null(p.uncertainty_ns);
  j["user_agent"] = p.user_agent;
  return j;
}

// One entity of the device: its discovery config.
struct Entity {
  const char* component;  // "sensor" or "binary_sensor"
  const char* object;     // the object id, unique within the device
  const char* name;
  const char* value_template;
  const char* device_class;  // "" none
  const char* unit;          // "" none
  const char* attributes;    // json_attributes_template ("" none)
};

// The entities, in the order Home Assistant lists them.
constexpr Entity kEntities[] = {
    {"binary_sensor", "synchronized", "Synchronized", "{{ 'ON' if value_json.synchronized else 'OFF' }}", "",
     "", ""},
    {"sensor", "source", "Source", "{{ value_json.source }}", "", "", ""},
    {"sensor", "stratum", "Stratum", "{{ value_json.stratum }}", "", "", ""},
    {"sensor", "root_distance", "Root distance", "{{ value_json.root_distance_ms }}", "duration", "ms", ""},
    {"sensor", "reliable_until", "Reliable until", "{{ value_json.reliable_until }}", "timestamp", "", ""},
    {"sensor", "reference_age", "Reference age", "{{ value_json.reference_age_s }}", "duration", "s", ""},
    {"sensor", "clients_last_hour", "NTP clients in the last hour", "{{ value_json.clients_last_hour }}", "",
     "", ""},
    {"sensor", "camera", "Camera sync", "{{ value_json.camera.result if value_json.camera else None }}", "",
     "", "{{ (value_json.camera or {}) | tojson }}"},
    {"sensor", "camera_time", "Camera sync time",
     "{{ value_json.camera.time if value_json.camera else None }}", "timestamp", "", ""},
    {"sensor", "phone", "Last phone", "{{ value_json.phone.result if value_json.phone else None }}", "", "",
     "{{ (value_json.phone or {}) | tojson }}"},
    {"sensor", "phone_time", "Last phone time", "{{ value_json.phone.time if value_json.phone else None }}",
     "timestamp", "", ""},
};

// The discipline's figures, as `sntpd status` names them.
ordered_json upstream_json(const ClockSnapshot& c) {
  ordered_json j;
  j["offset_s"] = seconds_or_null(c.last_offset_ns);
  j["offset_error_s"] = seconds_or_null(c.offset_error_ns);
  j["frequency_ppm"] = c.frequency_ppm ? ordered_json(*c.frequency_ppm) : ordered_json(nullptr);
  j["skew_ppm"] = c.skew_ppm ? ordered_json(*c.skew_ppm) : ordered_json(nullptr);
  j["poll_s"] = *c.poll_s;
  j["ramp_ppm_per_h"] = c.ramp_ppm_per_h ? ordered_json(*c.ramp_ppm_per_h) : ordered_json(nullptr);
  return j;
}

}  // namespace

Result<MqttUrl, std::string> parse_mqtt_url(std::string_view text) {
  MqttUrl url;
  if (text.substr(0, 7) == "mqtt://") {
    text.remove_prefix(7);
  } else if (text.substr(0, 8) == "mqtts://") {
    text.remove_prefix(8);
    url.tls = true;
  } else {
    return fail(std::string("'") + std::string(text) + "' does not start with mqtt:// or mqtts://");
  }
  size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    return fail(std::string("the user and password go in --mqtt-credentials FILE, not in the URL"));
  }
  if (std::string problem = parse_authority(authority, url); !problem.empty()) return fail(problem);
  if (url.port == 0) url.port = url.tls ? 8883 : 1883;
  if (slash != std::string_view::npos && slash + 1 < text.size()) {
    url.prefix = std::string(text.substr(slash + 1));
    if (!os::mqtt::valid_topic(url.prefix) || url.prefix.size() > os::mqtt::kMaxTopic / 2) {
      return fail("the topic prefix '" + url.prefix +
                  "' is not a topic sntpd can publish under (no '+', '#', empty level or leading '$'; at "
                  "most 128 bytes)");
    }
  }
  return url;
}

Result<MqttCredentials, std::string> parse_mqtt_credentials(std::string_view text) {
  MqttCredentials c;
  bool have_user = false;
  for (int line = 1; !text.empty(); ++line) {
    size_t nl = text.find('\n');
    std::string_view l = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (l.empty() || l.front() == '#') continue;
    size_t sp = l.find_first_of(" \t");
    std::string_view key = l.substr(0, sp);
    std::string_view value = sp == std::string_view::npos ? std::string_view() : trim(l.substr(sp));
    if (key != "username" && key != "password") {
      return fail(
          fmt::format("line {}: unknown setting '{}' (the file has 'username NAME' and "
                      "'password SECRET' lines)",
                      line, key));
    }
    if (value.empty() || value.size() > kMaxCredential || value.find('\0') != std::string_view::npos) {
      return fail(fmt::format("line {}: the {} is empty or longer than {} bytes", line, key, kMaxCredential));
    }
    if (key == "username") {
      c.username = std::string(value);
      have_user = true;
    } else {
      c.password = std::string(value);
    }
  }
  if (!have_user) return fail(std::string("no 'username NAME' line"));
  return c;
}

MqttIdentity mqtt_identity(const std::string& host, const std::string& prefix, const std::string& version) {
  MqttIdentity id;
  id.host = host.empty() ? "localhost" : host;
  for (char c : id.host) {
    bool keep =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    id.node += keep ? c : '_';
  }
  id.prefix = prefix.empty() ? "lansync/" + id.node : prefix;
  id.version = version;
  return id;
}

std::string availability_topic(const MqttIdentity& id) { return id.prefix + "/availability"; }
std::string state_topic(const MqttIdentity& id) { return id.prefix + "/state"; }

ordered_json mqtt_state_json(const MqttState& s) {
  const ReferenceSnapshot& r = s.reference;
  ordered_json j;
  j["synchronized"] = r.synchronized;
  j["source"] = r.source();
  j["stratum"] = r.stratum;
  j["refid"] = r.refid;
  j["root_distance_ms"] =
      r.synchronized ? ordered_json(static_cast<double>(r.root_distance_ns()) / 1e6) : ordered_json(nullptr);
  j["reliable_until"] = utc_or_null(r.reliable_until_ns);
  j["reference_age_s"] = r.age_ns ? ordered_json(*r.age_ns / 1'000'000'000) : ordered_json(nullptr);
  j["clients_last_hour"] = s.clients_last_hour;
  j["camera"] = s.camera ? camera_json(*s.camera) : ordered_json(nullptr);
  j["phone"] = s.phone ? phone_json(*s.phone) : ordered_json(nullptr);
  j["upstream"] = s.clock.poll_s ? upstream_json(s.clock) : ordered_json(nullptr);
  j["nts"] = s.nts.empty() ? ordered_json(nullptr) : ordered_json::array();
  for (const UpstreamSnapshot& u : s.nts) {
    j["nts"].push_back({{"server", u.server}, {"address", u.address}, {"nts", nts_json(*u.nts)}});
  }
  j["gps"] = s.receivers.empty() ? ordered_json(nullptr) : ordered_json::array();
  for (const UpstreamSnapshot& u : s.receivers) {
    if (!u.receiver) continue;
    const ReceiverSnapshot& g = *u.receiver;
    j["gps"].push_back({{"server", u.server},
                        {"kind", g.pulse ? "pulse" : "time"},
                        {"state", u.state},
                        {"reading", g.reading},
                        {"problem", g.problem.empty() ? ordered_json(nullptr) : ordered_json(g.problem)},
                        {"learned_offset_s", seconds_or_null(g.learned_offset_ns)}});
  }
  return j;
}

ordered_json mqtt_state_key(const ordered_json& state) {
  ordered_json key = state;
  key.erase("reference_age_s");
  key.erase("root_distance_ms");
  // Cookies held change with each poll (7 in flight, 8 answered): not worth a publication alone.
  if (key.contains("nts") && key["nts"].is_array()) {
    for (ordered_json& n : key["nts"]) n["nts"].erase("cookies");
  }
  key.erase("upstream");
  // A learned offset moves at every poll: it goes with the periodic state, as upstream does.
  if (auto it = key.find("gps"); it != key.end() && it->is_array()) {
    for (ordered_json& g : *it) g.erase("learned_offset_s");
  }
  return key;
}

std::vector<MqttPublication> mqtt_discovery(const MqttIdentity& id) {
  ordered_json device;
  device["identifiers"] = ordered_json::array({"lansync_" + id.node});
  device["name"] = "lansync on " + id.host;
  device["manufacturer"] = "lansync";
  device["model"] = "sntpd";
  device["sw_version"] = id.version;
  std::vector<MqttPublication> out;
  for (const Entity& e : kEntities) {
    ordered_json c;
    c["name"] = e.name;
    c["unique_id"] = fmt::format("lansync_{}_{}", id.node, e.object);
    c["state_topic"] = state_topic(id);
    c["value_template"] = e.value_template;
    if (*e.device_class != '\0') c["device_class"] = e.device_class;
    if (*e.unit != '\0') c["unit_of_measurement"] = e.unit;
    if (*e.unit != '\0' || std::string_view(e.object) == "stratum" ||
        std::string_view(e.object) == "clients_last_hour") {
      c["state_class"] = "measurement";
    }
    if (*e.attributes != '\0') {
      c["json_attributes_topic"] = state_topic(id);
      c["json_attributes_template"] = e.attributes;
    }
    c["availability_topic"] = availability_topic(id);
    c["device"] = device;
    c["origin"] = {{"name", "lansync"}, {"sw_version", id.version}};
    out.push_back({fmt::format("{}/{}/{}/{}/config", kDiscoveryPrefix, e.component, id.node, e.object),
                   c.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
  }
  return out;
}

}  // namespace lansync::sntpd
