// Unit tests of the sync-state file: format, validation, atomic replacement (os/file_sync_state).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "../support/temp_dir.hpp"
#include "os/clock_boot.hpp"
#include "os/file_sync_state.hpp"

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

// A phone's verification records its zone; a record without one has none.
TEST(SyncState, TheTimeZoneRoundTrips) {
  testing::TempDir dir;
  std::string path = dir.path() / "state.json";
  SyncState s{.last_sync_unix = 1795000000.5, .source = "phone", .offset_s = 0.012};
  s.action = "verified";
  s.time_zone = "Australia/Sydney";
  ASSERT_TRUE(write_sync_state(path, s).ok());
  auto r = read_sync_state(path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r->action, "verified");
  EXPECT_EQ(*r->time_zone, "Australia/Sydney");
  EXPECT_NE(format_sync_state(s).find(R"("time_zone":"Australia/Sydney")"), std::string::npos);
  s.time_zone.reset();
  EXPECT_EQ(format_sync_state(s).find("time_zone"), std::string::npos);
  EXPECT_FALSE(parse_sync_state(format_sync_state(s), "f")->time_zone.has_value());
}

// The zone is where the machine is: a writer that knows none (the RTC, an NTP
// server) keeps the one recorded; a phone's new zone replaces it.
TEST(SyncState, AWriterWithoutAZoneKeepsTheRecordedOne) {
  testing::TempDir dir;
  std::string path = dir.path() / "state.json";
  SyncState phone{.last_sync_unix = 1795000000, .source = "phone"};
  phone.time_zone = "America/Santiago";
  ASSERT_TRUE(write_sync_state(path, phone).ok());
  SyncState rtc{.last_sync_unix = 1795000100, .source = "rtc"};
  ASSERT_TRUE(write_sync_state(path, rtc).ok());
  auto r = read_sync_state(path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->source, "rtc");
  EXPECT_EQ(*r->time_zone, "America/Santiago");
  phone.time_zone = "Europe/Berlin";
  ASSERT_TRUE(write_sync_state(path, phone).ok());
  EXPECT_EQ(*read_sync_state(path)->time_zone, "Europe/Berlin");
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
       "f: field 'last_sync_unix' must be from 0 to 9e9"},
      {R"({"last_sync_unix":1e300,"source":"rtc","offset_s":0})",
       "f: field 'last_sync_unix' must be from 0 to 9e9"},
      {R"({"last_sync_unix":5,"offset_s":0})", "f: missing field 'source'"},
      {R"({"last_sync_unix":5,"source":"","offset_s":0})",
       "f: field 'source' must be a non-empty string of at most 128 printable characters"},
      {R"({"last_sync_unix":5,"source":"phone\nREADY=1","offset_s":0})",
       "f: field 'source' must be a non-empty string of at most 128 printable characters"},
      {R"({"last_sync_unix":5,"source":"rtc","offset_s":0,"uncertainty_s":-1})",
       "f: field 'uncertainty_s' must be from 0 to 9e9"},
      {R"({"last_sync_unix":5,"source":"rtc"})", "f: missing field 'offset_s'"},
      {R"({"last_sync_unix":5,"source":"rtc","offset_s":0,"action":3})",
       "f: field 'action' must be a string"},
      {R"({"last_sync_unix":5,"source":"rtc","offset_s":0,"boot_id":"0b4e1c2d"})",
       "f: field 'boot_id' must be a boot id (a UUID of 36 characters)"},
      {R"({"last_sync_unix":5,"source":"rtc","offset_s":0,"boot_id":7})",
       "f: field 'boot_id' must be a boot id (a UUID of 36 characters)"},
      {R"({"last_sync_unix":5,"source":"rtc","offset_s":0,"boot_id":"0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4e","boot_time_s":-1})",
       "f: field 'boot_time_s' must be a number of seconds, from 0 to 9e9"},
      {R"({"last_sync_unix":5,"source":"rtc","offset_s":0,"boot_id":"0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4e","boot_time_s":1e19})",
       "f: field 'boot_time_s' must be a number of seconds, from 0 to 9e9"},
      {R"({"last_sync_unix":5,"source":"phone","offset_s":0,"time_zone":"../../etc/passwd"})",
       "f: field 'time_zone' must be a tz database name such as \"Europe/Berlin\""},
      {R"({"last_sync_unix":5,"source":"phone","offset_s":0,"time_zone":2})",
       "f: field 'time_zone' must be a tz database name such as \"Europe/Berlin\""},
  };
  for (const Case& c : cases) {
    auto r = parse_sync_state(c.text, "f");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().message, c.message) << c.text;
  }
}

TEST(SyncState, RecordsNameTheirBoot) {
  testing::TempDir dir;
  std::string path = dir.path() / "state.json";
  SyncState s{.last_sync_unix = 1795000000.5, .source = "phone", .offset_s = 5};
  stamp_boot(s, {"0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4e", 1234'500'000'000});
  ASSERT_TRUE(write_sync_state(path, s).ok());
  auto r = read_sync_state(path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->boot_id, "0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4e");
  EXPECT_DOUBLE_EQ(*r->boot_time_s, 1234.5);
  core::BootStamp b = boot_of(*r);
  EXPECT_EQ(b.boot_id, s.boot_id);
  EXPECT_EQ(*b.boot_time_ns, 1234'500'000'000);
}

TEST(SyncState, AnUnstampedRecordIsStampedWithThisBoot) {
  auto boot = read_boot_stamp();
  ASSERT_TRUE(boot.ok()) << boot.error().message;
  testing::TempDir dir;
  std::string path = dir.path() / "state.json";
  ASSERT_TRUE(write_sync_state(path, {.last_sync_unix = 1.0, .source = "rtc"}).ok());
  auto r = read_sync_state(path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->boot_id, boot->boot_id);
  ASSERT_TRUE(r->boot_time_s.has_value());
  EXPECT_GE(*r->boot_time_s * 1e9, static_cast<double>(*boot->boot_time_ns) - 1e6);
}

TEST(SyncState, RecordsWithoutABootStillParse) {
  auto r = parse_sync_state(R"({"last_sync_unix": 1795000000, "source": "phone", "offset_s": 3.5})", "x");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->boot_id.empty());
  EXPECT_FALSE(boot_of(*r).boot_time_ns.has_value());
}

TEST(BootStamp, ReadsTheKernelsBootIdAndBootClock) {
  auto b = read_boot_stamp();
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_TRUE(core::valid_boot_id(b->boot_id));
  EXPECT_GT(*b->boot_time_ns, 0);
  EXPECT_LE(*b->boot_time_ns, boottime_ns());
}

TEST(BootStamp, ReadsAnotherFileAndRefusesWhatIsNoUuid) {
  testing::TempDir dir;
  fs::path id = dir.path() / "boot_id";
  write_text(id, "0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4e\n");
  auto b = read_boot_stamp(id);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->boot_id, "0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4e");
  write_text(id, "hello\n");
  auto bad = read_boot_stamp(id);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, id.string() + ": not a boot id (a UUID of 36 characters)");
  EXPECT_FALSE(read_boot_stamp(dir.path() / "none").ok());
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
  // The error names the file replaced, not the temporary file already removed.
  EXPECT_EQ(st.error().message, "cannot write " + path.string() + ": File too large");
  EXPECT_EQ(read_sync_state(path)->source, "rtc");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

// A crash or a power cut between the temporary file's creation and its rename leaves it; the
// next write of the same file removes those whose writer has ended, and no other.
TEST(SyncState, AWriteRemovesTheTemporariesOfEndedWriters) {
  testing::TempDir dir;
  fs::path path = dir.path() / "state.json";
  pid_t ended = ::fork();
  if (ended == 0) ::_exit(0);
  ASSERT_GT(ended, 0);
  ::waitpid(ended, nullptr, 0);
  auto touch = [&](const std::string& name) { std::ofstream(dir.path() / name) << "{\"last"; };
  std::string dead = "state.json.tmp." + std::to_string(ended) + ".aB3xYz";
  std::string alive = "state.json.tmp." + std::to_string(::getppid()) + ".aB3xYz";
  touch(dead);
  touch(alive);
  touch("state.json.tmp.Qw3rTy");                                // no PID: not ours to judge
  touch("other.json.tmp." + std::to_string(ended) + ".aB3xYz");  // another file's
  ASSERT_TRUE(write_sync_state(path, SyncState{.last_sync_unix = 1.0, .source = "rtc"}).ok());
  EXPECT_FALSE(fs::exists(dir.path() / dead));
  EXPECT_TRUE(fs::exists(dir.path() / alive));
  EXPECT_TRUE(fs::exists(dir.path() / "state.json.tmp.Qw3rTy"));
  EXPECT_TRUE(fs::exists(dir.path() / ("other.json.tmp." + std::to_string(ended) + ".aB3xYz")));
  EXPECT_EQ(read_sync_state(path)->source, "rtc");
}

}  // namespace
}  // namespace lansync::os
