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

TEST_F(Shape, ARestartTakesTheDayBackAtTheFirstUpdate) {
  // The real-time clock runs with the monotonic one while the first run records two days.
  updates_until(50 * kHour);
  inner.set(inner.now_ns() + mono);
  std::vector<core::DailyShape::Point> saved = keeper.saved(mono);
  ASSERT_FALSE(saved.empty());
  EXPECT_EQ(saved.back().t_ns, inner.now_ns());  // the last update's bin ends now: real time
  // Restarted 2 h later with a clock 3 days wrong (no battery) and a new monotonic clock at 0.
  int64_t real_restart = inner.now_ns() + 2 * kHour, offset = mono + 2 * kHour;
  testing::FakeClock inner2{real_restart - 3 * 24 * kHour};
  int64_t mono2 = 0;
  os::CompensatedClock clock2{inner2, [&mono2] { return mono2; }};
  ShapeKeeper restarted{clock2};
  restarted.restore(saved);
  EXPECT_TRUE(restarted.saved(mono2).empty());  // nothing of its own yet: the file stays as it is
  // The first update sets the clock right; the day joins then.
  mono2 = 600 * kS;
  inner2.set(real_restart + mono2);
  restarted.updated(mono2, day_ppm(offset + mono2));
  EXPECT_GT(restarted.saved(mono2).size(), saved.size() / 2);
  // An outage: the day before is followed at once, not after a day of relearning.
  int64_t last = mono2;
  mono2 = last + 6 * kHour;
  restarted.tick(mono2);
  EXPECT_NEAR(restarted.following_ppm(), day_ppm(offset + mono2) - day_ppm(offset + last), 0.15);
}

}  // namespace
}  // namespace lansync::sntpd
