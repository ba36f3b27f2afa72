// Replays the MAC trailer fuzz corpus (tests/fuzz/corpus/mac) and any crash
// files (tests/fuzz/crashes/mac) through the fuzz target's checks, so that CI
// runs them on every build, with or without clang.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../fuzz/mac_target.hpp"

namespace lansync::fuzz {
namespace {

std::vector<std::filesystem::path> inputs(const char* sub) {
  std::vector<std::filesystem::path> out;
  std::filesystem::path dir = std::filesystem::path(LANSYNC_FUZZ_DIR) / sub;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  return out;
}

void replay(const std::vector<std::filesystem::path>& files) {
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(mac_trailer_properties_hold(data.data(), data.size())) << f;
  }
}

TEST(FuzzMacTrailer, CorpusHoldsTheProperties) {
  auto files = inputs("corpus/mac");
  EXPECT_GE(files.size(), 10u);  // the corpus is in the repository
  replay(files);
}

TEST(FuzzMacTrailer, CrashFilesNoLongerCrash) { replay(inputs("crashes/mac")); }

TEST(FuzzMacTrailer, EveryPrefixAndBitFlipOfTheCorpus) {
  // A cheap stand-in for the fuzzer where clang is missing: each prefix, and each single-bit change.
  for (const auto& f : inputs("corpus/mac")) {
    std::ifstream in(f, std::ios::binary);
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t n = 0; n <= data.size(); ++n) {
      ASSERT_TRUE(mac_trailer_properties_hold(data.data(), n)) << f << " prefix " << n;
    }
    for (size_t bit = 0; bit < data.size() * 8; ++bit) {
      std::vector<uint8_t> d = data;
      d[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      ASSERT_TRUE(mac_trailer_properties_hold(d.data(), d.size())) << f << " bit " << bit;
    }
  }
}

}  // namespace
}  // namespace lansync::fuzz
