// sntpd's status snapshot and its renderers (tools/sntpd/status_*.cpp, metrics.cpp), and its event loop.
//
// One snapshot with every field set, rendered as JSON, text and Prometheus
// text; the JSON read back gives the same text, as `sntpd status` prints
// it.  The event loop is driven with a pipe and short timers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/temp_dir.hpp"
#include "event_loop.hpp"
#include "os/clock.hpp"
#include "status/control_service.hpp"
#include "status/metrics.hpp"
#include "status/status_json.hpp"
#include "status/status_text.hpp"

namespace lansync::sntpd {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kNow = 1'795'000'000 * kS + 123'456'789;

StatusSnapshot synchronized_snapshot() {
  StatusSnapshot s;
  s.version = "1.2.3";
  s.uptime_ns = 3 * 3600 * kS;
  ReferenceSnapshot& r = s.reference;
  r.now_ns = kNow;
  r.synchronized = true;
  r.kind = "state";
  r.state_source = "phone";
  r.detail = "sync-state file (source phone)";
  r.stratum = 2;
  r.refid = "LOCL";
  r.leap = 0;
  r.root_delay_ns = 2'000'000;
  r.root_dispersion_ns = 1'500'000;
  r.reference_time_ns = kNow - 600 * kS;
  r.age_ns = 600 * kS;
  r.precision_log2 = -20;
  r.reliable_until_ns = kNow + 1200 * kS;
  s.clock = {true, -5 * kS, true, -12.5, 1'000, 250'000};
  UpstreamSnapshot u;
  u.server = "ntp.example";
  u.address = "192.0.2.1:123";
  u.state = "sys_peer";
  u.reach = 0377;
  u.poll_s = 64;
  u.stratum = 1;
  u.offset_ns = -250'000;
  u.delay_ns = 1'200'000;
  u.last_sample_age_ns = 10 * kS;
  u.reachable = true;
  u.reachable_since_ns = kNow - 3600 * kS;
  u.rejected[core::index(core::Rejection::BadMac)] = 3;
  u.rejected[core::index(core::Rejection::Stray)] = 1;
  UpstreamSnapshot silent{"silent.example", "", "no reply", 0, 16, {}, {}, {}, {}};
  silent.reachable_since_ns = kNow - 600 * kS;
  UpstreamSnapshot gps{"gps shm:0", "shm:0", "truechimer", 0377, 16, 0, -12'000, 1'000, {}};
  gps.receiver = ReceiverSnapshot{false, true, "", 301'000'000};
  UpstreamSnapshot pps{"gps pps:/dev/pps0", "pps:/dev/pps0", "no reading", 0, 16, {}, {}, {}, {}};
  pps.receiver = ReceiverSnapshot{true, false, "pulses, but no second to lock them to", {}};
  s.upstreams = {u, silent, gps, pps};
  s.selection = SelectionSnapshot{1, 1, 2, "1 reachable server agrees, fewer than --min-sources 2"};
  s.counters.requests = 10;
  s.counters.replies = 8;
  s.counters.dropped[static_cast<size_t>(proto::DropReason::RateLimited)] = 2;
  s.counters.broadcasts_sent = 4;
  s.clients = {5, 3, 16384};
  HttpSnapshot h;
  h.listen = "127.0.0.1:8080";
  h.set_enabled = true;
  h.https = true;
  h.requests[1] = 7;
  h.sets = 1;
  h.refused[static_cast<size_t>(core::PhoneRefusal::Reused)] = 2;
  h.last_set = PhoneAttempt{"2026-11-22T12:00:00.000000Z",
                            "set",
                            "none",
                            "192.0.2.7",
                            "button",
                            5 * kS,
                            20'000'000,
                            "stepped",
                            "phone"};
  h.last_refusal = PhoneAttempt{
      "2026-11-22T12:01:00.000000Z", "refused", "reused", "192.0.2.8", "auto", {}, {}, "reused", "phone"};
  s.http = h;
  return s;
}

TEST(SntpdStatus, JsonHasTheDocumentedFields) {
  nlohmann::ordered_json j = status_json(synchronized_snapshot());
  EXPECT_EQ(j["reference"]["state_source"], "phone");
  EXPECT_EQ(j["reference"]["stratum"], 2);
  EXPECT_DOUBLE_EQ(j["reference"]["age_s"].get<double>(), 600.0);
  EXPECT_EQ(j["upstreams"][0]["reach"], "377");
  EXPECT_EQ(j["upstreams"][0]["poll_s"], 64);
  EXPECT_TRUE(j["upstreams"][1]["offset_s"].is_null());
  EXPECT_EQ(j["upstreams"][0]["rejected"]["bad_mac"], 3u);
  EXPECT_EQ(j["upstreams"][1]["rejected"]["unauthenticated"], 0u);
  EXPECT_EQ(j["upstreams"][0]["reachable"], true);
  EXPECT_EQ(j["upstreams"][1]["reachable"], false);
  EXPECT_DOUBLE_EQ(j["upstreams"][1]["reachable_since_unix"].get<double>(), to_seconds(kNow - 600 * kS));
  EXPECT_FALSE(j["upstreams"][0].contains("receiver"));  // a server has no receiver part
  EXPECT_EQ(j["upstreams"][2]["receiver"]["kind"], "time");
  EXPECT_EQ(j["upstreams"][2]["receiver"]["reading"], true);
  EXPECT_DOUBLE_EQ(j["upstreams"][2]["receiver"]["learned_offset_s"].get<double>(), 0.301);
  EXPECT_EQ(j["upstreams"][3]["receiver"]["kind"], "pulse");
  EXPECT_EQ(j["upstreams"][3]["receiver"]["problem"], "pulses, but no second to lock them to");
  EXPECT_TRUE(j["upstreams"][3]["receiver"]["learned_offset_s"].is_null());
  EXPECT_EQ(j["selection"]["reachable"], 1);
  EXPECT_EQ(j["selection"]["agreeing"], 1);
  EXPECT_EQ(j["selection"]["min_sources"], 2);
  EXPECT_EQ(j["selection"]["problem"], "1 reachable server agrees, fewer than --min-sources 2");
  EXPECT_EQ(j["counters"]["dropped"]["rate_limited"], 2u);
  EXPECT_EQ(j["counters"]["dropped_total"], 2u);
  EXPECT_EQ(j["http"]["refused_total"], 2u);
  EXPECT_EQ(j["http"]["requests"]["time"], 7u);
  EXPECT_EQ(j["http"]["https"], true);
  EXPECT_TRUE(j["http"]["last_refusal"]["offset_s"].is_null());
  EXPECT_EQ(j["clock"]["kind"], "simulated");
}

TEST(SntpdStatus, WebProcessCounters) {
  StatusSnapshot s = synchronized_snapshot();
  s.http->limited[static_cast<size_t>(os::web::Limit::TooLarge)] = 3;
  s.http->web_restarts = 2;
  s.http->web_hung = 1;
  s.http->channel_dropped = 1;
  nlohmann::ordered_json j = status_json(s);
  EXPECT_EQ(j["http"]["limited"]["too_large"], 3u);
  EXPECT_EQ(j["http"]["limited"]["deadline"], 0u);
  EXPECT_EQ(j["http"]["web_restarts"], 2u);
  EXPECT_EQ(j["http"]["web_hung"], 1u);
  EXPECT_EQ(j["http"]["channel_dropped"], 1u);
  std::string metrics = metrics_text(s);
  EXPECT_NE(metrics.find("sntpd_http_limited_total{reason=\"too_large\"} 3\n"), std::string::npos);
  EXPECT_NE(metrics.find("sntpd_http_web_restarts_total 2\n"), std::string::npos);
  EXPECT_NE(metrics.find("sntpd_http_web_hung_total 1\n"), std::string::npos);
}

// A verification is counted and kept apart from the sets and the refusals, with the phone's zone.
TEST(SntpdStatus, Verifications) {
  StatusSnapshot s = synchronized_snapshot();
  s.http->verifications = 4;
  s.http->last_verification = PhoneAttempt{"2026-11-22T12:02:00.000000Z",
                                           "verified",
                                           "none",
                                           "192.0.2.9",
                                           "auto",
                                           -3'000'000,
                                           2'000'000,
                                           "Pi and phone agree (±5 ms)",
                                           "phone",
                                           "Australia/Sydney"};
  nlohmann::ordered_json j = status_json(s);
  EXPECT_EQ(j["http"]["verifications"], 4u);
  EXPECT_EQ(j["http"]["last_verification"]["result"], "verified");
  EXPECT_EQ(j["http"]["last_verification"]["time_zone"], "Australia/Sydney");
  EXPECT_FALSE(j["http"]["last_set"].contains("time_zone"));
  EXPECT_NE(status_text(s).find("Phone verified   : 4 (last -0.003000000 s apart, from 192.0.2.9"),
            std::string::npos)
      << status_text(s);
  EXPECT_NE(metrics_text(s).find("sntpd_phone_verifications_total 4\n"), std::string::npos);
}

// `sntpd status` prints what the daemon's control socket rendered, and `--json` what it dumped: nothing
// is parsed back.
TEST(SntpdStatus, TheControlSocketRendersTheTextAndTheJson) {
  StatusSnapshot s = synchronized_snapshot();
  std::string direct = status_text(s);
  ControlService control(os::ControlServer{},
                         ControlSources{[&] { return s; }, [] { return std::vector<ClientEntry>{}; }});
  EXPECT_EQ(control.answer("status text"), direct);
  EXPECT_EQ(control.answer("status"), status_json(s).dump() + "\n");
  EXPECT_EQ(control.answer("status json"), "{\"error\":\"unknown request\"}\n");
  EXPECT_NE(direct.find("Synchronized     : yes, serving stratum 2, refid LOCL\n"), std::string::npos);
  EXPECT_NE(direct.find("HTTP             : 127.0.0.1:8080 (HTTPS), phones may set the clock\n"),
            std::string::npos);
  EXPECT_NE(direct.find("Reference time   : 2026-11-18T"), std::string::npos);
  EXPECT_NE(direct.find("Upstream         : ntp.example (192.0.2.1:123)  sys_peer  reach 377  poll 64 s  "
                        "offset -0.000250000 s"),
            std::string::npos);
  EXPECT_NE(
      direct.find("  rejected       : 4 (0 unauthenticated, 3 bad_mac, 1 stray, 0 beyond_max_change)\n"),
      std::string::npos);
  EXPECT_EQ(direct.find("rejected       : 0"), std::string::npos);  // nothing rejected: no line
  EXPECT_NE(direct.find("  receiver       : time, fix, learned offset +0.301000000 s against the pulse\n"),
            std::string::npos);
  EXPECT_NE(direct.find("  receiver       : pulse, not locked (pulses, but no second to lock them to)\n"),
            std::string::npos);
  EXPECT_NE(direct.find("  reachable      : since 2026-11-18T"), std::string::npos);
  EXPECT_NE(direct.find("  unreachable    : since 2026-11-18T"), std::string::npos);
  EXPECT_NE(direct.find("Selection        : 1 reachable, 1 agreeing, --min-sources 2: no correction, 1 "
                        "reachable server agrees, fewer than --min-sources 2\n"),
            std::string::npos);
  EXPECT_NE(direct.find("Frequency        : 12.500 ppm slow\n"), std::string::npos);
  EXPECT_NE(
      direct.find("Phone sets       : 1 (last +5.000000000 s from 192.0.2.7, 2026-11-22T12:00:00.000000Z)"),
      std::string::npos);
  EXPECT_NE(direct.find("Phone refusals   : 2 (last reused from 192.0.2.8, "), std::string::npos);
}

// While sntpd disciplines the clock, what chronyc tracking says: in the text and the metrics.
TEST(SntpdStatus, TheDisciplinesFiguresAsChronycTrackingShowsThem) {
  StatusSnapshot s = synchronized_snapshot();
  s.clock.offset_error_ns = 123'456;
  s.clock.skew_ppm = 0.042;
  s.clock.poll_s = 1024;
  std::string text = status_text(s);
  EXPECT_NE(text.find("Offset error     : 0.000123456 s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Skew             : 0.042 ppm\n"), std::string::npos);
  EXPECT_NE(text.find("Update interval  : 1024 s\n"), std::string::npos);
  std::string m = metrics_text(s);
  EXPECT_NE(m.find("sntpd_offset_error_seconds 0.000123456\n"), std::string::npos) << m;
  EXPECT_NE(m.find("sntpd_frequency_ppm -12.5\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_frequency_skew_ppm 0.042\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_poll_seconds 1024\n"), std::string::npos);
  // Not disciplining: no such lines, and no samples.
  StatusSnapshot idle = synchronized_snapshot();
  EXPECT_EQ(status_text(idle).find("Skew"), std::string::npos);
  EXPECT_EQ(metrics_text(idle).find("\nsntpd_poll_seconds "), std::string::npos);
}

// The drift the served dispersion grows at, and the day's frequency followed through an outage.
TEST(SntpdStatus, TheDriftBoundAndTheHoldover) {
  StatusSnapshot s = synchronized_snapshot();
  s.clock.drift_bound_ppm = 2.65;
  std::string text = status_text(s);
  EXPECT_NE(text.find("Drift bound      : 2.650 ppm\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("Holdover"), std::string::npos);
  nlohmann::ordered_json j = status_json(s);
  EXPECT_DOUBLE_EQ(j["clock"]["drift_bound_ppm"].get<double>(), 2.65);
  EXPECT_TRUE(j["clock"]["holdover_ppm"].is_null());
  EXPECT_NE(metrics_text(s).find("sntpd_holdover_ppm 0\n"), std::string::npos);
  s.clock.holdover_ppm = -0.42;
  EXPECT_NE(status_text(s).find("Holdover         : -0.420 ppm, the day before's frequency\n"),
            std::string::npos);
  EXPECT_DOUBLE_EQ(status_json(s)["clock"]["holdover_ppm"].get<double>(), -0.42);
  EXPECT_NE(metrics_text(s).find("sntpd_holdover_ppm -0.42\n"), std::string::npos);
  EXPECT_NE(metrics_text(s).find("sntpd_drift_bound_ppm 2.65\n"), std::string::npos);
}

// The frequency's ramp, while the discipline follows one: absent, null and 0 while it does not.
TEST(SntpdStatus, TheFrequencyRamp) {
  StatusSnapshot s = synchronized_snapshot();
  s.clock.drift_bound_ppm = 15;
  EXPECT_EQ(status_text(s).find("Frequency ramp"), std::string::npos);
  EXPECT_TRUE(status_json(s)["clock"]["ramp_ppm_per_h"].is_null());
  EXPECT_NE(metrics_text(s).find("sntpd_frequency_ramp_ppm_per_hour 0\n"), std::string::npos);
  s.clock.ramp_ppm_per_h = 0.75;
  EXPECT_NE(status_text(s).find("Frequency ramp   : +0.750 ppm per hour, followed\n"), std::string::npos);
  EXPECT_DOUBLE_EQ(status_json(s)["clock"]["ramp_ppm_per_h"].get<double>(), 0.75);
  EXPECT_NE(metrics_text(s).find("sntpd_frequency_ramp_ppm_per_hour 0.75\n"), std::string::npos);
}

// The MQTT publisher's counters: in the JSON, in the text and in the metrics.
TEST(SntpdStatus, MqttCounters) {
  StatusSnapshot s = synchronized_snapshot();
  s.mqtt = MqttSnapshot{"mqtt://127.0.0.1/lansync/pi", true, 2, 3, 40, 5, 1, ""};
  nlohmann::ordered_json j = status_json(s);
  EXPECT_EQ(j["mqtt"]["connected"], true);
  EXPECT_TRUE(j["mqtt"]["last_error"].is_null());
  EXPECT_NE(status_text(s).find("MQTT             : mqtt://127.0.0.1/lansync/pi, connected\n"
                                "MQTT messages    : 40 published, 5 dropped; 2 connections, 3 failures\n"),
            std::string::npos)
      << status_text(s);
  s.mqtt->connected = false;
  s.mqtt->last_error = "Connection refused";
  EXPECT_EQ(status_json(s)["mqtt"]["last_error"], "Connection refused");
  EXPECT_NE(status_text(s).find("3 failures (last: Connection refused)\n"), std::string::npos);
  std::string metrics = metrics_text(s);
  EXPECT_NE(metrics.find("sntpd_mqtt_connected 0\n"), std::string::npos);
  EXPECT_NE(metrics.find("sntpd_mqtt_dropped_total 5\n"), std::string::npos);
  EXPECT_EQ(metrics_text(synchronized_snapshot()).find("sntpd_mqtt_"), std::string::npos);  // no --mqtt
}

// A local pulse holding the crystal (--gps pps:PATH local): in the JSON, in the text and in the metrics.
TEST(SntpdStatus, LocalPulse) {
  StatusSnapshot s = synchronized_snapshot();
  EXPECT_TRUE(status_json(s)["pulse"].is_null());  // none without one
  EXPECT_EQ(status_text(s).find("Pulse"), std::string::npos);
  EXPECT_EQ(metrics_text(s).find("sntpd_pulse_"), std::string::npos);
  s.pulse = PulseSnapshot{"pps:/dev/pps1", true, "", 1.234, -12.345, 2'100, 1};
  nlohmann::ordered_json j = status_json(s)["pulse"];
  EXPECT_EQ(j["device"], "pps:/dev/pps1");
  EXPECT_EQ(j["locked"], true);
  EXPECT_TRUE(j["problem"].is_null());
  EXPECT_DOUBLE_EQ(j["correction_ppm"].get<double>(), 1.234);
  EXPECT_DOUBLE_EQ(j["crystal_ppm"].get<double>(), -12.345);
  EXPECT_DOUBLE_EQ(j["jitter_s"].get<double>(), 2.1e-6);
  EXPECT_EQ(j["restarts"], 1);
  std::string text = status_text(s);
  EXPECT_NE(text.find("Pulse            : pps:/dev/pps1, followed, correction +1.234 ppm\n"
                      "  crystal        : -12.345 ppm against the pulse, jitter 2.1 us, 1 restart\n"),
            std::string::npos)
      << text;
  std::string m = metrics_text(s);
  EXPECT_NE(m.find("sntpd_pulse_locked 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("sntpd_pulse_correction_ppm 1.234\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_pulse_crystal_ppm -12.345\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_pulse_jitter_seconds 2.1e-06\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_pulse_restarts_total 1\n"), std::string::npos);
  // Lost, and before a fit: the problem said, the crystal unknown.
  s.pulse = PulseSnapshot{"pps:/dev/pps1", false, "no edge for 8 s", 0.5, {}, 0, 2};
  j = status_json(s)["pulse"];
  EXPECT_EQ(j["problem"], "no edge for 8 s");
  EXPECT_TRUE(j["crystal_ppm"].is_null());
  text = status_text(s);
  EXPECT_NE(
      text.find("Pulse            : pps:/dev/pps1, not followed (no edge for 8 s), correction +0.500 ppm\n"
                "  crystal        : no fit yet, 2 restarts\n"),
      std::string::npos)
      << text;
  m = metrics_text(s);
  EXPECT_NE(m.find("sntpd_pulse_locked 0\n"), std::string::npos);
  EXPECT_EQ(m.find("\nsntpd_pulse_crystal_ppm "), std::string::npos);  // no sample
}

TEST(SntpdStatus, UnsynchronizedText) {
  StatusSnapshot s;
  s.reference.detail = "no reference";
  std::string text = status_text(s);
  EXPECT_NE(text.find("Synchronized     : no, answering LI=3 (unsynchronized), stratum 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("Leap status      : not synchronised\n"), std::string::npos);
  EXPECT_EQ(text.find("Broadcasts sent"), std::string::npos);
  EXPECT_EQ(text.find("HTTP"), std::string::npos);
}

TEST(SntpdStatus, MetricsFromTheSnapshot) {
  std::string m = metrics_text(synchronized_snapshot());
  EXPECT_NE(m.find("sntpd_info{version=\"1.2.3\",clock=\"simulated\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_reference_info{kind=\"state\",source=\"phone\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_upstream_reachable{server=\"ntp.example\",address=\"192.0.2.1:123\"} 8\n"),
            std::string::npos);
  EXPECT_NE(m.find("sntpd_upstream_reachable{server=\"silent.example\",address=\"\"} 0\n"),
            std::string::npos);
  EXPECT_EQ(m.find("sntpd_upstream_offset_seconds{server=\"silent.example\""), std::string::npos);
  EXPECT_NE(m.find("sntpd_upstream_rejected_total{server=\"ntp.example\",address=\"192.0.2.1:123\",reason="
                   "\"bad_mac\"} 3\n"),
            std::string::npos);
  EXPECT_NE(m.find("sntpd_dropped_total{reason=\"rate_limited\"} 2\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_phone_set_refusals_total{reason=\"reused\"} 2\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_last_phone_set_offset_seconds 5\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_simulated_clock_offset_seconds -5\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_gps_reading{server=\"gps shm:0\",kind=\"time\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_gps_reading{server=\"gps pps:/dev/pps0\",kind=\"pulse\"} 0\n"), std::string::npos);
  EXPECT_NE(m.find("sntpd_gps_learned_offset_seconds{server=\"gps shm:0\"} 0.301\n"), std::string::npos);
  EXPECT_EQ(m.find("sntpd_gps_learned_offset_seconds{server=\"gps pps"), std::string::npos);
}

// An NTS server in every rendering: keys, cookies, the last key exchange and its error.
TEST(SntpdStatus, NtsServers) {
  StatusSnapshot s = synchronized_snapshot();
  UpstreamSnapshot good = s.upstreams[0];
  good.server = "nts.example";
  good.nts = NtsSnapshot{true, 7, kNow - 60 * kS, true, "", 2, 1, "192.0.2.1:123"};
  UpstreamSnapshot refused = s.upstreams[1];
  refused.server = "bad.example";
  refused.nts = NtsSnapshot{false, 0, {}, false, "certificate refused: issuer unknown", 0, 0};
  s.upstreams = {good, refused, s.upstreams[0]};
  std::string text = status_text(s);
  EXPECT_NE(text.find("  nts            : authenticated, 7 cookies, last key exchange 2026-"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  nts            : no keys, 0 cookies, no key exchange yet; key exchange failed: "
                      "certificate refused: issuer unknown\n"),
            std::string::npos);
  nlohmann::json j = nlohmann::json::parse(status_json(s).dump());
  EXPECT_EQ(j["upstreams"][0]["nts"]["authenticated"], true);
  EXPECT_EQ(j["upstreams"][0]["nts"]["cookies"], 7);
  EXPECT_DOUBLE_EQ(j["upstreams"][0]["nts"]["last_exchange_unix"].get<double>(),
                   static_cast<double>(kNow - 60 * kS) / 1e9);
  EXPECT_TRUE(j["upstreams"][0]["nts"]["error"].is_null());
  EXPECT_EQ(j["upstreams"][0]["nts"]["naks"], 1);
  EXPECT_EQ(j["upstreams"][0]["nts"]["ntp_server"], "192.0.2.1:123");
  EXPECT_TRUE(j["upstreams"][1]["nts"]["ntp_server"].is_null());
  EXPECT_NE(text.find(", NTP server 192.0.2.1:123\n"), std::string::npos);
  EXPECT_EQ(j["upstreams"][1]["nts"]["error"], "certificate refused: issuer unknown");
  EXPECT_TRUE(j["upstreams"][1]["nts"]["last_exchange_unix"].is_null());
  EXPECT_TRUE(j["upstreams"][2]["nts"].is_null());  // a server without NTS
  std::string m = metrics_text(s);
  EXPECT_NE(m.find("sntpd_upstream_nts_authenticated{server=\"nts.example\",address=\"192.0.2.1:123\"} 1\n"),
            std::string::npos);
  EXPECT_NE(m.find("sntpd_upstream_nts_cookies{server=\"nts.example\",address=\"192.0.2.1:123\"} 7\n"),
            std::string::npos);
  EXPECT_NE(m.find("sntpd_upstream_nts_exchange_failing{server=\"bad.example\",address=\"\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(m.find("sntpd_upstream_nts_authenticated{server=\"ntp.example\""), std::string::npos);
}

TEST(SntpdStatus, TimeJson) {
  nlohmann::ordered_json j = time_json(synchronized_snapshot().reference);
  EXPECT_EQ(j["unix_ms"], kNow / 1'000'000);
  EXPECT_EQ(j["source"], "phone");
  EXPECT_DOUBLE_EQ(j["root_distance_ms"].get<double>(), 2.5);
  EXPECT_EQ(j["reliable_until_unix_ms"], (kNow + 1200 * kS) / 1'000'000);
  EXPECT_DOUBLE_EQ(j["check_in_s"].get<double>(), 600);  // half the 1200 s left, by default
  EXPECT_DOUBLE_EQ(
      time_json(synchronized_snapshot().reference, std::nullopt, 250)["check_in_s"].get<double>(), 300);
}

// GET /time's camera object: absent without a file, camsync's record, or "unknown" with the error.
TEST(SntpdStatus, TimeJsonCamera) {
  lansync::testing::TempDir dir;
  std::string path = dir.path() / "camera-state.json";
  ReferenceSnapshot r = synchronized_snapshot().reference;
  auto camera = camera_snapshot(os::read_camera_state(path));
  EXPECT_FALSE(camera);
  EXPECT_FALSE(time_json(r, camera).contains("camera"));

  os::CameraState failed;
  failed.last_run_unix = 1795000000.5;
  failed.result = os::CameraResult::Failed;
  failed.offset_before_s = -3.25;
  failed.message = "camera busy (503)";
  ASSERT_TRUE(os::write_camera_state(path, failed).ok());
  nlohmann::ordered_json j = time_json(r, camera_snapshot(os::read_camera_state(path)));
  EXPECT_EQ(
      j["camera"].dump(),
      R"({"last_run_unix":1795000000.5,"result":"failed","offset_before_s":-3.25,"offset_after_s":null,)"
      R"x("message":"camera busy (503)"})x");
  failed.retry_unix = 1795000900;  // camsync --retry-interval 15min
  ASSERT_TRUE(os::write_camera_state(path, failed).ok());
  j = time_json(r, camera_snapshot(os::read_camera_state(path)));
  EXPECT_EQ(j["camera"]["retry_unix"], 1795000900);

  std::ofstream(path) << "{\"result\": \"exploded\"}\n";
  j = time_json(r, camera_snapshot(os::read_camera_state(path)));
  EXPECT_EQ(j["camera"]["result"], "unknown");
  EXPECT_TRUE(j["camera"]["last_run_unix"].is_null());
  std::string message = j["camera"]["message"].get<std::string>();
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(SntpdStatus, ClientsRenderedByTheControlSocket) {
  std::vector<ClientEntry> list = {{"192.0.2.1", 12, true, kNow - 3 * kS, 3 * kS}};
  ControlService control(os::ControlServer{},
                         ControlSources{[] { return StatusSnapshot{}; }, [&] { return list; }});
  EXPECT_EQ(control.answer("clients text"), clients_text(list));
  EXPECT_EQ(control.answer("clients"), clients_json(list).dump() + "\n");
  EXPECT_NE(clients_text(list).find("192.0.2.1"), std::string::npos);
}

TEST(SntpdEventLoop, TimersAndDescriptors) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  int reads = 0;
  int64_t ticks = 0;  // runs of the periodic timer
  int64_t start = os::monotonic_ns();
  loop.every(5'000'000, start, [&] { ++ticks; });
  // A deadline computed by its owner: due 12 ms after the start, then never.
  bool fired = false;
  loop.when([&] { return fired ? INT64_MAX : start + 12'000'000; },
            [&] {
              fired = true;
              ASSERT_EQ(::write(fds[1], "x", 1), 1);
            });
  loop.watch(fds[0], [&] {
    char c;
    ASSERT_EQ(::read(fds[0], &c, 1), 1);
    ++reads;
    loop.stop();
  });
  EXPECT_TRUE(loop.run());
  EXPECT_TRUE(fired);
  EXPECT_EQ(reads, 1);
  // Timers never run early (how late they run depends on the machine's load: not tested).
  // The k-th run (from 0) is due 5 ms after the (k-1)-th began, so no earlier than start + 5k ms.
  int64_t elapsed = os::monotonic_ns() - start;
  EXPECT_GE(elapsed, 12'000'000);
  EXPECT_GE(ticks, 1);
  EXPECT_LE((ticks - 1) * 5'000'000, elapsed);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace lansync::sntpd
