// Unit tests of the key file reader and the libsodium key ring (os/keys).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "../support/temp_dir.hpp"
#include "core/auth.hpp"
#include "os/keys.hpp"

namespace lansync::os {
namespace {

const char* const kHex32 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

std::unique_ptr<KeyRing> parse_ok(const std::string& text) {
  auto r = KeyRing::parse(text, "keys");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(*r) : nullptr;
}

// The 20-byte MAC key_id gives a fixed 48-byte packet, as hex: equal MACs mean equal keys.
std::string mac_of(const KeyRing& ring, uint32_t key_id) {
  uint8_t packet[48] = {0x23};
  uint8_t out[20];
  if (!ring.compute(key_id, packet, sizeof(packet), out, sizeof(out))) return "none";
  std::string hex;
  for (uint8_t b : out) hex += "0123456789abcdef"[b >> 4], hex += "0123456789abcdef"[b & 15];
  return hex;
}

// The problem reported for a file holding one good key and then `line`.
KeyFileProblem problem_of(const std::string& line) {
  auto ring = parse_ok(std::string("1 SHA256 HEX:") + kHex32 + "\n" + line + "\n");
  if (!ring || ring->problems().empty()) return {};
  return ring->problems().front();
}

TEST(KeyFile, ReadsChronysFormat) {
  auto ring = parse_ok(std::string("# chrony.keys\n\n1 SHA256 HEX:") + kHex32 +
                       "\n  2\tsha512  ASCII:correct-horse-battery   # a comment\n"
                       "3 SHA256 plain-text-key-of-any-length\n");
  ASSERT_TRUE(ring);
  EXPECT_EQ(ring->ids(), (std::vector<uint32_t>{1, 2, 3}));
  KeyType t;
  ASSERT_TRUE(ring->find(2, &t));
  EXPECT_EQ(t, KeyType::Sha512);
  EXPECT_EQ(ring->hash_size(1), 32u);
  EXPECT_EQ(ring->hash_size(2), 64u);
  EXPECT_EQ(ring->hash_size(4), 0u);
  EXPECT_TRUE(ring->problems().empty());
}

TEST(KeyFile, NtpsecsBareHexIsTheSameKeyAsChronysHex) {
  auto chrony = parse_ok(std::string("1 SHA256 HEX:") + kHex32 + "\n");
  auto ntpsec = parse_ok(std::string("1 sha256 ") + kHex32 + "\n");
  ASSERT_TRUE(chrony && ntpsec);
  EXPECT_EQ(mac_of(*chrony, 1), mac_of(*ntpsec, 1));
  // Legal, but chrony would read those digits as text: say so.
  ASSERT_EQ(ntpsec->problems().size(), 1u);
  EXPECT_FALSE(ntpsec->problems()[0].fatal);
  EXPECT_NE(ntpsec->problems()[0].message.find("HEX:"), std::string::npos);
}

TEST(KeyFile, ShortBareKeysAreTextForBothFormats) {
  auto bare = parse_ok("5 SHA256 abcdefghij0123456789\n");  // 20 characters: text for chrony and ntpsec
  auto ascii = parse_ok("5 SHA256 ASCII:abcdefghij0123456789\n");
  ASSERT_TRUE(bare && ascii);
  EXPECT_EQ(mac_of(*bare, 5), mac_of(*ascii, 5));
  EXPECT_TRUE(bare->problems().empty());
}

TEST(KeyFile, UnsupportedTypesAreNamedWithTheirLine) {
  for (const char* type : {"MD5", "SHA1", "AES128", "AES", "sha384", "AES128CMAC", "M"}) {
    KeyFileProblem p = problem_of(std::string("7 ") + type + " HEX:" + kHex32);
    EXPECT_EQ(p.line, 2) << type;
    EXPECT_EQ(p.key_id, 7u);
    EXPECT_TRUE(p.fatal);
    EXPECT_NE(p.message.find("not supported by this build"), std::string::npos) << p.message;
    EXPECT_NE(p.message.find("SHA256 and SHA512"), std::string::npos) << p.message;
  }
  KeyFileProblem p = problem_of("7 FOO 1234");
  EXPECT_NE(p.message.find("unknown key type 'FOO'"), std::string::npos) << p.message;
}

TEST(KeyFile, EveryBadLineSaysWhy) {
  struct Case {
    std::string line;
    std::string says;
  };
  const Case cases[] = {
      {"0 SHA256 HEX:0011223344556677889900", "bad key ID '0'"},
      {"4294967296 SHA256 HEX:0011223344556677889900", "bad key ID"},
      {"x1 SHA256 HEX:0011223344556677889900", "bad key ID 'x1'"},
      {"8 HEX:0011223344556677889900", "no key type"},
      {"8", "no key type and no key"},
      {"8 SHA256 HEX:0011223344556677889900 extra", "unexpected text"},
      {"8 SHA256 HEX:001", "bad hex key"},
      {"8 SHA256 HEX:00zz", "bad hex key"},
      {"8 SHA256 HEX:", "bad hex key"},
      {"8 SHA256 ASCII:", "empty key"},
      {"8 SHA256 pass#word", "'#' inside a key"},
      {"1 SHA512 HEX:0011223344556677889900", "duplicate key ID (first on line 1)"},
      {"8 SHA256 HEX:" + std::string(130, 'a'), "longer than 64 bytes"},
      {"8 SHA256 " + std::string(66, 'a'), "longer than 32 bytes"},
  };
  for (const Case& c : cases) {
    KeyFileProblem p = problem_of(c.line);
    EXPECT_EQ(p.line, 2) << c.line;
    EXPECT_TRUE(p.fatal) << c.line;
    EXPECT_NE(p.message.find(c.says), std::string::npos) << c.line << " -> " << p.message;
  }
}

TEST(KeyFile, WarnsAboutShortKeys) {
  auto ring = parse_ok("3 SHA256 short\n");
  ASSERT_TRUE(ring);
  ASSERT_EQ(ring->problems().size(), 1u);
  EXPECT_FALSE(ring->problems()[0].fatal);
  EXPECT_NE(ring->problems()[0].message.find("only 5 bytes"), std::string::npos);
}

TEST(KeyFile, NoUsableKeyIsAnErrorThatNamesTheFirstProblem) {
  auto r = KeyRing::parse("# nothing\n3 MD5 HEX:00112233445566778899\n", "k.keys");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no usable key in k.keys"), std::string::npos);
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos);
  EXPECT_NE(r.error().message.find("MD5"), std::string::npos);
}

TEST(KeyFile, WhyMissingNamesTheLineOfTheKey) {
  auto ring = parse_ok(std::string("1 SHA256 HEX:") + kHex32 + "\n3 SHA1 HEX:00112233445566778899\n");
  ASSERT_TRUE(ring);
  EXPECT_EQ(ring->why_missing(3),
            "keys:2: key 3: type SHA1 is not supported by this build (libsodium hashes "
            "SHA256 and SHA512 only)");
  EXPECT_EQ(ring->why_missing(9), "no key 9 in keys");
}

TEST(KeyFile, VerifyComparesTheTruncatedDigest) {
  auto ring = parse_ok(std::string("1 SHA256 HEX:") + kHex32 + "\n");
  ASSERT_TRUE(ring);
  uint8_t packet[48] = {0x23};
  uint8_t mac[32];
  ASSERT_TRUE(ring->compute(1, packet, sizeof(packet), mac, 32));
  EXPECT_TRUE(ring->verify(1, packet, sizeof(packet), mac, 20));
  EXPECT_TRUE(ring->verify(1, packet, sizeof(packet), mac, 32));
  mac[19] ^= 1;
  EXPECT_FALSE(ring->verify(1, packet, sizeof(packet), mac, 20));
  EXPECT_FALSE(ring->verify(2, packet, sizeof(packet), mac, 20));
  EXPECT_FALSE(ring->compute(1, packet, sizeof(packet), mac, 33));
}

class KeyFileOnDisk : public ::testing::Test {
 protected:
  lansync::testing::TempDir dir;
  std::string path = (dir.path() / "ntp.keys").string();
  void write(mode_t mode) {
    std::ofstream(path) << "1 SHA256 HEX:" << kHex32 << "\n";
    ::chmod(path.c_str(), mode);
  }
};

TEST_F(KeyFileOnDisk, RefusesAFileThatOthersMayRead) {
  for (mode_t mode : {0644u, 0640u, 0604u, 0660u, 0602u}) {
    write(mode);
    auto r = KeyRing::load(path, false);
    ASSERT_FALSE(r.ok()) << std::oct << mode;
    EXPECT_NE(r.error().message.find("chmod 600"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("--insecure-keys"), std::string::npos);
    EXPECT_TRUE(KeyRing::load(path, true).ok());
  }
}

TEST_F(KeyFileOnDisk, LoadsAPrivateFile) {
  write(0600);
  auto r = KeyRing::load(path, false);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)->size(), 1u);
  write(0400);
  EXPECT_TRUE(KeyRing::load(path, false).ok());
}

TEST_F(KeyFileOnDisk, NamesAMissingFileAndADirectory) {
  auto r = KeyRing::load(path, false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot open key file " + path), std::string::npos);
  r = KeyRing::load(dir.path().string(), true);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not a regular file"), std::string::npos);
}

TEST(KeyGen, PrintsALineThatReadsBackAndTheSameKeyForNtpsec) {
  std::string ntpsec;
  std::string line = generate_key_line(65535, KeyType::Sha512, 32, &ntpsec);
  EXPECT_EQ(line.substr(0, 17), "65535 SHA512 HEX:");
  EXPECT_EQ(line.size(), 17u + 64u);
  EXPECT_EQ(ntpsec, "65535 SHA512 " + line.substr(17));
  auto a = parse_ok(line + "\n");
  auto b = parse_ok(ntpsec + "\n");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(mac_of(*a, 65535), mac_of(*b, 65535));
  EXPECT_NE(generate_key_line(1, KeyType::Sha256, 32, nullptr),
            generate_key_line(1, KeyType::Sha256, 32, nullptr));
}

}  // namespace
}  // namespace lansync::os
