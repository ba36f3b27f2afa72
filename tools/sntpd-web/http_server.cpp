// sntpd-web's HTTP server; see http_server.hpp.
#include "http_server.hpp"

#include <microhttpd.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include "os/clock.hpp"
#include "os/log.hpp"
#include "os/net_address.hpp"
#include "os/net_interface.hpp"

namespace lansync::web {

// A POST /set whose body is being read.
// A request whose head was judged, until it is complete.
struct Server::Pending {
  HeadVerdict verdict;
  std::string body;  // POST /set's, at most verdict.body_length bytes
};

namespace {

MHD_Result result(int r) { return r == MHD_YES ? MHD_YES : MHD_NO; }

MHD_Result on_request_cb(void* cls, MHD_Connection* c, const char* url, const char* method, const char*,
                         const char* upload, size_t* upload_size, void** request_state) {
  return result(static_cast<Server*>(cls)->on_request(c, url, method, upload, upload_size, request_state));
}

void on_connection_cb(void* cls, MHD_Connection* c, void** socket_state,
                      MHD_ConnectionNotificationCode code) {
  static_cast<Server*>(cls)->on_connection(c, socket_state, code == MHD_CONNECTION_NOTIFY_STARTED);
}

void on_completed_cb(void* cls, MHD_Connection* c, void** request_state, MHD_RequestTerminationCode) {
  static_cast<Server*>(cls)->on_completed(c, request_state);
}

void on_log_cb(void* cls, const char* format, va_list args) {
  char line[512];
  std::vsnprintf(line, sizeof(line), format, args);
  static_cast<Server*>(cls)->on_log(line);
}

std::optional<std::string_view> header(MHD_Connection* c, const char* name) {
  const char* v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
  if (v == nullptr) return std::nullopt;
  return std::string_view(v);
}

RequestHead head_of(MHD_Connection* c, const char* url, const char* method) {
  RequestHead h;
  h.method = method;
  h.path = url;
  h.host = header(c, MHD_HTTP_HEADER_HOST);
  h.origin = header(c, "Origin");
  h.sec_fetch_site = header(c, "Sec-Fetch-Site");
  h.content_type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
  h.content_length = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
  h.transfer_encoding = header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING);
  h.user_agent = header(c, MHD_HTTP_HEADER_USER_AGENT);
  return h;
}

// The connection's two addresses.
void addresses_of(MHD_Connection* c, SetContext& ctx) {
  const MHD_ConnectionInfo* peer = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (peer != nullptr && peer->client_addr != nullptr) {
    socklen_t len = peer->client_addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    os::SocketAddress a(peer->client_addr, len);
    ctx.remote = core::unmap_ipv4(a.ip_address());
    ctx.client = os::to_text(*ctx.remote);
  }
  const MHD_ConnectionInfo* fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (fd == nullptr) return;
  os::SocketAddress local;
  socklen_t len = local.capacity();
  if (::getsockname(fd->connect_fd, local.get(), &len) != 0) return;
  local.set_size(len);
  ctx.local = local.ip_address();
}

// The addresses of the named interfaces, each with its name; one that is not up has none.
std::vector<core::NamedAddress> named_addresses(const std::vector<std::string>& names) {
  std::vector<core::NamedAddress> out;
  for (const std::string& name : names) {
    auto addrs = os::interface_addresses(name);
    if (!addrs) continue;
    for (const core::Cidr& cidr : *addrs) out.push_back({cidr, name});
  }
  return out;
}

}  // namespace

Server::Server(ServerConfig config) : config_(std::move(config)) {}

Server::~Server() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

bool Server::start() {
  // No thread of its own: main()'s loop drives it (run()), and reads the channel in the same thread.
  unsigned flags = MHD_USE_EPOLL | MHD_USE_SUPPRESS_DATE_NO_CLOCK;
  bool tls = !config_.tls_cert_pem.empty();
  if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
    os::log::error("--http-tls-cert: this libmicrohttpd was built without TLS");
    tls_refused_ = true;
    return false;
  }
  // libmicrohttpd reads them as C strings (GnuTLS copies them at the start).
  MHD_OptionItem tls_options[] = {
      {MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(config_.tls_key_pem.c_str())},
      {MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(config_.tls_cert_pem.c_str())},
      {MHD_OPTION_END, 0, nullptr}};
  if (tls) flags |= MHD_USE_TLS | MHD_USE_ERROR_LOG;
  set_starting(true);
  daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &on_request_cb, this, MHD_OPTION_EXTERNAL_LOGGER, &on_log_cb, this,
      MHD_OPTION_ARRAY, tls ? tls_options : tls_options + 2, MHD_OPTION_LISTEN_SOCKET, config_.listen_fd,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, kConnectionMemory, MHD_OPTION_CONNECTION_LIMIT, kMaxConnections,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, kMaxPerAddress, MHD_OPTION_CONNECTION_TIMEOUT, kIdleTimeoutS,
      MHD_OPTION_NOTIFY_CONNECTION, &on_connection_cb, this, MHD_OPTION_NOTIFY_COMPLETED, &on_completed_cb,
      this, MHD_OPTION_END);
  set_starting(false);
  if (daemon_ == nullptr && tls && start_error_.find("GnuTLS") != std::string::npos) {
    // "GnuTLS failed to setup x509 certificate/key: The certificate and the given key do not match."
    std::string why = start_error_.substr(start_error_.find(':') + 1);
    why.erase(0, why.find_first_not_of(' '));
    while (!why.empty() && (why.back() == '\n' || why.back() == '.')) why.pop_back();
    os::log::error("--http-tls-cert and --http-tls-key refused by GnuTLS: {}", why);
    tls_refused_ = true;
    return false;
  }
  // GnuTLS holds its own copy now.
  ::explicit_bzero(config_.tls_key_pem.data(), config_.tls_key_pem.size());
  if (daemon_ == nullptr) {
    os::log::error("libmicrohttpd would not start on the listening socket{}",
                   start_error_.empty() ? "" : ": " + start_error_.substr(0, start_error_.find('\n')));
    return false;
  }
  return true;
}

void Server::set_starting(bool starting) {
  std::lock_guard<std::mutex> lock(log_mutex_);
  starting_ = starting;
}

void Server::on_log(const char* message) {
  {
    std::lock_guard<std::mutex> lock(log_mutex_);
    if (starting_) {
      if (start_error_.empty()) start_error_ = message;
      return;
    }
  }
  // A client's failed handshake (plain HTTP to the HTTPS port, say): not worth a line each.
  os::log::debug("libmicrohttpd: {}",
                 std::string_view(message).substr(0, std::string_view(message).find('\n')));
}

void Server::on_connection(MHD_Connection* c, void** socket_state, bool started) {
  std::lock_guard<std::mutex> lock(tracked_mutex_);
  if (started) {
    const MHD_ConnectionInfo* fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    auto* t = new Tracked{fd != nullptr ? fd->connect_fd : -1, os::monotonic_ns(), false};
    tracked_.insert(t);
    *socket_state = t;
    return;
  }
  // libmicrohttpd tells of the close before it closes the descriptor: sweep() cannot shut a reused one.
  auto* t = static_cast<Tracked*>(*socket_state);
  tracked_.erase(t);
  delete t;
  *socket_state = nullptr;
}

void Server::on_completed(MHD_Connection* c, void** request_state) {
  delete static_cast<Pending*>(*request_state);
  *request_state = nullptr;
  // A kept-alive connection's next request has a deadline of its own.
  const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  if (info == nullptr || info->socket_context == nullptr) return;
  std::lock_guard<std::mutex> lock(tracked_mutex_);
  static_cast<Tracked*>(info->socket_context)->since_mono_ns = os::monotonic_ns();
}

int Server::poll_fd() const {
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_EPOLL_FD);
  return info == nullptr ? -1 : info->epoll_fd;
}

int Server::timeout_ms(int longest_ms) const {
  MHD_UNSIGNED_LONG_LONG ms = 0;
  if (MHD_get_timeout(daemon_, &ms) != MHD_YES) return longest_ms;
  return static_cast<int>(std::min<MHD_UNSIGNED_LONG_LONG>(ms, static_cast<unsigned>(longest_ms)));
}

void Server::run() { MHD_run(daemon_); }

void Server::read_channel() {
  while (next_message(0)) {
  }
}

void Server::sweep(int64_t mono_now_ns) {
  {
    std::lock_guard<std::mutex> lock(tracked_mutex_);
    for (Tracked* t : tracked_) {
      if (t->shut || t->fd < 0 || mono_now_ns - t->since_mono_ns < kRequestDeadlineNs) continue;
      // libmicrohttpd resets its idle timeout on every byte: a client trickling one byte a
      // second would hold its connection for ever.  Shut down, the socket wakes its epoll.
      ::shutdown(t->fd, SHUT_RDWR);
      t->shut = true;
      count_limit(os::web::Limit::Deadline);
    }
  }
  push_counters();
}

int Server::on_request(MHD_Connection* c, const char* url, const char* method, const char* upload,
                       size_t* upload_size, void** request_state) {
  if (auto* p = static_cast<Pending*>(*request_state)) {
    if (*upload_size > 0) {  // never more than Content-Length, which judge_head bounded
      if (p->verdict.kind == HeadVerdict::kReadBody) {
        p->body.append(upload, std::min(*upload_size, p->verdict.body_length -
                                                          std::min(p->verdict.body_length, p->body.size())));
      }
      *upload_size = 0;
      return MHD_YES;
    }
    switch (p->verdict.kind) {
      case HeadVerdict::kAskSntpd: return ask(c, p->verdict, os::web::request(p->verdict.ask, 0));
      case HeadVerdict::kReadBody: return finish_set(c, url, method, *p);
      default: return answer(c, p->verdict);
    }
  }
  HeadVerdict v = judge_head(head_of(c, url, method), config_.allow_origins);
  ++requests_[static_cast<size_t>(v.route)];
  if (v.host_refused) ++host_refused_;
  if (v.limited) {
    // At once, before any of the body is read: libmicrohttpd then closes the connection.
    count_limit(*v.limited);
    return answer(c, v);
  }
  // Answered at the next call, once the request is complete: the connection can then be kept alive.
  auto* p = new Pending;
  p->verdict = std::move(v);
  if (p->verdict.kind == HeadVerdict::kReadBody) p->body.reserve(p->verdict.body_length);
  *request_state = p;
  return MHD_YES;
}

int Server::finish_set(MHD_Connection* c, const char* url, const char* method, Pending& p) {
  SetContext ctx;
  ctx.access = set_access();
  ctx.https = !config_.tls_cert_pem.empty();
  ctx.allowed_origins = config_.allow_origins;
  addresses_of(c, ctx);
  os::web::Message m;
  m.type = p.verdict.ask;
  RequestHead h = head_of(c, url, method);
  m.set = m.type == os::web::Type::SyncCamera ? judge_sync_camera(h, p.body, ctx) : judge_set(h, p.body, ctx);
  return ask(c, p.verdict, m);
}

int Server::answer(MHD_Connection* c, const HeadVerdict& v) {
  push_counters();
  return reply(c, v.answer, false);
}

int Server::ask(MHD_Connection* c, const HeadVerdict& v, const os::web::Message& m) {
  push_counters();  // first, so that a GET /metrics counts itself
  Answer a;
  a.allow_origin = v.answer.allow_origin;
  auto r = exchange_with_sntpd(m);
  if (!r) {
    count_limit(os::web::Limit::NoAnswer);
    a.status = 503;
    a.content_type = "text/plain; charset=utf-8";
    a.body = "503 Service Unavailable: sntpd did not answer\n";
    return reply(c, a, true);
  }
  a.status = r->status;
  a.content_type = content_type(v.route);
  a.body = std::move(r->body);
  if (v.route == Route::Time && r->status == 200) {
    SetContext ctx;
    ctx.access = set_access();
    addresses_of(c, ctx);
    core::SetPermission p;
    if (ctx.remote && ctx.local) p = core::set_permission(ctx.access, *ctx.remote, *ctx.local);
    a.body = with_permission(std::move(a.body), p);
  }
  return reply(c, a, true);
}

int Server::reply(MHD_Connection* c, const Answer& a, bool no_store) {
  while (next_message(0)) {
  }  // the Clock messages waiting, for the Date header
  MHD_Response* res =
      MHD_create_response_from_buffer(a.body.size(), const_cast<char*>(a.body.data()), MHD_RESPMEM_MUST_COPY);
  if (res == nullptr) return MHD_NO;
  if (!a.preflight)
    MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, std::string(a.content_type).c_str());
  if (no_store) MHD_add_response_header(res, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (a.script) MHD_add_response_header(res, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
  if (!a.allow_origin.empty()) {
    // CORS for an --http-allow-origin page: it may read this answer; no credentials are allowed.
    MHD_add_response_header(res, "Access-Control-Allow-Origin", a.allow_origin.c_str());
    MHD_add_response_header(res, "Vary", "Origin");
    if (a.preflight) {
      MHD_add_response_header(res, "Access-Control-Allow-Methods", "GET, POST");
      MHD_add_response_header(res, "Access-Control-Allow-Headers", "Content-Type");
      MHD_add_response_header(res, "Access-Control-Max-Age", "600");
    }
  }
  if (a.page) {
    MHD_add_response_header(res, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    // The page's own inline script and style and /lansync.js, talking to this server only.
    MHD_add_response_header(
        res, "Content-Security-Policy",
        "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  }
  if (auto date = served_date()) MHD_add_response_header(res, MHD_HTTP_HEADER_DATE, date->c_str());
  MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(res, "Referrer-Policy", "no-referrer");
  MHD_Result r = MHD_queue_response(c, static_cast<unsigned>(a.status), res);
  MHD_destroy_response(res);
  return r;
}

std::optional<os::web::Message> Server::next_message(int timeout_ms) {
  pollfd p{config_.channel_fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
  ssize_t n = os::web::receive(config_.channel_fd, buf_, false);
  closed_ = closed_ || n == 0;  // sntpd is gone: main() sees the hang-up too, and stops
  if (n == 0 || n == -1) return std::nullopt;
  auto got =
      n > 0 ? os::web::decode(buf_.data(), static_cast<size_t>(n)) : fail(os::web::DecodeError::BadLength);
  if (!got) {
    ++malformed_;
    os::log::debug("channel: dropped a message from sntpd ({})", os::web::code(got.error()));
    return os::web::Message{};  // a Time request: ignored by the callers
  }
  if (got->type == os::web::Type::Clock) {
    served_minus_real_ns_ = got->clock.served_minus_real_ns;
    int64_t mono_now_ns = os::monotonic_ns();
    int64_t for_ns = got->clock.trusted_for_ns;
    trusted_until_mono_ns_ = for_ns >= INT64_MAX - mono_now_ns ? INT64_MAX : mono_now_ns + for_ns;
  }
  if (got->type == os::web::Type::Ping) {
    os::web::Message pong;
    pong.type = os::web::Type::Pong;
    pong.beat = got->beat;
    os::web::send(config_.channel_fd, pong);
  }
  return *got;
}

std::optional<os::web::Reply> Server::exchange_with_sntpd(os::web::Message m) {
  m.id = next_id_++;
  if (!os::web::send(config_.channel_fd, m)) return std::nullopt;
  int64_t deadline_mono_ns = os::monotonic_ns() + int64_t{kSntpdTimeoutMs} * 1'000'000;
  for (int64_t left_ms = kSntpdTimeoutMs; left_ms > 0;
       left_ms = (deadline_mono_ns - os::monotonic_ns()) / 1'000'000) {
    auto got = next_message(static_cast<int>(left_ms));
    if (got && got->type == os::web::Type::Reply && got->id == m.id) return got->reply;
    // Anything else (a late answer to a request given up on) is dropped.
  }
  return std::nullopt;
}

void Server::count_limit(os::web::Limit l) {
  size_t i = static_cast<size_t>(l);
  ++limited_[i];
  std::lock_guard<std::mutex> lock(push_mutex_);
  if (!os::log::once_a_minute(limit_logged_mono_ns_[i])) return;
  os::log::info("http: refused a request ({}); {} so far (this reason is logged at most once a minute)",
                os::web::code(l), limited_[i].load());
}

void Server::push_counters() {
  os::web::Message m;
  m.type = os::web::Type::Counters;
  for (size_t i = 0; i < m.counters.requests.size(); ++i) m.counters.requests[i] = requests_[i].load();
  m.counters.host_refused = host_refused_.load();
  for (size_t i = 0; i < os::web::kLimitCount; ++i) m.counters.limited[i] = limited_[i].load();
  std::lock_guard<std::mutex> lock(push_mutex_);
  if (m.counters.requests == pushed_.requests && m.counters.host_refused == pushed_.host_refused &&
      m.counters.limited == pushed_.limited) {
    return;
  }
  if (os::web::send(config_.channel_fd, m)) pushed_ = m.counters;
}

core::SetAccess Server::set_access() const {
  core::SetAccess a;
  a.allow = config_.set_allow;
  a.interfaces_configured = !config_.set_interfaces.empty();
  // Read at each request: the access point may come up after sntpd.
  for (const std::string& name : config_.set_interfaces) {
    auto addrs = os::interface_addresses(name);
    if (addrs) a.interface_addresses.insert(a.interface_addresses.end(), addrs->begin(), addrs->end());
  }
  a.manual_configured = !config_.manual_interfaces.empty();
  a.manual_addresses = named_addresses(config_.manual_interfaces);
  a.fallback_configured = !config_.fallback_interfaces.empty();
  a.fallback_addresses = named_addresses(config_.fallback_interfaces);
  return a;
}

std::optional<std::string> Server::served_date() const {
  if (os::monotonic_ns() >= trusted_until_mono_ns_.load()) return std::nullopt;
  return http_date(os::read_clock_or_exit(CLOCK_REALTIME) + served_minus_real_ns_.load());
}

}  // namespace lansync::web
