// The status report as Prometheus metrics; see metrics.hpp.
#include "metrics.hpp"

#include <bit>
#include <nlohmann/json.hpp>
#include <string>

#include "core/prometheus.hpp"

namespace lansync::sntpd {
namespace {

using core::MetricType;
using nlohmann::ordered_json;

double number(const ordered_json& v) { return v.is_number() ? v.get<double>() : 0.0; }
uint64_t count(const ordered_json& v) { return v.is_number_unsigned() ? v.get<uint64_t>() : 0; }

// A gauge from a field that may be null (then the family has no sample).
void gauge(core::PrometheusText& m, const char* name, const char* help, const ordered_json& v) {
  m.family(name, MetricType::Gauge, help);
  if (v.is_number()) m.sample(v.get<double>());
  if (v.is_boolean()) m.sample(v.get<bool>() ? 1.0 : 0.0);
}

void counter(core::PrometheusText& m, const char* name, const char* help, const ordered_json& v) {
  m.family(name, MetricType::Counter, help);
  m.sample(count(v));
}

}  // namespace

std::string metrics_text(const ordered_json& s) {
  core::PrometheusText m;
  const ordered_json& ref = s.at("reference");
  const ordered_json& clock = s.at("clock");
  m.family("sntpd_info", MetricType::Gauge,
           "Version of sntpd and the clock it serves (system or simulated).");
  m.sample(1.0,
           {{"version", s.at("version").get<std::string>()}, {"clock", clock.at("kind").get<std::string>()}});
  gauge(m, "sntpd_uptime_seconds", "Time since sntpd started.", s.at("uptime_s"));

  gauge(m, "sntpd_synchronized", "1 when replies carry a synchronized time, 0 when they carry LI=3.",
        ref.at("synchronized"));
  gauge(m, "sntpd_stratum", "Stratum served (16: unsynchronized).", ref.at("stratum"));
  m.family("sntpd_reference_info", MetricType::Gauge,
           "The reference followed: kind (upstream, kernel, state, local, none) and source (phone, rtc, "
           "ntp:...).");
  m.sample(1.0, {{"kind", ref.at("source").get<std::string>()},
                 {"source", ref.at("state_source").is_string() ? ref.at("state_source").get<std::string>()
                                                               : ref.at("source").get<std::string>()}});
  gauge(m, "sntpd_reference_age_seconds", "Time since the reference was last updated.", ref.at("age_s"));
  gauge(m, "sntpd_reference_timestamp_seconds", "When the reference was last updated, Unix time.",
        ref.at("reference_time_unix"));
  gauge(m, "sntpd_reliable_until_timestamp_seconds",
        "When the reference stops counting (max age, or root distance 1.5 s), Unix time.",
        ref.at("reliable_until_unix"));
  gauge(m, "sntpd_root_delay_seconds", "Root delay served.", ref.at("root_delay_s"));
  gauge(m, "sntpd_root_dispersion_seconds", "Root dispersion served, grown at 15 ppm since the update.",
        ref.at("root_dispersion_s"));
  gauge(m, "sntpd_clock_control", "1 when sntpd adjusts the clock from upstream servers.",
        clock.at("control"));
  gauge(m, "sntpd_last_offset_seconds", "Last offset measured against the upstream servers.",
        clock.at("last_offset_s"));
  if (clock.contains("simulated_offset_s")) {
    gauge(m, "sntpd_simulated_clock_offset_seconds", "The simulated clock minus the system clock.",
          clock.at("simulated_offset_s"));
  }

  const ordered_json& ups = s.at("upstreams");
  if (!ups.empty()) {
    m.family("sntpd_upstream_reachable", MetricType::Gauge,
             "Replies among the last 8 polls of each upstream server.");
    for (const ordered_json& u : ups) {
      auto reach = static_cast<unsigned>(std::stoul(u.at("reach").get<std::string>(), nullptr, 8));
      m.sample(static_cast<double>(std::popcount(reach)), {{"server", u.at("server").get<std::string>()}});
    }
    m.family("sntpd_upstream_offset_seconds", MetricType::Gauge,
             "Offset of each upstream server (positive: it is ahead).");
    for (const ordered_json& u : ups) {
      if (u.at("offset_s").is_number())
        m.sample(number(u.at("offset_s")), {{"server", u.at("server").get<std::string>()}});
    }
    m.family("sntpd_upstream_delay_seconds", MetricType::Gauge, "Round-trip delay to each upstream server.");
    for (const ordered_json& u : ups) {
      if (u.at("delay_s").is_number())
        m.sample(number(u.at("delay_s")), {{"server", u.at("server").get<std::string>()}});
    }
  }

  const ordered_json& c = s.at("counters");
  counter(m, "sntpd_requests_total", "NTP datagrams received.", c.at("requests"));
  counter(m, "sntpd_replies_total", "NTP replies sent, Kiss-o'-Death included.", c.at("replies"));
  counter(m, "sntpd_interleaved_replies_total", "Replies in interleaved mode.", c.at("interleaved_replies"));
  counter(m, "sntpd_passive_replies_total", "Replies in passive mode, to symmetric-active requests (w32tm).",
          c.at("passive_replies"));
  counter(m, "sntpd_kod_sent_total", "Kiss-o'-Death RATE replies sent.", c.at("kod_sent"));
  m.family("sntpd_dropped_total", MetricType::Counter, "NTP datagrams not answered, by reason.");
  for (const auto& [reason, n] : c.at("dropped").items()) m.sample(count(n), {{"reason", reason}});
  counter(m, "sntpd_send_errors_total", "Replies the kernel refused to send.", c.at("send_errors"));
  counter(m, "sntpd_tx_timestamps_total", "Kernel transmit timestamps used for interleaved mode.",
          c.at("tx_timestamps"));
  counter(m, "sntpd_broadcasts_sent_total", "Mode-5 broadcasts sent.", c.at("broadcasts_sent"));

  const ordered_json& cl = s.at("clients");
  counter(m, "sntpd_clients_seen_total", "Distinct client addresses seen.", cl.at("seen"));
  gauge(m, "sntpd_clients_tracked", "Client addresses in the table now.", cl.at("tracked"));
  gauge(m, "sntpd_clients_capacity", "Size of the client table (--max-clients).", cl.at("capacity"));

  const ordered_json& http = s.at("http");
  if (http.is_object()) {
    m.family("sntpd_http_requests_total", MetricType::Counter, "HTTP requests, by endpoint.");
    for (const auto& [endpoint, n] : http.at("requests").items())
      m.sample(count(n), {{"endpoint", endpoint}});
    counter(m, "sntpd_phone_sets_total", "Times a phone set the clock.", http.at("sets"));
    m.family("sntpd_phone_set_refusals_total", MetricType::Counter,
             "Refused requests to set the clock, by reason.");
    for (const auto& [reason, n] : http.at("refused").items()) m.sample(count(n), {{"reason", reason}});
    const ordered_json& last = http.at("last_set");
    gauge(m, "sntpd_last_phone_set_offset_seconds", "The step of the last phone set (positive: forward).",
          last.is_object() ? last.at("offset_s") : ordered_json(nullptr));
  }
  return m.text();
}

}  // namespace lansync::sntpd
