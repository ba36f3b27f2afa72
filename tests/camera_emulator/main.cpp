// camera_emulator: a Canon camera's Camera Control API (date and time only), for testing camsync.
//
// It behaves as tests/reference say a camera does: its own clock (a fake start
// or an offset from this machine's clock, read only) drifting at a chosen ppm;
// GET /ccapi in the "path" or the older "url" form; GET and PUT
// /ccapi/ver100/functions/datetime with the dst rule, strict about PUT bodies
// (400 {"message":"Invalid parameter"}); switchable 503 states and malformed
// replies; digest authentication (MD5, SHA-256 or both offered); HTTPS with a
// given certificate; one request at a time; SSDP answers on the loopback, and
// announcements as a camera joining the network sends them (NOTIFY ssdp:alive
// from its address when it starts and when a test asks, ssdp:byebye when it stops).
// Tests steer it and read its true offset through /emulator/... (no auth).
#include <arpa/inet.h>
#include <httplib.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "codec/ccapi_date.hpp"
#include "os/clock.hpp"
#include "os/net_address.hpp"
#include "os/net_http_digest.hpp"
#include "os/net_ssdp.hpp"
#include "os/random.hpp"

namespace {

using json = nlohmann::json;
using namespace lansync;

constexpr int64_t kS = 1'000'000'000;
constexpr const char* kDatetime = "/ccapi/ver100/functions/datetime";

struct Options {
  std::string listen = "127.0.0.1:8080";
  double offset_s = 0;
  int64_t start_unix = -1;  // >= 0: a fake clock starting at this UTC second
  double ppm = 0;
  std::string zone = "+0000";
  bool dst = false;
  std::string listing = "path";
  bool read_only = false;
  int busy = 0;
  std::string busy_message = "Device busy";
  std::string malformed = "none";
  std::string user, password, algorithm = "sha256";
  std::string cert, key;
  bool ssdp = false;
  bool hang = false;
};

// The camera's clock: base + elapsed monotonic time, scaled by (1 + ppm).
class CameraClock {
 public:
  CameraClock(int64_t camera_ns, double ppm) : ppm_(ppm) { set(camera_ns); }
  int64_t now_ns() const {
    int64_t e = os::monotonic_ns() - base_mono_ns_;
    return base_camera_ns_ + e + std::llround(static_cast<double>(e) * ppm_ * 1e-6);
  }
  // A set starts the new second at once, like an RTC's countdown chain.
  void set(int64_t camera_ns) {
    base_camera_ns_ = camera_ns;
    base_mono_ns_ = os::monotonic_ns();
  }

 private:
  double ppm_;
  int64_t base_camera_ns_ = 0;
  int64_t base_mono_ns_ = 0;
};

struct Camera {
  std::mutex mu;
  CameraClock clock{0, 0};
  int16_t zone_min = 0;
  bool dst = false;
  int busy = 0;
  std::string busy_message;
  std::string malformed;
  int puts = 0;
  int requests = 0;
  std::string last_put;
  std::set<std::string> nonces;
  int in_flight = 0;
  int max_in_flight = 0;
};

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && (a < 0)); }

std::string date_text(int64_t unix_s, int16_t zone_min, bool dst) {
  auto d = codec::ccapi_date_from_unix(unix_s, zone_min, dst);
  if (!d) return {};
  char buf[40];
  auto n = codec::format_ccapi_date(*d, buf, sizeof(buf));
  return n ? std::string(buf, *n) : std::string();
}

void reply_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

json listing(const Options& o, const std::string& host) {
  auto entry = [&](const std::string& path, bool put) {
    json e;
    if (o.listing == "url") {
      e["url"] = host + path;
    } else {
      e["path"] = path;
    }
    e["get"] = true;
    e["put"] = put;
    e["post"] = false;
    e["delete"] = false;
    return e;
  };
  json j;
  j["ver100"] = json::array({entry("/ccapi/ver100/deviceinformation", false), entry(kDatetime, !o.read_only),
                             entry("/ccapi/ver100/functions/autopoweroff", true)});
  j["ver110"] = json::array({entry("/ccapi/ver110/devicestatus/storage", false)});
  return j;
}

// Digest authentication as a camera with a password does it.  Returns true when the request may go on.
bool authorized(const Options& o, Camera& cam, const httplib::Request& req, httplib::Response& res) {
  if (o.user.empty()) return true;
  std::string header = req.get_header_value("Authorization");
  if (!header.empty()) {
    auto c = os::digest::parse_authorization(header);
    std::lock_guard lock(cam.mu);
    if (c && c->username == o.user && c->realm == "Camera Control API" && cam.nonces.count(c->nonce) &&
        c->uri == req.target && os::digest::verify(*c, o.password, req.method)) {
      return true;
    }
  }
  std::string nonce;
  {
    unsigned char b[16];
    os::random_bytes(b, sizeof(b));
    for (unsigned char x : b) nonce += "0123456789abcdef"[x >> 4], nonce += "0123456789abcdef"[x & 15];
    std::lock_guard lock(cam.mu);
    if (cam.nonces.size() > 1000) cam.nonces.clear();
    cam.nonces.insert(nonce);
  }
  auto challenge = [&](const char* algorithm) {
    return std::string("Digest realm=\"Camera Control API\", qop=\"auth\", algorithm=") + algorithm +
           ", nonce=\"" + nonce + "\", opaque=\"ccapi\"";
  };
  if (o.algorithm == "sha256" || o.algorithm == "both")
    res.headers.emplace("WWW-Authenticate", challenge("SHA-256"));
  if (o.algorithm == "md5" || o.algorithm == "both")
    res.headers.emplace("WWW-Authenticate", challenge("MD5"));
  reply_json(res, 401, json{{"message", "Unauthorized"}});
  return false;
}

// A 503 while the camera is switched busy.
bool busy(Camera& cam, httplib::Response& res) {
  std::lock_guard lock(cam.mu);
  if (cam.busy == 0) return false;
  if (cam.busy > 0) --cam.busy;
  reply_json(res, 503, json{{"message", cam.busy_message}});
  return true;
}

void get_datetime(Camera& cam, httplib::Response& res) {
  std::lock_guard lock(cam.mu);
  std::string text = date_text(floor_div(cam.clock.now_ns(), kS), cam.zone_min, cam.dst);
  if (cam.malformed == "not-json") {
    res.status = 200;
    res.set_content("<html>busy</html>", "text/html");
  } else if (cam.malformed == "bad-date") {
    reply_json(res, 200, json{{"datetime", "2019-01-01T01:23:45+09:00"}, {"dst", cam.dst}});
  } else if (cam.malformed == "dst-string") {
    reply_json(res, 200, json{{"datetime", text}, {"dst", cam.dst ? "true" : "false"}});
  } else if (cam.malformed == "missing-dst") {
    reply_json(res, 200, json{{"datetime", text}});
  } else {
    reply_json(res, 200, json{{"datetime", text}, {"dst", cam.dst}});
  }
}

void put_datetime(Camera& cam, const httplib::Request& req, httplib::Response& res) {
  std::lock_guard lock(cam.mu);
  json j = json::parse(req.body, nullptr, false);
  auto invalid = [&] { reply_json(res, 400, json{{"message", "Invalid parameter"}}); };
  if (!j.is_object() || j.size() != 2 || !j.contains("datetime") || !j.contains("dst") ||
      !j["datetime"].is_string() || !j["dst"].is_boolean()) {
    return invalid();
  }
  std::string text = j["datetime"].get<std::string>();
  auto d = codec::parse_ccapi_date(text.data(), text.size());
  if (!d) return invalid();
  bool dst = j["dst"].get<bool>();
  auto unix_s = codec::ccapi_date_to_unix(*d, dst);
  if (!unix_s) return invalid();
  cam.clock.set(*unix_s * kS);
  cam.zone_min = d->zone_min;
  cam.dst = dst;
  ++cam.puts;
  cam.last_put = req.body;
  reply_json(res, 200, json::object());
}

constexpr const char* kUuid = "uuid:00000000-0000-0000-0001-00000000cafe";

// Announces the camera (nts ssdp:alive or ssdp:byebye) to the SSDP group, from its own address
// (host): a NOTIFY for each of the types a Canon camera names, the CCAPI service last.
void announce(const std::string& host, const std::string& location, const char* nts) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, host.c_str(), &from.sin_addr);
  sockaddr_in group{};
  group.sin_family = AF_INET;
  group.sin_port = htons(os::kSsdpPort);
  ::inet_pton(AF_INET, os::kSsdpGroup, &group.sin_addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0 ||
      ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &from.sin_addr, sizeof(from.sin_addr)) != 0) {
    std::perror("camera_emulator: SSDP announcement");
    if (fd >= 0) ::close(fd);
    return;
  }
  const std::string types[] = {"upnp:rootdevice", kUuid, os::kCcapiSsdpTarget};
  for (const auto& nt : types) {
    std::string usn = nt == kUuid ? nt : std::string(kUuid) + "::" + nt;
    std::string m = os::format_ssdp_notify(nt, nts, usn, location, 1800);
    ::sendto(fd, m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&group), sizeof(group));
  }
  ::close(fd);
  std::printf("camera_emulator: announced %s\n", nts);
  std::fflush(stdout);
}

// Answers M-SEARCHes for the CCAPI (or ssdp:all) on the loopback's multicast group.
void ssdp_loop(const std::string& location, std::atomic<bool>& stop) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_port = htons(os::kSsdpPort);
  any.sin_addr.s_addr = htonl(INADDR_ANY);
  ip_mreqn mreq{};
  ::inet_pton(AF_INET, os::kSsdpGroup, &mreq.imr_multiaddr);
  mreq.imr_ifindex = static_cast<int>(::if_nametoindex("lo"));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof(any)) != 0 ||
      ::setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) != 0) {
    std::perror("camera_emulator: SSDP");
    std::exit(1);
  }
  std::printf("camera_emulator: answering SSDP on %s:%u\n", os::kSsdpGroup, os::kSsdpPort);
  std::fflush(stdout);
  while (!stop) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[2048];
    sockaddr_in from{};
    socklen_t len = sizeof(from);
    ssize_t n = ::recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) continue;
    std::string m(buf, static_cast<size_t>(n));
    if (m.rfind("M-SEARCH", 0) != 0) continue;
    if (m.find(os::kCcapiSsdpTarget) == std::string::npos && m.find("ssdp:all") == std::string::npos)
      continue;
    std::string answer =
        "HTTP/1.1 200 OK\r\nCache-Control: max-age=1800\r\nEXT:\r\nLocation: " + location +
        "\r\nServer: Camera OS/1.0 UPnP/1.0 Canon Device Discovery/1.0\r\nST: " + os::kCcapiSsdpTarget +
        "\r\nUSN: " + kUuid + "::" + os::kCcapiSsdpTarget + "\r\n\r\n";
    ::sendto(fd, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Emulates a Canon camera's CCAPI date/time for tests.", "camera_emulator"};
  app.add_option("--listen", o.listen, "ADDR:PORT")->capture_default_str();
  app.add_option("--offset", o.offset_s, "camera minus this machine's clock, seconds");
  app.add_option("--start", o.start_unix, "start the camera's clock at this Unix second instead");
  app.add_option("--ppm", o.ppm, "camera clock rate error, positive: fast");
  app.add_option("--zone", o.zone, "camera's standard zone, +HHMM")->capture_default_str();
  app.add_flag("--dst", o.dst, "camera's summer time flag");
  app.add_option("--listing", o.listing, "GET /ccapi entries by path or by url")
      ->check(CLI::IsMember({"path", "url"}));
  app.add_flag("--read-only", o.read_only, "list datetime without PUT");
  app.add_option("--busy", o.busy, "answer the first N datetime requests 503 (-1: always)");
  app.add_option("--busy-message", o.busy_message, "the 503 message")->capture_default_str();
  app.add_option("--malformed", o.malformed,
                 "GET datetime replies: none, not-json, bad-date, dst-string, missing-dst")
      ->check(CLI::IsMember({"none", "not-json", "bad-date", "dst-string", "missing-dst"}));
  app.add_option("--user", o.user, "require digest authentication as this user");
  app.add_option("--password", o.password, "its password");
  app.add_option("--algorithm", o.algorithm, "digest challenges offered: md5, sha256 or both")
      ->check(CLI::IsMember({"md5", "sha256", "both"}));
  app.add_option("--cert", o.cert, "serve HTTPS with this certificate (PEM)");
  app.add_option("--key", o.key, "and this private key (PEM)");
  app.add_flag("--ssdp", o.ssdp,
               "answer SSDP M-SEARCH on the loopback; announce ssdp:alive on start, ssdp:byebye on stop");
  app.add_flag("--hang", o.hang, "never answer datetime requests (until stopped)");
  CLI11_PARSE(app, argc, argv);

  auto hp = os::parse_host_port(o.listen, 8080);
  int zone_sign =
      o.zone.size() == 5 && (o.zone[0] == '+' || o.zone[0] == '-') ? (o.zone[0] == '-' ? -1 : 1) : 0;
  if (!hp || zone_sign == 0) {
    std::fprintf(stderr, "camera_emulator: bad --listen or --zone\n");
    return 2;
  }
  Camera cam;
  os::SystemClock real;  // read only
  int64_t start_ns = o.start_unix >= 0 ? o.start_unix * kS : real.now_ns() + std::llround(o.offset_s * 1e9);
  cam.clock = CameraClock(start_ns, o.ppm);
  cam.zone_min = static_cast<int16_t>(zone_sign *
                                      (std::stoi(o.zone.substr(1, 2)) * 60 + std::stoi(o.zone.substr(3, 2))));
  cam.dst = o.dst;
  cam.busy = o.busy;
  cam.busy_message = o.busy_message;
  cam.malformed = o.malformed;

  std::unique_ptr<httplib::Server> svr;
  bool tls = !o.cert.empty();
  if (tls) {
    svr = std::make_unique<httplib::SSLServer>(o.cert.c_str(), o.key.c_str());
  } else {
    svr = std::make_unique<httplib::Server>();
  }
  if (!svr->is_valid()) {
    std::fprintf(stderr, "camera_emulator: cannot load the certificate or key\n");
    return 1;
  }
  // One request at a time, as a camera serves them.
  svr->new_task_queue = [] { return new httplib::ThreadPool(1); };
  svr->set_tcp_nodelay(true);
  svr->set_keep_alive_max_count(1000);
  std::string host_url =
      std::string(tls ? "https" : "http") + "://" + hp->host + ":" + std::to_string(hp->port);

  const std::string description_url = host_url + "/upnp/CameraDevDesc.xml";
  auto count = [&](const httplib::Request&) {
    std::lock_guard lock(cam.mu);
    ++cam.requests;
  };
  svr->Get("/ccapi", [&](const httplib::Request& req, httplib::Response& res) {
    count(req);
    if (!authorized(o, cam, req, res)) return;
    reply_json(res, 200, listing(o, host_url));
  });
  std::atomic<bool> stop{false};
  svr->Get(kDatetime, [&](const httplib::Request& req, httplib::Response& res) {
    count(req);
    // A camera that accepted the connection and then went silent.
    while (o.hang && !stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!authorized(o, cam, req, res) || busy(cam, res)) return;
    get_datetime(cam, res);
  });
  svr->Put(kDatetime, [&](const httplib::Request& req, httplib::Response& res) {
    count(req);
    if (!authorized(o, cam, req, res) || busy(cam, res)) return;
    if (o.read_only) return reply_json(res, 405, json{{"message", "Method not allowed"}});
    put_datetime(cam, req, res);
  });
  svr->Get("/upnp/CameraDevDesc.xml", [&](const httplib::Request&, httplib::Response& res) {
    std::string xml =
        "<?xml version=\"1.0\"?>\n<root xmlns=\"urn:schemas-upnp-org:device-1-0\">\n<device>\n"
        "<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>\n"
        "<friendlyName>Canon EOS Emulator</friendlyName>\n<manufacturer>Canon</manufacturer>\n"
        "<serviceList><service>\n<serviceType>" +
        std::string(os::kCcapiSsdpTarget) +
        "</serviceType>\n"
        "<ns:X_accessURL xmlns:ns=\"urn:schemas-canon-com:schema-upnp\">" +
        host_url +
        "/ccapi</ns:X_accessURL>\n"
        "</service></serviceList>\n</device>\n</root>\n";
    res.set_content(xml, "text/xml");
  });
  svr->Get("/emulator/status", [&](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(cam.mu);
    int64_t c = cam.clock.now_ns();
    int64_t r = real.now_ns();
    reply_json(res, 200,
               json{{"offset_s", static_cast<double>(c - r) / 1e9},
                    {"datetime", date_text(floor_div(c, kS), cam.zone_min, cam.dst)},
                    {"dst", cam.dst},
                    {"puts", cam.puts},
                    {"requests", cam.requests},
                    {"last_put", cam.last_put}});
  });
  svr->Post("/emulator/state", [&](const httplib::Request& req, httplib::Response& res) {
    json j = json::parse(req.body, nullptr, false);
    std::lock_guard lock(cam.mu);
    if (!j.is_object()) return reply_json(res, 400, json{{"message", "Invalid parameter"}});
    if (j.contains("busy")) cam.busy = j["busy"].get<int>();
    if (j.contains("busy_message")) cam.busy_message = j["busy_message"].get<std::string>();
    if (j.contains("malformed")) cam.malformed = j["malformed"].get<std::string>();
    if (j.contains("offset_s"))
      cam.clock.set(real.now_ns() + std::llround(j["offset_s"].get<double>() * 1e9));
    // {"announce": "ssdp:alive"} or "ssdp:byebye": the camera announces itself (again).
    if (j.contains("announce") && o.ssdp)
      announce(hp->host, description_url, j["announce"].get<std::string>().c_str());
    reply_json(res, 200, json::object());
  });

  if (!svr->bind_to_port(hp->host, hp->port)) {
    std::fprintf(stderr, "camera_emulator: cannot listen on %s\n", o.listen.c_str());
    return 1;
  }
  // SIGTERM/SIGINT stop the server from a thread of its own (httplib's stop is not signal-safe).
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  std::thread ssdp;
  if (o.ssdp) {
    ssdp = std::thread(ssdp_loop, description_url, std::ref(stop));
    announce(hp->host, description_url, "ssdp:alive");
  }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&sigs, &sig);
    stop = true;
    svr->stop();
  });
  std::printf("camera_emulator: listening on %s\n", host_url.c_str());
  std::fflush(stdout);
  svr->listen_after_bind();
  stop = true;
  if (ssdp.joinable()) {
    ssdp.join();
    announce(hp->host, description_url, "ssdp:byebye");
  }
  // The waiter may still be in sigwait when listen ended by itself: wake it.
  ::kill(::getpid(), SIGTERM);
  waiter.join();
  return 0;
}
