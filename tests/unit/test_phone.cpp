// Unit tests of the phone-set rules (core/phone): the offset from an HTTP
// exchange, who may set the clock, the same-origin rule, the acceptance
// rules and the reliable-until time.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <set>
#include <string>

#include "../support/ip.hpp"
#include "../support/seed.hpp"
#include "core/phone.hpp"
#include "os/net_address.hpp"

namespace lansync::core {
namespace {

using proto::measure_phone;
using proto::PhoneExchange;
using proto::PhoneMeasurement;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kNow = 1'795'000'000 * kS;

// An exchange with a server whose clock is server_minus_phone_ns off, the
// request taking up_ns, the server processing 100 us, the answer down_ns.
PhoneExchange exchange(int64_t server_minus_phone_ns, int64_t up_ns, int64_t down_ns) {
  PhoneExchange x;
  x.t1_ns = kNow;
  x.t2_ns = kNow + up_ns + server_minus_phone_ns;
  x.t3_ns = x.t2_ns + 100'000;
  x.t4_ns = kNow + up_ns + 100'000 + down_ns;
  return x;
}

using testing::cidr;
using testing::ip;

TEST(PhoneMeasure, ServerFiveSecondsBehindIsCorrectedForward) {
  PhoneMeasurement m = measure_phone(exchange(-5 * kS, 3 * kMs, 3 * kMs));
  EXPECT_EQ(m.correction_ns, 5 * kS);  // the server must move forward by 5 s
  EXPECT_EQ(m.delay_ns, 6 * kMs);
  EXPECT_EQ(m.uncertainty_ns, 3 * kMs);
}

TEST(PhoneMeasure, ServerAheadIsCorrectedBack) {
  PhoneMeasurement m = measure_phone(exchange(2500 * kMs, 1 * kMs, 1 * kMs));
  EXPECT_EQ(m.correction_ns, -2500 * kMs);
}

// NTP's bound: whatever the asymmetry, the true offset lies within half the delay.
TEST(PhoneMeasure, TrueOffsetLiesWithinTheUncertainty) {
  std::mt19937_64 rng = testing::seeded_rng();
  std::uniform_int_distribution<int64_t> offset(-3600 * kS, 3600 * kS);
  std::uniform_int_distribution<int64_t> leg(0, 400 * kMs);
  for (int i = 0; i < 10000; ++i) {
    int64_t truth = offset(rng);
    PhoneMeasurement m = measure_phone(exchange(truth, leg(rng), leg(rng)));
    ASSERT_LE(std::abs(m.correction_ns - -truth), m.uncertainty_ns + 1) << "case " << i;
  }
}

struct JudgeTest : ::testing::Test {
  PhoneSetContext ctx(PhoneExchange x, ReferenceRole role = ReferenceRole::None, std::string source = "") {
    PhoneSetContext c;
    c.exchange = x;
    c.reference.role = role;
    c.reference.detail = "sync-state file (source ntp:192.168.4.1, 2 min 00 s old)";
    c.reference.source = std::move(source);
    return c;
  }
};

TEST_F(JudgeTest, AcceptsFiveSecondsWithoutReference) {
  PhoneVerdict v = judge_phone_set(ctx(exchange(-5 * kS, 2 * kMs, 2 * kMs)));
  EXPECT_EQ(v.outcome, PhoneOutcome::Set);
  EXPECT_EQ(v.refusal, PhoneRefusal::None) << v.reason;
  EXPECT_EQ(v.measurement.correction_ns, 5 * kS);
}

TEST_F(JudgeTest, AcceptsOverTheLocalClock) {
  PhoneVerdict v = judge_phone_set(ctx(exchange(-5 * kS, 2 * kMs, 2 * kMs), ReferenceRole::LastResort));
  EXPECT_EQ(v.outcome, PhoneOutcome::Set);
  EXPECT_EQ(v.refusal, PhoneRefusal::None) << v.reason;
}

// An upstream server, a kernel disciplined by another daemon, and a fresh
// record of an NTP server (or of anything but a phone or the RTC) stay first.
TEST_F(JudgeTest, RefusesWhenAFresherReferenceExists) {
  for (ReferenceRole k : {ReferenceRole::Measured, ReferenceRole::External, ReferenceRole::Record}) {
    for (const char* source : {"ntp:192.168.4.1", "gps", ""}) {
      for (int64_t off : {-5 * kS, 300 * kMs}) {
        PhoneVerdict v = judge_phone_set(ctx(exchange(off, 2 * kMs, 2 * kMs), k, source));
        EXPECT_EQ(v.outcome, PhoneOutcome::Refused) << static_cast<int>(k) << " " << source;
        EXPECT_EQ(v.refusal, PhoneRefusal::FresherReference) << static_cast<int>(k) << " " << source;
        EXPECT_EQ(
            v.reason,
            "the server already has a fresher reference: sync-state file (source ntp:192.168.4.1, 2 min "
            "00 s old)");
      }
    }
  }
}

// The phone is the most reliable source offline: it replaces a fresh record
// of an earlier phone or of the RTC, by a step or a verification.
TEST_F(JudgeTest, APhoneReplacesARecordOfAPhoneOrTheRtc) {
  for (const char* source : {"phone", "rtc"}) {
    PhoneVerdict v = judge_phone_set(ctx(exchange(-5 * kS, 2 * kMs, 2 * kMs), ReferenceRole::Record, source));
    EXPECT_EQ(v.outcome, PhoneOutcome::Set) << source << ": " << v.reason;
    v = judge_phone_set(ctx(exchange(300 * kMs, 2 * kMs, 2 * kMs), ReferenceRole::Record, source));
    EXPECT_EQ(v.outcome, PhoneOutcome::Verified) << source << ": " << v.reason;
  }
  EXPECT_TRUE(phone_may_replace("phone"));
  EXPECT_TRUE(phone_may_replace("rtc"));
  EXPECT_FALSE(phone_may_replace("ntp:192.168.4.1"));
  EXPECT_FALSE(phone_may_replace("Phone"));
  EXPECT_FALSE(phone_may_replace(""));
}

// Agreeing within 1 s is a verification, not a refusal.
TEST_F(JudgeTest, VerifiedWithinOneSecond) {
  PhoneVerdict v = judge_phone_set(ctx(exchange(900 * kMs, 2 * kMs, 2 * kMs)));
  EXPECT_EQ(v.outcome, PhoneOutcome::Verified);
  EXPECT_EQ(v.refusal, PhoneRefusal::None);
  EXPECT_EQ(v.measurement.correction_ns, -900 * kMs);
  EXPECT_EQ(v.measurement.uncertainty_ns, 2 * kMs);
  EXPECT_EQ(
      v.reason,
      "the clocks agree within 1 s (the server is +0.900 s from the phone): recorded as a verification");
  // Exactly 1 s is not "more than 1 s".
  EXPECT_EQ(judge_phone_set(ctx(exchange(-kS, 2 * kMs, 2 * kMs))).outcome, PhoneOutcome::Verified);
  EXPECT_EQ(judge_phone_set(ctx(exchange(-kS - 1, 2 * kMs, 2 * kMs))).outcome, PhoneOutcome::Set);
  // Over the local clock too: --local-stratum is no reference a phone must defer to.
  EXPECT_EQ(judge_phone_set(ctx(exchange(0, 2 * kMs, 2 * kMs), ReferenceRole::LastResort)).outcome,
            PhoneOutcome::Verified);
}

TEST_F(JudgeTest, AnUnknownTimeZoneIsRefusedFirst) {
  PhoneSetContext c = ctx(exchange(-5 * kS, 2 * kMs, 2 * kMs));
  c.time_zone_problem = "unknown time zone 'Mars/Olympus' (not in the tz database)";
  c.clock_moved_ns = 5 * kS;  // refused for the zone before anything else
  PhoneVerdict v = judge_phone_set(c);
  EXPECT_EQ(v.outcome, PhoneOutcome::Refused);
  EXPECT_EQ(v.refusal, PhoneRefusal::BadTimeZone);
  EXPECT_EQ(v.reason, "refused: unknown time zone 'Mars/Olympus' (not in the tz database)");
  EXPECT_STREQ(code(PhoneRefusal::BadTimeZone), "bad_time_zone");
}

// Another phone holds the clock: this one is taken only where the two agree within both
// measurements' uncertainties; apart by more, even within the 1 s a set needs, it is refused.
TEST_F(JudgeTest, AnotherPhoneHoldsTheClock) {
  PhoneHolder holder{"10.0.0.7", "Phone A", 3 * kMs};
  PhoneSetContext c = ctx(exchange(-1200 * kMs, 2 * kMs, 2 * kMs));
  c.holder = holder;
  PhoneVerdict v = judge_phone_set(c);
  EXPECT_EQ(v.refusal, PhoneRefusal::OtherPhone);
  EXPECT_NE(v.reason.find("another phone holds this clock (10.0.0.7, Phone A)"), std::string::npos)
      << v.reason;
  EXPECT_NE(v.reason.find("+1.200 s from it"), std::string::npos) << v.reason;
  EXPECT_STREQ(code(PhoneRefusal::OtherPhone), "other_phone");

  c = ctx(exchange(-500 * kMs, 2 * kMs, 2 * kMs));  // within 1 s: a verification, were it alone
  c.holder = holder;
  EXPECT_EQ(judge_phone_set(c).refusal, PhoneRefusal::OtherPhone);

  c = ctx(exchange(-4 * kMs, 2 * kMs, 2 * kMs));  // 4 ms apart, 2 + 3 ms of uncertainty: agrees
  c.holder = holder;
  v = judge_phone_set(c);
  EXPECT_EQ(v.outcome, PhoneOutcome::Verified) << v.reason;
}

// POST /sync-camera's refusal while the Pi is unreliable: its code and a message saying what to do.
TEST(PhoneRefusalText, NotReliable) {
  EXPECT_STREQ(code(PhoneRefusal::NotReliable), "not_reliable");
  EXPECT_NE(explain_refusal(PhoneRefusal::NotReliable, "192.168.4.2").find("sync it with a phone first"),
            std::string::npos);
}

TEST_F(JudgeTest, RefusesASlowRoundTrip) {
  PhoneVerdict v = judge_phone_set(ctx(exchange(-5 * kS, 700 * kMs, 400 * kMs)));
  EXPECT_EQ(v.refusal, PhoneRefusal::TooSlow);
  EXPECT_NE(v.reason.find("1.100 s"), std::string::npos) << v.reason;
}

TEST_F(JudgeTest, RefusesInconsistentTimestamps) {
  PhoneExchange x = exchange(-5 * kS, 2 * kMs, 2 * kMs);
  PhoneExchange backwards = x;
  backwards.t4_ns = x.t1_ns - 1;
  EXPECT_EQ(judge_phone_set(ctx(backwards)).refusal, PhoneRefusal::BadTimestamps);
  // The round trip cannot be shorter than the server's own part of it.
  PhoneExchange short_trip = x;
  short_trip.t4_ns = x.t1_ns + 50'000;
  EXPECT_EQ(judge_phone_set(ctx(short_trip)).refusal, PhoneRefusal::BadTimestamps);
}

TEST_F(JudgeTest, RefusesWhenTheClockMovedSinceTheExchange) {
  PhoneSetContext c = ctx(exchange(-5 * kS, 2 * kMs, 2 * kMs));
  c.clock_moved_ns = 5 * kS;  // another phone set it meanwhile
  PhoneVerdict v = judge_phone_set(c);
  EXPECT_EQ(v.refusal, PhoneRefusal::ClockChanged);
  EXPECT_EQ(v.reason, "the server's clock changed by +5.000 s since the measurement; measure again");
  c.clock_moved_ns = -40 * kMs;  // a slew, or the kernel's frequency: fine
  EXPECT_EQ(judge_phone_set(c).refusal, PhoneRefusal::None);
}

TEST_F(JudgeTest, APhoneTimeBeforeTheBuildOrTheLastRecordIsRefused) {
  PhoneExchange x = exchange(-5 * kS, 2 * kMs, 2 * kMs);
  PhoneSetContext c = ctx(x);
  c.build_time_ns = x.t4_ns + kS;  // the phone shows a time before sntpd was built
  PhoneVerdict v = judge_phone_set(c);
  EXPECT_EQ(v.refusal, PhoneRefusal::BeforeBuild);
  EXPECT_NE(v.reason.find("before this server's software was built"), std::string::npos) << v.reason;

  c.build_time_ns = x.t4_ns - 86'400 * kS;
  c.last_record_ns = x.t4_ns + 90 * kS;  // a record (even a stale one) from 90 s after the phone's time
  v = judge_phone_set(c);
  EXPECT_EQ(v.refusal, PhoneRefusal::BeforeRecord);
  EXPECT_NE(v.reason.find("90.000 s behind the last time this server recorded a sync"), std::string::npos)
      << v.reason;

  c.last_record_ns = x.t4_ns - 3600 * kS;  // an hour-old record: the phone is after it
  EXPECT_EQ(judge_phone_set(c).refusal, PhoneRefusal::None);
}

// A page's location in fixed point, and each number out of its range (or not finite) refused.
TEST(PhoneLocationRule, ConvertsAndBounds) {
  auto l = phone_location(-33.8568, 151.2153, 25.0, 1'795'000'000.0);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->lat_e7, -338'568'000);
  EXPECT_EQ(l->lon_e7, 1'512'153'000);
  EXPECT_EQ(l->accuracy_cm, 2500u);
  EXPECT_EQ(l->unix_s, 1'795'000'000);
  EXPECT_TRUE(valid(*l));
  auto edge = phone_location(-90.0, 180.0, 1e7, static_cast<double>(kPhoneMaxUnixS));
  ASSERT_TRUE(edge);
  EXPECT_EQ(edge->accuracy_cm, kPhoneMaxAccuracyCm);
  EXPECT_TRUE(valid(*edge));
  const double nan = std::nan(""), inf = HUGE_VAL;
  EXPECT_FALSE(phone_location(nan, 0, 0, 1'795'000'000.0));
  EXPECT_FALSE(phone_location(0, inf, 0, 1'795'000'000.0));
  EXPECT_FALSE(phone_location(90.000001, 0, 0, 1'795'000'000.0));
  EXPECT_FALSE(phone_location(0, -180.000001, 0, 1'795'000'000.0));
  EXPECT_FALSE(phone_location(0, 0, -0.01, 1'795'000'000.0));
  EXPECT_FALSE(phone_location(0, 0, 1e7 + 1, 1'795'000'000.0));
  EXPECT_FALSE(phone_location(0, 0, 0, 1'795'000'000.5));
  EXPECT_FALSE(phone_location(0, 0, 0, static_cast<double>(kPhoneMinUnixS - 1)));
  EXPECT_FALSE(phone_location(0, 0, 0, nan));
  EXPECT_FALSE(valid(PhoneLocation{}));  // Unix 0 is no phone's fix
  EXPECT_STREQ(code(PhoneRefusal::BadLocation), "bad_location");
  EXPECT_NE(explain_refusal(PhoneRefusal::BadLocation, "192.168.4.2").find("accuracy_m"), std::string::npos);
}

TEST(PhoneCodes, AreDistinct) {
  std::set<std::string> codes;
  for (size_t i = 0; i < static_cast<size_t>(PhoneRefusal::kCount); ++i) {
    codes.insert(code(static_cast<PhoneRefusal>(i)));
  }
  EXPECT_EQ(codes.size(), static_cast<size_t>(PhoneRefusal::kCount));
  EXPECT_STREQ(code(PhoneRefusal::NotAllowed), "not_allowed");
  EXPECT_STREQ(code(PhoneRefusal::FresherReference), "fresher_reference");
  EXPECT_STREQ(code(PhoneOutcome::Refused), "refused");
  EXPECT_STREQ(code(PhoneOutcome::Set), "set");
  EXPECT_STREQ(code(PhoneOutcome::Verified), "verified");
}

TEST(PhoneAccess, NobodyByDefault) {
  SetAccess a;
  EXPECT_FALSE(a.enabled());
  EXPECT_FALSE(may_set_clock(a, ip("127.0.0.1"), ip("127.0.0.1")));
}

TEST(PhoneAccess, AllowedPrefix) {
  SetAccess a;
  a.allow = {cidr("192.168.4.0/24")};
  EXPECT_TRUE(may_set_clock(a, ip("192.168.4.23"), ip("192.168.4.1")));
  EXPECT_FALSE(may_set_clock(a, ip("192.168.5.23"), ip("192.168.5.1")));
  // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
  EXPECT_TRUE(may_set_clock(a, ip("::ffff:192.168.4.23"), ip("::ffff:192.168.4.1")));
  EXPECT_FALSE(may_set_clock(a, ip("fd00::23"), ip("fd00::1")));
}

// --http-manual-interface: the button only, and the interface named for the page; a set
// interface or an allowed prefix (automatic and button) wins over it.
// --http-fallback-interface: automatic unless a full network's phone holds the clock; a full
// network (an allowed prefix, a set interface) comes first, a manual one after.
TEST(PhoneAccess, FallbackInterface) {
  SetAccess a;
  a.fallback_configured = true;
  a.fallback_addresses = {{cidr("192.168.1.10/24"), "wlan0"}};
  EXPECT_TRUE(a.enabled());
  SetPermission p = set_permission(a, ip("192.168.1.23"), ip("192.168.1.10"));
  EXPECT_EQ(p.kind, SetPermission::Fallback);
  EXPECT_EQ(p.interface, "wlan0");
  EXPECT_STREQ(code(p.kind), "auto");
  EXPECT_EQ(set_permission(a, ip("192.168.2.23"), ip("192.168.1.10")).kind, SetPermission::None);
  a.manual_configured = true;
  a.manual_addresses = {{cidr("192.168.1.10/24"), "wlan0"}};
  EXPECT_EQ(set_permission(a, ip("192.168.1.23"), ip("192.168.1.10")).kind, SetPermission::Fallback);
  a.allow = {cidr("192.168.1.0/24")};
  EXPECT_EQ(set_permission(a, ip("192.168.1.23"), ip("192.168.1.10")).kind, SetPermission::Any);
}

TEST(PhoneAccess, FallbackYieldsToAFullNetworksHolder) {
  PhoneHolder ap{"192.168.4.2", "iPhone", 2'000'000, /*fallback=*/false};
  PhoneHolder home{"192.168.1.23", "Pixel", 2'000'000, /*fallback=*/true};
  EXPECT_TRUE(fallback_outranked(true, "auto", ap));
  EXPECT_TRUE(fallback_outranked(true, "other", ap));
  EXPECT_FALSE(fallback_outranked(true, "button", ap));  // a person overrides
  EXPECT_FALSE(fallback_outranked(true, "auto", home));  // another fallback phone: the other_phone rule
  EXPECT_FALSE(fallback_outranked(true, "auto", std::nullopt));
  EXPECT_FALSE(fallback_outranked(false, "auto", ap));
  EXPECT_TRUE(outranks_holder(false, "auto", home));  // the access point's phone takes it
  EXPECT_FALSE(outranks_holder(false, "auto", ap));
  EXPECT_FALSE(outranks_holder(true, "auto", home));
  EXPECT_TRUE(outranks_holder(true, "button", ap));
}

TEST(PhoneAccess, ManualInterfaceIsButtonOnly) {
  SetAccess a;
  a.manual_configured = true;
  a.manual_addresses = {{cidr("192.168.1.10/24"), "wlan0"}};
  EXPECT_TRUE(a.enabled());
  SetPermission p = set_permission(a, ip("192.168.1.23"), ip("192.168.1.10"));
  EXPECT_EQ(p.kind, SetPermission::Button);
  EXPECT_EQ(p.interface, "wlan0");
  EXPECT_STREQ(code(p.kind), "button");
  EXPECT_TRUE(may_set_clock(a, ip("::ffff:192.168.1.23"), ip("::ffff:192.168.1.10")));
  // Another network, or came in on another address: nothing.
  EXPECT_EQ(set_permission(a, ip("192.168.2.23"), ip("192.168.1.10")).kind, SetPermission::None);
  EXPECT_EQ(set_permission(a, ip("192.168.1.23"), ip("192.168.4.1")).kind, SetPermission::None);
  EXPECT_STREQ(code(SetPermission::None), "none");

  a.interfaces_configured = true;
  a.interface_addresses = {cidr("192.168.4.1/24")};
  p = set_permission(a, ip("192.168.4.23"), ip("192.168.4.1"));
  EXPECT_EQ(p.kind, SetPermission::Any);
  EXPECT_STREQ(code(p.kind), "auto");
  EXPECT_EQ(p.interface, "");
  a.allow = {cidr("192.168.1.23/32")};
  EXPECT_EQ(set_permission(a, ip("192.168.1.23"), ip("192.168.1.10")).kind, SetPermission::Any);
  EXPECT_EQ(set_permission(a, ip("192.168.1.24"), ip("192.168.1.10")).kind, SetPermission::Button);
  EXPECT_STREQ(code(PhoneRefusal::ManualOnly), "manual_only");
  EXPECT_NE(explain_refusal(PhoneRefusal::ManualOnly, "192.168.1.23").find("press the button"),
            std::string::npos);
}

TEST(PhoneAccess, OnTheInterface) {
  SetAccess a;
  a.interfaces_configured = true;
  a.interface_addresses = {cidr("192.168.4.1/24"), cidr("fd00:4::1/64")};
  EXPECT_TRUE(a.enabled());
  EXPECT_TRUE(may_set_clock(a, ip("192.168.4.23"), ip("192.168.4.1")));
  EXPECT_TRUE(may_set_clock(a, ip("::ffff:192.168.4.23"), ip("::ffff:192.168.4.1")));
  EXPECT_TRUE(may_set_clock(a, ip("fd00:4::23"), ip("fd00:4::1")));
  // Came in on another interface's address (eth0), or from outside the access point's network.
  EXPECT_FALSE(may_set_clock(a, ip("192.168.4.23"), ip("192.168.1.10")));
  EXPECT_FALSE(may_set_clock(a, ip("192.168.1.23"), ip("192.168.4.1")));
  // Interface configured but down: nobody.
  a.interface_addresses.clear();
  EXPECT_FALSE(may_set_clock(a, ip("192.168.4.23"), ip("192.168.4.1")));
}

TEST(PhoneAccess, UnmapsOnlyMappedAddresses) {
  EXPECT_EQ(unmap_ipv4(ip("::ffff:10.1.2.3")), ip("10.1.2.3"));
  EXPECT_EQ(unmap_ipv4(ip("::1")), ip("::1"));
  EXPECT_EQ(unmap_ipv4(ip("64:ff9b::a01:203")), ip("64:ff9b::a01:203"));
  EXPECT_EQ(unmap_ipv4(ip("10.1.2.3")), ip("10.1.2.3"));
}

TEST(LocalHost, NamesPublicDnsCannotPointElsewhere) {
  for (const char* h : {"192.168.4.1", "127.0.0.1:8080", "[fd00::1]:8080", "localhost", "pi", "pi.local",
                        "PI.LAN:80", "hub.home.arpa", "pi.internal"}) {
    EXPECT_TRUE(proto::local_host(proto::text_ref(h))) << h;
  }
  for (const char* h :
       {"", "rebind.example.com", "evil.com:8080", "pi.local.evil.com", "192.168.4.1.nip.io"}) {
    EXPECT_FALSE(proto::local_host(proto::text_ref(h))) << h;
  }
}

TEST(SameOrigin, ThePagesOwnRequest) {
  EXPECT_TRUE(same_origin({"192.168.4.1", "http://192.168.4.1", "same-origin"}));
  EXPECT_TRUE(same_origin({"127.0.0.1:8080", "http://127.0.0.1:8080", "same-origin"}));
  EXPECT_TRUE(same_origin({"[fd00::1]:8080", "http://[fd00::1]:8080", std::nullopt}));
  EXPECT_TRUE(same_origin({"pi.local", "http://PI.local", std::nullopt}));
  EXPECT_TRUE(same_origin({"raspberrypi:80", "http://raspberrypi:80", std::nullopt}));
  EXPECT_TRUE(same_origin({"timehub.lan", "http://timehub.lan", std::nullopt}));
}

TEST(SameOrigin, ScriptsWithoutOriginPass) {
  EXPECT_TRUE(same_origin({"192.168.4.1", std::nullopt, std::nullopt}));
}

TEST(SameOrigin, OtherSitesFail) {
  EXPECT_FALSE(same_origin({"192.168.4.1", "http://evil.example", std::nullopt}));
  EXPECT_FALSE(same_origin({"192.168.4.1", "null", std::nullopt}));
  EXPECT_FALSE(same_origin({"192.168.4.1", "https://192.168.4.1", std::nullopt}));
  EXPECT_FALSE(same_origin({"192.168.4.1:80", "http://192.168.4.1:8080", std::nullopt}));
  EXPECT_FALSE(same_origin({"192.168.4.1", std::nullopt, "cross-site"}));
  EXPECT_FALSE(same_origin({"192.168.4.1", std::nullopt, "same-site"}));
  EXPECT_FALSE(same_origin({"", std::nullopt, std::nullopt}));
}

// --http-allow-origin: an app's page on another port, named as browsers send Origin.
TEST(AllowedOrigin, ParsesWhatBrowsersSend) {
  std::string problem;
  EXPECT_EQ(parse_allowed_origin("http://pi.local:3000", problem), "http://pi.local:3000");
  EXPECT_EQ(parse_allowed_origin("HTTP://Pi.Local:3000/", problem), "http://pi.local:3000");
  EXPECT_EQ(parse_allowed_origin("http://192.168.4.1:80", problem), "http://192.168.4.1");
  EXPECT_EQ(parse_allowed_origin("https://timehub.lan:443", problem), "https://timehub.lan");
  EXPECT_EQ(parse_allowed_origin("https://[fd00::1]:8443", problem), "https://[fd00::1]:8443");
  EXPECT_EQ(parse_allowed_origin("http://raspberrypi", problem), "http://raspberrypi");
  for (const char* bad : {"", "pi.local:3000", "ftp://pi.local", "http://", "http://pi.local:3000/app",
                          "http://pi.local:3000?x", "http://user@pi.local", "http://pi.local:0",
                          "http://pi.local:65536", "http://pi.local:30a0", "http://pi.local:",
                          "http://app.example.com:3000", "null", "http://pi.local:3000#x"}) {
    problem.clear();
    EXPECT_FALSE(parse_allowed_origin(bad, problem)) << bad;
    EXPECT_FALSE(problem.empty()) << bad;
  }
}

TEST(AllowedOrigin, OnlyTheNamedOriginsWithALocalHost) {
  const std::vector<std::string> allowed = {"http://pi.local:3000", "http://192.168.4.1:3000"};
  EXPECT_EQ(allowed_origin("http://pi.local:3000", allowed), "http://pi.local:3000");
  EXPECT_EQ(allowed_origin("http://PI.local:3000", allowed), "http://PI.local:3000");  // echoed as sent
  EXPECT_EQ(allowed_origin("http://pi.local:3001", allowed), "");
  EXPECT_EQ(allowed_origin("https://pi.local:3000", allowed), "");
  EXPECT_EQ(allowed_origin("null", allowed), "");
  EXPECT_EQ(allowed_origin(std::nullopt, allowed), "");
  EXPECT_EQ(allowed_origin("http://pi.local:3000", {}), "");
  OriginHeaders h{"pi.local:8080", "http://pi.local:3000", "same-site"};
  EXPECT_FALSE(trusted_origin(h));  // not allowed: another site's page
  h.allowed_origins = allowed;
  EXPECT_TRUE(trusted_origin(h));
  h.sec_fetch_site = "cross-site";  // an IP page and a .local name: still the origin named
  EXPECT_TRUE(trusted_origin(h));
  h.host = "rebind.example.com";  // a rebinding page cannot pass as the app's
  EXPECT_FALSE(trusted_origin(h));
  h.host = "pi.local:8080";
  h.origin = "http://evil.example:3000";
  EXPECT_FALSE(trusted_origin(h));
  // The server's own page still passes with the list given.
  EXPECT_TRUE(trusted_origin({"pi.local:8080", "http://pi.local:8080", "same-origin", false, allowed}));
}

TEST(SameOrigin, OverTlsTheOriginIsHttps) {
  OriginHeaders h{"192.168.4.1:8443", "https://192.168.4.1:8443", "same-origin", /*https=*/true};
  EXPECT_TRUE(same_origin(h));
  h.origin = "HTTPS://192.168.4.1:8443";
  EXPECT_TRUE(same_origin(h));
  h.origin = std::nullopt;  // curl over https
  EXPECT_TRUE(same_origin(h));
  // The page served over plain http is another site to the TLS connection, and the other way round.
  h.origin = "http://192.168.4.1:8443";
  EXPECT_FALSE(same_origin(h));
  EXPECT_FALSE(same_origin({"192.168.4.1", "https://192.168.4.1", std::nullopt, /*https=*/false}));
  EXPECT_FALSE(same_origin({"pi.local", "https://evil.example", std::nullopt, /*https=*/true}));
  EXPECT_FALSE(same_origin({"pi.local", "https://", std::nullopt, /*https=*/true}));
  EXPECT_FALSE(same_origin({"evil.example", "https://evil.example", "same-origin", /*https=*/true}));
  EXPECT_FALSE(same_origin({"pi.local", std::nullopt, "cross-site", /*https=*/true}));
}

TEST(SameOrigin, DnsRebindingFails) {
  // evil.example re-pointed at the Pi: same origin to the browser, but not a name for us.
  EXPECT_FALSE(same_origin({"evil.example", "http://evil.example", "same-origin"}));
  EXPECT_FALSE(same_origin({"pi.local.evil.example", "http://pi.local.evil.example", std::nullopt}));
  EXPECT_FALSE(same_origin({"evil.example", std::nullopt, std::nullopt}));
}

TEST(ReliableUntil, FreshPhoneRecordLastsMaxAge) {
  ReferenceChoice c;
  c.role = ReferenceRole::Record;
  c.state.synchronized = true;
  c.state.reference_time_ns = kNow;
  c.state.root_dispersion_ns = 2 * kMs;
  EXPECT_EQ(reliable_until_ns(c, 1800 * kS), kNow + 1800 * kS);
}

TEST(ReliableUntil, ARecordNearMaxDistanceEndsEarlier) {
  ReferenceChoice c;
  c.role = ReferenceRole::Measured;
  c.state.synchronized = true;
  c.state.reference_time_ns = kNow;
  c.state.root_delay_ns = 200 * kMs;
  c.state.root_dispersion_ns = 1385 * kMs;  // 100 + 1385 = 1485 ms: 15 ms left, 1000 s at 15 ppm
  EXPECT_EQ(reliable_until_ns(c, 1800 * kS), kNow + 1000 * kS);
}

TEST(ReliableUntil, NotForReferencesThatDoNotAge) {
  ReferenceChoice c;
  for (ReferenceRole k : {ReferenceRole::None, ReferenceRole::LastResort, ReferenceRole::External}) {
    c.role = k;
    EXPECT_FALSE(reliable_until_ns(c, 1800 * kS).has_value()) << static_cast<int>(k);
  }
}

// A phone that set the clock and stays: its page checks again halfway through the window, so
// its verification renews the window before it ends.
TEST(PhoneRecheck, HalfOfTheWindowLeft) {
  EXPECT_EQ(phone_recheck_ns(true, kNow + 1800 * kS, kNow, 500), 900 * kS);
  EXPECT_EQ(phone_recheck_ns(true, kNow + 1800 * kS, kNow + 1000 * kS, 500), 400 * kS);
  EXPECT_EQ(phone_recheck_ns(true, kNow + 1800 * kS, kNow, 250), 450 * kS);
}

TEST(PhoneRecheck, BoundedByTenSecondsAndAnHour) {
  EXPECT_EQ(phone_recheck_ns(true, kNow + 4 * kS, kNow, 500), kPhoneRecheckMinNs);
  EXPECT_EQ(phone_recheck_ns(true, kNow - 5 * kS, kNow, 500), kPhoneRecheckMinNs);  // already past
  EXPECT_EQ(phone_recheck_ns(true, kNow + 86400 * kS, kNow, 500), kPhoneRecheckMaxNs);
}

TEST(PhoneRecheck, AnHourWithNoEndAMinuteWhenUnreliable) {
  EXPECT_EQ(phone_recheck_ns(true, std::nullopt, kNow, 500), kPhoneRecheckMaxNs);
  EXPECT_EQ(phone_recheck_ns(false, std::nullopt, kNow, 500), kPhoneRecheckUnreliableNs);
  EXPECT_EQ(phone_recheck_ns(false, kNow + 1800 * kS, kNow, 500), kPhoneRecheckUnreliableNs);
}

}  // namespace
}  // namespace lansync::core
