// What a server answers: the request path from bytes in to reply bytes out.
//
// RFC 5905 §9 / §7.3 for the fields of a server-mode reply; RFC 4330 §5 for an
// SNTP server; RFC 9769 for interleaved client/server mode as chrony's clients
// use it (`xleave`).  A symmetric-active request (mode 1: Windows' w32tm
// without `0x8`, chrony's `peer`) is answered like a client's, in passive
// mode 2, and no association is made, as ntpd and chrony do for unknown
// peers.  The reference state says how good the server's own clock is (leap,
// stratum, refid, root delay and dispersion); a reply copies it, with root
// dispersion grown at PHI = 15 ppm since the last reference update.
// handle_request() is the whole policy: decode, access control,
// authentication (RFC 5905 §7.3 MACs, core/auth.hpp), rate limit, reply.
// Pure: the caller passes the receive time in, stamps the transmit time
// itself, as late as possible, after encoding, and then signs the reply.
#pragma once

#include <cstdint>

#include "codec/ntp_packet.hpp"
#include "core/access.hpp"
#include "proto/auth.hpp"
#include "core/clients.hpp"

namespace lansync::core {

// The server's own clock, as it will describe it to clients.
struct ReferenceState {
  bool synchronized = false;       // false: replies carry LI=3, stratum 16
  uint8_t stratum = 16;            // 1..15 when synchronized
  uint32_t refid = 0;              // kLocalRefid, or the upstream IPv4 address
  int64_t reference_time_ns = 0;   // Unix ns of the last update of the reference
  int64_t root_delay_ns = 0;       // to the primary reference, at the last update
  int64_t root_dispersion_ns = 0;  // to the primary reference, at the last update
  int8_t precision_log2 = -20;     // of the server's clock reading
};

// Reference ID of the local clock as a reference: 127.127.1.1, as chrony sends.
inline constexpr uint32_t kLocalRefid = 0x7F7F0101;

// Reference state for a clock that is its own reference at the given stratum
// (chrony's `local stratum N`): refreshed every kLocalRefreshNs since start,
// with the clock's precision as its only dispersion.
ReferenceState local_reference(uint8_t stratum, int8_t precision_log2, int64_t start_ns, int64_t now_ns);
inline constexpr int64_t kLocalRefreshNs = int64_t{64} * 1'000'000'000;

// The state of a server that knows nothing about its clock.
ReferenceState unsynchronized_reference(int8_t precision_log2);

// Root dispersion at now_ns: the recorded value plus 15 ppm of the time since
// the reference update (RFC 5905 §11.1).
int64_t root_dispersion_at(const ReferenceState& ref, int64_t now_ns);

// The mode of the reply to a request in mode `request` (RFC 5905 §9.2): server
// (4) to a client (3), passive (2) to symmetric active (1); Reserved (0): none.
codec::Mode reply_mode(codec::Mode request);

// Builds the reply to a decoded request received at rx_ns.  Returns false
// when the request gets no reply: only client (3) and symmetric-active (1)
// requests of versions 1..4 are answered, in reply_mode().  The reply's
// transmit timestamp is left zero for the caller.
bool make_reply(const codec::NtpHeader& request, int64_t rx_ns, const ReferenceState& ref,
                codec::NtpHeader* reply);

// A broadcast (mode 5) packet announcing the reference at now_ns (RFC 5905
// §9.1): origin and receive are zero; the caller stamps the transmit time.
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
  kCount,
};
// "malformed", "not_request", "access_denied", "rate_limited", "unauthenticated",
// "unknown_key", "bad_mac".
const char* describe(DropReason r);

struct ServerPolicy {
  AccessList access = AccessList::lan_default();
  RateLimit rate_limit;
  const proto::MacKeys* keys = nullptr;  // symmetric keys; null: every signed request is by an unknown key
  bool require_auth = false;      // drop requests without a MAC
};

struct RequestOutcome {
  bool reply = false;
  DropReason reason = DropReason::Malformed;  // when !reply
  bool kod = false;                           // the reply is a Kiss-o'-Death RATE
  bool passive = false;                       // a passive-mode (2) reply to a symmetric-active request
  bool interleaved = false;                   // the reply's transmit field is the previous reply's
  bool want_tx_timestamp = false;             // ask the kernel when the reply leaves (interleaved clients)
  size_t reply_size = 0;                      // bytes written to the reply buffer
  uint32_t key_id = 0;                        // sign the reply with this key (0: leave it unsigned)
  ClientRecord* client = nullptr;             // the client's record, when it got this far
};

// The request path.  Decodes the request received from client at rx_ns,
// applies policy and, when a reply is due, encodes it into reply (which must
// hold kHeaderSize bytes, plus the MAC when the request is signed).  The
// reply's transmit timestamp is left zero for a basic reply: the caller stamps
// it just before sending and reports it with note_transmit().  A signed
// request that verifies gets key_id set: the caller then signs the stamped
// reply with sign_packet(), which makes it exactly as large as the request's
// header and MAC.  No reply is larger than its request.  random: 32 random
// bits for the rate limiter's leak.
RequestOutcome handle_request(const uint8_t* request, size_t size, const IpAddress& client, int64_t rx_ns,
                              const ReferenceState& ref, const ServerPolicy& policy, ClientTable& clients,
                              uint32_t random, uint8_t* reply, size_t reply_capacity);

// Records the transmit time of the reply just sent to client (the one stamped
// into a basic reply, or read right after the send), for interleaved mode.
void note_transmit(ClientRecord& client, codec::NtpTimestamp tx);

// A kernel transmit timestamp for a reply whose receive field was
// reply_receive: replaces the estimate if that reply is still the client's
// latest.  Returns whether it did.
bool note_kernel_transmit(ClientRecord& client, codec::NtpTimestamp reply_receive, codec::NtpTimestamp tx);

// log2 of a clock's reading resolution in seconds, rounded up (RFC 5905 §7.3
// "precision"), from a resolution in nanoseconds.
int8_t precision_log2_from_ns(int64_t resolution_ns);

// 2^log2_s seconds in nanoseconds (at least 1).
int64_t ns_from_log2(int8_t log2_s);

}  // namespace lansync::core
