// Tests of the board's HTTP side (firmware/board/board_http) on its own: the routes, the exchange's
// one-use tokens, and every check a phone's set must pass before the board steps its clock.
#include <gtest/gtest.h>

#include <string>

#include "firmware/board/board_http.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kPhoneUtc = int64_t{1'800'000'000} * kS;  // the phone's time, Unix ns

uint64_t counting_random(void* context) { return ++*static_cast<uint64_t*>(context); }

struct Fixture {
  explicit Fixture(bool need_token) : http(BoardHttpConfig{need_token, 500 * kMs, &counting_random, &seed}) {}

  std::string serve(const std::string& request, int64_t local_ns, const ClockView& clock = {}) {
    char out[4096];
    set = PhoneSet{};
    size_t n = http.serve(request.data(), request.size(), local_ns, clock, &set, out, sizeof(out));
    return std::string(out, n);
  }
  std::string token(int64_t local_ns) {
    std::string reply = serve("GET /exchange HTTP/1.1\r\nHost: 192.168.4.1\r\n\r\n", local_ns);
    size_t at = reply.find("\"token\":\"");
    return at == std::string::npos ? "" : reply.substr(at + 9, 24);
  }

  uint64_t seed = 0x1234;
  BoardHttp http;
  PhoneSet set;
};

std::string put(const std::string& body) {
  return "PUT /time HTTP/1.1\r\nHost: 192.168.4.1\r\nOrigin: http://192.168.4.1\r\n"
         "Content-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string token_body(const std::string& token, int64_t t1_ns, int64_t t4_ns,
                       const std::string& extra = "") {
  return "{\"token\":\"" + token + "\",\"t1_ms\":" + std::to_string(t1_ns / kMs) +
         ",\"t4_ms\":" + std::to_string(t4_ns / kMs) + extra + "}";
}

TEST(FwBoardHttp, RoutesThePageTheTimeAndErrors) {
  Fixture f(false);
  EXPECT_EQ(f.serve("GET /time HTTP/1.1\r\nHost: b", 0), "");  // incomplete: the port reads more
  EXPECT_NE(f.serve("GET / HTTP/1.1\r\nHost: b\r\n\r\n", 0).find("text/html"), std::string::npos);
  EXPECT_NE(f.serve("GET /nowhere HTTP/1.1\r\nHost: b\r\n\r\n", 0).find("404"), std::string::npos);
  EXPECT_NE(f.serve("POST /exchange HTTP/1.1\r\nHost: b\r\nContent-Length: 0\r\n\r\n", 0).find("405"),
            std::string::npos);
  EXPECT_NE(f.serve("GET /time HTTP/1.1\r\nHost: b\r\n\r\n", 0).find("503"), std::string::npos);
  ClockView synced{Reading{kPhoneUtc, 2 * kMs, true, Source::Ntp}, true};
  std::string time = f.serve("GET /time HTTP/1.1\r\nHost: b\r\n\r\n", 0, synced);
  EXPECT_NE(time.find("200 OK"), std::string::npos);
  EXPECT_NE(time.find("\"source\":\"ntp\""), std::string::npos);
  EXPECT_NE(time.find("\"error_s\":0.002000"), std::string::npos);
  EXPECT_FALSE(f.set.accepted);
}

TEST(FwBoardHttp, AnExchangeGivesTheTimeAtTheRequestAndItsTokenIsUsedOnce) {
  Fixture f(true);
  std::string token = f.token(100 * kS);
  ASSERT_EQ(token.size(), 24u);
  // The phone measured 4 ms around the exchange; the set arrives 50 ms after it.
  std::string body = token_body(token, kPhoneUtc - 2 * kMs, kPhoneUtc + 2 * kMs, ",\"error_ms\":3");
  EXPECT_NE(f.serve(put(body), 100 * kS + 50 * kMs).find("200 OK"), std::string::npos);
  ASSERT_TRUE(f.set.accepted);
  EXPECT_EQ(f.set.utc_ns, kPhoneUtc + 50 * kMs);
  // Half the round trip, Date.now()'s millisecond, the crystal since: above the claimed 3 ms.
  EXPECT_EQ(f.set.error_ns, 2 * kMs + kMs + 50'000);
  EXPECT_NE(f.serve(put(body), 101 * kS).find("403"), std::string::npos);
  EXPECT_FALSE(f.set.accepted);
  // Without a token, with a key: refused.
  EXPECT_NE(f.serve(put("{\"unix_ms\":1800000000000}"), 101 * kS).find("403"), std::string::npos);
  // Too late: refused and spent.
  token = f.token(200 * kS);
  body = token_body(token, kPhoneUtc, kPhoneUtc);
  EXPECT_NE(f.serve(put(body), 211 * kS).find("expired"), std::string::npos);
  EXPECT_NE(f.serve(put(body), 211 * kS).find("not a token"), std::string::npos);
  EXPECT_EQ(f.http.sets_refused(), 4u);
}

TEST(FwBoardHttp, OnlyTheOldestOfTooManyExchangesGivesWay) {
  Fixture f(true);
  std::string first = f.token(0);
  std::string second = f.token(kS);
  for (size_t i = 2; i <= kMaxExchanges; ++i) f.token(static_cast<int64_t>(i) * kS);
  EXPECT_NE(f.serve(put(token_body(first, kPhoneUtc, kPhoneUtc)), 8 * kS).find("403"), std::string::npos);
  EXPECT_NE(f.serve(put(token_body(second, kPhoneUtc, kPhoneUtc)), 8 * kS).find("200 OK"), std::string::npos);
}

TEST(FwBoardHttp, APhoneSetsOnlyAClockItMakesTwiceAsGoodAndNoServerKeeps) {
  Fixture f(false);
  std::string plain = put("{\"unix_ms\":1800000000000,\"error_ms\":0}");
  ClockView heard{Reading{kPhoneUtc, 900 * kMs, true, Source::Ntp}, true};
  EXPECT_NE(f.serve(plain, 0, heard).find("409"), std::string::npos);
  ClockView good{Reading{kPhoneUtc, 900 * kMs, true, Source::Rtc}, false};
  EXPECT_NE(f.serve(plain, 0, good).find("409"), std::string::npos);
  EXPECT_FALSE(f.set.accepted);
  // Unmeasured: the configured 500 ms, which a 1.1 s clock welcomes.
  ClockView worse{Reading{kPhoneUtc, 1100 * kMs, true, Source::Rtc}, false};
  EXPECT_NE(f.serve(plain, 0, worse).find("200 OK"), std::string::npos);
  EXPECT_EQ(f.set.utc_ns, kPhoneUtc);
  EXPECT_EQ(f.set.error_ns, 500 * kMs);
}

TEST(FwBoardHttp, ARoundTripOverASecondOrOutOfOrderIsRefused) {
  Fixture f(false);
  std::string t = f.token(0);
  EXPECT_NE(f.serve(put(token_body(t, kPhoneUtc - 600 * kMs, kPhoneUtc + 600 * kMs)), kMs).find("409"),
            std::string::npos);
  t = f.token(0);
  EXPECT_NE(f.serve(put(token_body(t, kPhoneUtc + 5 * kMs, kPhoneUtc)), kMs).find("400"), std::string::npos);
  EXPECT_FALSE(f.set.accepted);
}

}  // namespace
}  // namespace lansync::fw
