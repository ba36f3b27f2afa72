// SSDP discovery of CCAPI cameras; see net_ssdp.hpp.
#include "os/net_ssdp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "os/clock.hpp"
#include "os/log.hpp"
#include "os/net_address.hpp"
#include "os/net_udp.hpp"

namespace lansync::os {
namespace {

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return {};
  size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string decode_entities(const std::string& s) {
  static const std::pair<const char*, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool done = false;
    if (s[i] == '&') {
      for (auto& [name, c] : kEntities) {
        size_t n = std::char_traits<char>::length(name);
        if (s.compare(i, n, name) == 0) {
          out += c;
          i += n;
          done = true;
          break;
        }
      }
    }
    if (!done) out += s[i++];
  }
  return out;
}

// The headers after the first line, names lowercased, values trimmed; the last of a name wins.
std::map<std::string, std::string> parse_headers(const std::string& text, size_t pos) {
  std::map<std::string, std::string> headers;
  while (pos < text.size() && headers.size() < 32) {
    size_t end = text.find("\r\n", pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 2;
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return headers;
}

std::string header(const std::map<std::string, std::string>& h, const char* name) {
  auto it = h.find(name);
  return it == h.end() ? std::string() : it->second;
}

// A decimal number of at most 10 digits, nothing else.
std::optional<int64_t> small_number(const std::string& text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// CACHE-CONTROL's max-age directive ("max-age=1800", "max-age = 1800", among others).
std::optional<int64_t> max_age_of(const std::string& cache_control) {
  std::string cc = lower(cache_control);
  size_t at = cc.find("max-age");
  if (at == std::string::npos) return std::nullopt;
  size_t eq = cc.find('=', at);
  if (eq == std::string::npos) return std::nullopt;
  size_t end = cc.find_first_of(",;", eq);
  return small_number(trim(cc.substr(eq + 1, end == std::string::npos ? std::string::npos : end - eq - 1)));
}

std::optional<uint32_t> boot_id_of(const std::string& text) {
  auto v = small_number(text);
  if (!v || *v > 0x7fffffff) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

}  // namespace

bool ssdp_names_host(const std::string& url, const std::string& ip) {
  auto u = parse_url(url, 80);
  return u && u->host == ip;
}

std::string format_msearch(const std::string& st, int mx_s) {
  return "M-SEARCH * HTTP/1.1\r\nHOST: " + std::string(kSsdpGroup) + ":" + std::to_string(kSsdpPort) +
         "\r\nMAN: \"ssdp:discover\"\r\nMX: " + std::to_string(mx_s) + "\r\nST: " + st + "\r\n\r\n";
}

OsResult<SsdpResponse> parse_ssdp_response(const std::string& text) {
  size_t eol = text.find("\r\n");
  if (eol == std::string::npos) return invalid("SSDP answer without a status line");
  std::string status = text.substr(0, eol);
  if (status.rfind("HTTP/1.", 0) != 0 || status.find(" 200") == std::string::npos) {
    return invalid("SSDP answer is not 'HTTP/1.1 200 OK'");
  }
  auto h = parse_headers(text, eol + 2);
  SsdpResponse r;
  r.location = header(h, "location");
  r.st = header(h, "st");
  r.usn = header(h, "usn");
  r.max_age_s = max_age_of(header(h, "cache-control"));
  r.boot_id = boot_id_of(header(h, "bootid.upnp.org"));
  if (r.location.empty()) return invalid("SSDP answer without LOCATION");
  return r;
}

OsResult<SsdpNotify> parse_ssdp_notify(const std::string& text) {
  size_t eol = text.find("\r\n");
  if (eol == std::string::npos || text.compare(0, eol, "NOTIFY * HTTP/1.1") != 0)
    return invalid("not an SSDP NOTIFY");
  auto h = parse_headers(text, eol + 2);
  SsdpNotify n;
  n.nt = header(h, "nt");
  n.nts = header(h, "nts");
  n.usn = header(h, "usn");
  n.location = header(h, "location");
  n.max_age_s = max_age_of(header(h, "cache-control"));
  n.boot_id = boot_id_of(header(h, "bootid.upnp.org"));
  if (n.nt.empty() || n.nts.empty()) return invalid("SSDP NOTIFY without NT or NTS");
  return n;
}

std::string format_ssdp_notify(const std::string& nt, const std::string& nts, const std::string& usn,
                               const std::string& location, int max_age_s) {
  std::string m =
      "NOTIFY * HTTP/1.1\r\nHOST: " + std::string(kSsdpGroup) + ":" + std::to_string(kSsdpPort) + "\r\n";
  if (nts == "ssdp:alive") {
    m += "CACHE-CONTROL: max-age=" + std::to_string(max_age_s) + "\r\nLOCATION: " + location + "\r\n";
  }
  return m + "NT: " + nt + "\r\nNTS: " + nts + "\r\nUSN: " + usn + "\r\n\r\n";
}

std::string xml_element_text(const std::string& xml, const std::string& local_name) {
  for (size_t lt = xml.find('<'); lt != std::string::npos; lt = xml.find('<', lt + 1)) {
    size_t name_end = xml.find_first_of(" \t\r\n/>", lt + 1);
    if (name_end == std::string::npos) break;
    std::string name = xml.substr(lt + 1, name_end - lt - 1);
    if (size_t colon = name.find(':'); colon != std::string::npos) name = name.substr(colon + 1);
    if (name != local_name) continue;
    size_t gt = xml.find('>', name_end);
    if (gt == std::string::npos || xml[gt - 1] == '/') return {};
    size_t close = xml.find('<', gt + 1);
    if (close == std::string::npos) return {};
    return trim(decode_entities(xml.substr(gt + 1, close - gt - 1)));
  }
  return {};
}

namespace {

// Fetches each answer's device description and keeps the cameras whose
// X_accessURL is on the host that answered, one per access URL.
std::vector<DiscoveredCamera> describe_cameras(const std::map<std::string, std::string>& locations,
                                               const HttpOptions& http) {
  std::vector<DiscoveredCamera> cameras;
  for (const auto& [location, from] : locations) {
    auto url = parse_url(location, 80);
    if (!url) continue;
    HttpSession session(*url, http);
    auto res = session.request("GET", url->path.empty() ? "/" : url->path);
    if (!res || res->status != 200) {
      log::warn("cannot read the camera description {}: {}", location,
                res ? "HTTP " + std::to_string(res->status) : res.error().message);
      continue;
    }
    DiscoveredCamera c;
    c.access_url = xml_element_text(res->body, "X_accessURL");
    c.address = from;
    c.name = xml_element_text(res->body, "friendlyName");
    if (c.access_url.empty() || !ssdp_names_host(c.access_url, from)) {
      log::warn("ignoring {}: no X_accessURL on the host {} itself", location, from);
      continue;
    }
    bool seen = std::any_of(cameras.begin(), cameras.end(),
                            [&](const DiscoveredCamera& o) { return o.access_url == c.access_url; });
    if (!seen) cameras.push_back(c);
  }
  return cameras;
}

// Keeps an answer's LOCATION (with the address it came from) unless the answers are at their
// bound: a host flooding answers with new LOCATIONs would otherwise grow the map and have us
// fetch each description.  Warns once (capped).
void keep_answer(std::map<std::string, std::string>& locations, const std::string& location,
                 const std::string& from, bool& capped) {
  size_t from_sender = 0;
  for (const auto& [loc, addr] : locations) from_sender += addr == from ? 1u : 0u;
  if (locations.count(location) == 0 &&
      (locations.size() >= kMaxSsdpAnswers || from_sender >= kMaxSsdpAnswersPerHost)) {
    if (!capped)
      log::warn("SSDP: more answers than {} (or {} from {}): the rest are ignored", kMaxSsdpAnswers,
                kMaxSsdpAnswersPerHost, from);
    capped = true;
    return;
  }
  locations.emplace(location, from);
}

}  // namespace

OsResult<std::vector<DiscoveredCamera>> discover_cameras(int64_t wait_ns, const HttpOptions& http) {
  auto sock = UdpSocket::open(AF_INET);
  if (!sock) return fail(sock.error());
  auto group = resolve(HostPort{kSsdpGroup, kSsdpPort});
  if (!group) return fail(group.error());
  std::string msearch = format_msearch(kCcapiSsdpTarget, 2);
  const auto* bytes = reinterpret_cast<const uint8_t*>(msearch.data());

  // Answers, one per LOCATION, with the address each came from.
  std::map<std::string, std::string> locations;
  bool capped = false;
  const int64_t start_mono_ns = monotonic_ns();
  const int64_t deadline_mono_ns = start_mono_ns + wait_ns;
  constexpr int64_t kResendNs = 300'000'000;
  int sent = 0;
  for (;;) {
    int64_t mono_now_ns = monotonic_ns();
    // A second M-SEARCH after 300 ms, as UDP may lose the first.
    if (sent < 2 && mono_now_ns >= start_mono_ns + sent * kResendNs) {
      auto st = sock->send(bytes, msearch.size(), &group->front());
      if (!st && sent == 0)
        return fail(Error{st.error().code, "cannot send the SSDP search: " + st.error().message});
      ++sent;
    }
    mono_now_ns = monotonic_ns();
    if (mono_now_ns >= deadline_mono_ns) break;
    int64_t until_mono_ns =
        sent < 2 ? std::min<int64_t>(deadline_mono_ns, start_mono_ns + sent * kResendNs) : deadline_mono_ns;
    pollfd pfd{sock->fd(), POLLIN, 0};
    int timeout_ms = static_cast<int>(std::max<int64_t>(1, (until_mono_ns - mono_now_ns) / 1'000'000));
    if (::poll(&pfd, 1, timeout_ms) <= 0) continue;
    uint8_t buf[2048];
    auto d = sock->receive(buf, sizeof(buf) - 1);
    if (!d || d->truncated) continue;
    auto r = parse_ssdp_response(std::string(reinterpret_cast<const char*>(buf), d->size));
    if (!r || r->st != kCcapiSsdpTarget) continue;
    std::string from = d->from.ip();
    if (!ssdp_names_host(r->location, from)) {
      log::debug("ignoring an SSDP answer from {}: its LOCATION {} names another host", from, r->location);
      continue;
    }
    keep_answer(locations, r->location, from, capped);
  }
  return describe_cameras(locations, http);
}

}  // namespace lansync::os
