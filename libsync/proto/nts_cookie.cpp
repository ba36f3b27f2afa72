// The NTS server's cookies; see nts_cookie.hpp.
#include "proto/nts_cookie.hpp"

#include "codec/bytes.hpp"
#include "codec/nts_ke.hpp"

namespace lansync::proto {

const NtsCookieKey* NtsCookieKeys::find(uint32_t id) const {
  for (size_t i = 0; i < count; ++i) {
    if (keys[i].id == id && id != 0) return &keys[i];
  }
  return nullptr;
}

void NtsCookieKeys::rotate(const NtsCookieKey& fresh) {
  for (size_t i = kNtsCookieKeysKept - 1; i > 0; --i) keys[i] = keys[i - 1];
  keys[0] = fresh;
  if (count < kNtsCookieKeysKept) ++count;
}

size_t seal_cookie(const NtsCookieKey& key, const NtsSessionKeys& keys, const uint8_t* nonce,
                   const NtsServerCrypto& crypto, uint8_t* out, size_t cap) {
  if (cap < kNtsServerCookieSize) return 0;
  uint8_t plain[kNtsCookiePlainSize] = {};
  codec::store_be16(plain, codec::kAeadAesSivCmac256);
  for (size_t i = 0; i < kNtsSessionKeySize; ++i) {
    plain[4 + i] = keys.c2s[i];
    plain[4 + kNtsSessionKeySize + i] = keys.s2c[i];
  }
  codec::store_be32(out, key.id);
  for (size_t i = 0; i < kNtsCookieNonceSize; ++i) out[4 + i] = nonce[i];
  const size_t head = 4 + kNtsCookieNonceSize;
  size_t sealed =
      crypto.seal(key.key, nonce, kNtsCookieNonceSize, out, 4, plain, sizeof(plain), out + head, cap - head);
  codec::zero_bytes(plain, sizeof(plain));
  return sealed == kNtsServerCookieSize - head ? kNtsServerCookieSize : 0;
}

bool open_cookie(const uint8_t* cookie, size_t size, const NtsCookieKeys& keys, const NtsServerCrypto& crypto,
                 NtsSessionKeys* out) {
  if (size != kNtsServerCookieSize) return false;
  const NtsCookieKey* key = keys.find(codec::load_be32(cookie));
  if (key == nullptr) return false;
  const size_t head = 4 + kNtsCookieNonceSize;
  uint8_t plain[kNtsCookiePlainSize];
  size_t plain_size = 0;
  if (!crypto.open(key->key, cookie + 4, kNtsCookieNonceSize, cookie, 4, cookie + head, size - head, plain,
                   sizeof(plain), &plain_size) ||
      plain_size != kNtsCookiePlainSize || codec::load_be16(plain) != codec::kAeadAesSivCmac256) {
    return false;
  }
  for (size_t i = 0; i < kNtsSessionKeySize; ++i) {
    out->c2s[i] = plain[4 + i];
    out->s2c[i] = plain[4 + kNtsSessionKeySize + i];
  }
  codec::zero_bytes(plain, sizeof(plain));
  return true;
}

}  // namespace lansync::proto
