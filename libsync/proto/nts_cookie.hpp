// The NTS server's cookies (RFC 8915 §6): the two keys of a key exchange, sealed under a key
// only the server holds, so that the server keeps no state per client.
//
// A cookie is 104 bytes, always (ntpsec's client needs a constant length):
//
//    +-------------------+--------------------+--------------------------------------------+
//    | cookie key ID (4) | nonce (16)         | AES-SIV(cookie key, nonce, AD = key ID,    |
//    |                   |                    |   AEAD ID (2) | 0 (2) | C2S (32) | S2C (32))|
//    +-------------------+--------------------+--------------------------------------------+
//
// The sealed part is the 16-byte synthetic IV and 68 bytes of ciphertext.  Cookie keys are made by
// sntpd, rotated weekly and the two previous kept (as chrony does), so a cookie opens for two to
// three weeks.  The AEAD is behind NtsServerCrypto, which also gives the random nonces, so this
// layer stays freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace lansync::proto {

// Bytes of a cookie key, a session key (AEAD 15) and a cookie's nonce.
inline constexpr size_t kNtsCookieKeySize = 32;
inline constexpr size_t kNtsSessionKeySize = 32;
inline constexpr size_t kNtsCookieNonceSize = 16;
// Bytes of the sealed plaintext (AEAD ID, reserved, C2S, S2C) and of a whole cookie.
inline constexpr size_t kNtsCookiePlainSize = 2 + 2 + 2 * kNtsSessionKeySize;
inline constexpr size_t kNtsServerCookieSize = 4 + kNtsCookieNonceSize + 16 + kNtsCookiePlainSize;
// The cookie keys a server keeps: the current one and the two before it.
inline constexpr size_t kNtsCookieKeysKept = 3;

// AEAD_AES_SIV_CMAC_256 with a key given per call (the server's keys come out of cookies), and a
// source of random bytes.  Implemented by the os layer (os/crypto_siv_keyed.hpp); the defaults fail.
class NtsServerCrypto {
 public:
  // Seals plain[0..plain_size) under key[0..32) with the nonce and associated data ad; writes the
  // SIV and the ciphertext (plain_size + 16 bytes) into out[0..cap).  The bytes written, 0 on failure.
  virtual size_t seal(const uint8_t* key, const uint8_t* nonce, size_t nonce_size, const uint8_t* ad,
                      size_t ad_size, const uint8_t* plain, size_t plain_size, uint8_t* out,
                      size_t cap) const {
    (void)key, (void)nonce, (void)nonce_size, (void)ad, (void)ad_size, (void)plain, (void)plain_size,
        (void)out, (void)cap;
    return 0;
  }
  // Opens sealed[0..sealed_size) under key into out[0..cap); false if it does not authenticate.
  // *plain_size: the plaintext's size.
  virtual bool open(const uint8_t* key, const uint8_t* nonce, size_t nonce_size, const uint8_t* ad,
                    size_t ad_size, const uint8_t* sealed, size_t sealed_size, uint8_t* out, size_t cap,
                    size_t* plain_size) const {
    (void)key, (void)nonce, (void)nonce_size, (void)ad, (void)ad_size, (void)sealed, (void)sealed_size,
        (void)out, (void)cap;
    *plain_size = 0;
    return false;
  }
  // Fills out[0..size) with unpredictable bytes.
  virtual void random(uint8_t* out, size_t size) const {
    for (size_t i = 0; i < size; ++i) out[i] = 0;
  }

 protected:
  ~NtsServerCrypto() = default;
};

// One cookie key and its ID (the ID is how a cookie names its key: never 0).
struct NtsCookieKey {
  uint32_t id = 0;
  uint8_t key[kNtsCookieKeySize] = {};
};

// The server's cookie keys, newest first.
struct NtsCookieKeys {
  NtsCookieKey keys[kNtsCookieKeysKept];
  size_t count = 0;

  // The key with this ID, or null.
  const NtsCookieKey* find(uint32_t id) const;
  // The key new cookies are sealed with (the newest), or null when there is none.
  const NtsCookieKey* current() const { return count == 0 ? nullptr : &keys[0]; }
  // Makes fresh the current key; the oldest beyond kNtsCookieKeysKept is forgotten.
  void rotate(const NtsCookieKey& fresh);
};

// The two keys of one client's key exchange (RFC 8915 §5.1).
struct NtsSessionKeys {
  uint8_t c2s[kNtsSessionKeySize] = {};  // client to server: requests' authenticators
  uint8_t s2c[kNtsSessionKeySize] = {};  // server to client: replies'
};

// Seals keys into a cookie under key with the nonce (kNtsCookieNonceSize bytes) into
// out[0..cap); kNtsServerCookieSize, or 0 if cap is smaller or sealing fails.
size_t seal_cookie(const NtsCookieKey& key, const NtsSessionKeys& keys, const uint8_t* nonce,
                   const NtsServerCrypto& crypto, uint8_t* out, size_t cap);

// Opens cookie[0..size) with the key it names among keys; false if it has the wrong size, names
// no key held, does not authenticate or holds another AEAD than 15.
bool open_cookie(const uint8_t* cookie, size_t size, const NtsCookieKeys& keys, const NtsServerCrypto& crypto,
                 NtsSessionKeys* out);

}  // namespace lansync::proto
