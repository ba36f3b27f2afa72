// Unit tests of the activity log (os/file_activity_log): appending lines.
#include <gtest/gtest.h>

#include <string>

#include "../support/temp_dir.hpp"
#include "os/file.hpp"
#include "os/file_activity_log.hpp"

namespace lansync::os {
namespace {

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
