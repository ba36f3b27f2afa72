// Unit tests of reading driftlog's CSV (core/drift_csv): good files, and every error naming its line.
#include <gtest/gtest.h>

#include "core/drift_csv.hpp"

namespace lansync::core {
namespace {

const char* const kHeader = "time_utc,elapsed_s,source,offset_s,delay_s,status\n";

CsvError error_of(const std::string& text) {
  auto r = parse_drift_csv(text);
  EXPECT_FALSE(r.ok());
  return r.ok() ? CsvError{} : r.error();
}

TEST(DriftCsv, ReadsRowsAndFailedSamples) {
  std::string text = std::string(kHeader) +
                     "2026-03-01T12:00:00.000Z,0.000,rtc:/dev/rtc0,+0.123456789,,ok\n"
                     "2026-03-01T12:01:00.000Z,60.000,rtc:/dev/rtc0,,,error\n"
                     "2026-03-01T12:02:00.000Z,120.000,rtc:/dev/rtc0,-0.5,0.000012,ok\n";
  auto rows = parse_drift_csv(text);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  const DriftRow& a = (*rows)[0];
  EXPECT_EQ(a.line, 2u);
  EXPECT_EQ(a.time_utc, "2026-03-01T12:00:00.000Z");
  EXPECT_EQ(a.source, "rtc:/dev/rtc0");
  EXPECT_DOUBLE_EQ(*a.offset_s, 0.123456789);
  EXPECT_FALSE(a.delay_s.has_value());
  EXPECT_EQ(a.status, "ok");
  EXPECT_FALSE((*rows)[1].offset_s.has_value());
  EXPECT_EQ((*rows)[1].status, "error");
  EXPECT_DOUBLE_EQ(*(*rows)[2].offset_s, -0.5);
  EXPECT_DOUBLE_EQ(*(*rows)[2].delay_s, 0.000012);
  EXPECT_DOUBLE_EQ((*rows)[2].elapsed_s, 120);
}

TEST(DriftCsv, QuotesCrlfBomAndBlankLines) {
  std::string text =
      "\xEF\xBB\xBFtime_utc,elapsed_s,source,offset_s,delay_s,status\r\n"
      "\r\n"
      "t,1,\"cmd:read-rtc --fast, \"\"quiet\"\"\",0.25,,ok\r\n"
      "\n";
  auto rows = parse_drift_csv(text);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].source, "cmd:read-rtc --fast, \"quiet\"");
  EXPECT_EQ((*rows)[0].line, 3u);
}

TEST(DriftCsv, HeaderOnlyIsNoRows) {
  auto rows = parse_drift_csv(kHeader);
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
}

TEST(DriftCsv, ErrorsNameTheLine) {
  CsvError e = error_of("");
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.message, "no header: the file is empty");

  e = error_of("time,offset\n1,2\n");
  EXPECT_EQ(e.line, 1u);
  EXPECT_NE(e.message.find("expected the driftlog header"), std::string::npos) << e.message;

  std::string h = kHeader;
  e = error_of(h + "t,0,rtc:/dev/rtc0,0.1,,ok\nt,60,rtc:/dev/rtc0,0.1,ok\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.message, "expected 6 fields, found 5");

  e = error_of(h + "t,0,rtc:/dev/rtc0,0.1,,ok\nt,60,rtc:/dev/rtc0,abc,,ok\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.message, "offset_s 'abc' is not a number");

  e = error_of(h + "t,x,rtc:/dev/rtc0,0.1,,ok\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.message, "elapsed_s 'x' is not a number");

  e = error_of(h + "t,60,rtc:/dev/rtc0,0.1,,ok\nt,30,rtc:/dev/rtc0,0.1,,ok\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.message, "elapsed_s goes back from 60 to 30 (two runs in one file?)");

  e = error_of(h + "t,0,rtc:/dev/rtc0,nan,,ok\n");
  EXPECT_EQ(e.message, "offset_s 'nan' is not a number");
  e = error_of(h + "t,0,rtc:/dev/rtc0,inf,,ok\n");
  EXPECT_EQ(e.message, "offset_s 'inf' is not a number");
  e = error_of(h + "t,0,rtc:/dev/rtc0,0.1x,,ok\n");
  EXPECT_EQ(e.message, "offset_s '0.1x' is not a number");
  e = error_of(h + "t,0,rtc:/dev/rtc0,+-1,,ok\n");
  EXPECT_EQ(e.message, "offset_s '+-1' is not a number");
  e = error_of(h + "t,0,rtc:/dev/rtc0,0.1,fast,ok\n");
  EXPECT_EQ(e.message, "delay_s 'fast' is not a number");
  e = error_of(h + "t,-1,rtc:/dev/rtc0,0.1,,ok\n");
  EXPECT_EQ(e.message, "elapsed_s '-1' is negative");
  e = error_of(h + "t,0,\"rtc:/dev/rtc0,0.1,,ok\n");
  EXPECT_EQ(e.message, "unterminated quoted field");
  e = error_of(h + "t,0,rtc\"x,0.1,,ok\n");
  EXPECT_EQ(e.message, "a quote inside an unquoted field");
  e = error_of(h + "t,0,,0.1,,ok\n");
  EXPECT_EQ(e.message, "the source is empty");
  e = error_of(h + "t,0,rtc:/dev/rtc0,0.1,,\n");
  EXPECT_EQ(e.message, "the status is empty");
}

TEST(DriftCsv, LongBadValuesAreShortenedInMessages) {
  std::string junk(500, 'z');
  CsvError e = error_of(std::string(kHeader) + "t,0,rtc:/dev/rtc0," + junk + ",,ok\n");
  EXPECT_LT(e.message.size(), 100u);
}

}  // namespace
}  // namespace lansync::core
