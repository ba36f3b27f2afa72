// Unit tests of the camera-state file camsync writes and sntpd reads: format,
// validation, bounded reads, atomic replacement (os/camera_state).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../support/temp_dir.hpp"
#include "os/camera_state.hpp"

namespace lansync::os {
namespace {

namespace fs = std::filesystem;

TEST(CameraState, WriteThenReadRoundTrips) {
  testing::TempDir dir;
  std::string path = dir.path() / "lib" / "camera-state.json";
  CameraState s;
  s.last_run_unix = 1795000000.25;
  s.result = CameraResult::Set;
  s.offset_before_s = -4.999;
  s.offset_after_s = 0.0004;
  s.camera = "http://192.168.4.20:8080";
  s.message = "camera set to Sun, 22 Nov 2026 23:01:14 +1000 dst (was -4.999 s off)";
  ASSERT_TRUE(write_camera_state(path, s).ok());
  auto r = read_camera_state(path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->last_run_unix, 1795000000.25);
  EXPECT_EQ(r->result, CameraResult::Set);
  EXPECT_DOUBLE_EQ(*r->offset_before_s, -4.999);
  EXPECT_DOUBLE_EQ(*r->offset_after_s, 0.0004);
  EXPECT_EQ(r->camera, s.camera);
  EXPECT_EQ(r->message, s.message);
  EXPECT_FALSE(r->retry_unix.has_value());
  int files = 0;
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);  // no temporary file left
}

// Unknown offsets are null, and the file is one line of JSON.
TEST(CameraState, UnknownOffsetsAreNull) {
  CameraState s;
  s.last_run_unix = 1795000000;
  s.result = CameraResult::Refused;
  s.message = "not setting the camera: the clock was last set or verified 2 h 13 min ago";
  std::string text = format_camera_state(s);
  EXPECT_EQ(
      text,
      R"({"last_run_unix":1795000000.0,"result":"refused","offset_before_s":null,"offset_after_s":null,)"
      R"("camera":null,"message":"not setting the camera: the clock was last set or verified 2 h 13 min ago"})"
      "\n");
  auto r = parse_camera_state(text, "f");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->offset_before_s.has_value());
  EXPECT_FALSE(r->offset_after_s.has_value());
  EXPECT_TRUE(r->camera.empty());
  for (CameraResult c : {CameraResult::Set, CameraResult::Ok, CameraResult::Refused, CameraResult::Failed}) {
    s.result = c;
    EXPECT_EQ(parse_camera_state(format_camera_state(s), "f")->result, c) << code(c);
  }
}

// A message of several lines, or too long, is written as one bounded line.
TEST(CameraState, MessagesAreWrittenAsOneBoundedLine) {
  CameraState s;
  s.message = "first\nsecond" + std::string(5000, 'x');
  auto r = parse_camera_state(format_camera_state(s), "f");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->message.find('\n'), std::string::npos);
  EXPECT_EQ(r->message.substr(0, 12), "first second");
  EXPECT_LE(r->message.size(), 1024u);
}

// After a failure, camsync --retry-interval records when it runs next: written
// last, read back; a file without it (an older camsync, or no option) is valid.
TEST(CameraState, RetryTimeIsOptional) {
  CameraState s;
  s.last_run_unix = 1795000000.25;
  s.message = "camera busy (503)";
  s.retry_unix = 1795000900;
  std::string text = format_camera_state(s);
  EXPECT_EQ(
      text,
      R"({"last_run_unix":1795000000.25,"result":"failed","offset_before_s":null,"offset_after_s":null,)"
      R"x("camera":null,"message":"camera busy (503)","retry_unix":1795000900})x"
      "\n");
  auto r = parse_camera_state(text, "f");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->retry_unix, 1795000900);
  s.retry_unix.reset();
  EXPECT_EQ(format_camera_state(s).find("retry_unix"), std::string::npos);
  r = parse_camera_state(R"x({"last_run_unix":5,"result":"failed","message":"camera busy (503)"})x", "f");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->retry_unix.has_value());
  r = parse_camera_state(R"({"last_run_unix":5,"result":"failed","retry_unix":null})", "f");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->retry_unix.has_value());
}

// A run that answered a camera's appearance says when it appeared, the order, and when the phone synced.
TEST(CameraState, TheOrderOfACameraAppearance) {
  CameraState s;
  s.last_run_unix = 1795384880.5;
  s.result = CameraResult::Set;
  s.message = "m";
  s.camera_appeared_unix_ms = 1795384876579;
  s.order = SyncOrder::PhoneThenCamera;
  s.phone_sync_unix = 1795384879.25;
  std::string text = format_camera_state(s);
  EXPECT_NE(text.find(R"("message":"m","camera_appeared_unix_ms":1795384876579,"order":"phone_then_camera",)"
                      R"("phone_sync_unix":1795384879.25})"),
            std::string::npos)
      << text;
  auto r = parse_camera_state(text, "f");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->camera_appeared_unix_ms, 1795384876579);
  EXPECT_EQ(r->order, SyncOrder::PhoneThenCamera);
  EXPECT_DOUBLE_EQ(*r->phone_sync_unix, 1795384879.25);
  s.order = SyncOrder::CameraOnly;
  s.phone_sync_unix.reset();
  text = format_camera_state(s);
  EXPECT_NE(text.find(R"("order":"camera_only","phone_sync_unix":null})"), std::string::npos) << text;
  EXPECT_EQ(parse_camera_state(text, "f")->order, SyncOrder::CameraOnly);
  // Other runs have none of the three.
  s.camera_appeared_unix_ms.reset();
  EXPECT_EQ(format_camera_state(s).find("order"), std::string::npos);
  for (const char* bad : {R"({"last_run_unix":5,"result":"ok","order":"camera_first"})",
                          R"({"last_run_unix":5,"result":"ok","camera_appeared_unix_ms":1.5})",
                          R"({"last_run_unix":5,"result":"ok","phone_sync_unix":"soon"})"}) {
    EXPECT_FALSE(parse_camera_state(bad, "f").ok()) << bad;
  }
  EXPECT_EQ(parse_camera_state(R"({"last_run_unix":5,"result":"ok","order":7})", "f").error().message,
            "f: field 'order' must be phone_then_camera, camera_only or null");
}

TEST(CameraState, BadFilesGiveOneLineErrors) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "f: not valid JSON"},
      {"[]", "f: expected a JSON object"},
      {R"({"result":"ok"})", "f: missing field 'last_run_unix'"},
      {R"({"last_run_unix":-1,"result":"ok"})", "f: field 'last_run_unix' must be a number from 0 to 9e9"},
      {R"({"last_run_unix":"now","result":"ok"})", "f: field 'last_run_unix' must be a number from 0 to 9e9"},
      {R"({"last_run_unix":5})", "f: missing field 'result'"},
      {R"({"last_run_unix":5,"result":"great"})",
       "f: field 'result' must be one of set, ok, refused, failed"},
      {R"({"last_run_unix":5,"result":7})", "f: field 'result' must be one of set, ok, refused, failed"},
      {R"({"last_run_unix":5,"result":"ok","offset_before_s":"-5"})",
       "f: field 'offset_before_s' must be a number of seconds within 9e9, or null"},
      {R"({"last_run_unix":5,"result":"ok","offset_after_s":1e300})",
       "f: field 'offset_after_s' must be a number of seconds within 9e9, or null"},
      {R"({"last_run_unix":5,"result":"ok","message":"a\nb"})",
       "f: field 'message' must be one line of at most 1024 characters"},
      {R"({"last_run_unix":5,"result":"ok","camera":3})",
       "f: field 'camera' must be one line of at most 256 characters"},
      {R"({"last_run_unix":5,"result":"failed","retry_unix":"12:15"})",
       "f: field 'retry_unix' must be a whole number of seconds from 0 to 9e9, or null"},
      {R"({"last_run_unix":5,"result":"failed","retry_unix":905.5})",
       "f: field 'retry_unix' must be a whole number of seconds from 0 to 9e9, or null"},
      {R"({"last_run_unix":5,"result":"failed","retry_unix":-1})",
       "f: field 'retry_unix' must be a whole number of seconds from 0 to 9e9, or null"},
      {R"({"last_run_unix":5,"result":"failed","retry_unix":9000000000})",
       "f: field 'retry_unix' must be a whole number of seconds from 0 to 9e9, or null"},
      {R"({"last_run_unix":5,"result":"failed","retry_unix":18446744073709551615})",
       "f: field 'retry_unix' must be a whole number of seconds from 0 to 9e9, or null"},
  };
  for (const Case& c : cases) {
    auto r = parse_camera_state(c.text, "f");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().message, c.message) << c.text;
  }
  // Only the required fields: a script's minimal record.
  auto r = parse_camera_state(R"({"last_run_unix":5,"result":"failed","extra":[1]})", "f");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->result, CameraResult::Failed);
}

TEST(CameraState, MissingAndOversizedFilesAreErrors) {
  testing::TempDir dir;
  auto missing = read_camera_state(dir.path() / "none.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, std::errc::no_such_file_or_directory);
  fs::path big = dir.path() / "big.json";
  std::ofstream(big) << std::string(kMaxCameraStateBytes + 1, ' ');
  auto r = read_camera_state(big);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(big.string()), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace lansync::os
