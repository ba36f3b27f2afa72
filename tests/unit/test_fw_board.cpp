// Tests of the board as a whole, in the simulated world (firmware/sim): NTP sync with a drifting
// crystal, the users' boot flow with the emulated DS3231, a phone, server mode, broadcasts, jumps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "codec/ccapi_date.hpp"
#include "codec/ds3231.hpp"
#include "codec/ntp_packet.hpp"
#include "codec/timestamp.hpp"
#include "ds3231_emulator.hpp"
#include "firmware/board/board.hpp"
#include "firmware/sim/world.hpp"
#include "proto/time_message.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kMin = 60 * kS;

// The board's error bound must hold: |time - truth| <= error.
void expect_honest(sim::World& w) {
  Reading r = w.reading();
  if (!r.synchronized) return;
  EXPECT_LE(std::llabs(w.error_ns()), r.error_ns) << "at " << w.true_ns() / kS << " s";
}

BoardConfig ntp_config(sim::World& w) {
  BoardConfig c = w.board_config();
  c.use_server = true;
  c.server_refid = 0xC0A80401;
  return c;
}

// A world with a DS3231 and a quiet 1 ms path each way, and a board that uses both.
sim::WorldConfig rtc_world() {
  sim::WorldConfig wc;
  wc.rtc = true;
  wc.delay = sim::fixed_delay(1 * kMs, 1 * kMs);
  return wc;
}

BoardConfig ntp_rtc_config(sim::World& w) {
  BoardConfig c = ntp_config(w);
  c.has_rtc = true;
  return c;
}

std::string http(Board& b, const std::string& request, int64_t local_ns) {
  char out[4096];
  size_t n = b.serve_http(request.data(), request.size(), local_ns, out, sizeof(out));
  return std::string(out, n);
}

// Headers of the board's own page opened at http://192.168.4.1/.
const std::string kSameOrigin = "Host: 192.168.4.1\r\nOrigin: http://192.168.4.1\r\n";

// A PUT /time with a body of the given Content-Type and extra headers.
std::string set_request(const std::string& body, const std::string& headers = kSameOrigin,
                        const std::string& type = "application/json") {
  return "PUT /time HTTP/1.1\r\n" + headers + "Content-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The token of a GET /exchange at local_ns ("" if none).
std::string exchange_token(Board& b, int64_t local_ns) {
  std::string reply = http(b, "GET /exchange HTTP/1.1\r\nHost: 192.168.4.1\r\n\r\n", local_ns);
  size_t at = reply.find("\"token\":\"");
  if (at == std::string::npos) return "";
  return reply.substr(at + 9, reply.find('"', at + 9) - at - 9);
}

// The JSON a phone's page sends: the token and its T1/T4 (Unix ms).
std::string token_body(const std::string& token, int64_t t1_ns, int64_t t4_ns,
                       const std::string& extra = "") {
  return "{\"token\":\"" + token + "\",\"t1_ms\":" + std::to_string(t1_ns / kMs) +
         ",\"t4_ms\":" + std::to_string(t4_ns / kMs) + extra + "}";
}

// The hash of a test key: any function of the key and the bytes will do for the board.
bool test_hash(void*, const MacKey& key, const uint8_t* data, size_t size, uint8_t* out) {
  uint64_t h = 1469598103934665603ULL ^ key.bytes[0];
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ULL;
  for (size_t i = 0; i < proto::key_mac_size(key.type); ++i)
    out[i] = static_cast<uint8_t>(h >> (8 * (i % 8)) ^ i);
  return true;
}

MacKey test_key() {
  MacKey k;
  k.id = 7;
  k.bytes[0] = 0x5A;
  k.size = 16;
  k.hash = &test_hash;
  return k;
}

codec::NtpHeader ask(Board& b, int64_t local_ns, size_t* size = nullptr) {
  codec::NtpHeader q;
  q.mode = codec::Mode::Client;
  q.version = 3;
  q.transmit = codec::NtpTimestamp::from_raw(0xABCDEF);
  uint8_t req[48], rep[64];
  codec::encode(q, req, sizeof(req));
  size_t n = b.serve_ntp(req, sizeof(req), local_ns, rep, sizeof(rep));
  if (size != nullptr) *size = n;
  if (n == 0) return {};
  b.stamp_transmit(rep, n, local_ns);
  return codec::decode(rep, n)->header;
}

TEST(FwBoard, SyncsFromNtpWithinAMillisecondDespiteTheCrystal) {
  sim::Oscillator crystal(40.0, 3 * 3600 * kS);
  sim::WorldConfig wc;
  wc.delay = sim::fixed_delay(300'000, 300'000);
  sim::World w(wc, crystal);
  Board& b = w.start_board(ntp_config(w));
  EXPECT_FALSE(w.reading().synchronized);
  w.run_until(5 * kS);
  ASSERT_TRUE(w.reading().synchronized);
  EXPECT_EQ(w.reading().source, Source::Ntp);
  double worst = 0;
  for (int64_t t = 10 * kMin; t < 3 * 3600 * kS; t += 7 * kS) {
    w.run_until(t);
    worst = std::max(worst, std::abs(static_cast<double>(w.error_ns())));
    expect_honest(w);
  }
  EXPECT_LT(worst, 100'000.0);  // 0.1 ms on a clean path
  BoardStatus s = b.status(w.local_ns());
  EXPECT_NEAR(static_cast<double>(s.freq_ppb), -40'000 / (1 + 40e-6), 50);
  EXPECT_GT(s.poll_log2, 6);  // stable: backed off
  // No more requests than lwIP SNTP at its 15 s minimum (240 an hour).
  EXPECT_LE(w.requests(), 3u * 240u);
}

TEST(FwBoard, AFirstBurstTheNetworkHeldIsSteppedAwayAtTheNextBurst) {
  // The first burst's replies are held 0.24 s on their way back (QEMU's user network holds a new
  // flow's first packets; an access point wakes its radio): the clock is set 0.12 s off, within
  // the error it states.  The next burst is clean: the board steps to it, not a 4-minute slew.
  sim::Oscillator crystal(10.0);
  sim::WorldConfig wc;
  auto downlinks = std::make_shared<int>(0);
  wc.delay = [downlinks](std::mt19937_64&, bool uplink) -> int64_t {
    if (uplink) return 100'000;
    return ++*downlinks <= 4 ? 240'000'000 : 100'000;
  };
  sim::World w(wc, crystal);
  Board& b = w.start_board(ntp_config(w));
  bool stepped = false, set = false;
  int64_t worst_after_ns = 0;
  for (int64_t t = kS; t <= 3 * kMin; t += kS / 4) {
    w.run_until(t);
    expect_honest(w);
    Event e;
    while (b.next_event(&e)) {
      set = set || e.kind == EventKind::ClockSet;
      stepped = stepped || (set && e.kind == EventKind::Stepped);
    }
    if (t >= 2 * kMin) worst_after_ns = std::max<int64_t>(worst_after_ns, std::llabs(w.error_ns()));
  }
  EXPECT_TRUE(set);
  EXPECT_TRUE(stepped);
  EXPECT_LT(worst_after_ns, kMs);
}

TEST(FwBoard, StaysUnsynchronizedWhileTheServerIs) {
  sim::Oscillator crystal(40.0);
  sim::WorldConfig wc;
  wc.server.unsynchronized = true;
  sim::World w(wc, crystal);
  Board& b = w.start_board(ntp_config(w));
  w.run_until(10 * kMin);
  EXPECT_FALSE(w.reading().synchronized);
  EXPECT_EQ(w.reading().source, Source::None);
  bool told = false;
  Event e;
  while (b.next_event(&e)) told = told || e.kind == EventKind::ServerUnsynchronized;
  EXPECT_TRUE(told);
  BoardConfig c = ntp_config(w);
  (void)c;
}

TEST(FwBoard, BootsFromAValidRtcAtItsTick) {
  sim::Oscillator crystal(-25.0);
  sim::WorldConfig wc;
  wc.rtc = true;
  wc.server_reachable = false;
  sim::World w(wc, crystal);
  w.rtc().load_unix(w.utc_ns() / kS, w.utc_ns() % kS);  // the RTC is right
  BoardConfig c = ntp_config(w);
  c.has_rtc = true;
  Board& b = w.start_board(c);
  w.run_until(2 * kS);
  Reading r = w.reading();
  ASSERT_TRUE(r.synchronized);
  EXPECT_EQ(r.source, Source::Rtc);
  EXPECT_LT(std::llabs(w.error_ns()), 2 * kMs);  // read at its tick, 1 ms apart
  EXPECT_EQ(b.status(w.local_ns()).rtc, RtcStatus::Valid);
  // An RTC whose age is unknown: the bound says so.
  EXPECT_GE(r.error_ns, 1'000 * kMs);
  size_t n = 1;
  ask(b, w.local_ns(), &n);
  EXPECT_EQ(n, 0u) << "server mode is off: no reply";
}

TEST(FwBoard, AnRtcWithOsfSetIsNotUsedAndServesLeap3) {
  sim::Oscillator crystal(10.0);
  sim::WorldConfig wc;
  wc.rtc = true;
  wc.server_reachable = false;
  sim::World w(wc, crystal);  // the emulator powers up with OSF set
  BoardConfig c = ntp_config(w);
  c.has_rtc = true;
  c.serve = true;
  Board& b = w.start_board(c);
  w.run_until(1 * kMin);
  EXPECT_FALSE(w.reading().synchronized);
  EXPECT_EQ(b.status(w.local_ns()).rtc, RtcStatus::Stopped);
  codec::NtpHeader h = ask(b, w.local_ns());
  EXPECT_EQ(h.leap, codec::Leap::Unsynchronized);
  EXPECT_EQ(h.stratum, 0);
  EXPECT_NE(http(b, "GET /time HTTP/1.0\r\n\r\n", w.local_ns()).find("503 Service Unavailable"),
            std::string::npos);
}

TEST(FwBoard, NtpSetsTheClockAndTheClockSetsTheRtc) {
  sim::Oscillator crystal(40.0);
  sim::World w(rtc_world(), crystal);
  Board& b = w.start_board(ntp_rtc_config(w));
  w.run_until(5 * kMin);
  ASSERT_TRUE(w.reading().synchronized);
  EXPECT_EQ(b.status(w.local_ns()).rtc, RtcStatus::Valid);
  EXPECT_FALSE(codec::ds3231::decode_status(w.rtc().peek(0x0F)).osf);
  // Written at the start of a second: the chip keeps the board's time, to the
  // transfer time.
  EXPECT_LT(std::llabs(w.rtc().time_ns() - w.utc_ns()), 2 * kMs);
  EXPECT_GT(b.rtc_set_unix_s(), 0);
  EXPECT_LT(b.rtc_set_error_ns(), 5 * kMs);
}

TEST(FwBoard, OfflineItFollowsTheRtcInsteadOfTheCrystal) {
  // A crystal whose frequency moves 10 ppm over the offline hours; the RTC holds.
  sim::Oscillator crystal([](double s) { return 40.0 + (s > 3600 ? 10.0 : 0.0); }, 8 * 3600 * kS);
  sim::World w(rtc_world(), crystal);
  Board& b = w.start_board(ntp_rtc_config(w));
  w.run_until(50 * kMin);
  ASSERT_EQ(w.reading().source, Source::Ntp);
  w.config().server_reachable = false;
  bool offline = false;
  Event e;
  for (int64_t t = 50 * kMin; t < 8 * 3600 * kS; t += kMin) {
    w.run_until(t);
    while (b.next_event(&e)) offline = offline || e.kind == EventKind::Offline;
  }
  w.run_until(8 * 3600 * kS);
  Reading r = w.reading();
  EXPECT_EQ(r.source, Source::Rtc);
  EXPECT_TRUE(r.synchronized);
  // Seven hours at 10 ppm would be 250 ms; following the RTC keeps it to milliseconds.
  EXPECT_LT(std::llabs(w.error_ns()), 5 * kMs);
  expect_honest(w);
  EXPECT_TRUE(offline);
  // The server comes back: the board follows it again, slewing.
  w.config().server_reachable = true;
  w.run_until(9 * 3600 * kS);
  EXPECT_EQ(w.reading().source, Source::Ntp);
  EXPECT_LT(std::llabs(w.error_ns()), 1 * kMs);
}

TEST(FwBoard, APhoneSetsTheClockOnceAndTheRtcFollows) {
  sim::Oscillator crystal(15.0);
  sim::WorldConfig wc;
  wc.rtc = true;
  wc.server_reachable = false;
  sim::World w(wc, crystal);
  BoardConfig c = w.board_config();
  c.has_rtc = true;
  c.serve = true;
  Board& b = w.start_board(c);
  w.run_until(3 * kS);
  EXPECT_FALSE(w.reading().synchronized);
  // With no time it trusts, no Date on any answer (RFC 9110 §6.6.1; "HTTP time" clients read it).
  for (const char* get : {"GET / HTTP/1.1\r\n\r\n", "GET /time HTTP/1.1\r\n\r\n", "GET /x HTTP/1.1\r\n\r\n"})
    EXPECT_EQ(http(b, get, w.local_ns()).find("\r\nDate: "), std::string::npos) << get;
  // The phone is 80 ms ahead; the exchange takes 10 ms each way, the set comes 30 ms later.
  int64_t phone = w.utc_ns() + 80 * kMs;
  std::string token = exchange_token(b, w.local_ns());
  w.run_until(w.true_ns() + 30 * kMs);
  std::string reply =
      http(b, set_request(token_body(token, phone - 10 * kMs, phone + 10 * kMs)), w.local_ns());
  EXPECT_NE(reply.find("200 OK"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\"set\":true"), std::string::npos) << reply;
  Reading r = w.reading();
  EXPECT_TRUE(r.synchronized);
  EXPECT_EQ(r.source, Source::Phone);
  EXPECT_EQ(r.error_ns, 500 * kMs);
  w.run_until(10 * kS);
  EXPECT_EQ(b.status(w.local_ns()).rtc, RtcStatus::Valid);
  EXPECT_LT(std::llabs(w.rtc().time_ns() - (w.utc_ns() + 80 * kMs)), 3 * kMs);
  std::string get = http(b, "GET /time HTTP/1.1\r\n\r\n", w.local_ns());
  EXPECT_NE(get.find("\"synchronized\":true"), std::string::npos) << get;
  // Synchronized, a Date of the board's clock, to the second.
  char date[codec::kHttpDateLength + 1];
  ASSERT_TRUE(codec::format_http_date(codec::floor_div(w.reading().utc_ns, kS), date, sizeof(date)).ok());
  EXPECT_NE(get.find(std::string("\r\nDate: ") + date + "\r\n"), std::string::npos) << get;
  EXPECT_NE(get.find("\"source\":\"phone\""), std::string::npos) << get;
  // Then it follows the RTC (a TCXO) rather than its crystal, 15 ppm off.
  w.run_until(2 * 3600 * kS);
  EXPECT_EQ(w.reading().source, Source::Rtc);
  EXPECT_LT(std::llabs(w.error_ns() - 80 * kMs), 5 * kMs);
  // A second phone, no better than the first, is refused.
  std::string t2 = exchange_token(b, w.local_ns());
  std::string again = http(b, set_request(token_body(t2, w.utc_ns(), w.utc_ns())), w.local_ns());
  EXPECT_NE(again.find("409 Conflict"), std::string::npos) << again;
  EXPECT_NE(http(b, set_request("{\"unix_ms\":5}"), w.local_ns()).find("400"), std::string::npos);
  EXPECT_NE(http(b, set_request("{\"unix_ms\":"), w.local_ns()).find("400"), std::string::npos);
  EXPECT_NE(http(b, "DELETE /time HTTP/1.1\r\n\r\n", w.local_ns()).find("405"), std::string::npos);
  EXPECT_NE(http(b, "GET /nothing HTTP/1.1\r\n\r\n", w.local_ns()).find("404"), std::string::npos);
  EXPECT_NE(http(b, "GET / HTTP/1.1\r\n\r\n", w.local_ns()).find("text/html"), std::string::npos);
  EXPECT_EQ(http(b, "GET /time HTTP/1.1\r\n", w.local_ns()), "");  // incomplete: read more
}

TEST(FwBoard, APhoneCannotOverrideNtp) {
  sim::Oscillator crystal(0.0);
  sim::World w(sim::WorldConfig{}, crystal);
  Board& b = w.start_board(ntp_config(w));
  w.run_until(1 * kMin);
  std::string reply = http(b, set_request("{\"unix_ms\":1900000000000,\"error_ms\":0}"), w.local_ns());
  EXPECT_NE(reply.find("409"), std::string::npos) << reply;
  EXPECT_LT(std::llabs(w.error_ns()), 1 * kMs);
}

// A charger's central system answering a Heartbeat: its clock (true UTC + offset_ns) read when
// the request arrived, sent as OCPP's currentTime in whole seconds, truncated.
struct CentralSystem {
  int64_t offset_ns = 0;
  std::string current_time(int64_t true_utc_ns) const {
    char text[32];
    return TextWriter(text, sizeof(text)).put_iso8601(true_utc_ns + offset_ns, 0).c_str();
  }
};

// One Heartbeat exchange in the world, up_ns to the central system and down_ns back: what the
// board's on_time_message says of its answer.
TimeMessageVerdict heartbeat(sim::World& w, const CentralSystem& cs, int64_t up_ns, int64_t down_ns,
                             int64_t source_error_ns) {
  int64_t sent = w.local_ns();
  w.run_until(w.true_ns() + up_ns);
  std::string text = cs.current_time(w.utc_ns());
  w.run_until(w.true_ns() + down_ns);
  auto time = proto::parse_iso_time(text.data(), text.size());
  EXPECT_TRUE(time.ok()) << text;
  proto::TimeMessage m{*time, sent, w.local_ns(), source_error_ns};
  return w.board().on_time_message(m, w.local_ns());
}

// A charger with no NTP server in reach takes its central system's time from the Heartbeat
// answers (slow, lopsided round trips; the central system 1.2 s off, the user saying 1.5 s): the
// bound always holds the truth, the time is served as no better than it is, and the NTP server,
// once it answers, replaces it.
TEST(FwBoard, OcppTimeWhileNoServerAnswersThenNtpTakesOver) {
  sim::Oscillator crystal(35.0);
  sim::WorldConfig wc;
  wc.server_reachable = false;
  sim::World w(wc, crystal);
  BoardConfig c = ntp_config(w);
  c.serve = true;
  // Whole seconds, 1.5 s of the central system's own: a bound of 2.5 s and more, beyond RFC 5905's
  // 1.5 s (the default max_error), where the board would call itself unsynchronized.  A charger
  // that keeps such a time for its transactions says how much it accepts.
  c.max_error_ns = 5 * kS;
  Board& b = w.start_board(c);
  CentralSystem cs{1'200 * kMs};
  std::mt19937_64 rng(7);
  auto ms = [&rng](int64_t lo, int64_t hi) {
    return (lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo))) * kMs;
  };
  int sets = 0, not_better = 0;
  double worst_share = 0;  // the largest |error| / bound at any second
  int64_t worst_error = 0, least_bound = INT64_MAX;
  for (int i = 0; i < 36; ++i) {  // three hours of Heartbeats every 5 minutes
    int64_t start = w.true_ns();
    TimeMessageVerdict v = heartbeat(w, cs, ms(20, 800), ms(20, 3000), 1'500 * kMs);
    if (i == 0) {
      ASSERT_EQ(v, TimeMessageVerdict::Set);
    }
    sets += v == TimeMessageVerdict::Set ? 1 : 0;
    not_better += v == TimeMessageVerdict::NotBetter ? 1 : 0;
    ASSERT_EQ(w.reading().source, Source::Message);
    while (w.true_ns() < start + 5 * kMin) {
      w.run_until(w.true_ns() + kS);
      expect_honest(w);
      Reading r = w.reading();
      worst_share = std::max(worst_share,
                             static_cast<double>(std::llabs(w.error_ns())) / static_cast<double>(r.error_ns));
      worst_error = std::max<int64_t>(worst_error, std::llabs(w.error_ns()));
      least_bound = std::min(least_bound, r.error_ns);
    }
  }
  std::printf("OCPP time, 3 h: |error| at most %.1f ms, bound at least %.1f ms, |error|/bound at most %.2f\n",
              static_cast<double>(worst_error) / 1e6, static_cast<double>(least_bound) / 1e6, worst_share);
  EXPECT_EQ(sets + not_better, 36);
  EXPECT_GT(not_better, 0);  // as good as the clock already is: not taken again
  // The bound is what the answers give, no more: half the slowest round trip (3.8 s), the second
  // of resolution, the 1.5 s said of the central system, and 15 ppm of three hours.
  EXPECT_LE(w.reading().error_ns, 1'900 * kMs + kS + 1'500 * kMs + 170 * kMs);
  // Served as what it is: the local stratum, the bound as root dispersion, never "a server's".
  codec::NtpHeader h = ask(b, w.local_ns());
  EXPECT_NE(h.leap, codec::Leap::Unsynchronized);
  EXPECT_EQ(h.stratum, c.local_stratum);
  EXPECT_GE(codec::from_ntp_short(h.root_dispersion),
            2'500 * kMs);  // 1 s resolution + 1.5 s + half the round trip
  EXPECT_GE(codec::from_ntp_short(h.root_dispersion), std::llabs(w.error_ns()));

  // The NTP server answers: its first good burst steps the clock, and the Heartbeats no longer count.
  w.config().server_reachable = true;
  int64_t back = w.true_ns();
  while (w.reading().source != Source::Ntp && w.true_ns() < back + 2 * 3600 * kS)
    w.run_until(w.true_ns() + kS);
  ASSERT_EQ(w.reading().source, Source::Ntp);
  w.run_until(w.true_ns() + 10 * kS);
  EXPECT_LT(std::llabs(w.error_ns()), 2 * kMs);
  EXPECT_EQ(heartbeat(w, cs, 30 * kMs, 30 * kMs, 0), TimeMessageVerdict::NotBetter);
  EXPECT_EQ(w.reading().source, Source::Ntp);
  EXPECT_LT(std::llabs(w.error_ns()), 2 * kMs);
}

TEST(FwBoard, ATimeMessageWithoutARoundTripIsRefused) {
  sim::Oscillator crystal(0.0);
  sim::WorldConfig wc;
  wc.server_reachable = false;
  sim::World w(wc, crystal);
  Board& b = w.start_board(ntp_config(w));
  w.run_until(kMin);
  proto::TimeMessage m{{w.utc_ns(), kS}, w.local_ns(), w.local_ns() - kS, 0};  // arrived before it left
  EXPECT_EQ(b.on_time_message(m, w.local_ns()), TimeMessageVerdict::Refused);
  m = {{w.utc_ns(), kS}, w.local_ns() - 61 * kS, w.local_ns(), 0};  // a minute's round trip
  EXPECT_EQ(b.on_time_message(m, w.local_ns()), TimeMessageVerdict::Refused);
  m = {{0, kS}, w.local_ns() - kS, w.local_ns(), 0};  // 1970: implausible
  EXPECT_EQ(b.on_time_message(m, w.local_ns()), TimeMessageVerdict::Refused);
  EXPECT_FALSE(w.reading().synchronized);
  EXPECT_STRNE(describe(TimeMessageVerdict::Refused), "unknown");
}

// A board with no time, no server and no RTC: what a phone's set would change.
struct UnsetBoard {
  sim::Oscillator crystal{0.0};
  sim::World w;
  Board* b;
  explicit UnsetBoard(bool with_key) : w(unreachable(), crystal) {
    BoardConfig c = w.board_config();
    if (with_key) c.key = test_key();
    b = &w.start_board(c);
    w.run_until(2 * kS);
  }
  static sim::WorldConfig unreachable() {
    sim::WorldConfig wc;
    wc.server_reachable = false;
    return wc;
  }
  std::string put(const std::string& request) { return http(*b, request, w.local_ns()); }
};

TEST(FwBoard, HttpRefusesCrossSiteForm) {
  UnsetBoard u(false);
  std::string now_ms = std::to_string(u.w.utc_ns() / kMs);
  std::string form = "unix_ms=" + now_ms + "&error_ms=0";
  // What another site's page can send without asking: a form or text/plain POST.
  std::string evil = "Host: 192.168.4.1\r\nOrigin: http://evil.example\r\nSec-Fetch-Site: cross-site\r\n";
  EXPECT_NE(u.put(set_request(form, evil, "text/plain")).find("403 Forbidden"), std::string::npos);
  EXPECT_NE(u.put(set_request(form, evil, "application/x-www-form-urlencoded")).find("403"),
            std::string::npos);
  // Even from the same origin, a form or text body is not a set (415).
  EXPECT_NE(u.put(set_request(form, kSameOrigin, "text/plain")).find("415"), std::string::npos);
  EXPECT_NE(u.put(set_request(form, kSameOrigin, "application/x-www-form-urlencoded")).find("415"),
            std::string::npos);
  std::string json = "{\"unix_ms\":" + now_ms + "}";
  // JSON from another origin, a cross-site fetch, a DNS-rebinding name: 403.
  EXPECT_NE(u.put(set_request(json, "Host: 192.168.4.1\r\nOrigin: http://evil.example\r\n")).find("403"),
            std::string::npos);
  EXPECT_NE(u.put(set_request(json, "Host: 192.168.4.1\r\nSec-Fetch-Site: cross-site\r\n")).find("403"),
            std::string::npos);
  EXPECT_NE(u.put(set_request(json, "Host: evil.example\r\nOrigin: http://evil.example\r\n")).find("403"),
            std::string::npos);
  // None of them touched the clock.
  EXPECT_FALSE(u.w.reading().synchronized);
  EXPECT_EQ(u.b->status(u.w.local_ns()).http_sets_refused, 7u);
  // The board's own page (or curl, with neither Origin nor Sec-Fetch-Site) may.
  EXPECT_NE(u.put(set_request(json, "Host: board.local\r\n")).find("200 OK"), std::string::npos);
  EXPECT_TRUE(u.w.reading().synchronized);
}

TEST(FwBoard, HttpSetWithAKeyNeedsAOneUseToken) {
  UnsetBoard u(true);
  int64_t phone = u.w.utc_ns();
  // No token, a forged one, one of the wrong form: 403, the clock untouched.
  std::string plain = "{\"unix_ms\":" + std::to_string(phone / kMs) + "}";
  EXPECT_NE(u.put(set_request(plain)).find("403"), std::string::npos);
  EXPECT_NE(u.put(set_request(token_body("0123456789abcdef00000001", phone, phone))).find("403"),
            std::string::npos);
  EXPECT_NE(u.put(set_request(token_body("zz", phone, phone))).find("403"), std::string::npos);
  EXPECT_FALSE(u.w.reading().synchronized);
  // A token used too late is refused, and spent.
  std::string old = exchange_token(*u.b, u.w.local_ns());
  u.w.run_until(u.w.true_ns() + 11 * kS);
  EXPECT_NE(u.put(set_request(token_body(old, u.w.utc_ns(), u.w.utc_ns()))).find("expired"),
            std::string::npos);
  EXPECT_FALSE(u.w.reading().synchronized);
  // A fresh token sets it, once.
  std::string token = exchange_token(*u.b, u.w.local_ns());
  ASSERT_EQ(token.size(), 24u);
  phone = u.w.utc_ns() + 3 * kS;
  std::string body = token_body(token, phone - 2 * kMs, phone + 2 * kMs);
  EXPECT_NE(u.put(set_request(body)).find("200 OK"), std::string::npos);
  ASSERT_TRUE(u.w.reading().synchronized);
  EXPECT_LT(std::llabs(u.w.error_ns() - 3 * kS), 3 * kMs);
  // Replayed later (the clock has grown worse, a phone would be welcome): refused, nothing moves.
  u.w.run_until(u.w.true_ns() + 5 * kS);
  int64_t before = u.w.reading().utc_ns;
  EXPECT_NE(u.put(set_request(token_body(token, phone + 7 * kS, phone + 7 * kS))).find("403"),
            std::string::npos);
  EXPECT_EQ(u.w.reading().utc_ns, before);
}

TEST(FwBoard, HttpSetErrorIsNeverBelowHalfTheRoundTrip) {
  UnsetBoard u(false);
  std::string token = exchange_token(*u.b, u.w.local_ns());
  // The phone measured a 300 ms round trip, and claims an error of 0 ms.
  int64_t phone = u.w.utc_ns();
  std::string reply =
      u.put(set_request(token_body(token, phone - 150 * kMs, phone + 150 * kMs, ",\"error_ms\":0")));
  EXPECT_NE(reply.find("200 OK"), std::string::npos) << reply;
  EXPECT_GE(u.w.reading().error_ns, 150 * kMs);
  EXPECT_LE(std::llabs(u.w.error_ns()), u.w.reading().error_ns);
  // Without an exchange, nothing measured the transit: the configured 500 ms at least.
  UnsetBoard v(false);
  std::string json = "{\"unix_ms\":" + std::to_string(v.w.utc_ns() / kMs) + ",\"error_ms\":0}";
  EXPECT_NE(v.put(set_request(json)).find("200 OK"), std::string::npos);
  EXPECT_EQ(v.w.reading().error_ns, 500 * kMs);
  // A round trip over a second, or timestamps out of order: refused.
  UnsetBoard x(false);
  std::string t = exchange_token(*x.b, x.w.local_ns());
  EXPECT_NE(x.put(set_request(token_body(t, phone - 600 * kMs, phone + 600 * kMs))).find("409"),
            std::string::npos);
  t = exchange_token(*x.b, x.w.local_ns());
  EXPECT_NE(x.put(set_request(token_body(t, phone + 5 * kMs, phone))).find("400"), std::string::npos);
  EXPECT_FALSE(x.w.reading().synchronized);
}

TEST(FwBoard, FirstSyncIsRearmedAfterAPhoneSet) {
  sim::Oscillator crystal(0.0);
  sim::World w(sim::WorldConfig{}, crystal);
  Board& b = w.start_board(ntp_config(w));
  w.run_until(5 * kMin);
  ASSERT_EQ(w.reading().source, Source::Ntp);
  // The server goes away; after an hour a phone 300 ms wrong sets the board.
  w.config().server_reachable = false;
  w.run_until(65 * kMin);
  std::string token = exchange_token(b, w.local_ns());
  int64_t phone = w.utc_ns() + 300 * kMs;
  std::string reply =
      http(b, set_request(token_body(token, phone - kMs, phone + kMs, ",\"error_ms\":5")), w.local_ns());
  ASSERT_NE(reply.find("200 OK"), std::string::npos) << reply;
  EXPECT_GT(w.error_ns(), 290 * kMs);
  // The server returns: its first good burst steps the clock back, as at boot, rather than a slow slew.
  w.config().server_reachable = true;
  int64_t back = w.true_ns();
  while (w.reading().source != Source::Ntp && w.true_ns() < back + 2 * 3600 * kS)
    w.run_until(w.true_ns() + kS);
  ASSERT_EQ(w.reading().source, Source::Ntp);
  w.run_until(w.true_ns() + 5 * kS);
  EXPECT_LT(std::llabs(w.error_ns()), 2 * kMs);
}

// A signed mode-5 broadcast sent at sender time utc_ns.
std::vector<uint8_t> broadcast(int64_t utc_ns) {
  codec::NtpHeader h;
  h.mode = codec::Mode::Broadcast;
  h.version = 4;
  h.stratum = 2;
  h.transmit = codec::to_ntp(utc_ns);
  std::vector<uint8_t> p(48 + 24);
  size_t n = codec::encode(h, p.data(), p.size());
  p.resize(proto::sign_packet(p.data(), n, p.size(), 7, test_key()));
  return p;
}

TEST(FwBoard, ReplayedBroadcastDoesNotMoveTheClock) {
  BoardConfig c;
  c.listen_broadcast = true;
  c.key = test_key();
  Board b(c);
  b.start(0);
  const int64_t utc0 = int64_t{1'795'000'000} * kS;
  auto hear = [&](int64_t sent_local_ns, int64_t at_local_ns) {
    std::vector<uint8_t> p = broadcast(utc0 + sent_local_ns);
    b.on_broadcast(p.data(), p.size(), at_local_ns, 0xC0A80401);
  };
  hear(0, 0);  // the first only anchors: it may be a recording
  EXPECT_FALSE(b.now(0).synchronized);
  hear(64 * kS, 64 * kS);
  ASSERT_TRUE(b.now(64 * kS).synchronized);
  hear(128 * kS, 128 * kS);
  int64_t t = 150 * kS;
  int64_t before = b.now(t).utc_ns;
  // The broadcast of 64 s, and the last one, heard again: nothing changes.
  hear(64 * kS, 140 * kS);
  hear(128 * kS, 141 * kS);
  EXPECT_EQ(b.now(t).utc_ns, before);
  EXPECT_EQ(b.status(t).broadcasts_replayed, 3u);
  // A recording replayed after a power cycle anchors, then the real one is
  // too far ahead: neither is used; the next real one is.
  Board b2(c);
  b2.start(0);
  auto hear2 = [&](int64_t sent, int64_t at) {
    std::vector<uint8_t> p = broadcast(utc0 + sent);
    b2.on_broadcast(p.data(), p.size(), at, 0xC0A80401);
  };
  hear2(-3600 * kS, 0);
  hear2(10 * kS, 10 * kS);
  EXPECT_FALSE(b2.now(10 * kS).synchronized);
  hear2(74 * kS, 74 * kS);
  ASSERT_TRUE(b2.now(74 * kS).synchronized);
  EXPECT_LT(std::llabs(b2.now(74 * kS).utc_ns - (utc0 + 74 * kS)), kMs);
}

TEST(FwBoard, ServerModeRepliesDescribeTheClockHonestly) {
  sim::Oscillator crystal(40.0);
  sim::WorldConfig wc;
  wc.server.stratum = 2;
  wc.delay = sim::fixed_delay(2 * kMs, 2 * kMs);
  sim::World w(wc, crystal);
  BoardConfig c = ntp_config(w);
  c.serve = true;
  Board& b = w.start_board(c);
  size_t n = 0;
  codec::NtpHeader h = ask(b, w.local_ns(), &n);
  EXPECT_EQ(n, 48u);
  EXPECT_EQ(h.leap, codec::Leap::Unsynchronized);
  w.run_until(10 * kMin);
  h = ask(b, w.local_ns(), &n);
  EXPECT_EQ(h.mode, codec::Mode::Server);
  EXPECT_EQ(h.version, 3);  // as asked
  EXPECT_EQ(h.leap, codec::Leap::None);
  EXPECT_EQ(h.stratum, 3);
  EXPECT_EQ(h.refid, 0xC0A80401u);
  EXPECT_EQ(h.origin.raw(), 0xABCDEFu);
  int64_t t3 = codec::from_ntp(h.transmit, w.utc_ns());
  EXPECT_LT(std::llabs(t3 - w.utc_ns()), 1 * kMs);
  int64_t distance = codec::from_ntp_short(h.root_delay) / 2 + codec::from_ntp_short(h.root_dispersion);
  EXPECT_NEAR(static_cast<double>(distance), static_cast<double>(w.reading().error_ns), 100'000);
  EXPECT_GE(codec::from_ntp_short(h.root_delay), 3'990'000);  // the path's 4 ms, in 16.16 steps
  // Only client requests of at least 48 bytes get a reply.
  uint8_t small[47] = {0x1B};
  uint8_t out[64];
  EXPECT_EQ(b.serve_ntp(small, sizeof(small), w.local_ns(), out, sizeof(out)), 0u);
  uint8_t server[48] = {0x24};
  EXPECT_EQ(b.serve_ntp(server, sizeof(server), w.local_ns(), out, sizeof(out)), 0u);
}

// A port that learns its server after start (a DHCP lease's option 42), or sees the lease name
// another: server mode names the server of the bursts it serves from, from the next burst on.
TEST(FwBoard, ServerModeNamesAServerLearnedAfterStart) {
  sim::Oscillator crystal(40.0);
  sim::World w(sim::WorldConfig{}, crystal);
  BoardConfig c = ntp_config(w);
  c.server_refid = 0;  // none configured: the lease names it
  c.serve = true;
  Board& b = w.start_board(c);
  b.set_server_refid(0xC0A80401);
  w.run_until(10 * kMin);
  ASSERT_TRUE(w.reading().synchronized);
  EXPECT_EQ(ask(b, w.local_ns()).refid, 0xC0A80401u);
  b.set_server_refid(0xC0A80402);  // a renewed lease names another Pi
  w.run_until(30 * kMin);
  EXPECT_EQ(ask(b, w.local_ns()).refid, 0xC0A80402u);
}

TEST(FwBoard, ListenOnlyFollowsBroadcasts) {
  sim::Oscillator crystal(-30.0);
  sim::WorldConfig wc;
  wc.delay = sim::fixed_delay(3 * kMs, 3 * kMs);
  wc.server.broadcast_interval_ns = 64 * kS;
  sim::World w(wc, crystal);
  BoardConfig c = w.board_config();
  c.listen_broadcast = true;
  c.broadcast_delay_ns = 3 * kMs;
  w.start_board(c);
  w.run_until(2 * kS);
  EXPECT_TRUE(w.reading().synchronized);
  EXPECT_EQ(w.reading().source, Source::Broadcast);
  EXPECT_EQ(w.requests(), 0u);
  double worst = 0;
  for (int64_t t = 30 * kMin; t < 3 * 3600 * kS; t += 11 * kS) {
    w.run_until(t);
    worst = std::max(worst, std::abs(static_cast<double>(w.error_ns())));
    expect_honest(w);
  }
  EXPECT_LT(worst, 200'000.0);
}

TEST(FwBoard, AServerJumpIsBelievedOnlyWhenItPersists) {
  sim::Oscillator crystal(5.0);
  sim::WorldConfig wc;
  wc.delay = sim::fixed_delay(1 * kMs, 1 * kMs);
  sim::World w(wc, crystal);
  Board& b = w.start_board(ntp_config(w));
  w.run_until(30 * kMin);
  ASSERT_LT(std::llabs(w.error_ns()), 1 * kMs);
  w.config().server.offset_ns = 5 * kS;  // the server was stepped
  int outliers = 0, steps = 0;
  for (int64_t t = 30 * kMin; t < 60 * kMin; t += 10 * kS) {
    w.run_until(t);
    Event e;
    while (b.next_event(&e)) {
      outliers += e.kind == EventKind::Outlier;
      steps += e.kind == EventKind::Stepped;
    }
  }
  EXPECT_EQ(outliers, 2);
  EXPECT_EQ(steps, 1);
  EXPECT_LT(std::llabs(w.error_ns() - 5 * kS), 1 * kMs);
}

TEST(FwBoard, AnRtcThatDisagreesWithTheClockIsNotFollowed) {
  sim::Oscillator crystal(20.0, 3 * 3600 * kS);
  sim::World w(rtc_world(), crystal);
  Board& b = w.start_board(ntp_rtc_config(w));
  w.run_until(30 * kMin);
  ASSERT_EQ(b.status(w.local_ns()).rtc, RtcStatus::Valid);
  // Someone sets the RTC 5 s wrong (OSF clear), then the server goes away.
  w.rtc().load_unix(w.utc_ns() / kS + 5, w.utc_ns() % kS);
  w.config().server_reachable = false;
  bool told = false;
  for (int64_t t = 30 * kMin; t < 2 * 3600 * kS; t += kMin) {
    w.run_until(t);
    Event e;
    while (b.next_event(&e)) {
      told =
          told || (e.kind == EventKind::RtcUnusable && e.code == static_cast<uint32_t>(RtcStatus::Disagrees));
    }
  }
  EXPECT_TRUE(told);
  EXPECT_NE(w.reading().source, Source::Rtc);
  EXPECT_LT(std::llabs(w.error_ns()), 50 * kMs);  // the crystal's own drift, not 5 s
}

TEST(FwBoard, ImplausibleTimesAreNeverTaken) {
  sim::Oscillator crystal(0.0);
  sim::WorldConfig wc;
  wc.server.offset_ns = -int64_t{10} * 365 * 86'400 * kS;  // a server that thinks it is 2016
  sim::World w(wc, crystal);
  w.start_board(ntp_config(w));
  w.run_until(10 * kMin);
  EXPECT_FALSE(w.reading().synchronized);
}

TEST(FwBoard, NothingWithoutAnyConfiguration) {
  sim::Oscillator crystal(0.0);
  sim::World w(sim::WorldConfig{}, crystal);
  BoardConfig c = w.board_config();
  Board& b = w.start_board(c);
  Action a = b.next_action(w.local_ns());
  EXPECT_EQ(a.kind, ActionKind::Wait);
  w.run_until(1 * kMin);
  EXPECT_EQ(w.requests(), 0u);
  EXPECT_FALSE(w.reading().synchronized);
}

}  // namespace
}  // namespace lansync::fw
