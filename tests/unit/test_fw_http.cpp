// Tests of the board's HTTP request parser (well-formed, partial and malformed requests), its
// response writer and the text formatting it uses.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "firmware/board/http.hpp"
#include "firmware/board/text.hpp"
#include "seed.hpp"

namespace lansync::fw {
namespace {

// The request is kept alive in a static, since r points into it.
HttpParseResult parse(const std::string& s, HttpRequest* r) {
  static std::string kept;
  kept = s;
  return parse_http_request(kept.data(), kept.size(), r);
}

std::string str(const char* p, size_t n) { return std::string(p, n); }
std::string str_of(const char* p, size_t n) { return std::string(p, n); }

// The same-origin rule on a request with these header lines.
bool origin_ok(const std::string& headers) {
  HttpRequest r;
  EXPECT_EQ(parse("PUT /time HTTP/1.1\r\n" + headers + "\r\n", &r).state, HttpParse::Complete) << headers;
  return same_origin(r);
}

TEST(FwHttp, SameOriginRuleRefusesOtherSitesAndRebinding) {
  EXPECT_TRUE(
      origin_ok("Host: 192.168.4.1\r\nOrigin: http://192.168.4.1\r\nSec-Fetch-Site: same-origin\r\n"));
  EXPECT_TRUE(origin_ok("Host: board.local:8080\r\nOrigin: HTTP://Board.local:8080\r\n"));
  EXPECT_TRUE(origin_ok("Host: [fe80::1]:80\r\n"));
  EXPECT_TRUE(origin_ok("Host: esp32\r\nSec-Fetch-Site: none\r\n"));
  EXPECT_FALSE(origin_ok("Host: 192.168.4.1\r\nOrigin: http://evil.example\r\n"));
  EXPECT_FALSE(origin_ok("Host: 192.168.4.1\r\nOrigin: http://192.168.4.1:80\r\n"));
  EXPECT_FALSE(origin_ok("Host: 192.168.4.1\r\nOrigin: null\r\n"));
  EXPECT_FALSE(origin_ok("Host: 192.168.4.1\r\nSec-Fetch-Site: cross-site\r\n"));
  EXPECT_FALSE(origin_ok("Host: 192.168.4.1\r\nSec-Fetch-Site: same-site\r\n"));
  EXPECT_FALSE(origin_ok("Host: rebind.evil.example\r\nOrigin: http://rebind.evil.example\r\n"));
  EXPECT_FALSE(origin_ok(""));  // no Host at all
  // Two Origin headers are refused by the parser: a proxy and the board might read different ones.
  HttpRequest r;
  EXPECT_EQ(parse("PUT /time HTTP/1.1\r\nOrigin: http://a\r\nOrigin: http://b\r\n\r\n", &r).state,
            HttpParse::Refused);
}

TEST(FwHttp, OnlyJsonContentTypeIsJson) {
  HttpRequest r;
  for (const char* t : {"application/json", "Application/JSON; charset=utf-8", "application/json ;x=1"}) {
    parse(std::string("PUT /time HTTP/1.1\r\nContent-Type: ") + t + "\r\n\r\n", &r);
    EXPECT_TRUE(is_json_request(r)) << t;
  }
  for (const char* t : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                        "application/jsonx", "text/plain; application/json"}) {
    parse(std::string("PUT /time HTTP/1.1\r\nContent-Type: ") + t + "\r\n\r\n", &r);
    EXPECT_FALSE(is_json_request(r)) << t;
  }
  parse("PUT /time HTTP/1.1\r\n\r\n", &r);
  EXPECT_FALSE(is_json_request(r));
}

TEST(FwHttp, JsonValueReadsAFlatObject) {
  std::string j = " { \"token\" : \"ab12\", \"t1_ms\":1795000000000 ,\"ok\":true,\"n\":null } ";
  const char* v = nullptr;
  size_t n = 0;
  bool str = false;
  ASSERT_TRUE(json_value(j.data(), j.size(), "token", &v, &n, &str));
  EXPECT_EQ(str_of(v, n), "ab12");
  EXPECT_TRUE(str);
  ASSERT_TRUE(json_value(j.data(), j.size(), "t1_ms", &v, &n, &str));
  EXPECT_EQ(str_of(v, n), "1795000000000");
  EXPECT_FALSE(str);
  EXPECT_FALSE(json_value(j.data(), j.size(), "t4_ms", &v, &n, &str));
  // Not a flat object of that shape: nothing is read from it.
  for (std::string bad : {"", "{", "[1]", "{\"a\":1", "{\"a\":1}x", "{\"a\":{\"b\":1}}", "{\"a\":\"x\\\"y\"}",
                          "{a:1}", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{\"a\":1,}", "unix_ms=1&error_ms=0"}) {
    EXPECT_FALSE(json_value(bad.data(), bad.size(), "a", &v, &n, &str)) << bad;
  }
  // The first of two equal keys.
  std::string twice = "{\"a\":1,\"a\":2}";
  ASSERT_TRUE(json_value(twice.data(), twice.size(), "a", &v, &n, &str));
  EXPECT_EQ(str_of(v, n), "1");
}

TEST(FwHttp, ParsesWhatPhonesAndCurlSend) {
  HttpRequest r;
  auto p = parse("GET /time HTTP/1.1\r\nHost: board\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n", &r);
  ASSERT_EQ(p.state, HttpParse::Complete);
  EXPECT_EQ(r.method, HttpMethod::Get);
  EXPECT_EQ(str(r.path, r.path_size), "/time");
  EXPECT_EQ(r.body_size, 0u);

  p = parse(
      "PUT /time?x=1 HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "content-length: 20\r\n\r\nunix_ms=1795000000000",
      &r);
  ASSERT_EQ(p.state, HttpParse::Complete);
  EXPECT_EQ(r.method, HttpMethod::Put);
  EXPECT_EQ(str(r.path, r.path_size), "/time");
  EXPECT_EQ(str(r.query, r.query_size), "x=1");
  EXPECT_EQ(str(r.body, r.body_size), "unix_ms=179500000000");  // exactly Content-Length bytes

  // Bare LF line ends (RFC 9112 §2.2 allows them).
  p = parse("HEAD / HTTP/1.0\n\n", &r);
  ASSERT_EQ(p.state, HttpParse::Complete);
  EXPECT_EQ(r.method, HttpMethod::Head);
}

TEST(FwHttp, WaitsForTheRestOfARequest) {
  std::string full = "POST /time HTTP/1.1\r\nContent-Length: 21\r\n\r\nunix_ms=1795000000000";
  for (size_t n = 0; n < full.size(); ++n) {
    HttpRequest r;
    EXPECT_EQ(parse(full.substr(0, n), &r).state, HttpParse::Incomplete) << n;
  }
  HttpRequest r;
  EXPECT_EQ(parse(full, &r).state, HttpParse::Complete);
}

TEST(FwHttp, RefusesMalformedRequests) {
  struct Case {
    std::string text;
    uint16_t status;
  };
  const Case cases[] = {
      {"GET\r\n\r\n", 400},
      {"GET  /time HTTP/1.1\r\n\r\n", 400},
      {"GET time HTTP/1.1\r\n\r\n", 400},
      {"GET /time\r\n\r\n", 400},
      {"GET /time HTTP/1.1 extra\r\n\r\n", 400},
      {"GET /time HTTX/1.1\r\n\r\n", 400},
      {"GET /time HTTP/2.0\r\n\r\n", 505},
      {"G\x01T /time HTTP/1.1\r\n\r\n", 400},
      {"GET /t\x7fme HTTP/1.1\r\n\r\n", 400},
      {"GET /time HTTP/1.1\r\nNo colon here\r\n\r\n", 400},
      {"GET /time HTTP/1.1\r\nHost : board\r\n\r\n", 400},
      {"GET /time HTTP/1.1\r\n folded: header\r\n\r\n", 400},
      {"PUT /time HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400},
      {"PUT /time HTTP/1.1\r\nContent-Length: 5x\r\n\r\n", 400},
      {"PUT /time HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
      {"PUT /time HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
      {"PUT /time HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", 413},
      {"PUT /time HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
      {"GET /" + std::string(200, 'a') + " HTTP/1.1\r\n\r\n", 414},
      {std::string("GET /time\0 HTTP/1.1", 19), 400},
      {std::string(2000, 'A'), 413},
  };
  for (const Case& c : cases) {
    HttpRequest r;
    HttpParseResult p = parse(c.text, &r);
    EXPECT_EQ(p.state, HttpParse::Refused) << c.text;
    EXPECT_EQ(p.status, c.status) << c.text;
  }
}

TEST(FwHttp, RandomBytesNeverCrashOrReadPastTheEnd) {
  auto rng = testing::seeded_rng();
  const std::string alphabet = "GETPU /time?=&:\r\n HTTP/1.0Content-Length: 123456789\x01\x7f";
  for (int i = 0; i < 20'000; ++i) {
    auto n = static_cast<size_t>(rng() % 300);
    // Exactly n bytes on the heap, so that AddressSanitizer sees any read beyond.
    std::unique_ptr<char[]> buf(new char[n == 0 ? 1 : n]);
    for (size_t k = 0; k < n; ++k) buf[k] = alphabet[static_cast<size_t>(rng() % alphabet.size())];
    HttpRequest r;
    HttpParseResult p = parse_http_request(buf.get(), n, &r);
    if (p.state == HttpParse::Complete) {
      ASSERT_GE(r.path_size, 1u);
      ASSERT_EQ(r.path[0], '/');
      ASSERT_LE(r.body + r.body_size, buf.get() + n);
    }
  }
}

TEST(FwHttp, WritesAResponseAndReadsFormValues) {
  char out[256];
  size_t n = write_http_response(404, "application/json", "{}", 2, false, kNoHttpDate, out, sizeof(out));
  EXPECT_EQ(std::string(out, n),
            "HTTP/1.0 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "Connection: close\r\nCache-Control: no-store\r\n\r\n{}");
  n = write_http_response(200, "text/plain", "body", 4, true, kNoHttpDate, out, sizeof(out));
  EXPECT_EQ(std::string(out, n).find("body"), std::string::npos);
  EXPECT_EQ(write_http_response(200, "text/plain", "body", 4, false, kNoHttpDate, out, 20), 0u);
  // From a trusted clock, a Date (RFC 9110's example) after the status line.
  n = write_http_response(200, "text/plain", "", 0, false, 784111777, out, sizeof(out));
  EXPECT_EQ(std::string(out, n).substr(0, 57),
            "HTTP/1.0 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nCon");

  const char* form = "a=1&unix_ms=1795000000123&error_ms=";
  const char* v = nullptr;
  size_t vn = 0;
  ASSERT_TRUE(form_value(form, std::strlen(form), "unix_ms", &v, &vn));
  EXPECT_EQ(str(v, vn), "1795000000123");
  ASSERT_TRUE(form_value(form, std::strlen(form), "error_ms", &v, &vn));
  EXPECT_EQ(vn, 0u);
  EXPECT_FALSE(form_value(form, std::strlen(form), "unix", &v, &vn));
}

TEST(FwText, FormatsNumbersTimesAndJson) {
  char buf[128];
  TextWriter w(buf, sizeof(buf));
  w.put_int(-9'223'372'036'854'775'807 - 1).put(' ').put_int(0).put(' ');
  w.put_seconds(-412'345, 6).put(' ').put_seconds(2'500'000'000, 3, true).put(' ').put_seconds(7, 0);
  EXPECT_STREQ(w.c_str(), "-9223372036854775808 0 -0.000412 +2.500 0");
  TextWriter t(buf, sizeof(buf));
  t.put_iso8601(int64_t{1'795'338'847} * 1'000'000'000 + 123'456'789, 6);
  EXPECT_STREQ(t.c_str(), "2026-11-22T09:14:07.123456Z");
  TextWriter before(buf, sizeof(buf));
  before.put_iso8601(-1, 3);
  EXPECT_STREQ(before.c_str(), "1969-12-31T23:59:59.999Z");
  TextWriter j(buf, sizeof(buf));
  j.put_json_string("a\"b\\c\nd");
  EXPECT_STREQ(j.c_str(), "\"a\\\"b\\\\c\\u000ad\"");
  char small[5];
  TextWriter s(small, sizeof(small));
  s.put("overflowing");
  EXPECT_TRUE(s.overflowed());
  EXPECT_STREQ(s.c_str(), "over");
  int64_t v = 0;
  EXPECT_TRUE(parse_decimal("0042", 4, &v));
  EXPECT_EQ(v, 42);
  EXPECT_FALSE(parse_decimal("", 0, &v));
  EXPECT_FALSE(parse_decimal("+1", 2, &v));
  EXPECT_FALSE(parse_decimal("1234567890123456789", 19, &v));
}

}  // namespace
}  // namespace lansync::fw
