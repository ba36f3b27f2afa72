// sntpd status client; see status.hpp.
#include "status.hpp"

#include <fmt/core.h>

#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/trust.hpp"
#include "os/control.hpp"

namespace lansync::sntpd {
namespace {

using nlohmann::ordered_json;

// "2026-11-22T12:00:00Z" for seconds since the Unix epoch.
std::string utc_text(double unix_s) {
  auto t = static_cast<std::time_t>(std::floor(unix_s));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string seconds_text(const ordered_json& v, bool sign = false) {
  if (!v.is_number()) return "-";
  return sign ? fmt::format("{:+.9f} s", v.get<double>()) : fmt::format("{:.9f} s", v.get<double>());
}

void print_human(const ordered_json& j) {
  const ordered_json& r = j.at("reference");
  fmt::print("Reference        : {}\n", r.at("detail").get<std::string>());
  if (r.at("synchronized").get<bool>()) {
    fmt::print("Synchronized     : yes, serving stratum {}, refid {}\n", r.at("stratum").get<int>(),
               r.at("refid").get<std::string>());
    fmt::print("Root delay       : {}\n", seconds_text(r.at("root_delay_s")));
    fmt::print("Root dispersion  : {}\n", seconds_text(r.at("root_dispersion_s")));
    fmt::print("Reference time   : {}\n", utc_text(r.at("reference_time_unix").get<double>()));
    fmt::print("Reference age    : {}\n",
               core::human_duration(std::llround(r.at("age_s").get<double>() * 1e9)));
  } else {
    fmt::print("Synchronized     : no, answering LI=3 (unsynchronized), stratum 16\n");
  }
  static constexpr const char* kLeap[] = {"normal", "insert second", "delete second", "not synchronised"};
  fmt::print("Leap status      : {}\n", kLeap[r.at("leap").get<int>() & 3]);
  const ordered_json& clock = j.at("clock");
  if (clock.value("kind", "system") == "simulated") {
    fmt::print("Clock            : simulated, {} from the system clock\n",
               seconds_text(clock.at("simulated_offset_s"), true));
  }
  fmt::print("Clock control    : {}\n", clock.at("control").get<bool>() ? "yes" : "no");
  if (clock.value("frequency_ppm", ordered_json(nullptr)).is_number()) {
    double ppm = clock.at("frequency_ppm").get<double>();
    fmt::print("Frequency        : {:.3f} ppm {}\n", std::fabs(ppm), ppm < 0 ? "slow" : "fast");
  }
  if (clock.value("system_time_offset_s", ordered_json(nullptr)).is_number()) {
    double off = clock.at("system_time_offset_s").get<double>();
    fmt::print("System time      : {:.9f} s {} of the reference\n", std::fabs(off), off > 0 ? "slow" : "fast");
  }
  if (!clock.at("last_offset_s").is_null()) {
    fmt::print("Last offset      : {}\n", seconds_text(clock.at("last_offset_s"), true));
  }
  fmt::print("Uptime           : {}\n",
             core::human_duration(std::llround(j.at("uptime_s").get<double>() * 1e9)));
  for (const ordered_json& u : j.at("upstreams")) {
    fmt::print("Upstream         : {}  {}  reach {}  poll {} s  offset {}  delay {}\n",
               u.at("server").get<std::string>(), u.at("state").get<std::string>(),
               u.at("reach").get<std::string>(), u.at("poll_s").get<int64_t>(),
               seconds_text(u.at("offset_s"), true), seconds_text(u.at("delay_s")));
  }
  const ordered_json& c = j.at("counters");
  fmt::print("Requests         : {}\n", c.at("requests").get<uint64_t>());
  fmt::print("Replies          : {} ({} interleaved, {} passive, {} KoD RATE)\n",
             c.at("replies").get<uint64_t>(), c.at("interleaved_replies").get<uint64_t>(),
             c.value("passive_replies", uint64_t{0}), c.at("kod_sent").get<uint64_t>());
  std::string dropped;
  for (const auto& [reason, n] : c.at("dropped").items()) {
    dropped += fmt::format("{}{} {}", dropped.empty() ? "" : ", ", n.get<uint64_t>(), reason);
  }
  fmt::print("Dropped          : {} ({})\n", c.at("dropped_total").get<uint64_t>(), dropped);
  const ordered_json& cl = j.at("clients");
  fmt::print("Clients          : {} seen, {} tracked of {}\n", cl.at("seen").get<uint64_t>(),
             cl.at("tracked").get<uint64_t>(), cl.at("capacity").get<uint64_t>());
  if (c.at("broadcasts_sent").get<uint64_t>() > 0) {
    fmt::print("Broadcasts sent  : {}\n", c.at("broadcasts_sent").get<uint64_t>());
  }
  const ordered_json& http = j.value("http", ordered_json(nullptr));
  if (http.is_object()) {
    fmt::print(
        "HTTP             : {}, {}\n", http.at("listen").get<std::string>(),
        http.at("set_enabled").get<bool>() ? "phones may set the clock" : "phones may not set the clock");
    const ordered_json& last = http.at("last_set");
    fmt::print("Phone sets       : {}{}\n", http.at("sets").get<uint64_t>(),
               last.is_object()
                   ? fmt::format(" (last {} from {}, {})", seconds_text(last.at("offset_s"), true),
                                 last.at("client").get<std::string>(), last.at("time").get<std::string>())
                   : "");
    const ordered_json& refused = http.at("last_refusal");
    fmt::print(
        "Phone refusals   : {}{}\n", http.at("refused_total").get<uint64_t>(),
        refused.is_object()
            ? fmt::format(" (last {} from {}, {})", refused.at("reason").get<std::string>(),
                          refused.at("client").get<std::string>(), refused.at("time").get<std::string>())
            : "");
  }
}

// One line per client, most recent first, as chronyc clients lists them.
void print_clients(const ordered_json& j) {
  fmt::print("{:<39} {:>9}  {:<11}  {}\n", "Address", "Requests", "Interleaved", "Last seen");
  for (const ordered_json& c : j.at("clients")) {
    fmt::print("{:<39} {:>9}  {:<11}  {} ago\n", c.at("address").get<std::string>(),
               c.at("requests").get<uint64_t>(), c.at("interleaved").get<bool>() ? "yes" : "no",
               core::human_duration(std::llround(c.at("last_seen_ago_s").get<double>() * 1e9)));
  }
}

}  // namespace

int print_status(const std::string& control_path, bool json, bool clients) {
  const char* request = clients ? "clients" : "status";
  const char* key = clients ? "clients" : "reference";
  auto answer = os::control_request(control_path, request);
  if (!answer) {
    fmt::print(stderr, "sntpd: error: {} (is sntpd running? see --control)\n", answer.error().message);
    return 1;
  }
  ordered_json j = ordered_json::parse(*answer, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains(key)) {
    fmt::print(stderr, "sntpd: error: {} did not answer with a status report\n", control_path);
    return 1;
  }
  if (json) {
    fmt::print("{}\n", j.dump());
    return 0;
  }
  try {
    clients ? print_clients(j) : print_human(j);
  } catch (const nlohmann::json::exception& e) {
    fmt::print(stderr, "sntpd: error: unexpected status report: {}\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace lansync::sntpd
