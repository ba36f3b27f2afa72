// One client/server exchange: the request a client sends and the tests its reply must pass.
//
// RFC 5905 §8 (offset and delay from T1..T4) and the packet sanity tests of
// §8/§9 and RFC 4330 §5, as chrony applies them to an SNTP-style exchange,
// for ntpprobe, sntpd's upstreams and the boards alike.  Pure: the caller
// reads the clocks and passes T1 and T4 in; nothing here does I/O.
// Freestanding, like the codec.  proto/client.hpp keeps one exchange's state.
#pragma once

#include <stdint.h>

#include "codec/ntp_packet.hpp"
#include "proto/auth.hpp"
#include "proto/units.hpp"

namespace lansync::proto {

// An offset/delay measurement.  offset_ns > 0: the server is ahead of the client.
struct Sample {
  int64_t offset_ns = 0;  // θ = ((T2 - T1) + (T3 - T4)) / 2
  int64_t delay_ns = 0;   // δ = |(T4 - T1) - (T3 - T2)| (a negative one counts by its magnitude)
};

// RFC 5905 §8: offset and delay from client send (t1), server receive (t2),
// server send (t3) and client receive (t4), all in Unix nanoseconds.
Sample compute_sample(int64_t t1_ns, int64_t t2_ns, int64_t t3_ns, int64_t t4_ns);

// A client-mode request as sent: its transmit field holds a random cookie
// (not the clock: chrony's practice) that the reply must echo.
struct Request {
  codec::NtpTimestamp cookie;  // random 64 bits, placed in the transmit timestamp
  int64_t t1_ns = 0;           // local clock read just before the send
  uint32_t key_id = 0;         // the request was signed with this key: so must the reply be (0: unsigned)
};

// The header of a client request carrying the given cookie (NTPv4, mode 3).
codec::NtpHeader make_request_header(codec::NtpTimestamp cookie);

// Why a reply can or cannot be used, in the order the tests are applied.
enum class ReplyStatus : uint8_t {
  Ok,
  Malformed,             // not an NTP packet (codec::decode refused it): ignore and keep waiting
  NotServerMode,         // not mode 4: ignore and keep waiting
  NotOurs,               // origin does not echo our cookie: stray or spoofed, ignore
  Unauthenticated,       // we signed the request; the reply has no MAC, or is a crypto-NAK
  BadMac,                // we signed the request; the reply's MAC is by another key or does not verify
  KissOfDeath,           // stratum 0 and a refid: a kiss code (RATE, DENY, RSTR, INIT, ...)
  Unsynchronized,        // LI = 3, stratum > 15, or stratum 0 with no refid
  BadTimestamps,         // zero receive/transmit, or the server sent before it received
  RootDistanceTooLarge,  // (root delay + delay) / 2 + root dispersion > 1.5 s
};

// A short English description, e.g. "server unsynchronized".
const char* describe(ReplyStatus s);

// True for the statuses that mean "this packet was not an answer to us"; the
// client keeps waiting for the real reply.
constexpr bool is_ignorable(ReplyStatus s) {
  return s == ReplyStatus::Malformed || s == ReplyStatus::NotServerMode || s == ReplyStatus::NotOurs;
}

// True for the statuses of a datagram that echoes our cookie but fails
// authentication: reported, but it does not use up the request (RFC 5905
// §7.3), so that a forged reply cannot hide the genuine one.
constexpr bool is_forgery(ReplyStatus s) {
  return s == ReplyStatus::Unauthenticated || s == ReplyStatus::BadMac;
}

struct ReplyCheck {
  ReplyStatus status = ReplyStatus::Ok;
  Sample sample;                 // valid when status is Ok or RootDistanceTooLarge
  int64_t root_distance_ns = 0;  // valid when sample is
  int64_t t2_ns = 0;             // the server's receive time (T2), Unix ns; valid when sample is
  int64_t t3_ns = 0;             // the server's transmit time (T3), Unix ns; valid when sample is
};

// RFC 5905 §7.3: whether a packet whose MAC check_auth() judged satisfies a
// client that signed its request with key_id (0: unsigned, anything goes):
// Ok, Unauthenticated (no MAC, or a crypto-NAK) or BadMac.
ReplyStatus check_signed_by(const AuthCheck& auth, uint32_t key_id);

// The server's state a reply or broadcast must show (RFC 5905 §8, §9.1):
// KissOfDeath (stratum 0 with a code), Unsynchronized (LI = 3, stratum > 15,
// or stratum 0 without a code), or Ok.
ReplyStatus check_server_state(const codec::NtpHeader& reply);

// Applies the tests to a decoded reply to request, received at t4_ns.
// era_pivot_ns: a Unix time near the reply's (the client's clock), to unfold
// the NTP era of T2 and T3 around (codec::era_pivot).  auth: check_auth() of
// the reply, needed when the request was signed (RFC 5905 §7.3: the reply
// must carry a valid MAC by the same key; an unauthenticated Kiss-o'-Death
// counts for nothing).
ReplyCheck check_reply(const codec::NtpHeader& reply, const Request& request, int64_t t4_ns,
                       int64_t era_pivot_ns, const AuthCheck& auth);

// The same, for a client whose T1 is Unix time (the Pi): eras unfolded around T1.
inline ReplyCheck check_reply(const codec::NtpHeader& reply, const Request& request, int64_t t4_ns,
                              const AuthCheck& auth = {}) {
  return check_reply(reply, request, t4_ns, request.t1_ns, auth);
}

// What a kiss code asks of a client (RFC 5905 §7.4): RATE to poll less often, DENY and RSTR to
// stop; others, such as INIT from an ntpd that has not synchronized yet, only say the reply is
// unusable.
enum class KissAction : uint8_t { None, SlowDown, Stop };
KissAction kiss_action(uint32_t refid);

// True for the kiss codes that tell a client to stop sending now: RATE, DENY and RSTR.
inline bool kiss_demands_backoff(uint32_t refid) { return kiss_action(refid) != KissAction::None; }

// What a kiss code means, e.g. "rate exceeded: poll less often"; "" if unknown.
const char* describe_kiss(uint32_t refid);

// Root distance of a server as seen through one sample (RFC 5905 §11.2):
// (root delay + path delay) / 2 + root dispersion, ns.
int64_t root_distance_ns(const codec::NtpHeader& reply, const Sample& sample);

}  // namespace lansync::proto
