// Unit tests of rtcset's commands (tools/rtcset/commands) against the emulated DS3231 and a fake /dev/rtc:
// what --square-wave writes and prints, and what show says of the square wave.
#include <gtest/gtest.h>

#include <string>

#include "../support/ds3231_emulator.hpp"
#include "../support/fake_clock.hpp"
#include "../support/fake_rtc_device.hpp"
#include "commands.hpp"
#include "os/rtc_ds3231.hpp"
#include "os/rtc_kernel.hpp"

namespace lansync::rtcset {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t k2026 = 1'772'323'200;  // 2026-03-01 00:00:00 UTC

struct RtcsetDs3231 : ::testing::Test {
  testing::FakeClock clock{k2026 * kS};
  testing::Ds3231Emulator chip{clock};
  os::Ds3231Rtc rtc{chip};

  RtcsetDs3231() { chip.load_unix(k2026, 400'000'000); }  // OSF clear

  std::string shown(bool json) {
    Options opt;
    opt.json = json;
    ::testing::internal::CaptureStdout();
    int code = show(rtc, clock, opt);
    std::string out = ::testing::internal::GetCapturedStdout();
    EXPECT_EQ(code, kOk) << out;
    return out;
  }
};

TEST_F(RtcsetDs3231, SquareWave1HzFromThePowerOnValueAndBack) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(set_square_wave(rtc, true), kOk);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            "DS3231 at 0x68 on /dev/i2c-emulated: square wave off (INT/SQW is the alarm interrupt) -> "
            "1 Hz on INT/SQW\n");
  EXPECT_EQ(chip.peek(0x0E), 0x00);
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(set_square_wave(rtc, false), kOk);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            "DS3231 at 0x68 on /dev/i2c-emulated: square wave 1 Hz on INT/SQW -> off (INT/SQW is the alarm "
            "interrupt)\n");
  EXPECT_EQ(chip.peek(0x0E), 0x04);
}

TEST_F(RtcsetDs3231, SquareWaveKeepsBbsqw) {
  chip.poke(0x0E, 0x5C);
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(set_square_wave(rtc, true), kOk);
  ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(chip.peek(0x0E), 0x40);
}

TEST_F(RtcsetDs3231, ShowSaysTheSquareWave) {
  std::string text = shown(false);
  EXPECT_NE(text.find("\nsquare wave: off (INT/SQW is the alarm interrupt)\n"), std::string::npos) << text;
  EXPECT_NE(shown(true).find("\"stop_on_battery\":false,\"square_wave_hz\":0}"), std::string::npos);
  chip.poke(0x0E, 0x00);
  EXPECT_NE(shown(false).find("\nsquare wave: 1 Hz on INT/SQW\n"), std::string::npos);
  EXPECT_NE(shown(true).find("\"square_wave_hz\":1}"), std::string::npos);
  chip.poke(0x0E, 0x08);
  EXPECT_NE(shown(false).find("\nsquare wave: 1.024 kHz on INT/SQW\n"), std::string::npos);
  chip.poke(0x0E, 0x18);
  EXPECT_NE(shown(false).find("\nsquare wave: 8.192 kHz on INT/SQW\n"), std::string::npos);
  EXPECT_NE(shown(true).find("\"square_wave_hz\":8192}"), std::string::npos);
}

TEST_F(RtcsetDs3231, SquareWaveOnNoChipIsAnRtcError) {
  chip.absent = true;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(set_square_wave(rtc, true), kRtcError);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.rfind("rtcset: error: ", 0), 0u) << err;
  EXPECT_EQ(err.find('\n'), err.size() - 1) << "one line: " << err;
}

TEST(RtcsetKernel, SquareWaveThroughTheKernelSaysToUseI2c) {
  testing::FakeClock clock{k2026 * kS};
  testing::FakeRtcDevice device{clock};
  os::KernelRtc rtc{device, "/dev/rtc0"};
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(set_square_wave(rtc, true), kRtcError);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "rtcset: error: /dev/rtc0: the kernel's RTC interface does not give the DS3231's square-wave "
            "output; reach the chip over I2C with its kernel driver unbound\n");
}

TEST(RtcsetKernel, ShowGivesNoSquareWave) {
  testing::FakeClock clock{k2026 * kS};
  testing::FakeRtcDevice device{clock};
  device.set_unix(k2026);
  os::KernelRtc rtc{device, "/dev/rtc0"};
  Options opt;
  opt.json = true;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(show(rtc, clock, opt), kOk);
  EXPECT_NE(::testing::internal::GetCapturedStdout().find("\"square_wave_hz\":null}"), std::string::npos);
}

}  // namespace
}  // namespace lansync::rtcset
