// Client exchange arithmetic and reply tests, shared by the Pi and the boards; see exchange.hpp.
#include "proto/exchange.hpp"

#include "proto/reply_rules.hpp"

namespace lansync::proto {

using codec::Leap;
using codec::Mode;

Sample compute_sample(int64_t t1_ns, int64_t t2_ns, int64_t t3_ns, int64_t t4_ns) {
  Sample s;
  // Halve each difference before adding so that the sum cannot overflow, then
  // put back the two half-nanoseconds lost to truncation.
  int64_t a = t2_ns - t1_ns;
  int64_t b = t3_ns - t4_ns;
  s.offset_ns = a / 2 + b / 2 + (a % 2 + b % 2) / 2;
  s.delay_ns = (t4_ns - t1_ns) - (t3_ns - t2_ns);
  // A negative round trip means the four timestamps disagree by at least that
  // much (a coarse or late stamp: microsecond kernel stamps, an emulated or
  // loaded client); its magnitude, as chrony takes it, keeps such a sample
  // from passing for the best one and its error (half the delay) honest.
  if (s.delay_ns < 0) s.delay_ns = -s.delay_ns;
  return s;
}

codec::NtpHeader make_request_header(codec::NtpTimestamp cookie) {
  codec::NtpHeader h;
  h.leap = Leap::None;
  h.version = 4;
  h.mode = Mode::Client;
  h.transmit = cookie;
  return h;
}

const char* describe(ReplyStatus s) {
  switch (s) {
    case ReplyStatus::Ok: return "ok";
    case ReplyStatus::Malformed: return "not an NTP packet";
    case ReplyStatus::NotServerMode: return "not a server-mode reply";
    case ReplyStatus::NotOurs: return "origin timestamp does not match our request";
    case ReplyStatus::Unauthenticated: return "reply not authenticated";
    case ReplyStatus::BadMac: return "reply's MAC does not verify";
    case ReplyStatus::KissOfDeath: return "Kiss-o'-Death";
    case ReplyStatus::Unsynchronized: return "server unsynchronized";
    case ReplyStatus::BadTimestamps: return "invalid server timestamps";
    case ReplyStatus::RootDistanceTooLarge: return "root distance above 1.5 s";
  }
  return "unknown";
}

KissAction kiss_action(uint32_t refid) {
  if (refid == codec::refid_from_ascii("RATE")) return KissAction::SlowDown;
  if (refid == codec::refid_from_ascii("DENY") || refid == codec::refid_from_ascii("RSTR"))
    return KissAction::Stop;
  return KissAction::None;
}

const char* describe_kiss(uint32_t refid) {
  struct Kiss {
    const char* code;
    const char* meaning;
  };
  static constexpr Kiss kKisses[] = {
      {"RATE", "rate exceeded: poll less often"},
      {"DENY", "access denied"},
      {"RSTR", "access restricted"},
      {"INIT", "server not synchronized yet"},
      {"STEP", "server stepping its clock"},
      {"AUTH", "authentication failed"},
      {"CRYP", "authentication failed"},
      {"NKEY", "no such key"},
      {"NTSN", "NTS cookie refused: a new key exchange is needed"},
  };
  for (const Kiss& k : kKisses) {
    if (refid == codec::refid_from_ascii(k.code)) return k.meaning;
  }
  return "";
}

int64_t root_distance_ns(const codec::NtpHeader& reply, const Sample& sample) {
  return (codec::from_ntp_short(reply.root_delay) + sample.delay_ns) / 2 +
         codec::from_ntp_short(reply.root_dispersion);
}

ReplyStatus check_signed_by(const AuthCheck& auth, uint32_t key_id) {
  if (key_id == 0 || (auth.status == AuthStatus::Ok && auth.key_id == key_id)) return ReplyStatus::Ok;
  bool unsigned_reply = auth.status == AuthStatus::Unsigned || auth.status == AuthStatus::CryptoNak;
  return unsigned_reply ? ReplyStatus::Unauthenticated : ReplyStatus::BadMac;
}

ReplyStatus check_server_state(const codec::NtpHeader& reply) {
  // Stratum 0 is a kiss when the refid carries a code; with none it is how
  // chronyd and sntpd write "unsynchronized" (LI = 3 says so too).
  if (reply.stratum == 0 && reply.refid != 0) return ReplyStatus::KissOfDeath;
  if (reply.stratum == 0) return ReplyStatus::Unsynchronized;
  if (reply.leap == Leap::Unsynchronized || reply.stratum > 15) return ReplyStatus::Unsynchronized;
  return ReplyStatus::Ok;
}

ReplyCheck check_reply(const codec::NtpHeader& reply, const Request& request, int64_t t4_ns,
                       int64_t era_pivot_ns, const AuthCheck& auth) {
  ReplyCheck out;
  out.status = reply.mode != Mode::Server          ? ReplyStatus::NotServerMode
               : !(reply.origin == request.cookie) ? ReplyStatus::NotOurs
                                                   : check_signed_by(auth, request.key_id);
  if (out.status == ReplyStatus::Ok) out.status = check_server_state(reply);
  if (out.status != ReplyStatus::Ok) return out;
  if (reply.receive.is_zero() || reply.transmit.is_zero()) {
    out.status = ReplyStatus::BadTimestamps;
    return out;
  }
  int64_t pivot = codec::era_pivot(era_pivot_ns);
  out.t2_ns = codec::from_ntp(reply.receive, pivot);
  out.t3_ns = codec::from_ntp(reply.transmit, pivot);
  // A server reads its clock for T2 and T3 separately: T3 may come before T2
  // by less than its stated precision (chronyd's by 34-84 ns at 2^-23 s), as
  // chrony's client allows; more is a broken reply.
  if (out.t2_ns - out.t3_ns >= ns_from_log2(reply.precision_log2)) {
    out.status = ReplyStatus::BadTimestamps;
    return out;
  }
  out.sample = compute_sample(request.t1_ns, out.t2_ns, out.t3_ns, t4_ns);
  out.root_distance_ns = root_distance_ns(reply, out.sample);
  out.status =
      out.root_distance_ns > kMaxRootDistanceNs ? ReplyStatus::RootDistanceTooLarge : ReplyStatus::Ok;
  return out;
}

}  // namespace lansync::proto
