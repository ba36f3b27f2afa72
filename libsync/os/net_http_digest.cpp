// HTTP digest authentication; see net_http_digest.hpp.
#include "os/net_http_digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>
#include <optional>

#include "os/random.hpp"

namespace lansync::os::digest {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const unsigned char* p, size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 0xF];
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

// Splits "Digest k=v, ..." into the scheme and the rest.
bool split_scheme(std::string_view header, std::string_view want, std::string_view* rest) {
  size_t i = 0;
  while (i < header.size() && is_space(header[i])) ++i;
  if (header.size() - i < want.size() || lower(header.substr(i, want.size())) != lower(want)) return false;
  i += want.size();
  if (i < header.size() && !is_space(header[i])) return false;
  *rest = header.substr(i);
  return true;
}

OsResult<Algorithm> parse_algorithm(const std::string& name) {
  std::string n = lower(name);
  if (n == "md5") return Algorithm::Md5;
  if (n == "sha-256") return Algorithm::Sha256;
  return invalid("unsupported digest algorithm '" + shown(name) + "'");
}

// Quotes a value for a header parameter (RFC 7230 quoted-string).
std::string quoted_string(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

const char* algorithm_name(Algorithm a) { return a == Algorithm::Sha256 ? "SHA-256" : "MD5"; }

OsResult<std::map<std::string, std::string>> parse_params(std::string_view text) {
  // RFC 9110 §5.6: no control character but HTAB in a token or a quoted string (a CR or LF
  // taken into a realm or nonce would end the Authorization header that echoes it).
  for (char c : text) {
    if (control_char(c) && c != '\t') return invalid("malformed authentication header: a control character");
  }
  std::map<std::string, std::string> out;
  size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && (is_space(text[i]) || text[i] == ',')) ++i;
  };
  for (skip(); i < text.size(); skip()) {
    size_t name_start = i;
    while (i < text.size() && text[i] != '=' && text[i] != ',' && !is_space(text[i])) ++i;
    std::string name = lower(text.substr(name_start, i - name_start));
    while (i < text.size() && is_space(text[i])) ++i;
    if (name.empty() || i >= text.size() || text[i] != '=') {
      return invalid("malformed authentication header: expected name=value");
    }
    ++i;
    while (i < text.size() && is_space(text[i])) ++i;
    std::string value;
    if (i < text.size() && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '\\' && i < text.size()) {
          value += text[i++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) return invalid("malformed authentication header: unterminated quoted string");
    } else {
      size_t start = i;
      while (i < text.size() && text[i] != ',' && !is_space(text[i])) ++i;
      value = std::string(text.substr(start, i - start));
    }
    out[name] = value;
  }
  return out;
}

OsResult<Challenge> parse_challenge(std::string_view header) {
  std::string_view rest;
  if (!split_scheme(header, "Digest", &rest)) {
    std::string scheme(header.substr(0, header.find(' ')));
    return invalid("unsupported authentication scheme '" + shown(scheme) + "' (only Digest)");
  }
  auto params = parse_params(rest);
  if (!params) return fail(params.error());
  auto& p = *params;
  if (!p.count("realm") || !p.count("nonce")) return invalid("digest challenge without realm or nonce");
  Challenge c;
  c.realm = p["realm"];
  c.nonce = p["nonce"];
  c.opaque = p.count("opaque") ? p["opaque"] : "";
  c.stale = lower(p.count("stale") ? p["stale"] : "") == "true";
  if (p.count("algorithm")) {
    auto a = parse_algorithm(p["algorithm"]);
    if (!a) return fail(a.error());
    c.algorithm = *a;
  }
  if (p.count("qop")) {
    // A list such as "auth,auth-int"; we answer with auth only.
    std::string qops = lower(p["qop"]);
    size_t start = 0;
    while (start <= qops.size()) {
      size_t end = qops.find(',', start);
      if (end == std::string::npos) end = qops.size();
      std::string one = qops.substr(start, end - start);
      one.erase(0, one.find_first_not_of(" \t"));
      one.erase(one.find_last_not_of(" \t") + 1);
      if (one == "auth") c.qop_auth = true;
      start = end + 1;
    }
    if (!c.qop_auth) return invalid("digest challenge offers qop '" + shown(p["qop"]) + "' but not auth");
  }
  return c;
}

OsResult<Challenge> choose_challenge(const std::vector<std::string>& headers) {
  std::optional<Challenge> best;
  std::optional<Error> first_error;
  for (const std::string& h : headers) {
    auto c = parse_challenge(h);
    if (!c) {
      if (!first_error) first_error = c.error();
      continue;
    }
    if (!best || (c->algorithm == Algorithm::Sha256 && best->algorithm != Algorithm::Sha256)) best = *c;
  }
  if (best) return *best;
  if (first_error) return fail(*first_error);
  return invalid("401 without a WWW-Authenticate challenge");
}

std::string hash_hex(Algorithm a, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const EVP_MD* type = a == Algorithm::Sha256 ? EVP_sha256() : EVP_md5();
  if (EVP_Digest(data.data(), data.size(), md, &len, type, nullptr) != 1) return {};
  return to_hex(md, len);
}

std::string response(Algorithm a, std::string_view user, std::string_view realm, std::string_view password,
                     std::string_view method, std::string_view uri, std::string_view nonce,
                     std::string_view nc, std::string_view cnonce, bool qop_auth) {
  std::string ha1 = hash_hex(a, std::string(user) + ":" + std::string(realm) + ":" + std::string(password));
  std::string ha2 = hash_hex(a, std::string(method) + ":" + std::string(uri));
  if (!qop_auth) return hash_hex(a, ha1 + ":" + std::string(nonce) + ":" + ha2);
  return hash_hex(
      a, ha1 + ":" + std::string(nonce) + ":" + std::string(nc) + ":" + std::string(cnonce) + ":auth:" + ha2);
}

std::string authorization(const Challenge& c, std::string_view user, std::string_view password,
                          std::string_view method, std::string_view uri, uint32_t nc,
                          std::string_view cnonce) {
  char nc_hex[9];
  for (int i = 7; i >= 0; --i, nc >>= 4) nc_hex[i] = kHex[nc & 0xF];
  nc_hex[8] = '\0';
  std::string r =
      response(c.algorithm, user, c.realm, password, method, uri, c.nonce, nc_hex, cnonce, c.qop_auth);
  std::string out = "Digest username=" + quoted_string(user) + ", realm=" + quoted_string(c.realm) +
                    ", nonce=" + quoted_string(c.nonce) + ", uri=" + quoted_string(uri) +
                    ", algorithm=" + algorithm_name(c.algorithm);
  if (c.qop_auth) out += ", qop=auth, nc=" + std::string(nc_hex) + ", cnonce=" + quoted_string(cnonce);
  out += ", response=" + quoted_string(r);
  if (!c.opaque.empty()) out += ", opaque=" + quoted_string(c.opaque);
  return out;
}

std::string make_cnonce() {
  unsigned char b[16];
  random_bytes(b, sizeof(b));
  return to_hex(b, sizeof(b));
}

OsResult<Credentials> parse_authorization(std::string_view header) {
  std::string_view rest;
  if (!split_scheme(header, "Digest", &rest)) return invalid("not a Digest authorization");
  auto params = parse_params(rest);
  if (!params) return fail(params.error());
  auto& p = *params;
  for (const char* need : {"username", "realm", "nonce", "uri", "response"}) {
    if (!p.count(need)) return invalid(std::string("digest authorization without ") + need);
  }
  Credentials c;
  c.username = p["username"];
  c.realm = p["realm"];
  c.nonce = p["nonce"];
  c.uri = p["uri"];
  c.response = p["response"];
  c.cnonce = p.count("cnonce") ? p["cnonce"] : "";
  c.nc = p.count("nc") ? p["nc"] : "";
  c.qop = p.count("qop") ? lower(p["qop"]) : "";
  c.opaque = p.count("opaque") ? p["opaque"] : "";
  if (p.count("algorithm")) {
    auto a = parse_algorithm(p["algorithm"]);
    if (!a) return fail(a.error());
    c.algorithm = *a;
  }
  if (!c.qop.empty() && (c.qop != "auth" || c.cnonce.empty() || c.nc.size() != 8)) {
    return invalid("digest authorization with qop but without auth, cnonce or an 8-digit nc");
  }
  return c;
}

bool verify(const Credentials& c, std::string_view password, std::string_view method) {
  std::string want = response(c.algorithm, c.username, c.realm, password, method, c.uri, c.nonce, c.nc,
                              c.cnonce, c.qop == "auth");
  return want.size() == c.response.size() && CRYPTO_memcmp(want.data(), c.response.data(), want.size()) == 0;
}

}  // namespace lansync::os::digest
