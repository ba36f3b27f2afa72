// lansync-board: the ESP firmware's core on a POSIX machine, with a simulated crystal and an
// emulated DS3231; how the firmware runs in the tests, and a way to try it without a board.
//
// It syncs from an NTP server (--server) or from mode-5 broadcasts
// (--listen-broadcast), keeps an emulated DS3231 (--rtc) through the users'
// boot flow, lets a phone set it (--http, PUT /time) and serves its clock
// (--serve, and GET /time); with --keys and --key it signs its requests and
// takes only replies signed with that key; with --sleep-cycle it emulates
// deep sleep, keeping only the board's sleep record across it; with
// --access-point it runs as the board does with no known network, serving
// SNTP and HTTP on the address of its own access point.  It never sets this machine's clock: its clock is
// the simulated crystal's.  Exit codes (lansync-board(1)): 0 stopped by
// SIGINT, SIGTERM or --duration; 1 a socket or the RTC file failed; 2 usage
// (also an unusable key file or --key).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <sys/socket.h>

#include <cmath>
#include <string>

#include "../../tools/common/cli.hpp"
#include "core/duration.hpp"
#include "firmware/core/board.hpp"
#include "os/address.hpp"
#include "os/keys.hpp"
#include "os/log.hpp"
#include "port.hpp"

namespace {

using namespace lansync;

// ADDR:PORT (or HOST:PORT) to one socket address; port 0 only where allowed.
os::OsResult<os::SocketAddress> address(const std::string& option, const std::string& text, uint16_t port,
                                        bool passive) {
  auto hp = os::parse_host_port(text, port, passive);
  if (!hp) return os::invalid(option + ": " + hp.error().message);
  auto addrs = os::resolve(*hp, passive);
  if (!addrs) return os::invalid(option + ": " + addrs.error().message);
  return addrs->front();
}

// The board's MAC (any type the key ring computes), with the key where
// KeyRing keeps it (libsodium secure memory): the board's copy stays empty here.
bool keyring_hash(void* context, const fw::MacKey& key, const uint8_t* data, size_t size, uint8_t* out) {
  return static_cast<const os::KeyRing*>(context)->compute(key.id, data, size, out,
                                                           proto::key_mac_size(key.type));
}

// log2 of a poll interval given in seconds, which must be a power of two.
int8_t poll_log2(double seconds) { return static_cast<int8_t>(std::lround(std::log2(seconds))); }

// --sleep-cycle AWAKE:ASLEEP into the options; false if either is not a duration above zero.
bool parse_sleep_cycle(const std::string& text, host::PortOptions* opt) {
  size_t colon = text.find(':');
  if (colon == std::string::npos) return false;
  auto awake = core::parse_duration_s(std::string_view(text).substr(0, colon));
  auto asleep = core::parse_duration_s(std::string_view(text).substr(colon + 1));
  if (!awake || !asleep || *awake <= 0 || *asleep <= 0) return false;
  opt->awake_s = *awake;
  opt->asleep_s = *asleep;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  os::log::set_program("lansync-board");
  std::string server, broadcast, serve, http, duration, access_point;
  host::PortOptions opt;
  fw::BoardConfig config;
  int burst = 4;
  double min_poll_s = 64, max_poll_s = 1024, broadcast_delay_s = 0;
  int local_stratum = 10;
  bool verbose = false;
  std::string keys_path;
  uint32_t key_id = 0;
  bool insecure_keys = false;

  CLI::App app{"The lansync ESP firmware's core on this machine: a board with a simulated crystal and an "
               "emulated DS3231 that syncs from NTP, serves its time and never touches this machine's clock.",
               "lansync-board"};
  app.set_version_flag("-V,--version", LANSYNC_VERSION);
  app.add_option("-s,--server", server, "sync from this NTP server")->type_name("HOST[:PORT]");
  app.add_option("--burst", burst, "requests per poll")->capture_default_str()->check(CLI::Range(1, 8))->type_name("N");
  auto power_of_two = CLI::Validator(
      [](std::string& v) {
        double s = std::stod(v);
        return s >= 1 && s <= 131072 && std::exp2(std::round(std::log2(s))) == s ? std::string{}
                                                                                  : "must be a power of two, 1 to 131072";
      },
      "");
  app.add_option("--min-poll", min_poll_s, "shortest poll interval, seconds (a power of two)")
      ->capture_default_str()
      ->check(power_of_two)
      ->type_name("SECONDS");
  app.add_option("--max-poll", max_poll_s, "longest poll interval, seconds (a power of two)")
      ->capture_default_str()
      ->check(power_of_two)
      ->type_name("SECONDS");
  app.add_option("-b,--listen-broadcast", broadcast, "listen-only: take mode-5 broadcasts received here")
      ->type_name("ADDR:PORT");
  app.add_option("--broadcast-delay", broadcast_delay_s, "the broadcasts' assumed one-way delay, seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0))
      ->type_name("SECONDS");
  app.add_option("--serve", serve, "server mode: answer SNTP here")->type_name("ADDR:PORT");
  app.add_option("--http", http,
                 "the HTTP endpoint: GET /exchange and PUT /time (same-origin JSON) from a phone, GET /time, "
                 "GET / (a page)")
      ->type_name("ADDR:PORT");
  app.add_option("--access-point", access_point,
                 "emulate the board's own access point (no known network): serve SNTP on ADDR:123 and HTTP "
                 "(the phone's page, GET /time) on ADDR:80, the AP's address")
      ->type_name("ADDR");
  app.add_option("--local-stratum", local_stratum, "the stratum served while the RTC or a phone is the source")
      ->capture_default_str()
      ->check(CLI::Range(1, 15))
      ->type_name("N");
  app.add_option("--rtc", opt.rtc_path, "the emulated DS3231's state file (a new chip, OSF set, if missing)")
      ->type_name("PATH");
  app.add_option("--rtc-ppm", opt.rtc_ppm, "the emulated DS3231's crystal error, ppm (positive: fast)")
      ->capture_default_str()
      ->check(CLI::Range(-1000.0, 1000.0))
      ->type_name("PPM");
  app.add_option("--drift-ppm", opt.drift_ppm, "the simulated crystal's error, ppm (positive: fast)")
      ->capture_default_str()
      ->check(CLI::Range(-500.0, 500.0))
      ->type_name("PPM");
  auto* keys = app.add_option("--keys", keys_path, "key file (chrony or ntpsec format) holding --key")
                   ->type_name("FILE");
  auto* key = app.add_option("--key", key_id,
                             "sign requests with this key; take only replies and broadcasts signed with it; "
                             "answer requests signed with it with signed replies")
                  ->check(CLI::Range(uint32_t{1}, UINT32_MAX))
                  ->needs(keys)
                  ->type_name("ID");
  keys->needs(key);
  app.add_flag("--insecure-keys", insecure_keys, "accept a key file that group or others may read")
      ->needs(keys);
  std::string sleep_cycle;
  double sleep_tolerance_ppm = 500;
  app.add_option("--sleep-cycle", sleep_cycle,
                 "emulate deep sleep: awake AWAKE, then asleep ASLEEP, over and over (e.g. 30s:60s)")
      ->type_name("AWAKE:ASLEEP");
  app.add_option("--sleep-tolerance", sleep_tolerance_ppm,
                 "the sleep timer's tolerance, ppm: the error bound grows at this rate asleep")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100000.0))
      ->type_name("PPM");
  app.add_option("--sleep-ppm", opt.sleep_ppm, "the emulated sleep timer's error, ppm (positive: fast)")
      ->capture_default_str()
      ->check(CLI::Range(-100000.0, 100000.0))
      ->type_name("PPM");
  app.add_flag("--json", opt.json, "status lines as JSON objects");
  app.add_option("-d,--duration", duration, "stop after this long: 90s, 30m, 2h, 1h30m (bare: seconds)")
      ->check(tools::check_duration)
      ->type_name("DURATION");
  app.add_flag("-v,--verbose", verbose, "log dropped datagrams and failed sends");
  app.footer(
      "At least one of --server, --listen-broadcast, --rtc, --http or --access-point gives the board a time.\n"
      "Exit codes: 0 stopped (SIGINT, SIGTERM, --duration), 1 runtime failure, 2 usage. See lansync-board(1).");
  if (auto code = tools::parse_command_line(app, argc, argv)) return *code;
  os::log::set_verbose(verbose);
  if (!duration.empty()) opt.duration_s = *core::parse_duration_s(duration);

  auto usage = [&](const std::string& message) {
    fmt::print(stderr, "lansync-board: error: {} (see --help)\n", message);
    return tools::kExitUsage;
  };
  if (server.empty() && broadcast.empty() && opt.rtc_path.empty() && http.empty() && access_point.empty()) {
    return usage("nothing to take the time from: give --server, --listen-broadcast, --rtc, --http or --access-point");
  }
  if (min_poll_s > max_poll_s) return usage("--min-poll is longer than --max-poll");
  if (!sleep_cycle.empty() && !parse_sleep_cycle(sleep_cycle, &opt)) {
    return usage("--sleep-cycle: expected AWAKE:ASLEEP, two durations above zero (e.g. 30s:60s)");
  }
  struct Endpoint {
    const std::string& text;
    const char* option;
    uint16_t port;
    bool passive;
    std::optional<os::SocketAddress>* out;
  };
  for (const Endpoint& e : {Endpoint{server, "--server", 123, false, &opt.server},
                            Endpoint{broadcast, "--listen-broadcast", 123, true, &opt.broadcast},
                            Endpoint{serve, "--serve", 123, true, &opt.serve},
                            Endpoint{http, "--http", 80, true, &opt.http}}) {
    if (e.text.empty()) continue;
    auto a = address(e.option, e.text, e.port, e.passive);
    if (!a) return usage(a.error().message);
    *e.out = *a;
  }
  if (!access_point.empty()) {
    auto sntp = address("--access-point", access_point + ":123", 123, true);
    auto web = address("--access-point", access_point + ":80", 80, true);
    if (!sntp || !web) return usage((sntp ? web : sntp).error().message);
    if (sntp->family() != AF_INET) return usage("--access-point: an IPv4 address, as a softAP has");
    opt.ap_serve = *sntp;
    opt.ap_http = *web;
    // No known network: the board starts its access point at once (fallback).
    config.network.access_point = fw::AccessPointMode::Fallback;
    config.network.own.ipv4 = sntp->ipv4();
  }

  config.client.burst = static_cast<uint8_t>(burst);
  config.client.min_poll_log2 = poll_log2(min_poll_s);
  config.client.max_poll_log2 = poll_log2(max_poll_s);
  config.broadcast_delay_ns = std::llround(broadcast_delay_s * 1e9);
  config.local_stratum = static_cast<uint8_t>(local_stratum);
  config.sleep_drift_ppb = std::llround(sleep_tolerance_ppm * 1000);

  auto key_error = [&](const std::string& message) {
    fmt::print(stderr, "lansync-board: error: {}\n", message);
    return tools::kExitUsage;
  };
  std::unique_ptr<os::KeyRing> ring;
  if (key_id != 0) {
    auto loaded = os::load_key_file(keys_path, insecure_keys, key_id,
                                    [](const std::string& warning) { os::log::warn("{}", warning); });
    if (!loaded) return key_error(loaded.error().message);
    ring = std::move(*loaded);
    config.key.id = key_id;
    ring->find(key_id, &config.key.type);
    config.key.hash = &keyring_hash;
    config.key.context = ring.get();
  }

  auto port = host::HostPort::open(opt, config);
  if (!port) {
    os::log::error("{}", port.error().message);
    return 1;
  }
  if (opt.server) os::log::info("syncing from {}", opt.server->to_string());
  if (opt.broadcast) os::log::info("listening for broadcasts on {}", opt.broadcast->to_string());
  if (opt.serve) os::log::info("serving SNTP on {}", opt.serve->to_string());
  if (opt.http) os::log::info("HTTP on {}", opt.http->to_string());
  if (opt.ap_serve) os::log::info("no known network: the board's own access point will be at {}", opt.ap_serve->ip());
  if (ring) {
    os::log::info("authentication: key {} ({}) from {}", key_id, proto::key_type_name(config.key.type),
                  keys_path);
  }
  return (*port)->run();
}
