// Unit tests of the sync-state file: format, validation, atomic replacement (os/sync_state).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "../support/temp_dir.hpp"
#include "os/sync_state.hpp"

namespace lansync::os {
namespace {

namespace fs = std::filesystem;

void write_text(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

TEST(SyncState, WriteThenReadRoundTrips) {
  testing::TempDir dir;
  std::string path = dir.path() / "state.json";
  SyncState s;
  s.last_sync_unix = 1795000000.123456;
  s.source = "ntp:192.168.4.1";
  s.offset_s = -0.00125;
  s.uncertainty_s = 0.0004;
  s.action = "slew";
  ASSERT_TRUE(write_sync_state(path, s).ok());
  auto r = read_sync_state(path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->last_sync_unix, s.last_sync_unix);
  EXPECT_EQ(r->source, "ntp:192.168.4.1");
  EXPECT_DOUBLE_EQ(r->offset_s, -0.00125);
  EXPECT_DOUBLE_EQ(*r->uncertainty_s, 0.0004);
  EXPECT_EQ(*r->action, "slew");
}

TEST(SyncState, CreatesMissingDirectoriesAndLeavesNoTemporaryFiles) {
  testing::TempDir dir;
  fs::path path = dir.path() / "var" / "lib" / "lansync" / "sync-state.json";
  SyncState s{.last_sync_unix = 1.0, .source = "rtc"};
  ASSERT_TRUE(write_sync_state(path, s).ok());
  ASSERT_TRUE(write_sync_state(path, s).ok());  // replaces
  int files = 0;
  for (const auto& e : fs::directory_iterator(path.parent_path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(SyncState, OtherScriptsMayWriteIt) {
  // Minimal record in the documented format, with extra fields we do not know.
  auto r = parse_sync_state(R"({"last_sync_unix": 1795000000, "source": "phone", "offset_s": 3.5,
                                "by": "my-script", "note": [1,2]})",
                            "x");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->source, "phone");
  EXPECT_FALSE(r->uncertainty_s.has_value());
}

TEST(SyncState, BadRecordsGiveOneLineErrorsNamingTheProblem) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "f: not valid JSON"},
      {"{\"last_sync_unix\": 1", "f: not valid JSON"},
      {"[1,2]", "f: expected a JSON object"},
      {R"({"source":"rtc","offset_s":0})", "f: missing field 'last_sync_unix'"},
      {R"({"last_sync_unix":"yesterday","source":"rtc","offset_s":0})",
       "f: field 'last_sync_unix' must be a number"},
      {R"({"last_sync_unix":-5,"source":"rtc","offset_s":0})",
       "f: field 'last_sync_unix' must not be negative"},
      {R"({"last_sync_unix":5,"offset_s":0})", "f: missing field 'source'"},
      {R"({"last_sync_unix":5,"source":"","offset_s":0})", "f: field 'source' must be a non-empty string"},
      {R"({"last_sync_unix":5,"source":"rtc"})", "f: missing field 'offset_s'"},
      {R"({"last_sync_unix":5,"source":"rtc","offset_s":0,"action":3})",
       "f: field 'action' must be a string"},
  };
  for (const Case& c : cases) {
    auto r = parse_sync_state(c.text, "f");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().message, c.message) << c.text;
  }
}

TEST(SyncState, MissingAndOversizedFilesAreErrors) {
  testing::TempDir dir;
  auto missing = read_sync_state(dir.path() / "nope.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("No such file"), std::string::npos);
  fs::path big = dir.path() / "big.json";
  write_text(big, std::string(100'000, ' '));
  auto r = read_sync_state(big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, std::errc::file_too_large);
}

TEST(SyncState, FailedWriteKeepsTheOldFileAndLeavesNoTemporary) {
  testing::TempDir dir;
  fs::path path = dir.path() / "state.json";
  SyncState s{.last_sync_unix = 1.0, .source = "rtc"};
  ASSERT_TRUE(write_sync_state(path, s).ok());
  // A file-size limit below the record makes the write fail even for root,
  // as a full disk would.
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit tiny = old;
  tiny.rlim_cur = 10;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tiny), 0);
  s.source = "phone";
  Status st = write_sync_state(path, s);
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(read_sync_state(path)->source, "rtc");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

}  // namespace
}  // namespace lansync::os
