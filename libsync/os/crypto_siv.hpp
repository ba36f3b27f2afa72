// AEAD_AES_SIV_CMAC_256 (RFC 5297, NTS's AEAD 15) with nettle, for the NTS exchange.
//
// nettle (the crypto library beneath GnuTLS, and chrony's choice) names it siv_cmac_aes128: two
// AES-128 keys, 32 bytes in all, a 16-byte synthetic IV placed before the ciphertext.  Its S2V
// takes one associated data string and the nonce, which is NTS's use (RFC 8915 §5.6).  It is
// not a TLS library, so the NTP server may link it (tests/checks/links.sh): the key exchange's
// TLS runs elsewhere.  OpenSSL 3.0's SIV was not taken: it cannot seal an empty plaintext, which
// is what an NTS request's authenticator seals.  nettle aborts on an empty nonce: seal() and
// open() refuse one first.  The expanded key lives in the object, wiped when it goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "os/error.hpp"
#include "proto/nts.hpp"

namespace lansync::os {

inline constexpr size_t kSivKeySize = 32;

// One AES-SIV-CMAC-256 key.
class SivKey final : public proto::NtsAead {
 public:
  // A key of kSivKeySize bytes.
  static OsResult<SivKey> create(const uint8_t* key, size_t key_size);

  SivKey();
  SivKey(SivKey&& other) noexcept;
  SivKey& operator=(SivKey&& other) noexcept;
  SivKey(const SivKey&) = delete;
  SivKey& operator=(const SivKey&) = delete;
  ~SivKey();

  size_t seal(const uint8_t* nonce, size_t nonce_size, const uint8_t* ad, size_t ad_size,
              const uint8_t* plain, size_t plain_size, uint8_t* out, size_t cap) const override;
  bool open(const uint8_t* nonce, size_t nonce_size, const uint8_t* ad, size_t ad_size, const uint8_t* sealed,
            size_t sealed_size, uint8_t* out, size_t cap, size_t* plain_size) const override;

 private:
  struct State;                   // nettle's context, kept out of this header
  std::unique_ptr<State> state_;  // null: no key
};

}  // namespace lansync::os
