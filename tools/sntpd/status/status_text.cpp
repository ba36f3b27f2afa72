// The status snapshot as text; see status_text.hpp.
#include "status/status_text.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

#include "codec/calendar.hpp"
#include "core/trust.hpp"
#include "proto/units.hpp"

namespace lansync::sntpd {
namespace {

using Out = std::back_insert_iterator<std::string>;

// "2026-11-22T12:00:00Z" for Unix ns (rounded down to the second); the
// calendar in 64-bit integers, not gmtime, so that it holds past 2038 where time_t is 32 bits.
std::string utc_text(int64_t unix_ns) {
  using proto::kNsPerSecond;
  codec::CivilTime t = codec::civil_from_unix_seconds(unix_ns / kNsPerSecond -
                                                      (unix_ns < 0 && unix_ns % kNsPerSecond != 0 ? 1 : 0));
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", t.year, t.month, t.day, t.hour, t.minute,
                     t.second);
}

// "0.000123456 s", with sign "+0.000123456 s"; "-" for no value.
std::string seconds_text(const std::optional<int64_t>& ns, bool sign = false) {
  if (!ns) return "-";
  return sign ? fmt::format("{:+.9f} s", to_seconds(*ns)) : fmt::format("{:.9f} s", to_seconds(*ns));
}

void reference_lines(Out out, const ReferenceSnapshot& r) {
  fmt::format_to(out, "Reference        : {}\n", r.detail);
  if (r.synchronized) {
    fmt::format_to(out, "Synchronized     : yes, serving stratum {}, refid {}\n", r.stratum, r.refid);
    fmt::format_to(out, "Root delay       : {}\n", seconds_text(r.root_delay_ns));
    fmt::format_to(out, "Root dispersion  : {}\n", seconds_text(r.root_dispersion_ns));
    fmt::format_to(out, "Reference time   : {}\n", utc_text(r.reference_time_ns.value_or(0)));
    fmt::format_to(out, "Reference age    : {}\n", core::human_duration(r.age_ns.value_or(0)));
  } else {
    fmt::format_to(out, "Synchronized     : no, answering LI=3 (unsynchronized), stratum 0\n");
  }
  static constexpr const char* kLeap[] = {"normal", "insert second", "delete second", "not synchronised"};
  fmt::format_to(out, "Leap status      : {}\n", kLeap[r.leap & 3]);
}

void clock_lines(Out out, const ClockSnapshot& c) {
  if (c.simulated) {
    fmt::format_to(out, "Clock            : simulated, {} from the system clock\n",
                   seconds_text(c.simulated_offset_ns, true));
  }
  fmt::format_to(out, "Clock control    : {}\n", c.control ? "yes" : "no");
  if (c.frequency_ppm) {
    double ppm = *c.frequency_ppm;
    fmt::format_to(out, "Frequency        : {:.3f} ppm {}\n", std::fabs(ppm), ppm < 0 ? "slow" : "fast");
  }
  if (c.system_time_offset_ns) {
    double off = to_seconds(*c.system_time_offset_ns);
    fmt::format_to(out, "System time      : {:.9f} s {} of the reference\n", std::fabs(off),
                   off > 0 ? "slow" : "fast");
  }
  if (c.last_offset_ns) fmt::format_to(out, "Last offset      : {}\n", seconds_text(c.last_offset_ns, true));
  if (c.offset_error_ns)
    fmt::format_to(out, "Offset error     : {}\n", seconds_text(c.offset_error_ns, false));
  if (c.skew_ppm) fmt::format_to(out, "Skew             : {:.3f} ppm\n", *c.skew_ppm);
  if (c.poll_s) fmt::format_to(out, "Update interval  : {} s\n", *c.poll_s);
  if (c.drift_bound_ppm) fmt::format_to(out, "Drift bound      : {:.3f} ppm\n", *c.drift_bound_ppm);
  if (c.holdover_ppm)
    fmt::format_to(out, "Holdover         : {:+.3f} ppm, the day before's frequency\n", *c.holdover_ppm);
  if (c.ramp_ppm_per_h)
    fmt::format_to(out, "Frequency ramp   : {:+.3f} ppm per hour, followed\n", *c.ramp_ppm_per_h);
}

void timestamp_lines(Out out, const TimestampSnapshot& t, int precision_log2) {
  fmt::format_to(out, "Receive stamps   : {}\n", os::describe(t.receive));
  fmt::format_to(out, "Transmit stamps  : {}\n",
                 t.transmit ? "kernel (SO_TIMESTAMPING), for interleaved replies"
                            : "read by sntpd before sending (SO_TIMESTAMPING refused)");
  fmt::format_to(out, "Precision        : 2^{} s\n", precision_log2);
}

// An NTS server's keys, cookies and last key exchange.
void nts_line(Out out, const NtsSnapshot& n) {
  std::string exchange =
      n.last_exchange_ns ? "last key exchange " + utc_text(*n.last_exchange_ns) : "no key exchange yet";
  if (n.last_exchange_ns && !n.dates_checked) exchange += " (certificate dates not checked)";
  if (!n.ntp_server.empty()) exchange += ", NTP server " + n.ntp_server;
  fmt::format_to(out, "  nts            : {}, {} cookies, {}{}\n",
                 n.authenticated ? "authenticated" : "no keys", n.cookies, exchange,
                 n.error.empty() ? "" : "; key exchange failed: " + n.error);
}

void upstream_line(Out out, const UpstreamSnapshot& u) {
  // A name, and the address of it polled (a pool name gives several).
  std::string server =
      u.address.empty() || u.address == u.server ? u.server : u.server + " (" + u.address + ")";
  fmt::format_to(out, "Upstream         : {}  {}  reach {:03o}  poll {} s  offset {}  delay {}\n", server,
                 u.state, u.reach, u.poll_s, seconds_text(u.offset_ns, true), seconds_text(u.delay_ns));
  if (u.reachable_since_ns) {
    fmt::format_to(out, "  {:<15}: since {}\n", u.reachable ? "reachable" : "unreachable",
                   utc_text(*u.reachable_since_ns));
  }
  uint64_t total = 0;
  std::string rejected;
  for (size_t i = 0; i < core::kRejectionCount; ++i) {
    total += u.rejected[i];
    rejected += fmt::format("{}{} {}", i == 0 ? "" : ", ", u.rejected[i], core::kRejectionNames[i]);
  }
  if (total > 0) fmt::format_to(out, "  rejected       : {} ({})\n", total, rejected);
  if (const auto& n = u.nts) nts_line(out, *n);
  if (const auto& r = u.receiver) {
    std::string state = r->pulse ? (r->reading ? "pulse, locked to a second" : "pulse, not locked")
                                 : (r->reading ? "time, fix" : "time, no fix");
    if (!r->problem.empty()) state += " (" + r->problem + ")";
    if (r->learned_offset_ns)
      state += ", learned offset " + seconds_text(r->learned_offset_ns, true) + " against the pulse";
    fmt::format_to(out, "  receiver       : {}\n", state);
  }
}

void selection_line(Out out, const SelectionSnapshot& s) {
  fmt::format_to(out, "Selection        : {} reachable, {} agreeing, --min-sources {}: {}\n", s.reachable,
                 s.agreeing, s.min_sources, s.problem.empty() ? "following" : "no correction, " + s.problem);
}

void counter_lines(Out out, const CounterSnapshot& c, const ClientTableSnapshot& cl) {
  fmt::format_to(out, "Requests         : {}\n", c.requests);
  fmt::format_to(out, "Replies          : {} ({} interleaved, {} passive, {} KoD RATE)\n", c.replies,
                 c.interleaved_replies, c.passive_replies, c.kod_sent);
  std::string dropped;
  for (size_t i = 0; i < kDropReasons; ++i) {
    dropped += fmt::format("{}{} {}", i == 0 ? "" : ", ", c.dropped[i],
                           proto::describe(static_cast<proto::DropReason>(i)));
  }
  fmt::format_to(out, "Dropped          : {} ({})\n", c.dropped_total(), dropped);
  fmt::format_to(out, "Clients          : {} seen, {} tracked of {}\n", cl.seen, cl.tracked, cl.capacity);
  if (c.broadcasts_sent > 0) fmt::format_to(out, "Broadcasts sent  : {}\n", c.broadcasts_sent);
  if (c.nts_replies + c.nts_naks > 0)
    fmt::format_to(out, "NTS              : {} replies, {} NTSN kisses\n", c.nts_replies, c.nts_naks);
}

void http_lines(Out out, const HttpSnapshot& h) {
  fmt::format_to(out, "HTTP             : {}{}, {}\n", h.listen, h.https ? " (HTTPS)" : "",
                 h.set_enabled ? "phones may set the clock" : "phones may not set the clock");
  const std::optional<PhoneAttempt>& last = h.last_set;
  fmt::format_to(out, "Phone sets       : {}{}\n", h.sets,
                 last ? fmt::format(" (last {} from {}, {})", seconds_text(last->offset_ns, true),
                                    last->client, last->time_utc)
                      : "");
  const std::optional<PhoneAttempt>& verified = h.last_verification;
  fmt::format_to(out, "Phone verified   : {}{}\n", h.verifications,
                 verified
                     ? fmt::format(" (last {} apart, from {}, {})", seconds_text(verified->offset_ns, true),
                                   verified->client, verified->time_utc)
                     : "");
  const std::optional<PhoneAttempt>& refused = h.last_refusal;
  fmt::format_to(
      out, "Phone refusals   : {}{}\n", h.refused_total(),
      refused ? fmt::format(" (last {} from {}, {})", refused->reason, refused->client, refused->time_utc)
              : "");
}

void mqtt_lines(Out out, const MqttSnapshot& q) {
  fmt::format_to(out, "MQTT             : {}, {}\n", q.broker, q.connected ? "connected" : "not connected");
  fmt::format_to(out, "MQTT messages    : {} published, {} dropped; {} connection{}, {} failure{}{}\n",
                 q.published, q.dropped, q.connects, q.connects == 1 ? "" : "s", q.failures,
                 q.failures == 1 ? "" : "s",
                 q.last_error.empty() ? "" : fmt::format(" (last: {})", q.last_error));
}

// "30 min", "1 h", "2 h": a lag.
std::string lag_text(double s) {
  return s < 3600 ? fmt::format("{:.0f} min", s / 60) : fmt::format("{:.0f} h", s / 3600);
}

void temperature_lines(Out out, const TemperatureSnapshot& t) {
  std::string reading = t.celsius ? fmt::format("{:.1f} C", *t.celsius) : "-";
  if (!t.problem.empty()) reading += " (last read: " + t.problem + ")";
  fmt::format_to(out, "Temperature      : {} from {}, correction {:+.3f} ppm\n", reading, t.sensor,
                 t.correction_ppm);
  if (!t.curve) {
    fmt::format_to(out, "Thermal curve    : learning ({} of {} phases)\n", t.learning_points,
                   core::kThermalMinPoints);
    return;
  }
  const core::ThermalCurve& c = *t.curve;
  fmt::format_to(out, "Thermal curve    : {:+.4f} ppm/C {:+.5f} ppm/C^2 around {:.1f} C, lag {}\n",
                 c.a_ppm_per_c, c.b_ppm_per_c2, c.t0_c, lag_text(c.lag_s));
  fmt::format_to(out, "  learnt         : {} phases over {:.1f} to {:.1f} C, residual {:.0f} us\n", c.points,
                 c.min_c, c.max_c, c.residual_us);
}

void pulse_lines(Out out, const PulseSnapshot& p) {
  std::string state = p.locked ? "followed" : "not followed";
  if (!p.problem.empty()) state += " (" + p.problem + ")";
  fmt::format_to(out, "Pulse            : {}, {}, correction {:+.3f} ppm\n", p.device, state,
                 p.correction_ppm);
  std::string fit = p.crystal_ppm ? fmt::format("{:+.3f} ppm against the pulse, jitter {:.1f} us",
                                                *p.crystal_ppm, static_cast<double>(p.jitter_ns) / 1e3)
                                  : "no fit yet";
  fmt::format_to(out, "  crystal        : {}, {} restart{}\n", fit, p.restarts, p.restarts == 1 ? "" : "s");
}

}  // namespace

std::string status_text(const StatusSnapshot& s) {
  std::string text;
  Out out(text);
  reference_lines(out, s.reference);
  clock_lines(out, s.clock);
  timestamp_lines(out, s.timestamps, s.reference.precision_log2);
  fmt::format_to(out, "Uptime           : {}\n", core::human_duration(s.uptime_ns));
  for (const UpstreamSnapshot& u : s.upstreams) upstream_line(out, u);
  if (s.selection) selection_line(out, *s.selection);
  counter_lines(out, s.counters, s.clients);
  if (s.http) http_lines(out, *s.http);
  if (s.mqtt) mqtt_lines(out, *s.mqtt);
  if (s.temperature) temperature_lines(out, *s.temperature);
  if (s.pulse) pulse_lines(out, *s.pulse);
  return text;
}

std::string clients_text(const std::vector<ClientEntry>& clients) {
  std::string text;
  Out out(text);
  fmt::format_to(out, "{:<39} {:>9}  {:<11}  {}\n", "Address", "Requests", "Interleaved", "Last seen");
  for (const ClientEntry& c : clients) {
    fmt::format_to(out, "{:<39} {:>9}  {:<11}  {} ago\n", c.address, c.requests, c.interleaved ? "yes" : "no",
                   core::human_duration(c.last_seen_ago_ns));
  }
  return text;
}

}  // namespace lansync::sntpd
