// Network addresses: "host", "host:port", "[v6addr]:port" as the user writes them,
// and the resolved socket address.
//
// Parsing is strict and says what is wrong ("bad port '70000' in ..."); a bare
// IPv6 address without brackets is taken as a host with the default port.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/access.hpp"
#include "os/error.hpp"

namespace lansync::os {

struct HostPort {
  std::string host;  // name or literal address, without brackets
  uint16_t port = 0;
};

// Parses host, host:port, [v6]:port, [v6] or a bare IPv6 literal.  Port 0 is
// accepted only when allow_port_zero is set (listening on any free port).
OsResult<HostPort> parse_host_port(const std::string& text, uint16_t default_port,
                                   bool allow_port_zero = false);

// A socket address of either family.
class SocketAddress {
 public:
  SocketAddress() = default;
  SocketAddress(const sockaddr* sa, socklen_t len);

  int family() const { return storage_.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t size() const { return size_; }
  socklen_t capacity() const { return sizeof(storage_); }
  void set_size(socklen_t n) { size_ = n; }

  uint16_t port() const;
  std::string ip() const;         // "192.0.2.1", "::1" (no brackets)
  std::string to_string() const;  // "192.0.2.1:123", "[::1]:123"
  // The IPv4 address in host order, as an NTP reference ID; 0 for IPv6.
  uint32_t ipv4() const;
  // The address as bytes, for access control and the client table.
  core::IpAddress ip_address() const;
  // The NTP reference ID naming this address (RFC 5905 §7.3): the IPv4
  // address, or for IPv6 the first four bytes of a SHA-256 of the address.
  uint32_t refid() const;

 private:
  sockaddr_storage storage_{};
  socklen_t size_ = 0;
};

// "192.0.2.1", "2001:db8::1": an address as text (inet_ntop); "" for none.
std::string to_text(const core::IpAddress& address);

// Parses "192.168.4.0/24", "fd00::/8" or a bare address (a /32 or /128).
OsResult<core::Cidr> parse_cidr(const std::string& text);

// Resolves a host (numeric or by name) to its addresses, numeric first.
// passive: for bind() (an empty host then means the wildcard).
OsResult<std::vector<SocketAddress>> resolve(const HostPort& hp, bool passive = false);
// hp's host as an address written out ("192.0.2.1", "::1"), never a name
// looked up: none when the host is a name.
std::optional<std::vector<SocketAddress>> resolve_numeric(const HostPort& hp);

}  // namespace lansync::os
