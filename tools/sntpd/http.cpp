// sntpd's HTTP interface; see http.hpp.
#include "http.hpp"

#include <fmt/core.h>
#include <httplib.h>
#include <sys/socket.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "codec/ccapi_date.hpp"
#include "core/drift_log.hpp"
#include "daemon.hpp"
#include "metrics.hpp"
#include "os/activity_log.hpp"
#include "os/address.hpp"
#include "os/interface.hpp"
#include "os/log.hpp"
#include "page.hpp"
#include "status_json.hpp"

namespace lansync::sntpd {
namespace {

using core::PhoneRefusal;
using nlohmann::ordered_json;

constexpr int64_t kNsPerMs = 1'000'000;
constexpr int kThreads = 4;              // concurrent connections served
constexpr size_t kMaxBody = 4096;        // a set request is about 200 bytes
constexpr time_t kKeepAliveSeconds = 2;  // frees a thread soon after a page is done
constexpr time_t kIoTimeoutSeconds = 5;  // a client that stalls mid-request is dropped

// Unix ns as milliseconds with six decimals, exactly: 1795001234567.123456.
std::string ms_text(int64_t ns) {
  if (ns < 0) return fmt::format("-{}", ms_text(-ns));
  return fmt::format("{}.{:06}", ns / kNsPerMs, ns % kNsPerMs);
}

// RFC 9110 §5.6.7 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT": RFC 1123 in
// English whatever the locale, as the CCAPI date string is, with GMT for +0000.
std::string http_date(int64_t unix_ns) {
  int64_t secs = unix_ns / 1'000'000'000 - (unix_ns < 0 && unix_ns % 1'000'000'000 != 0 ? 1 : 0);
  char buf[codec::kCcapiDateMaxLength + 1];
  auto d = codec::ccapi_date_from_unix(secs, 0, false);
  if (d) {
    if (auto n = codec::format_ccapi_date(*d, buf, sizeof(buf)); n) return std::string(buf, *n - 5) + "GMT";
  }
  return "Thu, 01 Jan 1970 00:00:00 GMT";  // beyond year 9999: not a clock anyone serves
}

// "::ffff:192.0.2.1" (a dual-stack socket's IPv4 client) as "192.0.2.1".
std::string address_text(const std::string& addr) {
  if (addr.rfind("::ffff:", 0) == 0 && addr.find('.') != std::string::npos) return addr.substr(7);
  return addr;
}

std::optional<core::IpAddress> ip_of(const std::string& text) {
  auto c = os::parse_cidr(text);
  if (!c) return std::nullopt;
  return c->base;
}

// How often a refusal reason may write a log line.
constexpr int64_t kRefusalLogIntervalNs = int64_t{60} * 1'000'000'000;

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
    case PhoneRefusal::BadTimestamps: return 400;
    case PhoneRefusal::NotEnabled:
    case PhoneRefusal::CrossSite:
    case PhoneRefusal::NotAllowed:
    case PhoneRefusal::BadToken: return 403;
    case PhoneRefusal::Busy: return 503;
    case PhoneRefusal::ClockFailed: return 500;
    default: return 409;  // the request was fine, the state of things refuses it
  }
}

const char* status_text(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 500: return "Internal Server Error";
    default: return "Error";
  }
}

void no_store(httplib::Response& res) { res.set_header("Cache-Control", "no-store"); }

void json_reply(httplib::Response& res, int status, const ordered_json& body) {
  res.status = status;
  no_store(res);
  res.set_content(body.dump() + "\n", "application/json");
}

// s with each invalid UTF-8 sequence replaced by U+FFFD, as JSON can carry it.
std::string valid_utf8(const std::string& s) {
  std::string quoted = nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(quoted).get<std::string>();
}

std::string header(const httplib::Request& req, const char* name) {
  return req.has_header(name) ? req.get_header_value(name) : std::string();
}

}  // namespace

os::OsResult<std::unique_ptr<HttpServer>> HttpServer::bind(Daemon& daemon, os::Clock& clock,
                                                           HttpConfig config) {
  auto hp = os::parse_host_port(config.listen, 80, /*allow_port_zero=*/true);
  if (!hp) return fail(os::Error{hp.error().code, "--http: " + hp.error().message});
  std::unique_ptr<HttpServer> s(new HttpServer(daemon, clock, std::move(config)));
  httplib::Server& svr = *s->server_;
  // httplib's default is SO_REUSEPORT, which lets a second server bind the
  // same port without a word; SO_REUSEADDR is what a server wants.  FREEBIND
  // (IPv4 and IPv6 sockets alike): the page's address may be on ap0, which
  // can come up after sntpd.
  svr.set_socket_options([](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    ::setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &yes, sizeof(yes));
  });
  std::string host = hp->host.empty() ? "0.0.0.0" : hp->host;
  int port = hp->port;
  // httplib does not say why a bind failed: name what it can be.
  os::Error cannot_bind{
      std::make_error_code(std::errc::address_not_available),
      "--http: cannot bind " + s->config_.listen + " (in use, not a local address, or no permission)"};
  if (port == 0) {
    port = svr.bind_to_any_port(host);
    if (port < 0) return fail(cannot_bind);
  } else if (!svr.bind_to_port(host, port)) {
    return fail(cannot_bind);
  }
  s->address_ = host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                                    : fmt::format("{}:{}", host, port);
  return s;
}

HttpServer::HttpServer(Daemon& daemon, os::Clock& clock, HttpConfig config)
    : daemon_(daemon),
      clock_(clock),
      config_(std::move(config)),
      server_(std::make_unique<httplib::Server>()) {
  httplib::Server& svr = *server_;
  svr.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  svr.set_keep_alive_max_count(100);
  svr.set_keep_alive_timeout(kKeepAliveSeconds);
  svr.set_read_timeout(kIoTimeoutSeconds, 0);
  svr.set_write_timeout(kIoTimeoutSeconds, 0);
  svr.set_payload_max_length(kMaxBody);
  routes();
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::routes() {
  httplib::Server& svr = *server_;
  svr.Get("/", [this](const httplib::Request&, httplib::Response& res) {
    ++requests_[kPage];
    res.set_header("Cache-Control", "no-cache");
    // The page's own inline script and style, talking to this server only.
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                   "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    res.set_content(std::string(kPageHtml), "text/html; charset=utf-8");
  });
  svr.Get("/time", [this](const httplib::Request&, httplib::Response& res) { handle_time(res); });
  svr.Get("/exchange", [this](const httplib::Request&, httplib::Response& res) { handle_exchange(res); });
  svr.Post("/set", [this](const httplib::Request& req, httplib::Response& res) { handle_set(req, res); });
  svr.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) { handle_metrics(res); });
  svr.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404) ++requests_[kOther];
    if (!res.body.empty()) return;  // our own refusals carry their JSON
    res.set_content(fmt::format("{} {}\n", res.status, status_text(res.status)), "text/plain; charset=utf-8");
  });
  svr.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    os::log::error("http: {} {}: {}", req.method, req.path, what);
    res.status = 500;
    res.set_content("500 Internal Server Error\n", "text/plain; charset=utf-8");
  });
  // Every route: a Host that public DNS could point at us (a DNS-rebinding
  // page reading /time or /metrics, or fetching a token) is refused before
  // any handler runs.  POST /set applies the whole same-origin rule itself.
  svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "POST" || core::local_host(header(req, "Host")))
      return httplib::Server::HandlerResponse::Unhandled;
    ++host_refused_;
    res.status = 403;
    res.set_content("403 Forbidden: the Host header names no local server\n", "text/plain; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  });
  svr.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Date", http_date(clock_.now_ns()));
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
  });
}

void HttpServer::start() {
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() only ends a loop that runs: wait until it does (bounded: 5 s).
  for (int i = 0; i < 5000 && !server_->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  os::log::info("http: serving on {}{}", address_,
                set_access().enabled() ? "; phones may set the clock" : "");
}

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

core::SetAccess HttpServer::set_access() {
  core::SetAccess a;
  a.allow = config_.set_allow;
  a.interfaces_configured = !config_.set_interfaces.empty();
  // Read at each request: the access point may come up after sntpd.
  for (const std::string& name : config_.set_interfaces) {
    auto addrs = os::interface_addresses(name);
    if (addrs) a.interface_addresses.insert(a.interface_addresses.end(), addrs->begin(), addrs->end());
  }
  return a;
}

void HttpServer::handle_time(httplib::Response& res) {
  ++requests_[kTime];
  json_reply(res, 200, time_json(daemon_.reference_snapshot()));
}

void HttpServer::handle_exchange(httplib::Response& res) {
  int64_t t2 = clock_.now_ns();
  ++requests_[kExchange];
  int64_t t3 = clock_.now_ns();
  int64_t mono = os::monotonic_ns();
  std::string token = tokens_.issue(t2, t3, mono);
  no_store(res);
  res.set_content(
      fmt::format("{{\"t2_ms\":{},\"t3_ms\":{},\"token\":\"{}\"}}\n", ms_text(t2), ms_text(t3), token),
      "application/json");
}

void HttpServer::handle_set(const httplib::Request& req, httplib::Response& res) {
  ++requests_[kSet];
  int64_t mono_now = os::monotonic_ns();
  std::string client = address_text(req.remote_addr);
  std::string user_agent = header(req, "User-Agent").substr(0, 200);
  std::string trigger = "other";
  auto refuse = [&](PhoneRefusal r, const std::string& message,
                    std::optional<core::PhoneMeasurement> m = {}) {
    ordered_json j;
    j["result"] = "refused";
    j["reason"] = core::code(r);
    j["message"] = message;
    if (m) {
      j["offset_s"] = static_cast<double>(m->correction_ns) / 1e9;
      j["uncertainty_s"] = static_cast<double>(m->uncertainty_ns) / 1e9;
    }
    json_reply(res, status_for(r), j);
    record(client, trigger, r, message, m, user_agent);
  };

  core::SetAccess access = set_access();
  if (!access.enabled())
    return refuse(PhoneRefusal::NotEnabled, core::explain_refusal(PhoneRefusal::NotEnabled, client));
  std::string host = header(req, "Host");
  std::string origin = header(req, "Origin");
  std::string fetch_site = header(req, "Sec-Fetch-Site");
  core::OriginHeaders oh;
  oh.host = host;
  if (req.has_header("Origin")) oh.origin = origin;
  if (req.has_header("Sec-Fetch-Site")) oh.sec_fetch_site = fetch_site;
  if (!core::same_origin(oh))
    return refuse(PhoneRefusal::CrossSite, core::explain_refusal(PhoneRefusal::CrossSite, client));
  std::string type = header(req, "Content-Type");
  if (type.substr(0, type.find(';')) != "application/json") {
    return refuse(PhoneRefusal::NotJson, core::explain_refusal(PhoneRefusal::NotJson, client));
  }
  auto remote = ip_of(req.remote_addr);
  auto local = ip_of(req.local_addr);
  if (!remote || !local || !core::may_set_clock(access, *remote, *local)) {
    return refuse(PhoneRefusal::NotAllowed, core::explain_refusal(PhoneRefusal::NotAllowed, client));
  }

  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  auto number = [&](const char* key) -> std::optional<int64_t> {
    if (!body.is_object()) return std::nullopt;
    auto it = body.find(key);
    if (it == body.end() || !it->is_number()) return std::nullopt;
    double ms = it->get<double>();
    // Unix ms between 2000 and 2200: anything else is not a phone's clock.
    if (!std::isfinite(ms) || ms < 946'684'800'000.0 || ms > 7'258'118'400'000.0) return std::nullopt;
    return std::llround(ms * 1e6);
  };
  if (body.is_object()) {
    auto it = body.find("trigger");
    if (it != body.end() && it->is_string() && (*it == "auto" || *it == "button"))
      trigger = it->get<std::string>();
  }
  auto t1 = number("t1_ms");
  auto t4 = number("t4_ms");
  auto token_it = body.is_object() ? body.find("token") : body.end();
  if (!t1 || !t4 || token_it == body.end() || !token_it->is_string()) {
    return refuse(PhoneRefusal::BadRequest, core::explain_refusal(PhoneRefusal::BadRequest, client));
  }
  auto issued = tokens_.redeem(token_it->get<std::string>(), mono_now);
  if (!issued) return refuse(issued.error(), core::explain_refusal(issued.error(), client));

  core::PhoneExchange x;
  x.t1_ns = *t1;
  x.t2_ns = issued->t2_ns;
  x.t3_ns = issued->t3_ns;
  x.t4_ns = *t4;
  core::PhoneVerdict v = daemon_.set_from_phone(x, issued->issued_mono_ns);
  if (v.refusal != PhoneRefusal::None) {
    std::optional<core::PhoneMeasurement> m;
    if (v.refusal != PhoneRefusal::BadTimestamps) m = v.measurement;
    return refuse(v.refusal, v.reason, m);
  }
  const core::PhoneMeasurement& m = v.measurement;
  std::string message = fmt::format(
      "The Pi's clock was {:.3f} s {} this phone: it was stepped by {:+.3f} s (± {:.1f} ms) and now follows "
      "this phone's time.",
      std::fabs(static_cast<double>(m.correction_ns) / 1e9), m.correction_ns > 0 ? "behind" : "ahead of",
      static_cast<double>(m.correction_ns) / 1e9, static_cast<double>(m.uncertainty_ns) / 1e6);
  ordered_json j;
  j["result"] = "set";
  j["reason"] = "none";
  j["message"] = message;
  j["offset_s"] = static_cast<double>(m.correction_ns) / 1e9;
  j["uncertainty_s"] = static_cast<double>(m.uncertainty_ns) / 1e9;
  j["delay_s"] = static_cast<double>(m.delay_ns) / 1e9;
  j["action"] = "step";
  json_reply(res, 200, j);
  record(client, trigger, PhoneRefusal::None, message, m, user_agent);
}

void HttpServer::handle_metrics(httplib::Response& res) {
  ++requests_[kMetrics];
  no_store(res);
  res.set_content(metrics_text(daemon_.status_snapshot()), "text/plain; version=0.0.4; charset=utf-8");
}

void HttpServer::record(const std::string& client, const std::string& trigger, PhoneRefusal refusal,
                        const std::string& message, const std::optional<core::PhoneMeasurement>& m,
                        const std::string& user_agent) {
  bool set = refusal == PhoneRefusal::None;
  if (set) {
    ++sets_;
  } else {
    ++refused_[static_cast<size_t>(refusal)];
  }
  PhoneAttempt a;
  a.time_utc = core::format_utc(clock_.now_ns());
  a.result = set ? "set" : "refused";
  a.reason = core::code(refusal);
  a.client = valid_utf8(client);
  a.trigger = trigger;
  if (m) {
    a.offset_ns = m->correction_ns;
    a.uncertainty_ns = m->uncertainty_ns;
  }
  a.message = valid_utf8(message);
  a.user_agent = valid_utf8(user_agent);
  std::string line = phone_attempt_json(a).dump();

  std::lock_guard<std::mutex> lock(last_mutex_);
  (set ? last_set_ : last_refusal_) = a;
  if (set) {
    os::log::info("phone {} set the clock: stepped by {:+.6f} s (± {:.1f} ms)", client,
                  static_cast<double>(m->correction_ns) / 1e9, static_cast<double>(m->uncertainty_ns) / 1e6);
  } else {
    // Anyone on the LAN can send refusals in a loop: counted always, logged
    // at most once a minute per reason, so that they cannot fill the disk.
    int64_t& logged = refusal_logged_mono_ns_[static_cast<size_t>(refusal)];
    int64_t now = os::monotonic_ns();
    if (logged == 0 || now - logged >= kRefusalLogIntervalNs) {
      logged = now;
      os::log::info("phone {} may not set the clock ({}): {} (this reason is logged at most once a minute)",
                    client, core::code(refusal), message);
    }
    // The activity log is the phones' history: only requests that passed the access check.
    if (before_access_check(refusal)) return;
  }
  if (config_.activity_log.empty()) return;
  if (auto st = os::append_log_line(config_.activity_log, line); !st) {
    if (!log_failed_) os::log::warn("activity log: {}", st.error().message);
    log_failed_ = true;
  } else {
    log_failed_ = false;
  }
}

HttpSnapshot HttpServer::status() {
  HttpSnapshot h;
  h.listen = address_;
  h.set_enabled = !config_.set_allow.empty() || !config_.set_interfaces.empty();
  static_assert(kEndpoints == kHttpEndpointCount, "the report names every endpoint counted");
  for (size_t i = 0; i < kEndpoints; ++i) h.requests[i] = requests_[i].load();
  h.sets = sets_.load();
  h.host_refused = host_refused_.load();
  for (size_t i = 1; i < std::size(refused_); ++i) h.refused[i] = refused_[i].load();
  std::lock_guard<std::mutex> lock(last_mutex_);
  h.last_set = last_set_;
  h.last_refusal = last_refusal_;
  return h;
}

}  // namespace lansync::sntpd
