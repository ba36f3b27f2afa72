// The board's SNTP client: bursts of requests to one server, the tests every reply must pass, and
// the poll interval.
//
// Each poll sends a burst of requests a little apart; the transmit field of
// each holds 64 random bits, not the clock (chrony's practice), and a reply
// counts only if it echoes them.  Each request of a burst is a
// proto::ClientSession, which signs it when a key is given and applies the
// reply tests the Pi applies too (proto/exchange: the MAC by the same key,
// server mode, no Kiss-o'-Death, synchronized, timestamps in order, root
// distance at most 1.5 s); a forged reply does not use up the request it
// echoes.  Of a burst's usable replies, the one with the
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
#include "firmware/board/estimator.hpp"
#include "proto/auth.hpp"
#include "proto/client.hpp"

namespace lansync::fw {

inline constexpr uint8_t kMaxBurst = 8;

struct ClientConfig {
  uint8_t burst = 4;                         // requests per poll, 1..kMaxBurst
  int64_t burst_spacing_ns = 250'000'000;    // between the requests of a burst
  int64_t reply_timeout_ns = 1'000'000'000;  // wait after the last request of a burst
  int8_t min_poll_log2 = 6;                  // 64 s
  int8_t max_poll_log2 = 8;                  // 256 s
  uint8_t startup_bursts = 3;                // bursts 4x faster than min_poll at start
};

// The outcome of a finished burst.
struct BurstResult {
  uint8_t sent = 0;
  uint8_t accepted = 0;
  uint8_t unsynchronized = 0;  // replies refused as LI=3 / stratum 16
  bool have_sample = false;    // at least one reply was accepted
  Sample best;                 // the least-delay accepted reply
  Sample samples[kMaxBurst];   // every accepted reply, in arrival order
  uint8_t sample_count = 0;
  uint8_t stratum = 0;  // of that reply
  uint32_t refid = 0;
  int64_t root_delay_ns = 0;
  int64_t root_dispersion_ns = 0;
  uint32_t kiss_code = 0;  // the last Kiss-o'-Death code seen, 0 if none
};

// A mode-5 broadcast (sntpd --broadcast) received at local_ns: the server's
// transmit time plus the assumed one-way delay_ns is the time at local_ns.
// The same tests as a reply, but no origin to echo (RFC 5905 §9.1): anyone on
// the network can send one, so listen-only mode suits networks whose members
// are trusted.  On Ok, out holds the sample, its delay taken as 2 * delay_ns
// (so that its error bound is delay_ns).  With a key (keys not null, key_id
// not 0), only a broadcast signed with it is accepted.  NotServerMode: not a broadcast.
proto::ReplyStatus read_broadcast(const uint8_t* data, size_t size, int64_t local_ns, int64_t pivot_utc_ns,
                                  int64_t delay_ns, BurstResult* out, const proto::MacKeys* keys = nullptr,
                                  uint32_t key_id = 0);

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
  // With a key (keys not null, key_id not 0) the request is signed (cap:
  // 48 + the MAC), and only a reply signed with it is used.  Returns the
  // bytes to send, 0 if none is due (or it could not be signed).
  size_t make_request(int64_t local_ns, uint64_t cookie, uint8_t* out, size_t cap,
                      const proto::MacKeys* keys = nullptr, uint32_t key_id = 0);

  // A datagram from the server, received at local_ns (T4).  pivot_utc_ns: a
  // time to unfold NTP eras around (codec::era_pivot of the clock).  Ok: the
  // reply is used; KissOfDeath RATE doubles the interval, DENY and RSTR stop
  // the client; is_ignorable(): not an answer to a request of this burst.
  proto::ReplyStatus on_reply(const uint8_t* data, size_t size, int64_t local_ns, int64_t pivot_utc_ns);

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
  void on_kiss(uint32_t refid);
  void add_sample(const proto::ClientReply& reply, int64_t t4_local_ns);

  ClientConfig config_;
  bool active_ = false;
  int8_t poll_log2_;
  uint8_t bursts_done_ = 0;
  int64_t burst_start_ns_ = 0;
  int64_t next_send_ns_ = 0;
  uint8_t sent_in_burst_ = 0;
  proto::ClientSession sessions_[kMaxBurst];  // the requests of the burst, [0, sent_in_burst_)
  BurstResult result_;
  uint32_t requests_sent_ = 0;
};

}  // namespace lansync::fw
