// AEAD_AES_SIV_CMAC_256 (RFC 5297, NTS's AEAD 15) with GnuTLS, for the NTS exchange.
//
// GnuTLS 3.7 calls it GNUTLS_CIPHER_AES_128_SIV: two AES-128 keys, 32 bytes in all, a 16-byte
// synthetic IV placed before the ciphertext.  Its S2V takes one associated data string and the
// nonce, which is NTS's use (RFC 8915 §5.6).  nettle, beneath GnuTLS, aborts on an empty nonce:
// seal() and open() refuse one first.  The key lives in GnuTLS's cipher handle; the copy given is
// not kept.
#pragma once

#include <gnutls/crypto.h>

#include <cstddef>
#include <cstdint>

#include "os/error.hpp"
#include "proto/nts.hpp"

namespace lansync::os {

inline constexpr size_t kSivKeySize = 32;

// One AES-SIV-CMAC-256 key.
class SivKey final : public proto::NtsAead {
 public:
  // A key of kSivKeySize bytes; fails if GnuTLS has no AES-SIV.
  static OsResult<SivKey> create(const uint8_t* key, size_t key_size);

  SivKey() = default;
  SivKey(SivKey&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  SivKey& operator=(SivKey&& other) noexcept;
  SivKey(const SivKey&) = delete;
  SivKey& operator=(const SivKey&) = delete;
  ~SivKey();

  size_t seal(const uint8_t* nonce, size_t nonce_size, const uint8_t* ad, size_t ad_size,
              const uint8_t* plain, size_t plain_size, uint8_t* out, size_t cap) const override;
  bool open(const uint8_t* nonce, size_t nonce_size, const uint8_t* ad, size_t ad_size, const uint8_t* sealed,
            size_t sealed_size, uint8_t* out, size_t cap, size_t* plain_size) const override;

 private:
  gnutls_aead_cipher_hd_t handle_ = nullptr;
};

}  // namespace lansync::os
