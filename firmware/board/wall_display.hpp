// The wall clock's face: what the WallClock example shows on its 32x8 LED matrix (four 8x8
// modules on MAX7219s), drawn from the board's Reading, once, so that the board and
// lansync-board (--wall) draw the same frames and the unit tests look at them.
//
// The face is "HH:MM", local time (UTC plus a fixed offset; no daylight
// saving rules), in a 5x7 font of its own on rows 0..6; row 7 is the
// status row.  It never shows a confident face over a time the board does
// not trust:
//   trusted    the board is synchronized and its error bound is at most
//              kWallTrustedErrorNs (0.5 s): the digits, the colon blinking
//              with the second (lit in its first half), an empty status row;
//   untrusted  a time, but unsynchronized or bound beyond 0.5 s: the digits,
//              the colon lit steadily (it stops blinking), and a dotted line
//              under the digits on the status row;
//   no time    no source ever set the clock: "--:--", colon steady, the
//              dotted line;
// and, in either of the first two, while the time comes from the DS3231
// (Source::Rtc, e.g. after a power cut with no network yet) two pixels lit at
// the right end of the status row.  Brightness follows a photoresistor: its
// reading maps linearly onto the MAX7219's intensity 0..15 (dimmed in a dark
// room, never blank).  Freestanding: integers only, no heap.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "firmware/board/source_state.hpp"

namespace lansync::fw {

constexpr int kWallColumns = 32;                      // four 8x8 modules side by side
constexpr int kWallRows = 8;                          // rows 0 (top) .. 7
constexpr int64_t kWallTrustedErrorNs = 500'000'000;  // a larger error bound is untrusted, ns
constexpr int32_t kWallLightFullScale = 4095;         // the ESP32's analogRead(), 12 bits
constexpr uint8_t kWallMaxIntensity = 15;             // the MAX7219's brightest

// What the face says about the time (see the top of this file).
enum class WallState : uint8_t { Trusted, Untrusted, NoTime };
const char* wall_state_name(WallState s);  // "trusted", "untrusted", "no time"

// What a frame is drawn from.
struct WallInput {
  Reading reading;                      // Board::now()
  int32_t utc_offset_s = 0;             // local time minus UTC, s (+3600: Central European Time)
  int32_t light = kWallLightFullScale;  // the photoresistor's reading, 0 (dark) .. light_full_scale
  int32_t light_full_scale = kWallLightFullScale;  // the reading in full light (> 0)
};

// One frame of the 32x8 matrix and its brightness.
struct WallFrame {
  // Column x (0: leftmost as seen), bit y lit = row y (bit 0: top row), as
  // MD_MAX72XX's setColumn() takes a column; its column 0 is the rightmost,
  // so the sketch sends columns[x] to setColumn(kWallColumns - 1 - x, ...).
  uint8_t columns[kWallColumns] = {};
  uint8_t intensity = 0;  // MAX7219 intensity, 0..kWallMaxIntensity
  WallState state = WallState::NoTime;
  bool from_rtc = false;  // the RTC mark is shown (Source::Rtc)
};

// The state a reading puts the face in.
WallState wall_state(const Reading& r);
// The MAX7219 intensity (0..15) for a photoresistor reading (clamped to 0..full_scale).
uint8_t wall_intensity(int32_t light, int32_t full_scale);
// A reading smoothed toward sample by 1/8 of the difference (call it every 100 ms or so),
// so that the brightness does not flicker between two levels.
int32_t wall_smooth_light(int32_t previous, int32_t sample);
// The frame for in.
WallFrame draw_wall(const WallInput& in);
// Whether the pixel at column x (0..31), row y (0..7) is lit (false outside the matrix).
bool wall_pixel(const WallFrame& f, int x, int y);
// Whether two frames light the same pixels at the same intensity.
bool wall_same(const WallFrame& a, const WallFrame& b);
// The frame as text: 8 lines of 32 characters ('#' lit, '.' dark), each ending in '\n'.
constexpr size_t kWallTextSize = kWallRows * (kWallColumns + 1) + 1;  // with the NUL
// Writes it into out (at least kWallTextSize bytes); returns the length without the NUL, 0 if
// out is too small.
size_t wall_text(const WallFrame& f, char* out, size_t capacity);

}  // namespace lansync::fw
