// One client/server exchange: the request a client sends and the tests its reply must pass.
//
// RFC 5905 §8 (offset and delay from T1..T4) and the packet sanity tests of
// §8/§9 and RFC 4330 §5, as chrony applies them to an SNTP-style exchange.
// Pure: the caller reads the clocks and passes T1 and T4 in; nothing here does I/O.
#pragma once

#include <cstdint>
#include <string>

#include "codec/ntp_packet.hpp"
#include "proto/auth.hpp"

namespace lansync::core {

// RFC 5905 MAXDIST: a server whose root distance exceeds this is not used.
inline constexpr int64_t kMaxRootDistanceNs = 1'500'000'000;
// RFC 5905 PHI: assumed worst-case frequency error of a clock, 15 ppm.
inline constexpr int64_t kPhiPpm = 15;

// An offset/delay measurement.  offset_ns > 0: the server is ahead of the client.
struct Sample {
  int64_t offset_ns = 0;  // θ = ((T2 - T1) + (T3 - T4)) / 2
  int64_t delay_ns = 0;   // δ = (T4 - T1) - (T3 - T2), clamped at 0
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
  NotServerMode,         // not mode 4: ignore and keep waiting
  NotOurs,               // origin does not echo our cookie: stray or spoofed, ignore
  Unauthenticated,       // we signed the request; the reply has no MAC, or is a crypto-NAK
  BadMac,                // we signed the request; the reply's MAC is by another key or does not verify
  KissOfDeath,           // stratum 0: refid holds a kiss code (RATE, DENY, RSTR, INIT, ...)
  Unsynchronized,        // LI = 3 or stratum > 15
  BadTimestamps,         // zero receive/transmit, or the server sent before it received
  RootDistanceTooLarge,  // (root delay + delay) / 2 + root dispersion > 1.5 s
};

// A short English description, e.g. "unsynchronized (LI=3 or stratum 16)".
const char* describe(ReplyStatus s);

// True for the statuses that mean "this packet was not an answer to us"; the
// client keeps waiting for the real reply.
constexpr bool is_ignorable(ReplyStatus s) {
  return s == ReplyStatus::NotServerMode || s == ReplyStatus::NotOurs;
}

struct ReplyCheck {
  ReplyStatus status = ReplyStatus::Ok;
  Sample sample;                 // valid when status is Ok or RootDistanceTooLarge
  int64_t root_distance_ns = 0;  // valid when sample is
};

// Applies the tests to a decoded reply to request, received at t4_ns.  auth:
// check_auth() of the reply, needed when the request was signed (RFC 5905
// §7.3: the reply must carry a valid MAC by the same key; an unauthenticated
// Kiss-o'-Death counts for nothing).
ReplyCheck check_reply(const codec::NtpHeader& reply, const Request& request, int64_t t4_ns,
                       const proto::AuthCheck& auth = {});

// True for the kiss codes that tell a client to stop sending now: RATE (slow
// down), DENY and RSTR (go away).  Others, such as INIT from an ntpd that has
// not synchronized yet, only say the reply is unusable (RFC 5905 §7.4).
bool kiss_demands_backoff(uint32_t refid);

// What a kiss code means, e.g. "rate exceeded: poll less often"; "" if unknown.
const char* describe_kiss(uint32_t refid);

// The reference ID as people read it (ntpq, chronyc): text for stratum 0
// and 1 ("GPS", "RATE"), a dotted quad above ("192.168.4.1").
std::string refid_text(uint32_t refid, uint8_t stratum);

// Root distance of a server as seen through one sample (RFC 5905 §11.2):
// (root delay + path delay) / 2 + root dispersion.
int64_t root_distance_ns(const codec::NtpHeader& reply, const Sample& sample);

}  // namespace lansync::core
