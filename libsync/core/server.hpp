// What a server answers: its reference state and the reply built from it.
//
// RFC 5905 §9 / §7.3 for the fields of a server-mode reply; RFC 4330 §5 for an
// SNTP server.  The reference state says how good the server's own clock is
// (leap, stratum, refid, root delay and dispersion); the reply copies it, with
// root dispersion grown at PHI = 15 ppm since the last reference update.  Pure:
// the caller passes the receive time in and stamps the transmit time itself,
// as late as possible, after encoding.
#pragma once

#include <cstdint>

#include "codec/ntp_packet.hpp"

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

// Builds the reply to a decoded request received at rx_ns.  Returns false
// when the request gets no reply: only client mode (3) of versions 1..4 is
// answered.  The reply's transmit timestamp is left zero for the caller.
bool make_reply(const codec::NtpHeader& request, int64_t rx_ns, const ReferenceState& ref,
                codec::NtpHeader* reply);

// log2 of a clock's reading resolution in seconds, rounded up (RFC 5905 §7.3
// "precision"), from a resolution in nanoseconds.
int8_t precision_log2_from_ns(int64_t resolution_ns);

// 2^log2_s seconds in nanoseconds (at least 1).
int64_t ns_from_log2(int8_t log2_s);

}  // namespace lansync::core
