// lansync-board --wall; see wall_file.hpp.
#include "wall_file.hpp"

#include <utility>
#include <vector>

#include "os/file.hpp"
#include "png.hpp"

namespace lansync::host {
namespace {

constexpr int kCell = 10;  // pixels per LED, each way
constexpr int kLed = 8;    // the lit square inside a cell, corners cut

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Whether pixel (px, py) of a cell lies on its LED: an 8x8 square with its corners cut.
bool on_led(int px, int py) {
  int x = px - (kCell - kLed) / 2, y = py - (kCell - kLed) / 2;
  if (x < 0 || y < 0 || x >= kLed || y >= kLed) return false;
  bool corner_x = x == 0 || x == kLed - 1, corner_y = y == 0 || y == kLed - 1;
  return !(corner_x && corner_y);
}

}  // namespace

std::string wall_frame_text(const fw::WallFrame& f) {
  char text[fw::kWallTextSize];
  fw::wall_text(f, text, sizeof(text));
  return std::string(text) + "state " + fw::wall_state_name(f.state) + ", intensity " +
         std::to_string(f.intensity) + "/" + std::to_string(fw::kWallMaxIntensity) + "\n";
}

std::string wall_frame_png(const fw::WallFrame& f) {
  const uint32_t width = fw::kWallColumns * kCell, height = fw::kWallRows * kCell;
  // Lit: 95 (intensity 0) to 255 (15) of red; dark LEDs 40.
  const uint8_t lit_red = static_cast<uint8_t>(95 + f.intensity * 160 / fw::kWallMaxIntensity);
  std::vector<uint8_t> rgb(size_t{width} * height * 3, 0);
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      int cx = static_cast<int>(x) / kCell, cy = static_cast<int>(y) / kCell;
      if (!on_led(static_cast<int>(x) % kCell, static_cast<int>(y) % kCell)) continue;
      rgb[(size_t{y} * width + x) * 3] = fw::wall_pixel(f, cx, cy) ? lit_red : 40;
    }
  }
  return encode_png(width, height, rgb.data());
}

WallFile::WallFile(std::string path, int32_t utc_offset_s, int32_t light)
    : path_(std::move(path)), utc_offset_s_(utc_offset_s), light_(light) {}

os::Status WallFile::update(const fw::Reading& r) {
  fw::WallInput in;
  in.reading = r;
  in.utc_offset_s = utc_offset_s_;
  in.light = light_;
  fw::WallFrame f = fw::draw_wall(in);
  if (written_ && fw::wall_same(f, last_)) return os::ok();
  std::string contents = ends_with(path_, ".png") ? wall_frame_png(f) : wall_frame_text(f);
  if (auto st = os::write_file_atomic(path_, contents, 0644); !st) return st;
  last_ = f;
  written_ = true;
  return os::ok();
}

}  // namespace lansync::host
