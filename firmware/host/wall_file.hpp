// lansync-board --wall: the WallClock example's 32x8 LED matrix, drawn into a file from the
// board's clock (firmware/board/wall_display draws the frames, as on the board).
//
// The frame is written whenever it changes (the loop looks at least once a
// second), replacing the file atomically, as text (8 lines of 32 '#' lit and
// '.' dark, then a line "state S, intensity N/15") or, for a path ending in
// .png, as a picture: each LED a 10x10 cell, lit ones red at a brightness
// following the intensity, dark ones a dim red, on black.
#pragma once

#include <cstdint>
#include <string>

#include "firmware/board/source_state.hpp"
#include "firmware/board/wall_display.hpp"
#include "os/error.hpp"

namespace lansync::host {

// The frame as --wall writes it in text: wall_text(), then "state trusted, intensity 15/15\n".
std::string wall_frame_text(const fw::WallFrame& f);
// The frame as a PNG picture (320x80 pixels).
std::string wall_frame_png(const fw::WallFrame& f);

class WallFile {
 public:
  // path: the file (".png": a picture, else text); the local time's offset from UTC (s) and the
  // photoresistor's reading (0..fw::kWallLightFullScale) the sketch would have.
  WallFile(std::string path, int32_t utc_offset_s, int32_t light);

  // Draws the frame for r and rewrites the file if it changed.
  os::Status update(const fw::Reading& r);

 private:
  std::string path_;
  int32_t utc_offset_s_;
  int32_t light_;
  fw::WallFrame last_;
  bool written_ = false;
};

}  // namespace lansync::host
