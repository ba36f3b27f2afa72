// The NTS client exchange over NTP (RFC 8915 §5): a request sealed with the client-to-server key,
// a reply opened with the server-to-client key, the cookies it carries kept.
//
// The AEAD (AEAD_AES_SIV_CMAC_256) is behind NtsAead, a callback, so that this layer stays
// freestanding: the os layer implements it with nettle (os/crypto_siv.hpp).  A request is the
// caller's 48-byte header, then a unique identifier (32 random bytes), one cookie, placeholders
// asking for more, and the authenticator over all of it.  A reply counts only if it echoes the
// identifier and its authenticator opens with the server-to-client key; its new cookies come out
// of the ciphertext.  A Kiss-o'-Death NTSN (the server no longer takes our cookie) is not
// authenticated but must echo the identifier.  Pure: the random identifier and nonce come in as
// parameters.  Freestanding, like the codec.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/ntp_packet.hpp"
#include "codec/nts_ke.hpp"
#include "codec/nts_packet.hpp"

namespace lansync::proto {

// AEAD_AES_SIV_CMAC_256 under one key (RFC 5297: the output is the 16-byte SIV, then the ciphertext).
class NtsAead {
 public:
  // Seals plain[0..plain_size) with the nonce and associated data ad; writes the SIV and the
  // ciphertext (plain_size + 16 bytes) into out[0..cap).  Returns the bytes written, 0 on failure.
  virtual size_t seal(const uint8_t* nonce, size_t nonce_size, const uint8_t* ad, size_t ad_size,
                      const uint8_t* plain, size_t plain_size, uint8_t* out, size_t cap) const {
    (void)nonce, (void)nonce_size, (void)ad, (void)ad_size, (void)plain, (void)plain_size, (void)out,
        (void)cap;
    return 0;
  }
  // Opens sealed[0..sealed_size) into out[0..cap) (sealed_size - 16 bytes); false if it does not
  // authenticate (or cap is too small).  *plain_size: the plaintext's size.
  virtual bool open(const uint8_t* nonce, size_t nonce_size, const uint8_t* ad, size_t ad_size,
                    const uint8_t* sealed, size_t sealed_size, uint8_t* out, size_t cap,
                    size_t* plain_size) const {
    (void)nonce, (void)nonce_size, (void)ad, (void)ad_size, (void)sealed, (void)sealed_size, (void)out,
        (void)cap;
    *plain_size = 0;
    return false;
  }

 protected:
  ~NtsAead() = default;
};

// The cookies a client holds, oldest first; each is used once (RFC 8915 §5.7).
class NtsCookieJar {
 public:
  // Adds a cookie; when the jar is full the oldest is dropped.
  void put(const codec::NtsCookie& cookie);
  // Takes the oldest cookie out into *out; false when the jar is empty.
  bool take(codec::NtsCookie* out);
  size_t count() const { return count_; }

 private:
  codec::NtsCookie cookies_[codec::kNtsMaxCookies];
  size_t first_ = 0;
  size_t count_ = 0;
};

// The largest NTS request written here: header, identifier, a cookie and seven placeholders, authenticator.
inline constexpr size_t kMaxNtsRequestSize = codec::kHeaderSize + 4 + codec::kNtsUniqueIdSize +
                                             8 * (4 + codec::kNtsMaxCookieSize) + 4 + 4 +
                                             codec::kNtsNonceSize + codec::kSivTagSize;
// The largest NTS reply check_nts_reply() opens (bytes of ciphertext).
inline constexpr size_t kMaxNtsPlaintextSize = 2048;

// Appends the NTS fields to the request header in packet[0..size): the unique identifier, the
// cookie, placeholders placeholders (so that the server sends 1 + placeholders cookies), and the
// authenticator sealed by c2s with the nonce.  Returns the new size, 0 if cap is too small or
// sealing fails.
size_t append_nts_request(uint8_t* packet, size_t size, size_t cap, const uint8_t* unique_id,
                          const codec::NtsCookie& cookie, size_t placeholders, const uint8_t* nonce,
                          const NtsAead& c2s);

// What an NTS reply is to the request that sent unique_id.
enum class NtsReplyStatus : uint8_t {
  Ok,                // authenticated; its cookies taken
  Nak,               // a Kiss-o'-Death NTSN echoing our identifier: the cookie is no longer valid
  NotOurs,           // it does not echo our unique identifier
  Unauthenticated,   // no authenticator, or NTS fields out of place
  BadAuthenticator,  // the authenticator does not open with the server-to-client key
};

// "ok", "NTS NAK (NTSN): cookie refused", ...
const char* describe(NtsReplyStatus s);

// The reply's judgement and, when Ok, the cookies it carried (up to kNtsMaxCookies).
struct NtsReply {
  NtsReplyStatus status = NtsReplyStatus::Unauthenticated;
  codec::NtsCookie cookies[codec::kNtsMaxCookies];
  size_t cookie_count = 0;
};

// Judges an NTS reply that codec::decode() laid out, answering the request with
// unique_id[0..kNtsUniqueIdSize), with the server-to-client key s2c.
void check_nts_reply(const uint8_t* data, const codec::PacketLayout& layout, const uint8_t* unique_id,
                     const NtsAead& s2c, NtsReply* out);

}  // namespace lansync::proto
