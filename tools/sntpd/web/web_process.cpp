// sntpd-web, supervised; see web_process.hpp.
#include "web/web_process.hpp"

#include <fmt/core.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cerrno>

#include "os/log.hpp"
#include "os/net_address.hpp"
#include "os/net_tcp.hpp"

namespace lansync::sntpd {
namespace {

constexpr int kBacklog = 64;
// The descriptors sntpd-web gets besides its channel (ChildProcess::kChannelFd).
constexpr int kListenFd = ChildProcess::kFirstFd;
constexpr int kTlsCertFd = kListenFd + 1;  // with --http-tls-cert: the sealed memory files
constexpr int kTlsKeyFd = kListenFd + 2;

}  // namespace

os::OsResult<std::unique_ptr<WebProcess>> WebProcess::bind(const HttpConfig& config, os::Clock& clock) {
  auto hp = os::parse_host_port(config.listen, 80, /*allow_port_zero=*/true);
  if (!hp) return fail(os::Error{hp.error().code, "--http: " + hp.error().message});
  if (hp->host.empty()) hp->host = "0.0.0.0";
  std::unique_ptr<WebProcess> p(new WebProcess(config, clock));
  auto fd = os::listen_tcp(*hp, kBacklog);
  if (!fd) {
    return fail(os::Error{
        std::make_error_code(std::errc::address_not_available),
        "--http: cannot bind " + config.listen + " (in use, not a local address, or no permission)"});
  }
  p->listen_ = std::move(*fd);
  p->address_ = os::listen_address(p->listen_.get(), hp->host);
  if (!p->web_.found()) {
    return fail(os::Error{std::make_error_code(std::errc::no_such_file_or_directory),
                          "--http: cannot find sntpd-web (not next to sntpd, nor " LANSYNC_WEB_BINARY ")"});
  }
  return p;
}

WebProcess::WebProcess(const HttpConfig& config, os::Clock& clock)
    : config_(config),
      clock_(clock),
      web_("sntpd-web", LANSYNC_WEB_BINARY, "http", config.web_user, config.web_user_name) {}

WebProcess::~WebProcess() { stop(); }

void WebProcess::attach(EventLoop& loop, Handler handler, TrustedFor trusted_for) {
  loop_ = &loop;
  handler_ = std::move(handler);
  trusted_for_ = std::move(trusted_for);
  os::log::info("http: serving on {}{}{}", address_, config_.tls_cert.get() >= 0 ? " (HTTPS)" : "",
                config_.set_enabled() ? "; phones may set the clock" : "");
  if (!config_.web_user_note.empty()) os::log::info("http: {}", config_.web_user_note);
  spawn();
  loop.watch_set(
      [this] { return channel_.get() >= 0 ? std::vector<int>{channel_.get()} : std::vector<int>{}; },
      [this] { on_channel(); });
  loop.every(Heartbeat::kPeriodNs, os::monotonic_ns() + Heartbeat::kPeriodNs, [this] { beat(); });
  loop.when([this] { return web_.restart_due_mono_ns(); }, [this] { spawn(); });
}

void WebProcess::spawn() {
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

void WebProcess::on_channel() {
  for (int i = 0; i < ChildProcess::kMessagesPerRound && channel_.get() >= 0; ++i) {
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
    switch (m->type) {
      case os::web::Type::Time:
      case os::web::Type::Metrics:
      case os::web::Type::Exchange:
      case os::web::Type::Set:
      case os::web::Type::SyncCamera: handler_(*m); break;
      case os::web::Type::Counters: current_ = m->counters; break;
      case os::web::Type::Pong: heartbeat_.pong(m->beat.sequence); break;
      default: ++malformed_[static_cast<size_t>(os::web::DecodeError::BadType)]; break;  // not for sntpd
    }
  }
}

void WebProcess::child_gone() {
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

void WebProcess::beat() {
  if (!web_.running() || channel_.get() < 0) return;
  int64_t mono_now_ns = os::monotonic_ns();
  if (heartbeat_.hung(mono_now_ns)) {
    os::log::warn("http: sntpd-web (pid {}) did not answer for {} s; killing and starting it again",
                  web_.pid(), heartbeat_.silent_ns(mono_now_ns) / 1'000'000'000);
    ++hung_;
    return child_gone();  // SIGKILL, then the restart with its backoff
  }
  os::web::Message ping;
  ping.type = os::web::Type::Ping;
  ping.beat.sequence = heartbeat_.ping(mono_now_ns);
  os::web::send(channel_.get(), ping);  // one that cannot go is missed all the same
  send_clock();  // a reference that stopped counting takes the Date header away within a beat
}

void WebProcess::stop() {
  channel_.reset();
  web_.stop();
}

bool WebProcess::send_clock() {
  os::web::Message clock;
  clock.type = os::web::Type::Clock;
  clock.clock.served_minus_real_ns = clock_.now_ns() - os::read_clock_or_exit(CLOCK_REALTIME);
  clock.clock.trusted_for_ns = trusted_for_ ? trusted_for_() : 0;
  return os::web::send(channel_.get(), clock);
}

void WebProcess::answer(uint32_t id, int status, const std::string& body) {
  os::web::Message reply;
  reply.type = os::web::Type::Reply;
  reply.id = id;
  reply.reply.status = static_cast<uint16_t>(status);
  reply.reply.body = body;
  // Never blocks: when the web process does not read, it gets no answer and says so (503).
  // The served clock first, for the reply's Date header (a set may just have stepped it).
  if (send_clock()) os::web::send(channel_.get(), reply);
}

void WebProcess::report(HttpSnapshot& h) const {
  h.listen = address_;
  h.https = config_.tls_cert.get() >= 0;
  static_assert(std::tuple_size_v<decltype(current_.requests)> == kHttpEndpointCount,
                "the report names every endpoint counted");
  for (size_t i = 0; i < kHttpEndpointCount; ++i) h.requests[i] = earlier_.requests[i] + current_.requests[i];
  h.host_refused = earlier_.host_refused + current_.host_refused;
  for (size_t i = 0; i < os::web::kLimitCount; ++i) h.limited[i] = earlier_.limited[i] + current_.limited[i];
  h.web_restarts = web_.restarts();
  h.web_hung = hung_;
  for (uint64_t d : malformed_) h.channel_dropped += d;
}

}  // namespace lansync::sntpd
