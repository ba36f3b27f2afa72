// sntpd's HTTP interface; see web_service.hpp.
#include "web_service.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <nlohmann/json.hpp>

#include "activity.hpp"
#include "core/drift_log.hpp"
#include "daemon.hpp"
#include "metrics.hpp"
#include "os/address.hpp"
#include "os/camera_request.hpp"
#include "os/clock.hpp"
#include "os/file.hpp"
#include "os/log.hpp"
#include "os/privileges.hpp"
#include "os/time_zone.hpp"
#include "status_json.hpp"

namespace lansync::sntpd {
namespace {

using core::PhoneRefusal;
using nlohmann::ordered_json;

constexpr int64_t kNsPerMs = 1'000'000;
constexpr int kBacklog = 64;
// The descriptors sntpd-web gets besides its channel (ChildProcess::kChannelFd).
constexpr int kListenFd = ChildProcess::kFirstFd;
constexpr int kTlsCertFd = kListenFd + 1;  // with --http-tls-cert: the sealed memory files
constexpr int kTlsKeyFd = kListenFd + 2;
constexpr int kMessagesPerRound = 64;  // then the loop serves the others

// Unix ns as milliseconds with six decimals, exactly: 1795001234567.123456.
std::string ms_text(int64_t ns) {
  if (ns < 0) return fmt::format("-{}", ms_text(-ns));
  return fmt::format("{}.{:06}", ns / kNsPerMs, ns % kNsPerMs);
}

// Refusals decided before the client passed the access check (not enabled,
// another site's page, not JSON, an address not allowed).
bool before_access_check(PhoneRefusal r) {
  return r == PhoneRefusal::NotEnabled || r == PhoneRefusal::CrossSite || r == PhoneRefusal::NotJson ||
         r == PhoneRefusal::NotAllowed;
}

int status_for(PhoneRefusal r) {
  switch (r) {
    case PhoneRefusal::None: return 200;
    case PhoneRefusal::NotJson: return 415;
    case PhoneRefusal::BadRequest:
    case PhoneRefusal::BadTimestamps:
    case PhoneRefusal::BadTimeZone:
    case PhoneRefusal::BadLocation: return 400;
    case PhoneRefusal::NotEnabled:
    case PhoneRefusal::CrossSite:
    case PhoneRefusal::NotAllowed:
    case PhoneRefusal::ManualOnly:
    case PhoneRefusal::BadToken: return 403;
    case PhoneRefusal::Busy: return 503;
    case PhoneRefusal::ClockFailed: return 500;
    default: return 409;  // the request was fine, the state of things refuses it
  }
}

// s with each invalid UTF-8 sequence replaced by U+FFFD, as JSON can carry it.
std::string valid_utf8(const std::string& s) {
  std::string quoted = nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(quoted).get<std::string>();
}

// A listening TCP socket on hp (SO_REUSEADDR; IP_FREEBIND: the page's address may be on ap0,
// which can come up after sntpd).
os::OsResult<os::Fd> listen_on(const os::HostPort& hp) {
  auto addrs = os::resolve(hp, /*passive=*/true);
  if (!addrs) return fail(addrs.error());
  os::SocketAddress addr = addrs->front();
  os::Fd fd(::socket(addr.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return os::errno_error("--http: cannot open a socket");
  int yes = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  ::setsockopt(fd.get(), IPPROTO_IP, IP_FREEBIND, &yes, sizeof(yes));
  if (::bind(fd.get(), addr.get(), addr.size()) != 0 || ::listen(fd.get(), kBacklog) != 0) {
    return fail(os::Error{std::make_error_code(std::errc::address_not_available), ""});
  }
  return fd;
}

// POST /set's answer to a set or a verification: result, reason, message, the measurement, action.
ordered_json taken_json(core::PhoneOutcome outcome, const std::string& message,
                        const proto::PhoneMeasurement& m) {
  ordered_json j;
  j["result"] = core::code(outcome);
  j["reason"] = "none";
  j["message"] = message;
  j["offset_s"] = static_cast<double>(m.correction_ns) / 1e9;
  j["uncertainty_s"] = static_cast<double>(m.uncertainty_ns) / 1e9;
  j["delay_s"] = static_cast<double>(m.delay_ns) / 1e9;
  j["action"] = outcome == core::PhoneOutcome::Set ? "step" : "verified";
  return j;
}

// "14:05 UTC", or in the phone's zone "14:05 AEDT (Australia/Sydney)" ("14:05 UTC" for zone "UTC"):
// when unix_ns falls, to the minute.
std::string clock_time(int64_t unix_ns, const std::optional<std::string>& zone) {
  int64_t s = unix_ns / 1'000'000'000;
  std::string label = "UTC";
  if (zone) {
    auto at = os::zone_at(s, *zone);
    if (at) {
      s += at->utc_offset_s;
      label = at->abbreviation == *zone ? *zone : fmt::format("{} ({})", at->abbreviation, *zone);
    }
  }
  int64_t of_day = ((s % 86400) + 86400) % 86400;
  return fmt::format("{:02}:{:02} {}", of_day / 3600, of_day / 60 % 60, label);
}

}  // namespace

os::OsResult<std::unique_ptr<WebService>> WebService::bind(Daemon& daemon, os::Clock& clock,
                                                           HttpConfig config) {
  auto hp = os::parse_host_port(config.listen, 80, /*allow_port_zero=*/true);
  if (!hp) return fail(os::Error{hp.error().code, "--http: " + hp.error().message});
  if (hp->host.empty()) hp->host = "0.0.0.0";
  std::unique_ptr<WebService> s(new WebService(daemon, clock, std::move(config)));
  auto fd = listen_on(*hp);
  if (!fd) {
    return fail(os::Error{
        std::make_error_code(std::errc::address_not_available),
        "--http: cannot bind " + s->config_.listen + " (in use, not a local address, or no permission)"});
  }
  s->listen_ = std::move(*fd);
  os::SocketAddress local;
  socklen_t len = local.capacity();
  ::getsockname(s->listen_.get(), local.get(), &len);
  local.set_size(len);
  s->address_ = hp->host.find(':') != std::string::npos ? fmt::format("[{}]:{}", hp->host, local.port())
                                                        : fmt::format("{}:{}", hp->host, local.port());
  if (!s->web_.found()) {
    return fail(os::Error{std::make_error_code(std::errc::no_such_file_or_directory),
                          "--http: cannot find sntpd-web (not next to sntpd, nor " LANSYNC_WEB_BINARY ")"});
  }
  return s;
}

WebService::WebService(Daemon& daemon, os::Clock& clock, HttpConfig config)
    : daemon_(daemon),
      clock_(clock),
      config_(std::move(config)),
      web_("sntpd-web", LANSYNC_WEB_BINARY, "http", config_.web_user, config_.web_user_name) {}

WebService::~WebService() { stop(); }

void WebService::attach(EventLoop& loop) {
  loop_ = &loop;
  os::log::info("http: serving on {}{}{}", address_, config_.tls_cert.get() >= 0 ? " (HTTPS)" : "",
                set_enabled() ? "; phones may set the clock" : "");
  if (!config_.web_user_note.empty()) os::log::info("http: {}", config_.web_user_note);
  spawn();
  loop.watch_set(
      [this] { return channel_.get() >= 0 ? std::vector<int>{channel_.get()} : std::vector<int>{}; },
      [this] { on_channel(); });
  loop.every(Heartbeat::kPeriodNs, os::monotonic_ns() + Heartbeat::kPeriodNs, [this] { beat(); });
  loop.when([this] { return web_.restart_due_mono_ns(); }, [this] { spawn(); });
}

void WebService::spawn() {
  std::vector<std::string> args = {"--channel-fd", std::to_string(ChildProcess::kChannelFd), "--listen-fd",
                                   std::to_string(kListenFd)};
  for (const std::string& a : config_.set_allow) args.insert(args.end(), {"--set-allow", a});
  for (const std::string& i : config_.set_interfaces) args.insert(args.end(), {"--set-interface", i});
  for (const std::string& i : config_.manual_interfaces) args.insert(args.end(), {"--manual-interface", i});
  for (const std::string& i : config_.fallback_interfaces)
    args.insert(args.end(), {"--fallback-interface", i});
  for (const std::string& o : config_.allow_origins) args.insert(args.end(), {"--allow-origin", o});
  if (config_.verbose) args.push_back("--verbose");
  if (config_.tls_cert.get() >= 0) {
    args.insert(args.end(),
                {"--tls-cert-fd", std::to_string(kTlsCertFd), "--tls-key-fd", std::to_string(kTlsKeyFd)});
  }
  channel_ = web_.start(args, {listen_.get(), config_.tls_cert.get(), config_.tls_key.get()});
  if (channel_.get() < 0) return;
  heartbeat_.restart();
  send_clock();  // for the Date of what it answers by itself (the page, refusals)
}

void WebService::on_channel() {
  for (int i = 0; i < kMessagesPerRound && channel_.get() >= 0; ++i) {
    ssize_t n = os::web::receive(channel_.get(), buf_, /*wait=*/false);
    if (n == 0 || (n < 0 && n != os::web::kOversized && errno != EAGAIN && errno != EWOULDBLOCK)) {
      return child_gone();
    }
    if (n == -1) return;  // nothing more for now
    auto m =
        n > 0 ? os::web::decode(buf_.data(), static_cast<size_t>(n)) : fail(os::web::DecodeError::BadLength);
    if (!m) {
      ++malformed_[static_cast<size_t>(m.error())];
      if (os::log::once_a_minute(malformed_logged_mono_ns_)) {
        os::log::warn("http: dropped a malformed message from sntpd-web ({}; logged at most once a minute)",
                      os::web::code(m.error()));
      }
      continue;
    }
    handle(*m);
  }
}

void WebService::child_gone() {
  channel_.reset();
  web_.gone([this](int status) {
    if (!WIFEXITED(status) || WEXITSTATUS(status) != os::web::kExitTlsRefused) return false;
    // The same bytes would be refused again: a configuration error, not a crash to restart from.
    os::log::error(
        "http: sntpd-web cannot serve HTTPS with --http-tls-cert and --http-tls-key (its "
        "message is above); stopping");
    tls_refused_ = true;
    if (loop_ != nullptr) loop_->stop();
    return true;
  });
  for (size_t i = 0; i < earlier_.requests.size(); ++i) earlier_.requests[i] += current_.requests[i];
  earlier_.host_refused += current_.host_refused;
  for (size_t i = 0; i < os::web::kLimitCount; ++i) earlier_.limited[i] += current_.limited[i];
  current_ = {};
}

void WebService::beat() {
  if (!web_.running() || channel_.get() < 0) return;
  int64_t now = os::monotonic_ns();
  if (heartbeat_.hung(now)) {
    os::log::warn("http: sntpd-web (pid {}) did not answer for {} s; killing and starting it again",
                  web_.pid(), heartbeat_.silent_ns(now) / 1'000'000'000);
    ++hung_;
    return child_gone();  // SIGKILL, then the restart with its backoff
  }
  os::web::Message ping;
  ping.type = os::web::Type::Ping;
  ping.beat.sequence = heartbeat_.ping(now);
  os::web::send(channel_.get(), ping);  // one that cannot go is missed all the same
}

void WebService::stop() {
  channel_.reset();
  web_.stop();
}

void WebService::handle(const os::web::Message& m) {
  switch (m.type) {
    case os::web::Type::Time: {
      std::optional<CameraSnapshot> camera;
      if (!config_.camera_state.empty())
        camera = camera_snapshot(os::read_camera_state(config_.camera_state));
      ordered_json j = time_json(daemon_.reference_snapshot(), camera, config_.recheck_permille);
      j["held_by"] = held_by_json();
      j["camera_appeared_unix_ms"] = camera_appeared_json();
      std::string body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return answer(m.id, 200, body + "\n");
    }
    case os::web::Type::Metrics: return answer(m.id, 200, metrics_text(daemon_.status_snapshot()));
    case os::web::Type::Exchange: return answer(m.id, 200, exchange());
    case os::web::Type::Set: return set(m.id, m.set);
    case os::web::Type::SyncCamera: return sync_camera(m.id, m.set);
    case os::web::Type::Counters: current_ = m.counters; return;
    case os::web::Type::Pong: heartbeat_.pong(m.beat.sequence); return;
    default: ++malformed_[static_cast<size_t>(os::web::DecodeError::BadType)]; return;  // not for sntpd
  }
}

bool WebService::send_clock() {
  os::web::Message clock;
  clock.type = os::web::Type::Clock;
  clock.clock.served_minus_real_ns = clock_.now_ns() - os::read_clock_or_exit(CLOCK_REALTIME);
  return os::web::send(channel_.get(), clock);
}

void WebService::answer(uint32_t id, int status, const std::string& body) {
  os::web::Message reply;
  reply.type = os::web::Type::Reply;
  reply.id = id;
  reply.reply.status = static_cast<uint16_t>(status);
  reply.reply.body = body;
  // Never blocks: when the web process does not read, it gets no answer and says so (503).
  // The served clock first, for the reply's Date header (a set may just have stepped it).
  if (send_clock()) os::web::send(channel_.get(), reply);
}

std::string WebService::exchange() {
  int64_t t2 = clock_.now_ns();
  int64_t t3 = clock_.now_ns();
  std::string token = tokens_.issue(t2, t3, os::monotonic_ns());
  return fmt::format("{{\"t2_ms\":{},\"t3_ms\":{},\"token\":\"{}\"}}\n", ms_text(t2), ms_text(t3), token);
}

void WebService::set(uint32_t id, const os::web::SetRequest& r) {
  if (r.early != PhoneRefusal::None) {
    return refuse(id, r, r.early, core::explain_refusal(r.early, r.client), std::nullopt);
  }
  std::optional<core::PhoneHolder> holder = holder_for(r);
  if (core::fallback_outranked(r.fallback, r.trigger, holder)) {
    return refuse(id, r, PhoneRefusal::ManualOnly,
                  fmt::format("a phone of the access point's network holds this clock ({}, {}): from this "
                              "network only the button sets it, until that phone stops checking in",
                              holder->client, holder->user_agent),
                  std::nullopt);
  }
  auto issued = tokens_.redeem(r.token, os::monotonic_ns());
  if (!issued)
    return refuse(id, r, issued.error(), core::explain_refusal(issued.error(), r.client), std::nullopt);
  proto::PhoneExchange x;
  x.t1_ns = r.t1_ns;
  x.t2_ns = issued->t2_ns;
  x.t3_ns = issued->t3_ns;
  x.t4_ns = r.t4_ns;
  core::PhoneVerdict v = daemon_.set_from_phone(x, issued->issued_mono_ns, r.time_zone, holder);
  if (v.outcome != core::PhoneOutcome::Refused) take_hold(r, v.measurement);
  if (v.outcome == core::PhoneOutcome::Verified) return verified(id, r, v.measurement);
  if (v.outcome == core::PhoneOutcome::Refused) {
    std::optional<proto::PhoneMeasurement> m;
    if (v.refusal != PhoneRefusal::BadTimestamps) m = v.measurement;
    return refuse(id, r, v.refusal, v.reason, m);
  }
  const proto::PhoneMeasurement& m = v.measurement;
  std::string message = fmt::format(
      "The Pi's clock was {:.3f} s {} this phone: it was stepped by {:+.3f} s (± {:.1f} ms) and now follows "
      "this phone's time.",
      std::fabs(static_cast<double>(m.correction_ns) / 1e9), m.correction_ns > 0 ? "behind" : "ahead of",
      static_cast<double>(m.correction_ns) / 1e9, static_cast<double>(m.uncertainty_ns) / 1e6);
  answer(id, 200, taken_json(core::PhoneOutcome::Set, message, m).dump() + "\n");
  record(r, core::PhoneOutcome::Set, PhoneRefusal::None, message, m);
}

bool WebService::hold_current() const {
  return holder_ && os::monotonic_ns() - holder_mono_ns_ <= config_.hold_ns;
}

std::optional<core::PhoneHolder> WebService::holder_for(const os::web::SetRequest& r) const {
  if (!hold_current()) return std::nullopt;
  if (holder_->client == r.client || core::outranks_holder(r.fallback, r.trigger, *holder_))
    return std::nullopt;
  return holder_;
}

void WebService::take_hold(const os::web::SetRequest& r, const proto::PhoneMeasurement& m) {
  bool current = hold_current();
  bool other = current && holder_->client != r.client;
  // An agreeing phone verifies; the hold stays, unless it outranks the holder.
  if (other && !core::outranks_holder(r.fallback, r.trigger, *holder_)) return;
  if (other) {
    os::log::info(
        "phone {} took the clock's hold from phone {} {}", r.client, holder_->client,
        r.trigger == "button" ? "by the button" : "(the access point's network outranks a fallback one)");
  } else if (!current) {
    os::log::info("phone {} now holds the clock ({})", r.client, valid_utf8(r.user_agent));
  }
  holder_ = core::PhoneHolder{r.client, valid_utf8(r.user_agent), m.uncertainty_ns, r.fallback};
  holder_mono_ns_ = os::monotonic_ns();
}

ordered_json WebService::camera_appeared_json() const {
  if (config_.camera_request.empty()) return nullptr;
  auto req = os::read_camera_request(config_.camera_request);
  // The file's time is its writer's system clock (camsync --watch), not necessarily the served one.
  int64_t now_ms = os::read_clock_or_exit(CLOCK_REALTIME) / kNsPerMs;
  if (!req || req->reason == core::WatchReason::None ||
      !core::camera_request_fresh(req->requested_unix_ms, now_ms))
    return nullptr;
  return req->requested_unix_ms;
}

ordered_json WebService::held_by_json() const {
  if (!hold_current()) return nullptr;
  int64_t left = holder_mono_ns_ + config_.hold_ns - os::monotonic_ns();
  ordered_json j;
  j["client"] = holder_->client;
  j["user_agent"] = holder_->user_agent;
  j["fallback"] = holder_->fallback;
  j["until_unix_ms"] = (clock_.now_ns() + left) / kNsPerMs;
  return j;
}

void WebService::verified(uint32_t id, const os::web::SetRequest& r, const proto::PhoneMeasurement& m) {
  // How far apart the clocks can be: the offset measured and its uncertainty, to the ms above.
  int64_t apart_ns = (m.correction_ns < 0 ? -m.correction_ns : m.correction_ns) + m.uncertainty_ns;
  std::string message = fmt::format("Pi and phone agree (±{} ms)", (apart_ns + kNsPerMs - 1) / kNsPerMs);
  std::optional<int64_t> until = daemon_.reference_snapshot().reliable_until_ns;
  if (until) message += "; reliable until " + clock_time(*until, r.time_zone);
  ordered_json j = taken_json(core::PhoneOutcome::Verified, message, m);
  j["reliable_until_unix_ms"] = until ? ordered_json(*until / kNsPerMs) : ordered_json(nullptr);
  answer(id, 200, j.dump() + "\n");
  record(r, core::PhoneOutcome::Verified, PhoneRefusal::None, message, m);
}

void WebService::refuse(uint32_t id, const os::web::SetRequest& r, PhoneRefusal refusal,
                        const std::string& message, const std::optional<proto::PhoneMeasurement>& m) {
  ordered_json j;
  j["result"] = "refused";
  j["reason"] = core::code(refusal);
  j["message"] = message;
  if (m) {
    j["offset_s"] = static_cast<double>(m->correction_ns) / 1e9;
    j["uncertainty_s"] = static_cast<double>(m->uncertainty_ns) / 1e9;
  }
  answer(id, status_for(refusal), j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  record(r, core::PhoneOutcome::Refused, refusal, message, m);
}

void WebService::sync_camera(uint32_t id, const os::web::SetRequest& r) {
  PhoneRefusal refusal = r.early;
  std::string message;
  if (refusal == PhoneRefusal::None && !daemon_.reference_snapshot().synchronized) {
    refusal = PhoneRefusal::NotReliable;
  }
  int64_t now_ms = clock_.now_ns() / kNsPerMs;
  if (refusal == PhoneRefusal::None) {
    os::CameraRequest req;
    req.requested_unix_ms = now_ms;
    req.client = valid_utf8(r.client);
    if (config_.camera_request.empty() || !os::write_camera_request(config_.camera_request, req)) {
      // Not the client's fault: 500, counted under clock_failed with the reason in the message.
      refusal = PhoneRefusal::ClockFailed;
      message = "cannot ask camsync to run: cannot write the --camera-request file " + config_.camera_request;
    }
  }
  if (refusal != PhoneRefusal::None) {
    if (message.empty()) message = core::explain_refusal(refusal, r.client);
    ordered_json j;
    j["result"] = "refused";
    j["reason"] = core::code(refusal);
    j["message"] = message;
    answer(id, refusal == PhoneRefusal::ClockFailed ? 500 : status_for(refusal),
           j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return record_camera(r, refusal, message);
  }
  ordered_json j;
  j["result"] = "requested";
  j["requested_unix_ms"] = now_ms;
  answer(id, 202, j.dump() + "\n");
  record_camera(r, refusal, "camsync asked to run");
}

void WebService::record_camera(const os::web::SetRequest& r, PhoneRefusal refusal,
                               const std::string& message) {
  std::string client = valid_utf8(r.client);
  if (refusal == PhoneRefusal::None) {
    os::log::info("{} asked for a camsync run (POST /sync-camera)", client);
  } else {
    ++refused_[static_cast<size_t>(refusal)];
    if (os::log::once_a_minute(refusal_logged_mono_ns_[static_cast<size_t>(refusal)])) {
      os::log::info("{} may not ask for a camsync run ({}): {} (this reason is logged at most once a minute)",
                    client, core::code(refusal), valid_utf8(message));
    }
    if (before_access_check(refusal)) return;
  }
  ordered_json line;
  line["time"] = core::format_utc(clock_.now_ns());
  line["event"] = "camera_request";
  line["result"] = refusal == PhoneRefusal::None ? "requested" : "refused";
  line["reason"] = core::code(refusal);
  line["client"] = client;
  line["message"] = valid_utf8(message);
  line["user_agent"] = valid_utf8(r.user_agent);
  append_activity(config_.activity_log, line, &log_failed_);
}

void WebService::record(const os::web::SetRequest& r, core::PhoneOutcome outcome, PhoneRefusal refusal,
                        const std::string& message, const std::optional<proto::PhoneMeasurement>& m) {
  bool set = outcome == core::PhoneOutcome::Set;
  bool taken = outcome != core::PhoneOutcome::Refused;
  if (set) ++sets_;
  if (outcome == core::PhoneOutcome::Verified) ++verifications_;
  if (!taken) ++refused_[static_cast<size_t>(refusal)];
  PhoneAttempt a;
  a.time_utc = core::format_utc(clock_.now_ns());
  a.result = core::code(outcome);
  a.reason = core::code(refusal);
  a.client = valid_utf8(r.client);
  a.trigger = r.trigger == "auto" || r.trigger == "button" ? r.trigger : "other";
  if (m) {
    a.offset_ns = m->correction_ns;
    a.uncertainty_ns = m->uncertainty_ns;
  }
  a.message = valid_utf8(message);
  a.user_agent = valid_utf8(r.user_agent);
  if (r.time_zone) a.time_zone = valid_utf8(*r.time_zone);
  (set ? last_set_ : taken ? last_verification_ : last_refusal_) = a;
  if (set) {
    os::log::info("phone {} set the clock: stepped by {:+.6f} s (± {:.1f} ms)", a.client,
                  static_cast<double>(m->correction_ns) / 1e9, static_cast<double>(m->uncertainty_ns) / 1e6);
  } else if (taken) {
    os::log::info("phone {} verified the clock: {:+.6f} s apart (± {:.1f} ms)", a.client,
                  static_cast<double>(-m->correction_ns) / 1e9, static_cast<double>(m->uncertainty_ns) / 1e6);
  } else {
    // Anyone on the LAN can send refusals in a loop: counted always, logged
    // at most once a minute per reason, so that they cannot fill the disk.
    if (os::log::once_a_minute(refusal_logged_mono_ns_[static_cast<size_t>(refusal)])) {
      os::log::info("phone {} may not set the clock ({}): {} (this reason is logged at most once a minute)",
                    a.client, core::code(refusal), a.message);
    }
    // The activity log is the phones' history: only requests that passed the access check.
    if (before_access_check(refusal)) return;
  }
  ordered_json line = phone_attempt_json(a);
  if (taken && r.location) line["location"] = location_json(*r.location);
  append_activity(config_.activity_log, line, &log_failed_);
}

HttpSnapshot WebService::status() const {
  HttpSnapshot h;
  h.listen = address_;
  h.https = config_.tls_cert.get() >= 0;
  h.set_enabled = set_enabled();
  static_assert(std::tuple_size_v<decltype(current_.requests)> == kHttpEndpointCount,
                "the report names every endpoint counted");
  for (size_t i = 0; i < kHttpEndpointCount; ++i) h.requests[i] = earlier_.requests[i] + current_.requests[i];
  h.sets = sets_;
  h.verifications = verifications_;
  h.host_refused = earlier_.host_refused + current_.host_refused;
  for (size_t i = 1; i < kPhoneRefusals; ++i) h.refused[i] = refused_[i];
  for (size_t i = 0; i < os::web::kLimitCount; ++i) h.limited[i] = earlier_.limited[i] + current_.limited[i];
  h.web_restarts = web_.restarts();
  h.web_hung = hung_;
  for (uint64_t d : malformed_) h.channel_dropped += d;
  h.last_set = last_set_;
  h.last_verification = last_verification_;
  h.last_refusal = last_refusal_;
  return h;
}

}  // namespace lansync::sntpd
