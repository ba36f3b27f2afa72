// Unit tests of the activity log (os/activity_log): the time format and appending lines.
#include <gtest/gtest.h>

#include <string>

#include "../support/temp_dir.hpp"
#include "os/activity_log.hpp"
#include "os/file.hpp"

namespace lansync::os {
namespace {

TEST(ActivityLog, Iso8601Utc) {
  EXPECT_EQ(utc_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(utc_iso8601(1'784'116'800'123'999'999), "2026-07-15T12:00:00.123Z");
  EXPECT_EQ(utc_iso8601(-1'000'000), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(utc_iso8601(951'782'400'000'000'000), "2000-02-29T00:00:00.000Z");
}

TEST(ActivityLog, AppendsLinesCreatingTheDirectory) {
  lansync::testing::TempDir dir;
  std::string path = (dir.path() / "a" / "b" / "camsync.jsonl").string();
  ASSERT_TRUE(append_log_line(path, R"({"run":1})").ok());
  ASSERT_TRUE(append_log_line(path, R"({"run":2})").ok());
  auto text = read_small_file(path, 4096);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "{\"run\":1}\n{\"run\":2}\n");
}

TEST(ActivityLog, SaysWhyItCannotWrite) {
  lansync::testing::TempDir dir;
  std::string file = (dir.path() / "plain").string();
  ASSERT_TRUE(append_log_line(file, "x").ok());
  auto st = append_log_line(file + "/under-a-file.jsonl", "x");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find(file), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace lansync::os
