// Unit tests of the driftlog CSV (core/drift_log): what record writes, analyze reads back,
// and every malformed line named.
#include <gtest/gtest.h>

#include <string>

#include "core/drift_log.hpp"

namespace lansync::core {
namespace {

TEST(DriftLog, UtcTimes) {
  EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_utc(1'767'225'600'123'456'789), "2026-01-01T00:00:00.123456Z");
  EXPECT_EQ(format_utc(-1'000), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(parse_utc("2024-02-29T12:34:56.5Z"), int64_t{1'709'210'096'500'000'000});
  EXPECT_EQ(parse_utc(format_utc(1'767'225'600'123'456'000)), int64_t{1'767'225'600'123'456'000});
  EXPECT_FALSE(parse_utc("2024-02-29 12:34:56"));
  EXPECT_FALSE(parse_utc("2024-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_utc("2024-01-01T00:00:00.Z"));
}

TEST(DriftLog, RowsRoundTrip) {
  DriftRow ok;
  ok.time_utc_ns = 1'767'225'600'000'001'000;
  ok.elapsed_s = 60.25;
  ok.source = "cmd:printf '%s\\n' \"1, 2\"";  // a comma and quotes: quoted
  ok.offset_s = -0.001234567;
  ok.delay_s = 0.0004;
  DriftRow failed;
  failed.elapsed_s = 120.5;
  failed.source = "ntp:laptop";
  failed.status = ReadingStatus::Timeout;
  std::string text = std::string(kDriftCsvHeader) + "\n" + format_drift_row(ok) + format_drift_row(failed);
  EXPECT_NE(text.find(",-0.001234567,0.000400000,ok\n"), std::string::npos) << text;
  EXPECT_NE(text.find("120.500000,ntp:laptop,,,timeout\n"), std::string::npos) << text;
  auto rows = parse_drift_csv(text);
  ASSERT_TRUE(rows) << rows.error().line << ": " << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].source, ok.source);
  EXPECT_EQ((*rows)[0].time_utc_ns, ok.time_utc_ns);
  EXPECT_DOUBLE_EQ(*(*rows)[0].offset_s, -0.001234567);
  EXPECT_DOUBLE_EQ(*(*rows)[0].delay_s, 0.0004);
  EXPECT_FALSE((*rows)[1].offset_s);
  EXPECT_EQ((*rows)[1].status, ReadingStatus::Timeout);
}

TEST(DriftLog, NewlinesInTheSourceCannotBreakTheFile) {
  DriftRow r;
  r.source = "cmd:echo 1\necho 2";
  r.offset_s = 1;
  std::string line = format_drift_row(r);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(DriftLog, ColumnsByNameCommentsAndBlankLines) {
  auto rows = parse_drift_csv("# my own log\r\noffset_s,elapsed_s\r\n\r\n0.5,0\r\n,1\r\n+0.25,2\r\n");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_DOUBLE_EQ(*(*rows)[2].offset_s, 0.25);
  EXPECT_EQ((*rows)[1].status, ReadingStatus::Error);  // no status column: an empty offset is a failure
  auto header_only = parse_drift_csv(std::string(kDriftCsvHeader) + "\n");
  ASSERT_TRUE(header_only);
  EXPECT_TRUE(header_only->empty());
}

void expect_error(const std::string& text, size_t line, const std::string& words) {
  auto rows = parse_drift_csv(text);
  ASSERT_FALSE(rows) << text;
  EXPECT_EQ(rows.error().line, line) << rows.error().message;
  EXPECT_NE(rows.error().message.find(words), std::string::npos) << rows.error().message;
}

TEST(DriftLog, MalformedLinesAreNamed) {
  const std::string h = std::string(kDriftCsvHeader) + "\n";
  const std::string good = "2026-01-01T00:00:00.000000Z,0.000000,ntp:x,0.001,,ok\n";
  expect_error("", 1, "empty");
  expect_error("a,b,c\n1,2,3\n", 1, "not a driftlog header");
  expect_error(h + good + "2026-01-01T00:00:00.000000Z,1.0,ntp:x,1.2.3,,ok\n", 3, "offset_s is not a number");
  expect_error(h + good + "2026-01-01T00:00:00.000000Z,x,ntp:x,1,,ok\n", 3, "elapsed_s is not a number");
  expect_error(h + good + "2026-01-01T00:00:00.000000Z,1.0,ntp:x,1\n", 3, "expected 6 fields, found 4");
  expect_error(h + good + "\n# note\n2026-01-01T00:00:00.000000Z,-1.0,ntp:x,1,,ok\n", 5, "backwards");
  expect_error(h + good + h, 3, "second header");
  expect_error(h + "2026-01-01T00:00:00.000000Z,0,ntp:x,,,lost\n", 2, "unknown status 'lost'");
  expect_error(h + "2026-01-01T00:00:00.000000Z,0,ntp:x,,,ok\n", 2, "status ok but no offset");
  expect_error(h + "2026-01-01T00:00:00.000000Z,0,ntp:x,0.1,,timeout\n", 2, "status timeout but an offset");
  expect_error(h + "yesterday,0,ntp:x,0.1,,ok\n", 2, "time_utc");
  expect_error(h + "2026-01-01T00:00:00.000000Z,0,\"ntp:x,0.1,,ok\n", 2, "quoted field is not closed");
  expect_error(h + "2026-01-01T00:00:00.000000Z,0,ntp:x,nan,,ok\n", 2, "offset_s is not a number");
  expect_error(h + "2026-01-01T00:00:00.000000Z,-1,ntp:x,0.1,,ok\n", 2, "elapsed_s is negative");
  expect_error(h + "2026-01-01T00:00:00.000000Z,0,,0.1,,ok\n", 2, "the source is empty");
}

TEST(DriftLog, ByteOrderMarkQuotedCommasAndCrlf) {
  // As a spreadsheet program saves it: BOM, CRLF, a source quoted for its comma.
  std::string text =
      "\xEF\xBB\xBF" + std::string(kDriftCsvHeader) +
      "\r\n\r\n2026-01-01T00:00:00.000000Z,1,\"cmd:read-rtc --fast, \"\"quiet\"\"\",0.25,,ok\r\n";
  auto rows = parse_drift_csv(text);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].source, "cmd:read-rtc --fast, \"quiet\"");
  EXPECT_EQ((*rows)[0].line, 3u);
}

TEST(DriftLog, LongBadValuesAreShortenedInMessages) {
  std::string junk(500, 'z');
  auto rows = parse_drift_csv(std::string(kDriftCsvHeader) +
                              "\n2026-01-01T00:00:00.000000Z,0,rtc:/dev/rtc0," + junk + ",,ok\n");
  ASSERT_FALSE(rows);
  EXPECT_LT(rows.error().message.size(), 100u);
}

}  // namespace
}  // namespace lansync::core
