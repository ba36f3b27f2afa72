// The NTS server's AEAD with a key per call, and its random bytes: proto::NtsServerCrypto over
// os::SivKey (AES-SIV-CMAC-256) and the kernel's random pool.
//
// The server's keys come out of cookies, one pair per client, so each call sets up the cipher for
// its key and drops it (AES-SIV's key schedule is two AES key expansions: cheap next to the
// rest of a reply).  Stateless, so the workers share one.
#pragma once

#include "proto/nts_cookie.hpp"

namespace lansync::os {

// AES-SIV-CMAC-256 under a key given per call, and getrandom().
class NtsServerSiv final : public proto::NtsServerCrypto {
 public:
  size_t seal(const uint8_t* key, const uint8_t* nonce, size_t nonce_size, const uint8_t* ad, size_t ad_size,
              const uint8_t* plain, size_t plain_size, uint8_t* out, size_t cap) const override;
  bool open(const uint8_t* key, const uint8_t* nonce, size_t nonce_size, const uint8_t* ad, size_t ad_size,
            const uint8_t* sealed, size_t sealed_size, uint8_t* out, size_t cap,
            size_t* plain_size) const override;
  void random(uint8_t* out, size_t size) const override;
};

}  // namespace lansync::os
