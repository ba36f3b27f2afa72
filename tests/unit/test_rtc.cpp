// Unit tests of the battery-clock rules (core/rtc) and of choosing an RTC back end (os/rtc).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "../support/seed.hpp"
#include "core/rtc.hpp"
#include "os/rtc.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kNow = 1'795'000'000 * kS;
constexpr int64_t kMaxAge = 30 * 60 * kS;
constexpr int64_t kBootNow = 5 * 3600 * kS;  // CLOCK_BOOTTIME at kNow
const char* const kBootId = "0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4e";

// A record state_age_ns old (none if negative) made in this boot.
TrustEvidence evidence(bool kernel_sync, int64_t state_age_ns, const std::string& source) {
  TrustEvidence e;
  e.kernel_known = true;
  e.kernel_synchronized = kernel_sync;
  if (state_age_ns >= 0) {
    e.state_known = true;
    e.state_last_sync_ns = kNow - state_age_ns;
    e.state_source = source;
    e.state_boot = {kBootId, kBootNow - state_age_ns};
  }
  e.this_boot = {kBootId, kBootNow};
  return e;
}

RtcWriteVerdict verdict(const TrustEvidence& e) {
  return may_write_rtc(e, assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge), kMaxAge);
}

TEST(RtcWriteRule, TrustedClocksMayBeWritten) {
  RtcWriteVerdict v = verdict(evidence(true, -1, ""));
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.reason, "the kernel reports the clock synchronized");
  v = verdict(evidence(false, 5 * 60 * kS, "phone"));
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.reason, "the clock was set or verified 5 min 00 s ago by the boot clock (source phone)");
  // The kernel's word is enough even when the last record came from the RTC.
  EXPECT_TRUE(verdict(evidence(true, 60 * kS, "rtc")).allowed);
}

TEST(RtcWriteRule, UntrustedClocksAreRefused) {
  RtcWriteVerdict v = verdict(evidence(false, -1, ""));
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(
      v.reason,
      "the kernel reports the clock unsynchronized, and there is no record that the clock was ever set");
  v = verdict(evidence(false, 3 * 3600 * kS, "ntp:192.168.4.1"));
  EXPECT_FALSE(v.allowed);
  EXPECT_NE(v.reason.find("3 h 00 min ago"), std::string::npos) << v.reason;
}

TEST(RtcWriteRule, TheRtcIsNoWitnessForItself) {
  RtcWriteVerdict v = verdict(evidence(false, 90 * kS, "rtc"));
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason,
            "the kernel reports the clock unsynchronized, and the clock was last set from the RTC itself, "
            "1 min 30 s ago: copying it back would gain nothing");
}

std::vector<DriftRow> rows(const std::string& source, double fast_ppm, int n, double interval_s,
                           double noise_s = 0, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, noise_s > 0 ? noise_s : 1e-300);
  std::vector<DriftRow> v;
  for (int i = 0; i < n; ++i) {
    DriftRow r;
    r.line = static_cast<size_t>(i + 2);
    r.elapsed_s = i * interval_s;
    r.source = source;
    r.offset_s = 0.3 + fast_ppm * 1e-6 * r.elapsed_s + (noise_s > 0 ? noise(rng) : 0);
    r.status = ReadingStatus::Ok;
    v.push_back(r);
  }
  return v;
}

TEST(RtcTrim, FastRtcGetsMoreAging) {
  // offset = RTC - system grows 1.23 us per second: the RTC is 1.23 ppm fast.
  auto drift = rtc_drift_from_rows(rows("rtc:/dev/rtc0", 1.23, 1440, 60));
  ASSERT_TRUE(drift.ok()) << drift.error().message;
  AgingTrim t = plan_aging_trim(*drift, 3);
  EXPECT_NEAR(t.rtc_fast_ppm, 1.23, 1e-6);
  EXPECT_EQ(t.change_steps, 12);
  EXPECT_EQ(t.proposed_aging, 15);
  EXPECT_FALSE(t.clamped);
  EXPECT_TRUE(t.precise_enough) << t.imprecision;
}

TEST(RtcTrim, SlowRtcGetsLessAging) {
  auto drift = rtc_drift_from_rows(rows("ds3231:/dev/i2c-1", -0.76, 1440, 60));
  ASSERT_TRUE(drift.ok());
  AgingTrim t = plan_aging_trim(*drift, 0);
  EXPECT_EQ(t.change_steps, -8);
  EXPECT_EQ(t.proposed_aging, -8);
}

TEST(RtcTrim, BeyondTheRegisterIsClamped) {
  auto drift = rtc_drift_from_rows(rows("rtc:/dev/rtc0", 20, 1440, 60));
  AgingTrim t = plan_aging_trim(*drift, 10);
  EXPECT_TRUE(t.clamped);
  EXPECT_EQ(t.proposed_aging, 127);
  EXPECT_EQ(t.change_steps, 117);
  t = plan_aging_trim(*rtc_drift_from_rows(rows("rtc:/dev/rtc0", -20, 1440, 60)), -100);
  EXPECT_TRUE(t.clamped);
  EXPECT_EQ(t.proposed_aging, -128);
}

TEST(RtcTrim, ImpreciseMeasurementsAreNotActedOn) {
  AgingTrim few = plan_aging_trim(*rtc_drift_from_rows(rows("rtc:/dev/rtc0", 1, 5, 3600)), 0);
  EXPECT_FALSE(few.precise_enough);
  EXPECT_EQ(few.imprecision, "only 5 usable samples, at least 10 needed");
  AgingTrim short_run = plan_aging_trim(*rtc_drift_from_rows(rows("rtc:/dev/rtc0", 1, 30, 60)), 0);
  EXPECT_FALSE(short_run.precise_enough);
  EXPECT_EQ(short_run.imprecision, "the run lasted 29 min 00 s, at least 1 h is needed (a day is better)");
  // 1 s of noise (an RTC read without waiting for its tick) over 2 h: hopeless.
  auto noisy = rtc_drift_from_rows(rows("rtc:/dev/rtc0", 1, 120, 60, 0.3, 7));
  AgingTrim n = plan_aging_trim(*noisy, 0);
  EXPECT_FALSE(n.precise_enough);
  EXPECT_NE(n.imprecision.find("measure longer"), std::string::npos) << n.imprecision;
}

TEST(RtcTrim, InputMustBeOneRunOfAnRtc) {
  auto r = rtc_drift_from_rows(rows("ntp:192.168.4.1", 1, 100, 60));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 2u);
  EXPECT_NE(r.error().message.find("is not an RTC"), std::string::npos);
  EXPECT_FALSE(rtc_drift_from_rows(rows("camera:http://10.0.0.2:8080", 1, 100, 60)).ok());

  auto mixed = rows("rtc:/dev/rtc0", 1, 100, 60);
  mixed[40].source = "rtc:/dev/rtc1";
  r = rtc_drift_from_rows(mixed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 42u);
  EXPECT_EQ(r.error().message, "source changes from 'rtc:/dev/rtc0' to 'rtc:/dev/rtc1': one run per file");

  EXPECT_EQ(rtc_drift_from_rows({}).error().message, "no samples: the file has only a header");

  auto failing = rows("rtc:/dev/rtc0", 1, 10, 60);
  for (size_t i = 2; i < failing.size(); ++i) failing[i].offset_s.reset();
  r = rtc_drift_from_rows(failing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "cannot fit a drift to 2 usable samples: fewer than 3 points");
}

TEST(RtcTrim, FailedSamplesAreCountedAndSkipped) {
  auto v = rows("rtc:/dev/rtc0", 2, 200, 60);
  v[10].offset_s.reset();
  v[11].offset_s.reset();
  auto drift = rtc_drift_from_rows(v);
  ASSERT_TRUE(drift.ok());
  EXPECT_EQ(drift->failed_samples, 2u);
  EXPECT_EQ(drift->fit.n, 198u);
  EXPECT_NEAR(drift->fit.slope * 1e6, 2, 1e-6);
}

TEST(RtcText, FormatUtc) {
  EXPECT_EQ(readable_utc(0), "1970-01-01 00:00:00 UTC");
  EXPECT_EQ(readable_utc(4'102'444'799), "2099-12-31 23:59:59 UTC");
  EXPECT_EQ(readable_utc(1'772'323'200), "2026-03-01 00:00:00 UTC");
}

}  // namespace
}  // namespace lansync::core

namespace lansync::os {
namespace {

TEST(OpenRtc, NamesTheMissingDevice) {
  auto r = open_rtc({"/nonexistent/rtc9", -1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "cannot open /nonexistent/rtc9: No such file or directory");
}

TEST(OpenRtc, NamesTheMissingBus) {
  auto r = open_rtc({"", 97});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message,
      "cannot open /dev/i2c-97: No such file or directory (is I2C enabled and the i2c-dev module loaded?)");
}

TEST(OpenRtc, NotBoth) { EXPECT_FALSE(open_rtc({"/dev/rtc0", 1}).ok()); }

TEST(OpenRtc, AFileThatIsNoRtc) {
  auto r = open_rtc({"/dev/null", -1});
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto reading = (*r)->read_time();
  ASSERT_FALSE(reading.ok());
  EXPECT_EQ(reading.error().message, "/dev/null is not an RTC (RTC_RD_TIME): Inappropriate ioctl for device");
  auto details = (*r)->read_details();
  ASSERT_FALSE(details.ok());
  EXPECT_NE(details.error().message.find("over I2C"), std::string::npos) << details.error().message;
}

}  // namespace
}  // namespace lansync::os
