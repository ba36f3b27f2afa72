// Fuzz target for the client's reply check, as ntpprobe, sntpd's upstream polls and the boards
// run it; see targets.hpp.
//
// Two sessions wait, one unsigned and one signed with a SHA256 key.  The first byte says
// whether the datagram (the rest) echoes a session's cookie in its origin field, and whose,
// as a real reply would (with no such help the fuzzer must guess 64 random bits).
// For any datagram: the session that judges it is one that waits and whose cookie it
// echoes; a usable reply's offset is the one its four timestamps give, its delay not
// negative and its root distance within 1.5 s; a signed session takes a reply only with a
// valid MAC by its key; a datagram that is not an answer, or is a forgery, leaves the session
// waiting, and an answer, usable or not, ends its wait.
#include <cstring>

#include "codec/ntp_packet.hpp"
#include "proto/client.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"reply"};
constexpr int64_t kT1 = 1'795'000'000'000'000'000;  // 2026-11-18, Unix ns
constexpr int64_t kT4 = kT1 + 20'000'000;
constexpr uint64_t kCookies[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
constexpr uint32_t kKeyId = 1;  // fuzz_keys()'s SHA256 key

}  // namespace

int reply(const uint8_t* data, size_t size) {
  if (size == 0 || size > 1024) return 0;
  proto::ClientSession sessions[2];
  uint8_t request[128];
  require(sessions[0].write_request(kCookies[0], request, sizeof(request)) > 0, "an unsigned request");
  require(sessions[1].write_request(kCookies[1], request, sizeof(request), &fuzz_keys(), kKeyId) > 0,
          "a signed request");
  sessions[0].note_sent(kT1);
  sessions[1].note_sent(kT1);

  uint8_t datagram[1024];
  size_t n = size - 1;
  std::memcpy(datagram, data + 1, n);
  if ((data[0] & 2) != 0 && n >= 32) {  // echo a cookie: the origin field, bytes 24-31
    codec::NtpTimestamp cookie = sessions[data[0] & 1].request().cookie;
    codec::store_timestamp(datagram + 24, cookie);
  }
  proto::ClientReply r = proto::receive_reply(sessions, 2, datagram, n, kT4, kT1);
  const proto::ReplyStatus s = r.check.status;
  require(r.session <= 2, "a session's index, or the count");
  if (proto::is_ignorable(s)) {
    require(sessions[0].waiting() && sessions[1].waiting(), "not an answer: both still wait");
    return 0;
  }
  require(r.session < 2, "an answer names its session");
  const proto::ClientSession& judged = sessions[r.session];
  require(r.header.origin == judged.request().cookie, "it echoes that session's cookie");
  require(sessions[1 - r.session].waiting(), "the other session still waits");
  if (proto::is_forgery(s)) {
    require(r.session == 1, "only a signed request can be forged");
    require(judged.waiting(), "a forgery leaves the request open");
    return 0;
  }
  require(!judged.waiting(), "an answer ends the wait");
  if (s != proto::ReplyStatus::Ok) return 0;
  const proto::Sample expect = proto::compute_sample(kT1, r.check.t2_ns, r.check.t3_ns, kT4);
  require(r.check.sample.offset_ns == expect.offset_ns, "the offset its timestamps give");
  require(r.check.sample.delay_ns >= 0, "a delay not negative");
  require(r.check.root_distance_ns <= 1'500'000'000, "a root distance within 1.5 s");
  if (r.session == 1) {
    require(r.auth.status == proto::AuthStatus::Ok && r.auth.key_id == kKeyId, "signed by our key");
  }
  return 0;
}

}  // namespace lansync::fuzz
