// Address parsing and resolution; see net_address.hpp.
#include "os/net_address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sodium.h>

#include <charconv>
#include <cstring>

namespace lansync::os {
namespace {

OsResult<uint16_t> parse_port(const std::string& port, const std::string& text, bool allow_zero) {
  unsigned value = 0;
  const char* first = port.data();
  const char* last = port.data() + port.size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (port.empty() || ec != std::errc() || ptr != last || value > 65535 || (value == 0 && !allow_zero)) {
    return invalid("bad port '" + shown(port) + "' in '" + shown(text) + "'");
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

OsResult<HostPort> parse_host_port(const std::string& text, uint16_t default_port, bool allow_port_zero) {
  HostPort hp;
  hp.port = default_port;
  if (text.empty()) return invalid("empty address");
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) return invalid("missing ']' in '" + shown(text) + "'");
    hp.host = text.substr(1, close - 1);
    std::string rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return invalid("unexpected '" + shown(rest) + "' after ']' in '" + shown(text) + "'");
      auto port = parse_port(rest.substr(1), text, allow_port_zero);
      if (!port) return fail(port.error());
      hp.port = *port;
    }
  } else {
    auto first = text.find(':');
    if (first != std::string::npos && first == text.rfind(':')) {
      hp.host = text.substr(0, first);
      auto port = parse_port(text.substr(first + 1), text, allow_port_zero);
      if (!port) return fail(port.error());
      hp.port = *port;
    } else {
      hp.host = text;  // no colon, or a bare IPv6 literal
    }
  }
  if (hp.host.empty()) return invalid("missing host in '" + shown(text) + "'");
  if (hp.host.find_first_of(" \t[]") != std::string::npos)
    return invalid("bad host in '" + shown(text) + "'");
  return hp;
}

SocketAddress::SocketAddress(const sockaddr* sa, socklen_t len) {
  size_ = len < sizeof(storage_) ? len : static_cast<socklen_t>(sizeof(storage_));
  std::memcpy(&storage_, sa, size_);
}

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string SocketAddress::ip() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof(buf));
  } else if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

std::string SocketAddress::to_string() const {
  std::string port = std::to_string(this->port());
  return family() == AF_INET6 ? "[" + ip() + "]:" + port : ip() + ":" + port;
}

uint32_t SocketAddress::ipv4() const {
  if (family() != AF_INET) return 0;
  return ntohl(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr);
}

core::IpAddress SocketAddress::ip_address() const {
  core::IpAddress a;
  if (family() == AF_INET) {
    a.family = 4;
    std::memcpy(a.bytes, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, 4);
  } else if (family() == AF_INET6) {
    a.family = 6;
    std::memcpy(a.bytes, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, 16);
  }
  return a;
}

uint32_t SocketAddress::refid() const {
  if (family() == AF_INET) return ipv4();
  core::IpAddress a = ip_address();
  uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, a.bytes, 16);
  return (uint32_t{digest[0]} << 24) | (uint32_t{digest[1]} << 16) | (uint32_t{digest[2]} << 8) | digest[3];
}

OsResult<core::Cidr> parse_cidr(const std::string& text) {
  core::Cidr c;
  std::string addr = text;
  int prefix = -1;
  if (auto slash = text.find('/'); slash != std::string::npos) {
    addr = text.substr(0, slash);
    std::string bits = text.substr(slash + 1);
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), v);
    if (bits.empty() || ec != std::errc() || ptr != bits.data() + bits.size() || v > 128) {
      return invalid("bad prefix length in '" + shown(text) + "'");
    }
    prefix = static_cast<int>(v);
  }
  if (inet_pton(AF_INET, addr.c_str(), c.base.bytes) == 1) {
    c.base.family = 4;
    if (prefix > 32) return invalid("bad prefix length in '" + shown(text) + "' (IPv4 allows 0-32)");
    c.prefix_len = static_cast<uint8_t>(prefix < 0 ? 32 : prefix);
  } else if (inet_pton(AF_INET6, addr.c_str(), c.base.bytes) == 1) {
    c.base.family = 6;
    c.prefix_len = static_cast<uint8_t>(prefix < 0 ? 128 : prefix);
  } else {
    return invalid("bad address in '" + shown(text) + "' (expected e.g. 192.168.4.0/24 or fd00::/8)");
  }
  return c;
}

std::string to_text(const core::IpAddress& address) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (address.family != 4 && address.family != 6) return "";
  int af = address.family == 4 ? AF_INET : AF_INET6;
  return ::inet_ntop(af, address.bytes, buf, sizeof(buf)) != nullptr ? buf : "";
}

namespace {

// getaddrinfo's answer for hp with these flags (AI_NUMERICSERV added).
OsResult<std::vector<SocketAddress>> lookup(const HostPort& hp, int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV | flags;
  addrinfo* list = nullptr;
  std::string port = std::to_string(hp.port);
  int rc = getaddrinfo(hp.host.empty() ? nullptr : hp.host.c_str(), port.c_str(), &hints, &list);
  if (rc != 0) {
    return fail(Error{std::make_error_code(std::errc::host_unreachable),
                      "cannot resolve '" + shown(hp.host) + "': " + gai_strerror(rc)});
  }
  std::vector<SocketAddress> out;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    out.emplace_back(ai->ai_addr, ai->ai_addrlen);
  }
  freeaddrinfo(list);
  if (out.empty()) return code_error(std::errc::host_unreachable, "no address for '" + shown(hp.host) + "'");
  return out;
}

}  // namespace

OsResult<std::vector<SocketAddress>> resolve(const HostPort& hp, bool passive) {
  return lookup(hp, passive ? AI_PASSIVE : 0);
}

std::optional<std::vector<SocketAddress>> resolve_numeric(const HostPort& hp) {
  if (hp.host.empty()) return std::nullopt;
  auto addresses = lookup(hp, AI_NUMERICHOST);
  if (!addresses) return std::nullopt;
  return std::move(*addresses);
}

}  // namespace lansync::os
