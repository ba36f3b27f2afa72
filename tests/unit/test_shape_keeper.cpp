// sntpd's ShapeKeeper: a clock without a sensor follows the day before's frequency through an
// outage, and stops at the next update.
#include <gtest/gtest.h>

#include <cmath>

#include "../support/fake_clock.hpp"
#include "os/clock_compensated.hpp"
#include "thermal/shape_keeper.hpp"

namespace lansync::sntpd {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kHour = 3600 * kS;

double day_ppm(int64_t t_ns) {
  return -12 + 4 * std::sin(2 * M_PI * static_cast<double>(t_ns) / 1e9 / 86400);
}

struct Shape : ::testing::Test {
  testing::FakeClock inner;
  int64_t mono = 0;
  os::CompensatedClock clock{inner, [this] { return mono; }};
  ShapeKeeper keeper{clock};

  // Updates every 1024 s up to until_ns, the clock at the day's frequency.
  void updates_until(int64_t until_ns) {
    for (; mono <= until_ns; mono += 1024 * kS) {
      ASSERT_TRUE(clock.set_frequency(day_ppm(mono)));
      keeper.updated(mono, day_ppm(mono));
    }
    mono -= 1024 * kS;
  }
};

TEST_F(Shape, TheFirstDayNothingIsFollowed) {
  updates_until(20 * kHour);
  keeper.tick(mono + 5 * kHour);
  EXPECT_EQ(keeper.following_ppm(), 0);
  EXPECT_EQ(clock.compensation_ppm(), 0);
}

TEST_F(Shape, AnOutageFollowsTheDayAndTheNextUpdateEndsIt) {
  updates_until(50 * kHour);
  int64_t last = mono;
  keeper.tick(last + 1000 * kS);  // a poll's interval: nothing moves
  EXPECT_EQ(clock.compensation_ppm(), 0);
  mono = last + 6 * kHour;
  keeper.tick(mono);
  EXPECT_NEAR(keeper.following_ppm(), day_ppm(mono) - day_ppm(last), 0.1);
  // The kernel runs at the held frequency plus the change; the discipline still sees its own.
  EXPECT_NEAR(inner.status.frequency_ppm, day_ppm(mono), 0.1);
  EXPECT_DOUBLE_EQ(clock.sync_status()->frequency_ppm, day_ppm(last));
  keeper.updated(mono, day_ppm(mono));
  EXPECT_EQ(keeper.following_ppm(), 0);
  EXPECT_EQ(clock.compensation_ppm(), 0);
}

}  // namespace
}  // namespace lansync::sntpd
