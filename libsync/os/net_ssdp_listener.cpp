// Hearing a Canon camera by SSDP; see net_ssdp_listener.hpp.
#include "os/net_ssdp_listener.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include "os/log.hpp"
#include "os/net_address.hpp"
#include "os/net_ssdp.hpp"

namespace lansync::os {
namespace {

constexpr size_t kMaxJoined = 64;
constexpr size_t kMaxDatagram = 2048;

ip_mreqn group_on(int ifindex) {
  ip_mreqn m{};
  ::inet_pton(AF_INET, kSsdpGroup, &m.imr_multiaddr);
  m.imr_ifindex = ifindex;
  return m;
}

CameraSsdp from_notify(const SsdpNotify& n, const std::string& from) {
  CameraSsdp c;
  if (n.nt != kCcapiSsdpTarget) {
    c.why_not = "an announcement of another service";
  } else if (n.nts == "ssdp:byebye") {
    c.event = core::SsdpEvent::Byebye;
  } else if (n.nts != "ssdp:alive") {
    c.why_not = "an announcement neither alive nor byebye";
  } else if (!ssdp_names_host(n.location, from)) {
    c.why_not = "an announcement whose LOCATION names another host";
  } else {
    c.event = core::SsdpEvent::Alive;
    c.max_age_s = n.max_age_s;
    c.boot_id = n.boot_id;
  }
  return c;
}

}  // namespace

CameraSsdp classify_camera_ssdp(const std::string& text, const std::string& from) {
  if (text.rfind("NOTIFY ", 0) == 0) {
    auto n = parse_ssdp_notify(text);
    if (!n) return CameraSsdp{{}, {}, {}, "a malformed NOTIFY"};
    return from_notify(*n, from);
  }
  if (text.rfind("HTTP/1.", 0) != 0) return CameraSsdp{{}, {}, {}, "not an announcement or an answer"};
  auto r = parse_ssdp_response(text);
  if (!r) return CameraSsdp{{}, {}, {}, "a malformed answer"};
  if (r->st != kCcapiSsdpTarget) return CameraSsdp{{}, {}, {}, "an answer for another service"};
  if (!ssdp_names_host(r->location, from))
    return CameraSsdp{{}, {}, {}, "an answer whose LOCATION names another host"};
  return CameraSsdp{core::SsdpEvent::Answer, r->max_age_s, r->boot_id, ""};
}

OsResult<SsdpListener> SsdpListener::open() {
  SsdpListener l;
  UdpSocket::Options shared;
  shared.reuse_address = true;
  auto group = UdpSocket::open(AF_INET, shared);
  if (!group) return fail(group.error());
  auto any = resolve(HostPort{"0.0.0.0", kSsdpPort}, true);
  if (!any) return fail(any.error());
  if (auto st = group->bind(any->front()); !st)
    return fail(Error{st.error().code, "cannot listen for SSDP on port 1900: " + st.error().message});
  auto search = UdpSocket::open(AF_INET);
  if (!search) return fail(search.error());
  l.group_ = std::move(*group);
  l.search_ = std::move(*search);
  return l;
}

std::vector<std::string> SsdpListener::join_interfaces() {
  std::vector<std::string> names;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return names;
  for (ifaddrs* i = list; i != nullptr && joined_.size() < kMaxJoined; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    if ((i->ifa_flags & IFF_UP) == 0 || (i->ifa_flags & IFF_MULTICAST) == 0) continue;
    int index = static_cast<int>(::if_nametoindex(i->ifa_name));
    if (index == 0 || joined_.count(index) != 0) continue;
    ip_mreqn m = group_on(index);
    if (::setsockopt(group_.fd(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) != 0 && errno != EADDRINUSE) {
      log::warn("SSDP: cannot join {} on {}: {}", kSsdpGroup, i->ifa_name, std::strerror(errno));
      continue;
    }
    joined_.insert(index);
    names.emplace_back(i->ifa_name);
  }
  ::freeifaddrs(list);
  return names;
}

Status SsdpListener::search() {
  auto group = resolve(HostPort{kSsdpGroup, kSsdpPort});
  if (!group) return fail(group.error());
  std::string m = format_msearch(kCcapiSsdpTarget, 2);
  size_t sent = 0;
  Error last{std::make_error_code(std::errc::no_such_device), "no interface to search on"};
  for (int index : joined_) {
    ip_mreqn via = group_on(index);
    if (::setsockopt(search_.fd(), IPPROTO_IP, IP_MULTICAST_IF, &via, sizeof(via)) != 0) continue;
    auto st = search_.send(reinterpret_cast<const uint8_t*>(m.data()), m.size(), &group->front());
    if (st) {
      ++sent;
    } else {
      last = st.error();
    }
  }
  if (sent == 0) return fail(last);
  return ok();
}

std::optional<SsdpListener::Datagram> SsdpListener::receive() {
  if (auto d = receive_from(group_)) return d;
  return receive_from(search_);
}

std::optional<SsdpListener::Datagram> SsdpListener::receive_from(UdpSocket& socket) {
  uint8_t buf[kMaxDatagram];
  // Oversized datagrams are skipped, a bounded number of them per call.
  for (int i = 0; i < 16; ++i) {
    auto d = socket.receive(buf, sizeof(buf));
    if (!d) return std::nullopt;
    if (d->truncated) continue;
    return Datagram{std::string(reinterpret_cast<const char*>(buf), d->size), d->from.ip()};
  }
  return std::nullopt;
}

}  // namespace lansync::os
