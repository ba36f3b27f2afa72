// What an NTP server answers, as the Pi (sntpd) and the boards both apply it: every rule that needs no client
// table.
//
// RFC 5905 §9 / §7.3 for the fields of a server-mode reply; RFC 4330 §5 for
// an SNTP server.  A symmetric-active request (mode 1: Windows' w32tm
// without `0x8`, chrony's `peer`) is answered like a client's, in passive
// mode 2, and no association is made, as ntpd and chrony do for unknown
// peers.  The reference state says how good the server's own clock is
// (leap, stratum, refid, root delay and dispersion); a reply copies it, with
// root dispersion grown at PHI = 15 ppm (plus, for a clock sntpd disciplines,
// its frequency's error bound: dispersion_rate_ppb) since it was measured.
// The request path here is: check_request() (decode, which modes and
// versions are answered), then, after the caller's access control,
// authorize_request() (the MAC verdict: a crypto-NAK, an unknown key or a bad
// MAC gets nothing; a good MAC names the key to sign with), make_reply() (the
// header), and finish_reply(): the one finishing step of every reply and
// broadcast, which stamps the transmit time through a clock callback as late
// as possible, after encoding, and then signs.  Freestanding, like the codec.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/ntp_packet.hpp"
#include "codec/result.hpp"
#include "proto/units.hpp"

namespace lansync::proto {

class MacKeys;

// The server's own clock, as it will describe it to clients.
struct ReferenceState {
  bool synchronized = false;              // false: replies carry LI=3, stratum 0 (16 here)
  uint8_t stratum = 16;                   // 1..15 when synchronized
  uint32_t refid = 0;                     // kLocalRefid, or the upstream IPv4 address
  int64_t reference_time_ns = 0;          // Unix ns of the last update of the reference
  int64_t root_delay_ns = 0;              // to the primary reference, at the last update
  int64_t root_dispersion_ns = 0;         // to the primary reference, at dispersion_time_ns
  int64_t dispersion_time_ns = 0;         // Unix ns root_dispersion_ns held at; 0: reference_time_ns
  int64_t dispersion_rate_ppb = kPhiPpb;  // how fast it grows: PHI (or what the clock earned), plus
                                          // our frequency's error bound
  int8_t precision_log2 = -20;            // of the server's clock reading
};

// Reference state for a clock that is its own reference at the given stratum
// (chrony's `local stratum N`): refreshed every kLocalRefreshNs since start,
// with the clock's precision as its only dispersion.
ReferenceState local_reference(uint8_t stratum, int8_t precision_log2, int64_t start_ns, int64_t now_ns);
inline constexpr int64_t kLocalRefreshNs = int64_t{64} * 1'000'000'000;

// The state of a server that knows nothing about its clock.
ReferenceState unsynchronized_reference(int8_t precision_log2);
// The root delay and the root dispersion an unsynchronized reply carries
// (chronyd's): root distance 1.5 s, the most a client accepts.
inline constexpr int64_t kUnsynchronizedRootNs = 1'000'000'000;

// Root dispersion at now_ns (ns): the recorded value plus dispersion_rate_ppb
// (15 ppm, RFC 5905 §11.1, unless the clock's frequency is known better or
// worse) of the time since it was recorded.
int64_t root_dispersion_at(const ReferenceState& ref, int64_t now_ns);

// The mode of the reply to a request in mode `request` (RFC 5905 §9.2): server
// (4) to a client (3), passive (2) to symmetric active (1); Reserved (0): none.
codec::Mode reply_mode(codec::Mode request);

// Builds the reply to a decoded request received at rx_ns (Unix ns).  Returns
// false when the request gets no reply: only client (3) and symmetric-active
// (1) requests of versions 1..4 are answered, in reply_mode().  The reply's
// transmit timestamp is left zero for finish_reply().
bool make_reply(const codec::NtpHeader& request, int64_t rx_ns, const ReferenceState& ref,
                codec::NtpHeader* reply);

// A Kiss-o'-Death RATE (RFC 5905 §7.4) to a request received at rx_ns: an
// unsynchronized reply with stratum 0, so that the client can still match it.
codec::NtpHeader make_kiss_rate(const codec::NtpHeader& request, int64_t rx_ns, int8_t precision_log2);

// A broadcast (mode 5) packet announcing the reference at now_ns (RFC 5905
// §9.1): origin and receive are zero; finish_reply() stamps the transmit time.
codec::NtpHeader make_broadcast(const ReferenceState& ref, int64_t now_ns, int8_t poll_log2);

// Why a request got no reply.
enum class DropReason : uint8_t {
  Malformed,        // not a decodable NTP packet (too short, bad version, bad fields)
  NotRequest,       // a valid packet, but not a request (modes 2, 4, 5), or no room for the reply
  AccessDenied,     // the client's address is not allowed
  RateLimited,      // over the client's rate limit, and no KoD configured
  Unauthenticated,  // no MAC, and the server requires one
  UnknownKey,       // a MAC by a key the server does not hold
  BadMac,           // a MAC that does not verify (or a crypto-NAK, or a key ID without digest)
  BadNts,           // NTS fields out of place, or an authenticator that does not verify (RFC 8915 §5.6)
  kCount,
};
// "malformed", "not_request", "access_denied", "rate_limited", "unauthenticated",
// "unknown_key", "bad_mac", "bad_nts".
const char* describe(DropReason r);

// Decodes a request of size bytes: its layout if it is one the server
// answers (mode 1 or 3, version 1..4), else Malformed or NotRequest.
Result<codec::PacketLayout, DropReason> check_request(const uint8_t* request, size_t size);

// The MAC verdict on a request check_request() accepted.
struct Authorization {
  bool ok = false;
  DropReason reason = DropReason::BadMac;  // when !ok
  uint32_t key_id = 0;                     // sign the reply with this key (0: leave it unsigned)
};

// Whether a request may be answered for its MAC (RFC 5905 §7.3, RFC 8573):
// unsigned only if !require_auth; a crypto-NAK, an unknown key or a bad MAC
// never (chrony does the same).  keys may be null (every MAC is by an unknown
// key).  reply_capacity: the bytes the reply may take (NotRequest if its MAC
// would not fit).
Authorization authorize_request(const uint8_t* request, const codec::PacketLayout& layout,
                                const MacKeys* keys, bool require_auth, size_t reply_capacity);

// A clock to stamp transmit times with: Unix ns now.
struct TransmitClock {
  int64_t (*now_ns)(void* context) = nullptr;
  void* context = nullptr;
};

// Finishing step of a reply or broadcast encoded (codec::encode) into
// packet[0..kHeaderSize): reads the clock, stamps the transmit timestamp
// (unless stamp is false: an interleaved reply, whose transmit field already
// holds the previous reply's) and signs with key_id when it is not 0
// (sign_packet()).  Returns the bytes to send (0: the MAC failed or cap leaves
// no room) and the transmit time read into *t3 (NTP format) when not null.
// It is stamp_reply() then sign_reply(), for a caller that must record the
// transmit time under a lock and sign outside it.
size_t finish_reply(uint8_t* packet, size_t cap, bool stamp, TransmitClock clock, const MacKeys* keys,
                    uint32_t key_id, codec::NtpTimestamp* t3);
// Reads the clock, stamps packet's transmit field with it when stamp is true; returns the time read.
codec::NtpTimestamp stamp_reply(uint8_t* packet, bool stamp, TransmitClock clock);
// The MAC of key_id after the header (none when key_id is 0): the bytes to send, 0 when the key
// is unknown or cap leaves no room.
size_t sign_reply(uint8_t* packet, size_t cap, const MacKeys* keys, uint32_t key_id);

// log2 of a clock's reading resolution in seconds, rounded up (RFC 5905 §7.3
// "precision"), from a resolution in nanoseconds.
int8_t precision_log2_from_ns(int64_t resolution_ns);

// 2^log2_s seconds in nanoseconds (at least 1).
int64_t ns_from_log2(int8_t log2_s);

}  // namespace lansync::proto
