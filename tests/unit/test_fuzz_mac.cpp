// The MAC fuzz target (tests/fuzz/mac.cpp) on every prefix and every one-bit
// change of its corpus: a cheap, deterministic search where clang and
// libFuzzer are missing.  test_fuzz_corpus replays the corpus itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "targets.hpp"

namespace lansync::fuzz {
namespace {

TEST(FuzzMac, EveryPrefixAndOneBitChangeOfTheCorpus) {
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(LANSYNC_FUZZ_CORPUS) / "mac")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().string());
    for (size_t n = 0; n <= data.size(); ++n) ASSERT_EQ(mac(data.data(), n), 0) << "prefix " << n;
    for (size_t bit = 0; bit < data.size() * 8; ++bit) {
      std::vector<uint8_t> d = data;
      d[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      ASSERT_EQ(mac(d.data(), d.size()), 0) << "bit " << bit;
    }
    ++files;
  }
  EXPECT_GE(files, 10);
}

}  // namespace
}  // namespace lansync::fuzz
