// Tests of the Wi-Fi decision (firmware/board/network) and of the board in its own access point
// (issue 17, part 3), in the simulated world: no router, a phone sets the board and its DS3231.
#include <gtest/gtest.h>

#include <string>

#include "codec/ds3231.hpp"
#include "codec/ntp_packet.hpp"
#include "ds3231_emulator.hpp"
#include "firmware/board/board.hpp"
#include "firmware/board/network.hpp"
#include "firmware/sim/world.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;

NetworkConfig known(AccessPointMode mode) {
  NetworkConfig n;
  n.access_point = mode;
  n.known.ssid = "home";
  n.known.password = "secret-password";
  n.join_timeout_ns = 20 * kS;
  return n;
}

// The steps next() gives at local_ns until None, as letters: J join, A AP, F join failed.
std::string steps(NetworkPlan& p, int64_t local_ns) {
  std::string out;
  for (WifiStep s = p.next(local_ns); s != WifiStep::None; s = p.next(local_ns)) {
    out += s == WifiStep::Join               ? 'J'
           : s == WifiStep::StartAccessPoint ? 'A'
           : s == WifiStep::JoinFailed       ? 'F'
                                             : '?';
  }
  return out;
}

TEST(FwAccessPointPlan, AccessPointAtOnceWithoutCredentials) {
  NetworkConfig n;
  n.access_point = AccessPointMode::Fallback;
  NetworkPlan p(n);
  p.start(0);
  EXPECT_EQ(steps(p, 0), "A");
  EXPECT_EQ(p.on_report(WifiReport::AccessPointStarted, 1), WifiStep::AccessPointUp);
  EXPECT_TRUE(p.access_point_up());
  EXPECT_EQ(steps(p, 100 * kS), "");
}

TEST(FwAccessPointPlan, AccessPointAfterTheJoinTimeoutInFallback) {
  NetworkPlan p(known(AccessPointMode::Fallback));
  p.start(0);
  EXPECT_EQ(steps(p, 0), "J");
  EXPECT_EQ(p.wake_ns(), 20 * kS);
  EXPECT_EQ(steps(p, 20 * kS - 1), "");
  EXPECT_EQ(steps(p, 20 * kS), "FA");
  // A join reported after the fallback began does not undo it.
  EXPECT_EQ(p.on_report(WifiReport::Joined, 21 * kS), WifiStep::None);
  EXPECT_EQ(p.on_report(WifiReport::AccessPointStarted, 21 * kS), WifiStep::AccessPointUp);
}

TEST(FwAccessPointPlan, AccessPointAsSoonAsThePortSaysTheJoinFailed) {
  NetworkPlan p(known(AccessPointMode::Fallback));
  p.start(0);
  EXPECT_EQ(steps(p, 0), "J");
  EXPECT_EQ(p.on_report(WifiReport::JoinFailed, 2 * kS), WifiStep::JoinFailed);
  EXPECT_EQ(steps(p, 2 * kS), "A");
}

TEST(FwAccessPointPlan, NoAccessPointWhenNever) {
  NetworkPlan p(known(AccessPointMode::Never));
  p.start(0);
  EXPECT_EQ(steps(p, 0), "J");
  EXPECT_EQ(steps(p, 20 * kS), "F");
  EXPECT_EQ(steps(p, 3600 * kS), "");
  EXPECT_FALSE(p.access_point_up());
  // The port's Wi-Fi kept trying: a late join counts.
  EXPECT_EQ(p.on_report(WifiReport::Joined, 3601 * kS), WifiStep::Joined);
  NetworkConfig none;  // the default: no SSID, never: nothing at all (the port manages Wi-Fi)
  NetworkPlan q(none);
  q.start(0);
  EXPECT_EQ(steps(q, 0), "");
  EXPECT_EQ(q.wake_ns(), INT64_MAX);
}

TEST(FwAccessPointPlan, AccessPointAlwaysWithoutTryingTheNetwork) {
  NetworkPlan p(known(AccessPointMode::Always));
  p.start(0);
  EXPECT_EQ(steps(p, 0), "A");
  EXPECT_EQ(p.on_report(WifiReport::AccessPointFailed, 1), WifiStep::AccessPointDown);
  EXPECT_FALSE(p.access_point_up());
}

TEST(FwAccessPointPlan, JoinedBeforeTheTimeoutNeverStartsTheAccessPoint) {
  NetworkPlan p(known(AccessPointMode::Fallback));
  p.start(0);
  EXPECT_EQ(steps(p, 0), "J");
  EXPECT_EQ(p.on_report(WifiReport::Joined, 3 * kS), WifiStep::Joined);
  EXPECT_EQ(steps(p, 3600 * kS), "");
  EXPECT_TRUE(p.joined());
}

// --- The board in the simulated world.

std::string http(Board& b, const std::string& request, int64_t local_ns) {
  char out[4096];
  size_t n = b.serve_http(request.data(), request.size(), local_ns, out, sizeof(out));
  return std::string(out, n);
}

// The token of a GET /exchange on the AP's page at local_ns ("" if none).
std::string exchange_token(Board& b, int64_t local_ns) {
  std::string reply = http(b, "GET /exchange HTTP/1.1\r\nHost: 192.168.4.1\r\n\r\n", local_ns);
  size_t at = reply.find("\"token\":\"");
  if (at == std::string::npos) return "";
  return reply.substr(at + 9, reply.find('"', at + 9) - at - 9);
}

// The phone's PUT /time from the board's own page at http://192.168.4.1/.
std::string phone_set(const std::string& token, int64_t t1_ns, int64_t t4_ns) {
  std::string body = "{\"token\":\"" + token + "\",\"t1_ms\":" + std::to_string(t1_ns / kMs) +
                     ",\"t4_ms\":" + std::to_string(t4_ns / kMs) + "}";
  return "PUT /time HTTP/1.1\r\nHost: 192.168.4.1\r\nOrigin: http://192.168.4.1\r\n"
         "Content-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// An SNTP request from a device on the AP, answered; leap 3 (and size 0) when none.
codec::NtpHeader ask(Board& b, int64_t local_ns, size_t* size) {
  codec::NtpHeader q;
  q.mode = codec::Mode::Client;
  q.version = 4;
  q.transmit = codec::NtpTimestamp::from_raw(0x1234);
  uint8_t req[48], rep[64];
  codec::encode(q, req, sizeof(req));
  *size = b.serve_ntp(req, sizeof(req), local_ns, rep, sizeof(rep));
  if (*size == 0) return {};
  b.stamp_transmit(rep, *size, local_ns);
  return codec::decode(rep, *size)->header;
}

// A board with a new DS3231 (OSF set), no server, Wi-Fi as given; server mode off.
sim::WorldConfig ap_world(bool wifi_present) {
  sim::WorldConfig wc;
  wc.rtc = true;
  wc.server_reachable = false;
  wc.wifi_present = wifi_present;
  return wc;
}

BoardConfig ap_board(sim::World& w, const NetworkConfig& n) {
  BoardConfig c = w.board_config();
  c.has_rtc = true;
  c.network = n;
  return c;
}

bool saw(Board& b, EventKind k) {
  bool seen = false;
  for (Event e; b.next_event(&e);) seen = seen || e.kind == k;
  return seen;
}

TEST(FwBoardAccessPoint, NoCredentialsStartsTheAccessPointAtOnceAndServes) {
  sim::Oscillator crystal(12.0);
  sim::World w(ap_world(true), crystal);
  NetworkConfig n;
  n.access_point = AccessPointMode::Fallback;
  Board& b = w.start_board(ap_board(w, n));
  size_t size = 0;
  ask(b, w.local_ns(), &size);
  EXPECT_EQ(size, 0u) << "no server mode before the AP is up";
  w.run_until(1 * kMs);
  EXPECT_EQ(w.access_point_started_ns(), 0);
  EXPECT_EQ(w.joins(), 0u);
  EXPECT_TRUE(b.network().access_point_up());
  EXPECT_TRUE(b.serving());
  EXPECT_TRUE(saw(b, EventKind::AccessPointStarted));
}

TEST(FwBoardAccessPoint, AbsentNetworkFallsBackAfterTheTimeout) {
  sim::Oscillator crystal(12.0);
  sim::World w(ap_world(false), crystal);
  Board& b = w.start_board(ap_board(w, known(AccessPointMode::Fallback)));
  w.run_until(19 * kS);
  EXPECT_EQ(w.joins(), 1u);
  EXPECT_EQ(w.access_point_started_ns(), -1);
  EXPECT_FALSE(b.serving());
  w.run_until(21 * kS);
  // 20 s of the crystal's counter, 12 ppm fast: 20 s less 240 us of true time.
  EXPECT_NEAR(static_cast<double>(w.access_point_started_ns()), 20.0 * kS, 1 * kMs);
  EXPECT_TRUE(b.serving());
  Event e;
  ASSERT_TRUE(b.next_event(&e));
  while (e.kind == EventKind::RtcUnusable) ASSERT_TRUE(b.next_event(&e));
  EXPECT_EQ(e.kind, EventKind::JoinFailed);
  ASSERT_TRUE(b.next_event(&e));
  EXPECT_EQ(e.kind, EventKind::AccessPointStarted);
}

TEST(FwBoardAccessPoint, NeverMeansNoAccessPointEvenWithoutTheNetwork) {
  sim::Oscillator crystal(12.0);
  sim::World w(ap_world(false), crystal);
  Board& b = w.start_board(ap_board(w, known(AccessPointMode::Never)));
  w.run_until(3600 * kS);
  EXPECT_EQ(w.access_point_started_ns(), -1);
  EXPECT_FALSE(b.serving());
  EXPECT_TRUE(saw(b, EventKind::JoinFailed));
}

TEST(FwBoardAccessPoint, PresentNetworkIsJoinedAndNoAccessPointStarts) {
  sim::Oscillator crystal(12.0);
  sim::World w(ap_world(true), crystal);
  Board& b = w.start_board(ap_board(w, known(AccessPointMode::Fallback)));
  w.run_until(600 * kS);
  EXPECT_EQ(w.joins(), 1u);
  EXPECT_EQ(w.access_point_started_ns(), -1);
  EXPECT_TRUE(b.network().joined());
  EXPECT_TRUE(saw(b, EventKind::Joined));
}

TEST(FwBoardAccessPoint, APhoneOnTheAccessPointSetsTheClockAndTheRtc) {
  sim::Oscillator crystal(-20.0);
  sim::World w(ap_world(false), crystal);
  NetworkConfig n;
  n.access_point = AccessPointMode::Fallback;
  Board& b = w.start_board(ap_board(w, n));
  w.run_until(3 * kS);
  ASSERT_TRUE(b.serving());
  EXPECT_EQ(b.status(w.local_ns()).rtc, RtcStatus::Stopped);  // a new chip: OSF set
  size_t size = 0;
  codec::NtpHeader before = ask(b, w.local_ns(), &size);
  ASSERT_EQ(size, 48u);
  EXPECT_EQ(before.leap, codec::Leap::Unsynchronized);
  EXPECT_EQ(before.stratum, 0);
  // The phone measures an exchange (5 ms each way, its clock right) and sets the board.
  int64_t t1 = w.utc_ns() - 5 * kMs;
  std::string token = exchange_token(b, w.local_ns());
  ASSERT_FALSE(token.empty());
  std::string reply = http(b, phone_set(token, t1, t1 + 10 * kMs), w.local_ns());
  EXPECT_NE(reply.find("200 OK"), std::string::npos) << reply;
  Reading r = w.reading();
  EXPECT_TRUE(r.synchronized);
  EXPECT_EQ(r.source, Source::Phone);
  EXPECT_LT(std::llabs(w.error_ns()), 2 * kMs);
  codec::NtpHeader after = ask(b, w.local_ns(), &size);
  EXPECT_EQ(after.leap, codec::Leap::None);
  EXPECT_EQ(after.stratum, 10);
  // The clock then writes the DS3231, at the start of a second, and clears OSF.
  w.run_until(6 * kS);
  EXPECT_EQ(b.status(w.local_ns()).rtc, RtcStatus::Valid);
  EXPECT_FALSE(codec::ds3231::decode_status(w.rtc().peek(0x0F)).osf);
  EXPECT_LT(std::llabs(w.rtc().time_ns() - w.utc_ns()), 3 * kMs);
  EXPECT_GT(b.rtc_set_unix_s(), 0);
}

}  // namespace
}  // namespace lansync::fw
