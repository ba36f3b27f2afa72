// One client exchange with an NTP server: the request written, its reply matched and judged.
//
// The state of one request/reply exchange as ntpprobe, sntpd's upstream
// polls and the boards' bursts all keep it: the random cookie in the
// request's transmit field (chrony's practice; RFC 5905 §8: a reply counts
// only if its origin echoes it, the main defence against stray and spoofed
// packets), T1, and the key the request was signed with (RFC 5905 §7.3: the
// reply must then carry a valid MAC by the same key).  receive_reply() takes
// a datagram as it came off the socket and says: not ours (keep waiting), a
// forgery (reported, the request stays open), unusable with a reason, or
// usable with the sample and the reply's header; the MAC check and every
// test of proto/exchange are applied here, in one place.  No I/O, no clock
// reads: the caller sends the bytes and passes T1 and T4 in, in one
// timescale (Unix ns on the Pi, the board's local counter on a board).
// Freestanding, like the codec.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/ntp_packet.hpp"
#include "proto/auth.hpp"
#include "proto/exchange.hpp"

namespace lansync::proto {

// What a received datagram is to a set of client sessions.
struct ClientReply {
  // check.status: Ok, usable; is_ignorable(), not an answer to us (keep
  // waiting); is_forgery(), echoes a request but fails authentication (the
  // request stays open); otherwise the answer, and why it cannot be used.
  ReplyCheck check;
  codec::NtpHeader header;  // the datagram's header, unless check.status is Malformed
  AuthCheck auth;           // its MAC, when the request it echoes was signed
  size_t session = 0;       // index of the session it answered (receive_reply), or the count if none
};

// One request and the wait for its reply.
class ClientSession {
 public:
  // Writes a new exchange's request into out[0..cap): NTPv4 client mode,
  // poll_log2 (log2 s) and the cookie (64 random bits; 0, invalid on the
  // wire, is sent as 1) in its transmit field, signed with key_id when keys
  // is not null and key_id not 0.  Returns its size; 0 if cap is too small
  // or it cannot be signed.  The session waits only after note_sent().
  size_t write_request(uint64_t cookie, uint8_t* out, size_t cap, const MacKeys* keys = nullptr,
                       uint32_t key_id = 0, int8_t poll_log2 = 0);
  // Records T1, the clock read immediately before the send (ns, T4's
  // timescale): the session waits for its reply from now on.
  void note_sent(int64_t t1_ns);
  // True from note_sent() until a reply ends the exchange (not ignorable, not a forgery).
  bool waiting() const { return waiting_; }
  // The request as sent: cookie, T1, key ID.
  const Request& request() const { return request_; }
  // Whether a decoded reply echoes this session's cookie while it waits.
  bool answered_by(const codec::NtpHeader& reply) const;
  // Judges a datagram that codec::decode() laid out and that answered_by()
  // this session, received at t4_ns; era_pivot_ns: a Unix time near the
  // reply's, to unfold NTP eras around.  A reply that ends the exchange
  // stops the wait.
  ClientReply judge(const uint8_t* data, const codec::PacketLayout& layout, int64_t t4_ns,
                    int64_t era_pivot_ns);

 private:
  Request request_;
  const MacKeys* keys_ = nullptr;
  bool waiting_ = false;
};

// Offers the datagram data[0..size), received at t4_ns, to sessions[0..count):
// the waiting one whose cookie it echoes judges it (ClientSession::judge);
// Malformed, NotServerMode or NotOurs when none can.
ClientReply receive_reply(ClientSession* sessions, size_t count, const uint8_t* data, size_t size,
                          int64_t t4_ns, int64_t era_pivot_ns);

}  // namespace lansync::proto
