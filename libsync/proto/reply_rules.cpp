// The server's reply rules, shared by sntpd and the boards; see reply_rules.hpp.
#include "proto/reply_rules.hpp"

#include "proto/auth.hpp"
#include "proto/units.hpp"

namespace lansync::proto {

using codec::Leap;
using codec::Mode;

ReferenceState local_reference(uint8_t stratum, int8_t precision_log2, int64_t start_ns, int64_t now_ns) {
  ReferenceState ref;
  ref.synchronized = true;
  ref.stratum = stratum;
  ref.refid = kLocalRefid;
  int64_t elapsed_ns = now_ns > start_ns ? now_ns - start_ns : 0;
  ref.reference_time_ns = start_ns + elapsed_ns / kLocalRefreshNs * kLocalRefreshNs;
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
  int64_t since_ns = ref.dispersion_time_ns != 0 ? ref.dispersion_time_ns : ref.reference_time_ns;
  int64_t age_ns = now_ns > since_ns ? now_ns - since_ns : 0;
  // Milliseconds times ppb are picoseconds: no overflow for a rate of 1000 ppm over 100 days.
  return ref.root_dispersion_ns + age_ns / kNsPerMs * ref.dispersion_rate_ppb / 1000;
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
    // As RFC 5905 writes "unsynchronized" in a packet (ntpd maps its 16 to 0),
    // and as chronyd sends it: stratum 0 with no refid (so no kiss code), and
    // a root delay and dispersion that promise nothing to a client reading
    // only them.
    r.leap = Leap::Unsynchronized;
    r.stratum = 0;
    r.root_delay = codec::to_ntp_short(kUnsynchronizedRootNs);
    r.root_dispersion = codec::to_ntp_short(kUnsynchronizedRootNs);
  }
  r.origin = request.transmit;
  r.receive = codec::to_ntp(rx_ns);
  *reply = r;
  return true;
}

codec::NtpHeader make_kiss_rate(const codec::NtpHeader& request, int64_t rx_ns, int8_t precision_log2) {
  codec::NtpHeader r;
  make_reply(request, rx_ns, unsynchronized_reference(precision_log2), &r);
  r.stratum = 0;
  r.refid = codec::refid_from_ascii("RATE");
  return r;
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
    case DropReason::BadNts: return "bad_nts";
    case DropReason::kCount: break;
  }
  return "unknown";
}

Result<codec::PacketLayout, DropReason> check_request(const uint8_t* request, size_t size) {
  auto decoded = codec::decode(request, size);
  if (!decoded) return fail(DropReason::Malformed);
  // Symmetric active as well as client: w32tm without 0x8 sends mode 1 and
  // never syncs if it gets nothing.  A passive reply, but no association.
  const codec::NtpHeader& h = decoded->header;
  if (reply_mode(h.mode) == Mode::Reserved || h.version < 1 || h.version > 4)
    return fail(DropReason::NotRequest);
  return *decoded;
}

Authorization authorize_request(const uint8_t* request, const codec::PacketLayout& layout,
                                const MacKeys* keys, bool require_auth, size_t reply_capacity) {
  Authorization out;
  if (reply_capacity < codec::kHeaderSize) {
    out.reason = DropReason::NotRequest;
    return out;
  }
  AuthCheck auth = check_auth(request, layout, keys);
  switch (auth.status) {
    case AuthStatus::Unsigned:
      out.ok = !require_auth;
      out.reason = DropReason::Unauthenticated;
      return out;
    case AuthStatus::Ok:
      // keys is not null here: check_auth found the key in it.
      if (reply_capacity < codec::kHeaderSize + mac_trailer_size(*keys, auth.key_id, layout.header.version)) {
        out.reason = DropReason::NotRequest;
        return out;
      }
      out.ok = true;
      out.key_id = auth.key_id;
      return out;
    case AuthStatus::UnknownKey: out.reason = DropReason::UnknownKey; return out;
    // A crypto-NAK says the client could not authenticate us: nothing to answer.
    case AuthStatus::CryptoNak:
    case AuthStatus::BadMac: out.reason = DropReason::BadMac; return out;
  }
  return out;
}

size_t finish_reply(uint8_t* packet, size_t cap, bool stamp, TransmitClock clock, const MacKeys* keys,
                    uint32_t key_id, codec::NtpTimestamp* t3) {
  if (cap < codec::kHeaderSize || (key_id != 0 && keys == nullptr)) return 0;
  // Everything else is done: the clock is read right before the bytes leave.
  codec::NtpTimestamp now = stamp_reply(packet, stamp, clock);
  if (t3 != nullptr) *t3 = now;
  return sign_reply(packet, cap, keys, key_id);
}

codec::NtpTimestamp stamp_reply(uint8_t* packet, bool stamp, TransmitClock clock) {
  codec::NtpTimestamp now = codec::to_ntp(clock.now_ns(clock.context));
  if (stamp) codec::store_timestamp(packet + codec::kTransmitOffset, now);
  return now;
}

size_t sign_reply(uint8_t* packet, size_t cap, const MacKeys* keys, uint32_t key_id) {
  if (cap < codec::kHeaderSize || (key_id != 0 && keys == nullptr)) return 0;
  // The MAC covers the transmit timestamp: sign after stamping.
  if (key_id == 0) return codec::kHeaderSize;
  return sign_packet(packet, codec::kHeaderSize, cap, key_id, *keys);
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

}  // namespace lansync::proto
