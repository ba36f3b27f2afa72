// The wall clock's face on a 32x8 LED matrix; see wall_display.hpp.
#include "firmware/board/wall_display.hpp"

#include "codec/timestamp.hpp"
#include "proto/units.hpp"

namespace lansync::fw {
namespace {

using codec::floor_div;
using proto::kNsPerSecond;
constexpr int64_t kDayS = 86'400;
constexpr int kGlyphWidth = 5;
constexpr int kGlyphRows = 7;
constexpr int kStatusRow = 7;
constexpr int kDash = 10;  // the glyph after the ten digits

// The digits and a dash, 5x7, drawn for this clock: one byte per row from
// the top, bit 4 the leftmost pixel.
constexpr uint8_t kGlyphs[11][kGlyphRows] = {
    {0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110},  // 0
    {0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110},  // 1
    {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111},  // 2
    {0b01110, 0b10001, 0b00001, 0b00110, 0b00001, 0b10001, 0b01110},  // 3
    {0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010},  // 4
    {0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110},  // 5
    {0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110},  // 6
    {0b11111, 0b00001, 0b00010, 0b00100, 0b00100, 0b00100, 0b00100},  // 7
    {0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110},  // 8
    {0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100},  // 9
    {0b00000, 0b00000, 0b00000, 0b01110, 0b00000, 0b00000, 0b00000},  // -
};

// Where things go, in columns: "HH:MM" centred, two columns of margin each side.
constexpr int kDigitX[4] = {2, 8, 19, 25};
constexpr int kColonX = 15;                  // two columns wide, ...
constexpr int kColonRows[4] = {1, 2, 4, 5};  // ... these rows
constexpr int kUnderlineFirstX = 2;          // the untrusted mark: every other column of row 7 ...
constexpr int kUnderlineLastX = 29;          // ... under the digits
constexpr int kRtcMarkX = 30;                // the RTC mark: columns 30 and 31 of row 7

void light(WallFrame* f, int x, int y) {
  if (x >= 0 && x < kWallColumns && y >= 0 && y < kWallRows) {
    f->columns[x] = static_cast<uint8_t>(f->columns[x] | (1u << y));
  }
}

void draw_glyph(WallFrame* f, int glyph, int x0) {
  for (int y = 0; y < kGlyphRows; ++y) {
    for (int dx = 0; dx < kGlyphWidth; ++dx) {
      if ((kGlyphs[glyph][y] >> (kGlyphWidth - 1 - dx)) & 1u) light(f, x0 + dx, y);
    }
  }
}

void draw_colon(WallFrame* f) {
  for (int y : kColonRows) {
    light(f, kColonX, y);
    light(f, kColonX + 1, y);
  }
}

void draw_underline(WallFrame* f) {
  for (int x = kUnderlineFirstX; x <= kUnderlineLastX; x += 2) light(f, x, kStatusRow);
}

// The remainder (>= 0) of floor division by a positive divisor.
int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

// The four digits of the local time and whether the colon is lit (trusted: in the second's first half).
void draw_time(WallFrame* f, const WallInput& in, bool trusted) {
  int64_t local_s = floor_div(in.reading.utc_ns, kNsPerSecond) + in.utc_offset_s;
  int64_t of_day = floor_mod(local_s, kDayS);
  int64_t hours = of_day / 3600, minutes = of_day / 60 % 60;
  const int64_t digits[4] = {hours / 10, hours % 10, minutes / 10, minutes % 10};
  for (int i = 0; i < 4; ++i) draw_glyph(f, static_cast<int>(digits[i]), kDigitX[i]);
  if (!trusted || floor_mod(in.reading.utc_ns, kNsPerSecond) < kNsPerSecond / 2) draw_colon(f);
}

}  // namespace

const char* wall_state_name(WallState s) {
  switch (s) {
    case WallState::Trusted: return "trusted";
    case WallState::Untrusted: return "untrusted";
    case WallState::NoTime: return "no time";
  }
  return "?";
}

WallState wall_state(const Reading& r) {
  if (r.source == Source::None || r.error_ns == INT64_MAX || r.error_ns < 0) return WallState::NoTime;
  if (!r.synchronized || r.error_ns > kWallTrustedErrorNs) return WallState::Untrusted;
  return WallState::Trusted;
}

uint8_t wall_intensity(int32_t light, int32_t full_scale) {
  if (full_scale <= 0) return kWallMaxIntensity;
  int64_t l = light < 0 ? 0 : (light > full_scale ? full_scale : light);
  // Rounded: 0..full_scale onto 0..15.
  return static_cast<uint8_t>((l * kWallMaxIntensity + full_scale / 2) / full_scale);
}

int32_t wall_smooth_light(int32_t previous, int32_t sample) {
  return static_cast<int32_t>(previous + (int64_t{sample} - previous) / 8);
}

WallFrame draw_wall(const WallInput& in) {
  WallFrame f;
  f.state = wall_state(in.reading);
  f.intensity = wall_intensity(in.light, in.light_full_scale);
  if (f.state == WallState::NoTime) {
    for (int x : kDigitX) draw_glyph(&f, kDash, x);
    draw_colon(&f);
  } else {
    draw_time(&f, in, f.state == WallState::Trusted);
  }
  if (f.state != WallState::Trusted) draw_underline(&f);
  f.from_rtc = f.state != WallState::NoTime && in.reading.source == Source::Rtc;
  if (f.from_rtc) {
    light(&f, kRtcMarkX, kStatusRow);
    light(&f, kRtcMarkX + 1, kStatusRow);
  }
  return f;
}

bool wall_pixel(const WallFrame& f, int x, int y) {
  if (x < 0 || x >= kWallColumns || y < 0 || y >= kWallRows) return false;
  return ((f.columns[x] >> y) & 1u) != 0;
}

bool wall_same(const WallFrame& a, const WallFrame& b) {
  if (a.intensity != b.intensity) return false;
  for (int x = 0; x < kWallColumns; ++x) {
    if (a.columns[x] != b.columns[x]) return false;
  }
  return true;
}

size_t wall_text(const WallFrame& f, char* out, size_t capacity) {
  if (capacity < kWallTextSize) return 0;
  size_t n = 0;
  for (int y = 0; y < kWallRows; ++y) {
    for (int x = 0; x < kWallColumns; ++x) out[n++] = wall_pixel(f, x, y) ? '#' : '.';
    out[n++] = '\n';
  }
  out[n] = '\0';
  return n;
}

}  // namespace lansync::fw
