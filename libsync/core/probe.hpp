// One server's burst of NTP queries, sans-IO: requests written, replies judged, the best sample kept.
//
// The protocol half of ntpprobe's query (flow/ntp_client does the I/O), as ntpd-rs's NtpSource:
// a ServerProbe is told the monotonic time and writes the request due then (a burst of
// options.samples requests, one a spacing after the other, each a proto::ClientSession with its own
// cookie); the driver sends it, reading T1 just before, and says whether it went (sent) or why not
// (send_failed); each datagram from the server comes back with its receive time T4 (receive), and
// read errors as they happen.  The probe keeps the usable samples, the most telling failure and the
// kiss code; report() is the burst's outcome, the least-delay sample by core's clock filter.  With a
// key, every request carries a MAC and a reply counts only with a valid MAC by the same key; a reply
// that fails authentication is reported but does not use up its request, so that a forged one
// cannot hide the real one.  A Kiss-o'-Death RATE, DENY or RSTR stops the burst.  An ICMP error
// (which anyone on the path can forge) ends nothing: it is reported only if no reply came.  Pure:
// no clock reads, no random numbers, no I/O; the times and the cookie come in as parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "codec/ntp_packet.hpp"
#include "proto/client.hpp"

namespace lansync::core {

// The largest request a ServerProbe writes (bytes): a header and the longest MAC.
inline constexpr size_t kMaxProbeRequestSize = codec::kHeaderSize + codec::kMaxV3MacSize;
// next_send_ns() when no request is left to send.
inline constexpr int64_t kNoSendNs = std::numeric_limits<int64_t>::max();

// A burst to one server.
struct ProbeOptions {
  int samples = 4;                       // requests per server
  int64_t spacing_ns = 1'000'000;        // between requests to one server (monotonic ns)
  const proto::MacKeys* keys = nullptr;  // with key_id: sign requests, accept only replies signed alike
  uint32_t key_id = 0;                   // 0: unauthenticated
};

// What one server's burst produced.
struct ProbeReport {
  int samples_sent = 0;          // requests sent, or tried and failed
  int samples_ok = 0;            // replies that passed every test
  int replies = 0;               // replies to our requests, usable or not
  bool usable = false;           // a best sample exists
  proto::Sample best;            // least-delay usable sample (offset positive: server ahead)
  int64_t jitter_ns = 0;         // RMS spread of the usable samples around best
  int64_t root_distance_ns = 0;  // of the best sample
  codec::NtpHeader header;       // the best reply, or else the most telling failed one
  // When not usable: why (the most telling status of the replies received).
  proto::ReplyStatus status = proto::ReplyStatus::Ok;
  char kiss_code[5] = {};  // set when a Kiss-o'-Death was received
  std::string error;       // a network error, e.g. "connection refused"
};

// One server's burst (see the top of this file).
class ServerProbe {
 public:
  // keys (when set) must outlive the probe; the first request is due at once.
  explicit ServerProbe(const ProbeOptions& options) : options_(options) {}

  // Requests are left to send: no error, no kiss that stops them, fewer than samples sent.
  bool sending() const;
  // A request is due at now_mono_ns (monotonic ns).
  bool due(int64_t now_mono_ns) const { return sending() && next_send_ns_ <= now_mono_ns; }
  // When the next request is due (monotonic ns); kNoSendNs when none is left.
  int64_t next_send_ns() const { return sending() ? next_send_ns_ : kNoSendNs; }
  // Writes the request due at now_mono_ns into out[0, cap) (cap: kMaxProbeRequestSize; cookie: 64
  // random bits) and schedules the next a spacing after now_mono_ns.  Returns its size, then sent()
  // or send_failed() must follow; 0 when none is due, or when it cannot be signed (an error: the
  // burst ends).
  size_t write_request(int64_t now_mono_ns, uint64_t cookie, uint8_t* out, size_t cap);
  // The request written was sent; t1_ns: the clock read immediately before the send (T4's timescale).
  void sent(int64_t t1_ns);
  // The request written was not sent, why (e.g. "Connection refused").  icmp: the error is one an ICMP
  // message left on the socket; after an earlier request went out it is such a leftover, noted and
  // passed over; otherwise the error ends the burst.
  void send_failed(const std::string& why, bool icmp);
  // A datagram data[0, size) from the server, received at t4_ns (T1's timescale).
  void receive(const uint8_t* data, size_t size, int64_t t4_ns);
  // An ICMP error read from the socket (why): reported only if no reply comes before the timeout.
  void icmp_error(const std::string& why) { icmp_error_ = why; }
  // A network error that ends the burst (why: opening, connecting or reading the socket).
  void network_error(const std::string& why);
  // A reply to one of our requests that an authentication outside the probe refused (NTS: status
  // Unauthenticated or BadMac); h: its header.  Reported like a forged MAC: its request stays open.
  void refused(proto::ReplyStatus status, const codec::NtpHeader& h);
  // Sends no more requests (e.g. NTS's kiss NTSN: the server takes none of our cookies); the ones
  // sent are still awaited.
  void stop_sending() { stop_sending_ = true; }
  // Nothing more to do: an error, or every request sent (or stopped) and every one answered.
  bool finished() const;
  // The burst's outcome so far.
  ProbeReport report() const;

 private:
  struct Good {
    proto::Sample sample;
    int64_t root_distance_ns;
    codec::NtpHeader header;
  };
  void note_failure(proto::ReplyStatus status, const codec::NtpHeader& h);

  ProbeOptions options_;
  std::vector<proto::ClientSession> requests_;  // the requests sent
  proto::ClientSession pending_;                // the request written, not yet sent
  std::vector<Good> good_;
  bool stop_sending_ = false;  // after a kiss or a network error
  int64_t next_send_ns_ = 0;   // monotonic time the next request is due
  std::string icmp_error_;     // the last ICMP error the socket reported (reported only if no reply came)
  ProbeReport report_;         // the counts, the failure, the kiss code and the error; the rest in report()
};

}  // namespace lansync::core
