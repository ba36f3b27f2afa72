// Unit tests of when a camera's SSDP traffic asks for a camsync run, and whether a run waits for
// a phone (core/camera_watch): appearance, byebye, max-age, a new boot, the first word after a failed
// run and its probes, the spacing and the budget under a flood (random, with a printed seed), the
// bounded address table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/seed.hpp"
#include "core/camera_watch.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT0 = 1000 * kS;  // the monotonic clock when the watcher starts

WatchDecision alive(CameraWatch& w, const std::string& host, int64_t t, std::optional<int64_t> max_age = {},
                    std::optional<uint32_t> boot = {}) {
  return w.heard(host, SsdpEvent::Alive, max_age, boot, t);
}

bool runs(const WatchDecision& d, WatchReason r) { return d.action == WatchAction::Run && d.reason == r; }

TEST(CameraWatch, TheCameraAppearingAsksForOneRun) {
  CameraWatch w(kT0);
  EXPECT_TRUE(runs(alive(w, "192.168.4.20", kT0 + kS), WatchReason::Appeared));
  // Its other NOTIFYs of the burst, and its re-announcements: present, nothing to do.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(alive(w, "192.168.4.20", kT0 + kS + i).action, WatchAction::Nothing);
  EXPECT_EQ(alive(w, "192.168.4.20", kT0 + 900 * kS, 1800 * kS).action, WatchAction::Nothing);
  EXPECT_EQ(w.present(kT0 + 900 * kS), 1u);
  EXPECT_FALSE(w.next_due_ns().has_value());
  EXPECT_STREQ(code(WatchReason::Appeared), "camera_appeared");
  EXPECT_STREQ(code(WatchReason::Answered), "camera_answered");
  EXPECT_STREQ(code(WatchReason::None), "none");
}

TEST(CameraWatch, ByebyeOrExpiryMakesTheNextAliveAnAppearance) {
  CameraWatch w(kT0);
  ASSERT_EQ(alive(w, "cam", kT0).action, WatchAction::Run);
  // Switched off and on: its byebye, then alive 5 min later.
  EXPECT_EQ(w.heard("cam", SsdpEvent::Byebye, {}, {}, kT0 + 60 * kS).action, WatchAction::Nothing);
  EXPECT_EQ(w.present(kT0 + 60 * kS), 0u);
  EXPECT_TRUE(runs(alive(w, "cam", kT0 + 360 * kS), WatchReason::Appeared));
  // Switched off without a word: its max-age (120 s) ends its presence.
  ASSERT_EQ(alive(w, "cam", kT0 + 400 * kS, 120 * kS).action, WatchAction::Nothing);
  EXPECT_EQ(alive(w, "cam", kT0 + 519 * kS, 120 * kS).action, WatchAction::Nothing);  // renewed at 400 + 119
  EXPECT_TRUE(runs(alive(w, "cam", kT0 + 519 * kS + 121 * kS, 120 * kS), WatchReason::Appeared));
}

TEST(CameraWatch, MaxAgeIsClampedAndANewBootIsAnAppearance) {
  CameraWatch w(kT0);
  // max-age 1 s is taken as 60 s: re-announcing every 30 s never counts as appearing.
  ASSERT_EQ(alive(w, "cam", kT0, 1 * kS).action, WatchAction::Run);
  for (int i = 1; i <= 10; ++i)
    EXPECT_EQ(alive(w, "cam", kT0 + i * 30 * kS, 1 * kS).action, WatchAction::Nothing);
  // A day-long max-age is taken as an hour.
  CameraWatch v(kT0);
  ASSERT_EQ(alive(v, "cam", kT0, 86400 * kS).action, WatchAction::Run);
  EXPECT_EQ(alive(v, "cam", kT0 + 3601 * kS).action, WatchAction::Run);
  // BOOTID.UPNP.ORG changes when it reboots, even while its presence lasts.
  CameraWatch b(kT0);
  ASSERT_EQ(alive(b, "cam", kT0, {}, 7u).action, WatchAction::Run);
  EXPECT_EQ(alive(b, "cam", kT0 + 100 * kS, {}, 7u).action, WatchAction::Nothing);
  EXPECT_TRUE(runs(alive(b, "cam", kT0 + 200 * kS, {}, 8u), WatchReason::Appeared));
}

TEST(CameraWatch, AfterAFailedRunTheFirstWordAsksAgainOnce) {
  CameraWatch w(kT0);
  ASSERT_EQ(alive(w, "cam", kT0).action, WatchAction::Run);
  EXPECT_FALSE(w.last_run(1795000000.5, false, kT0 + 5 * kS));
  EXPECT_FALSE(w.probe(kT0 + 100 * kS));
  // A run failed (the camera busy or unreachable): probes every 30 s from the failure's notice.
  EXPECT_TRUE(w.last_run(1795000100.5, true, kT0 + 100 * kS));
  EXPECT_FALSE(w.last_run(1795000100.5, true, kT0 + 105 * kS));  // the same run read again changes nothing
  EXPECT_EQ(w.next_due_ns(), kT0 + 130 * kS);
  EXPECT_FALSE(w.probe(kT0 + 129 * kS));
  EXPECT_TRUE(w.probe(kT0 + 130 * kS));
  EXPECT_FALSE(w.probe(kT0 + 131 * kS));
  EXPECT_TRUE(w.probe(kT0 + 160 * kS));
  // Its answer (or any alive) asks for a run, once.
  EXPECT_TRUE(runs(w.heard("cam", SsdpEvent::Answer, 1800 * kS, {}, kT0 + 161 * kS), WatchReason::Answered));
  EXPECT_EQ(alive(w, "cam", kT0 + 162 * kS).action, WatchAction::Nothing);
  EXPECT_FALSE(w.probe(kT0 + 300 * kS));
  // That run failed too: a new failure, answered by the next word.
  EXPECT_TRUE(w.last_run(1795000170.0, true, kT0 + 200 * kS));
  EXPECT_TRUE(runs(alive(w, "cam", kT0 + 201 * kS), WatchReason::Answered));
  // A run that went well closes a failure without a request.
  EXPECT_TRUE(w.last_run(1795000300.0, true, kT0 + 300 * kS));
  EXPECT_FALSE(w.last_run(1795000400.0, false, kT0 + 400 * kS));
  EXPECT_FALSE(w.probe(kT0 + 500 * kS));
  EXPECT_EQ(alive(w, "cam", kT0 + 501 * kS).action, WatchAction::Nothing);
}

TEST(CameraWatch, AFailureFromBeforeTheStartIsProbedAtOnce) {
  CameraWatch w(kT0);
  EXPECT_TRUE(w.last_run(1795000000.0, true, kT0));
  EXPECT_TRUE(w.probe(kT0));
  EXPECT_TRUE(runs(w.heard("cam", SsdpEvent::Answer, {}, {}, kT0 + kS), WatchReason::Answered));
  EXPECT_FALSE(w.probe(kT0 + 100 * kS));  // the request answered the failure
}

TEST(CameraWatch, RunsAreSpacedAndASoonerOneWaits) {
  CameraWatch w(kT0);
  ASSERT_EQ(alive(w, "a", kT0).action, WatchAction::Run);
  WatchDecision d = alive(w, "b", kT0 + 10 * kS);
  EXPECT_EQ(d.action, WatchAction::Deferred);
  EXPECT_EQ(d.reason, WatchReason::Appeared);
  // A third while one waits merges into it.
  EXPECT_EQ(alive(w, "c", kT0 + 20 * kS).action, WatchAction::Deferred);
  EXPECT_EQ(w.next_due_ns(), kT0 + 30 * kS);
  EXPECT_EQ(w.due(kT0 + 29 * kS).action, WatchAction::Nothing);
  EXPECT_TRUE(runs(w.due(kT0 + 30 * kS), WatchReason::Appeared));
  EXPECT_EQ(w.due(kT0 + 31 * kS).action, WatchAction::Nothing);  // once
  EXPECT_FALSE(w.next_due_ns().has_value());
}

// A flood of announcements from ever new (spoofed) addresses for an hour: 3 runs at once, 30 s
// apart, then one per 10 min: 9 in all (at 0, 30 s, 60 s, 10, 20, ... 60 min).
TEST(CameraWatch, AFloodIsBoundedByTheBudget) {
  CameraWatch w(kT0);
  std::vector<int64_t> at;
  for (int64_t t = 0; t <= 3600 * kS; t += kS / 10) {
    int64_t now = kT0 + t;
    if (w.due(now).action == WatchAction::Run) at.push_back(t);
    if (alive(w, "10.0." + std::to_string(t / kS % 250) + "." + std::to_string(t / (kS / 10) % 10), now)
            .action == WatchAction::Run)
      at.push_back(t);
  }
  std::vector<int64_t> expected = {0, 30 * kS, 60 * kS};
  for (int64_t m = 10; m <= 60; m += 10) expected.push_back(m * 60 * kS);
  EXPECT_EQ(at, expected);
  EXPECT_LE(w.present(kT0 + 3600 * kS), 16u);
}

TEST(CameraWatch, AtMost16AddressesAreRemembered) {
  CameraWatch w(kT0);
  for (int i = 0; i < 100; ++i) alive(w, "10.0.0." + std::to_string(i), kT0 + i * kS, 1800 * kS);
  EXPECT_EQ(w.present(kT0 + 100 * kS), 16u);
  // The earliest to expire were forgotten: 10.0.0.0 appears again.
  EXPECT_NE(alive(w, "10.0.0.0", kT0 + 200 * kS).action, WatchAction::Nothing);
  EXPECT_EQ(w.present(kT0 + 200 * kS), 16u);
}

// Random traffic (hosts, events, max-ages, failed runs, times): requests are never closer than the
// gap, never more than the budget allows, and the table stays bounded.
TEST(CameraWatch, RandomTrafficKeepsTheBounds) {
  auto rng = testing::seeded_rng();
  for (int round = 0; round < 20; ++round) {
    CameraWatch w(kT0);
    std::vector<int64_t> at;
    int64_t t = kT0;
    for (int i = 0; i < 5000; ++i) {
      t += static_cast<int64_t>(rng() % (20 * kS));
      if (w.due(t).action == WatchAction::Run) at.push_back(t);
      if (rng() % 50 == 0) (void)w.last_run(static_cast<double>(i), rng() % 2 == 0, t);
      (void)w.probe(t);
      auto event = static_cast<SsdpEvent>(rng() % 3);
      std::optional<int64_t> age;
      if (rng() % 2) age = static_cast<int64_t>(rng() % (7200 * kS));
      if (w.heard("10.0.0." + std::to_string(rng() % 40), event, age, static_cast<uint32_t>(rng() % 3), t)
              .action == WatchAction::Run)
        at.push_back(t);
      ASSERT_LE(w.present(t), 16u);
    }
    for (size_t k = 1; k < at.size(); ++k) ASSERT_GE(at[k] - at[k - 1], 30 * kS) << "run " << k;
    ASSERT_LE(static_cast<int64_t>(at.size()), 3 + (t - kT0) / (600 * kS) + 1);
  }
}

TEST(CameraWatch, ARequestIsFreshForAMinute) {
  const int64_t now_ms = 1'795'000'000'000;
  EXPECT_TRUE(camera_request_fresh(now_ms, now_ms));
  EXPECT_TRUE(camera_request_fresh(now_ms - 60'000, now_ms));
  EXPECT_FALSE(camera_request_fresh(now_ms - 60'001, now_ms));
  EXPECT_TRUE(camera_request_fresh(now_ms + 2'000, now_ms));   // written by a clock a little ahead
  EXPECT_FALSE(camera_request_fresh(now_ms + 2'001, now_ms));  // from the future: not this run's
}

constexpr int64_t kNow = 1'795'000'000 * kS;
const char* const kBootId = "0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4e";

TrustEvidence record(const char* source, int64_t age_ns, const char* boot = kBootId) {
  TrustEvidence e;
  e.state_known = true;
  e.state_source = source;
  e.state_last_sync_ns = kNow - age_ns;
  e.state_boot = {boot, 3600 * kS - age_ns};
  e.this_boot = {kBootId, 3600 * kS};
  return e;
}

TEST(CameraWatch, APhoneHoldsTheClockWhileItsRecordCounts) {
  const int64_t max_age = 1800 * kS;
  EXPECT_TRUE(phone_holds_clock(record("phone", 600 * kS), kNow, max_age));
  EXPECT_FALSE(phone_holds_clock(record("phone", 1801 * kS), kNow, max_age));  // lapsed: the page is gone
  EXPECT_FALSE(phone_holds_clock(record("ntp:192.168.4.1", 60 * kS), kNow, max_age));
  EXPECT_FALSE(phone_holds_clock(record("rtc", 60 * kS), kNow, max_age));
  EXPECT_FALSE(
      phone_holds_clock(record("phone", 60 * kS, "7c9d8e1f-2a3b-4c5d-9e6f-a0b1c2d3e4f5"), kNow, max_age));
  EXPECT_FALSE(phone_holds_clock(TrustEvidence{}, kNow, max_age));
}

TEST(CameraWatch, APhoneSyncedAfterTheRequestBeforeTheRunLooked) {
  const int64_t requested = kNow - 2 * kS;
  EXPECT_TRUE(phone_synced_after(record("phone", 1 * kS), requested));   // the page was quick
  EXPECT_TRUE(phone_synced_after(record("phone", 2 * kS), requested));   // the same instant
  EXPECT_FALSE(phone_synced_after(record("phone", 3 * kS), requested));  // before the camera appeared
  EXPECT_FALSE(phone_synced_after(record("ntp:10.0.0.1", 0), requested));
  EXPECT_FALSE(phone_synced_after(record("phone", 0, "7c9d8e1f-2a3b-4c5d-9e6f-a0b1c2d3e4f5"), requested));
  EXPECT_FALSE(phone_synced_after(TrustEvidence{}, requested));
}

TEST(CameraWatch, APhoneSyncedWhenItsRecordChanged) {
  TrustEvidence before = record("phone", 600 * kS);
  EXPECT_FALSE(phone_synced_since(before, before));
  EXPECT_TRUE(phone_synced_since(before, record("phone", 0)));           // its verification
  EXPECT_FALSE(phone_synced_since(before, record("ntp:10.0.0.1", 0)));   // not a phone
  EXPECT_TRUE(phone_synced_since(TrustEvidence{}, record("phone", 0)));  // the first record
  TrustEvidence gone;
  EXPECT_FALSE(phone_synced_since(before, gone));
  // A set stepped the clock back: the wall time is older, the record is new all the same.
  TrustEvidence stepped = record("phone", 700 * kS);
  stepped.state_boot.boot_time_ns = 3600 * kS;
  EXPECT_TRUE(phone_synced_since(before, stepped));
}

}  // namespace
}  // namespace lansync::core
