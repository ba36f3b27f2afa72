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
// SNTP and HTTP on the address of its own access point; with --wall it draws
// the WallClock example's LED matrix into a file (text or PNG).  It never sets this machine's clock: its
// clock is the simulated crystal's.  Exit codes (lansync-board(1)): 0 stopped by SIGINT, SIGTERM or
// --duration; 1 a socket or the RTC file failed; 2 usage (also an unusable key file or --key).
#include <fmt/core.h>
#include <sys/socket.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <string>

#include "cli/command_line.hpp"
#include "core/duration.hpp"
#include "firmware/board/board.hpp"
#include "os/crypto_keys.hpp"
#include "os/log.hpp"
#include "os/net_address.hpp"
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

// The command line as given, before it is checked and turned into the port's options and the board's config.
struct Args {
  std::string server, broadcast, serve, http, duration, access_point, sleep_cycle, keys_path;
  int burst = 4;
  int local_stratum = 10;
  double min_poll_s = 64, max_poll_s = 1024, broadcast_delay_s = 0, sleep_tolerance_ppm = 500;
  bool verbose = false;
  uint32_t key_id = 0;
  bool insecure_keys = false;
  host::PortOptions
      port;  // what the options set directly: --rtc, --rtc-ppm, --drift-ppm, --sleep-ppm, --json
};

// A CLI11 check for a poll interval in seconds: a power of two, 1 to 131072.
CLI::Validator power_of_two() {
  return CLI::Validator(
      [](std::string& v) {
        double s = std::stod(v);
        return s >= 1 && s <= 131072 && std::exp2(std::round(std::log2(s))) == s
                   ? std::string{}
                   : "must be a power of two, 1 to 131072";
      },
      "");
}

// --keys, --key and --insecure-keys, bound to a.
void define_key_options(CLI::App& app, Args& a) {
  auto* keys = app.add_option("--keys", a.keys_path, "key file (chrony or ntpsec format) holding --key")
                   ->type_name("FILE");
  auto* key = app.add_option("--key", a.key_id,
                             "sign requests with this key; take only replies and broadcasts signed with it; "
                             "answer requests signed with it with signed replies")
                  ->check(CLI::Range(uint32_t{1}, UINT32_MAX))
                  ->needs(keys)
                  ->type_name("ID");
  keys->needs(key);
  app.add_flag("--insecure-keys", a.insecure_keys, "accept a key file that group or others may read")
      ->needs(keys);
}

// --wall, --wall-utc-offset and --wall-light, bound to a.
void define_wall_options(CLI::App& app, Args& a) {
  auto* wall = app.add_option("--wall", a.port.wall_path,
                              "draw the WallClock example's 32x8 LED matrix into this file whenever it "
                              "changes: text ('#' lit, '.' dark), or a picture for a name ending in .png")
                   ->type_name("PATH");
  cli::add_bounded(app, "--wall-utc-offset", a.port.wall_utc_offset_s,
                   "the wall clock's local time minus UTC, seconds (3600: Paris in winter)", -14 * 3600,
                   14 * 3600)
      ->needs(wall)
      ->type_name("SECONDS");
  cli::add_bounded(app, "--wall-light", a.port.wall_light,
                   "the photoresistor's reading the wall clock dims by, 0 (dark) to 4095 (full light)", 0,
                   fw::kWallLightFullScale)
      ->needs(wall)
      ->type_name("N");
}

// Declares every option on app, bound to a.
void define_options(CLI::App& app, Args& a) {
  app.set_version_flag("-V,--version", LANSYNC_VERSION);
  app.add_option("-s,--server", a.server, "sync from this NTP server")->type_name("HOST[:PORT]");
  cli::add_bounded(app, "--burst", a.burst, "requests per poll", 1, 8)->type_name("N");
  app.add_option("--min-poll", a.min_poll_s, "shortest poll interval, seconds (a power of two)")
      ->capture_default_str()
      ->check(power_of_two())
      ->type_name("SECONDS");
  app.add_option("--max-poll", a.max_poll_s, "longest poll interval, seconds (a power of two)")
      ->capture_default_str()
      ->check(power_of_two())
      ->type_name("SECONDS");
  app.add_option("-b,--listen-broadcast", a.broadcast, "listen-only: take mode-5 broadcasts received here")
      ->type_name("ADDR:PORT");
  cli::add_bounded(app, "--broadcast-delay", a.broadcast_delay_s,
                   "the broadcasts' assumed one-way delay, seconds", 0.0, 1.0)
      ->type_name("SECONDS");
  app.add_option("--serve", a.serve, "server mode: answer SNTP here")->type_name("ADDR:PORT");
  app.add_option("--http", a.http,
                 "the HTTP endpoint: GET /exchange and PUT /time (same-origin JSON) from a phone, GET /time, "
                 "GET / (a page)")
      ->type_name("ADDR:PORT");
  app.add_option("--access-point", a.access_point,
                 "emulate the board's own access point (no known network): serve SNTP on ADDR:123 and HTTP "
                 "(the phone's page, GET /time) on ADDR:80, the AP's address")
      ->type_name("ADDR");
  cli::add_bounded(app, "--local-stratum", a.local_stratum,
                   "the stratum served while the RTC or a phone is the source", 1, 15)
      ->type_name("N");
  app.add_option("--rtc", a.port.rtc_path,
                 "the emulated DS3231's state file (a new chip, OSF set, if missing)")
      ->type_name("PATH");
  cli::add_bounded(app, "--rtc-ppm", a.port.rtc_ppm,
                   "the emulated DS3231's crystal error, ppm (positive: fast)", -1000.0, 1000.0)
      ->type_name("PPM");
  cli::add_bounded(app, "--drift-ppm", a.port.drift_ppm,
                   "the simulated crystal's error, ppm (positive: fast)", -500.0, 500.0)
      ->type_name("PPM");
  define_key_options(app, a);
  app.add_option("--sleep-cycle", a.sleep_cycle,
                 "emulate deep sleep: awake AWAKE, then asleep ASLEEP, over and over (e.g. 30s:60s)")
      ->type_name("AWAKE:ASLEEP");
  cli::add_bounded(app, "--sleep-tolerance", a.sleep_tolerance_ppm,
                   "the sleep timer's tolerance, ppm: the error bound grows at this rate asleep", 0.0,
                   100000.0)
      ->type_name("PPM");
  cli::add_bounded(app, "--sleep-ppm", a.port.sleep_ppm,
                   "the emulated sleep timer's error, ppm (positive: fast)", -100000.0, 100000.0)
      ->type_name("PPM");
  define_wall_options(app, a);
  app.add_flag("--json", a.port.json, "status lines as JSON objects");
  app.add_option("-d,--duration", a.duration, "stop after this long: 90s, 30m, 2h, 1h30m (bare: seconds)")
      ->check(cli::check_duration)
      ->type_name("DURATION");
  app.add_flag("-v,--verbose", a.verbose, "log dropped datagrams and failed sends");
  app.footer(
      "At least one of --server, --listen-broadcast, --rtc, --http or --access-point gives the board a "
      "time.\n"
      "Exit codes: 0 stopped (SIGINT, SIGTERM, --duration), 1 runtime failure, 2 usage. See "
      "lansync-board(1).");
}

// What CLI11 cannot check alone: a source of time, the poll range, --sleep-cycle.  "" when good.
std::string check_args(Args& a) {
  if (a.server.empty() && a.broadcast.empty() && a.port.rtc_path.empty() && a.http.empty() &&
      a.access_point.empty()) {
    return "nothing to take the time from: give --server, --listen-broadcast, --rtc, --http or "
           "--access-point";
  }
  if (a.min_poll_s > a.max_poll_s) return "--min-poll is longer than --max-poll";
  if (!a.sleep_cycle.empty() && !parse_sleep_cycle(a.sleep_cycle, &a.port)) {
    return "--sleep-cycle: expected AWAKE:ASLEEP, two durations above zero (e.g. 30s:60s)";
  }
  return "";
}

// Resolves --server, --listen-broadcast, --serve, --http and --access-point into the port's
// addresses (and the access point into the board's network config).  "" when good.
std::string resolve_endpoints(Args& a, fw::BoardConfig* config) {
  struct Endpoint {
    const std::string& text;
    const char* option;
    uint16_t port;
    bool passive;
    std::optional<os::SocketAddress>* out;
  };
  for (const Endpoint& e : {Endpoint{a.server, "--server", 123, false, &a.port.server},
                            Endpoint{a.broadcast, "--listen-broadcast", 123, true, &a.port.broadcast},
                            Endpoint{a.serve, "--serve", 123, true, &a.port.serve},
                            Endpoint{a.http, "--http", 80, true, &a.port.http}}) {
    if (e.text.empty()) continue;
    auto addr = address(e.option, e.text, e.port, e.passive);
    if (!addr) return addr.error().message;
    *e.out = *addr;
  }
  if (a.access_point.empty()) return "";
  auto sntp = address("--access-point", a.access_point + ":123", 123, true);
  auto web = address("--access-point", a.access_point + ":80", 80, true);
  if (!sntp || !web) return (sntp ? web : sntp).error().message;
  if (sntp->family() != AF_INET) return "--access-point: an IPv4 address, as a softAP has";
  a.port.ap_serve = *sntp;
  a.port.ap_http = *web;
  // No known network: the board starts its access point at once (fallback).
  config->network.access_point = fw::AccessPointMode::Fallback;
  config->network.own.ipv4 = sntp->ipv4();
  return "";
}

// The board's client, broadcast, stratum and sleep settings from the command line.
void configure_board(const Args& a, fw::BoardConfig* config) {
  config->client.burst = static_cast<uint8_t>(a.burst);
  config->client.min_poll_log2 = poll_log2(a.min_poll_s);
  config->client.max_poll_log2 = poll_log2(a.max_poll_s);
  config->broadcast_delay_ns = cli::seconds_to_ns(a.broadcast_delay_s);
  config->local_stratum = static_cast<uint8_t>(a.local_stratum);
  config->sleep_drift_ppb = std::llround(a.sleep_tolerance_ppm * 1000);
}

// Loads --keys and hands --key to the board, its MAC computed by the key ring.  "" when good.
std::string use_key(const Args& a, fw::BoardConfig* config, std::unique_ptr<os::KeyRing>* ring) {
  auto loaded = os::load_key_file(a.keys_path, a.insecure_keys, a.key_id,
                                  [](const std::string& warning) { os::log::warn("{}", warning); });
  if (!loaded) return loaded.error().message;
  *ring = std::move(*loaded);
  config->key.id = a.key_id;
  (*ring)->find(a.key_id, &config->key.type);
  config->key.hash = &keyring_hash;
  config->key.context = ring->get();
  return "";
}

// One line for each way the board takes or gives the time, and its key.
void log_start(const Args& a, const os::KeyRing* ring) {
  const host::PortOptions& opt = a.port;
  if (opt.server) os::log::info("syncing from {}", opt.server->to_string());
  if (opt.broadcast) os::log::info("listening for broadcasts on {}", opt.broadcast->to_string());
  if (opt.serve) os::log::info("serving SNTP on {}", opt.serve->to_string());
  if (opt.http) os::log::info("HTTP on {}", opt.http->to_string());
  if (opt.ap_serve)
    os::log::info("no known network: the board's own access point will be at {}", opt.ap_serve->ip());
  if (ring) {
    proto::KeyType type = proto::KeyType::Sha256;
    ring->find(a.key_id, &type);
    os::log::info("authentication: key {} ({}) from {}", a.key_id, proto::key_type_name(type), a.keys_path);
  }
}

}  // namespace

int main(int argc, char** argv) {
  os::log::set_program("lansync-board");
  Args a;
  CLI::App app{
      "The lansync ESP firmware's core on this machine: a board with a simulated crystal and an "
      "emulated DS3231 that syncs from NTP, serves its time and never touches this machine's clock.",
      "lansync-board"};
  define_options(app, a);
  if (auto code = cli::parse_command_line(app, argc, argv)) return *code;
  os::log::set_verbose(a.verbose);
  if (!a.duration.empty()) a.port.duration_s = *core::parse_duration_s(a.duration);

  fw::BoardConfig config;
  if (std::string e = check_args(a); !e.empty()) return cli::usage_error("lansync-board", e);
  if (std::string e = resolve_endpoints(a, &config); !e.empty()) return cli::usage_error("lansync-board", e);
  configure_board(a, &config);
  std::unique_ptr<os::KeyRing> ring;
  if (a.key_id != 0) {
    if (std::string e = use_key(a, &config, &ring); !e.empty()) {
      // An unusable key file is a usage error too, but --help would not help with it.
      fmt::print(stderr, "lansync-board: error: {}\n", e);
      return cli::kExitUsage;
    }
  }

  auto port = host::HostPort::open(a.port, config);
  if (!port) {
    os::log::error("{}", port.error().message);
    return 1;
  }
  log_start(a, ring.get());
  return (*port)->run();
}
