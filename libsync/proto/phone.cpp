// The phone's HTTP protocol rules; see phone.hpp.
#include "proto/phone.hpp"

#include "proto/exchange.hpp"

namespace lansync::proto {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// a[0..n) equals b[0..n) ignoring ASCII case.
bool equal_nocase(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// t equals the NUL-terminated s ignoring ASCII case.
bool is_nocase(TextRef t, const char* s) {
  TextRef r = text_ref(s);
  return t.present() && t.size == r.size && equal_nocase(t.data, r.data, r.size);
}

// t equals the NUL-terminated s exactly.
bool is(TextRef t, const char* s) {
  TextRef r = text_ref(s);
  if (!t.present() || t.size != r.size) return false;
  for (size_t i = 0; i < r.size; ++i) {
    if (t.data[i] != r.data[i]) return false;
  }
  return true;
}

bool ends_with_nocase(TextRef t, const char* suffix) {
  TextRef s = text_ref(suffix);
  return t.size >= s.size && equal_nocase(t.data + t.size - s.size, s.data, s.size);
}

// Every character of t passes pred (false for empty text).
bool all_of(TextRef t, bool (*pred)(char)) {
  if (t.size == 0) return false;
  for (size_t i = 0; i < t.size; ++i) {
    if (!pred(t.data[i])) return false;
  }
  return true;
}

bool is_ipv4_char(char c) { return (c >= '0' && c <= '9') || c == '.'; }
bool is_ipv6_char(char c) {
  return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f') || c == ':' || c == '.';
}
bool is_name_char(char c) {
  return (lower(c) >= 'a' && lower(c) <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

}  // namespace

TextRef text_ref(const char* s) {
  if (s == nullptr) return {};
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return {s, n};
}

TextRef host_name(TextRef host) {
  if (host.size > 0 && host.data[0] == '[') {
    for (size_t i = 1; i < host.size; ++i) {
      if (host.data[i] == ']') return {host.data, i + 1};
    }
    return {host.data, 0};
  }
  for (size_t i = host.size; i > 0; --i) {
    if (host.data[i - 1] == ':') return {host.data, i - 1};
  }
  return host;
}

bool local_name(TextRef name) {
  if (name.size >= 2 && name.data[0] == '[' && name.data[name.size - 1] == ']') {
    return all_of({name.data + 1, name.size - 2}, is_ipv6_char);
  }
  if (all_of(name, is_ipv4_char)) return name.data[0] >= '0' && name.data[0] <= '9';
  if (!all_of(name, is_name_char)) return false;
  if (name.data[name.size - 1] == '.') --name.size;  // "pi.local." is "pi.local"
  bool dot = false;
  for (size_t i = 0; i < name.size; ++i) dot = dot || name.data[i] == '.';
  if (!dot) return name.size > 0;
  static constexpr const char* kLocalSuffixes[] = {".local", ".lan", ".home.arpa", ".internal"};
  for (const char* suffix : kLocalSuffixes) {
    if (ends_with_nocase(name, suffix)) return true;
  }
  return false;
}

bool local_host(TextRef host) { return local_name(host_name(host)); }

bool same_origin(const RequestOrigin& r) {
  if (r.sec_fetch_site.present() && !is(r.sec_fetch_site, "same-origin") && !is(r.sec_fetch_site, "none")) {
    return false;
  }
  if (!local_host(r.host)) return false;
  if (!r.origin.present()) return true;
  TextRef scheme = text_ref(r.https ? "https://" : "http://");
  const TextRef& o = r.origin;
  return o.size == scheme.size + r.host.size && equal_nocase(o.data, scheme.data, scheme.size) &&
         equal_nocase(o.data + scheme.size, r.host.data, r.host.size);
}

bool json_content_type(TextRef content_type) {
  if (!content_type.present()) return false;
  size_t n = 0;
  while (n < content_type.size && content_type.data[n] != ';') ++n;
  while (n > 0 && (content_type.data[n - 1] == ' ' || content_type.data[n - 1] == '\t')) --n;
  return is_nocase({content_type.data, n}, "application/json");
}

PhoneMeasurement measure_phone(const PhoneExchange& x) {
  // The phone is the reference here: NTP's "server" is the phone's clock as seen by the
  // exchange, so the server's correction is minus NTP's offset.
  Sample s = compute_sample(x.t1_ns, x.t2_ns, x.t3_ns, x.t4_ns);
  PhoneMeasurement m;
  m.correction_ns = -s.offset_ns;
  m.delay_ns = s.delay_ns;
  m.uncertainty_ns = s.delay_ns / 2;
  return m;
}

PhoneTiming check_phone_timing(const PhoneExchange& x) {
  if (x.t4_ns < x.t1_ns || x.t3_ns < x.t2_ns || (x.t4_ns - x.t1_ns) < (x.t3_ns - x.t2_ns)) {
    return PhoneTiming::Inconsistent;
  }
  return measure_phone(x).delay_ns > kPhoneMaxDelayNs ? PhoneTiming::TooSlow : PhoneTiming::Ok;
}

}  // namespace lansync::proto
