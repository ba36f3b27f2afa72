// The Pi and the board judge a phone's request alike (proto/phone): the same requests (Host,
// Origin, Sec-Fetch-Site, Content-Type, body, the exchange's timing, the token's age) go to a
// board (firmware/board/board_http) and to sntpd's side (sntpd-web's judge_set, core's
// judge_phone_set, os::ExchangeTokens), and their verdicts must agree.
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>

#include "../support/seed.hpp"
#include "core/phone.hpp"
#include "firmware/board/board_http.hpp"
#include "os/crypto_exchange_token.hpp"
#include "os/net_address.hpp"
#include "proto/phone.hpp"
#include "request.hpp"

namespace lansync {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kPhoneMs = 1'800'000'000'000;  // the phone's time, Unix ms

// What each side made of a request, in one vocabulary.
enum class Verdict { Taken, CrossSite, NotJson, BadTimestamps, TooSlow, Expired, Other };

const char* name(Verdict v) {
  switch (v) {
    case Verdict::Taken: return "taken";
    case Verdict::CrossSite: return "cross_site";
    case Verdict::NotJson: return "not_json";
    case Verdict::BadTimestamps: return "bad_timestamps";
    case Verdict::TooSlow: return "too_slow";
    case Verdict::Expired: return "expired";
    case Verdict::Other: break;
  }
  return "other";
}

Verdict of(core::PhoneRefusal r) {
  switch (r) {
    case core::PhoneRefusal::None: return Verdict::Taken;
    case core::PhoneRefusal::CrossSite: return Verdict::CrossSite;
    case core::PhoneRefusal::NotJson: return Verdict::NotJson;
    case core::PhoneRefusal::BadTimestamps: return Verdict::BadTimestamps;
    case core::PhoneRefusal::TooSlow: return Verdict::TooSlow;
    case core::PhoneRefusal::Expired: return Verdict::Expired;
    default: return Verdict::Other;
  }
}

// The headers of one request; absent ones are not sent.
struct Headers {
  std::optional<std::string> host, origin, sec_fetch_site, content_type;
};

// A board without a key (its clock unset, no server heard), asked over its HTTP side.
struct Board {
  static uint64_t random(void* context) { return ++*static_cast<uint64_t*>(context); }

  std::string serve(const std::string& request, int64_t local_ns) {
    char out[4096];
    set = fw::PhoneSet{};
    size_t n = http.serve(request.data(), request.size(), local_ns, fw::ClockView{}, &set, out, sizeof(out));
    return std::string(out, n);
  }
  // A token for an exchange the board answers at local_ns (its T2 and T3).
  std::string token(int64_t local_ns) {
    std::string reply = serve("GET /exchange HTTP/1.1\r\nHost: 192.168.4.1\r\n\r\n", local_ns);
    size_t at = reply.find("\"token\":\"");
    return at == std::string::npos ? "" : reply.substr(at + 9, 24);
  }
  // The board's verdict on a PUT /time with these headers and body, completed at local_ns.
  Verdict put(const Headers& h, const std::string& body, int64_t local_ns) {
    std::string q = "PUT /time HTTP/1.1\r\n";
    if (h.host) q += "Host: " + *h.host + "\r\n";
    if (h.origin) q += "Origin: " + *h.origin + "\r\n";
    if (h.sec_fetch_site) q += "Sec-Fetch-Site: " + *h.sec_fetch_site + "\r\n";
    if (h.content_type) q += "Content-Type: " + *h.content_type + "\r\n";
    q += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::string reply = serve(q, local_ns);
    if (reply.find(" 200 ") != std::string::npos && set.accepted) return Verdict::Taken;
    if (reply.find("another site") != std::string::npos) return Verdict::CrossSite;
    if (reply.find(" 415 ") != std::string::npos) return Verdict::NotJson;
    if (reply.find("inconsistent") != std::string::npos) return Verdict::BadTimestamps;
    if (reply.find("round trip") != std::string::npos) return Verdict::TooSlow;
    if (reply.find("expired") != std::string::npos) return Verdict::Expired;
    return Verdict::Other;
  }

  uint64_t seed = 7;
  fw::BoardHttp http{fw::BoardHttpConfig{false, 500 * kMs, &random, &seed}};
  fw::PhoneSet set;
};

std::string body(const std::string& token, int64_t t1_ms, int64_t t4_ms) {
  return "{\"token\":\"" + token + "\",\"t1_ms\":" + std::to_string(t1_ms) +
         ",\"t4_ms\":" + std::to_string(t4_ms) + "}";
}

// sntpd-web's verdict on a POST /set with these headers and body from an allowed client.
Verdict pi_access(const Headers& h, const std::string& b) {
  web::RequestHead head;
  head.method = "POST";
  head.path = "/set";
  if (h.host) head.host = *h.host;
  if (h.origin) head.origin = *h.origin;
  if (h.sec_fetch_site) head.sec_fetch_site = *h.sec_fetch_site;
  if (h.content_type) head.content_type = *h.content_type;
  web::SetContext c;
  c.access.allow.push_back(*os::parse_cidr("192.168.4.0/24"));
  c.remote = os::parse_cidr("192.168.4.2")->base;
  c.local = os::parse_cidr("192.168.4.1")->base;
  c.client = "192.168.4.2";
  return of(web::judge_set(head, b, c).early);
}

TEST(PhoneAgree, TheHeadersOfARequestAreJudgedAlike) {
  const Headers cases[] = {
      {"192.168.4.1", "http://192.168.4.1", "same-origin", "application/json"},
      {"192.168.4.1", std::nullopt, std::nullopt, "application/json"},  // curl
      {"pi.local:8080", "http://PI.local:8080", std::nullopt, "Application/JSON; charset=utf-8"},
      {"pi.local.", "http://pi.local.", std::nullopt, "application/json"},  // a trailing dot
      {"[fd00::1]:8080", "http://[fd00::1]:8080", std::nullopt, "application/json"},
      {"[fd00::1]", std::nullopt, std::nullopt, "application/json"},
      {"[fd00::zz]", std::nullopt, std::nullopt, "application/json"},  // not an IPv6 literal
      {"[fd00::1", std::nullopt, std::nullopt, "application/json"},    // unclosed
      {"esp32", std::nullopt, "none", "application/json"},
      {"hub.home.arpa", std::nullopt, std::nullopt, "application/json ; q=1"},
      {"192.168.4.1", "http://evil.example", std::nullopt, "application/json"},
      {"192.168.4.1", "https://192.168.4.1", std::nullopt, "application/json"},
      {"192.168.4.1:80", "http://192.168.4.1:8080", std::nullopt, "application/json"},
      {"192.168.4.1", "null", std::nullopt, "application/json"},
      {"192.168.4.1", std::nullopt, "cross-site", "application/json"},
      {"192.168.4.1", std::nullopt, "same-site", "application/json"},
      {"rebind.example.com", "http://rebind.example.com", std::nullopt, "application/json"},
      {"pi.local.evil.com:80", std::nullopt, std::nullopt, "application/json"},
      {std::nullopt, std::nullopt, std::nullopt, "application/json"},  // no Host
      {"192.168.4.1", std::nullopt, std::nullopt, "text/plain"},
      {"192.168.4.1", std::nullopt, std::nullopt, std::nullopt},
      {"192.168.4.1", std::nullopt, std::nullopt, "application/jsonx"},
  };
  for (const Headers& h : cases) {
    Board board;
    std::string b = body(board.token(0), kPhoneMs, kPhoneMs + 2);
    Verdict pi = pi_access(h, b);
    Verdict fw = board.put(h, b, kMs);
    std::string what = h.host.value_or("(no Host)") + " / " + h.origin.value_or("(no Origin)") + " / " +
                       h.sec_fetch_site.value_or("-") + " / " + h.content_type.value_or("-");
    EXPECT_EQ(name(pi), name(fw)) << what;
    EXPECT_NE(pi, Verdict::Other) << what;
  }
}

// The board's verdict and correction on an exchange whose T1 and T4 are the phone's (ms) and whose
// T2 = T3 is the board's local time when it answered; the set completes at that time too.
struct BoardJudged {
  Verdict verdict;
  int64_t correction_ns;
};
BoardJudged board_judges(int64_t t1_ms, int64_t t4_ms, int64_t local_ns) {
  Board board;
  std::string token = board.token(local_ns);
  Headers h{"192.168.4.1", "http://192.168.4.1", "same-origin", "application/json"};
  Verdict v = board.put(h, body(token, t1_ms, t4_ms), local_ns);
  return {v, v == Verdict::Taken ? board.set.utc_ns - local_ns : 0};
}

// sntpd's verdict and correction on the same exchange (nothing else to prefer, no holder).
std::pair<Verdict, int64_t> pi_judges(int64_t t1_ms, int64_t t4_ms, int64_t local_ns) {
  core::PhoneSetContext c;
  c.exchange = {t1_ms * kMs, local_ns, local_ns, t4_ms * kMs};
  core::PhoneVerdict v = core::judge_phone_set(c);
  Verdict verdict = v.outcome == core::PhoneOutcome::Refused ? of(v.refusal) : Verdict::Taken;
  return {verdict, verdict == Verdict::Taken ? v.measurement.correction_ns : 0};
}

TEST(PhoneAgree, TheTimingOfAnExchangeIsJudgedAlike) {
  std::mt19937_64 rng = testing::seeded_rng();
  std::uniform_int_distribution<int64_t> offset_ms(-100'000, 100'000);
  std::uniform_int_distribution<int64_t> trip_ms(-30, 1'300);  // negative: T4 before T1
  int taken = 0, slow = 0, inconsistent = 0;
  for (int i = 0; i < 500; ++i) {
    int64_t t1 = kPhoneMs + offset_ms(rng);
    int64_t t4 = t1 + trip_ms(rng);
    int64_t local = 3'600 * kS + offset_ms(rng) * kMs;  // the board's clock, far from the phone's
    BoardJudged fw = board_judges(t1, t4, local);
    auto [pi, pi_correction] = pi_judges(t1, t4, local);
    ASSERT_EQ(name(pi), name(fw.verdict)) << "T1 " << t1 << " ms, T4 " << t4 << " ms";
    EXPECT_EQ(pi_correction, fw.correction_ns) << "T1 " << t1 << " ms, T4 " << t4 << " ms";
    taken += pi == Verdict::Taken;
    slow += pi == Verdict::TooSlow;
    inconsistent += pi == Verdict::BadTimestamps;
  }
  // Each verdict was reached, so the agreement above covers all three.
  EXPECT_GT(taken, 0);
  EXPECT_GT(slow, 0);
  EXPECT_GT(inconsistent, 0);
  // The edges: a round trip of exactly the limit is taken, one millisecond more is not.
  int64_t limit_ms = proto::kPhoneMaxDelayNs / kMs;
  for (int64_t trip : {int64_t{0}, limit_ms, limit_ms + 1, int64_t{-1}}) {
    BoardJudged fw = board_judges(kPhoneMs, kPhoneMs + trip, kS);
    EXPECT_EQ(name(pi_judges(kPhoneMs, kPhoneMs + trip, kS).first), name(fw.verdict)) << trip << " ms";
  }
}

TEST(PhoneAgree, ATokenLastsAsLongOnBoth) {
  os::ExchangeTokens pi(os::ExchangeTokens::Key{});
  for (int64_t age : {int64_t{0}, proto::kPhoneTokenLifetimeNs, proto::kPhoneTokenLifetimeNs + 1}) {
    std::string pi_token = pi.issue(kS, kS, 5 * kS);
    auto redeemed = pi.redeem(pi_token, 5 * kS + age);
    Verdict pi_verdict = redeemed.ok() ? Verdict::Taken : of(redeemed.error());
    Board board;
    std::string token = board.token(5 * kS);
    Headers h{"192.168.4.1", std::nullopt, std::nullopt, "application/json"};
    Verdict fw = board.put(h, body(token, kPhoneMs, kPhoneMs), 5 * kS + age);
    EXPECT_EQ(name(pi_verdict), name(fw)) << age << " ns";
    // Presented again (the monotonic clock never goes back): refused by both.
    EXPECT_FALSE(pi.redeem(pi_token, 5 * kS + age).ok());
    EXPECT_NE(board.put(h, body(token, kPhoneMs, kPhoneMs), 5 * kS + age), Verdict::Taken);
  }
}

}  // namespace
}  // namespace lansync
