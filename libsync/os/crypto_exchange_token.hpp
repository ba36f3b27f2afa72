// Exchange tokens: the server's T2/T3 of one HTTP time exchange, sealed so that only it can make them.
//
// When the phone's page asks for the time, the server answers with its
// receive and transmit times and a token carrying them, authenticated with
// libsodium's crypto_auth (HMAC-SHA-512-256) under a key drawn at start and
// never stored.  To set the clock the page sends the token back with its own
// T1/T4: the server trusts only the T2/T3 inside.  A token is good for
// proto::kPhoneTokenLifetimeNs of monotonic time and once only (the phone's
// protocol, proto/phone), so a captured request cannot be replayed; only the
// page's own origin and those --http-allow-origin names can read one (CORS),
// so another site cannot obtain one either.  Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "codec/result.hpp"
#include "core/phone.hpp"

namespace lansync::os {

// Tokens redeemed and not yet expired that are remembered, to refuse a second
// use; when full, further tokens are refused (Busy) until some expire.
inline constexpr size_t kMaxRedeemedTokens = 1024;

// What a token vouches for.
struct IssuedExchange {
  int64_t t2_ns = 0;           // the server's receive time, Unix ns on its clock
  int64_t t3_ns = 0;           // the server's transmit time
  int64_t issued_mono_ns = 0;  // CLOCK_MONOTONIC when it was issued (with T3)
};

class ExchangeTokens {
 public:
  using Key = std::array<uint8_t, 32>;

  ExchangeTokens();                         // a fresh random key
  explicit ExchangeTokens(const Key& key);  // for tests

  // A token (130 hex characters) for T2/T3, issued at mono_ns.
  std::string issue(int64_t t2_ns, int64_t t3_ns, int64_t mono_ns);

  // The exchange a token vouches for, if it is ours, unaltered, younger than
  // proto::kPhoneTokenLifetimeNs at mono_now_ns and not redeemed before; it then counts
  // as used.  Refusals: BadToken, Expired, Reused, Busy.
  Result<IssuedExchange, core::PhoneRefusal> redeem(std::string_view token, int64_t mono_now_ns);

 private:
  struct Redeemed {
    uint64_t serial;
    int64_t issued_mono_ns;
  };

  std::mutex mutex_;
  Key key_{};
  uint64_t next_serial_ = 1;
  std::vector<Redeemed> redeemed_;
};

}  // namespace lansync::os
