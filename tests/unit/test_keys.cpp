// Unit tests of the key file reader and the key ring (os/crypto_keys): libsodium's
// SHA-2, libcrypto's SHA-1 and AES-CMAC, checked against published vectors.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "../support/temp_dir.hpp"
#include "os/crypto_keys.hpp"
#include "proto/auth.hpp"

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
  proto::KeyType t;
  ASSERT_TRUE(ring->find(2, &t));
  EXPECT_EQ(t, proto::KeyType::Sha512);
  EXPECT_EQ(ring->mac_size(1), 32u);
  EXPECT_EQ(ring->mac_size(2), 64u);
  EXPECT_EQ(ring->mac_size(4), 0u);
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
  for (const char* type : {"sha384", "AES256", "AES-192", "CMAC", "SHA", "BLAKE2B512"}) {
    KeyFileProblem p = problem_of(std::string("7 ") + type + " HEX:" + kHex32);
    EXPECT_EQ(p.line, 2) << type;
    EXPECT_EQ(p.key_id, 7u);
    EXPECT_TRUE(p.fatal);
    EXPECT_NE(p.message.find("not supported by this build"), std::string::npos) << p.message;
    EXPECT_NE(p.message.find("SHA1, SHA256, SHA512 and AES128"), std::string::npos) << p.message;
  }
  KeyFileProblem p = problem_of("7 FOO 1234");
  EXPECT_EQ(p.line, 2);
  EXPECT_TRUE(p.fatal);
  EXPECT_NE(p.message.find("unknown key type FOO (this build supports SHA1, SHA256, SHA512, AES128)"),
            std::string::npos)
      << p.message;
}

TEST(KeyFile, Md5IsRefusedWithTheReasonAndWhatToMakeInstead) {
  // "M" and "MX": ntpsec reads any unknown type beginning with M as MD5; "ID KEY": chrony does.
  for (const char* line : {"7 MD5 HEX:00112233445566778899aabbccddeeff", "7 md5 pass-phrase-1234",
                           "7 M pass-phrase-1234", "7 MX pass-phrase-1234", "7 HEX:00112233445566778899"}) {
    KeyFileProblem p = problem_of(line);
    EXPECT_EQ(p.line, 2) << line;
    EXPECT_EQ(p.key_id, 7u) << line;
    EXPECT_TRUE(p.fatal) << line;
    EXPECT_NE(p.message.find("refused: RFC 8573 deprecates MD5"), std::string::npos) << p.message;
    EXPECT_NE(p.message.find("broken"), std::string::npos) << p.message;
    EXPECT_NE(p.message.find("chronyc keygen 7 AES128"), std::string::npos) << p.message;
    EXPECT_NE(p.message.find("ntpprobe keygen --type AES128 --id 7"), std::string::npos) << p.message;
  }
}

TEST(KeyFile, ReadsSha1AndAes128KeysInChronysAndNtpsecsSpelling) {
  auto ring = parse_ok(
      "1 SHA1 HEX:75388CD24C9B15666342921464F226FC7D179A98\n"  // chronyc keygen 1 SHA1
      "2 AES128 HEX:FF23850986E6888BEDAFA3731076C51B\n"        // chronyc keygen 2 AES128
      "3 AES ff23850986e6888bedafa3731076c51b\n"               // ntpsec: bare hex, type AES
      "4 aes128cmac 0123456789abcdef\n"                        // ntpsec: 16 characters of text
      "5 AES-128 ASCII:0123456789abcdef\n"
      "6 sha-1 short-text\n");
  ASSERT_TRUE(ring);
  EXPECT_EQ(ring->ids(), (std::vector<uint32_t>{1, 2, 3, 4, 5, 6}));
  proto::KeyType t;
  ASSERT_TRUE(ring->find(1, &t));
  EXPECT_EQ(t, proto::KeyType::Sha1);
  for (uint32_t id : {2u, 3u, 4u, 5u}) {
    ASSERT_TRUE(ring->find(id, &t));
    EXPECT_EQ(t, proto::KeyType::Aes128) << id;
    EXPECT_EQ(ring->mac_size(id), 16u) << id;
  }
  EXPECT_EQ(ring->mac_size(1), 20u);
  EXPECT_EQ(ring->mac_size(6), 20u);
  EXPECT_EQ(mac_of(*ring, 2), mac_of(*ring, 3));  // the same key in both syntaxes
  EXPECT_EQ(mac_of(*ring, 4), mac_of(*ring, 5));
  // ntpsec's bare hex warns (chrony reads it as text): nothing else.
  ASSERT_EQ(ring->problems().size(), 1u);
  EXPECT_EQ(ring->problems()[0].line, 3);
  EXPECT_FALSE(ring->problems()[0].fatal);
  EXPECT_EQ(std::string(proto::key_type_name(proto::KeyType::Aes128)), "AES128");
  EXPECT_EQ(std::string(proto::ntpsec_key_type_name(proto::KeyType::Aes128)), "AES");
}

TEST(KeyFile, AnAes128KeyMustBe16Bytes) {
  const std::string keys[] = {"HEX:00112233445566778899aabbccddee", "HEX:00112233445566778899aabbccddeeff00",
                              "ASCII:0123456789", "0123456789abcdef0", std::string("HEX:") + kHex32};
  for (const std::string& key : keys) {
    auto ring = parse_ok(std::string("1 SHA256 HEX:") + kHex32 + "\n9 AES128 " + key + "\n");
    ASSERT_TRUE(ring);
    EXPECT_EQ(ring->ids(), std::vector<uint32_t>{1}) << key;  // the other key still loads
    ASSERT_EQ(ring->problems().size(), 1u) << key;
    const KeyFileProblem& p = ring->problems()[0];
    EXPECT_EQ(p.line, 2);
    EXPECT_TRUE(p.fatal);
    EXPECT_NE(p.message.find("key 9: an AES128 key must be exactly 16 bytes"), std::string::npos)
        << p.message;
    EXPECT_EQ(ring->why_missing(9), "keys:2: " + p.message);
  }
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
  auto ring = parse_ok(std::string("1 SHA256 HEX:") + kHex32 + "\n3 SHA384 HEX:00112233445566778899\n");
  ASSERT_TRUE(ring);
  EXPECT_EQ(ring->why_missing(3),
            "keys:2: key 3: type SHA384 is not supported by this build (it computes SHA1, SHA256, SHA512 "
            "and AES128 CMAC)");
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

std::vector<uint8_t> bytes(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string hex_of(const uint8_t* p, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += "0123456789abcdef"[p[i] >> 4], out += "0123456789abcdef"[p[i] & 15];
  return out;
}

// The whole MAC of data by key_id (mac_size bytes), as hex; "none" if compute() failed.
std::string full_mac(const KeyRing& ring, uint32_t key_id, const std::vector<uint8_t>& data) {
  uint8_t out[64];
  size_t n = ring.mac_size(key_id);
  if (n == 0 || !ring.compute(key_id, data.data(), data.size(), out, n)) return "none";
  return hex_of(out, n);
}

TEST(KeyMac, Aes128CmacMatchesRfc4493) {
  // RFC 4493 §4: K = 2b7e1516 28aed2a6 abf71588 09cf4f3c, examples 1 to 4 (0, 16, 40 and 64 bytes).
  auto ring = parse_ok("1 AES128 HEX:2b7e151628aed2a6abf7158809cf4f3c\n");
  ASSERT_TRUE(ring);
  const std::string m =
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
  const std::pair<size_t, const char*> cases[] = {{0, "bb1d6929e95937287fa37d129b756746"},
                                                  {16, "070a16b46b4d4144f79bdd9dd04a287c"},
                                                  {40, "dfa66747de9ae63030ca32611497c827"},
                                                  {64, "51f0bebf7e3b9d92fc49741779363cfe"}};
  for (const auto& [size, want] : cases) {
    EXPECT_EQ(full_mac(*ring, 1, bytes(m.substr(0, 2 * size))), want) << size << " bytes";
  }
}

TEST(KeyMac, Sha1IsTheHashOfKeyThenData) {
  // FIPS 180-2 appendix A: SHA-1("abc") and SHA-1 of the 56-byte message, split into key || data.
  auto ring = parse_ok("1 SHA1 ASCII:ab\n2 SHA1 ASCII:abcdbcdecdefdefg\n");
  ASSERT_TRUE(ring);
  std::string rest = "efghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(full_mac(*ring, 1, {'c'}), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(full_mac(*ring, 2, std::vector<uint8_t>(rest.begin(), rest.end())),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST(KeyMac, VerifyTakesTheWholeMacOrAPrefixAndNoMore) {
  auto ring =
      parse_ok("1 AES128 HEX:2b7e151628aed2a6abf7158809cf4f3c\n2 SHA1 HEX:" + std::string(kHex32) + "\n");
  ASSERT_TRUE(ring);
  uint8_t packet[48] = {0x23};
  for (auto [id, size] : {std::pair<uint32_t, size_t>{1, 16}, {2, 20}}) {
    uint8_t mac[64];
    ASSERT_TRUE(ring->compute(id, packet, sizeof(packet), mac, size));
    EXPECT_TRUE(ring->verify(id, packet, sizeof(packet), mac, size));
    EXPECT_FALSE(ring->compute(id, packet, sizeof(packet), mac, size + 1));
    EXPECT_FALSE(ring->verify(id, packet, sizeof(packet), mac, size + 1));
    mac[size - 1] ^= 1;
    EXPECT_FALSE(ring->verify(id, packet, sizeof(packet), mac, size));
  }
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

// load_key_file(), as ntpprobe and lansync-board (one key) and sntpd (every key) call it.
TEST_F(KeyFileOnDisk, LoadKeyFileReportsWhatTheToolNeeds) {
  std::ofstream(path) << "1 SHA256 short\n2 MD5 HEX:00112233445566778899\n3 SHA256 HEX:" << kHex32 << "\n";
  ::chmod(path.c_str(), 0600);
  std::vector<std::string> said;
  auto say = [&](const std::string& w) { said.push_back(w); };

  auto all = load_key_file(path, false, 0, say);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(said.size(), 2u);
  EXPECT_EQ(said[0].rfind(path + ":1: key 1: only 5 bytes", 0), 0u) << said[0];
  EXPECT_EQ(said[1].rfind(path + ":2: key 2: type MD5 is refused", 0), 0u) << said[1];
  EXPECT_NE(said[1].find(" (line left out)"), std::string::npos) << said[1];

  said.clear();
  EXPECT_TRUE(load_key_file(path, false, 3, say).ok());
  EXPECT_TRUE(said.empty()) << "nothing about key 3";
  EXPECT_TRUE(load_key_file(path, false, 1, say).ok());
  ASSERT_EQ(said.size(), 1u);
  EXPECT_EQ(said[0].rfind(path + ":1: key 1: only 5 bytes", 0), 0u) << said[0];

  said.clear();
  auto md5 = load_key_file(path, false, 2, say);
  ASSERT_FALSE(md5.ok());
  EXPECT_EQ(md5.error().message.rfind("--key 2: " + path + ":2: key 2: type MD5 is refused", 0), 0u)
      << md5.error().message;
  EXPECT_TRUE(said.empty()) << "a line left out is the error, not a warning";
  auto none = load_key_file(path, false, 9, say);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message, "--key 9: no key 9 in " + path);

  ::chmod(path.c_str(), 0644);
  auto open = load_key_file(path, false, 3, say);
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find("chmod 600"), std::string::npos) << open.error().message;
}

TEST(KeyGen, PrintsALineThatReadsBackAndTheSameKeyForNtpsec) {
  std::string ntpsec;
  std::string line = generate_key_line(65535, proto::KeyType::Sha512, 32, &ntpsec);
  EXPECT_EQ(line.substr(0, 17), "65535 SHA512 HEX:");
  EXPECT_EQ(line.size(), 17u + 64u);
  EXPECT_EQ(ntpsec, "65535 SHA512 " + line.substr(17));
  auto a = parse_ok(line + "\n");
  auto b = parse_ok(ntpsec + "\n");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(mac_of(*a, 65535), mac_of(*b, 65535));
  EXPECT_NE(generate_key_line(1, proto::KeyType::Sha256, 32, nullptr),
            generate_key_line(1, proto::KeyType::Sha256, 32, nullptr));
}

TEST(KeyGen, Aes128KeysAre16BytesAndNamedAesForNtpsec) {
  std::string ntpsec;
  std::string line = generate_key_line(3, proto::KeyType::Aes128, 32, &ntpsec);
  EXPECT_EQ(line.substr(0, 13), "3 AES128 HEX:");
  EXPECT_EQ(line.size(), 13u + 32u);
  EXPECT_EQ(ntpsec, "3 AES " + line.substr(13));
  auto a = parse_ok(line + "\n");
  auto b = parse_ok(ntpsec + "\n");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(mac_of(*a, 3), "none");  // 20 bytes asked of a 16-byte MAC
  EXPECT_EQ(full_mac(*a, 3, {1, 2, 3}), full_mac(*b, 3, {1, 2, 3}));
  EXPECT_EQ(generate_key_line(4, proto::KeyType::Sha1, 32, nullptr).size(), 11u + 64u);
}

}  // namespace
}  // namespace lansync::os
