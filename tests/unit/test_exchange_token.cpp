// Unit tests of the exchange tokens (os/crypto_exchange_token): only ours, unaltered,
// within their lifetime and once.
#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <string>

#include "../support/seed.hpp"
#include "os/crypto_exchange_token.hpp"

namespace lansync::os {
namespace {

using core::PhoneRefusal;

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT2 = 1'795'000'000 * kS + 123'456'789;
constexpr int64_t kMono = 7'000 * kS;

ExchangeTokens::Key key(uint8_t fill) {
  ExchangeTokens::Key k;
  k.fill(fill);
  return k;
}

TEST(ExchangeToken, RedeemsWhatItIssued) {
  ExchangeTokens tokens(key(1));
  std::string t = tokens.issue(kT2, kT2 + 80'000, kMono);
  EXPECT_EQ(t.size(), 130u);
  auto x = tokens.redeem(t, kMono + 2 * kS);
  ASSERT_TRUE(x.ok()) << core::code(x.error());
  EXPECT_EQ(x->t2_ns, kT2);
  EXPECT_EQ(x->t3_ns, kT2 + 80'000);
  EXPECT_EQ(x->issued_mono_ns, kMono);
}

TEST(ExchangeToken, OnlyOnce) {
  ExchangeTokens tokens(key(1));
  std::string t = tokens.issue(kT2, kT2, kMono);
  ASSERT_TRUE(tokens.redeem(t, kMono).ok());
  auto again = tokens.redeem(t, kMono + kS);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), PhoneRefusal::Reused);
  // Two tokens for the same times are still two tokens.
  std::string t1 = tokens.issue(kT2, kT2, kMono);
  std::string t2 = tokens.issue(kT2, kT2, kMono);
  EXPECT_NE(t1, t2);
  EXPECT_TRUE(tokens.redeem(t1, kMono).ok());
  EXPECT_TRUE(tokens.redeem(t2, kMono).ok());
}

TEST(ExchangeToken, ExpiresAfterItsLifetime) {
  ExchangeTokens tokens(key(1));
  std::string late = tokens.issue(kT2, kT2, kMono);
  auto r = tokens.redeem(late, kMono + proto::kPhoneTokenLifetimeNs + 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), PhoneRefusal::Expired);
  std::string just = tokens.issue(kT2, kT2, kMono);
  EXPECT_TRUE(tokens.redeem(just, kMono + proto::kPhoneTokenLifetimeNs).ok());
  // Issued "later" than now: not a token of this boot's monotonic clock.
  std::string future = tokens.issue(kT2, kT2, kMono + kS);
  EXPECT_EQ(tokens.redeem(future, kMono).error(), PhoneRefusal::Expired);
}

TEST(ExchangeToken, AnyAlteredCharacterIsRefused) {
  std::mt19937_64 rng = testing::seeded_rng();
  ExchangeTokens tokens(key(1));
  std::string t = tokens.issue(kT2, kT2 + 1000, kMono);
  for (size_t i = 0; i < t.size(); ++i) {
    std::string bad = t;
    const char* hex = "0123456789abcdef";
    do {
      bad[i] = hex[rng() % 16];
    } while (bad[i] == t[i]);
    auto r = tokens.redeem(bad, kMono);
    ASSERT_FALSE(r.ok()) << "position " << i;
    EXPECT_EQ(r.error(), PhoneRefusal::BadToken) << "position " << i;
  }
  EXPECT_TRUE(tokens.redeem(t, kMono).ok());  // the altered ones did not use it up
}

TEST(ExchangeToken, AnotherServersTokenIsRefused) {
  ExchangeTokens ours(key(1));
  ExchangeTokens theirs(key(2));
  EXPECT_EQ(ours.redeem(theirs.issue(kT2, kT2, kMono), kMono).error(), PhoneRefusal::BadToken);
  ExchangeTokens random_key;  // as sntpd makes it
  EXPECT_EQ(ours.redeem(random_key.issue(kT2, kT2, kMono), kMono).error(), PhoneRefusal::BadToken);
  EXPECT_TRUE(random_key.redeem(random_key.issue(kT2, kT2, kMono), kMono).ok());
}

TEST(ExchangeToken, GarbageIsRefused) {
  ExchangeTokens tokens(key(1));
  std::string t = tokens.issue(kT2, kT2, kMono);
  std::string upper = t;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& bad :
       {std::string(), std::string("x"), t.substr(1), t + "0", std::string(130, 'z'), upper}) {
    auto r = tokens.redeem(bad, kMono);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error(), PhoneRefusal::BadToken) << bad;
  }
}

TEST(ExchangeToken, RememberedTokensAreBounded) {
  ExchangeTokens tokens(key(1));
  for (size_t i = 0; i < kMaxRedeemedTokens; ++i) {
    ASSERT_TRUE(tokens.redeem(tokens.issue(kT2, kT2, kMono), kMono).ok()) << i;
  }
  auto full = tokens.redeem(tokens.issue(kT2, kT2, kMono), kMono);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error(), PhoneRefusal::Busy);
  // Once the old ones expire there is room again.
  int64_t later = kMono + proto::kPhoneTokenLifetimeNs + 1;
  EXPECT_TRUE(tokens.redeem(tokens.issue(kT2, kT2, later), later).ok());
}

}  // namespace
}  // namespace lansync::os
