// Unit tests of key types and key file lines (proto/keys), the one parser sntpd's key ring and
// the boards share: each rule, what it leaves alone, and that the key ring refuses the same lines.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "os/crypto_keys.hpp"
#include "proto/keys.hpp"

namespace lansync::proto {
namespace {

// The line must outlive the KeyLine, whose fields point into it.
KeyLine parse(const std::string& line, Key* out) { return parse_key_line(line.data(), line.size(), out); }

TEST(KeyLine, ReadsEachForm) {
  Key k;
  KeyLine l = parse("  42\tsha512 HEX:00ff10  # a comment", &k);
  ASSERT_EQ(l.status, KeyLineStatus::Ok);
  EXPECT_EQ(k.id, 42u);
  EXPECT_EQ(k.type, KeyType::Sha512);
  ASSERT_EQ(k.size, 3u);
  EXPECT_EQ(k.bytes[0], 0x00);
  EXPECT_EQ(k.bytes[1], 0xff);
  EXPECT_EQ(k.bytes[2], 0x10);
  EXPECT_EQ(k.bytes[3], 0x00);
  EXPECT_EQ(l.bare_hex_digits, 0u);

  ASSERT_EQ(parse("7 SHA256 ASCII:HEX:ab", &k).status, KeyLineStatus::Ok);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(k.bytes), k.size), "HEX:ab");
  ASSERT_EQ(parse("7 SHA1 0123456789abcdef0123", &k).status, KeyLineStatus::Ok) << "20 digits: text";
  EXPECT_EQ(k.size, 20u);
  l = parse("7 SHA1 0123456789abcdef01234", &k);
  ASSERT_EQ(l.status, KeyLineStatus::BadHex) << "21 digits: hex, and odd";
  l = parse("7 SHA1 0123456789abcdef012345", &k);
  ASSERT_EQ(l.status, KeyLineStatus::Ok) << "22 digits: hex, as ntpsec reads it";
  EXPECT_EQ(k.size, 11u);
  EXPECT_EQ(l.bare_hex_digits, 22u);
  ASSERT_EQ(parse("4294967295 AES-128 ASCII:0123456789abcdef\n", &k).status, KeyLineStatus::Ok);
  EXPECT_EQ(k.id, 4294967295u);
  EXPECT_EQ(k.type, KeyType::Aes128);
}

// Every line a key ring cannot use: the status says why, *out is left alone,
// and sntpd's key ring refuses the line too.
TEST(KeyLine, LinesItCannotUseLeaveTheKeyAlone) {
  struct Case {
    std::string line;
    KeyLineStatus want;
  } cases[] = {
      {"", KeyLineStatus::Empty},
      {"   # a comment", KeyLineStatus::Empty},
      {"1 SHA256 ab#cd", KeyLineStatus::HashInField},
      {"1 SHA256 HEX:00 extra#", KeyLineStatus::HashInField},
      {"0 SHA256 HEX:00", KeyLineStatus::BadId},
      {"4294967296 SHA256 HEX:00", KeyLineStatus::BadId},
      {"x1 SHA256 HEX:00", KeyLineStatus::BadId},
      {"12345678901 SHA256 HEX:00", KeyLineStatus::BadId},
      {"1", KeyLineStatus::NoTypeNoKey},
      {"1 SHA256", KeyLineStatus::NoType},
      {"1 SHA256 HEX:00 extra", KeyLineStatus::ExtraText},
      {"1 MD5 HEX:00", KeyLineStatus::UnknownType},
      {"1 SHA384 HEX:00", KeyLineStatus::UnknownType},
      {"1 SHA256 " + std::string(66, 'a'), KeyLineStatus::BareHexTooLong},
      {"1 SHA256 HEX:", KeyLineStatus::BadHex},
      {"1 SHA256 HEX:abc", KeyLineStatus::BadHex},
      {"1 SHA256 HEX:zz", KeyLineStatus::BadHex},
      {"1 SHA256 ASCII:", KeyLineStatus::EmptyKey},
      {"1 SHA512 HEX:" + std::string(130, '0'), KeyLineStatus::TooLong},
      {"1 SHA512 ASCII:" + std::string(65, 'x'), KeyLineStatus::TooLong},
      {"1 AES128 HEX:00112233445566778899aabbccddee", KeyLineStatus::WrongSize},
      {"1 AES 0123456789abcdef0", KeyLineStatus::WrongSize},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    Key k;
    k.id = 5;
    k.size = 1;
    k.bytes[0] = 0x55;
    EXPECT_EQ(parse(c.line, &k).status, c.want);
    EXPECT_EQ(k.id, 5u);
    EXPECT_EQ(k.size, 1u);
    EXPECT_EQ(k.bytes[0], 0x55);
    EXPECT_STRNE(describe(c.want), "unknown");
    EXPECT_FALSE(os::KeyRing::parse(c.line + "\n", "line").ok());
  }
}

TEST(KeyLine, SaysWhichFieldsItRead) {
  // The fields point into the line: it must outlive them.
  const std::string bad_id = "x1 SHA256 HEX:00", bad_type = "3 Blake HEX:00";
  Key k;
  KeyLine l = parse(bad_id, &k);
  EXPECT_EQ(std::string(l.id_field, l.id_field_size), "x1");
  l = parse(bad_type, &k);
  EXPECT_EQ(l.id, 3u);
  EXPECT_EQ(std::string(l.type_field, l.type_field_size), "Blake");
  l = parse("3 AES128 HEX:0011", &k);
  EXPECT_EQ(l.status, KeyLineStatus::WrongSize);
  EXPECT_EQ(l.key_size, 2u);
  EXPECT_EQ(l.type, KeyType::Aes128);
}

TEST(KeyTypes, NamesAndSizes) {
  struct Case {
    const char* name;
    KeyType type;
    size_t mac_size;
  } cases[] = {{"SHA256", KeyType::Sha256, 32},  {"sha512", KeyType::Sha512, 64},
               {"SHA1", KeyType::Sha1, 20},      {"Sha-1", KeyType::Sha1, 20},
               {"AES128", KeyType::Aes128, 16},  {"aes", KeyType::Aes128, 16},
               {"AES-128", KeyType::Aes128, 16}, {"AES128CMAC", KeyType::Aes128, 16}};
  for (const Case& c : cases) {
    KeyType t = KeyType::Sha256;
    ASSERT_TRUE(parse_key_type(c.name, std::strlen(c.name), &t)) << c.name;
    EXPECT_EQ(t, c.type) << c.name;
    EXPECT_EQ(key_mac_size(t), c.mac_size) << c.name;
    EXPECT_LE(key_mac_size(t), kMaxMacSize);
  }
  KeyType t = KeyType::Sha1;
  for (const char* name : {"MD5", "SHA", "SHA2566", "SHA25", "AES256", ""}) {
    EXPECT_FALSE(parse_key_type(name, std::strlen(name), &t)) << name;
  }
  EXPECT_EQ(t, KeyType::Sha1);
  EXPECT_STREQ(key_type_name(KeyType::Aes128), "AES128");
  EXPECT_STREQ(ntpsec_key_type_name(KeyType::Aes128), "AES");
  EXPECT_STREQ(ntpsec_key_type_name(KeyType::Sha512), "SHA512");
  EXPECT_EQ(key_required_size(KeyType::Aes128), 16u);
  EXPECT_EQ(key_required_size(KeyType::Sha1), 0u);
}

}  // namespace
}  // namespace lansync::proto
