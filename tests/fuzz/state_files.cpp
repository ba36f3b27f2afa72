// Fuzz targets for the files sntpd, camsync and the other tools read at start: the sync-state
// record, camsync's camera-state file and a configuration file; see targets.hpp.
//
// sync_state and camera_state, for any input: the parser refuses it with one line naming the
// file, or gives a state whose text (format_*) parses to a state with the same text.  config, for any
// input: parse_config refuses it with one line naming the file, or gives entries whose keys are
// a-z, 0-9 and '-' only, on lines in increasing order.
#include <string>

#include "os/camera_state.hpp"
#include "os/file_config.hpp"
#include "os/file_sync_state.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

const std::string kName = "fuzz.file";

bool one_line_naming_the_file(const std::string& message) {
  return message.rfind(kName, 0) == 0 && one_printable_line(message);
}

// A state file's parser on the bytes: it refuses them with one line naming the file, or what it
// gives is written to a text that it reads back and writes again the same.
template <class Parse, class Format>
void round_trip(const Require& require, const uint8_t* data, size_t size, Parse parse, Format format) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto state = parse(text, kName);
  if (!state) {
    require(one_line_naming_the_file(state.error().message), "a refusal is one line naming the file");
    return;
  }
  const std::string written = format(*state);
  auto again = parse(written, kName);
  require(again.ok(), "what it writes, it reads");
  require(format(*again) == written, "and writes it again the same");
}

}  // namespace

int sync_state(const uint8_t* data, size_t size) {
  round_trip(Require{"sync_state"}, data, size, os::parse_sync_state, os::format_sync_state);
  return 0;
}

int camera_state(const uint8_t* data, size_t size) {
  round_trip(Require{"camera_state"}, data, size, os::parse_camera_state, os::format_camera_state);
  return 0;
}

int config(const uint8_t* data, size_t size) {
  constexpr Require require{"config"};
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto entries = os::parse_config(text, kName);
  if (!entries) {
    require(one_line_naming_the_file(entries.error().message), "a refusal is one line naming the file");
    return 0;
  }
  int line = 0;
  for (const os::ConfigEntry& e : *entries) {
    require(e.line > line, "lines in increasing order");
    line = e.line;
    require(!e.key.empty(), "a key");
    for (char c : e.key)
      require((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-', "a-z, 0-9, '-'");
  }
  return 0;
}

}  // namespace lansync::fuzz
