// Phone set rules; see phone.hpp.
#include "core/phone.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/camera_reference.hpp"
#include "core/rtc.hpp"
#include "core/trust.hpp"

namespace lansync::core {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view view(proto::TextRef t) { return {t.data, t.size}; }

}  // namespace

const char* code(PhoneRefusal r) {
  switch (r) {
    case PhoneRefusal::None: return "none";
    case PhoneRefusal::NotEnabled: return "not_enabled";
    case PhoneRefusal::CrossSite: return "cross_site";
    case PhoneRefusal::NotJson: return "not_json";
    case PhoneRefusal::NotAllowed: return "not_allowed";
    case PhoneRefusal::ManualOnly: return "manual_only";
    case PhoneRefusal::OtherPhone: return "other_phone";
    case PhoneRefusal::BadRequest: return "bad_request";
    case PhoneRefusal::BadToken: return "bad_token";
    case PhoneRefusal::Expired: return "expired";
    case PhoneRefusal::Reused: return "reused";
    case PhoneRefusal::Busy: return "busy";
    case PhoneRefusal::ClockChanged: return "clock_changed";
    case PhoneRefusal::BadTimestamps: return "bad_timestamps";
    case PhoneRefusal::TooSlow: return "too_slow";
    case PhoneRefusal::BeforeBuild: return "before_build";
    case PhoneRefusal::BeforeRecord: return "before_record";
    case PhoneRefusal::FresherReference: return "fresher_reference";
    case PhoneRefusal::ClockFailed: return "clock_failed";
    case PhoneRefusal::BadTimeZone: return "bad_time_zone";
    case PhoneRefusal::NotReliable: return "not_reliable";
    case PhoneRefusal::BadLocation: return "bad_location";
    case PhoneRefusal::kCount: break;
  }
  return "none";
}

const char* code(PhoneOutcome o) {
  switch (o) {
    case PhoneOutcome::Set: return "set";
    case PhoneOutcome::Verified: return "verified";
    case PhoneOutcome::Refused: break;
  }
  return "refused";
}

bool phone_may_replace(std::string_view source) {
  return source == kPhoneSyncSource || source == kRtcSyncSource || source == kCameraSyncSource;
}

std::optional<PhoneLocation> phone_location(double lat, double lon, double accuracy_m, double unix_s) {
  // Comparisons are false for NaN: a NaN fails each range, and infinities lie outside them.
  bool in_range = lat >= -90.0 && lat <= 90.0 && lon >= -180.0 && lon <= 180.0 && accuracy_m >= 0.0 &&
                  accuracy_m <= 1e7 && unix_s >= static_cast<double>(kPhoneMinUnixS) &&
                  unix_s <= static_cast<double>(kPhoneMaxUnixS) && std::floor(unix_s) == unix_s;
  if (!in_range) return std::nullopt;
  PhoneLocation l;
  l.lat_e7 = static_cast<int32_t>(std::llround(lat * 1e7));
  l.lon_e7 = static_cast<int32_t>(std::llround(lon * 1e7));
  l.accuracy_cm = static_cast<uint32_t>(std::llround(accuracy_m * 100.0));
  l.unix_s = static_cast<int64_t>(unix_s);
  return l;
}

bool valid(const PhoneLocation& l) {
  return l.lat_e7 >= -900'000'000 && l.lat_e7 <= 900'000'000 && l.lon_e7 >= -1'800'000'000 &&
         l.lon_e7 <= 1'800'000'000 && l.accuracy_cm <= kPhoneMaxAccuracyCm && l.unix_s >= kPhoneMinUnixS &&
         l.unix_s <= kPhoneMaxUnixS;
}

IpAddress unmap_ipv4(const IpAddress& a) {
  if (a.family != 6) return a;
  for (int i = 0; i < 10; ++i) {
    if (a.bytes[i] != 0) return a;
  }
  if (a.bytes[10] != 0xFF || a.bytes[11] != 0xFF) return a;
  IpAddress v4;
  v4.family = 4;
  for (int i = 0; i < 4; ++i) v4.bytes[i] = a.bytes[12 + i];
  return v4;
}

SetPermission set_permission(const SetAccess& access, const IpAddress& client, const IpAddress& local) {
  IpAddress c = unmap_ipv4(client);
  IpAddress l = unmap_ipv4(local);
  SetPermission p;
  for (const Cidr& cidr : access.allow) {
    if (cidr_contains(cidr, c)) p.kind = SetPermission::Any;
  }
  for (const Cidr& iface : access.interface_addresses) {
    if (iface.base == l && cidr_contains(iface, c)) p.kind = SetPermission::Any;
  }
  if (p.kind == SetPermission::Any) return p;
  for (const NamedAddress& f : access.fallback_addresses) {
    if (f.address.base == l && cidr_contains(f.address, c)) {
      p.kind = SetPermission::Fallback;
      p.interface = f.interface;
      return p;
    }
  }
  for (const NamedAddress& m : access.manual_addresses) {
    if (m.address.base == l && cidr_contains(m.address, c)) {
      p.kind = SetPermission::Button;
      p.interface = m.interface;
      return p;
    }
  }
  return p;
}

bool may_set_clock(const SetAccess& access, const IpAddress& client, const IpAddress& local) {
  return set_permission(access, client, local).kind != SetPermission::None;
}

const char* code(SetPermission::Kind k) {
  switch (k) {
    case SetPermission::Any:
    case SetPermission::Fallback: return "auto";
    case SetPermission::Button: return "button";
    case SetPermission::None: break;
  }
  return "none";
}

proto::TextRef text_ref(std::optional<std::string_view> s) {
  if (!s) return {};
  return {s->empty() ? "" : s->data(), s->size()};
}

bool same_origin(const OriginHeaders& h) {
  return proto::same_origin({text_ref(h.host), text_ref(h.origin), text_ref(h.sec_fetch_site), h.https});
}

bool fallback_outranked(bool fallback, std::string_view trigger, const std::optional<PhoneHolder>& holder) {
  return fallback && trigger != "button" && holder && !holder->fallback;
}

bool outranks_holder(bool fallback, std::string_view trigger, const PhoneHolder& holder) {
  return trigger == "button" || (!fallback && holder.fallback);
}

std::optional<std::string> parse_allowed_origin(std::string_view text, std::string& problem) {
  std::string o;
  for (char c : text) o += lower(c);
  if (!o.empty() && o.back() == '/') o.pop_back();
  std::string_view scheme = o.starts_with("https://")  ? "https://"
                            : o.starts_with("http://") ? "http://"
                                                       : "";
  if (scheme.empty()) {
    problem = "'" + std::string(text) + "' is not an origin: give http://HOST[:PORT] or https://HOST[:PORT]";
    return std::nullopt;
  }
  std::string_view host = std::string_view(o).substr(scheme.size());
  if (host.find_first_of("/?#@") != std::string_view::npos) {
    problem =
        "'" + std::string(text) + "' is not an origin: no path, query or user, only scheme://HOST[:PORT]";
    return std::nullopt;
  }
  std::string_view name = view(proto::host_name(text_ref(host)));
  std::string_view port = host.substr(name.size());
  if (!port.empty()) {
    port.remove_prefix(1);  // the ':'
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      problem = "'" + std::string(text) + "': the port must be 1-65535";
      return std::nullopt;
    }
  }
  if (name.empty() || !proto::local_name(text_ref(name))) {
    problem = "'" + std::string(text) +
              "': the host must be an IP address, a name without a dot, or one ending in .local, .lan, "
              ".home.arpa or .internal (public DNS could point any other name elsewhere)";
    return std::nullopt;
  }
  if ((scheme == "http://" && port == "80") || (scheme == "https://" && port == "443")) {
    o.resize(scheme.size() + name.size());
  }
  return o;
}

std::string allowed_origin(std::optional<std::string_view> origin, std::span<const std::string> allowed) {
  if (!origin || allowed.empty()) return {};
  std::string problem;
  auto o = parse_allowed_origin(*origin, problem);
  if (!o) return {};
  for (const std::string& a : allowed) {
    if (a == *o) return std::string(*origin);
  }
  return {};
}

bool trusted_origin(const OriginHeaders& h) {
  if (same_origin(h)) return true;
  return proto::local_host(text_ref(h.host)) && !allowed_origin(h.origin, h.allowed_origins).empty();
}

namespace {

// The refusals the exchange itself earns: the server's clock moved since, the timestamps do not
// fit or took too long, or the phone's clock is before what this server has seen.  True with v's
// refusal and reason set.
bool refuse_exchange(const PhoneSetContext& c, PhoneVerdict& v) {
  int64_t moved = c.clock_moved_ns < 0 ? -c.clock_moved_ns : c.clock_moved_ns;
  if (moved > kPhoneMaxClockMoveNs) {
    v.refusal = PhoneRefusal::ClockChanged;
    v.reason = "the server's clock changed by " + seconds_text(c.clock_moved_ns) +
               " since the measurement; measure again";
    return true;
  }
  proto::PhoneTiming timing = proto::check_phone_timing(c.exchange);
  if (timing == proto::PhoneTiming::Inconsistent) {
    v.refusal = PhoneRefusal::BadTimestamps;
    v.reason =
        "the phone's timestamps are inconsistent (its reply arrived before its request left, "
        "or sooner than the server took to answer)";
    return true;
  }
  if (timing == proto::PhoneTiming::TooSlow) {
    v.refusal = PhoneRefusal::TooSlow;
    v.reason = "the round trip took " + seconds_text(v.measurement.delay_ns).substr(1) +
               ", more than 1 s: too slow to measure the offset; measure again";
    return true;
  }
  // A time no clock can show any more: the phone's is wrong, whatever it measured.
  if (c.build_time_ns > 0 && c.exchange.t4_ns < c.build_time_ns) {
    v.refusal = PhoneRefusal::BeforeBuild;
    v.reason =
        "the phone's clock shows a time before this server's software was built; set the phone's clock";
    return true;
  }
  if (c.last_record_ns > 0 && c.exchange.t4_ns < c.last_record_ns) {
    v.refusal = PhoneRefusal::BeforeRecord;
    v.reason = "the phone's clock is " + seconds_text(c.last_record_ns - c.exchange.t4_ns).substr(1) +
               " behind the last time this server recorded a sync; set the phone's clock";
    return true;
  }
  return false;
}

}  // namespace

PhoneVerdict judge_phone_set(const PhoneSetContext& c) {
  PhoneVerdict v;
  if (!c.time_zone_problem.empty()) {
    v.refusal = PhoneRefusal::BadTimeZone;
    v.reason = "refused: " + c.time_zone_problem;
    return v;
  }
  v.measurement = proto::measure_phone(c.exchange);
  if (refuse_exchange(c, v)) return v;
  ReferenceRole role = c.reference.role;
  if (role == ReferenceRole::Measured || role == ReferenceRole::External ||
      (role == ReferenceRole::Record && !phone_may_replace(c.reference.source))) {
    v.refusal = PhoneRefusal::FresherReference;
    v.reason = "the server already has a fresher reference: " + c.reference.detail;
    return v;
  }
  int64_t magnitude =
      v.measurement.correction_ns < 0 ? -v.measurement.correction_ns : v.measurement.correction_ns;
  if (c.holder && magnitude > v.measurement.uncertainty_ns + c.holder->uncertainty_ns) {
    v.refusal = PhoneRefusal::OtherPhone;
    v.reason =
        "another phone holds this clock (" + c.holder->client + ", " + c.holder->user_agent +
        "), and this phone is " + seconds_text(v.measurement.correction_ns) +
        " from it, beyond both measurements' uncertainty (" +
        seconds_text(v.measurement.uncertainty_ns + c.holder->uncertainty_ns).substr(1) +
        "): not taken; the button overrides it, and the hold passes on when that phone stops checking in";
    return v;
  }
  if (magnitude <= kPhoneSetMinOffsetNs) {
    v.outcome = PhoneOutcome::Verified;
    v.reason = "the clocks agree within 1 s (the server is " + seconds_text(-v.measurement.correction_ns) +
               " from the phone): recorded as a verification";
    return v;
  }
  v.outcome = PhoneOutcome::Set;
  return v;
}

std::string explain_refusal(PhoneRefusal r, const std::string& client) {
  switch (r) {
    case PhoneRefusal::NotEnabled:
      return "setting the clock over HTTP is not enabled on this server (sntpd --http-set-allow or "
             "--http-set-interface)";
    case PhoneRefusal::CrossSite: return "refused: the request did not come from this server's own page";
    case PhoneRefusal::NotJson:
      return "refused: the request body must be JSON (Content-Type: application/json)";
    case PhoneRefusal::NotAllowed:
      return "this device (" + client +
             ") is not one that may set the clock (sntpd --http-set-allow, --http-set-interface)";
    case PhoneRefusal::BadRequest:
      return "refused: the request must be a JSON object with token, t1_ms and t4_ms";
    case PhoneRefusal::BadToken: return "refused: the measurement token was not issued by this server";
    case PhoneRefusal::Expired: return "the measurement is too old (tokens last 10 s); measure again";
    case PhoneRefusal::Reused: return "this measurement was already used once; measure again";
    case PhoneRefusal::Busy: return "the server is busy with other measurements; try again in a few seconds";
    case PhoneRefusal::NotReliable:
      return "the Pi's time is not reliable: sync it with a phone first (camsync would not set the camera "
             "from it)";
    case PhoneRefusal::BadLocation:
      return "refused: location must be {lat, lon, accuracy_m, unix}: degrees within ±90 and ±180, metres "
             "from 0 to 1e7, whole Unix seconds";
    case PhoneRefusal::ManualOnly:
      return "this network sets the clock only when you press the button (sntpd --http-manual-interface); "
             "press \"Set the Pi's clock from this phone\"";
    default: return code(r);
  }
}

std::optional<int64_t> reliable_until_ns(const ReferenceChoice& c, int64_t max_age_ns) {
  if (c.role != ReferenceRole::Measured && c.role != ReferenceRole::Record) return std::nullopt;
  const proto::ReferenceState& s = c.state;
  int64_t until_ns = s.reference_time_ns + max_age_ns;
  // root delay / 2 + dispersion + its growth over the age reaches MAXDIST after this long.
  int64_t margin = proto::kMaxRootDistanceNs - s.root_delay_ns / 2 - s.root_dispersion_ns;
  int64_t rate_ppb = std::max<int64_t>(s.dispersion_rate_ppb, 1);
  int64_t by_distance = s.reference_time_ns + (margin > 0 ? margin / rate_ppb * 1'000'000'000 : 0);
  return until_ns < by_distance ? until_ns : by_distance;
}

int64_t phone_recheck_ns(bool synchronized, std::optional<int64_t> reliable_until_ns, int64_t now_ns,
                         int recheck_permille) {
  if (!synchronized) return kPhoneRecheckUnreliableNs;
  if (!reliable_until_ns) return kPhoneRecheckMaxNs;
  int64_t left = *reliable_until_ns - now_ns;
  int64_t after = left > 0 ? left / 1000 * recheck_permille : 0;
  return after < kPhoneRecheckMinNs   ? kPhoneRecheckMinNs
         : after > kPhoneRecheckMaxNs ? kPhoneRecheckMaxNs
                                      : after;
}

}  // namespace lansync::core
