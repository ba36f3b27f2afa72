// sntpd's NTP server: one call per request, from the bytes received to the reply bytes to send.
//
// Server::handle() is the whole request path: decode and the MAC verdict
// (proto/reply_rules.hpp, the rules the boards apply too), access control, the
// rate limit and Kiss-o'-Death (core/clients.hpp), interleaved mode as
// chrony's clients use it (RFC 9769, `xleave`), the reply built from the
// reference state, the transmit time read through the caller's clock
// callback after everything else and recorded for the client
// (proto::stamp_reply), then the MAC, outside the lock (proto::sign_reply).  It returns an action: respond
// with so many bytes (and whether to ask the kernel when they left), or drop, with the reason.  The kernel's
// transmit timestamp goes back through note_kernel_transmit() with the bytes the socket hands back.
// Thread-safe: sntpd's workers share one Server; a request takes its lock once, and leaves it before signing.
// Pure apart from that lock: the receive time comes in, the clock is a callback.
// NTS (RFC 8915): a request with an NTS cookie is judged by proto/nts_server.hpp with the cookie
// keys held here (set_nts_keys()); its reply's authenticator, sealed after the transmit time is
// stamped and outside the lock like a MAC, carries fresh cookies; a cookie that does not open gets
// the kiss NTSN.  The AEAD and the random bytes come through policy.nts.
#pragma once

#include <cstdint>
#include <mutex>

#include "codec/ntp_packet.hpp"
#include "core/access.hpp"
#include "core/clients.hpp"
#include "proto/auth.hpp"
#include "proto/nts_server.hpp"
#include "proto/reply_rules.hpp"

namespace lansync::core {

struct ServerPolicy {
  AccessList access = AccessList::lan_default();
  RateLimit rate_limit;
  const proto::MacKeys* keys = nullptr;  // symmetric keys; null: every signed request is by an unknown key
  bool require_auth = false;             // drop requests without a MAC (or NTS)
  const proto::NtsServerCrypto* nts = nullptr;  // NTS served; null: NTS fields are not read
};

// What to do with one request.
struct ServerAction {
  bool respond = false;                                     // send the reply's size bytes; else drop it
  proto::DropReason reason = proto::DropReason::Malformed;  // when !respond
  size_t size = 0;                                          // bytes of the reply, MAC included
  bool want_tx_timestamp = false;  // ask the kernel when the reply leaves (interleaved clients)
  bool kod = false;                // the reply is a Kiss-o'-Death RATE
  bool passive = false;            // a passive-mode (2) reply to a symmetric-active request
  bool interleaved = false;        // the reply's transmit field is the previous reply's
  bool nts = false;                // the reply is authenticated by NTS
  bool nts_nak = false;            // the reply is the kiss NTSN (the request's cookie did not open)
};

class Server {
 public:
  // max_clients: the client table's size; seed randomizes its hash.
  Server(ServerPolicy policy, size_t max_clients, uint64_t seed);

  // The reference state replies describe from now on.
  void set_reference(const proto::ReferenceState& ref);

  // Answers the request received from client at rx_ns (Unix ns, the reply's
  // receive time) and mono_ns (CLOCK_MONOTONIC ns: the client table and the
  // rate limiter run on it, so that a step of the clock locks no client out):
  // writes the reply into reply[0..cap) (kHeaderSize bytes, plus the MAC of a
  // signed request: never more than the request), its transmit time read
  // from clock last, and records that time for the client.  random: 32
  // random bits for the rate limiter's leak.
  ServerAction handle(const uint8_t* request, size_t size, const IpAddress& client, int64_t rx_ns,
                      int64_t mono_ns, uint32_t random, proto::TransmitClock clock, uint8_t* reply,
                      size_t cap);

  // The cookie keys NTS requests are judged by and new cookies sealed with (newest first).
  void set_nts_keys(const proto::NtsCookieKeys& keys);

  // The kernel's transmit time (Unix ns) of the reply sent[0..sent_size) to
  // client, as the socket hands both back: replaces the recorded estimate if
  // that reply is still the client's latest.  Returns whether it did.
  bool note_kernel_transmit(const IpAddress& client, const uint8_t* sent, size_t sent_size, int64_t tx_ns);

  const ServerPolicy& policy() const { return policy_; }
  // The client table, for status: read it holding clients_mutex().
  std::mutex& clients_mutex() { return mutex_; }
  ClientTable& clients() { return clients_; }

 private:
  // The reply to an admitted request, into *reply; updates the client's interleaved state.
  void build_reply(const codec::NtpHeader& request, int64_t rx_ns, Admission admission, ClientRecord& c,
                   codec::NtpHeader* reply, ServerAction* out) const;

  // handle() for a request with an NTS cookie, after access control.
  ServerAction handle_nts(const uint8_t* request, size_t size, const codec::PacketLayout& layout,
                          const IpAddress& client, int64_t rx_ns, int64_t mono_ns, uint32_t random,
                          proto::TransmitClock clock, uint8_t* reply, size_t cap);
  // How a request's reply is built.
  enum class ReplyKind : uint8_t { Plain, Nts, NtsNak };
  // Admits the client, encodes the reply header (a kiss NTSN for NtsNak) into reply and stamps its
  // transmit time, under the lock; false (*out says why) when the rate limit drops it (an NTS
  // request gets no RATE kiss: it could not be authenticated).
  bool admit_and_stamp(const codec::NtpHeader& request, const IpAddress& client, int64_t rx_ns,
                       int64_t mono_ns, uint32_t random, ReplyKind kind, proto::TransmitClock clock,
                       uint8_t* reply, size_t cap, ServerAction* out);

  const ServerPolicy policy_;
  std::mutex mutex_;  // guards everything below
  proto::ReferenceState reference_;
  ClientTable clients_;
  proto::NtsCookieKeys nts_keys_;
};

}  // namespace lansync::core
