// Unit tests of the camera-request file that sntpd's POST /sync-camera and camsync --watch write and
// camsync and sntpd read (os/camera_request): format, the page's default reason, validation, bounds.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../support/temp_dir.hpp"
#include "os/camera_request.hpp"

namespace lansync::os {
namespace {

TEST(CameraRequest, WriteThenReadRoundTrips) {
  testing::TempDir dir;
  std::string path = dir.path() / "lib" / "camera-request";
  CameraRequest r;
  r.requested_unix_ms = 1795384876579;
  r.client = "192.168.4.20";
  r.reason = core::WatchReason::Appeared;
  EXPECT_EQ(format_camera_request(r),
            R"({"requested_unix_ms":1795384876579,"client":"192.168.4.20","reason":"camera_appeared"})"
            "\n");
  ASSERT_TRUE(write_camera_request(path, r).ok());
  auto back = read_camera_request(path);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->requested_unix_ms, r.requested_unix_ms);
  EXPECT_EQ(back->client, r.client);
  EXPECT_EQ(back->reason, core::WatchReason::Appeared);
  r.reason = core::WatchReason::Answered;
  EXPECT_EQ(parse_camera_request(format_camera_request(r), "f")->reason, core::WatchReason::Answered);
}

// A page's request says "page"; an older sntpd's file, without a reason, is a page's too.
TEST(CameraRequest, APageRequestIsTheDefault) {
  CameraRequest r;
  r.requested_unix_ms = 5;
  r.client = "192.168.4.2";
  EXPECT_EQ(format_camera_request(r), R"({"requested_unix_ms":5,"client":"192.168.4.2","reason":"page"})"
                                      "\n");
  auto old = parse_camera_request(R"({"requested_unix_ms":1795384876579,"client":"192.168.4.2"})", "f");
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_EQ(old->reason, core::WatchReason::None);
}

TEST(CameraRequest, BadFilesGiveOneLineErrors) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "f: expected a JSON object"},
      {"[1]", "f: expected a JSON object"},
      {R"({"client":"x"})", "f: field 'requested_unix_ms' must be a whole number of ms from 0 to 9e12"},
      {R"({"requested_unix_ms":-1})",
       "f: field 'requested_unix_ms' must be a whole number of ms from 0 to 9e12"},
      {R"({"requested_unix_ms":1.5})",
       "f: field 'requested_unix_ms' must be a whole number of ms from 0 to 9e12"},
      {R"({"requested_unix_ms":18446744073709551615})",
       "f: field 'requested_unix_ms' must be a whole number of ms from 0 to 9e12"},
      {R"({"requested_unix_ms":5,"client":7})", "f: field 'client' must be a string of at most 256 bytes"},
      {R"({"requested_unix_ms":5,"reason":"camera_exploded"})",
       "f: field 'reason' must be one of page, camera_appeared, camera_answered"},
      {R"({"requested_unix_ms":5,"reason":null})",
       "f: field 'reason' must be one of page, camera_appeared, camera_answered"},
  };
  for (const Case& c : cases) {
    auto r = parse_camera_request(c.text, "f");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().message, c.message) << c.text;
  }
  auto long_client =
      parse_camera_request(R"({"requested_unix_ms":5,"client":")" + std::string(257, 'x') + "\"}", "f");
  EXPECT_FALSE(long_client.ok());
}

TEST(CameraRequest, MissingAndOversizedFilesAreErrors) {
  testing::TempDir dir;
  auto missing = read_camera_request(dir.path() / "none");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, std::errc::no_such_file_or_directory);
  std::filesystem::path big = dir.path() / "big";
  std::ofstream(big) << std::string(kMaxCameraRequestBytes + 1, ' ');
  EXPECT_FALSE(read_camera_request(big).ok());
}

}  // namespace
}  // namespace lansync::os
