// The board's SNTP client: bursts of requests to one server, the tests every reply must pass, and
// the poll interval.
//
// Each poll sends a burst of requests a little apart; the transmit field of
// each holds 64 random bits, not the clock (chrony's practice), and a reply
// counts only if it echoes them (RFC 5905 §8, the main defence against stray
// and spoofed packets).  With a key (core/auth), each request is signed and
// a reply counts only if it is signed with the same key and its MAC verifies
// (RFC 5905 §7.3): an unsigned, crypto-NAK or badly signed datagram is not
// used, and does not use up the request it echoes.  A reply is used only when it is in server mode, not
// a Kiss-o'-Death (stratum 0), synchronized (LI != 3, stratum 1..15), carries
// a receive and a transmit time in order, and its root distance is at most
// 1.5 s (RFC 5905 MAXDIST).  Of a burst's usable replies, the one with the
// least delay stands for the burst: it suffered least from queueing (RFC 5905
// §10, chrony's bursts).  The first bursts come quickly, to learn the
// crystal's frequency; then the poll interval moves between the configured
// bounds as the board asks (poll_up while the clock stays within the noise,
// poll_down when it does not).  Kiss-o'-Death RATE doubles the interval; DENY
// and RSTR stop the client for good.  Times are the board's local counter, in
// ns.  No I/O: the board sends the bytes and hands replies in.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/ntp_packet.hpp"
#include "firmware/core/auth.hpp"
#include "firmware/core/estimator.hpp"

namespace lansync::fw {

inline constexpr uint8_t kMaxBurst = 8;

struct ClientConfig {
  uint8_t burst = 4;                          // requests per poll, 1..kMaxBurst
  int64_t burst_spacing_ns = 250'000'000;     // between the requests of a burst
  int64_t reply_timeout_ns = 1'000'000'000;   // wait after the last request of a burst
  int8_t min_poll_log2 = 6;                   // 64 s
  int8_t max_poll_log2 = 8;                   // 256 s
  uint8_t startup_bursts = 3;                 // bursts 4x faster than min_poll at start
};

// RFC 5905 MAXDIST: a server whose root distance exceeds it is not used.
inline constexpr int64_t kMaxRootDistanceNs = 1'500'000'000;

// What became of one datagram from the server.
enum class ReplyVerdict : uint8_t {
  Accepted,
  Ignored,          // malformed, not server mode, or not echoing a request of this burst
  KissRate,         // stratum 0, RATE: poll less often
  KissStop,         // stratum 0, DENY or RSTR: stop asking this server
  KissOther,        // stratum 0 with another code (INIT, STEP, ...): unusable
  Unsynchronized,   // LI = 3 or stratum above 15
  BadTimestamps,    // zero receive or transmit time, or sent before received
  TooFar,           // root distance above 1.5 s
  Unauthenticated,  // we hold a key: unsigned, signed with another key, or a bad MAC
};
const char* describe(ReplyVerdict v);

// The outcome of a finished burst.
struct BurstResult {
  uint8_t sent = 0;
  uint8_t accepted = 0;
  uint8_t unsynchronized = 0;  // replies refused as LI=3 / stratum 16
  bool have_sample = false;    // at least one reply was accepted
  Sample best;                 // the least-delay accepted reply
  Sample samples[kMaxBurst];   // every accepted reply, in arrival order
  uint8_t sample_count = 0;
  uint8_t stratum = 0;         // of that reply
  uint32_t refid = 0;
  int64_t root_delay_ns = 0;
  int64_t root_dispersion_ns = 0;
  uint32_t kiss_code = 0;      // the last Kiss-o'-Death code seen, 0 if none
};

// A mode-5 broadcast (sntpd --broadcast) received at local_ns: the server's
// transmit time plus the assumed one-way delay_ns is the time at local_ns.
// The same tests as a reply, but no origin to echo (RFC 5905 §9.1): anyone on
// the network can send one, so listen-only mode suits networks whose members
// are trusted.  On Accepted, out holds the sample, its delay taken as
// 2 * delay_ns (so that its error bound is delay_ns).  With a key (not
// null, enabled), only a broadcast signed with it is accepted.
ReplyVerdict read_broadcast(const uint8_t* data, size_t size, int64_t local_ns, int64_t pivot_utc_ns,
                            int64_t delay_ns, BurstResult* out, const MacKey* key = nullptr);

class NtpClient {
 public:
  explicit NtpClient(const ClientConfig& config);

  // Starts polling: the first request is due at local_ns.
  void start(int64_t local_ns);
  // Resumes polling after a deep sleep: no start-up bursts, the poll
  // interval as before (clamped to the configured bounds), the next burst at
  // first_burst_ns (local ns).
  void resume(int64_t first_burst_ns, int8_t poll_log2);
  // When the next burst starts (the one in progress, if any, is not counted), local ns.
  int64_t next_burst_ns() const;
  // The earliest start the request budget allows: min_poll after the last burst began, local ns.
  int64_t earliest_burst_ns() const;
  // False once a DENY or RSTR kiss stopped the client (or before start()).
  bool active() const { return active_; }
  // When the next request is due, or the burst in progress ends, in local ns;
  // INT64_MAX when inactive.
  int64_t next_event_ns() const;
  // Whether a request is due at local_ns.
  bool request_due(int64_t local_ns) const;

  // Writes the next request into out (at least 48 bytes) and records it as
  // sent at local_ns (T1, read just before the send).  cookie: 64 random bits.
  // With a key (not null, enabled) the request is signed (cap: 48 + 24).
  // Returns the bytes to send, 0 if none is due (or it could not be signed).
  size_t make_request(int64_t local_ns, uint64_t cookie, uint8_t* out, size_t cap,
                      const MacKey* key = nullptr);

  // A datagram from the server, received at local_ns (T4).  pivot_utc_ns: a
  // time to unfold NTP eras around (codec::era_pivot of the clock).  With a
  // key (not null, enabled), only a reply signed with it is used.
  ReplyVerdict on_reply(const uint8_t* data, size_t size, int64_t local_ns, int64_t pivot_utc_ns,
                        const MacKey* key = nullptr);

  // When the burst in progress has ended by local_ns (every reply in, or
  // the timeout passed), its result, once; the next burst is then scheduled.
  bool take_burst(int64_t local_ns, BurstResult* out);

  int8_t poll_log2() const { return poll_log2_; }
  // The interval the next burst waits: shorter during the start-up bursts.
  int8_t current_interval_log2() const;
  // Lengthen (up to max_poll_log2) or shorten (down to min_poll_log2) the interval.
  void poll_up();
  void poll_down();
  // Requests sent since start().
  uint32_t requests_sent() const { return requests_sent_; }

 private:
  struct Pending {
    codec::NtpTimestamp cookie;
    int64_t t1_local_ns = 0;
    bool answered = false;
  };

  ClientConfig config_;
  bool active_ = false;
  int8_t poll_log2_;
  uint8_t bursts_done_ = 0;
  int64_t burst_start_ns_ = 0;
  int64_t next_send_ns_ = 0;
  uint8_t sent_in_burst_ = 0;
  Pending pending_[kMaxBurst];
  BurstResult result_;
  uint32_t requests_sent_ = 0;
};

}  // namespace lansync::fw
