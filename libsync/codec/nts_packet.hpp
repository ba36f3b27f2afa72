// The NTS extension fields of an NTP packet (RFC 8915 §5): unique identifier, cookie, cookie
// placeholder and the authenticator, and where they lie in a reply.
//
// A client request carries a unique identifier (32 random bytes, echoed by the server), one
// cookie, optionally placeholders asking for more cookies, and last the NTS Authenticator and
// Encrypted Extension Fields field: the AEAD's nonce and ciphertext, each padded to 4 bytes.  The
// associated data the AEAD covers is every byte of the packet before the authenticator field.  A
// reply echoes the identifier and carries its new cookies inside the ciphertext.  Sealing and
// opening are not the codec's job (os/crypto_siv does them); this file builds the fields and
// checks a reply's layout.  Freestanding, like the rest of the codec.
//
//    Authenticator value (RFC 8915 §5.6):
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |          Nonce Length         |      Ciphertext Length        |
//    |                 Nonce, padded to a multiple of 4              |
//    |               Ciphertext, padded to a multiple of 4           |
//    |                      Additional Padding                       |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/ntp_packet.hpp"
#include "codec/result.hpp"

namespace lansync::codec {

// Extension field types (RFC 8915 §7.5).
inline constexpr uint16_t kEfUniqueId = 0x0104;
inline constexpr uint16_t kEfNtsCookie = 0x0204;
inline constexpr uint16_t kEfNtsCookiePlaceholder = 0x0304;
inline constexpr uint16_t kEfNtsAuthenticator = 0x0404;
// The unique identifier a client sends (RFC 8915 §5.3: at least 32 bytes).
inline constexpr size_t kNtsUniqueIdSize = 32;
// The nonce a client sends (RFC 8915 §5.6: at least 16 bytes for AEAD 15).
inline constexpr size_t kNtsNonceSize = 16;
// AES-SIV's synthetic IV, prepended to the ciphertext (RFC 5297).
inline constexpr size_t kSivTagSize = 16;

// Rounds n up to a multiple of 4.
constexpr size_t pad4(size_t n) { return (n + 3) & ~size_t{3}; }

// Appends the unique identifier field (id[0..size)) at packet + size_so_far; the new size, or 0 if cap is too
// small.
size_t append_unique_id(uint8_t* packet, size_t size_so_far, size_t cap, const uint8_t* id, size_t id_size);
// Appends a cookie field; the new size, or 0.
size_t append_nts_cookie(uint8_t* packet, size_t size_so_far, size_t cap, const uint8_t* cookie,
                         size_t cookie_size);
// Appends a cookie placeholder as long as a cookie of cookie_size bytes; the new size, or 0.
size_t append_nts_placeholder(uint8_t* packet, size_t size_so_far, size_t cap, size_t cookie_size);
// Appends the authenticator field, the last of the packet: nonce and ciphertext (the AEAD's
// output over the packet before this field).  The new size, or 0 if cap is too small.
size_t append_nts_authenticator(uint8_t* packet, size_t size_so_far, size_t cap, const uint8_t* nonce,
                                size_t nonce_size, const uint8_t* ciphertext, size_t ciphertext_size);

// Grows the field at packet + field_offset, the last one (it ends at size), with zeros so that the
// packet is target bytes long: the authenticator's Additional Padding (RFC 8915 §5.6), which makes
// a server's reply as long as its request.  The new size (target), or 0 if target is below size, not
// 4-aligned with it, beyond cap, or the field would pass 65535 bytes.
size_t pad_last_extension(uint8_t* packet, size_t field_offset, size_t size, size_t cap, size_t target);

// Why a packet's NTS fields cannot be used.
enum class NtsPacketError : uint8_t {
  NoUniqueId,            // no unique identifier field
  DuplicateUniqueId,     // more than one
  NoAuthenticator,       // no authenticator field
  AuthenticatorNotLast,  // fields or a MAC after the authenticator
  BadAuthenticator,      // nonce or ciphertext lengths that do not fit the field
};

// "no NTS unique identifier", ...
const char* describe(NtsPacketError e);

// Where a packet's NTS fields lie, pointing into the packet.
struct NtsLayout {
  ByteView unique_id;          // the identifier's value (padding included)
  size_t associated_size = 0;  // bytes before the authenticator field: the associated data
  ByteView nonce;              // the nonce, without padding
  ByteView ciphertext;         // tag and ciphertext, without padding
};

// Locates the NTS fields of a packet that decode() laid out: one unique
// identifier, and an authenticator that is the last field (no MAC after it).
Result<NtsLayout, NtsPacketError> locate_nts(const uint8_t* data, const PacketLayout& layout);

// Walks extension fields packed in data[0..size) (decrypted ones: no RFC 7822
// minimum), the one at *offset, advancing it.  False at the end or at a field
// whose length is under 4, not a multiple of 4, or past size.
bool next_packed_extension(const uint8_t* data, size_t size, size_t* offset, ExtensionField* field);

}  // namespace lansync::codec
