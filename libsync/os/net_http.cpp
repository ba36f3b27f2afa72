// HTTP client session; see net_http.hpp.
#include "os/net_http.hpp"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <optional>

#include "os/net_http_digest.hpp"

namespace lansync::os {
namespace {

class HttpCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "http"; }
  std::string message(int v) const override {
    switch (static_cast<HttpErrc>(v)) {
      case HttpErrc::auth_required: return "authentication required";
      case HttpErrc::auth_failed: return "authentication failed";
      case HttpErrc::certificate: return "certificate not verified";
      case HttpErrc::too_large: return "reply too large";
      case HttpErrc::bad_reply: return "malformed reply";
    }
    return "unknown";
  }
};

Failure<Error> http_error(HttpErrc e, const std::string& message) { return fail(Error{e, message}); }

std::string seconds_text(int64_t ns) {
  return ns % 1'000'000'000 == 0 ? std::to_string(ns / 1'000'000'000) + " s"
                                 : std::to_string(static_cast<double>(ns) / 1e9) + " s";
}

// A client by host and port (httplib's URL parser takes no hex in IPv6 literals).
std::unique_ptr<httplib::ClientImpl> make_client(const Url& u) {
  if (u.scheme == "https") return std::make_unique<httplib::SSLClient>(u.host, u.port);
  return std::make_unique<httplib::ClientImpl>(u.host, u.port);
}

}  // namespace

const std::error_category& http_category() {
  static const HttpCategory category;
  return category;
}

std::error_code make_error_code(HttpErrc e) { return {static_cast<int>(e), http_category()}; }

std::string Url::origin() const {
  bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

OsResult<Url> parse_url(const std::string& text, uint16_t default_port) {
  Url u;
  size_t colon = text.find("://");
  if (colon == std::string::npos)
    return invalid("bad URL '" + shown(text) + "': expected http://HOST[:PORT]");
  u.scheme = text.substr(0, colon);
  for (char& c : u.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u.scheme != "http" && u.scheme != "https") {
    return invalid("bad URL '" + shown(text) + "': only http and https are supported");
  }
  std::string rest = text.substr(colon + 3);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string::npos) {
    return invalid("bad URL '" + shown(text) + "': no user name in the URL (use --user and --password-file)");
  }
  if (u.path.find_first_of("?#") != std::string::npos) {
    return invalid("bad URL '" + shown(text) + "': no query or fragment");
  }
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return invalid("bad URL '" + shown(text) + "': missing ']'");
    u.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return invalid("bad URL '" + shown(text) + "': junk after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) return invalid("bad URL '" + shown(text) + "': empty port");
    }
  } else {
    size_t c = authority.rfind(':');
    u.host = authority.substr(0, c);
    if (c != std::string::npos) {
      port_text = authority.substr(c + 1);
      if (port_text.empty()) return invalid("bad URL '" + shown(text) + "': empty port");
    }
  }
  if (u.host.empty() || u.host.find_first_of(" \t/\\\"") != std::string::npos) {
    return invalid("bad URL '" + shown(text) + "': bad host");
  }
  u.port = u.scheme == "https" ? 443 : default_port;
  if (!port_text.empty()) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || v == 0 || v > 65535) {
      return invalid("bad URL '" + shown(text) + "': bad port '" + shown(port_text) + "'");
    }
    u.port = static_cast<uint16_t>(v);
  }
  return u;
}

struct HttpSession::Impl {
  Impl(const Url& server, const HttpOptions& o)
      : options(o), origin(server.origin()), client(make_client(server)) {
    // As a duration: httplib turns it into its own time_t (this file keeps
    // the C library's default time_t, which Debian's libcpp-httplib was built with).
    std::chrono::microseconds timeout(o.timeout_ns / 1000);
    client->set_connection_timeout(timeout);
    client->set_read_timeout(timeout);
    client->set_write_timeout(timeout);
    client->set_keep_alive(true);
    // Headers and body go out in separate writes: without TCP_NODELAY the body
    // waits for the delayed ACK of the headers (40 ms on Linux), which would
    // make the timed PUT late.
    client->set_tcp_nodelay(true);
    client->set_follow_location(false);
    if (server.scheme == "https") {
      client->enable_server_certificate_verification(!o.insecure);
      if (!o.ca_file.empty()) client->set_ca_cert_path(o.ca_file.c_str());
    }
  }

  OsResult<HttpResponse> send_once(const std::string& method, const std::string& path,
                                   const std::string& body, std::vector<std::string>* challenges) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    req.headers = {{"User-Agent", options.user_agent}, {"Accept", "application/json"}};
    if (challenge) {
      ++nc;
      req.headers.emplace("Authorization", digest::authorization(*challenge, options.user, options.password,
                                                                 method, path, nc, cnonce));
    }
    if (!body.empty() || method == "PUT" || method == "POST") {
      req.body = body;
      req.headers.emplace("Content-Type", "application/json");
    }
    std::string received;
    bool too_large = false;
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (received.size() + n > options.max_body) {
        too_large = true;
        return false;
      }
      received.append(data, n);
      return true;
    };
    httplib::Result r = client->send(req);
    if (too_large) {
      return http_error(HttpErrc::too_large,
                        origin + path + ": reply larger than " + std::to_string(options.max_body) + " bytes");
    }
    if (!r) return transport_error(r.error(), path);
    HttpResponse res;
    res.status = r->status;
    res.body = std::move(received);
    size_t n = r->get_header_value_count("WWW-Authenticate");
    for (size_t i = 0; i < n; ++i) challenges->push_back(r->get_header_value("WWW-Authenticate", i));
    return res;
  }

  Failure<Error> transport_error(httplib::Error e, const std::string& path) {
    std::string t = seconds_text(options.timeout_ns);
    switch (e) {
      case httplib::Error::Connection:
        return code_error(std::errc::connection_refused, "cannot connect to " + origin);
      case httplib::Error::ConnectionTimeout:
        return code_error(std::errc::timed_out, "no connection to " + origin + " within " + t);
      case httplib::Error::Read:
        return code_error(std::errc::timed_out, "no reply from " + origin + path + " within " + t +
                                                    ", or the connection was closed");
      case httplib::Error::Write: return code_error(std::errc::broken_pipe, "cannot send to " + origin);
      case httplib::Error::SSLConnection:
        return code_error(std::errc::protocol_error, "TLS handshake with " + origin + " failed");
      case httplib::Error::SSLLoadingCerts:
        return code_error(std::errc::invalid_argument, "cannot load the CA certificate " + options.ca_file);
      case httplib::Error::SSLServerVerification:
        return http_error(HttpErrc::certificate,
                          "cannot verify the certificate of " + origin +
                              (options.ca_file.empty() ? " (give --cacert FILE with the camera's certificate)"
                                                       : " against " + options.ca_file));
      default:
        return code_error(std::errc::io_error, "HTTP request to " + origin + " failed: " + to_string(e));
    }
  }

  OsResult<HttpResponse> request(const std::string& method, const std::string& path,
                                 const std::string& body) {
    std::vector<std::string> challenges;
    auto r = send_once(method, path, body, &challenges);
    if (!r || r->status != 401) return r;
    if (options.user.empty()) {
      return http_error(
          HttpErrc::auth_required,
          origin + " asks for a password (digest authentication): give --user and --password-file");
    }
    auto c = digest::choose_challenge(challenges);
    if (!c) return http_error(HttpErrc::bad_reply, origin + ": " + c.error().message);
    // A 401 to a request that carried a kept challenge: the nonce expired or
    // the device forgot it.  Answer the new challenge once; a 401 to that
    // means the credentials are wrong.
    challenge = *c;
    nc = 0;
    cnonce = digest::make_cnonce();
    challenges.clear();
    r = send_once(method, path, body, &challenges);
    if (r && r->status == 401) {
      return http_error(HttpErrc::auth_failed, origin + " refused the user name or password");
    }
    return r;
  }

  HttpOptions options;
  std::string origin;
  std::unique_ptr<httplib::ClientImpl> client;
  std::optional<digest::Challenge> challenge;
  uint32_t nc = 0;
  std::string cnonce;
};

HttpSession::HttpSession(const Url& server, const HttpOptions& options)
    : impl_(std::make_unique<Impl>(server, options)) {}
HttpSession::~HttpSession() = default;

OsResult<HttpResponse> HttpSession::request(const std::string& method, const std::string& path,
                                            const std::string& body) {
  return impl_->request(method, path, body);
}

const std::string& HttpSession::origin() const { return impl_->origin; }

}  // namespace lansync::os
