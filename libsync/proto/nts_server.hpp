// The NTS server's side of NTP (RFC 8915 §5): a request's cookie opened, its authenticator checked,
// and the reply built with the identifier echoed and fresh cookies sealed with the server-to-client key.
//
// A request is NTS when it carries an NTS Cookie field.  check_nts_request() finds its one unique
// identifier, its one cookie, its placeholders and its authenticator (the last field, no MAC after
// it), opens the cookie with the server's cookie keys and checks the authenticator with the
// client-to-server key from the cookie.  A cookie that does not open gets the Kiss-o'-Death NTSN
// (§5.7) echoing the identifier: the client then makes a new key exchange.  Anything else out of
// place is dropped.  The reply (append_nts_reply(), after the header is stamped: the authenticator
// covers it) holds the identifier and an authenticator whose ciphertext carries one new cookie per
// cookie and placeholder of the request, padded to be exactly as long as the request: never longer
// (fewer cookies when they do not fit).  Freestanding, like the codec: the AEAD and the random
// bytes come through NtsServerCrypto.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/bytes.hpp"
#include "codec/ntp_packet.hpp"
#include "proto/nts_cookie.hpp"

namespace lansync::proto {

// What a request's NTS fields say.
enum class NtsVerdict : uint8_t {
  Ok,                // the cookie opened and the authenticator verifies: reply with NTS
  Nak,               // well formed, but the cookie does not open (an old key, another server): kiss NTSN
  Malformed,         // fields missing, repeated or out of place: drop
  BadAuthenticator,  // the authenticator does not verify with the cookie's key: drop
};

// An accepted request, pointing into it.
struct NtsRequest {
  codec::ByteView unique_id;  // to echo (padding included)
  NtsSessionKeys keys;        // from the cookie (when Ok)
  size_t cookies_wanted = 0;  // the cookie and its placeholders (at most kNtsMaxCookies)
  size_t size = 0;            // bytes of the request: the reply is exactly as long
};

// Whether a request that check_request() accepted carries an NTS Cookie field (RFC 8915 §5.4).
bool is_nts_request(const uint8_t* data, const codec::PacketLayout& layout);

// Judges an NTS request of size bytes laid out by check_request(); fills *out (the identifier also
// for Nak).
NtsVerdict check_nts_request(const uint8_t* data, size_t size, const codec::PacketLayout& layout,
                             const NtsCookieKeys& keys, const NtsServerCrypto& crypto, NtsRequest* out);

// Appends the NTS fields to the reply header encoded and stamped in reply[0..kHeaderSize): the
// identifier and the authenticator sealing request.cookies_wanted cookies made with cookie_key
// (fewer if they would not fit), padded so that the reply is request.size bytes.  Returns that
// size, or 0 if cap or the request's size leaves no room or sealing fails.
size_t append_nts_reply(uint8_t* reply, size_t cap, const NtsRequest& request, const NtsCookieKey& cookie_key,
                        const NtsServerCrypto& crypto);

// Appends the identifier to a Kiss-o'-Death NTSN encoded in reply[0..kHeaderSize) (RFC 8915 §5.7):
// the bytes to send, or 0 if it would be longer than the request or cap.
size_t append_nts_nak(uint8_t* reply, size_t cap, const NtsRequest& request);

// The reference ID of the NTS NAK kiss.
uint32_t ntsn_refid();

}  // namespace lansync::proto
