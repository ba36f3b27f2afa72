// sntpd: the lansync LAN time server.
//
// Answers NTP clients with the time of a clock it has reason to trust, and
// with LI=3 (unsynchronized) when it has none.  Settings come from the command
// line and from /etc/lansync/sntpd.conf (keys = long option names); the
// command line wins.  `sntpd status` asks a running daemon for its state.
// Exit codes (sntpd(8)): 0 stopped by SIGTERM/SIGINT, 1 runtime failure,
// 2 usage or configuration error.
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "child_process.hpp"
#include "cli/command_line.hpp"
#include "codec/nts_ke.hpp"
#include "core/phone.hpp"
#include "daemon.hpp"
#include "mqtt/mqtt_service.hpp"
#include "nts/nts_options.hpp"
#include "options.hpp"
#include "os/clock_compensated.hpp"
#include "os/clock_pps.hpp"
#include "os/clock_shm.hpp"
#include "os/clock_simulated.hpp"
#include "os/crypto_keys.hpp"
#include "os/crypto_siv_keyed.hpp"
#include "os/file.hpp"
#include "os/file_config.hpp"
#include "os/log.hpp"
#include "os/net_address.hpp"
#include "os/net_interface.hpp"
#include "os/proc_privileges.hpp"
#include "os/random.hpp"
#include "os/sensor_temperature.hpp"
#include "status/status.hpp"
#include "upstream/upstreams.hpp"
#include "web/tls_files.hpp"
#include "web/web_service.hpp"

namespace lansync::sntpd {
namespace {

enum Exit : int { kOk = 0, kFailure = 1, kUsage = cli::kExitUsage };

// Durations such as "30m", "2h" or "90" (seconds).
const std::map<std::string, double> kDurationUnits = {{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};

struct StatusOptions {
  bool json = false;
  bool clients = false;
  int wait_s = -1;  // --wait SECONDS: until synchronized (none: ask once)
  std::string control = os::kDefaultControlPath;
};

// Declares the options of the HTTP interface (sntpd-web) and the files it shows or writes.
void define_http_options(CLI::App& app, Options& opt) {
  app.add_option("--http", opt.http, "serve the time, the phone page and metrics over HTTP on ADDR:PORT")
      ->type_name("ADDR:PORT");
  app.add_option(
         "--http-tls-cert", opt.http_tls_cert,
         "serve --http over HTTPS only, with this PEM certificate (read at start; needs --http-tls-key)")
      ->type_name("FILE");
  app.add_option("--http-tls-key", opt.http_tls_key,
                 "the certificate's PEM private key (read at start, as root: it may be root's alone)")
      ->type_name("FILE");
  app.add_option("--http-set-allow", opt.http_set_allow,
                 "clients in this CIDR may set the clock from the page (repeatable)")
      ->type_name("CIDR");
  app.add_option("--http-set-interface", opt.http_set_interface,
                 "clients on this network interface may set the clock from the page (repeatable)")
      ->type_name("IF");
  app.add_option("--http-fallback-interface", opt.http_fallback_interface,
                 "clients on this network interface may set the clock from the page automatically while no "
                 "phone of --http-set-interface or --http-set-allow holds it, else by the button only "
                 "(repeatable)")
      ->type_name("IF");
  app.add_option("--http-manual-interface", opt.http_manual_interface,
                 "clients on this network interface may set the clock by the page's button only (repeatable)")
      ->type_name("IF");
  app.add_option("--http-allow-origin", opt.http_allow_origin,
                 "pages of this origin (an app on the Pi, http://HOST:PORT) may use /time, /exchange, /set "
                 "and /sync-camera through CORS, under the same rules as sntpd's own page (repeatable)")
      ->type_name("ORIGIN");
  app.add_option("--http-recheck", opt.http_recheck,
                 "an open phone page checks again after this fraction of the time the clock has left as "
                 "reliable (0.1-0.9), so a phone that stays keeps it reliable")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 0.9));
  app.add_option("--mqtt", opt.mqtt,
                 "publish the state, retained, to this MQTT broker (Home Assistant discovery included)")
      ->type_name("mqtt[s]://HOST[:PORT][/PREFIX]");
  app.add_option("--mqtt-credentials", opt.mqtt_credentials,
                 "the broker's 'username NAME' and 'password SECRET' lines, read as root at start")
      ->type_name("FILE");
  app.add_option("--mqtt-ca", opt.mqtt_ca,
                 "with mqtts://: trust the CAs in this PEM file instead of the system's")
      ->type_name("FILE");
  app.add_option("--activity-log", opt.activity_log,
                 "append a JSON line here for every attempt to set the clock over HTTP, and when the time "
                 "becomes unreliable, no phone comes and one comes back (empty: none)")
      ->capture_default_str();
  app.add_option("--camera-state", opt.camera_state,
                 "camsync's camera-state file, shown by GET /time and the page (empty: none)")
      ->capture_default_str();
  app.add_option("--camera-request", opt.camera_request,
                 "POST /sync-camera writes this file to start camsync (camsync.path watches it)")
      ->capture_default_str();
}

// Declares the options of the upstream servers followed, bound to opt.
void define_upstream_options(CLI::App& app, Options& opt) {
  app.add_option(
         "--upstream", opt.upstream,
         "follow this NTP server (repeatable); with 'key ID', sign requests with that key from --keys "
         "and use only replies signed alike; with 'nts', HOST[:PORT] is an NTS-KE server (port 4460) and "
         "only replies authenticated by NTS (RFC 8915) are used")
      ->type_name("HOST[:PORT] [key ID|nts]");
  app.add_option("--nts-ca", opt.nts_ca,
                 "check the certificates of 'nts' upstream servers against the CAs in this PEM file, not "
                 "the system's (it must be readable by _lansync-nts)")
      ->type_name("FILE");
  app.add_option(
         "--gps", opt.gps,
         "follow a GPS receiver: gpsd's shared memory segment N (0: its time, 1: its PPS) or a PPS "
         "device's pulses (their second from a receiver's time, else from the clock once synchronized); "
         "repeatable, a source among "
         "the upstream servers; with 'error S', its error (s), else the device's precision; "
         "'pps:PATH local': a steady oscillator's pulse with no time (a DS3231's SQW), which the "
         "crystal's frequency follows beneath the discipline, as chronyd's refclock PPS local")
      ->type_name("shm:N|pps:PATH [error S]|pps:PATH local");
  app.add_option(
         "--temperature", opt.temperature,
         "learn how the crystal's frequency follows this sensor while a reference is heard, and "
         "correct the clock for it: auto (the SoC's thermal_zone0, where it reads), none, ds3231 (the "
         "DS3231's sensor; ds3231:N on /dev/i2c-N), or a file in millidegrees Celsius")
      ->capture_default_str()
      ->type_name("auto|none|ds3231[:N]|PATH");
  app.add_flag("--no-clock-control", opt.no_clock_control,
               "follow upstream servers without adjusting the clock (another daemon owns it)");
  app.add_option("--step-threshold", opt.step_threshold_s,
                 "at start-up only, step the clock when the upstream offset exceeds this (s)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--max-change", opt.max_change_s,
                 "after the first sync, an upstream offset beyond this is not applied; 3 in a row make the "
                 "server a falseticker (s; 0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--min-sources", opt.min_sources,
                 "correct the clock only when at least this many reachable upstream servers agree")
      ->capture_default_str()
      ->check(CLI::Range(1, 32));
  app.add_option("--max-sources", opt.max_sources,
                 "poll at most this many addresses of each --upstream name; one that stops answering, is a "
                 "falseticker for an hour or refuses us gives way to a fresh address of the name")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  app.add_option(
         "--max-poll", opt.max_poll,
         "poll each upstream server at most every 2^N s (0-10; with a temperature sensor at most 9); the "
         "interval starts at the smaller of 64 s and 2^N s")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(0, 10));
}

// Declares every daemon option on app, bound to opt.  Called once per parse.
// Which clients are answered, and how often.
void define_client_options(CLI::App& app, Options& opt) {
  app.add_option("--allow", opt.allow, "also answer clients in this CIDR (repeatable)")->type_name("CIDR");
  app.add_option("--deny", opt.deny, "never answer clients in this CIDR (repeatable)")->type_name("CIDR");
  app.add_flag("--ratelimit", opt.ratelimit, "limit the reply rate per client address");
  app.add_option("--ratelimit-interval", opt.ratelimit_interval,
                 "mean interval between replies, log2 seconds")
      ->capture_default_str()
      ->check(CLI::Range(-19, 12));
  cli::add_bounded(app, "--ratelimit-burst", opt.ratelimit_burst, "replies allowed in a burst", 1, 255);
  cli::add_bounded(app, "--ratelimit-leak", opt.ratelimit_leak,
                   "1 in 2^N over-limit requests is still answered", 1, 4);
  app.add_flag("--ratelimit-kod", opt.ratelimit_kod, "answer over-limit requests with a Kiss-o'-Death RATE");
  app.add_option("--max-clients", opt.max_clients,
                 "clients remembered (at most 60 bytes each, taken as they arrive)")
      ->capture_default_str()
      ->check(CLI::Range(8, 1 << 22));
}

void define_options(CLI::App& app, Options& opt) {
  app.set_version_flag("-V,--version", LANSYNC_VERSION);
  app.add_option("-c,--config", opt.config, "configuration file of 'option value' lines")
      ->capture_default_str();
  app.add_option("-l,--listen", opt.listen,
                 "serve on ADDR:PORT (repeatable; IPv6 as [ADDR]:PORT); default [::]:123 and 0.0.0.0:123")
      ->type_name("ADDR:PORT");
  app.add_option("--workers", opt.workers,
                 "serving threads (SO_REUSEPORT); 0: serve from the main thread, as chronyd does")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  app.add_flag("--camera-reference", opt.camera_reference,
               "with no other reference, take the camera's clock as camsync --camera-reference read it "
               "(the --camera-state file): step to it, serve it as refid CAM with its error bound");
  app.add_option("--local-stratum", opt.local_stratum,
                 "last resort: serve the local clock at this stratum (1-15)")
      ->check(CLI::Range(1, 15));
  define_upstream_options(app, opt);
  app.add_option("--max-age", opt.max_age_s,
                 "a reference older than this no longer counts (seconds, or with s/m/h/d); default 30m")
      ->transform(CLI::AsNumberWithUnit(kDurationUnits, CLI::AsNumberWithUnit::CASE_SENSITIVE))
      ->check(CLI::Range(1.0, 1e9));
  app.add_option("--no-client-after", opt.no_client_after_s,
                 "while the time is unreliable and no phone sets it, say so in --activity-log after this "
                 "(seconds, or with s/m/h/d); default 1h")
      ->transform(CLI::AsNumberWithUnit(kDurationUnits, CLI::AsNumberWithUnit::CASE_SENSITIVE))
      ->check(CLI::Range(1.0, 1e9));
  app.add_option("--state", opt.state,
                 "sync-state file read as a reference (and written when following upstream)")
      ->capture_default_str();
  app.add_option("--drift-file", opt.drift_file,
                 "the clock's frequency learnt from upstreams, saved hourly and at stop, restored at start "
                 "(empty: none)")
      ->capture_default_str();
  define_client_options(app, opt);
  app.add_option("--broadcast", opt.broadcast, "send mode-5 broadcasts to ADDR[:PORT] (repeatable)")
      ->type_name("ADDR[:PORT]");
  cli::add_bounded(app, "--broadcast-interval", opt.broadcast_interval_s, "seconds between broadcasts", 1.0,
                   86400.0);
  app.add_option("--broadcast-key", opt.broadcast_key, "sign the broadcasts with this key from --keys")
      ->type_name("ID")
      ->check(CLI::Range(1u, 0xffffffffu));
  app.add_option("--user", opt.user,
                 "when started as root, continue as this user; default _lansync, or nobody");
  app.add_option("--control", opt.control, "control socket for 'sntpd status'")->capture_default_str();
  app.add_flag("-v,--verbose", opt.verbose, "log every dropped packet");
  app.add_option("--clock", opt.clock, "the clock served and set: system, or simulated (for demos and tests)")
      ->capture_default_str()
      ->check(CLI::IsMember({"system", "simulated"}));
  app.add_option("--simulated-offset", opt.simulated_offset_s,
                 "with --clock simulated: start this many seconds from the system clock (negative: behind)")
      ->check(CLI::Range(-1e9, 1e9));
  define_http_options(app, opt);
  define_nts_options(app, opt);
  app.add_option("--keys", opt.keys,
                 "symmetric keys (chrony or ntpsec key file): signed requests get replies signed alike");
  app.add_flag("--require-auth", opt.require_auth, "answer only requests signed with a key from --keys");
  app.add_flag("--insecure-keys", opt.insecure_keys, "accept a key file that group or others may read");
}

// Loads --keys, printing every line left out; null on an error (logged).
std::unique_ptr<os::KeyRing> load_keys(const Options& opt) {
  auto ring = os::load_key_file(opt.keys, opt.insecure_keys, 0,
                                [](const std::string& warning) { os::log::warn("{}", warning); });
  if (!ring) {
    os::log::error("--keys: {}", ring.error().message);
    return nullptr;
  }
  std::string ids;
  for (uint32_t id : (*ring)->ids()) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
  os::log::info("authentication: {} key{} ({}) from {}; unsigned requests {}", (*ring)->size(),
                (*ring)->size() > 1 ? "s" : "", ids, opt.keys,
                opt.require_auth ? "dropped" : "answered unsigned");
  return std::move(*ring);
}

// Sets the clock's frequency from the drift file (--drift-file), so that a
// restart does not relearn it; a missing file is the first start, a bad one
// a warning (the file is kept aside, the clock left as it is).
void restore_drift(os::Clock& clock, const std::string& path) {
  auto ppm = os::restore_frequency(clock, path);
  if (!ppm) {
    os::log::warn("--drift-file: {}", ppm.error().message);
  } else if (*ppm) {
    os::log::info("clock frequency {:+.3f} ppm, restored from {}", **ppm, path);
  }
}

// Applies the config file under the command line: each line is validated on
// its own so that an error names its line; options given on the command line
// are not taken from the file.  Returns the arguments to parse, or an exit code.
std::variant<std::vector<std::string>, int> config_arguments(const CLI::App& cli, const Options& opt) {
  bool explicit_config = cli.count("--config") > 0;
  auto entries = os::read_config(opt.config);
  if (!entries) {
    if (!explicit_config && entries.error().code == std::errc::no_such_file_or_directory) {
      return std::vector<std::string>{};
    }
    fmt::print(stderr, "sntpd: error: {}\n", entries.error().message);
    return kUsage;
  }
  std::vector<std::string> args;
  for (const os::ConfigEntry& e : *entries) {
    std::string where = opt.config + ":" + std::to_string(e.line);
    std::string name = "--" + e.key;
    const CLI::Option* o = cli.get_option_no_throw(name);
    if (o == nullptr || e.key == "config" || e.key == "help" || e.key == "version") {
      fmt::print(stderr, "sntpd: error: {}: unknown setting '{}'\n", where, e.key);
      return kUsage;
    }
    if (cli.count(name) > 0) continue;  // the command line wins
    std::vector<std::string> line_args{name};
    if (o->get_expected_min() == 0) {  // a flag: the key alone, or yes/no
      if (e.value == "no" || e.value == "false" || e.value == "off") continue;
      if (!e.value.empty() && e.value != "yes" && e.value != "true" && e.value != "on") {
        fmt::print(stderr, "sntpd: error: {}: '{}' takes no value, or yes/no\n", where, e.key);
        return kUsage;
      }
    } else {
      std::istringstream words(e.value);
      for (std::string w; words >> w;) line_args.push_back(w);
    }
    // Validate this line alone, so that an error can name it.
    Options scratch;
    CLI::App check{"", "sntpd"};
    define_options(check, scratch);
    std::vector<std::string> reversed(line_args.rbegin(), line_args.rend());
    try {
      check.parse(reversed);
    } catch (const CLI::ParseError& err) {
      fmt::print(stderr, "sntpd: error: {}: {}\n", where, err.what());
      return kUsage;
    }
    args.insert(args.end(), line_args.begin(), line_args.end());
  }
  return args;
}

// Each start-up step below returns the exit code to leave with, or nothing
// to go on; it logs why it stops.
using Stop = std::optional<int>;

// Whether a helper running as u runs as another user than own (sntpd's): then sntpd keeps
// CAP_SETUID and CAP_SETGID to start it.
bool another_user(const std::optional<os::UserIds>& own, const std::optional<os::UserIds>& u) {
  return u && (!own || own->uid != u->uid || own->gid != u->gid);
}

// Keys, access lists and the rate limit: what the server answers and how.
Stop build_policy(const Options& opt, std::unique_ptr<os::KeyRing>& keys, core::ServerPolicy& policy) {
  static const os::NtsServerSiv nts_crypto;  // stateless; outlives the workers
  if (opt.nts_server) policy.nts = &nts_crypto;
  if (opt.require_auth && opt.keys.empty()) {
    os::log::error("--require-auth needs --keys");
    return kUsage;
  }
  if (!opt.keys.empty()) {
    keys = load_keys(opt);
    if (!keys) return kUsage;
    policy.keys = keys.get();
    policy.require_auth = opt.require_auth;
  }
  if (opt.broadcast_key != 0 && (opt.broadcast.empty() || !keys || keys->mac_size(opt.broadcast_key) == 0)) {
    os::log::error("--broadcast-key {}: {}", opt.broadcast_key,
                   opt.broadcast.empty() ? "there is no --broadcast to sign"
                   : !keys               ? "needs --keys"
                                         : "no such key in " + opt.keys);
    return kUsage;
  }
  for (const auto& [list, allow] : {std::pair{&opt.allow, true}, std::pair{&opt.deny, false}}) {
    for (const std::string& text : *list) {
      auto cidr = os::parse_cidr(text);
      if (!cidr) {
        os::log::error("--{}: {}", allow ? "allow" : "deny", cidr.error().message);
        return kUsage;
      }
      allow ? policy.access.allow(*cidr) : policy.access.deny(*cidr);
    }
  }
  policy.rate_limit = {opt.ratelimit, opt.ratelimit_interval, opt.ratelimit_burst, opt.ratelimit_leak,
                       opt.ratelimit_kod};
  return std::nullopt;
}

// The --upstream servers, by name or address (names resolve in the background),
// with their keys from --keys.
Stop add_upstreams(const Options& opt, const os::KeyRing* keys, Upstreams& upstreams) {
  auto specs = parse_upstreams(opt.upstream);
  if (!specs) {
    os::log::error("{}", specs.error().message);
    return kUsage;
  }
  // sntpd-nts reads it at each key exchange: a file that is not there is a mistake to say now.
  if (std::error_code ec; !opt.nts_ca.empty() && !std::filesystem::is_regular_file(opt.nts_ca, ec)) {
    os::log::error("--nts-ca: {} is not a file", os::shown(opt.nts_ca));
    return kUsage;
  }
  for (const UpstreamSpec& spec : *specs) {
    // A malformed HOST[:PORT] is a usage error; a name that does not resolve
    // (offline at boot) is not.
    auto hp = os::parse_host_port(spec.text, spec.nts ? codec::kNtsKePort : uint16_t{123});
    if (!hp) {
      os::log::error("--upstream: {}", hp.error().message);
      return kUsage;
    }
    if (spec.key_id != 0 && (keys == nullptr || keys->mac_size(spec.key_id) == 0)) {
      os::log::error("--upstream {} key {}: {}", spec.text, spec.key_id,
                     keys == nullptr ? "needs --keys" : "no such key in " + opt.keys);
      return kUsage;
    }
    if (spec.nts && !ChildProcess("sntpd-nts", LANSYNC_NTS_BINARY, "nts", std::nullopt, "").found()) {
      os::log::error("--upstream {} nts: cannot find sntpd-nts (not next to sntpd, nor " LANSYNC_NTS_BINARY
                     ")",
                     spec.text);
      return kUsage;
    }
    upstreams.add_name(spec.text, *hp, spec.key_id != 0 ? keys : nullptr, spec.key_id, spec.nts);
  }
  return std::nullopt;
}

// The user sntpd-nts runs as for the nts upstreams' key exchanges when sntpd starts as root: one of
// its own (nts_user), or where it does not exist sntpd's own user (said once).
void choose_nts_user(const Options& opt, const std::string& user, NtsClientConfig& nc) {
  nc.ca_file = opt.nts_ca;
  nc.verbose = opt.verbose;
  nc.user_name = user;
  bool used = std::find(opt.upstream.begin(), opt.upstream.end(), "nts") != opt.upstream.end();
  if (!used) return;
  nc.user = nts_user(user, &nc.user_name);
  if (!nc.user && ::geteuid() == 0)
    os::log::info("nts: no user _lansync-nts: sntpd-nts runs as {}, sntpd's own user", user);
}

// The --temperature sensor, opened now (as root: a DS3231's I2C bus is root's), when sntpd
// disciplines the clock; the curve the drift file keeps, restored.  None: no sensor ("none", or
// "auto" where no SoC sensor reads).
Stop open_thermal(const Options& opt, os::CompensatedClock& clock, bool follows,
                  std::unique_ptr<ThermalKeeper>& thermal) {
  auto choice = os::parse_temperature_choice(opt.temperature);
  if (!choice) {
    os::log::error("--temperature: {}", choice.error().message);
    return kUsage;
  }
  if (!follows) return std::nullopt;
  auto sensor = os::open_temperature_sensor(*choice);
  if (!sensor) {
    os::log::error("--temperature {}: {}", os::shown(opt.temperature), sensor.error().message);
    return kFailure;
  }
  if (!*sensor) return std::nullopt;
  os::log::info("temperature from {}", (*sensor)->name());
  thermal = std::make_unique<ThermalKeeper>(clock, std::move(*sensor));
  if (opt.drift_file.empty()) return std::nullopt;
  auto curve = os::read_drift_curve(opt.drift_file);
  if (!curve) {
    os::log::warn("--drift-file: {}; the curve is learnt anew", curve.error().message);
  } else if (*curve) {
    thermal->restore(**curve);
    os::log::info("temperature curve restored from {} ({} points)", opt.drift_file, (*curve)->points);
  }
  return std::nullopt;
}

// The --gps receivers: gpsd's segments and PPS devices, opened now (as root: gpsd's segments are
// mode 0600, and setting a PPS device's mode needs CAP_SYS_TIME); a local pulse, the crystal's
// to follow (pulse).
Stop add_refclocks(const Options& opt, os::CompensatedClock& clock, Upstreams& upstreams,
                   std::unique_ptr<PulseKeeper>& pulse) {
  auto specs = parse_refclocks(opt.gps);
  if (!specs) {
    os::log::error("{}", specs.error().message);
    return kUsage;
  }
  // A local pulse has no time: something else must give it, and sntpd must set the clock.
  bool local = std::any_of(specs->begin(), specs->end(), [](const RefclockSpec& s) { return s.local; });
  bool timed = upstreams.size() > 0 || specs->size() > (local ? 1U : 0U);
  if (local && (!timed || opt.no_clock_control)) {
    os::log::error(
        "--gps pps:PATH local steadies a clock sntpd disciplines: it needs an --upstream or "
        "another --gps, and clock control");
    return kUsage;
  }
  for (RefclockSpec& spec : *specs) {
    if (!spec.pps_path.empty()) {
      auto pps = os::PpsDevice::open(spec.pps_path);
      if (!pps) {
        os::log::error("--gps {}: {}", os::shown(spec.text), pps.error().message);
        return kFailure;
      }
      if (spec.local) {
        pulse = std::make_unique<PulseKeeper>(clock, std::move(*pps), spec.text);
      } else {
        upstreams.add_refclock(RefclockPeer(std::move(spec), std::move(*pps), os::monotonic_ns()));
      }
      continue;
    }
    auto segment = os::ShmSegment::attach(spec.unit);
    if (!segment) {
      os::log::error("--gps {}: {}", spec.text, segment.error().message);
      return kFailure;
    }
    upstreams.add_refclock(RefclockPeer(std::move(spec), std::move(*segment), os::monotonic_ns()));
  }
  return std::nullopt;
}

// The pulse's reference the drift file keeps, restored: the frequency saved beside it holds.
void restore_pulse(const std::string& drift_file, PulseKeeper& pulse) {
  auto ppm = os::read_drift_pulse(drift_file);
  if (!ppm) {
    os::log::warn("--drift-file: {}; the pulse's reference is taken anew", ppm.error().message);
  } else if (*ppm) {
    pulse.restore(**ppm);
    os::log::info("the pulse's reference restored from {} ({:+.3f} ppm)", drift_file, **ppm);
  }
}

// The day's shape an earlier run saved beside the drift file, for the first update to take back.
void restore_shape(const std::string& path, ShapeKeeper& shape) {
  auto points = os::read_shape_file(path);
  if (!points) {
    os::log::warn("--drift-file: {}; the day's frequency is learnt anew", points.error().message);
  } else if (!points->empty()) {
    os::log::info("the day's frequency read from {} ({} bin{}), for the first update", path, points->size(),
                  points->size() == 1 ? "" : "s");
    shape.restore(std::move(*points));
  }
}

// --http-tls-cert and --http-tls-key, read now (as root) into sealed memory files for sntpd-web.
Stop load_tls(const Options& opt, HttpConfig& hc) {
  if (opt.http_tls_cert.empty()) return std::nullopt;
  auto tls =
      seal_tls_files(opt.http_tls_cert, opt.http_tls_key, "--http-tls-cert", "--http-tls-key", "http-tls");
  if (!tls) {
    os::log::error("{}", tls.error().message);
    return tls.error().code == std::errc::io_error ? kFailure : kUsage;
  }
  hc.tls_cert = std::move(tls->cert);
  hc.tls_key = std::move(tls->key);
  return std::nullopt;
}

// The user sntpd-web runs as when sntpd starts as root: one of its own, which may neither write
// sntpd's files nor signal it.  Where it does not exist (a build installed without the package's
// sysusers.d file), sntpd's own user, as before; not started as root, sntpd cannot switch users
// and the web process runs as the user who started it.  Either is said once.
constexpr const char* kWebUser = "_lansync-web";

void choose_web_user(const std::string& user, HttpConfig& hc) {
  if (::geteuid() != 0) {
    hc.web_user_note = "not started as root: sntpd-web runs as this user, as sntpd does";
    return;
  }
  hc.web_user = os::user_ids(kWebUser);
  hc.web_user_name = hc.web_user ? kWebUser : user;
  if (!hc.web_user)
    hc.web_user_note = fmt::format("no user {}: sntpd-web runs as {}, sntpd's own user", kWebUser, user);
}

constexpr size_t kMaxMqttCredentialsBytes = 1024;

// This machine's host name, as MQTT's topics and Home Assistant's device name it.
std::string this_host() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

// The MQTT publisher (--mqtt, --mqtt-credentials, --mqtt-ca): the URL checked and the two files
// read now (as root) into sealed memory files for sntpd-mqtt, which runs as hc.web_user.
Stop attach_mqtt(const Options& opt, Daemon& daemon, const HttpConfig& hc) {
  if (opt.mqtt.empty()) {
    if (opt.mqtt_credentials.empty() && opt.mqtt_ca.empty()) return std::nullopt;
    os::log::error("--mqtt-credentials and --mqtt-ca need --mqtt");
    return kUsage;
  }
  auto url = parse_mqtt_url(opt.mqtt);
  if (!url) {
    os::log::error("--mqtt: {}", url.error());
    return kUsage;
  }
  if (!opt.mqtt_ca.empty() && !url->tls) {
    os::log::error("--mqtt-ca needs an mqtts:// URL");
    return kUsage;
  }
  MqttConfig mc;
  mc.url_text = opt.mqtt;
  mc.url = *url;
  mc.identity = mqtt_identity(this_host(), url->prefix, LANSYNC_VERSION);
  mc.verbose = opt.verbose;
  mc.user = hc.web_user;
  mc.user_name = hc.web_user_name;
  if (!opt.mqtt_credentials.empty()) {
    auto text = os::read_secret_file(opt.mqtt_credentials, kMaxMqttCredentialsBytes);
    auto c = text ? parse_mqtt_credentials(*text) : fail(text.error().message);
    if (text) wipe(*text);
    if (!c) {
      os::log::error("--mqtt-credentials: {}{}", text ? opt.mqtt_credentials + ": " : "", c.error());
      return kUsage;
    }
    std::string handed = c->username + "\n" + c->password;
    auto fd = sealed_memory_file("mqtt-credentials", handed);
    wipe(handed);
    wipe(c->password);
    if (!fd) {
      os::log::error("--mqtt-credentials: {}", fd.error().message);
      return kFailure;
    }
    mc.credentials = std::move(*fd);
  }
  if (!opt.mqtt_ca.empty()) {
    auto pem = read_pem_file(opt.mqtt_ca, PemKind::Certificate, "--mqtt-ca");
    auto fd = pem ? sealed_memory_file("mqtt-ca", *pem) : fail(pem.error());
    if (!fd) {
      os::log::error("{}", fd.error().message);
      return kUsage;
    }
    mc.ca = std::move(*fd);
  }
  daemon.set_mqtt(std::move(mc), opt.camera_state);
  return std::nullopt;
}

// The HTTP interface (--http, --http-tls-* and the --http-set-* options), bound now; sntpd-web is
// to run as hc.web_user (choose_web_user).
// --http-set-allow's networks and --http-allow-origin's origins into hc; kUsage (logged) at the
// first that does not parse.
Stop take_http_allow_lists(const Options& opt, HttpConfig& hc) {
  for (const std::string& text : opt.http_set_allow) {
    if (auto cidr = os::parse_cidr(text); !cidr) {
      os::log::error("--http-set-allow: {}", cidr.error().message);
      return kUsage;
    }
    hc.set_allow.push_back(text);
  }
  for (const std::string& text : opt.http_allow_origin) {
    std::string problem;
    auto origin = core::parse_allowed_origin(text, problem);
    if (!origin) {
      os::log::error("--http-allow-origin: {}", problem);
      return kUsage;
    }
    hc.allow_origins.push_back(*origin);
  }
  return std::nullopt;
}

// A warning for each interface the --http-*-interface options name that is not there now (a
// hotspot may come up later: each is looked up again at each request).
void warn_missing_interfaces(const Options& opt) {
  for (const auto& [option, names] : {std::pair{"--http-set-interface", &opt.http_set_interface},
                                      std::pair{"--http-manual-interface", &opt.http_manual_interface},
                                      std::pair{"--http-fallback-interface", &opt.http_fallback_interface}}) {
    for (const std::string& name : *names) {
      if (auto addrs = os::interface_addresses(name); !addrs) {
        os::log::warn("{}: {}; it is looked up again at each request", option, addrs.error().message);
      }
    }
  }
}

Stop attach_http(const Options& opt, Daemon& daemon, os::Clock& clock, HttpConfig& hc) {
  if (std::string problem = tls_options_problem(opt.http_tls_cert, opt.http_tls_key); !problem.empty()) {
    os::log::error("{}", problem);
    return kUsage;
  }
  if (opt.http.empty()) {
    if (!phones_may_set(opt, true) && opt.http_tls_cert.empty() && opt.http_allow_origin.empty()) {
      return std::nullopt;
    }
    os::log::error(
        "--http-set-allow, --http-set-interface, --http-fallback-interface, --http-manual-interface, "
        "--http-allow-origin and --http-tls-cert need --http");
    return kUsage;
  }
  if (Stop stop = load_tls(opt, hc)) return *stop;
  hc.listen = opt.http;
  hc.set_interfaces = opt.http_set_interface;
  hc.manual_interfaces = opt.http_manual_interface;
  hc.fallback_interfaces = opt.http_fallback_interface;
  hc.recheck_permille = static_cast<int>(std::lround(opt.http_recheck * 1000));
  hc.hold_ns = cli::seconds_to_ns(opt.max_age_s);
  hc.activity_log = opt.activity_log;
  hc.camera_state = opt.camera_state;
  hc.camera_request = opt.camera_request;
  hc.verbose = opt.verbose;
  if (Stop stop = take_http_allow_lists(opt, hc)) return *stop;
  warn_missing_interfaces(opt);
  if (auto hp = os::parse_host_port(opt.http, 80, /*allow_port_zero=*/true); !hp) {
    os::log::error("--http: {}", hp.error().message);
    return kUsage;
  }
  auto http = WebService::bind(clock, std::move(hc));
  if (!http) {
    os::log::error("{}", http.error().message);
    return kFailure;
  }
  daemon.set_http(std::move(*http));
  return std::nullopt;
}

// The --listen addresses (default [::]:123 and 0.0.0.0:123).
std::variant<std::vector<os::SocketAddress>, int> listen_addresses(const Options& opt) {
  std::vector<std::string> listen = opt.listen;
  if (listen.empty()) listen = {"[::]:123", "0.0.0.0:123"};
  std::vector<os::SocketAddress> addresses;
  for (const std::string& text : listen) {
    auto hp = os::parse_host_port(text, 123, /*allow_port_zero=*/true);
    auto addrs = hp ? os::resolve(*hp, /*passive=*/true) : fail(hp.error());
    if (!addrs) {
      os::log::error("--listen: {}", addrs.error().message);
      return kUsage;
    }
    addresses.push_back(addrs->front());
  }
  return addresses;
}

// Says how a served socket stamps datagrams: a warning when the kernel
// refused nanosecond receive stamps or transmit stamps and sntpd fell back.
void log_stamping(const os::UdpSocket& s, const std::string& where) {
  if (s.rx_stamping() == os::RxStamping::KernelNs) {
    os::log::info("receive timestamps on {}: {}", where, os::describe(s.rx_stamping()));
  } else {
    os::log::warn("receive timestamps on {}: {}; the served precision is widened to {} ns", where,
                  os::describe(s.rx_stamping()), os::stamp_error_ns(s.rx_stamping()));
  }
  if (!s.tx_stamping()) {
    os::log::warn(
        "transmit timestamps on {}: SO_TIMESTAMPING refused; interleaved replies carry the time read "
        "before sending",
        where);
  }
}

// One socket per address for each of the --workers threads (--workers 0: one set, served by the main thread).
Stop open_workers(const Options& opt, std::vector<os::SocketAddress> addresses, Daemon& daemon) {
  os::UdpSocket::Options sock_options;
  sock_options.reuse_port = opt.workers > 1;
  sock_options.tx_timestamps = true;
  sock_options.freebind = true;  // start-up order does not matter: ap0 may come up later
  for (int w = 0; w < std::max(opt.workers, 1); ++w) {
    std::vector<os::UdpSocket> sockets;
    for (os::SocketAddress& addr : addresses) {
      auto sock = os::UdpSocket::open(addr.family(), sock_options);
      auto st = sock ? sock->bind(addr) : fail(sock.error());
      if (!st) {
        os::log::error("{}", st.error().message);
        return kFailure;
      }
      // Port 0: the other workers must share the port the first one got.
      if (auto local = sock->local_address(); local) {
        if (w == 0) {
          os::log::info("listening on {}", local->to_string());
          log_stamping(*sock, local->to_string());
        }
        addr = *local;
      }
      sockets.push_back(std::move(*sock));
    }
    daemon.add_worker(std::move(sockets), opt.workers == 0);
  }
  return std::nullopt;
}

// A socket for each --broadcast address.
Stop open_broadcasts(const Options& opt, const os::KeyRing* keys, Daemon& daemon) {
  for (const std::string& text : opt.broadcast) {
    auto hp = os::parse_host_port(text, 123);
    auto addrs = hp ? os::resolve(*hp) : fail(hp.error());
    if (!addrs) {
      os::log::error("--broadcast: {}", addrs.error().message);
      return kUsage;
    }
    os::UdpSocket::Options bo;
    bo.broadcast = true;
    auto sock = os::UdpSocket::open(addrs->front().family(), bo);
    if (!sock) {
      os::log::error("{}", sock.error().message);
      return kFailure;
    }
    os::log::info("broadcasting to {} every {} s{}", addrs->front().to_string(), opt.broadcast_interval_s,
                  opt.broadcast_key != 0 ? fmt::format(", signed with key {}", opt.broadcast_key) : "");
    daemon.add_broadcast({addrs->front(), std::move(*sock), keys, opt.broadcast_key});
  }
  return std::nullopt;
}

// Continues as `user`: the directories sntpd writes after this (state, drift
// file, activity log) become the user's first; CAP_SYS_TIME is kept only
// when sntpd sets the real clock, CAP_SETUID and CAP_SETGID only when it starts
// sntpd-web as another user.
Stop drop_root(const Options& opt, const std::string& user, os::KeptRights keep, bool follows,
               bool http_set) {
  if (::geteuid() != 0) return std::nullopt;
  auto give_parent = [&](const std::string& path) {
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    if (auto st = os::give_directory_to(dir, user); !st) os::log::warn("{}", st.error().message);
  };
  if (user != "root") {
    if (follows || http_set) give_parent(opt.state);
    if (follows && !opt.drift_file.empty()) give_parent(opt.drift_file);
    if (http_set && !opt.activity_log.empty()) give_parent(opt.activity_log);
  }
  auto dropped = os::drop_privileges(user, keep);
  if (!dropped) {
    os::log::error("{}", dropped.error().message);
    return kFailure;
  }
  os::log::info("{}", *dropped);
  return std::nullopt;
}

// Says what sntpd follows (servers and GPS receivers), if anything, and whether it keeps the clock.
void log_following(size_t servers, size_t receivers, bool follows) {
  if (servers == 0 && receivers == 0) return;
  std::string what = servers > 0 ? fmt::format("{} upstream server{}", servers, servers > 1 ? "s" : "") : "";
  if (receivers > 0) {
    what +=
        fmt::format("{}{} GPS receiver{}", what.empty() ? "" : " and ", receivers, receivers > 1 ? "s" : "");
  }
  os::log::info("following {}, {}", what, follows ? "disciplining the clock" : "without clock control");
}

// The upstream servers' rules, from the options.
UpstreamConfig upstream_config(const Options& opt) {
  UpstreamConfig uc;
  uc.clock_control = !opt.no_clock_control;
  uc.step_threshold_ns = cli::seconds_to_ns(opt.step_threshold_s);
  uc.max_change_ns = cli::seconds_to_ns(opt.max_change_s);
  uc.min_sources = static_cast<size_t>(opt.min_sources);
  uc.max_poll_log2 = opt.max_poll;
  uc.max_age_ns = cli::seconds_to_ns(opt.max_age_s);
  uc.max_sources = static_cast<size_t>(opt.max_sources);
  return uc;
}

// What holds the crystal's frequency beside a local pulse (keepers.pulse, restored from the drift
// file here): the temperature's curve, else the day's shape, where sntpd disciplines the clock.
Stop open_keepers(const Options& opt, os::CompensatedClock& clock, bool follows, FrequencyKeepers& keepers) {
  if (keepers.pulse && !opt.drift_file.empty()) restore_pulse(opt.drift_file, *keepers.pulse);
  // A pulse measures what the temperature's curve and the day's shape would guess: neither then.
  if (Stop stop = open_thermal(opt, clock, follows && !keepers.pulse, keepers.thermal)) return *stop;
  if (keepers.pulse && opt.temperature != "auto" && opt.temperature != "none") {
    os::log::info("--temperature {} is not followed: the crystal follows the pulse",
                  os::shown(opt.temperature));
  }
  // Without a sensor, the day's frequency is followed through an outage.
  if (follows && !keepers.thermal && !keepers.pulse) {
    keepers.shape = std::make_unique<ShapeKeeper>(clock);
    if (!opt.drift_file.empty()) restore_shape(opt.drift_file + os::kShapeSuffix, *keepers.shape);
  }
  return std::nullopt;
}

// Opens everything as root, drops privileges, runs until stopped.
int serve(const Options& opt, os::Clock& base_clock, bool simulated) {
  // The clock every part sets, with the crystal's temperature compensated beneath it.
  os::CompensatedClock clock(base_clock);
  bool http_set = phones_may_set(opt, false);
  // The user to continue as, checked before anything is bound.
  std::string user = opt.user.empty() ? os::first_existing_user("_lansync", "nobody") : opt.user;
  if (::geteuid() == 0 && !os::user_exists(user)) {
    os::log::error("--user: no such user '{}'", user);
    return kUsage;
  }
  core::ServerPolicy policy;
  std::unique_ptr<os::KeyRing> keys;  // outlives the daemon below
  if (Stop stop = build_policy(opt, keys, policy)) return *stop;
  uint64_t seed = 0;
  os::random_bytes(&seed, sizeof(seed));
  auto state = std::make_unique<core::Server>(policy, static_cast<size_t>(opt.max_clients), seed);
  core::Server& server = *state;
  UpstreamConfig uc = upstream_config(opt);
  choose_nts_user(opt, user, uc.nts);
  auto upstreams = std::make_unique<Upstreams>(clock, uc);
  if (Stop stop = add_upstreams(opt, keys.get(), *upstreams)) return *stop;
  FrequencyKeepers keepers;
  if (Stop stop = add_refclocks(opt, clock, *upstreams, keepers.pulse)) return *stop;
  size_t servers = upstreams->size();
  size_t receivers = upstreams->refclocks();
  bool follows = uc.clock_control && !upstreams->empty();  // sntpd disciplines the clock
  if (Stop stop = open_keepers(opt, clock, follows, keepers)) return *stop;

  Daemon daemon(clock, opt, std::move(state), std::move(upstreams), std::move(keepers));
  HttpConfig hc;
  if (!opt.http.empty() || !opt.mqtt.empty()) choose_web_user(user, hc);
  // CAP_SETUID and CAP_SETGID are kept for the web process's start only when its user is another.
  auto own = os::user_ids(user);
  std::optional<os::UserIds> web = hc.web_user;
  std::string nts_name;
  std::optional<os::UserIds> nts = opt.nts_server ? nts_user(user, &nts_name) : std::nullopt;
  bool switches = another_user(own, web) || another_user(own, nts) || another_user(own, uc.nts.user);
  if (Stop stop = attach_http(opt, daemon, clock, hc)) return *stop;
  if (Stop stop = attach_mqtt(opt, daemon, hc)) return *stop;
  auto addresses = listen_addresses(opt);
  if (auto* code = std::get_if<int>(&addresses)) return *code;
  if (Stop stop = attach_nts(opt, daemon, server, clock, user, std::get<0>(addresses))) return *stop;
  if (Stop stop = open_workers(opt, std::get<0>(addresses), daemon)) return *stop;
  if (Stop stop = open_broadcasts(opt, keys.get(), daemon)) return *stop;
  if (!opt.control.empty()) {
    // Mode 0660, group of the user sntpd continues as (_lansync): its members may ask.
    auto control = os::ControlServer::listen(opt.control, ::geteuid() == 0 ? os::group_of(user) : -1);
    control ? daemon.set_control(std::move(*control))
            : os::log::warn("no status socket: {}", control.error().message);
  }
  if (follows && !opt.drift_file.empty()) restore_drift(clock, opt.drift_file);
  // The simulated clock needs no privilege to be set; the real one needs CAP_SYS_TIME.
  os::KeptRights keep;
  keep.sys_time = !simulated && (follows || http_set);
  keep.switch_user = switches;
  if (Stop stop = drop_root(opt, user, keep, follows, http_set)) return *stop;
  log_following(servers, receivers, follows);
  bool ran = daemon.run();
  if (daemon.http_tls_refused()) return kUsage;  // a configuration error, found by sntpd-web
  return ran ? kOk : kFailure;
}

int run(const Options& opt) {
  os::log::set_verbose(opt.verbose);
  if (opt.camera_reference && opt.camera_state.empty()) {
    os::log::error("--camera-reference needs --camera-state, the file camsync --camera-reference writes");
    return kUsage;
  }
  os::SystemClock system_clock;
  if (opt.clock != "simulated") {
    if (opt.simulated_offset_s != 0) {
      os::log::error("--simulated-offset needs --clock simulated");
      return kUsage;
    }
    return serve(opt, system_clock, /*simulated=*/false);
  }
  os::SimulatedClock simulated(system_clock, cli::seconds_to_ns(opt.simulated_offset_s));
  os::log::info("serving a simulated clock, {:+.3f} s from the system clock, which is never changed",
                opt.simulated_offset_s);
  return serve(opt, simulated, /*simulated=*/true);
}

}  // namespace
}  // namespace lansync::sntpd

int main(int argc, char** argv) {
  using namespace lansync;
  os::log::set_program("sntpd");
  sntpd::Options opt;
  sntpd::StatusOptions status_opt;
  CLI::App app{"lansync NTP server for small offline networks.", "sntpd"};
  sntpd::define_options(app, opt);
  CLI::App* status = app.add_subcommand("status", "print the running daemon's reference state and counters");
  status->add_flag("--json", status_opt.json, "print the report as one JSON object");
  status->add_flag("--clients", status_opt.clients,
                   "list the clients instead: address, requests, last seen (the 1000 most recent)");
  status->add_option("--control", status_opt.control, "the daemon's control socket")->capture_default_str();
  status
      ->add_option("--wait", status_opt.wait_s,
                   "wait at most SECONDS until the daemon serves synchronized time (exit 3 if it does not)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0, 86400))
      ->excludes("--clients");
  if (auto code = cli::parse_command_line(app, argc, argv)) return *code;
  if (status->parsed() && status_opt.wait_s >= 0) {
    return sntpd::wait_synchronized(status_opt.control, status_opt.wait_s, status_opt.json);
  }
  if (status->parsed()) return sntpd::print_status(status_opt.control, status_opt.json, status_opt.clients);

  auto from_config = sntpd::config_arguments(app, opt);
  if (auto* code = std::get_if<int>(&from_config)) return *code;
  auto& extra = std::get<std::vector<std::string>>(from_config);
  if (extra.empty()) return sntpd::run(opt);

  // Parse again: the config file's settings, then the command line's.
  std::vector<std::string> args(argv + 1, argv + argc);
  args.insert(args.begin(), extra.begin(), extra.end());
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  sntpd::Options merged;
  CLI::App again{"", "sntpd"};
  sntpd::define_options(again, merged);
  try {
    again.parse(reversed);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "sntpd: error: {} (in {} or on the command line)\n", e.what(), opt.config);
    return cli::kExitUsage;
  }
  return sntpd::run(merged);
}
