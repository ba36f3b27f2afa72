// The board's HTTP side; see board_http.hpp.
#include "firmware/board/board_http.hpp"

#include "codec/timestamp.hpp"
#include "firmware/board/wide.hpp"
#include "proto/phone.hpp"
#include "proto/units.hpp"

namespace lansync::fw {
namespace {

using proto::kNsPerMs;
// Phone times are Unix ms between 2026 and 2200 (the DS3231's calendar).
constexpr int64_t kFirstPhoneMs = codec::kEarliestPlausibleUnixSeconds * 1000;
constexpr int64_t kLastPhoneMs = int64_t{7'258'118'400} * 1000;
// Until the board corrects it, its crystal may be off by this much (1000 ppm).
constexpr int64_t kUncorrectedPpb = 1'000'000;

void put_hex(TextWriter& w, uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) w.put("0123456789abcdef"[(v >> (4 * i)) & 0xF]);
}

bool parse_hex(const char* s, size_t n, uint64_t* out) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[i];
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

// A JSON member holding Unix ms between 2026 and 2200.
bool json_unix_ms(const char* body, size_t size, const char* key, int64_t* ms) {
  const char* v = nullptr;
  size_t n = 0;
  bool str = false;
  return json_value(body, size, key, &v, &n, &str) && !str && parse_decimal(v, n, ms) &&
         *ms >= kFirstPhoneMs && *ms < kLastPhoneMs;
}

// The page a phone opens to set the board's clock: it measures an exchange
// (T1, GET /exchange, T4) and sends the board its token with T1 and T4.
constexpr char kPhonePage[] =
    "<!doctype html><html><head><meta charset=utf-8>"
    "<meta name=viewport content=\"width=device-width,initial-scale=1\"><title>lansync board</title></head>"
    "<body style=\"font-family:sans-serif\"><h1>lansync board</h1><p id=s>...</p>"
    "<button id=b style=\"font-size:1.5em\">Set the clock from this phone</button>"
    "<script>"
    "function say(t){document.getElementById('s').textContent=t}"
    "function show(){fetch('/time').then(r=>r.json()).then(j=>say("
    "j.synchronized?('Board: '+j.utc+' \\u00b1 '+j.error_s+' s ('+j.source+')'):'Board: not set'))}"
    "document.getElementById('b').onclick=function(){var t1=Date.now();"
    "fetch('/exchange').then(r=>r.json()).then(x=>{var t4=Date.now();return fetch('/time',{method:'PUT',"
    "headers:{'Content-Type':'application/json'},body:JSON.stringify({token:x.token,t1_ms:t1,t4_ms:t4})})})"
    ".then(r=>r.json()).then(j=>{say(j.message);setTimeout(show,1500)})};"
    "show();"
    "</script></body></html>";

}  // namespace

bool takes_set(const ClockView& clock, int64_t error_ns) {
  return !clock.server_heard && !(clock.reading.synchronized && clock.reading.error_ns < 2 * error_ns);
}

size_t BoardHttp::serve(const char* request, size_t size, int64_t local_ns, const ClockView& clock,
                        PhoneSet* set, char* out, size_t cap) {
  HttpRequest q;
  HttpParseResult p = parse_http_request(request, size, &q);
  if (p.state == HttpParse::Incomplete) return 0;
  const Reading& now = clock.reading;
  date_unix_s_ = now.synchronized ? codec::floor_div(now.utc_ns, proto::kNsPerSecond) : kNoHttpDate;
  char body[96];
  TextWriter w(body, sizeof(body));
  uint16_t status = p.status;
  if (p.state == HttpParse::Complete) {
    bool read = q.method == HttpMethod::Get || q.method == HttpMethod::Head;
    bool head = q.method == HttpMethod::Head;
    if (text_equals(q.path, q.path_size, "/time")) {
      if (read) return get_time(head, clock.reading, out, cap);
      if (q.method == HttpMethod::Put || q.method == HttpMethod::Post)
        return put_time(q, local_ns, clock, set, out, cap);
      status = 405;
    } else if (text_equals(q.path, q.path_size, "/exchange")) {
      if (q.method == HttpMethod::Get) return get_exchange(local_ns, out, cap);
      status = 405;
    } else if (text_equals(q.path, q.path_size, "/")) {
      if (read) {
        return respond(200, "text/html; charset=utf-8", kPhonePage, sizeof(kPhonePage) - 1, head, out, cap);
      }
      status = 405;
    } else {
      status = 404;
    }
  }
  w.put("{\"error\":").put_json_string(http_reason(status)).put("}\n");
  return respond(status, "application/json", w.c_str(), w.size(), false, out, cap);
}

size_t BoardHttp::get_time(bool head, const Reading& r, char* out, size_t cap) const {
  char body[256];
  TextWriter w(body, sizeof(body));
  w.put("{\"synchronized\":").put(r.synchronized ? "true" : "false");
  w.put(",\"source\":").put_json_string(source_name(r.source));
  if (r.synchronized) {
    w.put(",\"utc\":\"").put_iso8601(r.utc_ns, 6).put('"');
    w.put(",\"unix_ns\":").put_int(r.utc_ns);
    w.put(",\"error_s\":").put_seconds(r.error_ns, 6);
  }
  w.put("}\n");
  return respond(r.synchronized ? 200 : 503, "application/json", w.c_str(), w.size(), head, out, cap);
}

size_t BoardHttp::get_exchange(int64_t local_ns, char* out, size_t cap) {
  // A free slot, else the oldest exchange gives way.
  Exchange* slot = &exchanges_[0];
  for (Exchange& e : exchanges_) {
    if (!e.live) {
      slot = &e;
      break;
    }
    if (e.t3_local_ns < slot->t3_local_ns) slot = &e;
  }
  slot->nonce = config_.random64 != nullptr ? config_.random64(config_.random_context) : 0;
  slot->counter = ++exchange_counter_;
  slot->t2_local_ns = local_ns;
  slot->t3_local_ns = local_ns;
  slot->live = true;
  char body[96];
  TextWriter w(body, sizeof(body));
  w.put("{\"token\":\"");
  put_hex(w, slot->nonce, 16);
  put_hex(w, slot->counter, 8);
  w.put("\",\"expires_s\":").put_int(proto::kPhoneTokenLifetimeNs / proto::kNsPerSecond).put("}\n");
  return respond(200, "application/json", w.c_str(), w.size(), false, out, cap);
}

bool BoardHttp::redeem(const char* token, size_t size, int64_t local_ns, int64_t* t2_ns, int64_t* t3_ns,
                       TextWriter* why) {
  uint64_t nonce = 0, counter = 0;
  if (size == 24 && parse_hex(token, 16, &nonce) && parse_hex(token + 16, 8, &counter)) {
    for (Exchange& e : exchanges_) {
      if (!e.live || e.counter != counter || e.nonce != nonce) continue;
      e.live = false;  // once only, even when too old
      if (local_ns - e.t3_local_ns > proto::kPhoneTokenLifetimeNs) {
        why->put("the token expired: measure again");
        return false;
      }
      *t2_ns = e.t2_local_ns;
      *t3_ns = e.t3_local_ns;
      return true;
    }
  }
  why->put("not a token this board issued, or already used: measure again");
  return false;
}

uint16_t BoardHttp::phone_time(const char* body, size_t size, int64_t local_ns, int64_t* utc_ns,
                               int64_t* error_ns, TextWriter* why) {
  const char* v = nullptr;
  size_t n = 0;
  bool str = false;
  int64_t claimed = config_.phone_error_ns;
  if (json_value(body, size, "error_ms", &v, &n, &str)) {
    int64_t ms = 0;
    if (str || !parse_decimal(v, n, &ms) || ms > 86'400'000) {
      why->put("expected \"error_ms\": milliseconds");
      return 400;
    }
    claimed = ms * kNsPerMs;
  }
  if (!json_value(body, size, "token", &v, &n, &str)) {
    if (config_.need_token) {
      why->put("this board needs a token from GET /exchange");
      return 403;
    }
    int64_t ms = 0;
    if (!json_unix_ms(body, size, "unix_ms", &ms)) {
      why->put("expected {\"token\":..., \"t1_ms\":..., \"t4_ms\":...} or {\"unix_ms\":...}, after 2026");
      return 400;
    }
    // Nothing measured the transit: the configured bound, at least.
    *utc_ns = ms * kNsPerMs;
    *error_ns = max64(claimed, config_.phone_error_ns);
    return 0;
  }
  int64_t t1 = 0, t4 = 0, t2 = 0, t3 = 0;
  if (!str || !json_unix_ms(body, size, "t1_ms", &t1) || !json_unix_ms(body, size, "t4_ms", &t4)) {
    why->put("expected {\"token\":\"...\", \"t1_ms\":..., \"t4_ms\":...}, Unix ms after 2026");
    return 400;
  }
  if (!redeem(v, n, local_ns, &t2, &t3, why)) return 403;
  proto::PhoneExchange x{t1 * kNsPerMs, t2, t3, t4 * kNsPerMs};
  proto::PhoneTiming timing = proto::check_phone_timing(x);
  if (timing == proto::PhoneTiming::Inconsistent) {
    why->put("the phone's timestamps are inconsistent (T4 before T1)");
    return 400;
  }
  if (timing == proto::PhoneTiming::TooSlow) {
    why->put("the round trip took over 1 s: measure again");
    return 409;
  }
  proto::PhoneMeasurement m = proto::measure_phone(x);
  *utc_ns = local_ns + m.correction_ns;
  // Half the round trip, Date.now()'s millisecond, and the uncorrected crystal since T3.
  int64_t floor = m.uncertainty_ns + kNsPerMs + scale_ppb(local_ns - t3, kUncorrectedPpb);
  *error_ns = max64(claimed, floor);
  return 0;
}

size_t BoardHttp::put_time(const HttpRequest& q, int64_t local_ns, const ClockView& clock, PhoneSet* set,
                           char* out, size_t cap) {
  char reason[160];
  TextWriter why(reason, sizeof(reason));
  uint16_t status = 0;
  int64_t utc = 0, phone_error = 0;
  if (!same_origin(q)) {
    status = 403;
    why.put("refused: another site's page sent this (Origin, Host or Sec-Fetch-Site)");
  } else if (!is_json_request(q)) {
    status = 415;
    why.put("expected Content-Type: application/json");
  } else {
    status = phone_time(q.body, q.body_size, local_ns, &utc, &phone_error, &why);
  }
  const Reading& r = clock.reading;
  if (status == 0 && !takes_set(clock, phone_error)) {
    status = 409;
    why.put("the board's clock is already better: error ").put_seconds(r.error_ns, 6).put(" s (");
    why.put(source_name(r.source)).put(")");
  }
  char text[256];
  TextWriter w(text, sizeof(text));
  if (status != 0) {
    ++sets_refused_;
    w.put("{\"set\":false,\"message\":").put_json_string(why.c_str()).put("}\n");
    return respond(status, "application/json", w.c_str(), w.size(), false, out, cap);
  }
  *set = PhoneSet{true, utc, phone_error};
  w.put("{\"set\":true,\"message\":\"clock set from the phone: ").put_iso8601(utc, 3).put(" \\u00b1 ");
  w.put_seconds(phone_error, 3).put(" s\",\"error_s\":").put_seconds(phone_error, 6).put("}\n");
  return respond(200, "application/json", w.c_str(), w.size(), false, out, cap);
}

}  // namespace lansync::fw
