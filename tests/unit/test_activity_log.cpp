// Unit tests of the activity log (os/file_activity_log): appending lines.
#include <gtest/gtest.h>

#include <fstream>
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

// Writes text as the whole file, as a power cut during an append can leave it.
void leave(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string contents(const std::string& path) {
  auto text = read_small_file(path, 1 << 20);
  return text.ok() ? *text : "(unreadable)";
}

TEST(ActivityLog, CutsOffALineAPowerCutTore) {
  lansync::testing::TempDir dir;
  std::string path = (dir.path() / "camsync.jsonl").string();
  leave(path, "{\"run\":1}\n{\"run\":2,\"resu");
  ASSERT_TRUE(append_log_line(path, R"({"run":3})").ok());
  EXPECT_EQ(contents(path), "{\"run\":1}\n{\"run\":3}\n");
}

TEST(ActivityLog, ATornFirstLineLeavesAnEmptyLog) {
  lansync::testing::TempDir dir;
  std::string path = (dir.path() / "camsync.jsonl").string();
  leave(path, "{\"run\":1,");
  ASSERT_TRUE(append_log_line(path, R"({"run":2})").ok());
  EXPECT_EQ(contents(path), "{\"run\":2}\n");
}

TEST(ActivityLog, ATornTailWithNoNewlineNearStartsANewLine) {
  lansync::testing::TempDir dir;
  std::string path = (dir.path() / "camsync.jsonl").string();
  std::string older = "{\"run\":1}\n" + std::string(70 * 1024, 'x');  // no newline in the last 64 KiB
  leave(path, older);
  ASSERT_TRUE(append_log_line(path, R"({"run":2})").ok());
  EXPECT_EQ(contents(path), older + "\n{\"run\":2}\n");
}

}  // namespace
}  // namespace lansync::os
