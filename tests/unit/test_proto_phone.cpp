// Unit tests of the phone's protocol rules (proto/phone) on their own: the Host's name, the
// local names, the JSON Content-Type and the exchange's timing.  tests/unit/test_phone_agree.cpp
// checks that the Pi and the board apply them alike.
#include <gtest/gtest.h>

#include <string>

#include "proto/phone.hpp"

namespace lansync::proto {
namespace {

constexpr int64_t kMs = 1'000'000;

std::string name_of(const char* host) {
  TextRef n = host_name(text_ref(host));
  return std::string(n.data, n.size);
}

TEST(ProtoPhone, HostNameSplitsThePortAtTheLastColon) {
  EXPECT_EQ(name_of("pi.local:8080"), "pi.local");
  EXPECT_EQ(name_of("192.168.4.1"), "192.168.4.1");
  EXPECT_EQ(name_of("[fd00::1]:8080"), "[fd00::1]");
  EXPECT_EQ(name_of("[fd00::1]"), "[fd00::1]");
  EXPECT_EQ(name_of("[fd00::1"), "");
  EXPECT_EQ(name_of("a:b:80"), "a:b");  // not a name: local_name refuses it
  EXPECT_FALSE(local_host(text_ref("a:b:80")));
}

TEST(ProtoPhone, LocalNamesAreOnesPublicDnsCannotPointElsewhere) {
  for (const char* h : {"192.168.4.1", "[fd00::1]", "[::ffff:192.168.4.1]", "localhost", "esp32", "pi.local",
                        "pi.local.", "PI.LAN", "hub.home.arpa", "pi.internal", "esp32.", "xn--local"}) {
    EXPECT_TRUE(local_name(text_ref(h))) << h;
  }
  for (const char* h : {"", ".", "[]", "[fd00::zz]", "[fd00::1]x", "evil.com", "evil.com.",
                        "pi.local.evil.com", "192.168.4.1.nip.io", "pi_local", "pi local", "..."}) {
    EXPECT_FALSE(local_name(text_ref(h))) << h;
  }
  EXPECT_FALSE(local_host(TextRef{}));  // no Host
}

TEST(ProtoPhone, SameOriginFollowsTheScheme) {
  RequestOrigin plain{text_ref("pi.local"), text_ref("http://pi.local"), {}, false};
  EXPECT_TRUE(same_origin(plain));
  RequestOrigin tls = plain;
  tls.https = true;
  EXPECT_FALSE(same_origin(tls));
  tls.origin = text_ref("https://PI.local");
  EXPECT_TRUE(same_origin(tls));
  tls.sec_fetch_site = text_ref("Same-Origin");  // a token, compared exactly
  EXPECT_FALSE(same_origin(tls));
}

TEST(ProtoPhone, JsonContentType) {
  for (const char* t : {"application/json", "Application/JSON", "application/json; charset=utf-8",
                        "application/json ;q=1", "application/json\t"}) {
    EXPECT_TRUE(json_content_type(text_ref(t))) << t;
  }
  for (const char* t : {"", "text/plain", "application/jsonx", "application/json-seq", " application/json"}) {
    EXPECT_FALSE(json_content_type(text_ref(t))) << t;
  }
  EXPECT_FALSE(json_content_type(TextRef{}));
}

TEST(ProtoPhone, TimingAndMeasurement) {
  // The server 5 s behind the phone, 2 ms each way, 1 ms to answer.
  PhoneExchange x{1'000 * kMs, -4'000 * kMs + 2 * kMs, -4'000 * kMs + 3 * kMs, 1'000 * kMs + 5 * kMs};
  EXPECT_EQ(check_phone_timing(x), PhoneTiming::Ok);
  PhoneMeasurement m = measure_phone(x);
  EXPECT_EQ(m.correction_ns, 5'000 * kMs);
  EXPECT_EQ(m.delay_ns, 4 * kMs);
  EXPECT_EQ(m.uncertainty_ns, 2 * kMs);
  PhoneExchange backwards = x;
  backwards.t4_ns = x.t1_ns - 1;
  EXPECT_EQ(check_phone_timing(backwards), PhoneTiming::Inconsistent);
  PhoneExchange shorter = x;  // the server's part longer than the whole round trip
  shorter.t3_ns = x.t2_ns + 10 * kMs;
  EXPECT_EQ(check_phone_timing(shorter), PhoneTiming::Inconsistent);
  PhoneExchange slow = x;
  slow.t4_ns = x.t1_ns + kPhoneMaxDelayNs + 1 * kMs + 1;  // the server's 1 ms is not the round trip's
  EXPECT_EQ(check_phone_timing(slow), PhoneTiming::TooSlow);
  slow.t4_ns -= 1;
  EXPECT_EQ(check_phone_timing(slow), PhoneTiming::Ok);
}

}  // namespace
}  // namespace lansync::proto
