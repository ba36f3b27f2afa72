// Tests of the wall clock's face (firmware/board/wall_display): what the 32x8 matrix shows, read
// from the text frame as someone looking at the wall reads it, in each state: trusted,
// untrusted, no time, dimmed, and after a power cut running from the DS3231 (with a board
// in the simulated world, firmware/sim).
#include <gtest/gtest.h>

#include <string>

#include "ds3231_emulator.hpp"
#include "firmware/board/board.hpp"
#include "firmware/board/wall_display.hpp"
#include "firmware/sim/world.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
// 2026-03-14 09:26:53 UTC.
constexpr int64_t kMorningS = 1'773'480'413;

std::string text(const WallFrame& f) {
  char out[kWallTextSize];
  size_t n = wall_text(f, out, sizeof(out));
  return std::string(out, n);
}

WallFrame draw(Reading r, int32_t offset_s = 0, int32_t light = kWallLightFullScale) {
  WallInput in;
  in.reading = r;
  in.utc_offset_s = offset_s;
  in.light = light;
  return draw_wall(in);
}

Reading reading(int64_t utc_ns, int64_t error_ns, Source source = Source::Ntp) {
  Reading r;
  r.utc_ns = utc_ns;
  r.error_ns = error_ns;
  r.synchronized = error_ns <= 1'500 * kMs;
  r.source = source;
  return r;
}

// What the digits look like on the wall: the test's own picture of each, 5x7.
const char* const kDigitArt[10][7] = {
    {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
    {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
    {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
    {".###.", "#...#", "....#", "..##.", "....#", "#...#", ".###."},
    {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
    {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
    {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
    {"#####", "....#", "...#.", "..#..", "..#..", "..#..", "..#.."},
    {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
    {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
};

// The character a person reads in the 5x7 cell at column x0 of the text frame: a digit, '-', or '?'.
char read_cell(const std::string& frame, int x0) {
  auto at = [&](int x, int y) { return frame[static_cast<size_t>(y * (kWallColumns + 1) + x)]; };
  for (int d = 0; d < 10; ++d) {
    bool same = true;
    for (int y = 0; y < 7 && same; ++y) {
      for (int dx = 0; dx < 5 && same; ++dx) same = at(x0 + dx, y) == kDigitArt[d][y][dx];
    }
    if (same) return static_cast<char>('0' + d);
  }
  std::string dash;
  for (int y = 0; y < 7; ++y) dash += frame.substr(static_cast<size_t>(y * (kWallColumns + 1) + x0), 5);
  return dash == "..............."
                 ".###."
                 "..............."
             ? '-'
             : '?';
}

// "HH:MM" as the wall shows it (the colon's place read as ':' when lit, ' ' when dark).
std::string read_time(const std::string& frame) {
  bool colon = frame[static_cast<size_t>(1 * (kWallColumns + 1) + 15)] == '#';
  return std::string{read_cell(frame, 2), read_cell(frame, 8), colon ? ':' : ' ', read_cell(frame, 19),
                     read_cell(frame, 25)};
}

// The status row (row 7).
std::string status_row(const std::string& frame) {
  return frame.substr(static_cast<size_t>(7 * (kWallColumns + 1)), kWallColumns);
}
const std::string kNoMark = "................................";
const std::string kUntrustedMark = "..#.#.#.#.#.#.#.#.#.#.#.#.#.#...";
const std::string kRtcMark = "..............................##";
const std::string kUntrustedRtcMark = "..#.#.#.#.#.#.#.#.#.#.#.#.#.#.##";

TEST(FwWallDisplay, TrustedShowsTheLocalTimeWithTheColonBlinkingWithTheSecond) {
  // 10:26 in Paris (+1 h), a quarter into the second: the colon is lit, nothing else.
  WallFrame f = draw(reading(kMorningS * kS + 250 * kMs, 2 * kMs), 3600);
  EXPECT_EQ(f.state, WallState::Trusted);
  EXPECT_EQ(text(f),
            "....#....###........###....##...\n"
            "...##...#...#..##..#...#..#.....\n"
            "....#...#...#..##......#.#......\n"
            "....#...#...#.........#..####...\n"
            "....#...#...#..##....#...#...#..\n"
            "....#...#...#..##...#....#...#..\n"
            "...###...###.......#####..###...\n"
            "................................\n");
  EXPECT_EQ(read_time(text(f)), "10:26");
  // Three quarters into it: the colon is dark, the rest the same.
  WallFrame later = draw(reading(kMorningS * kS + 750 * kMs, 2 * kMs), 3600);
  EXPECT_EQ(read_time(text(later)), "10 26");
  EXPECT_EQ(status_row(text(later)), kNoMark);
}

TEST(FwWallDisplay, UntrustedKeepsTheColonLitAndUnderlinesTheDigits) {
  // Synchronized, but a bound of 0.8 s: the digits are there, but never as a confident face.
  WallFrame f = draw(reading(kMorningS * kS + 750 * kMs, 800 * kMs), 3600);
  EXPECT_EQ(f.state, WallState::Untrusted);
  EXPECT_EQ(text(f),
            "....#....###........###....##...\n"
            "...##...#...#..##..#...#..#.....\n"
            "....#...#...#..##......#.#......\n"
            "....#...#...#.........#..####...\n"
            "....#...#...#..##....#...#...#..\n"
            "....#...#...#..##...#....#...#..\n"
            "...###...###.......#####..###...\n"
            "..#.#.#.#.#.#.#.#.#.#.#.#.#.#...\n");
  // The colon stays lit through the second: it has stopped blinking.
  for (int64_t ms = 0; ms < 1000; ms += 100) {
    EXPECT_EQ(read_time(text(draw(reading(kMorningS * kS + ms * kMs, 800 * kMs), 3600))), "10:26");
  }
  // Unsynchronized (a bound beyond the board's max_error) is untrusted too.
  Reading lost = reading(kMorningS * kS, 2 * kS);
  ASSERT_FALSE(lost.synchronized);
  EXPECT_EQ(status_row(text(draw(lost, 3600))), kUntrustedMark);
  EXPECT_EQ(read_time(text(draw(lost, 3600))), "10:26");
}

TEST(FwWallDisplay, TheThresholdIsHalfASecond) {
  EXPECT_EQ(draw(reading(kMorningS * kS, 500 * kMs)).state, WallState::Trusted);
  EXPECT_EQ(status_row(text(draw(reading(kMorningS * kS, 500 * kMs)))), kNoMark);
  EXPECT_EQ(draw(reading(kMorningS * kS, 500 * kMs + 1)).state, WallState::Untrusted);
  EXPECT_EQ(status_row(text(draw(reading(kMorningS * kS, 500 * kMs + 1)))), kUntrustedMark);
}

TEST(FwWallDisplay, NoTimeShowsDashesNeverDigits) {
  // A board that never had a time (Board::now(): source None, error "never"); its utc_ns is
  // the counter's and means nothing, so no digit is drawn from it.
  Reading none;
  none.utc_ns = kMorningS * kS;
  none.error_ns = INT64_MAX;
  WallFrame f = draw(none, 3600);
  EXPECT_EQ(f.state, WallState::NoTime);
  EXPECT_EQ(text(f),
            "................................\n"
            "...............##...............\n"
            "...............##...............\n"
            "...###...###........###...###...\n"
            "...............##...............\n"
            "...............##...............\n"
            "................................\n"
            "..#.#.#.#.#.#.#.#.#.#.#.#.#.#...\n");
  EXPECT_EQ(read_time(text(f)), "--:--");
  EXPECT_FALSE(f.from_rtc);
}

TEST(FwWallDisplay, DimmedFollowsThePhotoresistorAndKeepsTheFace) {
  Reading r = reading(kMorningS * kS + 250 * kMs, 2 * kMs);
  WallFrame bright = draw(r, 3600, kWallLightFullScale);
  WallFrame dusk = draw(r, 3600, 2048);
  WallFrame dark = draw(r, 3600, 40);
  EXPECT_EQ(bright.intensity, 15);
  EXPECT_EQ(dusk.intensity, 8);
  EXPECT_EQ(dark.intensity, 0);  // the MAX7219's dimmest: still lit
  EXPECT_EQ(text(dark), text(bright));
  EXPECT_EQ(read_time(text(dark)), "10:26");
  EXPECT_FALSE(wall_same(dark, bright));  // the intensity differs: the board sends it
  // Out of range readings are clamped; smoothing moves an eighth of the way.
  EXPECT_EQ(wall_intensity(-5, kWallLightFullScale), 0);
  EXPECT_EQ(wall_intensity(99'999, kWallLightFullScale), 15);
  EXPECT_EQ(wall_smooth_light(0, 800), 100);
  EXPECT_EQ(wall_smooth_light(800, 0), 700);
}

TEST(FwWallDisplay, RunningFromTheRtcAfterAPowerCutIsMarked) {
  // A DS3231 set by NTP a day ago: a bound of 0.2 s, trusted, with the RTC mark.
  WallFrame fresh = draw(reading(kMorningS * kS + 250 * kMs, 200 * kMs, Source::Rtc), 3600);
  EXPECT_EQ(fresh.state, WallState::Trusted);
  EXPECT_TRUE(fresh.from_rtc);
  EXPECT_EQ(read_time(text(fresh)), "10:26");
  EXPECT_EQ(status_row(text(fresh)), kRtcMark);
  // A DS3231 of unknown age (1 s assumed): untrusted as well.
  WallFrame unknown = draw(reading(kMorningS * kS + 250 * kMs, 1 * kS, Source::Rtc), 3600);
  EXPECT_EQ(unknown.state, WallState::Untrusted);
  EXPECT_EQ(read_time(text(unknown)), "10:26");
  EXPECT_EQ(status_row(text(unknown)), kUntrustedRtcMark);
}

TEST(FwWallDisplay, EveryMinuteOfTheDayReadsBackInEveryOffset) {
  const int64_t midnight_s = 1'773'446'400;  // 2026-03-14 00:00:00 UTC
  for (int32_t offset_s : {0, 3600, -5 * 3600, 5 * 3600 + 1800, 14 * 3600, -12 * 3600}) {
    for (int64_t minute = 0; minute < 24 * 60; ++minute) {
      int64_t utc_s = midnight_s + minute * 60 + 59;
      int64_t local_min = ((minute + offset_s / 60) % 1440 + 1440) % 1440;
      char want[6] = {
          static_cast<char>('0' + local_min / 600),     static_cast<char>('0' + local_min / 60 % 10), ':',
          static_cast<char>('0' + local_min % 60 / 10), static_cast<char>('0' + local_min % 10),      '\0'};
      ASSERT_EQ(read_time(text(draw(reading(utc_s * kS, kMs), offset_s))), want)
          << "UTC minute " << minute << ", offset " << offset_s << " s";
    }
  }
}

TEST(FwWallDisplay, TheTextFrameNeedsItsFullSize) {
  WallFrame f = draw(reading(kMorningS * kS, kMs));
  char small[kWallTextSize - 1];
  EXPECT_EQ(wall_text(f, small, sizeof(small)), 0u);
  char out[kWallTextSize];
  EXPECT_EQ(wall_text(f, out, sizeof(out)), kWallTextSize - 1);
  EXPECT_FALSE(wall_pixel(f, -1, 0));
  EXPECT_FALSE(wall_pixel(f, kWallColumns, 0));
  EXPECT_FALSE(wall_pixel(f, 0, kWallRows));
}

// The board itself, in the simulated world, drawn as the WallClock sketch draws it.
WallFrame draw_board(sim::World& w, int32_t offset_s = 0) { return draw(w.reading(), offset_s); }

// The four digits a frame shows (the colon, which blinks, left out).
std::string digits(const WallFrame& f) { return read_time(text(f)).erase(2, 1); }

// The four digits of the world's true UTC plus offset_s, "HHMM".
std::string true_digits(const sim::World& w, int32_t offset_s = 0) {
  int64_t local_min = ((w.utc_ns() / kS + offset_s) % 86'400) / 60;
  return {static_cast<char>('0' + local_min / 600), static_cast<char>('0' + local_min / 60 % 10),
          static_cast<char>('0' + local_min % 60 / 10), static_cast<char>('0' + local_min % 10)};
}

BoardConfig board_config(sim::World& w, bool server, bool rtc) {
  BoardConfig c = w.board_config();
  c.use_server = server;
  c.server_refid = 0xC0A80401;
  c.has_rtc = rtc;
  return c;
}

TEST(FwWallBoard, SyncedFromNtpTheFaceIsConfident) {
  sim::Oscillator crystal(30.0);
  sim::World w(sim::WorldConfig{}, crystal);
  w.start_board(board_config(w, true, false));
  w.run_until(5 * 60 * kS + 100 * kMs);
  WallFrame f = draw_board(w, 3600);
  EXPECT_EQ(f.state, WallState::Trusted);
  EXPECT_EQ(digits(f), true_digits(w, 3600));
  EXPECT_EQ(status_row(text(f)), kNoMark);
}

TEST(FwWallBoard, NoServerAndAStoppedRtcShowDashes) {
  sim::WorldConfig wc;
  wc.rtc = true;  // powers up with OSF set
  wc.server_reachable = false;
  sim::Oscillator crystal(10.0);
  sim::World w(wc, crystal);
  w.start_board(board_config(w, true, true));
  w.run_until(60 * kS);
  WallFrame f = draw_board(w);
  EXPECT_EQ(read_time(text(f)), "--:--");
  EXPECT_EQ(status_row(text(f)), kUntrustedMark);
}

TEST(FwWallBoard, AfterAPowerCutTheRtcKeepsTheClockOnTheWall) {
  // The DS3231 kept the time on its battery; the network is not back.
  sim::WorldConfig wc;
  wc.rtc = true;
  wc.server_reachable = false;
  sim::Oscillator crystal(-20.0);  // the World keeps a reference
  sim::World w(wc, crystal);
  w.rtc().load_unix(w.utc_ns() / kS, w.utc_ns() % kS);
  // Of unknown age (the board's memory of the last set lost too): 1 s, untrusted.
  w.start_board(board_config(w, true, true));
  w.run_until(3 * kS);
  WallFrame unknown = draw_board(w, -5 * 3600);
  ASSERT_EQ(w.reading().source, Source::Rtc);
  EXPECT_EQ(digits(unknown), true_digits(w, -5 * 3600));
  EXPECT_EQ(status_row(text(unknown)), kUntrustedRtcMark);

  // Set by NTP two hours before the cut, to 1 ms: trusted, with the RTC mark.
  sim::World w2(wc, crystal);
  w2.rtc().load_unix(w2.utc_ns() / kS, w2.utc_ns() % kS);
  BoardConfig c = board_config(w2, true, true);
  c.rtc_set_unix_s = w2.utc_ns() / kS - 7200;
  c.rtc_set_error_ns = 1 * kMs;
  w2.start_board(c);
  w2.run_until(3 * kS);
  WallFrame known = draw_board(w2, -5 * 3600);
  EXPECT_EQ(known.state, WallState::Trusted);
  EXPECT_EQ(digits(known), true_digits(w2, -5 * 3600));
  EXPECT_EQ(status_row(text(known)), kRtcMark);
}

}  // namespace
}  // namespace lansync::fw
