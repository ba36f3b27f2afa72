// The phone's HTTP protocol as the Pi and the boards both judge it: which requests may change the
// clock, and what one exchange of a phone's page measures.
//
// A phone's page sets a clock over HTTP: it notes T1, fetches a one-use token with the server's
// receive and transmit times T2 and T3 (GET /exchange), notes T4, and sends the token with T1 and
// T4 (sntpd: POST /set; a board: PUT or POST /time).  The server measures the offset itself from
// the four (RFC 5905 §8 with the phone as the reference).  Anyone on the network can send such a
// request, and so can a web page the phone opens elsewhere; the rules here keep the second out:
// - the same-origin rule: Sec-Fetch-Site, when sent, is "same-origin" (or "none": typed by the
//   user); Origin, when sent, is the connection's scheme + Host; and Host names the server in a
//   way public DNS cannot point elsewhere (an IP literal, "localhost", a name without a dot, or
//   one ending in .local, .lan, .home.arpa or .internal, a trailing dot allowed), so that a
//   DNS-rebinding page cannot pass as the server.  Clients that send neither Origin nor
//   Sec-Fetch-Site (curl, scripts) pass.
// - a JSON body (Content-Type application/json): a cross-site "simple" request cannot carry one.
// - a token is redeemed once, within kPhoneTokenLifetimeNs of the server's monotonic clock;
//   once presented, it never passes again.
// - the exchange's timestamps are consistent and its round trip at most kPhoneMaxDelayNs.
// sntpd (libsync core/phone, sntpd-web) and the boards (firmware/board/board_http) use these; what
// each does with a measurement that passes is its own (sntpd steps beyond 1 s and verifies
// within; a board takes a phone that makes its clock at least twice as good).  Freestanding,
// like the rest of proto: text is a pointer and a size, no heap.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "proto/units.hpp"

namespace lansync::proto {

// A piece of a request's text (a header's value), or absent (data null: the header was not sent).
struct TextRef {
  const char* data = nullptr;
  size_t size = 0;
  bool present() const { return data != nullptr; }
};

// The TextRef of a NUL-terminated string (absent for null).
TextRef text_ref(const char* s);

// How long a token may be redeemed after it was issued: 10 s of the server's monotonic clock.
inline constexpr int64_t kPhoneTokenLifetimeNs = 10 * kNsPerSecond;
// An exchange whose round trip took longer than this cannot bound the offset well enough (half
// of it, 0.5 s, is the uncertainty): refused.
inline constexpr int64_t kPhoneMaxDelayNs = kNsPerSecond;

// A Host header's name part: "[fd00::1]:80" -> "[fd00::1]", "pi.local:8080" -> "pi.local" (the
// port split at the last ':'); empty (size 0) for an unclosed '['.
TextRef host_name(TextRef host);

// True when a Host header (with or without a port) names the server in a way public DNS cannot
// point elsewhere: an IPv4 literal, a bracketed IPv6 literal, "localhost", a name without a dot,
// or one ending in .local, .lan, .home.arpa or .internal ("pi.local." is "pi.local").
bool local_host(TextRef host);

// The same as local_host for a name without a port.
bool local_name(TextRef name);

// The browser's headers of a request that may change state.
struct RequestOrigin {
  TextRef host;            // Host: "192.168.4.1", "pi.local:8080"
  TextRef origin;          // Origin, when sent
  TextRef sec_fetch_site;  // Sec-Fetch-Site, when sent
  bool https = false;      // the connection is TLS: the page's origin is https://
};

// The same-origin rule above.
bool same_origin(const RequestOrigin& r);

// True when a Content-Type is application/json (any case, parameters after ';' ignored).
bool json_content_type(TextRef content_type);

// One exchange of the page with the server: T1 and T4 on the phone's clock, T2 and T3 on the
// server's, all in ns (Unix ns on the Pi; a board's T2 and T3 are its local clock's).
struct PhoneExchange {
  int64_t t1_ns = 0;  // the phone sent the request
  int64_t t2_ns = 0;  // the server received it
  int64_t t3_ns = 0;  // the server answered
  int64_t t4_ns = 0;  // the phone received the answer
};

// What an exchange says about the server's clock.
struct PhoneMeasurement {
  int64_t correction_ns = 0;   // phone - server: positive when the server is behind (the step to apply)
  int64_t delay_ns = 0;        // round trip less the server's time: |(T4 - T1) - (T3 - T2)|
  int64_t uncertainty_ns = 0;  // delay / 2: the offset is exact within this
};

// RFC 5905 §8 with the phone as the reference: correction = -θ, θ = ((T2 - T1) + (T3 - T4)) / 2.
PhoneMeasurement measure_phone(const PhoneExchange& x);

// Whether an exchange can be used, in the order the tests are applied.
enum class PhoneTiming : uint8_t {
  Ok,
  Inconsistent,  // T4 before T1, T3 before T2, or a round trip shorter than the server's own part
  TooSlow,       // the round trip exceeded kPhoneMaxDelayNs
};

// The tests above for an exchange.
PhoneTiming check_phone_timing(const PhoneExchange& x);

}  // namespace lansync::proto
