// Hearing a Canon camera on the LAN by SSDP, for camsync --watch: its announcements and its answers.
//
// A listener binds 0.0.0.0:1900 (SO_REUSEADDR: other SSDP listeners on this machine share the
// port) and joins 239.255.255.250 on every IPv4 interface that is up and multicast-capable, again
// as interfaces come up (an access point ap0 made after boot); a second socket, on a port of its
// own, sends M-SEARCHes on each of those interfaces and gets their unicast answers (which a shared
// port 1900 would hand to whichever listener bound it last).  classify_camera_ssdp() says what a
// datagram tells of the camera: only the CCAPI service type counts, and an announcement or answer
// counts only when its LOCATION names the address it came from (as camsync --discover requires);
// the LOCATION itself is never fetched, so a datagram can start a run but never say where it goes.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/camera_watch.hpp"
#include "os/error.hpp"
#include "os/net_udp.hpp"

namespace lansync::os {

// What one SSDP datagram says of the camera.
struct CameraSsdp {
  std::optional<core::SsdpEvent> event;  // none: it says nothing of the camera (why_not says why)
  std::optional<int64_t> max_age_s;      // CACHE-CONTROL max-age
  std::optional<uint32_t> boot_id;       // BOOTID.UPNP.ORG
  const char* why_not = "";              // "not a NOTIFY or an answer", "another service", ...
};

// Classifies a datagram's text received from the address from (as text): a NOTIFY ssdp:alive or an
// answer for kCcapiSsdpTarget whose LOCATION names from, or a NOTIFY ssdp:byebye for it.
CameraSsdp classify_camera_ssdp(const std::string& text, const std::string& from);

class SsdpListener {
 public:
  // Opens both sockets; join_interfaces() then joins the group.
  static OsResult<SsdpListener> open();

  // The two descriptors to poll for input.
  int group_fd() const { return group_.fd(); }
  int search_fd() const { return search_.fd(); }

  // Joins the group on the interfaces that are up, multicast-capable and not joined yet (at most
  // 64 in all); returns their names.
  std::vector<std::string> join_interfaces();
  // How many interfaces it listens on.
  size_t interfaces() const { return joined_.size(); }

  // Sends an M-SEARCH for kCcapiSsdpTarget on each joined interface; fails only when none went.
  Status search();

  struct Datagram {
    std::string text;
    std::string from;  // the sender's address as text
  };
  // One datagram waiting on either socket (at most 2048 bytes; a longer one is dropped); none when
  // neither has one.
  std::optional<Datagram> receive();

 private:
  std::optional<Datagram> receive_from(UdpSocket& socket);

  UdpSocket group_;
  UdpSocket search_;
  std::set<int> joined_;  // interface indexes
};

}  // namespace lansync::os
