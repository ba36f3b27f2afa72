// The status snapshot as Prometheus metrics; see metrics.hpp.
#include "status/metrics.hpp"

#include <algorithm>
#include <bit>
#include <string>

#include "core/prometheus.hpp"
#include "status/status_fields.hpp"

namespace lansync::sntpd {
namespace {

using core::MetricType;
using core::PrometheusText;

// A gauge that may have no value (then its family has no sample).
void gauge(PrometheusText& m, const char* name, const char* help, std::optional<double> v) {
  m.family(name, MetricType::Gauge, help);
  if (v) m.sample(*v);
}

// A gauge of seconds from ns that may have no value.
void gauge_s(PrometheusText& m, const char* name, const char* help, const std::optional<int64_t>& ns) {
  gauge(m, name, help, ns ? std::optional<double>(to_seconds(*ns)) : std::nullopt);
}

void counter(PrometheusText& m, const char* name, const char* help, uint64_t v) {
  m.family(name, MetricType::Counter, help);
  m.sample(v);
}

// A table's counts.
template <class Snapshot, size_t N>
void counters(PrometheusText& m, const CountField<Snapshot> (&table)[N], const Snapshot& s) {
  for (const CountField<Snapshot>& f : table) counter(m, f.metric, f.help, s.*f.value);
}

void reference_metrics(PrometheusText& m, const ReferenceSnapshot& r) {
  gauge(m, "sntpd_synchronized", "1 when replies carry a synchronized time, 0 when they carry LI=3.",
        r.synchronized ? 1.0 : 0.0);
  gauge(m, "sntpd_stratum", "Stratum served (16: unsynchronized, answered as stratum 0 with LI=3).",
        r.stratum);
  m.family("sntpd_reference_info", MetricType::Gauge,
           "The reference followed: kind (upstream, kernel, state, local, none) and source (phone, rtc, "
           "ntp:...).");
  m.sample(1.0, {{"kind", r.kind}, {"source", r.source()}});
  gauge_s(m, "sntpd_reference_age_seconds", "Time since the reference was last updated.", r.age_ns);
  gauge_s(m, "sntpd_reference_timestamp_seconds", "When the reference was last updated, Unix time.",
          r.reference_time_ns);
  gauge_s(m, "sntpd_reliable_until_timestamp_seconds",
          "When the reference stops counting (max age, or root distance 1.5 s), Unix time.",
          r.reliable_until_ns);
  gauge_s(m, "sntpd_root_delay_seconds", "Root delay served.", r.root_delay_ns);
  gauge_s(m, "sntpd_root_dispersion_seconds",
          "Root dispersion served, grown since the update at 15 ppm (or the drift the clock earned) plus the "
          "frequency's error bound.",
          r.root_dispersion_ns);
}

void clock_metrics(PrometheusText& m, const ClockSnapshot& c) {
  gauge(m, "sntpd_clock_control", "1 when sntpd adjusts the clock from upstream servers.",
        c.control ? 1.0 : 0.0);
  gauge_s(m, "sntpd_last_offset_seconds", "Last offset measured against the upstream servers.",
          c.last_offset_ns);
  gauge_s(m, "sntpd_offset_error_seconds", "Standard error of the offset estimated to the system peer.",
          c.offset_error_ns);
  gauge(m, "sntpd_frequency_ppm",
        "The clock's frequency correction (positive: fast); sntpd's without the slew while it disciplines "
        "the clock.",
        c.frequency_ppm);
  gauge(m, "sntpd_frequency_skew_ppm", "Error bound of the clock's frequency, while sntpd disciplines it.",
        c.skew_ppm);
  gauge(m, "sntpd_poll_seconds", "Poll interval of the system peer, while sntpd disciplines the clock.",
        c.poll_s ? std::optional<double>(static_cast<double>(*c.poll_s)) : std::nullopt);
  gauge(m, "sntpd_drift_bound_ppm",
        "How fast the served root dispersion grows beside the skew: 15 ppm, or the drift the clock earned.",
        c.drift_bound_ppm);
  gauge(m, "sntpd_holdover_ppm",
        "The day before's change of frequency followed through an outage, without a sensor (0: none).",
        c.drift_bound_ppm ? std::optional<double>(c.holdover_ppm.value_or(0)) : std::nullopt);
  gauge(m, "sntpd_frequency_ramp_ppm_per_hour",
        "How fast the frequency moves while the discipline follows its ramp (0: not following one).",
        c.drift_bound_ppm ? std::optional<double>(c.ramp_ppm_per_h.value_or(0)) : std::nullopt);
  if (c.simulated) {
    gauge_s(m, "sntpd_simulated_clock_offset_seconds", "The simulated clock minus the system clock.",
            c.simulated_offset_ns);
  }
}

// The GPS receivers' own gauges (--gps), beside their upstream lines.
void receiver_metrics(PrometheusText& m, const std::vector<UpstreamSnapshot>& ups) {
  if (std::none_of(ups.begin(), ups.end(), [](const UpstreamSnapshot& u) { return u.receiver.has_value(); }))
    return;
  m.family("sntpd_gps_reading", MetricType::Gauge,
           "1 when a GPS receiver's last poll had readings: a fix (kind time) or pulses locked to a second "
           "(kind pulse).");
  for (const UpstreamSnapshot& u : ups) {
    if (u.receiver)
      m.sample(u.receiver->reading ? 1.0 : 0.0,
               {{"server", u.server}, {"kind", u.receiver->pulse ? "pulse" : "time"}});
  }
  m.family("sntpd_gps_learned_offset_seconds", MetricType::Gauge,
           "How late a GPS receiver's own time is, learned against a pulse and added to its offsets.");
  for (const UpstreamSnapshot& u : ups) {
    if (u.receiver && u.receiver->learned_offset_ns)
      m.sample(to_seconds(*u.receiver->learned_offset_ns), {{"server", u.server}});
  }
}

// The NTS servers' gauges, beside their upstream lines.
void nts_metrics(PrometheusText& m, const std::vector<UpstreamSnapshot>& ups) {
  if (std::none_of(ups.begin(), ups.end(), [](const UpstreamSnapshot& u) { return u.nts.has_value(); }))
    return;
  m.family("sntpd_upstream_nts_authenticated", MetricType::Gauge,
           "1 when an NTS upstream server's keys are held (its replies count only authenticated by them).");
  for (const UpstreamSnapshot& u : ups) {
    if (u.nts) m.sample(u.nts->authenticated ? 1.0 : 0.0, {{"server", u.server}, {"address", u.address}});
  }
  m.family("sntpd_upstream_nts_cookies", MetricType::Gauge, "NTS cookies held for each NTS upstream server.");
  for (const UpstreamSnapshot& u : ups) {
    if (u.nts) m.sample(static_cast<double>(u.nts->cookies), {{"server", u.server}, {"address", u.address}});
  }
  m.family("sntpd_upstream_nts_last_exchange_seconds", MetricType::Gauge,
           "When the last NTS key exchange with each NTS upstream server succeeded (Unix time).");
  for (const UpstreamSnapshot& u : ups) {
    if (u.nts && u.nts->last_exchange_ns)
      m.sample(to_seconds(*u.nts->last_exchange_ns), {{"server", u.server}, {"address", u.address}});
  }
  m.family(
      "sntpd_upstream_nts_exchange_failing", MetricType::Gauge,
      "1 when the last NTS key exchange with each NTS upstream server failed (the error: sntpd status).");
  for (const UpstreamSnapshot& u : ups) {
    if (u.nts) m.sample(u.nts->error.empty() ? 0.0 : 1.0, {{"server", u.server}, {"address", u.address}});
  }
}

void upstream_metrics(PrometheusText& m, const std::vector<UpstreamSnapshot>& ups) {
  if (ups.empty()) return;
  m.family("sntpd_upstream_reachable", MetricType::Gauge,
           "Replies among the last 8 polls of each upstream server (server: as configured, address: the one "
           "polled, several for a pool name).");
  for (const UpstreamSnapshot& u : ups) {
    m.sample(static_cast<double>(std::popcount(static_cast<unsigned>(u.reach))),
             {{"server", u.server}, {"address", u.address}});
  }
  m.family("sntpd_upstream_offset_seconds", MetricType::Gauge,
           "Offset of each upstream server (positive: it is ahead).");
  for (const UpstreamSnapshot& u : ups) {
    if (u.offset_ns) m.sample(to_seconds(*u.offset_ns), {{"server", u.server}, {"address", u.address}});
  }
  m.family("sntpd_upstream_delay_seconds", MetricType::Gauge, "Round-trip delay to each upstream server.");
  for (const UpstreamSnapshot& u : ups) {
    if (u.delay_ns) m.sample(to_seconds(*u.delay_ns), {{"server", u.server}, {"address", u.address}});
  }
  m.family("sntpd_upstream_rejected_total", MetricType::Counter,
           "Replies of each upstream server not used, by reason (unauthenticated, bad_mac, stray, "
           "beyond_max_change).");
  for (const UpstreamSnapshot& u : ups) {
    for (size_t i = 0; i < core::kRejectionCount; ++i) {
      m.sample(u.rejected[i],
               {{"server", u.server}, {"address", u.address}, {"reason", core::kRejectionNames[i]}});
    }
  }
  receiver_metrics(m, ups);
  nts_metrics(m, ups);
}

void counter_metrics(PrometheusText& m, const CounterSnapshot& c, const ClientTableSnapshot& cl) {
  counters(m, kRequestCounts, c);
  m.family("sntpd_dropped_total", MetricType::Counter, "NTP datagrams not answered, by reason.");
  for (size_t i = 0; i < kDropReasons; ++i) {
    m.sample(c.dropped[i], {{"reason", proto::describe(static_cast<proto::DropReason>(i))}});
  }
  counters(m, kSendCounts, c);

  counter(m, "sntpd_clients_seen_total", "Distinct client addresses seen.", cl.seen);
  gauge(m, "sntpd_clients_tracked", "Client addresses in the table now.", static_cast<double>(cl.tracked));
  gauge(m, "sntpd_clients_capacity", "Size of the client table (--max-clients).",
        static_cast<double>(cl.capacity));
}

void http_metrics(PrometheusText& m, const HttpSnapshot& h) {
  m.family("sntpd_http_requests_total", MetricType::Counter, "HTTP requests, by endpoint.");
  for (size_t i = 0; i < kHttpEndpointCount; ++i) m.sample(h.requests[i], {{"endpoint", kHttpEndpoints[i]}});
  counters(m, kPhoneCounts, h);
  m.family("sntpd_phone_set_refusals_total", MetricType::Counter,
           "Refused requests to set the clock, by reason.");
  for (size_t i = 1; i < kPhoneRefusals; ++i) {
    m.sample(h.refused[i], {{"reason", core::code(static_cast<core::PhoneRefusal>(i))}});
  }
  m.family("sntpd_http_limited_total", MetricType::Counter,
           "HTTP requests refused by the web process's bounds (411, 413, deadline, sntpd not answering).");
  for (size_t i = 0; i < os::web::kLimitCount; ++i) {
    m.sample(h.limited[i], {{"reason", os::web::code(static_cast<os::web::Limit>(i))}});
  }
  counters(m, kWebCounts, h);
  gauge_s(m, "sntpd_last_phone_set_offset_seconds", "The step of the last phone set (positive: forward).",
          h.last_set ? h.last_set->offset_ns : std::nullopt);
}

void mqtt_metrics(PrometheusText& m, const MqttSnapshot& q) {
  gauge(m, "sntpd_mqtt_connected", "1 while sntpd-mqtt is connected to the broker (--mqtt), else 0.",
        q.connected ? 1.0 : 0.0);
  counters(m, kMqttCounts, q);
}

void temperature_metrics(PrometheusText& m, const TemperatureSnapshot& t) {
  gauge(m, "sntpd_temperature_celsius",
        "The last reading of the crystal's temperature sensor (--temperature).", t.celsius);
  gauge(m, "sntpd_thermal_correction_ppm",
        "The correction for the crystal's temperature applied beneath the discipline (positive: sped up).",
        t.correction_ppm);
  gauge(m, "sntpd_thermal_curve_points", "Phases the crystal's temperature curve learnt from (0: none yet).",
        static_cast<double>(t.curve ? t.curve->points : 0));
  gauge(m, "sntpd_thermal_curve_residual_seconds",
        "How far the phases measured came from where the curve predicted them (RMS).",
        t.curve ? std::optional<double>(t.curve->residual_us * 1e-6) : std::nullopt);
}

void pulse_metrics(PrometheusText& m, const PulseSnapshot& p) {
  gauge(m, "sntpd_pulse_locked",
        "1 while the local pulse's edges come and are followed (--gps pps:PATH local), else 0.",
        p.locked ? 1.0 : 0.0);
  gauge(m, "sntpd_pulse_correction_ppm",
        "The local pulse's correction applied beneath the discipline (positive: sped up).", p.correction_ppm);
  gauge(m, "sntpd_pulse_crystal_ppm", "The crystal's frequency against the local pulse (positive: fast).",
        p.crystal_ppm);
  gauge(m, "sntpd_pulse_jitter_seconds",
        "The local pulse's edges' scatter about the line fitted to them (RMS).", to_seconds(p.jitter_ns));
  counter(m, "sntpd_pulse_restarts_total", "Times the local pulse was lost or moved and followed again.",
          static_cast<uint64_t>(p.restarts));
}

}  // namespace

std::string metrics_text(const StatusSnapshot& s) {
  PrometheusText m;
  m.family("sntpd_info", MetricType::Gauge,
           "Version of sntpd and the clock it serves (system or simulated).");
  m.sample(1.0, {{"version", s.version}, {"clock", s.clock.simulated ? "simulated" : "system"}});
  gauge_s(m, "sntpd_uptime_seconds", "Time since sntpd started.", s.uptime_ns);
  reference_metrics(m, s.reference);
  clock_metrics(m, s.clock);
  upstream_metrics(m, s.upstreams);
  counter_metrics(m, s.counters, s.clients);
  if (s.http) http_metrics(m, *s.http);
  if (s.mqtt) mqtt_metrics(m, *s.mqtt);
  if (s.temperature) temperature_metrics(m, *s.temperature);
  if (s.pulse) pulse_metrics(m, *s.pulse);
  return m.text();
}

}  // namespace lansync::sntpd
