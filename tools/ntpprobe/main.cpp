// ntpprobe: query NTP servers, print the offset, optionally correct the clock.
//
// Exit codes (ntpprobe(1)): 0 ok, 1 no usable reply, 2 usage or configuration
// error, 3 servers answered but are unsynchronized, sent Kiss-o'-Death,
// failed authentication (--key, --nts: a certificate or NTS-KE refused too) or
// disagree, 4 --max-offset exceeded, 5 the clock or state file could not be
// set.  `ntpprobe keygen` prints a new key.  With --nts every server is an NTS-KE
// server (RFC 8915): key exchange over TLS, then authenticated queries; never a
// fallback to unauthenticated NTP.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "cli/command_line.hpp"
#include "core/select.hpp"
#include "flow/ntp_client.hpp"
#include "flow/nts_client.hpp"
#include "flow/set_clock.hpp"
#include "os/clock.hpp"
#include "os/crypto_keys.hpp"
#include "os/file_sync_state.hpp"
#include "os/net_address.hpp"
#include "os/net_nts_ke.hpp"
#include "proto/units.hpp"
#include "report.hpp"

namespace lansync::ntpprobe {
namespace {

// Exit codes of ntpprobe's own; 0 and 2 (usage) are every tool's (cli::kExitOk, cli::kExitUsage).
enum Exit : int { kNoReply = 1, kUnsynchronized = 3, kMaxOffset = 4, kSetFailed = 5 };

struct Options {
  std::vector<std::string> servers;
  int samples = 4;
  double timeout_s = 1.0;
  std::string output = "human";
  bool set = false;
  double threshold_s = 1.0;
  bool no_slew = false;
  double max_offset_s = -1;  // < 0: no limit
  std::string state_path = os::kDefaultSyncStatePath;
  std::string keys_path;
  uint32_t key_id = 0;  // 0: unauthenticated
  bool insecure_keys = false;
  bool nts = false;    // the servers are NTS-KE servers
  std::string nts_ca;  // "": the system's CAs
};

struct KeygenOptions {
  std::string type = "SHA256";
  uint32_t id = 1;
};

int keygen(const KeygenOptions& opt) {
  proto::KeyType type = proto::KeyType::Sha256;
  proto::parse_key_type(opt.type.data(), opt.type.size(), &type);  // CLI11 admitted only the supported names
  std::string ntpsec;
  std::string line = os::generate_key_line(opt.id, type, 32, &ntpsec);  // AES128: 16 bytes
  fmt::print("{}\n# the same key for ntpsec's ntp.keys (which has no HEX: prefix):\n# {}\n", line, ntpsec);
  return cli::kExitOk;
}

// Loads the key file and checks that it holds the key in use; prints its warnings.
std::unique_ptr<os::KeyRing> load_keys(const Options& opt) {
  auto ring = os::load_key_file(opt.keys_path, opt.insecure_keys, opt.key_id, [](const std::string& warning) {
    fmt::print(stderr, "ntpprobe: warning: {}\n", warning);
  });
  if (!ring) {
    fmt::print(stderr, "ntpprobe: error: {}\n", ring.error().message);
    return nullptr;
  }
  return std::move(*ring);
}

Format parse_format(const std::string& s) {
  if (s == "json") return Format::Json;
  if (s == "csv") return Format::Csv;
  return Format::Human;
}

// Resolves every server; a name that does not resolve is a configuration error (printed).
std::optional<std::vector<os::SocketAddress>> resolve_servers(const std::vector<std::string>& servers,
                                                              uint16_t default_port) {
  std::vector<os::SocketAddress> addresses;
  for (const std::string& s : servers) {
    auto hp = os::parse_host_port(s, default_port);
    if (!hp) {
      fmt::print(stderr, "ntpprobe: error: {}\n", hp.error().message);
      return std::nullopt;
    }
    auto addrs = os::resolve(*hp);
    if (!addrs) {
      fmt::print(stderr, "ntpprobe: error: {}\n", addrs.error().message);
      return std::nullopt;
    }
    addresses.push_back(addrs->front());
  }
  return addresses;
}

// The servers' reports, and which of them are usable candidates for source selection.
struct Tally {
  std::vector<ServerResult> results;
  std::vector<core::Candidate> candidates;
  std::vector<size_t> candidate_of;  // index into results
  bool answered_unusable = false;
  Combined combined;
};

// Pairs each report with its server's name and selects among the usable ones (RFC 5905 section 11.2.1).
Tally tally(const std::vector<std::string>& servers, const std::vector<flow::ServerReport>& reports) {
  Tally t;
  for (size_t i = 0; i < reports.size(); ++i) {
    t.results.push_back({servers[i], reports[i], false});
    if (reports[i].usable) {
      t.candidates.push_back({reports[i].best.offset_ns, reports[i].root_distance_ns + reports[i].jitter_ns});
      t.candidate_of.push_back(i);
    } else if (reports[i].replies > 0) {
      t.answered_unusable = true;
    }
  }
  if (!t.candidates.empty()) {
    bool truechimer[core::kMaxSources];
    t.combined.selection = core::select_sources(t.candidates.data(), t.candidates.size(), truechimer);
    t.combined.ok = t.combined.selection.ok;
    for (size_t k = 0; k < t.candidates.size() && k < core::kMaxSources; ++k) {
      t.results[t.candidate_of[k]].falseticker = t.combined.ok && !truechimer[k];
    }
  }
  return t;
}

// No usable server: says why for the kisses and failed MACs; the exit code.
int explain_no_candidate(const Tally& t, uint32_t key_id) {
  for (const ServerResult& r : t.results) {
    if (r.report.status == proto::ReplyStatus::KissOfDeath) {
      fmt::print(stderr, "ntpprobe: {}: {}\n", r.name, kiss_text(r.report));
    } else if (r.report.status == proto::ReplyStatus::Unauthenticated ||
               r.report.status == proto::ReplyStatus::BadMac) {
      fmt::print(stderr, "ntpprobe: {}: {}\n", r.name,
                 r.report.nts ? nts_auth_text(r.report) : auth_text(r.report, key_id));
    }
  }
  return t.answered_unusable ? kUnsynchronized : kNoReply;
}

// The correction --set applies: the combined offset, named after the truechimers.
flow::ClockCorrection correction_of(const Tally& t, const Options& opt) {
  flow::ClockCorrection c;
  c.offset_ns = t.combined.selection.offset_ns;
  c.step_threshold_ns = cli::seconds_to_ns(opt.threshold_s);
  c.allow_slew = !opt.no_slew;
  std::string names;
  for (size_t i : t.candidate_of) {
    const ServerResult& r = t.results[i];
    if (r.falseticker) continue;
    names += (names.empty() ? "" : ",") + r.report.address.ip();
    // The best truechimer's stratum, so that a server reading the record knows its depth.
    if (!c.stratum || r.report.header.stratum < *c.stratum) c.stratum = r.report.header.stratum;
  }
  c.source = "ntp:" + names;
  c.uncertainty_ns = t.combined.selection.root_distance_ns;
  return c;
}

// --set: corrects the clock and writes the sync state; says what it did on `note`.
int set_clock(os::SystemClock& clock, const Tally& t, const Options& opt, std::FILE* note) {
  flow::ClockCorrection c = correction_of(t, opt);
  auto done = flow::correct_clock(clock, c, opt.state_path);
  if (!done) {
    fmt::print(stderr, "ntpprobe: error: {}\n", done.error().message);
    return kSetFailed;
  }
  switch (*done) {
    case core::Correction::Step:
      fmt::print(note, "clock stepped by {:+.6f} s\n", proto::to_seconds(c.offset_ns));
      break;
    case core::Correction::Slew:
      fmt::print(note, "clock slewing by {:+.6f} s\n", proto::to_seconds(c.offset_ns));
      break;
    case core::Correction::None:
      fmt::print(note, "clock left alone (--no-slew), recorded as verified\n");
      break;
  }
  return cli::kExitOk;
}

// Prints the report, judges the offset and applies --set.
int conclude(os::SystemClock& clock, const Tally& t, const Options& opt) {
  Format format = parse_format(opt.output);
  print_report(stdout, format, t.results, t.combined);
  std::fflush(stdout);

  if (t.candidates.empty()) return explain_no_candidate(t, opt.key_id);
  if (!t.combined.ok) {
    fmt::print(stderr, "ntpprobe: the servers disagree: no majority agrees on the time\n");
    return kUnsynchronized;
  }
  int64_t offset_ns = t.combined.selection.offset_ns;
  if (opt.max_offset_s >= 0 && std::llabs(offset_ns) > cli::seconds_to_ns(opt.max_offset_s)) {
    fmt::print(stderr, "ntpprobe: offset {:+.6f} s exceeds --max-offset {} s{}\n",
               proto::to_seconds(offset_ns), opt.max_offset_s, opt.set ? "; clock left alone" : "");
    return kMaxOffset;
  }
  if (!opt.set) return cli::kExitOk;
  return set_clock(clock, t, opt, format == Format::Human ? stdout : stderr);
}

// --nts: a key exchange with each server in turn, then its burst.  A key exchange that fails ends
// the run with one line: exit 1 if the server could not be reached, 3 if it answered but was
// refused (certificate, TLS, NTS-KE), 2 for a CA file that cannot be read.
int run_nts(const Options& opt, const std::vector<os::SocketAddress>& addresses) {
  os::SystemClock clock;
  std::vector<flow::ServerReport> reports;
  for (size_t i = 0; i < addresses.size(); ++i) {
    flow::NtsQueryOptions q;
    q.server_name = os::parse_host_port(opt.servers[i], codec::kNtsKePort)->host;  // parsed once already
    q.ca_file = opt.nts_ca;
    q.samples = opt.samples;
    q.ke_timeout_ns = q.timeout_ns = cli::seconds_to_ns(opt.timeout_s);
    auto report = flow::query_nts_server(clock, addresses[i], q);
    if (!report) {
      fmt::print(stderr, "ntpprobe: error: {}\n", report.error().message);  // it names the server
      if (report.error().code == std::errc::invalid_argument) return cli::kExitUsage;
      return os::nts_unreachable(report.error()) ? kNoReply : kUnsynchronized;
    }
    reports.push_back(std::move(*report));
  }
  return conclude(clock, tally(opt.servers, reports), opt);
}

// Queries the servers, prints the report, judges the offset and applies --set.
int run(const Options& opt) {
  auto addresses = resolve_servers(opt.servers, opt.nts ? codec::kNtsKePort : 123);
  if (!addresses) return cli::kExitUsage;
  if (opt.nts) return run_nts(opt, *addresses);
  std::unique_ptr<os::KeyRing> keys;
  if (opt.key_id != 0) {
    keys = load_keys(opt);
    if (!keys) return cli::kExitUsage;
  }

  os::SystemClock clock;
  flow::QueryOptions q;
  q.samples = opt.samples;
  q.timeout_ns = cli::seconds_to_ns(opt.timeout_s);
  q.keys = keys.get();
  q.key_id = opt.key_id;
  return conclude(clock, tally(opt.servers, flow::query_servers(clock, *addresses, q)), opt);
}

}  // namespace
}  // namespace lansync::ntpprobe

int main(int argc, char** argv) {
  using namespace lansync;
  ntpprobe::Options opt;
  ntpprobe::KeygenOptions keygen_opt;
  CLI::App app{"Query NTP servers and print the clock offset; optionally correct the clock.", "ntpprobe"};
  app.set_version_flag("-V,--version", LANSYNC_VERSION);
  CLI::App* keygen = app.add_subcommand("keygen", "print a new random key line for chrony, ntpsec and sntpd");
  keygen->add_option("--type", keygen_opt.type, "type of the key: SHA256, SHA512, SHA1 or AES128 (16 bytes)")
      ->capture_default_str()
      ->transform(CLI::IsMember({"SHA256", "SHA512", "SHA1", "AES128"}, CLI::ignore_case));
  cli::add_bounded(*keygen, "--id", keygen_opt.id, "key ID, 1-65535 (ntpsec's limit)", 1, 65535);
  app.add_option("servers", opt.servers, "host, host:port or [v6addr]:port (default port 123)")
      ->type_name("SERVER...");
  cli::add_bounded(app, "-n,--samples", opt.samples, "requests per server; the least-delay reply counts", 1,
                   64);
  cli::add_bounded(app, "-t,--timeout", opt.timeout_s, "seconds to wait for all replies", 0.001, 60.0);
  app.add_option("-o,--output", opt.output, "output format: human, json or csv")
      ->capture_default_str()
      ->check(CLI::IsMember({"human", "json", "csv"}));
  auto* set = app.add_flag("--set", opt.set, "correct the clock: step above --threshold, else slew");
  cli::add_bounded(app, "--threshold", opt.threshold_s,
                   "with --set, step when |offset| exceeds this (seconds)", 0.0, 1e9)
      ->needs(set);
  app.add_flag("--no-slew", opt.no_slew, "with --set, leave offsets below --threshold alone")->needs(set);
  app.add_option("--max-offset", opt.max_offset_s, "exit 4 (and do not --set) when |offset| exceeds this")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--state", opt.state_path, "sync-state file written by --set")
      ->capture_default_str()
      ->needs(set);
  auto* keys = app.add_option("--keys", opt.keys_path, "key file (chrony or ntpsec format) holding --key");
  auto* key =
      app.add_option("--key", opt.key_id, "sign requests with this key; accept only replies signed with it")
          ->check(CLI::Range(uint32_t{1}, UINT32_MAX))
          ->needs(keys);
  keys->needs(key);
  app.add_flag("--insecure-keys", opt.insecure_keys, "accept a key file that group or others may read")
      ->needs(keys);
  auto* nts = app.add_flag("--nts", opt.nts,
                           "the servers are NTS-KE servers (host[:port], default port 4460): authenticate "
                           "with NTS (RFC 8915), never falling back to plain NTP")
                  ->excludes(keys)
                  ->excludes(key)
                  ->excludes(set);
  app.add_option("--nts-ca", opt.nts_ca, "with --nts, trust this CA file (PEM) instead of the system's CAs")
      ->check(CLI::ExistingFile)
      ->needs(nts);
  if (auto code = cli::parse_command_line(app, argc, argv)) return *code;
  if (keygen->parsed()) return ntpprobe::keygen(keygen_opt);
  if (opt.servers.empty()) return cli::usage_error("ntpprobe", "servers is required");
  return ntpprobe::run(opt);
}
