// camsync: set a Canon camera's clock (CCAPI) from this machine's clock, but only when that clock is
// trustworthy.
//
// Exit codes (camsync(1)): 0 the camera is right (or was set and verified, or
// --dry-run measured it); 1 the camera is unreachable or timed out; 2 usage or
// configuration error; 3 this machine's clock is not trustworthy (nothing was
// touched); 4 the camera was set but reads back off by more than --threshold;
// 5 the camera stayed busy (503) through --retries; 6 the camera refused a
// request or answered what the API does not define.  Each run but a dry run
// also replaces the camera-state file (os/camera_state.hpp) with its outcome,
// and after a failure when the next run is due (--retry-interval: camsync
// does not know its schedule, the timer or cron running it does).  A run that
// answers the camera's appearance (the camera-request file camsync --watch
// wrote, fresh) first lets the phone that holds this clock sync it
// (--phone-first), and records the order.  --watch stays running and asks for
// such runs (watch.hpp); it exits 0 on SIGTERM, 1 when it cannot listen.
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/command_line.hpp"
#include "core/camera_watch.hpp"
#include "core/duration.hpp"
#include "core/trust.hpp"
#include "flow/camera_sync.hpp"
#include "flow/trust.hpp"
#include "os/camera_ccapi.hpp"
#include "os/camera_request.hpp"
#include "os/camera_state.hpp"
#include "os/clock.hpp"
#include "os/clock_zone.hpp"
#include "os/file.hpp"
#include "os/file_activity_log.hpp"
#include "os/file_sync_state.hpp"
#include "os/net_http.hpp"
#include "os/net_ssdp.hpp"
#include "proto/units.hpp"
#include "report.hpp"
#include "watch.hpp"

namespace lansync::camsync {
namespace {

// Exit codes of camsync's own; 0 and 2 (usage) are every tool's (cli::kExitOk, cli::kExitUsage).
enum Exit : int { kUnreachable = 1, kUntrusted = 3, kNotVerified = 4, kBusy = 5, kRefused = 6 };

constexpr const char* kDefaultLog = "/var/log/lansync/camsync.jsonl";
constexpr int64_t kMaxDiscoveryWaitNs = 3'000'000'000;
constexpr int64_t kPhoneCheckNs = 200'000'000;  // how often a run waiting for the phone reads the sync-state

struct Options {
  std::string camera;
  bool discover = false;
  double threshold_s = 1.0;
  double max_age_min = core::kDefaultMaxAgeNs / 60e9;
  std::string reference = "auto";
  std::string state_path = os::kDefaultSyncStatePath;
  std::string time_zone;  // "", "state" or a zone name
  std::string camera_state_path = os::kDefaultCameraStatePath;
  std::string retry_interval;  // "": no retry_unix in the camera-state file
  std::string camera_request_path = os::kDefaultCameraRequestPath;
  std::string phone_first = "30s";  // how long a camera's appearance waits for the phone holding this clock
  bool watch = false;
  bool camera_reference = false;  // untrusted: read the camera's clock for sntpd --camera-reference
  bool dry_run = false;
  int retries = 3;
  double timeout_s = 5;
  std::string user;
  std::string password_file;
  std::string cacert;
  bool insecure = false;
  std::string log_path = kDefaultLog;
  bool no_log = false;
  bool syslog = false;
  bool json = false;
};

core::TrustPolicy policy_of(const std::string& s) {
  if (s == "kernel") return core::TrustPolicy::KernelOnly;
  if (s == "state") return core::TrustPolicy::StateOnly;
  return core::TrustPolicy::Auto;
}

// The exit code and result word for an error from the camera or the network.
std::pair<int, const char*> classify(const os::Error& e) {
  if (e.code == os::CameraErrc::busy) return {kBusy, "busy"};
  if (e.code.category() == os::camera_category()) return {kRefused, "refused"};
  if (e.code == os::HttpErrc::auth_required || e.code == os::HttpErrc::auth_failed ||
      e.code == os::HttpErrc::bad_reply || e.code == os::HttpErrc::too_large) {
    return {kRefused, "refused"};
  }
  if (e.code == std::errc::invalid_argument) return {cli::kExitUsage, "error"};
  return {kUnreachable, "unreachable"};
}

class Run {
 public:
  explicit Run(const Options& o) : o_(o) { rec_.time_ns = clock_.now_ns(); }

  int go() {
    last_ = read_last_camera_state();
    int code = steps();
    rec_.exit_code = code;
    finish();
    return code;
  }

 private:
  int stop(int code, const char* result, const std::string& message) {
    rec_.result = result;
    rec_.message = message;
    return code;
  }

  // The camera's HTTP client options from the command line, the CA file checked and the password
  // read; the stop's exit code when either cannot be read.
  std::optional<int> http_options(os::HttpOptions& http) {
    http.timeout_ns = cli::seconds_to_ns(o_.timeout_s);
    http.ca_file = o_.cacert;
    http.insecure = o_.insecure;
    http.user = o_.user;
    http.user_agent = "lansync-camsync/" LANSYNC_VERSION;
    if (!o_.cacert.empty()) {
      if (auto c = os::read_small_file(o_.cacert, 1 << 20); !c)
        return stop(cli::kExitUsage, "error", c.error().message);
    }
    if (!o_.password_file.empty()) {
      auto p = os::read_secret_file(o_.password_file, 4096);
      if (!p) return stop(cli::kExitUsage, "error", p.error().message);
      http.password = p->substr(0, p->find_first_of("\r\n"));
    }
    return std::nullopt;
  }

  int steps() {
    os::HttpOptions http;
    if (auto code = http_options(http)) return *code;

    if (!o_.dry_run) phone_first();

    if (auto st = choose_zone(); !st) {
      zone_refused_ = true;
      return stop(cli::kExitUsage, "error", st.error().message);
    }

    // 1. Is this clock worth passing on?
    core::TrustEvidence e = flow::gather_trust_evidence(clock_, o_.state_path);
    int64_t max_age_ns = cli::seconds_to_ns(o_.max_age_min * 60);
    core::TrustVerdict v = core::assess_trust(e, policy_of(o_.reference), clock_.now_ns(), max_age_ns);
    rec_.trusted = v.trusted;
    rec_.trust = core::explain(v, e, max_age_ns);
    if (!v.trusted && !o_.camera_reference)
      return stop(kUntrusted, "untrusted", "not setting the camera: " + rec_.trust);

    // 2. Which camera?
    auto url = find_camera(http);
    if (!url) return rec_.exit_code;
    rec_.camera = url->origin();
    os::CcapiCamera camera(*url, http);
    flow::CameraSync sync(clock_, camera);
    if (!v.trusted) return read_camera(sync);

    // 3. Measure, set, verify.
    flow::SyncOptions so;
    so.threshold_ns = cli::seconds_to_ns(o_.threshold_s);
    so.dry_run = o_.dry_run;
    so.retries = o_.retries;
    so.tz = rec_.time_zone;
    rec_.sync = sync.run(so);
    const flow::SyncReport& r = *rec_.sync;
    if (r.error) {
      auto [code, word] = classify(*r.error);
      std::string m = r.error->message;
      if (code == kBusy)
        m += fmt::format(" (gave up after {} {})", r.busy_waits, r.busy_waits == 1 ? "retry" : "retries");
      if (code != cli::kExitUsage) rec_.summary = failure_summary(*r.error);
      return stop(code, word, m);
    }
    if (r.action == flow::SyncAction::Set && !r.verified) {
      rec_.summary = fmt::format("the camera still reads {:+.3f} s off after the set",
                                 proto::to_seconds(r.after->offset_ns));
      return stop(kNotVerified, "verify-failed",
                  fmt::format("the camera was set but reads back {:+.3f} s off, more than --threshold {} s",
                              proto::to_seconds(r.after->offset_ns), o_.threshold_s));
    }
    return stop(cli::kExitOk, "ok", "");
  }

  // --camera or the one camera --discover finds; none (rec_.exit_code says why) when there is none.
  std::optional<os::Url> find_camera(const os::HttpOptions& http) {
    std::string url_text = o_.camera;
    if (o_.discover) {
      int64_t wait_ns = std::min(http.timeout_ns, kMaxDiscoveryWaitNs);
      auto found = os::discover_cameras(wait_ns, http);
      if (!found) {
        rec_.summary = failure_summary(found.error());
        rec_.exit_code = stop(kUnreachable, "unreachable", found.error().message);
        return std::nullopt;
      }
      if (found->empty()) {
        rec_.summary = "camera unreachable (none answered the search)";
        rec_.exit_code = stop(kUnreachable, "unreachable", "no camera answered the SSDP search");
        return std::nullopt;
      }
      if (found->size() > 1) {
        std::string list;
        for (const auto& c : *found) list += (list.empty() ? "" : ", ") + c.access_url;
        rec_.exit_code = stop(cli::kExitUsage, "error",
                              "several cameras answered (" + list + "): choose one with --camera");
        return std::nullopt;
      }
      url_text = found->front().access_url;
    }
    auto url = os::parse_camera_url(url_text);
    if (!url) {
      rec_.exit_code = stop(cli::kExitUsage, "error", url.error().message);
      return std::nullopt;
    }
    return *url;
  }

  // --camera-reference, this clock untrusted: the camera's clock read, never set, and recorded with
  // its bound for sntpd (core/camera_reference.hpp).  The run still ends untrusted (exit 3).
  int read_camera(flow::CameraSync& sync) {
    std::string refused = "not setting the camera: " + rec_.trust;
    auto m = sync.measure();
    if (!m)
      return stop(kUntrusted, "untrusted",
                  refused + "; the camera's clock could not be read: " + m.error().message);
    rec_.sync = flow::SyncReport{};
    rec_.sync->before = *m;  // action None: the camera is left alone
    int64_t real_now_ns = clock_.now_ns();
    std::optional<int64_t> good;
    if (last_ && last_->good_unix) good = std::llround(*last_->good_unix * 1e9);
    auto bound = core::camera_error_bound_ns(m->uncertainty_ns, good, real_now_ns + m->offset_ns);
    auto boot = clock_.boot_stamp();
    if (!bound || !boot) {
      return stop(
          kUntrusted, "untrusted",
          refused + fmt::format(
                        "; the camera reads {:+.3f} s from it, but {}", proto::to_seconds(m->offset_ns),
                        bound ? "this boot is unknown"
                              : "nothing bounds its error (no run set or found it right from a good clock)"));
    }
    rec_.reading = core::CameraReading{m->offset_ns, *bound, real_now_ns, boot->boot_id};
    return stop(
        kUntrusted, "untrusted",
        refused +
            fmt::format("; the camera's clock, {:+.3f} s from it (± {:.3f} s), offered as the reference",
                        proto::to_seconds(m->offset_ns), proto::to_seconds(*bound)));
  }

  // The camera-state file as the last run left it; none when there is none or it cannot be read.
  std::optional<os::CameraState> read_last_camera_state() const {
    if (o_.camera_state_path.empty()) return std::nullopt;
    auto last = os::read_camera_state(o_.camera_state_path);
    if (!last) return std::nullopt;
    return *last;
  }

  // A run that answers the camera's appearance (a fresh camera-request of camsync --watch, not
  // answered by the last run): when a phone's record vouches for this clock, its page is open and
  // syncs when it sees the request (sntpd's GET /time), so wait for that, then set the camera from
  // the fresh clock.  rec_ says which order it was.
  void phone_first() {
    if (o_.camera_request_path.empty()) return;
    auto req = os::read_camera_request(o_.camera_request_path);
    if (!req || req->reason == core::WatchReason::None ||
        !core::camera_request_fresh(req->requested_unix_ms, clock_.now_ns() / proto::kNsPerMs))
      return;
    if (last_ && last_->camera_appeared_unix_ms == req->requested_unix_ms) return;
    rec_.appeared_unix_ms = req->requested_unix_ms;
    rec_.order = os::SyncOrder::CameraOnly;
    std::string why = fmt::format("{} ({})", core::code(req->reason), req->client);
    int64_t max_age_ns = cli::seconds_to_ns(o_.max_age_min * 60);
    int64_t wait_ns = cli::seconds_to_ns(*core::parse_duration_s(o_.phone_first));
    core::TrustEvidence before = flow::gather_trust_evidence(clock_, o_.state_path);
    if (core::phone_synced_after(before, req->requested_unix_ms * proto::kNsPerMs)) {
      phone_synced(why, before, "before this run looked");  // the page was quicker than this run's start
      return;
    }
    if (wait_ns <= 0 || !core::phone_holds_clock(before, clock_.now_ns(), max_age_ns)) {
      rec_.order_note = why + ": no phone holds this clock: the camera from this clock as it is";
      return;
    }
    if (!o_.json) {
      fmt::print("{}: waiting up to {} for the phone holding this clock to sync it first\n", why,
                 core::format_duration(static_cast<double>(wait_ns) / 1e9));
      std::fflush(stdout);
    }
    const int64_t start_mono_ns = os::monotonic_ns();
    while (os::monotonic_ns() - start_mono_ns < wait_ns) {
      clock_.sleep_ns(kPhoneCheckNs);
      core::TrustEvidence now = flow::gather_trust_evidence(clock_, o_.state_path);
      if (core::phone_synced_since(before, now)) {
        phone_synced(
            why, now,
            core::format_duration(static_cast<double>(os::monotonic_ns() - start_mono_ns) / 1e9) + " later");
        return;
      }
    }
    rec_.order_note = fmt::format("{}: no phone synced within {}: the camera from this clock as it is", why,
                                  core::format_duration(static_cast<double>(wait_ns) / 1e9));
  }

  // The phone synced this clock (its record is `e`; `when` says when, for the run's lines): the
  // camera is set after it, from the phone's clock.
  void phone_synced(const std::string& why, const core::TrustEvidence& e, const std::string& when) {
    rec_.order = os::SyncOrder::PhoneThenCamera;
    rec_.phone_sync_unix = static_cast<double>(e.state_last_sync_ns) / 1e9;
    rec_.order_note = fmt::format("{}: the phone synced this clock first ({}), then the camera", why, when);
    rec_.time_ns = clock_.now_ns();  // the run proper starts now, on the phone's clock
  }

  // The zone the camera is to show (rec_.time_zone; empty: this process's).
  // glibc takes an unknown TZ for UTC without a word: the camera would
  // silently show the wrong wall clock, so every name is checked first.
  os::Status choose_zone() {
    int64_t now_s = clock_.now_ns() / proto::kNsPerSecond;
    if (o_.time_zone == "state") {
      auto st = os::read_sync_state(o_.state_path);
      if (st && st->time_zone) {
        if (auto known = os::check_known_zone(*st->time_zone); !known)
          return os::invalid("the sync-state file's time_zone: " + known.error().message);
        rec_.time_zone = *st->time_zone;
        return os::ok();
      }
      rec_.zone_note = "no time_zone recorded: this machine's zone";
    } else if (!o_.time_zone.empty()) {
      if (auto z = os::zone_at(now_s, o_.time_zone); !z)
        return os::invalid("--time-zone: " + z.error().message);
      rec_.time_zone = o_.time_zone;
      return os::ok();
    }
    if (const char* tz = std::getenv("TZ"); tz && *tz) {
      if (auto z = os::zone_at(now_s, tz); !z) return os::invalid("TZ: " + z.error().message);
    }
    return os::ok();
  }

  // What the camera-state file says of this run.
  os::CameraState camera_state() const {
    os::CameraState c;
    c.last_run_unix = static_cast<double>(rec_.time_ns) / 1e9;
    const flow::SyncReport* s = rec_.sync ? &*rec_.sync : nullptr;
    if (rec_.exit_code == cli::kExitOk) {
      c.result = s && s->action == flow::SyncAction::Set ? os::CameraResult::Set : os::CameraResult::Ok;
    } else if (rec_.exit_code == kUntrusted || zone_refused_) {
      c.result = os::CameraResult::Refused;
    }
    if (s && s->before) c.offset_before_s = proto::to_seconds(s->before->offset_ns);
    if (s && s->after) c.offset_after_s = proto::to_seconds(s->after->offset_ns);
    c.camera = rec_.camera;
    c.message = !rec_.summary.empty()   ? rec_.summary
                : !rec_.message.empty() ? rec_.message
                                        : one_line_summary(rec_);
    c.camera_appeared_unix_ms = rec_.appeared_unix_ms;
    c.order = rec_.order;
    c.phone_sync_unix = rec_.phone_sync_unix;
    // The camera's clock was last known good at this run if it set or verified it, else as before.
    if (c.result == os::CameraResult::Set || c.result == os::CameraResult::Ok) {
      c.good_unix = c.last_run_unix;
    } else if (last_) {
      c.good_unix = last_->good_unix;
    }
    c.reading = rec_.reading;
    // A refused run waits for this clock's own sync (camsync.path follows it), not for the timer.
    if (c.result == os::CameraResult::Failed && !o_.retry_interval.empty()) {
      double interval_s = *core::parse_duration_s(o_.retry_interval);
      c.retry_unix = static_cast<int64_t>(std::floor(c.last_run_unix + interval_s));
    }
    return c;
  }

  void finish() {
    std::string line = json_line(rec_);
    if (o_.json) {
      fmt::print("{}\n", line);
    } else {
      fmt::print("{}", human_text(rec_, cli::seconds_to_ns(o_.threshold_s)));
    }
    std::fflush(stdout);
    if (!rec_.message.empty()) fmt::print(stderr, "camsync: {}\n", rec_.message);
    if (!o_.no_log) {
      if (auto st = os::append_log_line(o_.log_path, line); !st) {
        fmt::print(stderr, "camsync: warning: activity log: {}\n", st.error().message);
      }
    }
    if (o_.syslog) os::syslog_line("camsync", rec_.exit_code != cli::kExitOk, line);
    if (!o_.camera_state_path.empty() && !o_.dry_run) {
      if (auto st = os::write_camera_state(o_.camera_state_path, camera_state()); !st) {
        fmt::print(stderr, "camsync: warning: camera state: {}\n", st.error().message);
      }
    }
  }

  const Options& o_;
  os::SystemClock clock_;  // read only: camsync never changes this machine's clock
  RunRecord rec_;
  std::optional<os::CameraState> last_;  // the camera-state file as the last run left it, read once
  bool zone_refused_ = false;            // the zone to show is unknown: refused, the camera untouched
};

}  // namespace
}  // namespace lansync::camsync

int main(int argc, char** argv) {
  using namespace lansync;
  camsync::Options opt;
  CLI::App app{
      "Set a Canon camera's clock (CCAPI) from this machine's clock, when that clock is trustworthy.",
      "camsync"};
  app.set_version_flag("-V,--version", LANSYNC_VERSION);
  auto* camera = app.add_option("--camera", opt.camera,
                                "camera URL, e.g. http://192.168.1.2:8080 (port 8080 by default)")
                     ->type_name("URL");
  auto* discover = app.add_flag("--discover", opt.discover, "find the camera by SSDP instead of --camera");
  camera->excludes(discover);
  cli::add_bounded(app, "--threshold", opt.threshold_s,
                   "set the camera when it is off by more than this (seconds)", 0.05, 86400.0);
  cli::add_bounded(app, "--max-age", opt.max_age_min,
                   "the sync-state file counts when younger than this (minutes)", 0.0, 525600.0);
  app.add_option(
         "--reference", opt.reference,
         "what makes this clock trustworthy: auto (kernel synchronized or fresh state file), kernel, state")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "kernel", "state"}));
  app.add_option("--state", opt.state_path, "sync-state file")->capture_default_str();
  app.add_option("--time-zone", opt.time_zone,
                 "zone the camera shows: a tz database name, or 'state' for the sync-state file's time_zone "
                 "(the phone's); default this machine's (TZ)")
      ->type_name("NAME|state");
  app.add_option("--camera-state", opt.camera_state_path,
                 "write this run's outcome to this file (JSON, replaced atomically); \"\": none")
      ->capture_default_str();
  app.add_flag("--camera-reference", opt.camera_reference,
               "when this clock is not trustworthy, read the camera's clock instead and record it with its "
               "error bound in the camera-state file, for sntpd --camera-reference (the camera is not set)");
  app.add_option("--retry-interval", opt.retry_interval,
                 "after a failed run, record in the camera-state file that the next is due this much later "
                 "(the schedule that runs camsync: 15min, 1h); default: none recorded")
      ->type_name("DURATION")
      ->check(cli::check_duration);
  app.add_flag("--dry-run", opt.dry_run, "measure the camera's offset, change nothing");
  cli::add_bounded(app, "--retries", opt.retries,
                   "wait out this many busy (503) replies, pauses of 1, 2, 4, 8 s", 0, 20);
  cli::add_bounded(app, "--timeout", opt.timeout_s, "seconds for each connection, send and reply", 0.1,
                   120.0);
  auto* user = app.add_option("--user", opt.user, "user name for the camera's digest authentication");
  auto* pwfile =
      app.add_option("--password-file", opt.password_file, "file whose first line is the password");
  user->needs(pwfile);
  pwfile->needs(user);
  auto* cacert =
      app.add_option("--cacert", opt.cacert, "https: trust the camera certificate in this PEM file");
  auto* insecure = app.add_flag("--insecure", opt.insecure, "https: do not verify the camera's certificate");
  cacert->excludes(insecure);
  auto* log =
      app.add_option("--log", opt.log_path, "append one JSON line per run here")->capture_default_str();
  app.add_flag("--no-log", opt.no_log, "write no activity log")->excludes(log);
  app.add_flag("--syslog", opt.syslog, "also send the JSON line to syslog");
  app.add_flag("--json", opt.json, "print the JSON line instead of the human lines");
  app.add_option("--camera-request", opt.camera_request_path,
                 "the request file camsync.path watches: --watch writes it when the camera appears, a run "
                 "reads it to know whether it answers that")
      ->capture_default_str();
  app.add_option("--phone-first", opt.phone_first,
                 "a run that answers the camera's appearance waits this long for the phone holding this "
                 "clock to sync it first (0: not at all)")
      ->capture_default_str()
      ->type_name("DURATION")
      ->check(cli::check_duration);
  app.add_flag("--watch", opt.watch,
               "stay running: ask for a run (--camera-request) when the camera appears on the LAN (SSDP "
               "ssdp:alive) or answers after a failed run; with --camera or --discover, --camera-request and "
               "--camera-state only");
  if (auto code = cli::parse_command_line(app, argc, argv)) return *code;
  if (opt.camera.empty() && !opt.discover) {
    return cli::usage_error("camsync", "give --camera URL or --discover");
  }
  if (opt.watch) {
    // The watcher only listens and writes the request: the run's options belong to camsync.service.
    for (const auto* o : app.get_options()) {
      std::string name = o->get_name();
      if (o->count() > 0 && name != "--watch" && name != "--camera" && name != "--discover" &&
          name != "--camera-request" && name != "--camera-state") {
        return cli::usage_error("camsync", name + " is an option of a run, not of --watch");
      }
    }
    return camsync::watch({opt.camera, opt.camera_request_path, opt.camera_state_path});
  }
  return camsync::Run(opt).go();
}
