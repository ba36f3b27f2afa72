// sntpd's request path; see server.hpp.
#include "core/server.hpp"

#include <utility>

namespace lansync::core {

namespace {

ServerAction drop(proto::DropReason reason) {
  ServerAction a;
  a.reason = reason;
  return a;
}

}  // namespace

Server::Server(ServerPolicy policy, size_t max_clients, uint64_t seed)
    : policy_(std::move(policy)), clients_(max_clients, seed) {}

void Server::set_reference(const proto::ReferenceState& ref) {
  std::lock_guard<std::mutex> lock(mutex_);
  reference_ = ref;
}

ServerAction Server::handle(const uint8_t* request, size_t size, const IpAddress& client, int64_t rx_ns,
                            int64_t mono_ns, uint32_t random, proto::TransmitClock clock, uint8_t* reply,
                            size_t cap) {
  auto checked = proto::check_request(request, size);
  if (!checked) return drop(checked.error());
  if (!policy_.access.allowed(client)) return drop(proto::DropReason::AccessDenied);
  if (policy_.nts != nullptr && proto::is_nts_request(request, *checked))
    return handle_nts(request, size, *checked, client, rx_ns, mono_ns, random, clock, reply, cap);
  // Before the rate limiter, so that forged requests cost a client nothing,
  // and so that a KoD to a signed request can be signed too.
  proto::Authorization auth =
      proto::authorize_request(request, *checked, policy_.keys, policy_.require_auth, cap);
  if (!auth.ok) return drop(auth.reason);

  ServerAction out;
  if (!admit_and_stamp(checked->header, client, rx_ns, mono_ns, random, ReplyKind::Plain, clock, reply, cap,
                       &out))
    return out;
  // The MAC needs no client record: the other workers need not wait for it.
  out.size = proto::sign_reply(reply, cap, policy_.keys, auth.key_id);
  // Cannot happen: authorize_request() checked the key and the room.
  if (out.size == 0) return drop(proto::DropReason::NotRequest);
  out.respond = true;
  return out;
}

ServerAction Server::handle_nts(const uint8_t* request, size_t size, const codec::PacketLayout& layout,
                                const IpAddress& client, int64_t rx_ns, int64_t mono_ns, uint32_t random,
                                proto::TransmitClock clock, uint8_t* reply, size_t cap) {
  proto::NtsCookieKeys keys;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    keys = nts_keys_;
  }
  // Before the rate limiter, as a MAC is: forged requests cost a client nothing.
  proto::NtsRequest nts;
  proto::NtsVerdict verdict = proto::check_nts_request(request, size, layout, keys, *policy_.nts, &nts);
  if (verdict == proto::NtsVerdict::Malformed || verdict == proto::NtsVerdict::BadAuthenticator)
    return drop(proto::DropReason::BadNts);
  const bool nak = verdict == proto::NtsVerdict::Nak;
  ServerAction out;
  if (!admit_and_stamp(layout.header, client, rx_ns, mono_ns, random,
                       nak ? ReplyKind::NtsNak : ReplyKind::Nts, clock, reply, cap, &out)) {
    return out;
  }
  // Sealed outside the lock, after the transmit time: the authenticator covers the header.
  const proto::NtsCookieKey* current = keys.current();
  out.size = nak ? proto::append_nts_nak(reply, cap, nts)
                 : proto::append_nts_reply(reply, cap, nts, *current, *policy_.nts);
  if (out.size == 0) return drop(proto::DropReason::NotRequest);
  out.respond = true;
  out.nts = !nak;
  out.nts_nak = nak;
  return out;
}

bool Server::admit_and_stamp(const codec::NtpHeader& request, const IpAddress& client, int64_t rx_ns,
                             int64_t mono_ns, uint32_t random, ReplyKind kind, proto::TransmitClock clock,
                             uint8_t* reply, size_t cap, ServerAction* out) {
  codec::NtpHeader r;
  // One lock for the client's record from admission to the transmit time:
  // taking it again after the clock read would delay the send.
  std::lock_guard<std::mutex> lock(mutex_);
  ClientRecord* c = clients_.find_or_add(client, mono_ns);
  Admission admission = admit(*c, policy_.rate_limit, mono_ns, random);
  if (admission == Admission::Drop || (admission == Admission::Kod && kind != ReplyKind::Plain)) {
    *out = drop(proto::DropReason::RateLimited);
    return false;
  }
  if (kind == ReplyKind::NtsNak) {
    r = proto::make_kiss_rate(request, rx_ns, reference_.precision_log2);
    r.refid = proto::ntsn_refid();
  } else {
    build_reply(request, rx_ns, admission, *c, &r, out);
  }
  codec::encode(r, reply, cap);
  codec::NtpTimestamp t3 = proto::stamp_reply(reply, !out->interleaved, clock);
  if (!out->kod && kind != ReplyKind::NtsNak) c->tx = t3;
  out->passive = r.mode == codec::Mode::SymmetricPassive;
  return true;
}

void Server::set_nts_keys(const proto::NtsCookieKeys& keys) {
  std::lock_guard<std::mutex> lock(mutex_);
  nts_keys_ = keys;
}

void Server::build_reply(const codec::NtpHeader& request, int64_t rx_ns, Admission admission, ClientRecord& c,
                         codec::NtpHeader* reply, ServerAction* out) const {
  if (admission == Admission::Kod) {
    *reply = proto::make_kiss_rate(request, rx_ns, reference_.precision_log2);
    out->kod = true;
    return;
  }
  proto::make_reply(request, rx_ns, reference_, reply);
  // RFC 9769 §2: an interleaved request echoes, as its origin, the receive
  // timestamp of our previous reply, and differs in receive and transmit.
  // A symmetric-active peer in interleaved mode (chrony's `peer ... xleave`)
  // asks the same way, and chrony answers both from one code path.
  out->interleaved = !c.rx.is_zero() && request.origin == c.rx && !(request.receive == request.transmit);
  if (out->interleaved) {
    reply->origin = request.receive;
    reply->transmit = c.tx;  // when the previous reply really left
    c.interleaved = true;
  }
  c.rx = reply->receive;
  out->want_tx_timestamp = c.interleaved;
}

bool Server::note_kernel_transmit(const IpAddress& client, const uint8_t* sent, size_t sent_size,
                                  int64_t tx_ns) {
  if (sent_size < codec::kHeaderSize) return false;
  // The reply's receive timestamp names the exchange: no need to decode the rest.
  codec::NtpTimestamp receive = codec::load_timestamp(sent + codec::kReceiveOffset);
  std::lock_guard<std::mutex> lock(mutex_);
  ClientRecord* c = clients_.find(client);
  if (c == nullptr || !(c->rx == receive)) return false;
  c->tx = codec::to_ntp(tx_ns);
  return true;
}

}  // namespace lansync::core
