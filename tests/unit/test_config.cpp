// Unit tests of `key value` configuration files (os/file_config).
#include <gtest/gtest.h>

#include "os/file_config.hpp"

namespace lansync::os {
namespace {

TEST(Config, KeysValuesCommentsAndFlags) {
  auto c = parse_config(
      "# sntpd on the Pi\n"
      "\n"
      "listen 192.168.4.1:123\n"
      "  listen   [::]:123  \n"
      "local-stratum 10\r\n"
      "ratelimit\n"
      "allow 10.0.0.0/8 172.16.0.0/12\n",
      "sntpd.conf");
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->size(), 5u);
  EXPECT_EQ((*c)[0].key, "listen");
  EXPECT_EQ((*c)[0].value, "192.168.4.1:123");
  EXPECT_EQ((*c)[0].line, 3);
  EXPECT_EQ((*c)[1].value, "[::]:123");
  EXPECT_EQ((*c)[2].value, "10");
  EXPECT_EQ((*c)[3].key, "ratelimit");
  EXPECT_EQ((*c)[3].value, "");
  EXPECT_EQ((*c)[4].value, "10.0.0.0/8 172.16.0.0/12");
  EXPECT_EQ((*c)[4].line, 7);
}

TEST(Config, BadKeyNamesFileAndLine) {
  auto c = parse_config("listen 1.2.3.4\nLocal_Stratum 3\n", "/etc/lansync/sntpd.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "/etc/lansync/sntpd.conf:2: bad key 'Local_Stratum'");
}

TEST(Config, MissingFileIsAnError) {
  auto c = read_config("/nonexistent/sntpd.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, std::errc::no_such_file_or_directory);
}

}  // namespace
}  // namespace lansync::os
