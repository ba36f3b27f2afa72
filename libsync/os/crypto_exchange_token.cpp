// Exchange tokens; see crypto_exchange_token.hpp.
#include "os/crypto_exchange_token.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>

#include "os/random.hpp"

namespace lansync::os {
namespace {

constexpr uint8_t kVersion = 1;
// version | T2 | T3 | issued (monotonic) | serial, big-endian, then the MAC.
constexpr size_t kPayloadSize = 1 + 4 * 8;
constexpr size_t kTokenSize = kPayloadSize + crypto_auth_BYTES;
static_assert(crypto_auth_KEYBYTES == 32);

void put64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}

uint64_t get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not what we issue
}

}  // namespace

ExchangeTokens::ExchangeTokens() {
  if (sodium_init() < 0) std::abort();  // libsodium cannot work at all: nothing sensible to do
  random_bytes(key_.data(), key_.size());
}

ExchangeTokens::ExchangeTokens(const Key& key) : key_(key) {
  if (sodium_init() < 0) std::abort();
}

std::string ExchangeTokens::issue(int64_t t2_ns, int64_t t3_ns, int64_t mono_ns) {
  uint8_t raw[kTokenSize];
  raw[0] = kVersion;
  put64(raw + 1, static_cast<uint64_t>(t2_ns));
  put64(raw + 9, static_cast<uint64_t>(t3_ns));
  put64(raw + 17, static_cast<uint64_t>(mono_ns));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    put64(raw + 25, next_serial_++);
  }
  crypto_auth(raw + kPayloadSize, raw, kPayloadSize, key_.data());
  std::string out(2 * kTokenSize, '0');
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < kTokenSize; ++i) {
    out[2 * i] = kDigits[raw[i] >> 4];
    out[2 * i + 1] = kDigits[raw[i] & 0xF];
  }
  return out;
}

Result<IssuedExchange, core::PhoneRefusal> ExchangeTokens::redeem(std::string_view token,
                                                                  int64_t mono_now_ns) {
  using core::PhoneRefusal;
  if (token.size() != 2 * kTokenSize) return fail(PhoneRefusal::BadToken);
  uint8_t raw[kTokenSize];
  for (size_t i = 0; i < kTokenSize; ++i) {
    int hi = hex_value(token[2 * i]);
    int lo = hex_value(token[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(PhoneRefusal::BadToken);
    raw[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  // crypto_auth_verify compares in constant time.
  if (crypto_auth_verify(raw + kPayloadSize, raw, kPayloadSize, key_.data()) != 0 || raw[0] != kVersion) {
    return fail(PhoneRefusal::BadToken);
  }
  IssuedExchange x;
  x.t2_ns = static_cast<int64_t>(get64(raw + 1));
  x.t3_ns = static_cast<int64_t>(get64(raw + 9));
  x.issued_mono_ns = static_cast<int64_t>(get64(raw + 17));
  uint64_t serial = get64(raw + 25);
  int64_t age_ns = mono_now_ns - x.issued_mono_ns;
  if (age_ns > proto::kPhoneTokenLifetimeNs || age_ns < 0) return fail(PhoneRefusal::Expired);

  std::lock_guard<std::mutex> lock(mutex_);
  // Expired tokens are refused above, so only the live ones need remembering.
  std::erase_if(redeemed_, [&](const Redeemed& r) {
    return mono_now_ns - r.issued_mono_ns > proto::kPhoneTokenLifetimeNs;
  });
  bool used =
      std::any_of(redeemed_.begin(), redeemed_.end(), [&](const Redeemed& r) { return r.serial == serial; });
  if (used) return fail(PhoneRefusal::Reused);
  if (redeemed_.size() >= kMaxRedeemedTokens) return fail(PhoneRefusal::Busy);
  redeemed_.push_back({serial, x.issued_mono_ns});
  return x;
}

}  // namespace lansync::os
