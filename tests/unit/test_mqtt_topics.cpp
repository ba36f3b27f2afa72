// tools/sntpd/mqtt_topics: --mqtt's URL and credentials, the state topic and Home Assistant's discovery.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "mqtt/mqtt_topics.hpp"
#include "os/ipc_mqtt.hpp"

namespace lansync::sntpd {
namespace {

using nlohmann::json;

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kNow = 1'795'000'000 * kS;  // 2026-11-18T11:06:40Z

TEST(MqttUrl, HostPortPrefixAndTls) {
  auto u = parse_mqtt_url("mqtt://192.168.4.1");
  ASSERT_TRUE(static_cast<bool>(u));
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "192.168.4.1");
  EXPECT_EQ(u->port, 1883);
  EXPECT_EQ(u->prefix, "");
  u = parse_mqtt_url("mqtts://broker.lan:18883/home/lansync");
  ASSERT_TRUE(static_cast<bool>(u));
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "broker.lan");
  EXPECT_EQ(u->port, 18883);
  EXPECT_EQ(u->prefix, "home/lansync");
  u = parse_mqtt_url("mqtts://[fd00::1]/");
  ASSERT_TRUE(static_cast<bool>(u));
  EXPECT_EQ(u->host, "fd00::1");
  EXPECT_EQ(u->port, 8883);
  EXPECT_EQ(u->prefix, "");
}

TEST(MqttUrl, WhatIsRefusedSaysWhy) {
  struct Case {
    const char* url;
    const char* says;
  };
  for (const Case& c : {Case{"http://pi", "mqtt:// or mqtts://"}, Case{"mqtt://", "no host"},
                        Case{"mqtt://user:secret@pi", "--mqtt-credentials"}, Case{"mqtt://pi:0", "port '0'"},
                        Case{"mqtt://pi:70000", "port '70000'"}, Case{"mqtt://pi:", "empty port"},
                        Case{"mqtt://pi:12x", "port '12x'"}, Case{"mqtt://[fd00::1", "closing ']'"},
                        Case{"mqtt://[not-v6]:1", "not an IPv6 address"}, Case{"mqtt://p i", "character"},
                        Case{"mqtt://pi/a/#", "topic prefix"}, Case{"mqtt://pi/a//b", "topic prefix"},
                        Case{"mqtt://pi/$SYS", "topic prefix"}}) {
    auto u = parse_mqtt_url(c.url);
    ASSERT_FALSE(static_cast<bool>(u)) << c.url;
    EXPECT_NE(u.error().find(c.says), std::string::npos) << c.url << ": " << u.error();
    EXPECT_EQ(u.error().find('\n'), std::string::npos);
  }
}

TEST(MqttCredentials, UsernameAndPasswordLines) {
  auto c = parse_mqtt_credentials("# the hub's broker\nusername lansync\npassword  two words \n");
  ASSERT_TRUE(static_cast<bool>(c));
  EXPECT_EQ(c->username, "lansync");
  EXPECT_EQ(c->password, "two words");
  c = parse_mqtt_credentials("username only\n");
  ASSERT_TRUE(static_cast<bool>(c));
  EXPECT_EQ(c->password, "");
  for (const char* bad : {"", "password p\n", "user x\n", "username\n", "username a\npasswd b\n"}) {
    EXPECT_FALSE(static_cast<bool>(parse_mqtt_credentials(bad))) << bad;
  }
  EXPECT_NE(parse_mqtt_credentials("username a\nlogin b\n").error().find("line 2"), std::string::npos);
  EXPECT_FALSE(static_cast<bool>(parse_mqtt_credentials("username " + std::string(300, 'u'))));
}

ReferenceSnapshot synchronized_by_phone() {
  ReferenceSnapshot r;
  r.now_ns = kNow;
  r.synchronized = true;
  r.kind = "state";
  r.state_source = "phone";
  r.stratum = 2;
  r.refid = "PHON";
  r.leap = 0;
  r.root_delay_ns = 20'000'000;
  r.root_dispersion_ns = 5'000'000;
  r.reference_time_ns = kNow - 90 * kS;
  r.age_ns = 90 * kS;
  r.reliable_until_ns = kNow + 1710 * kS;
  return r;
}

TEST(MqttState, WhatTheDashboardReads) {
  MqttState s;
  s.reference = synchronized_by_phone();
  s.clients_last_hour = 4;
  CameraSnapshot cam;
  cam.last_run_unix = 1'794'999'000.5;
  cam.result = "set";
  cam.message = "camera set: it was 2.0 s behind";
  s.camera = cam;
  PhoneAttempt p;
  p.time_utc = "2026-11-18T09:45:10.000000Z";
  p.result = "set";
  p.client = "192.168.4.2";
  p.offset_ns = 1'500'000'000;
  p.uncertainty_ns = 20'000'000;
  p.user_agent = "iPhone";
  s.phone = p;
  json j = json::parse(mqtt_state_json(s).dump());
  EXPECT_EQ(j["synchronized"], true);
  EXPECT_EQ(j["source"], "phone");
  EXPECT_EQ(j["stratum"], 2);
  EXPECT_DOUBLE_EQ(j["root_distance_ms"].get<double>(), 15.0);  // delay/2 + dispersion
  EXPECT_EQ(j["reliable_until"], "2026-11-18T11:35:10.000000Z");
  EXPECT_EQ(j["reference_age_s"], 90);
  EXPECT_EQ(j["clients_last_hour"], 4);
  EXPECT_EQ(j["camera"]["result"], "set");
  EXPECT_EQ(j["camera"]["time"], "2026-11-18T10:50:00.500000Z");
  EXPECT_TRUE(j["camera"]["retry"].is_null());
  EXPECT_EQ(j["phone"]["client"], "192.168.4.2");
  EXPECT_DOUBLE_EQ(j["phone"]["offset_s"].get<double>(), 1.5);
}

TEST(MqttState, NtsServersAndTheirCookiesOutsideTheKey) {
  MqttState s;
  s.reference = synchronized_by_phone();
  UpstreamSnapshot u;
  u.server = "nts.example";
  u.address = "192.0.2.1:4460";
  u.nts = NtsSnapshot{true, 8, kNow, true, "", 1, 0};
  s.nts = {u};
  json j = json::parse(mqtt_state_json(s).dump());
  EXPECT_EQ(j["nts"][0]["server"], "nts.example");
  EXPECT_EQ(j["nts"][0]["nts"]["authenticated"], true);
  EXPECT_EQ(j["nts"][0]["nts"]["cookies"], 8);
  json key = json::parse(mqtt_state_key(mqtt_state_json(s)).dump());
  s.nts[0].nts->cookies = 7;  // a request in flight: no new publication for it
  EXPECT_EQ(key, json::parse(mqtt_state_key(mqtt_state_json(s)).dump()));
  s.nts[0].nts->authenticated = false;
  EXPECT_NE(key, json::parse(mqtt_state_key(mqtt_state_json(s)).dump()));
  EXPECT_TRUE(json::parse(mqtt_state_json(MqttState{}).dump())["nts"].is_null());
}

TEST(MqttState, UnsynchronizedHasNullsNotZeros) {
  MqttState s;
  s.reference.now_ns = kNow;
  s.reference.kind = "none";
  json j = json::parse(mqtt_state_json(s).dump());
  EXPECT_EQ(j["synchronized"], false);
  EXPECT_EQ(j["stratum"], 16);
  for (const char* key : {"root_distance_ms", "reliable_until", "reference_age_s", "camera", "phone"}) {
    EXPECT_TRUE(j[key].is_null()) << key;
  }
}

TEST(MqttState, TheDisciplinesFiguresWhileSntpdKeepsTheClock) {
  MqttState s;
  s.reference = synchronized_by_phone();
  EXPECT_TRUE(json::parse(mqtt_state_json(s).dump())["upstream"].is_null());
  s.clock.last_offset_ns = -250'000;
  s.clock.offset_error_ns = 50'000;
  s.clock.frequency_ppm = 12.5;
  s.clock.skew_ppm = 0.1;
  s.clock.poll_s = 256;
  json u = json::parse(mqtt_state_json(s).dump())["upstream"];
  EXPECT_DOUBLE_EQ(u["offset_s"].get<double>(), -0.00025);
  EXPECT_DOUBLE_EQ(u["offset_error_s"].get<double>(), 0.00005);
  EXPECT_DOUBLE_EQ(u["frequency_ppm"].get<double>(), 12.5);
  EXPECT_DOUBLE_EQ(u["skew_ppm"].get<double>(), 0.1);
  EXPECT_EQ(u["poll_s"], 256);
  EXPECT_TRUE(u["ramp_ppm_per_h"].is_null());  // no ramp followed
  s.clock.ramp_ppm_per_h = -0.5;
  EXPECT_DOUBLE_EQ(json::parse(mqtt_state_json(s).dump())["upstream"]["ramp_ppm_per_h"].get<double>(), -0.5);
  // It moves at every update: not published at once for that alone.
  auto before = mqtt_state_key(mqtt_state_json(s));
  s.clock.last_offset_ns = 10'000;
  EXPECT_EQ(mqtt_state_key(mqtt_state_json(s)), before);
}

TEST(MqttState, TheKeyIgnoresWhatGrowsEverySecondOnly) {
  MqttState s;
  s.reference = synchronized_by_phone();
  auto before = mqtt_state_key(mqtt_state_json(s));
  s.reference.age_ns = *s.reference.age_ns + kS;
  s.reference.root_dispersion_ns += 15'000;
  EXPECT_EQ(mqtt_state_key(mqtt_state_json(s)), before);
  s.reference.synchronized = false;
  EXPECT_NE(mqtt_state_key(mqtt_state_json(s)), before);
  s.reference.synchronized = true;
  s.clients_last_hour = 1;
  EXPECT_NE(mqtt_state_key(mqtt_state_json(s)), before);
}

// The GPS receivers' lines (--gps): a fix or a lock published at once, the learned offset with
// the periodic state.
TEST(MqttState, TheGpsReceiversAndWhatChangesAtOnce) {
  MqttState s;
  s.reference = synchronized_by_phone();
  EXPECT_TRUE(mqtt_state_json(s)["gps"].is_null());
  UpstreamSnapshot u{"gps shm:0", "shm:0", "sys_peer", 0377, 16, 0, -12'000, 1'000, {}};
  u.receiver = ReceiverSnapshot{false, true, "", 301'000'000};
  s.receivers = {u};
  auto j = mqtt_state_json(s);
  ASSERT_EQ(j["gps"].size(), 1u);
  EXPECT_EQ(j["gps"][0]["server"], "gps shm:0");
  EXPECT_EQ(j["gps"][0]["kind"], "time");
  EXPECT_EQ(j["gps"][0]["state"], "sys_peer");
  EXPECT_EQ(j["gps"][0]["reading"], true);
  EXPECT_TRUE(j["gps"][0]["problem"].is_null());
  EXPECT_DOUBLE_EQ(j["gps"][0]["learned_offset_s"].get<double>(), 0.301);
  auto before = mqtt_state_key(j);
  s.receivers[0].receiver->learned_offset_ns = 302'000'000;
  EXPECT_EQ(mqtt_state_key(mqtt_state_json(s)), before);
  s.receivers[0].receiver->reading = false;
  s.receivers[0].receiver->problem = "no fix (leap 3)";
  EXPECT_NE(mqtt_state_key(mqtt_state_json(s)), before);
}

TEST(MqttIdentity, NodeAndPrefixFromTheHostName) {
  MqttIdentity id = mqtt_identity("timelapse.local", "", "1.2.3");
  EXPECT_EQ(id.node, "timelapse_local");
  EXPECT_EQ(id.prefix, "lansync/timelapse_local");
  EXPECT_EQ(availability_topic(id), "lansync/timelapse_local/availability");
  EXPECT_EQ(state_topic(id), "lansync/timelapse_local/state");
  EXPECT_EQ(mqtt_identity("pi", "home/time", "1").prefix, "home/time");
}

TEST(MqttDiscovery, OneRetainableConfigPerEntityOfOneDevice) {
  MqttIdentity id = mqtt_identity("pi", "", "1.2.3");
  auto configs = mqtt_discovery(id);
  ASSERT_EQ(configs.size(), 11u);
  std::set<std::string> unique_ids;
  for (const MqttPublication& c : configs) {
    EXPECT_TRUE(os::mqtt::valid_topic(c.topic)) << c.topic;
    EXPECT_EQ(c.topic.rfind("homeassistant/", 0), 0u) << c.topic;
    EXPECT_LE(c.payload.size(), os::mqtt::kMaxPayload);
    json j = json::parse(c.payload);
    EXPECT_EQ(j["state_topic"], "lansync/pi/state");
    EXPECT_EQ(j["availability_topic"], "lansync/pi/availability");
    EXPECT_EQ(j["device"]["name"], "lansync on pi");
    EXPECT_EQ(j["device"]["identifiers"][0], "lansync_pi");
    EXPECT_EQ(j["device"]["sw_version"], "1.2.3");
    unique_ids.insert(j["unique_id"].get<std::string>());
  }
  EXPECT_EQ(unique_ids.size(), configs.size());
  EXPECT_EQ(configs[0].topic, "homeassistant/binary_sensor/pi/synchronized/config");
  json reliable = json::parse(configs[4].payload);
  EXPECT_EQ(reliable["device_class"], "timestamp");
  json distance = json::parse(configs[3].payload);
  EXPECT_EQ(distance["unit_of_measurement"], "ms");
  EXPECT_EQ(distance["device_class"], "duration");
}

}  // namespace
}  // namespace lansync::sntpd
