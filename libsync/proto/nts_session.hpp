// One NTS association's exchanges (RFC 8915 §5.7): its cookie jar, its requests in flight, and
// the judgement of their replies, shared by ntpprobe --nts and sntpd's NTS upstream servers.
//
// After a key exchange, the session holds the cookies it gave (at most kNtsMaxCookies).  Each
// request takes the oldest cookie and asks, with placeholders, for as many new ones as bring the
// jar back to eight (lost replies cost cookies; each answer refills); its unique identifier and
// transmit field are remembered (the last kNtsRequestsKept requests).  A reply is matched to a
// request by its origin field (the request's transmit), then judged by proto/nts.hpp's
// check_nts_reply with that request's identifier: only an authenticated reply (its cookies go into
// the jar) or a Kiss-o'-Death NTSN echoing the identifier answers the request, which is then
// forgotten, so that a replayed copy brings nothing.  The random identifier and nonce come in as
// parameters.  Freestanding, like the rest of proto.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/ntp_packet.hpp"
#include "proto/nts.hpp"

namespace lansync::proto {

// The requests whose replies an association still waits for.
inline constexpr size_t kNtsRequestsKept = 4;

class NtsSession {
 public:
  // Starts afresh with the cookies of a key exchange: the jar refilled, every request forgotten.
  void start(const codec::NtsCookie* cookies, size_t count);
  // Forgets the cookies and the requests (the keys are gone: a new key exchange is needed).
  void clear();
  // Cookies held.
  size_t cookies() const { return jar_.count(); }

  // Appends the NTS fields to the request header in packet[0..size) (its transmit field is the
  // reply's key): unique_id (kNtsUniqueIdSize bytes), the oldest cookie, placeholders to refill
  // the jar, the authenticator sealed by c2s with nonce (kNtsNonceSize bytes).  Returns the new
  // size; 0 when the jar is empty, cap is too small or sealing fails (nothing remembered then).
  size_t seal_request(uint8_t* packet, size_t size, size_t cap, const uint8_t* unique_id,
                      const uint8_t* nonce, const NtsAead& c2s);
  // Judges the datagram data (laid out by codec::decode) with s2c: NotOurs when it answers none of
  // the requests remembered; Ok (its cookies taken into the jar) and Nak answer their request.
  NtsReplyStatus judge_reply(const uint8_t* data, const codec::PacketLayout& layout, const NtsAead& s2c);

 private:
  struct Sent {
    codec::NtpTimestamp transmit;
    uint8_t unique_id[codec::kNtsUniqueIdSize] = {};
    bool waiting = false;
  };
  NtsCookieJar jar_;
  Sent sent_[kNtsRequestsKept];
  size_t next_ = 0;  // where the next request is remembered (the oldest's place)
};

}  // namespace lansync::proto
