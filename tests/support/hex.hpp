// Hex strings and golden packet files for tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace lansync::testing {

inline std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Line `line` (0-based) of tests/golden/<name>, decoded from hex.
inline std::vector<uint8_t> golden_packet(const std::string& name, int line) {
  std::ifstream in(std::filesystem::path(LANSYNC_GOLDEN_DIR) / name);
  if (!in) throw std::runtime_error("missing golden file " + name);
  std::string text;
  for (int i = 0; i <= line; ++i) std::getline(in, text);
  return from_hex(text);
}

}  // namespace lansync::testing
