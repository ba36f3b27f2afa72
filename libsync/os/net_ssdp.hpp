// Finding Canon cameras on the LAN by SSDP (UPnP discovery), for camsync --discover.
//
// An M-SEARCH for urn:schemas-canon-com:service:ICPO-CameraControlAPIService:1
// goes to 239.255.255.250:1900; each camera answers by unicast with a
// LOCATION header naming its UPnP description, whose <ns:X_accessURL> is the
// CCAPI base URL (e.g. http://192.168.1.2:8080/ccapi).  Anyone on the LAN can
// answer, so an answer counts only when its LOCATION and access URL name the
// address it came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "os/error.hpp"
#include "os/net_http.hpp"

namespace lansync::os {

inline constexpr const char* kCcapiSsdpTarget =
    "urn:schemas-canon-com:service:ICPO-CameraControlAPIService:1";
inline constexpr const char* kSsdpGroup = "239.255.255.250";
inline constexpr uint16_t kSsdpPort = 1900;

// The M-SEARCH request for search target st, answers spread over mx_s seconds.
std::string format_msearch(const std::string& st, int mx_s);

// An SSDP answer: its status line and the headers we use.
struct SsdpResponse {
  std::string location;
  std::string st;
  std::string usn;
  std::optional<int64_t> max_age_s;  // CACHE-CONTROL max-age: how long the answer holds, s
  std::optional<uint32_t> boot_id;   // BOOTID.UPNP.ORG (UPnP 1.1): changes when the device reboots
};

// Parses an answer to an M-SEARCH ("HTTP/1.1 200 OK" and headers, names in any case).
OsResult<SsdpResponse> parse_ssdp_response(const std::string& text);

// An SSDP announcement (NOTIFY * HTTP/1.1): a device joins (NTS ssdp:alive, with LOCATION and
// CACHE-CONTROL) or leaves (ssdp:byebye) for the notification type NT.
struct SsdpNotify {
  std::string nt;
  std::string nts;  // "ssdp:alive", "ssdp:byebye", "ssdp:update"
  std::string usn;
  std::string location;  // empty in a byebye
  std::optional<int64_t> max_age_s;
  std::optional<uint32_t> boot_id;
};

// Parses a NOTIFY ("NOTIFY * HTTP/1.1" and headers, names in any case); NT and NTS are required.
OsResult<SsdpNotify> parse_ssdp_notify(const std::string& text);

// The NOTIFY a device sends for notification type nt (e.g. kCcapiSsdpTarget) with nts
// "ssdp:alive" (location and max_age_s given) or "ssdp:byebye" (both ignored).
std::string format_ssdp_notify(const std::string& nt, const std::string& nts, const std::string& usn,
                               const std::string& location, int max_age_s);

// Whether url (a LOCATION, an X_accessURL) names the host ip itself: what an answer or an
// announcement must do to count, as anyone on the LAN can send one.
bool ssdp_names_host(const std::string& url, const std::string& ip);

// The text of the first element with this local name (any namespace prefix),
// entities decoded, whitespace trimmed; empty when there is none.
std::string xml_element_text(const std::string& xml, const std::string& local_name);

struct DiscoveredCamera {
  std::string access_url;  // X_accessURL, e.g. http://192.168.1.2:8080/ccapi
  std::string address;     // where the SSDP answer came from
  std::string name;        // friendlyName, e.g. "Canon EOS R6"
};

// Distinct answers (LOCATIONs) kept from one search, in all and from one host.
inline constexpr size_t kMaxSsdpAnswers = 16;
inline constexpr size_t kMaxSsdpAnswersPerHost = 2;

// Sends the M-SEARCH (twice, against loss), collects answers for wait_ns (at
// most kMaxSsdpAnswers, kMaxSsdpAnswersPerHost from one host: the rest are
// ignored, with one warning), fetches each description with http (its
// timeout applies) and returns the cameras found, one per access URL.
OsResult<std::vector<DiscoveredCamera>> discover_cameras(int64_t wait_ns, const HttpOptions& http);

}  // namespace lansync::os
