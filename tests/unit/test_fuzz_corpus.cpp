// Replays every fuzz corpus (seeds and past crashes) through its target, on every run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "targets.hpp"

namespace lansync::fuzz {
namespace {

TEST(FuzzCorpus, EveryInputPassesItsTarget) {
  for (const Target& t : kTargets) {
    std::filesystem::path dir = std::filesystem::path(LANSYNC_FUZZ_CORPUS) / t.name;
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      SCOPED_TRACE(entry.path().string());
      EXPECT_EQ(t.run(bytes.data(), bytes.size()), 0);
      ++files;
    }
    EXPECT_GT(files, 0) << "empty corpus for " << t.name;
  }
}

}  // namespace
}  // namespace lansync::fuzz
