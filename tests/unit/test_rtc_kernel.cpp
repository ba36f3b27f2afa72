// Unit tests of the /dev/rtcN back end (os/rtc_kernel) against a fake device.
#include <gtest/gtest.h>

#include <cerrno>

#include "../support/fake_clock.hpp"
#include "../support/fake_rtc_device.hpp"
#include "os/rtc_kernel.hpp"

namespace lansync::os {
namespace {

struct KernelRtcTest : ::testing::Test {
  testing::FakeClock clock;
  testing::FakeRtcDevice device{clock};
  KernelRtc rtc{device, "/dev/rtc0"};
};

TEST_F(KernelRtcTest, ReadsTheTimeInUtc) {
  device.set_unix(4'102'444'799);  // 2099-12-31 23:59:59
  auto r = rtc.read_time();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->has_time);
  EXPECT_TRUE(r->valid);
  EXPECT_EQ(r->unix_s, 4'102'444'799);
  clock.advance(1'000'000'000);
  EXPECT_EQ(rtc.read_time()->unix_s, 4'102'444'800);  // into 2100
}

TEST_F(KernelRtcTest, EinvalMeansInvalidNotAnError) {
  device.invalid = true;
  auto r = rtc.read_time();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_time);
  EXPECT_FALSE(r->valid);
  EXPECT_EQ(r->problem,
            "the kernel reports the RTC's time invalid (EINVAL): its oscillator stopped or it was never set");
}

TEST_F(KernelRtcTest, OtherErrorsAreErrors) {
  device.read_errno = EIO;
  auto r = rtc.read_time();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "cannot read the time of /dev/rtc0: Input/output error");
  device.read_errno = ENOTTY;
  EXPECT_EQ(rtc.read_time().error().message,
            "/dev/rtc0 is not an RTC (RTC_RD_TIME): Inappropriate ioctl for device");
}

TEST_F(KernelRtcTest, SetWritesStructRtcTimeAndMakesItValid) {
  device.invalid = true;
  ASSERT_TRUE(rtc.set_time(4'102'444'800).ok());  // 2100-01-01 00:00:00, a Friday
  EXPECT_EQ(device.last_set.tm_year, 200);
  EXPECT_EQ(device.last_set.tm_mon, 0);
  EXPECT_EQ(device.last_set.tm_mday, 1);
  EXPECT_EQ(device.last_set.tm_hour, 0);
  EXPECT_EQ(device.last_set.tm_min, 0);
  EXPECT_EQ(device.last_set.tm_sec, 0);
  EXPECT_EQ(device.last_set.tm_wday, 5);
  EXPECT_EQ(device.last_set.tm_yday, 0);
  auto r = rtc.read_time();
  EXPECT_TRUE(r->valid);
  EXPECT_EQ(r->unix_s, 4'102'444'800);
  ASSERT_TRUE(rtc.set_time(1'772'409'599).ok());  // 2026-03-01 23:59:59
  EXPECT_EQ(device.last_set.tm_yday, 59);
  EXPECT_EQ(device.last_set.tm_wday, 0);
}

TEST_F(KernelRtcTest, SetErrorsNameTheDevice) {
  device.set_errno = EACCES;
  auto st = rtc.set_time(1'772'323'200);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "cannot set the time of /dev/rtc0: Permission denied");
}

TEST_F(KernelRtcTest, NoAgingThroughTheKernel) {
  auto st = rtc.write_aging(3);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, std::make_error_code(std::errc::not_supported));
  EXPECT_NE(st.error().message.find("/dev/rtc0"), std::string::npos);
}

TEST_F(KernelRtcTest, NoSquareWaveThroughTheKernel) {
  auto st = rtc.write_square_wave(true);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, std::make_error_code(std::errc::not_supported));
  EXPECT_EQ(st.error().message,
            "/dev/rtc0: the kernel's RTC interface does not give the DS3231's square-wave output; reach the "
            "chip over I2C with its kernel driver unbound");
}

}  // namespace
}  // namespace lansync::os
