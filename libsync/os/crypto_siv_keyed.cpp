// The NTS server's AEAD with a key per call; see crypto_siv_keyed.hpp.
#include "os/crypto_siv_keyed.hpp"

#include "os/crypto_siv.hpp"
#include "os/random.hpp"

namespace lansync::os {

size_t NtsServerSiv::seal(const uint8_t* key, const uint8_t* nonce, size_t nonce_size, const uint8_t* ad,
                          size_t ad_size, const uint8_t* plain, size_t plain_size, uint8_t* out,
                          size_t cap) const {
  auto k = SivKey::create(key, kSivKeySize);
  return k ? k->seal(nonce, nonce_size, ad, ad_size, plain, plain_size, out, cap) : 0;
}

bool NtsServerSiv::open(const uint8_t* key, const uint8_t* nonce, size_t nonce_size, const uint8_t* ad,
                        size_t ad_size, const uint8_t* sealed, size_t sealed_size, uint8_t* out, size_t cap,
                        size_t* plain_size) const {
  *plain_size = 0;
  auto k = SivKey::create(key, kSivKeySize);
  return k && k->open(nonce, nonce_size, ad, ad_size, sealed, sealed_size, out, cap, plain_size);
}

void NtsServerSiv::random(uint8_t* out, size_t size) const { random_bytes(out, size); }

}  // namespace lansync::os
