// Unit tests of driftlog's recording loop (tools/driftlog/record.cpp): every
// slot of a run is accounted for, a slot lost to an overrunning measurement
// as a "missed" row, never silently.
#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

#include "core/drift_log.hpp"
#include "os/clock.hpp"
#include "record.hpp"

namespace lansync::driftlog {
namespace {

constexpr int64_t kIntervalNs = 20'000'000;

// A reference whose second measurement takes 2.5 intervals: at least the slot
// after it goes by whole, however fast or slow the machine is.
class SlowSecondSource final : public Source {
 public:
  Reading measure(const MeasureContext&) override {
    Reading r;
    if (++calls_ == 2) {
      const int64_t until = os::monotonic_ns() + kIntervalNs * 5 / 2;
      while (os::monotonic_ns() < until) ::poll(nullptr, 0, 1);
    }
    r.status = core::ReadingStatus::Ok;
    r.offset_s = 0.001;
    r.mono_ns = os::monotonic_ns();
    r.local_ns = 1'767'225'600'000'000'000 + r.mono_ns;
    return r;
  }

 private:
  int calls_ = 0;
};

TEST(DriftlogRecord, EverySlotHasARowAndMissedSlotsSaySo) {
  sigset_t before;
  ASSERT_EQ(sigprocmask(SIG_BLOCK, nullptr, &before), 0);
  SlowSecondSource source;
  RecordOptions opt;
  opt.source_spec = "cmd:test";
  opt.interval_ns = kIntervalNs;
  opt.count = 8;
  opt.timeout_ns = kIntervalNs;
  testing::internal::CaptureStdout();
  int rc = record(source, opt);
  std::string csv = testing::internal::GetCapturedStdout();
  sigprocmask(SIG_SETMASK, &before, nullptr);  // record() blocks SIGINT and SIGTERM for its signalfd
  ASSERT_EQ(rc, 0);

  auto rows = core::parse_drift_csv(csv);
  ASSERT_TRUE(rows) << rows.error().line << ": " << rows.error().message << "\n" << csv;
  ASSERT_EQ(rows->size(), 8u) << csv;
  int missed = 0;
  for (size_t i = 0; i < rows->size(); ++i) {
    const core::DriftRow& row = (*rows)[i];
    if (row.status == core::ReadingStatus::Missed) {
      ++missed;
      EXPECT_FALSE(row.offset_s) << csv;
      // A missed row sits at its slot's due time, or at the reading before
      // it when that came later, and on the local clock that reading read.
      EXPECT_NEAR(row.elapsed_s, std::max(0.02 * static_cast<double>(i), (*rows)[i - 1].elapsed_s), 1e-6)
          << csv;
      ASSERT_TRUE(row.time_utc_ns);
      EXPECT_NEAR(static_cast<double>(*row.time_utc_ns - (*rows)[i - 1].time_utc_ns.value_or(0)) / 1e9,
                  row.elapsed_s - (*rows)[i - 1].elapsed_s, 1e-5)
          << csv;
    } else {
      EXPECT_EQ(row.status, core::ReadingStatus::Ok) << csv;
      EXPECT_GE(row.elapsed_s, 0.02 * static_cast<double>(i) - 1e-6) << csv;
    }
  }
  EXPECT_GE(missed, 1) << csv;
  EXPECT_EQ((*rows)[2].status, core::ReadingStatus::Missed) << "the slot after the slow one\n" << csv;
}

TEST(DriftlogRecord, MissedIsAStatusWordOfTheCsv) {
  EXPECT_STREQ(core::status_word(core::ReadingStatus::Missed), "missed");
  EXPECT_EQ(core::parse_status_word("missed"), core::ReadingStatus::Missed);
}

}  // namespace
}  // namespace lansync::driftlog
