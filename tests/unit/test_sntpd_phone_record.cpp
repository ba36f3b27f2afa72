// Unit tests of what sntpd keeps of the phones' requests (tools/sntpd/phone_record, activity):
// counts, the last attempts, and which requests reach the activity log and as what lines.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../support/fake_clock.hpp"
#include "../support/temp_dir.hpp"
#include "os/file.hpp"
#include "os/file_activity_log.hpp"
#include "status/activity.hpp"
#include "web/phone_record.hpp"

namespace lansync::sntpd {
namespace {

using core::PhoneOutcome;
using core::PhoneRefusal;

os::web::SetRequest request(const std::string& client) {
  os::web::SetRequest r;
  r.client = client;
  r.trigger = "auto";
  r.user_agent = "Mozilla/5.0 (iPhone)";
  return r;
}

proto::PhoneMeasurement measured(int64_t correction_ns, int64_t uncertainty_ns) {
  proto::PhoneMeasurement m;
  m.correction_ns = correction_ns;
  m.uncertainty_ns = uncertainty_ns;
  m.delay_ns = 2 * uncertainty_ns;
  return m;
}

// The activity log's lines, parsed.
std::vector<nlohmann::json> lines(const std::string& path) {
  std::vector<nlohmann::json> out;
  auto text = os::read_small_file(path, 1 << 20);
  if (!text) return out;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

struct PhoneRecordTest : ::testing::Test {
  lansync::testing::TempDir dir;
  std::string path = (dir.path() / "activity.jsonl").string();
  lansync::testing::FakeClock clock{1'795'000'000'000'000'000};
  PhoneRecord record{clock, path};
};

TEST_F(PhoneRecordTest, RefusalsBeforeTheAccessCheckAreCountedButNotInTheHistory) {
  // Anyone on the LAN can send these in a loop: counted, never written.
  for (PhoneRefusal r :
       {PhoneRefusal::NotEnabled, PhoneRefusal::CrossSite, PhoneRefusal::NotJson, PhoneRefusal::NotAllowed}) {
    record.attempt(request("192.168.4.7"), PhoneOutcome::Refused, r, "no", std::nullopt);
  }
  record.attempt(request("192.168.4.7"), PhoneOutcome::Refused, PhoneRefusal::Reused, "used once",
                 std::nullopt);
  auto written = lines(path);
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0]["event"], "phone_set");
  EXPECT_EQ(written[0]["result"], "refused");
  EXPECT_EQ(written[0]["reason"], "reused");
  HttpSnapshot h;
  record.report(h);
  EXPECT_EQ(h.refused_total(), 5u);
  EXPECT_EQ(h.refused[static_cast<size_t>(PhoneRefusal::CrossSite)], 1u);
  ASSERT_TRUE(h.last_refusal);
  EXPECT_EQ(h.last_refusal->reason, "reused");
  EXPECT_FALSE(h.last_set);
}

TEST_F(PhoneRecordTest, ASetCarriesItsStepAndLocationARefusalNoLocation) {
  os::web::SetRequest r = request("192.168.4.7");
  r.trigger = "button";
  r.time_zone = "Australia/Sydney";
  r.location = core::PhoneLocation{-338'688'000, 1'512'093'000, 1'200, 1'795'000'000};
  record.attempt(r, PhoneOutcome::Set, PhoneRefusal::None, "stepped", measured(4'998'951'771, 4'746'037));
  record.attempt(r, PhoneOutcome::Refused, PhoneRefusal::FresherReference, "fresher", measured(5, 1));
  auto written = lines(path);
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0]["result"], "set");
  EXPECT_EQ(written[0]["reason"], "none");
  EXPECT_EQ(written[0]["trigger"], "button");
  EXPECT_EQ(written[0]["time_zone"], "Australia/Sydney");
  EXPECT_DOUBLE_EQ(written[0]["offset_s"].get<double>(), 4.998951771);
  EXPECT_DOUBLE_EQ(written[0]["location"]["lat"].get<double>(), -33.8688);
  EXPECT_DOUBLE_EQ(written[0]["location"]["accuracy_m"].get<double>(), 12.0);
  EXPECT_FALSE(written[1].contains("location"));
  EXPECT_EQ(written[1]["reason"], "fresher_reference");
  HttpSnapshot h;
  record.report(h);
  EXPECT_EQ(h.sets, 1u);
  EXPECT_EQ(h.verifications, 0u);
  ASSERT_TRUE(h.last_set);
  EXPECT_EQ(h.last_set->time_utc, written[0]["time"]);
}

TEST_F(PhoneRecordTest, AVerificationIsCountedApart) {
  record.attempt(request("10.0.0.2"), PhoneOutcome::Verified, PhoneRefusal::None, "agree", measured(-3, 2));
  HttpSnapshot h;
  record.report(h);
  EXPECT_EQ(h.sets, 0u);
  EXPECT_EQ(h.verifications, 1u);
  ASSERT_TRUE(h.last_verification);
  EXPECT_EQ(h.last_verification->result, "verified");
}

TEST_F(PhoneRecordTest, AnUnknownTriggerAndBadUtf8AreRecordedSafely) {
  os::web::SetRequest r = request("10.0.0.2");
  r.trigger = "script";
  r.user_agent = "bad \xff\xfe bytes";
  record.attempt(r, PhoneOutcome::Refused, PhoneRefusal::BadToken, "forged", std::nullopt);
  auto written = lines(path);
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0]["trigger"], "other");
  EXPECT_EQ(written[0]["user_agent"], "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
  EXPECT_TRUE(written[0]["offset_s"].is_null());
}

TEST_F(PhoneRecordTest, CameraRequests) {
  record.camera_request(request("192.168.4.7"), PhoneRefusal::None, "camsync asked to run");
  record.camera_request(request("192.168.4.7"), PhoneRefusal::NotReliable, "unreliable");
  record.camera_request(request("192.168.4.7"), PhoneRefusal::NotAllowed, "not this device");
  auto written = lines(path);
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0]["event"], "camera_request");
  EXPECT_EQ(written[0]["result"], "requested");
  EXPECT_EQ(written[0]["reason"], "none");
  EXPECT_EQ(written[1]["result"], "refused");
  EXPECT_EQ(written[1]["reason"], "not_reliable");
  HttpSnapshot h;
  record.report(h);
  EXPECT_EQ(h.refused_total(), 2u);
}

TEST(ActivityLines, NoPathWritesNothingAndAFailureIsSurvived) {
  ActivityLog none("");
  none.append(nlohmann::ordered_json{{"event", "x"}});  // nothing to check but that it returns
  lansync::testing::TempDir dir;
  std::string file = (dir.path() / "plain").string();
  ASSERT_TRUE(os::append_log_line(file, "x").ok());
  ActivityLog under_a_file(file + "/activity.jsonl");
  under_a_file.append(nlohmann::ordered_json{{"event", "x"}});
  under_a_file.append(nlohmann::ordered_json{{"event", "y"}});
  auto text = os::read_small_file(file, 4096);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "x\n");
}

TEST(ActivityLines, Reliability) {
  core::ReliabilityEvent e;
  e.kind = core::ReliabilityEventKind::BecameUnreliable;
  e.why = "the sync-state record is 31 min old";
  nlohmann::ordered_json j = reliability_line(e, "2026-11-25T00:00:00Z", 3600'000'000'000);
  EXPECT_EQ(j["event"], "became_unreliable");
  EXPECT_EQ(j["detail"], e.why);
  EXPECT_TRUE(j["without_phone_s"].is_null());
  EXPECT_NE(j["message"].get<std::string>().find(e.why), std::string::npos);
  e.kind = core::ReliabilityEventKind::ClientBack;
  e.without_phone_ns = 90'000'000'000;
  j = reliability_line(e, "2026-11-25T00:00:00Z", 3600'000'000'000);
  EXPECT_EQ(j["event"], "client_back");
  EXPECT_DOUBLE_EQ(j["without_phone_s"].get<double>(), 90.0);
  EXPECT_TRUE(j["detail"].is_null());
}

}  // namespace
}  // namespace lansync::sntpd
