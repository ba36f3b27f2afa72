// AES-SIV-CMAC-256 with nettle; see crypto_siv.hpp.
#include "os/crypto_siv.hpp"

#include <nettle/siv-cmac.h>
#include <sodium.h>

namespace lansync::os {

struct SivKey::State {
  siv_cmac_aes128_ctx ctx;
  ~State() { sodium_memzero(&ctx, sizeof(ctx)); }
};

OsResult<SivKey> SivKey::create(const uint8_t* key, size_t key_size) {
  if (key_size != kSivKeySize) return invalid("AES-SIV-CMAC-256 needs a 32-byte key");
  SivKey k;
  k.state_ = std::make_unique<State>();
  siv_cmac_aes128_set_key(&k.state_->ctx, key);
  return k;
}

SivKey::SivKey() = default;
SivKey::SivKey(SivKey&& other) noexcept = default;
SivKey& SivKey::operator=(SivKey&& other) noexcept = default;
SivKey::~SivKey() = default;

size_t SivKey::seal(const uint8_t* nonce, size_t nonce_size, const uint8_t* ad, size_t ad_size,
                    const uint8_t* plain, size_t plain_size, uint8_t* out, size_t cap) const {
  if (state_ == nullptr || nonce_size == 0 || cap < plain_size + SIV_DIGEST_SIZE) return 0;
  siv_cmac_aes128_encrypt_message(&state_->ctx, nonce_size, nonce, ad_size, ad, plain_size + SIV_DIGEST_SIZE,
                                  out, plain);
  return plain_size + SIV_DIGEST_SIZE;
}

bool SivKey::open(const uint8_t* nonce, size_t nonce_size, const uint8_t* ad, size_t ad_size,
                  const uint8_t* sealed, size_t sealed_size, uint8_t* out, size_t cap,
                  size_t* plain_size) const {
  *plain_size = 0;
  if (state_ == nullptr || nonce_size == 0 || sealed_size < SIV_DIGEST_SIZE) return false;
  size_t n = sealed_size - SIV_DIGEST_SIZE;
  if (cap < n) return false;
  if (siv_cmac_aes128_decrypt_message(&state_->ctx, nonce_size, nonce, ad_size, ad, n, out, sealed) == 0) {
    sodium_memzero(out, n);  // nettle decrypts before it checks: no forged plaintext is left
    return false;
  }
  *plain_size = n;
  return true;
}

}  // namespace lansync::os
