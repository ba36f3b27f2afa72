// Server reply construction; see server.hpp.
#include "core/server.hpp"

#include "core/exchange.hpp"

namespace lansync::core {

using codec::kNsPerSecond;
using codec::Leap;
using codec::Mode;

ReferenceState local_reference(uint8_t stratum, int8_t precision_log2, int64_t start_ns, int64_t now_ns) {
  ReferenceState ref;
  ref.synchronized = true;
  ref.stratum = stratum;
  ref.refid = kLocalRefid;
  int64_t elapsed = now_ns > start_ns ? now_ns - start_ns : 0;
  ref.reference_time_ns = start_ns + elapsed / kLocalRefreshNs * kLocalRefreshNs;
  ref.precision_log2 = precision_log2;
  ref.root_dispersion_ns = ns_from_log2(precision_log2);
  return ref;
}

ReferenceState unsynchronized_reference(int8_t precision_log2) {
  ReferenceState ref;
  ref.precision_log2 = precision_log2;
  return ref;
}

int64_t root_dispersion_at(const ReferenceState& ref, int64_t now_ns) {
  int64_t age = now_ns > ref.reference_time_ns ? now_ns - ref.reference_time_ns : 0;
  return ref.root_dispersion_ns + age / 1'000'000 * kPhiPpm;
}

Mode reply_mode(Mode request) {
  switch (request) {
    case Mode::Client: return Mode::Server;
    case Mode::SymmetricActive: return Mode::SymmetricPassive;
    default: return Mode::Reserved;
  }
}

bool make_reply(const codec::NtpHeader& request, int64_t rx_ns, const ReferenceState& ref,
                codec::NtpHeader* reply) {
  Mode mode = reply_mode(request.mode);
  if (mode == Mode::Reserved || request.version < 1 || request.version > 4) return false;
  codec::NtpHeader r;
  r.version = request.version;
  r.mode = mode;
  r.poll_log2 = request.poll_log2;
  r.precision_log2 = ref.precision_log2;
  if (ref.synchronized) {
    r.leap = Leap::None;
    r.stratum = ref.stratum;
    r.refid = ref.refid;
    r.reference = codec::to_ntp(ref.reference_time_ns);
    r.root_delay = codec::to_ntp_short(ref.root_delay_ns);
    r.root_dispersion = codec::to_ntp_short(root_dispersion_at(ref, rx_ns));
  } else {
    r.leap = Leap::Unsynchronized;
    r.stratum = 16;
  }
  r.origin = request.transmit;
  r.receive = codec::to_ntp(rx_ns);
  *reply = r;
  return true;
}

codec::NtpHeader make_broadcast(const ReferenceState& ref, int64_t now_ns, int8_t poll_log2) {
  codec::NtpHeader request;  // a notional request, so that make_reply fills the reference fields
  request.poll_log2 = poll_log2;
  codec::NtpHeader h;
  make_reply(request, now_ns, ref, &h);
  h.mode = Mode::Broadcast;
  h.origin = {};
  h.receive = {};
  return h;
}

const char* describe(DropReason r) {
  switch (r) {
    case DropReason::Malformed: return "malformed";
    case DropReason::NotRequest: return "not_request";
    case DropReason::AccessDenied: return "access_denied";
    case DropReason::RateLimited: return "rate_limited";
    case DropReason::Unauthenticated: return "unauthenticated";
    case DropReason::UnknownKey: return "unknown_key";
    case DropReason::BadMac: return "bad_mac";
    case DropReason::kCount: break;
  }
  return "unknown";
}

RequestOutcome handle_request(const uint8_t* request, size_t size, const IpAddress& client, int64_t rx_ns,
                              const ReferenceState& ref, const ServerPolicy& policy, ClientTable& clients,
                              uint32_t random, uint8_t* reply, size_t reply_capacity) {
  RequestOutcome out;
  auto decoded = codec::decode(request, size);
  if (!decoded) return out;  // Malformed
  const codec::NtpHeader& req = decoded->header;
  // Symmetric active as well as client: w32tm without 0x8 sends mode 1 and
  // never syncs if it gets nothing.  A passive reply, but no association.
  if (reply_mode(req.mode) == Mode::Reserved || reply_capacity < codec::kHeaderSize) {
    out.reason = DropReason::NotRequest;
    return out;
  }
  if (!policy.access.allowed(client)) {
    out.reason = DropReason::AccessDenied;
    return out;
  }
  // Before the rate limiter, so that forged requests cost a client nothing,
  // and so that a KoD to a signed request can be signed too.
  proto::AuthCheck auth = proto::check_auth(request, *decoded, policy.keys);
  switch (auth.status) {
    case proto::AuthStatus::Unsigned:
      if (policy.require_auth) {
        out.reason = DropReason::Unauthenticated;
        return out;
      }
      break;
    case proto::AuthStatus::Ok:
      if (reply_capacity < codec::kHeaderSize + proto::mac_trailer_size(*policy.keys, auth.key_id, req.version)) {
        out.reason = DropReason::NotRequest;
        return out;
      }
      out.key_id = auth.key_id;
      break;
    case proto::AuthStatus::UnknownKey: out.reason = DropReason::UnknownKey; return out;
    case proto::AuthStatus::CryptoNak:
    case proto::AuthStatus::BadMac: out.reason = DropReason::BadMac; return out;
  }
  ClientRecord* c = clients.find_or_add(client, rx_ns);
  out.client = c;
  Admission admission = admit(*c, policy.rate_limit, rx_ns, random);
  if (admission == Admission::Drop) {
    out.reason = DropReason::RateLimited;
    return out;
  }

  codec::NtpHeader r;
  if (admission == Admission::Kod) {
    make_reply(req, rx_ns, unsynchronized_reference(ref.precision_log2), &r);
    r.stratum = 0;
    r.refid = codec::refid_from_ascii("RATE");
    out.kod = true;
  } else {
    make_reply(req, rx_ns, ref, &r);
    // RFC 9769 §2: an interleaved request echoes, as its origin, the receive
    // timestamp of our previous reply, and differs in receive and transmit.
    // A symmetric-active peer in interleaved mode (chrony's `peer ... xleave`)
    // asks the same way, and chrony answers both from one code path.
    out.interleaved = !c->rx.is_zero() && req.origin == c->rx && !(req.receive == req.transmit);
    if (out.interleaved) {
      r.origin = req.receive;
      r.transmit = c->tx;  // when the previous reply really left
      c->interleaved = true;
    }
    c->rx = r.receive;
    out.want_tx_timestamp = c->interleaved;
  }
  out.reply_size = codec::encode(r, reply, reply_capacity);
  out.reply = true;
  out.passive = r.mode == Mode::SymmetricPassive;
  return out;
}

void note_transmit(ClientRecord& client, codec::NtpTimestamp tx) { client.tx = tx; }

bool note_kernel_transmit(ClientRecord& client, codec::NtpTimestamp reply_receive, codec::NtpTimestamp tx) {
  if (!(client.rx == reply_receive)) return false;
  client.tx = tx;
  return true;
}

int8_t precision_log2_from_ns(int64_t resolution_ns) {
  // Smallest p with 2^p s >= the resolution, from 2^-30 s (about 0.93 ns) up to 1 s.
  int p = -30;
  int64_t step_ns = 1;  // 2^p s in ns, rounded up
  while (p < 0 && step_ns < resolution_ns) {
    ++p;
    step_ns = (kNsPerSecond + (int64_t{1} << -p) - 1) >> -p;
  }
  return static_cast<int8_t>(p);
}

int64_t ns_from_log2(int8_t log2_s) {
  if (log2_s >= 0) return kNsPerSecond << (log2_s > 30 ? 30 : log2_s);
  int64_t ns = kNsPerSecond >> (log2_s < -62 ? 62 : -log2_s);
  return ns > 0 ? ns : 1;
}

}  // namespace lansync::core
