// The status snapshot as JSON; see status_json.hpp.
#include "status/status_json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "core/drift_log.hpp"
#include "proto/units.hpp"
#include "status/status_fields.hpp"

namespace lansync::sntpd {
namespace {

using nlohmann::ordered_json;

using proto::kNsPerMs;

ordered_json reference_json(const ReferenceSnapshot& r) {
  ordered_json ref;
  ref["synchronized"] = r.synchronized;
  ref["source"] = r.kind;
  ref["state_source"] = r.state_source ? ordered_json(*r.state_source) : ordered_json(nullptr);
  ref["detail"] = r.detail;
  ref["stratum"] = r.stratum;
  ref["refid"] = r.refid;
  ref["leap"] = r.leap;
  ref["root_delay_s"] = to_seconds(r.root_delay_ns);
  ref["root_dispersion_s"] = to_seconds(r.root_dispersion_ns);
  ref["reference_time_unix"] = seconds_or_null(r.reference_time_ns);
  ref["age_s"] = seconds_or_null(r.age_ns);
  ref["precision"] = r.precision_log2;
  ref["reliable_until_unix"] = seconds_or_null(r.reliable_until_ns);
  return ref;
}

ordered_json clock_json(const ClockSnapshot& c) {
  ordered_json clock;
  clock["kind"] = c.simulated ? "simulated" : "system";
  if (c.simulated) clock["simulated_offset_s"] = seconds_or_null(c.simulated_offset_ns);
  clock["control"] = c.control;
  clock["frequency_ppm"] = c.frequency_ppm ? ordered_json(*c.frequency_ppm) : ordered_json(nullptr);
  clock["system_time_offset_s"] = seconds_or_null(c.system_time_offset_ns);
  clock["last_offset_s"] = seconds_or_null(c.last_offset_ns);
  clock["offset_error_s"] = seconds_or_null(c.offset_error_ns);
  clock["skew_ppm"] = c.skew_ppm ? ordered_json(*c.skew_ppm) : ordered_json(nullptr);
  clock["poll_s"] = c.poll_s ? ordered_json(*c.poll_s) : ordered_json(nullptr);
  clock["drift_bound_ppm"] = c.drift_bound_ppm ? ordered_json(*c.drift_bound_ppm) : ordered_json(nullptr);
  clock["holdover_ppm"] = c.holdover_ppm ? ordered_json(*c.holdover_ppm) : ordered_json(nullptr);
  clock["ramp_ppm_per_h"] = c.ramp_ppm_per_h ? ordered_json(*c.ramp_ppm_per_h) : ordered_json(nullptr);
  return clock;
}

ordered_json timestamps_json(const TimestampSnapshot& t) {
  ordered_json j;
  j["receive"] = os::rx_stamping_name(t.receive);
  j["transmit"] = t.transmit ? "kernel" : "read";
  return j;
}

// An upstream's fields in seconds that it has once it answered: written and read alike.
constexpr std::pair<const char*, std::optional<int64_t> UpstreamSnapshot::*> kUpstreamSeconds[] = {
    {"offset_s", &UpstreamSnapshot::offset_ns},
    {"delay_s", &UpstreamSnapshot::delay_ns},
    {"last_sample_age_s", &UpstreamSnapshot::last_sample_age_ns}};

}  // namespace

ordered_json nts_json(const NtsSnapshot& n) {
  ordered_json o;
  o["authenticated"] = n.authenticated;
  o["cookies"] = n.cookies;
  o["last_exchange_unix"] = seconds_or_null(n.last_exchange_ns);
  o["dates_checked"] = n.dates_checked;
  o["error"] = n.error.empty() ? ordered_json(nullptr) : ordered_json(n.error);
  o["exchanges"] = n.exchanges;
  o["naks"] = n.naks;
  o["ntp_server"] = n.ntp_server.empty() ? ordered_json(nullptr) : ordered_json(n.ntp_server);
  return o;
}

namespace {

ordered_json upstream_json(const UpstreamSnapshot& u) {
  ordered_json o;
  o["server"] = u.server;
  o["address"] = u.address;
  o["state"] = u.state;
  char reach[4];
  std::snprintf(reach, sizeof(reach), "%03o", u.reach);
  o["reach"] = reach;
  o["poll_s"] = u.poll_s;
  o["stratum"] = u.stratum ? ordered_json(*u.stratum) : ordered_json(nullptr);
  for (const auto& [key, field] : kUpstreamSeconds) o[key] = seconds_or_null(u.*field);
  o["reachable"] = u.reachable;
  o["reachable_since_unix"] = seconds_or_null(u.reachable_since_ns);
  ordered_json rejected = ordered_json::object();
  for (size_t i = 0; i < core::kRejectionCount; ++i) rejected[core::kRejectionNames[i]] = u.rejected[i];
  o["rejected"] = rejected;
  o["nts"] = u.nts ? nts_json(*u.nts) : ordered_json(nullptr);
  if (const auto& r = u.receiver) {
    o["receiver"] = {{"kind", r->pulse ? "pulse" : "time"},
                     {"reading", r->reading},
                     {"problem", r->problem.empty() ? ordered_json(nullptr) : ordered_json(r->problem)},
                     {"learned_offset_s", seconds_or_null(r->learned_offset_ns)}};
  }
  return o;
}

ordered_json selection_json(const SelectionSnapshot& s) {
  ordered_json o;
  o["reachable"] = s.reachable;
  o["agreeing"] = s.agreeing;
  o["min_sources"] = s.min_sources;
  o["problem"] = s.problem.empty() ? ordered_json(nullptr) : ordered_json(s.problem);
  return o;
}

// A table's counts into j.
template <class Snapshot, size_t N>
void put_counts(ordered_json& j, const CountField<Snapshot> (&table)[N], const Snapshot& s) {
  for (const CountField<Snapshot>& f : table) j[f.key] = s.*f.value;
}

const char* drop_name(size_t i) { return proto::describe(static_cast<proto::DropReason>(i)); }

ordered_json counters_json(const CounterSnapshot& t) {
  ordered_json c;
  put_counts(c, kRequestCounts, t);
  ordered_json dropped;
  for (size_t i = 0; i < kDropReasons; ++i) dropped[drop_name(i)] = t.dropped[i];
  c["dropped"] = dropped;
  c["dropped_total"] = t.dropped_total();
  put_counts(c, kSendCounts, t);
  return c;
}

ordered_json clients_summary_json(const ClientTableSnapshot& t) {
  ordered_json clients;
  clients["seen"] = t.seen;
  clients["tracked"] = t.tracked;
  clients["capacity"] = t.capacity;
  return clients;
}

ordered_json http_json(const HttpSnapshot& h) {
  ordered_json j;
  j["listen"] = h.listen;
  j["https"] = h.https;
  j["set_enabled"] = h.set_enabled;
  ordered_json req;
  for (size_t i = 0; i < kHttpEndpointCount; ++i) req[kHttpEndpoints[i]] = h.requests[i];
  j["requests"] = req;
  put_counts(j, kPhoneCounts, h);
  ordered_json refused;
  for (size_t i = 1; i < kPhoneRefusals; ++i)
    refused[core::code(static_cast<core::PhoneRefusal>(i))] = h.refused[i];
  j["refused"] = refused;
  j["refused_total"] = h.refused_total();
  ordered_json limited;
  for (size_t i = 0; i < os::web::kLimitCount; ++i)
    limited[os::web::code(static_cast<os::web::Limit>(i))] = h.limited[i];
  j["limited"] = limited;
  put_counts(j, kWebCounts, h);
  j["last_set"] = h.last_set ? phone_attempt_json(*h.last_set) : ordered_json(nullptr);
  j["last_verification"] =
      h.last_verification ? phone_attempt_json(*h.last_verification) : ordered_json(nullptr);
  j["last_refusal"] = h.last_refusal ? phone_attempt_json(*h.last_refusal) : ordered_json(nullptr);
  return j;
}

ordered_json mqtt_json(const MqttSnapshot& q) {
  ordered_json j;
  j["broker"] = q.broker;
  j["connected"] = q.connected;
  put_counts(j, kMqttCounts, q);
  j["last_error"] = q.last_error.empty() ? ordered_json(nullptr) : ordered_json(q.last_error);
  return j;
}

ordered_json temperature_json(const TemperatureSnapshot& t) {
  ordered_json j;
  j["sensor"] = t.sensor;
  j["celsius"] = t.celsius ? ordered_json(*t.celsius) : ordered_json(nullptr);
  j["problem"] = t.problem.empty() ? ordered_json(nullptr) : ordered_json(t.problem);
  j["correction_ppm"] = t.correction_ppm;
  if (!t.curve) {
    j["curve"] = nullptr;
    j["learning_points"] = t.learning_points;
    return j;
  }
  const core::ThermalCurve& c = *t.curve;
  j["curve"] = {{"lag_s", c.lag_s},
                {"t0_c", c.t0_c},
                {"a_ppm_per_c", c.a_ppm_per_c},
                {"b_ppm_per_c2", c.b_ppm_per_c2},
                {"min_c", c.min_c},
                {"max_c", c.max_c},
                {"points", c.points},
                {"residual_us", c.residual_us}};
  return j;
}

ordered_json pulse_json(const PulseSnapshot& p) {
  ordered_json j;
  j["device"] = p.device;
  j["locked"] = p.locked;
  j["problem"] = p.problem.empty() ? ordered_json(nullptr) : ordered_json(p.problem);
  j["correction_ppm"] = p.correction_ppm;
  j["crystal_ppm"] = p.crystal_ppm ? ordered_json(*p.crystal_ppm) : ordered_json(nullptr);
  j["jitter_s"] = seconds_or_null(p.jitter_ns);
  j["restarts"] = p.restarts;
  return j;
}

}  // namespace

ordered_json seconds_or_null(const std::optional<int64_t>& ns) {
  return ns ? ordered_json(to_seconds(*ns)) : ordered_json(nullptr);
}

ordered_json phone_attempt_json(const PhoneAttempt& a) {
  ordered_json j;
  j["time"] = a.time_utc;
  j["event"] = "phone_set";
  j["result"] = a.result;
  j["reason"] = a.reason;
  j["client"] = a.client;
  j["trigger"] = a.trigger;
  j["offset_s"] = seconds_or_null(a.offset_ns);
  j["uncertainty_s"] = seconds_or_null(a.uncertainty_ns);
  j["message"] = a.message;
  j["user_agent"] = a.user_agent;
  if (a.time_zone) j["time_zone"] = *a.time_zone;
  return j;
}

ordered_json status_json(const StatusSnapshot& s) {
  ordered_json j;
  j["version"] = s.version;
  j["uptime_s"] = to_seconds(s.uptime_ns);
  j["reference"] = reference_json(s.reference);
  j["clock"] = clock_json(s.clock);
  j["timestamps"] = timestamps_json(s.timestamps);
  ordered_json ups = ordered_json::array();
  for (const UpstreamSnapshot& u : s.upstreams) ups.push_back(upstream_json(u));
  j["upstreams"] = ups;
  j["selection"] = s.selection ? selection_json(*s.selection) : ordered_json(nullptr);
  j["counters"] = counters_json(s.counters);
  j["clients"] = clients_summary_json(s.clients);
  j["http"] = s.http ? http_json(*s.http) : ordered_json(nullptr);
  j["mqtt"] = s.mqtt ? mqtt_json(*s.mqtt) : ordered_json(nullptr);
  j["temperature"] = s.temperature ? temperature_json(*s.temperature) : ordered_json(nullptr);
  j["pulse"] = s.pulse ? pulse_json(*s.pulse) : ordered_json(nullptr);
  return j;
}

ordered_json clients_json(const std::vector<ClientEntry>& clients) {
  ordered_json list = ordered_json::array();
  for (const ClientEntry& e : clients) {
    ordered_json c;
    c["address"] = e.address;
    c["requests"] = e.requests;
    c["interleaved"] = e.interleaved;
    c["last_seen_unix"] = to_seconds(e.last_seen_ns);
    c["last_seen_ago_s"] = to_seconds(e.last_seen_ago_ns);
    list.push_back(c);
  }
  return ordered_json{{"clients", list}};
}

std::optional<CameraSnapshot> camera_snapshot(const os::OsResult<os::CameraState>& read) {
  CameraSnapshot c;
  if (!read) {
    if (read.error().code == std::errc::no_such_file_or_directory) return std::nullopt;
    c.result = "unknown";
    c.message = read.error().message;
  } else {
    c.last_run_unix = read->last_run_unix;
    c.result = os::code(read->result);
    c.offset_before_s = read->offset_before_s;
    c.offset_after_s = read->offset_after_s;
    c.message = read->message;
    c.retry_unix = read->retry_unix;
  }
  // One line for the page, whatever the file holds.
  for (char& ch : c.message) {
    if (ch == '\n' || ch == '\r') ch = ' ';
  }
  return c;
}

ordered_json time_json(const ReferenceSnapshot& r, const std::optional<CameraSnapshot>& camera,
                       int recheck_permille) {
  ordered_json j;
  j["unix_ms"] = r.now_ns / kNsPerMs;
  j["utc"] = core::format_utc(r.now_ns);
  j["synchronized"] = r.synchronized;
  j["stratum"] = r.stratum;
  j["source"] = r.source();
  j["age_s"] = seconds_or_null(r.age_ns);
  j["root_distance_ms"] =
      r.synchronized ? ordered_json(static_cast<double>(r.root_distance_ns()) / 1e6) : nullptr;
  j["reliable_until_unix_ms"] =
      r.reliable_until_ns ? ordered_json(*r.reliable_until_ns / kNsPerMs) : ordered_json(nullptr);
  j["check_in_s"] = static_cast<double>(core::phone_recheck_ns(r.synchronized, r.reliable_until_ns, r.now_ns,
                                                               recheck_permille)) /
                    1e9;
  j["detail"] = r.detail;
  if (camera) {
    auto or_null = [](const std::optional<double>& v) {
      return v ? ordered_json(*v) : ordered_json(nullptr);
    };
    ordered_json c;
    c["last_run_unix"] = or_null(camera->last_run_unix);
    c["result"] = camera->result;
    c["offset_before_s"] = or_null(camera->offset_before_s);
    c["offset_after_s"] = or_null(camera->offset_after_s);
    c["message"] = camera->message;
    if (camera->retry_unix) c["retry_unix"] = *camera->retry_unix;
    j["camera"] = c;
  }
  return j;
}

}  // namespace lansync::sntpd
