// The firmware core's self-test, built freestanding and run on the targets' instruction sets.
//
// tests/checks/firmware_cross.sh builds this with the host compiler and with
// riscv64-unknown-elf-g++ for the ESP32-C3's RV32IMC, links the latter
// against picolibc and runs it under qemu-riscv32 (Linux user mode).  It
// drives a fw::Board through two hours of simulated time against an ideal
// NTP server over a jittery path, with a crystal 40 ppm fast, and checks the
// pieces a board uses (wide arithmetic, the HTTP parser, the DS3231 codec).
// Everything is integer and deterministic, so both runs must print exactly
// the same lines: the same arithmetic on 64-bit x86 and 32-bit RISC-V.  Only
// <stdint.h> and <stddef.h>; output goes through out(), which the startup
// file of each build provides (a write(2)).
#include <stddef.h>
#include <stdint.h>

#include "codec/ds3231.hpp"
#include "codec/ntp_packet.hpp"
#include "codec/timestamp.hpp"
#include "firmware/board/board.hpp"
#include "firmware/board/http.hpp"
#include "firmware/board/rtc.hpp"
#include "firmware/board/text.hpp"
#include "firmware/board/wide.hpp"

extern "C" void out(const char* text, size_t size);

namespace {

using namespace lansync;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kT0 = int64_t{1'795'000'000} * kSecond;
int failures = 0;

void line(const char* text) {
  out(text, fw::text_length(text));
  out("\n", 1);
}

void check(bool ok, const char* what) {
  char buf[160];
  fw::TextWriter w(buf, sizeof(buf));
  w.put(ok ? "ok    " : "FAIL  ").put(what);
  line(w.c_str());
  if (!ok) ++failures;
}

uint64_t xorshift(void* state) {
  auto* s = static_cast<uint64_t*>(state);
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

// The crystal runs 40 ppm fast: local = t + t * 40 / 10^6.
int64_t local_at(int64_t t) { return t + fw::mul_div(t, 40, 1'000'000); }
int64_t true_at(int64_t local) {
  int64_t t = fw::mul_div(local, 1'000'000, 1'000'040);
  while (local_at(t) < local) ++t;
  return t;
}

void wide_arithmetic() {
  fw::Int128 p = fw::mul_wide(-3'037'000'499, 3'037'000'499);
  check(p.negative() && fw::div_wide(p, fw::Int128(3'037'000'499)) == -3'037'000'499,
        "128-bit product and quotient");
  check(fw::scale_q32(int64_t{86'400} * kSecond, fw::q32_from_ppb(40'000)) == 3'456'006'199,
        "40 ppm for a day, in 2^-32 steps");
  check(fw::isqrt(int64_t{1} << 62) == int64_t{1} << 31, "integer square root");
}

void http_and_rtc() {
  static const char kRequest[] = "PUT /time HTTP/1.1\r\nContent-Length: 21\r\n\r\nunix_ms=1795000000000";
  fw::HttpRequest r;
  fw::HttpParseResult p = fw::parse_http_request(kRequest, sizeof(kRequest) - 1, &r);
  check(p.state == fw::HttpParse::Complete && r.body_size == 21, "HTTP request parsed");
  static const char kSet[] =
      "PUT /time HTTP/1.1\r\nHost: 192.168.4.1\r\nOrigin: http://192.168.4.1\r\n"
      "Content-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"unix_ms\":17950000}";
  const char* v = nullptr;
  size_t n = 0;
  bool is_string = true;
  p = fw::parse_http_request(kSet, sizeof(kSet) - 1, &r);
  check(p.state == fw::HttpParse::Complete && fw::same_origin(r) && fw::is_json_request(r) &&
            fw::json_value(r.body, r.body_size, "unix_ms", &v, &n, &is_string) && !is_string && n == 8,
        "same-origin JSON set parsed");
  uint8_t regs[19] = {0x07, 0x14, 0x09, 0x01, 0x22, 0x11, 0x26, 0,    0,   0,
                      0,    0,    0,    0,    0x1C, 0x00, 0,    0x19, 0x40};
  proto::Ds3231Read rtc = proto::read_ds3231(regs, sizeof(regs));
  char buf[48];
  fw::TextWriter w(buf, sizeof(buf));
  w.put_iso8601(rtc.unix_s * kSecond, 0);
  check(fw::rtc_status(rtc) == fw::RtcStatus::Valid && fw::text_equals(buf, w.size(), "2026-11-22T09:14:07Z"),
        "DS3231 registers read");
  regs[0x0F] = 0x80;
  check(fw::rtc_status(proto::read_ds3231(regs, sizeof(regs))) == fw::RtcStatus::Stopped,
        "OSF refuses the time");
}

struct Pending {
  int64_t arrive = 0;  // true ns; 0: free
  uint8_t data[48];
};

void two_hours_of_ntp() {
  uint64_t random_state = 0x2545F4914F6CDD1D;
  uint64_t jitter_state = 0x9E3779B97F4A7C15;
  fw::BoardConfig c;
  c.use_server = true;
  c.random64 = &xorshift;
  c.random_context = &random_state;
  fw::Board board(c);
  Pending pending[8] = {};
  int64_t t = 0;
  uint32_t requests = 0;
  board.start(local_at(t));
  const int64_t end = int64_t{7200} * kSecond;
  while (t < end) {
    fw::Action a = board.next_action(local_at(t));
    if (a.kind == fw::ActionKind::SendNtp) {
      ++requests;
      auto q = codec::decode(a.data, a.size);
      int64_t up = 1'500'000 + static_cast<int64_t>(xorshift(&jitter_state) % 4'000'000);
      int64_t down = 500'000 + static_cast<int64_t>(xorshift(&jitter_state) % 4'000'000);
      codec::NtpHeader h;
      h.mode = codec::Mode::Server;
      h.stratum = 1;
      h.refid = codec::refid_from_ascii("GPS");
      h.origin = q->header.transmit;
      h.receive = codec::to_ntp(kT0 + t + up);
      h.transmit = codec::to_ntp(kT0 + t + up + 20'000);
      for (Pending& p : pending) {
        if (p.arrive != 0) continue;
        p.arrive = t + up + 20'000 + down;
        codec::encode(h, p.data, sizeof(p.data));
        break;
      }
      continue;
    }
    int64_t next = true_at(a.at_local_ns < local_at(end) ? a.at_local_ns : local_at(end));
    for (const Pending& p : pending) {
      if (p.arrive != 0 && p.arrive < next) next = p.arrive;
    }
    t = next > t ? next : t + 1;
    for (Pending& p : pending) {
      if (p.arrive != 0 && p.arrive <= t) {
        board.on_ntp_packet(p.data, sizeof(p.data), local_at(t));
        p.arrive = 0;
      }
    }
  }
  fw::Reading r = board.now(local_at(t));
  int64_t error = r.utc_ns - (kT0 + t);
  fw::BoardStatus s = board.status(local_at(t));
  check(r.synchronized && r.source == fw::Source::Ntp, "synchronized from NTP");
  check(error > -1'000'000 && error < 1'000'000, "within a millisecond after two hours");
  check(s.freq_ppb > -41'000 && s.freq_ppb < -39'000, "the crystal's 40 ppm found");
  check(requests <= 2 * 240, "at most 240 requests an hour");
  char buf[160];
  fw::TextWriter w(buf, sizeof(buf));
  w.put("digest error_ns ")
      .put_int(error)
      .put(" freq_ppb ")
      .put_int(s.freq_ppb)
      .put(" requests ")
      .put_int(requests);
  w.put(" bound_ns ").put_int(r.error_ns);
  line(w.c_str());
}

}  // namespace

int main() {
  wide_arithmetic();
  http_and_rtc();
  two_hours_of_ntp();
  line(failures == 0 ? "selftest: all passed" : "selftest: FAILED");
  return failures == 0 ? 0 : 1;
}
