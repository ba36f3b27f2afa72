// Tests of the control protocol's request lines (core/control_request): framing and parsing.
#include <gtest/gtest.h>

#include <string>

#include "core/control_request.hpp"

namespace lansync::core {
namespace {

TEST(ControlRequest, ALineInOnePiece) {
  std::string pending;
  EXPECT_EQ(take_control_bytes(pending, "status\n"), ControlLine::Complete);
  EXPECT_EQ(pending, "status");
}

TEST(ControlRequest, ALineByteByByte) {
  std::string pending;
  std::string line = "clients\n";
  for (size_t i = 0; i + 1 < line.size(); ++i) {
    EXPECT_EQ(take_control_bytes(pending, line.substr(i, 1)), ControlLine::Partial) << i;
  }
  EXPECT_EQ(take_control_bytes(pending, "\n"), ControlLine::Complete);
  EXPECT_EQ(pending, "clients");
}

TEST(ControlRequest, WhatFollowsTheNewlineIsDropped) {
  std::string pending = "sta";
  EXPECT_EQ(take_control_bytes(pending, "tus\nclients\n"), ControlLine::Complete);
  EXPECT_EQ(pending, "status");
}

// A line of `length` bytes and its newline.
std::string line_of(size_t length) {
  std::string line(length, 'x');
  line.push_back('\n');
  return line;
}

TEST(ControlRequest, TheBoundExactlyIsALineOneMoreIsNot) {
  std::string pending;
  EXPECT_EQ(take_control_bytes(pending, line_of(kMaxControlRequest)), ControlLine::Complete);
  EXPECT_EQ(pending.size(), kMaxControlRequest);
  pending.clear();
  EXPECT_EQ(take_control_bytes(pending, line_of(kMaxControlRequest + 1)), ControlLine::TooLong);
}

TEST(ControlRequest, NeverKeepsMoreThanTheBound) {
  std::string pending;
  EXPECT_EQ(take_control_bytes(pending, std::string(kMaxControlRequest, 'x')), ControlLine::Partial);
  EXPECT_EQ(take_control_bytes(pending, std::string(1 << 20, 'y')), ControlLine::TooLong);
  EXPECT_EQ(pending.size(), kMaxControlRequest + 1);
  EXPECT_EQ(take_control_bytes(pending, "\n"), ControlLine::TooLong);
}

TEST(ControlRequest, OnlyTheExactWordsNameARequest) {
  EXPECT_EQ(parse_control_request("status"), ControlRequest::Status);
  EXPECT_EQ(parse_control_request("clients"), ControlRequest::Clients);
  EXPECT_EQ(parse_control_request("status text"), ControlRequest::StatusText);
  EXPECT_EQ(parse_control_request("clients text"), ControlRequest::ClientsText);
  EXPECT_STREQ(control_request_line(ControlRequest::StatusText), "status text");
  EXPECT_STREQ(control_request_line(ControlRequest::Unknown), "");
  for (const char* other : {"", "Status", "status\r", " status", "status ", "clients2", "reload",
                            "status  text", "status text ", "text", "status json"}) {
    EXPECT_EQ(parse_control_request(other), ControlRequest::Unknown) << other;
  }
}

}  // namespace
}  // namespace lansync::core
