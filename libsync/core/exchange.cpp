// Client exchange arithmetic and reply tests; see exchange.hpp.
#include "core/exchange.hpp"

namespace lansync::core {

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
  // A negative delay only comes from clock granularity on very short paths.
  if (s.delay_ns < 0) s.delay_ns = 0;
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

bool kiss_demands_backoff(uint32_t refid) {
  return refid == codec::refid_from_ascii("RATE") || refid == codec::refid_from_ascii("DENY") ||
         refid == codec::refid_from_ascii("RSTR");
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
  };
  for (const Kiss& k : kKisses) {
    if (refid == codec::refid_from_ascii(k.code)) return k.meaning;
  }
  return "";
}

std::string refid_text(uint32_t refid, uint8_t stratum) {
  if (stratum <= 1) {
    char text[5];
    codec::refid_to_ascii(refid, text);
    return text;
  }
  return std::to_string(refid >> 24) + "." + std::to_string((refid >> 16) & 0xFF) + "." +
         std::to_string((refid >> 8) & 0xFF) + "." + std::to_string(refid & 0xFF);
}

int64_t root_distance_ns(const codec::NtpHeader& reply, const Sample& sample) {
  return (codec::from_ntp_short(reply.root_delay) + sample.delay_ns) / 2 +
         codec::from_ntp_short(reply.root_dispersion);
}

ReplyCheck check_reply(const codec::NtpHeader& reply, const Request& request, int64_t t4_ns,
                       const proto::AuthCheck& auth) {
  ReplyCheck out;
  if (reply.mode != Mode::Server) {
    out.status = ReplyStatus::NotServerMode;
    return out;
  }
  if (!(reply.origin == request.cookie)) {
    out.status = ReplyStatus::NotOurs;
    return out;
  }
  if (request.key_id != 0 && !(auth.status == proto::AuthStatus::Ok && auth.key_id == request.key_id)) {
    bool unsigned_reply = auth.status == proto::AuthStatus::Unsigned || auth.status == proto::AuthStatus::CryptoNak;
    out.status = unsigned_reply ? ReplyStatus::Unauthenticated : ReplyStatus::BadMac;
    return out;
  }
  if (reply.stratum == 0) {
    out.status = ReplyStatus::KissOfDeath;
    return out;
  }
  if (reply.leap == Leap::Unsynchronized || reply.stratum > 15) {
    out.status = ReplyStatus::Unsynchronized;
    return out;
  }
  if (reply.receive.is_zero() || reply.transmit.is_zero()) {
    out.status = ReplyStatus::BadTimestamps;
    return out;
  }
  int64_t pivot = codec::era_pivot(request.t1_ns);
  int64_t t2 = codec::from_ntp(reply.receive, pivot);
  int64_t t3 = codec::from_ntp(reply.transmit, pivot);
  if (t3 < t2) {
    out.status = ReplyStatus::BadTimestamps;
    return out;
  }
  out.sample = compute_sample(request.t1_ns, t2, t3, t4_ns);
  out.root_distance_ns = root_distance_ns(reply, out.sample);
  out.status =
      out.root_distance_ns > kMaxRootDistanceNs ? ReplyStatus::RootDistanceTooLarge : ReplyStatus::Ok;
  return out;
}

}  // namespace lansync::core
