// AES-SIV-CMAC-256 with GnuTLS; see crypto_siv.hpp.
#include "os/crypto_siv.hpp"

#include <gnutls/gnutls.h>

namespace lansync::os {

OsResult<SivKey> SivKey::create(const uint8_t* key, size_t key_size) {
  if (key_size != kSivKeySize) return invalid("AES-SIV-CMAC-256 needs a 32-byte key");
  gnutls_datum_t datum{const_cast<uint8_t*>(key), static_cast<unsigned>(key_size)};
  SivKey k;
  int rc = gnutls_aead_cipher_init(&k.handle_, GNUTLS_CIPHER_AES_128_SIV, &datum);
  if (rc < 0) {
    k.handle_ = nullptr;
    return code_error(std::errc::function_not_supported,
                      std::string("GnuTLS has no AES-SIV-CMAC-256: ") + gnutls_strerror(rc));
  }
  return k;
}

SivKey& SivKey::operator=(SivKey&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) gnutls_aead_cipher_deinit(handle_);
    handle_ = other.handle_;
    other.handle_ = nullptr;
  }
  return *this;
}

SivKey::~SivKey() {
  if (handle_ != nullptr) gnutls_aead_cipher_deinit(handle_);
}

size_t SivKey::seal(const uint8_t* nonce, size_t nonce_size, const uint8_t* ad, size_t ad_size,
                    const uint8_t* plain, size_t plain_size, uint8_t* out, size_t cap) const {
  if (handle_ == nullptr || nonce_size == 0 || cap < plain_size + 16) return 0;
  size_t out_size = cap;
  static const uint8_t kEmpty = 0;  // GnuTLS wants a pointer even for nothing
  int rc = gnutls_aead_cipher_encrypt(handle_, nonce, nonce_size, ad_size ? ad : &kEmpty, ad_size, 16,
                                      plain_size ? plain : &kEmpty, plain_size, out, &out_size);
  return rc < 0 ? 0 : out_size;
}

bool SivKey::open(const uint8_t* nonce, size_t nonce_size, const uint8_t* ad, size_t ad_size,
                  const uint8_t* sealed, size_t sealed_size, uint8_t* out, size_t cap,
                  size_t* plain_size) const {
  *plain_size = 0;
  if (handle_ == nullptr || nonce_size == 0 || sealed_size < 16 || cap < sealed_size - 16) return false;
  size_t out_size = cap;
  uint8_t scratch = 0;  // for an empty plaintext
  int rc = gnutls_aead_cipher_decrypt(handle_, nonce, nonce_size, ad, ad_size, 16, sealed, sealed_size,
                                      sealed_size > 16 ? out : &scratch, &out_size);
  if (rc < 0) return false;
  *plain_size = out_size;
  return true;
}

}  // namespace lansync::os
