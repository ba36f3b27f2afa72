// camsync --watch; see watch.hpp.
#include "watch.hpp"

#include <fmt/core.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "core/camera_watch.hpp"
#include "os/camera_ccapi.hpp"
#include "os/camera_request.hpp"
#include "os/camera_state.hpp"
#include "os/clock.hpp"
#include "os/log.hpp"
#include "os/net_address.hpp"
#include "os/net_ssdp_listener.hpp"
#include "os/proc_signals.hpp"
#include "proto/units.hpp"

namespace lansync::camsync {
namespace {

constexpr int64_t kStateEveryNs = 5 * proto::kNsPerSecond;  // the camera-state file read again
constexpr int64_t kJoinEveryNs = 30 * proto::kNsPerSecond;  // interfaces that came up joined
constexpr int64_t kReportEveryNs =
    60 * proto::kNsPerSecond;  // ignored datagrams summed up at most this often
constexpr int kDatagramsPerRound = 64;

const char* heard_word(core::SsdpEvent e) {
  switch (e) {
    case core::SsdpEvent::Alive: return "ssdp:alive";
    case core::SsdpEvent::Answer: return "an answer to the search";
    case core::SsdpEvent::Byebye: break;
  }
  return "ssdp:byebye";
}

class Watcher {
 public:
  Watcher(const WatchOptions& o, os::SsdpListener listener, std::optional<std::string> only_host)
      : o_(o), listener_(std::move(listener)), only_host_(std::move(only_host)), watch_(os::monotonic_ns()) {}

  // Until a signal arrives on sfd.
  void run(int sfd) {
    for (;;) {
      int64_t mono_now_ns = os::monotonic_ns();
      tick(mono_now_ns);
      pollfd fds[3] = {
          {listener_.group_fd(), POLLIN, 0}, {listener_.search_fd(), POLLIN, 0}, {sfd, POLLIN, 0}};
      int64_t next = std::min({next_state_ns_, next_join_ns_, watch_.next_due_ns().value_or(INT64_MAX)});
      int timeout_ms =
          static_cast<int>(std::clamp<int64_t>((next - mono_now_ns) / proto::kNsPerMs + 1, 0, 60'000));
      int n = ::poll(fds, 3, timeout_ms);
      if (n < 0 && errno != EINTR) {
        os::log::error("poll: {}", std::strerror(errno));
        return;
      }
      if (fds[2].revents != 0) return;
      for (int i = 0; i < kDatagramsPerRound; ++i) {
        auto d = listener_.receive();
        if (!d) break;
        hear(*d, os::monotonic_ns());
      }
    }
  }

 private:
  void tick(int64_t mono_now_ns) {
    if (mono_now_ns >= next_state_ns_) {
      next_state_ns_ = mono_now_ns + kStateEveryNs;
      read_state(mono_now_ns);
    }
    if (mono_now_ns >= next_join_ns_) {
      next_join_ns_ = mono_now_ns + kJoinEveryNs;
      for (const auto& name : listener_.join_interfaces())
        os::log::info("listening for the camera on {}", name);
      if (listener_.interfaces() == 0 && !none_logged_) {
        os::log::warn("no interface is up with multicast yet: listening again every 30 s");
        none_logged_ = true;
      }
    }
    if (core::WatchDecision d = watch_.due(mono_now_ns); d.action == core::WatchAction::Run)
      ask(d.reason, pending_host_);
    if (watch_.probe(mono_now_ns)) {
      if (auto st = listener_.search(); !st)
        os::log::warn("cannot send the SSDP search: {}", st.error().message);
    }
    if (mono_now_ns >= next_report_ns_ && !ignored_.empty()) {
      std::string list;
      for (const auto& [why, count] : ignored_)
        list += fmt::format("{}{} {}", list.empty() ? "" : ", ", count, why);
      os::log::info("ignored SSDP datagrams in the last minute: {}", list);
      ignored_.clear();
      next_report_ns_ = mono_now_ns + kReportEveryNs;
    }
  }

  void read_state(int64_t mono_now_ns) {
    if (o_.camera_state_path.empty()) return;
    auto st = os::read_camera_state(o_.camera_state_path);
    if (st && watch_.last_run(st->last_run_unix, st->result == os::CameraResult::Failed, mono_now_ns)) {
      os::log::info(
          "the last camsync run failed ({}): the camera's next word asks for another, searched for every 30 "
          "s",
          st->message);
    }
  }

  void hear(const os::SsdpListener::Datagram& d, int64_t mono_now_ns) {
    if (only_host_ && d.from != *only_host_) return;
    os::CameraSsdp c = os::classify_camera_ssdp(d.text, d.from);
    if (!c.event) {
      // Another device's traffic is no news; a LOCATION naming another host is worth a line.
      if (std::strstr(c.why_not, "another host") != nullptr) ++ignored_[c.why_not];
      return;
    }
    std::optional<int64_t> max_age_ns;
    if (c.max_age_s) max_age_ns = *c.max_age_s * proto::kNsPerSecond;
    core::WatchDecision w = watch_.heard(d.from, *c.event, max_age_ns, c.boot_id, mono_now_ns);
    if (w.action == core::WatchAction::Run) {
      os::log::info("camera {}: {}", d.from, heard_word(*c.event));
      ask(w.reason, d.from);
    } else if (w.action == core::WatchAction::Deferred && !deferred_logged_) {
      deferred_logged_ = true;
      pending_host_ = d.from;
      os::log::info("camera {}: {} ({}); the run waits: runs are 30 s apart at least, 3 in 10 min at most",
                    d.from, heard_word(*c.event), core::code(w.reason));
    }
  }

  void ask(core::WatchReason reason, const std::string& host) {
    deferred_logged_ = false;
    os::CameraRequest r;
    r.requested_unix_ms = os::read_clock_or_exit(CLOCK_REALTIME) / proto::kNsPerMs;
    r.client = host;
    r.reason = reason;
    if (auto st = os::write_camera_request(o_.camera_request_path, r); !st) {
      os::log::warn("cannot ask for a camsync run: {}", st.error().message);
      return;
    }
    os::log::info("{} ({}): asked for a camsync run ({})", core::code(reason), host, o_.camera_request_path);
  }

  const WatchOptions& o_;
  os::SsdpListener listener_;
  std::optional<std::string> only_host_;
  core::CameraWatch watch_;
  int64_t next_state_ns_ = 0;
  int64_t next_join_ns_ = 0;
  int64_t next_report_ns_ = 0;
  std::map<std::string, int> ignored_;
  std::string pending_host_;
  bool deferred_logged_ = false;
  bool none_logged_ = false;
};

// The one address whose datagrams count with --camera URL: its host, resolved once.
std::optional<std::string> camera_host(const std::string& camera, int* exit_code) {
  if (camera.empty()) return std::nullopt;
  auto url = os::parse_camera_url(camera);
  if (!url) {
    fmt::print(stderr, "camsync: {}\n", url.error().message);
    *exit_code = 2;
    return std::nullopt;
  }
  auto addresses = os::resolve(os::HostPort{url->host, url->port});
  if (!addresses || addresses->front().family() != AF_INET) {
    fmt::print(stderr, "camsync: --camera {}: SSDP is watched for an IPv4 address, and {} has none\n", camera,
               url->host);
    *exit_code = 2;
    return std::nullopt;
  }
  return addresses->front().ip();
}

}  // namespace

int watch(const WatchOptions& o) {
  os::log::set_program("camsync");
  int exit_code = 0;
  std::optional<std::string> host = camera_host(o.camera, &exit_code);
  if (exit_code != 0) return exit_code;
  auto sfd = os::stop_signal_fd();
  if (!sfd) {
    fmt::print(stderr, "camsync: {}\n", sfd.error().message);
    return 1;
  }
  auto listener = os::SsdpListener::open();
  if (!listener) {
    fmt::print(stderr, "camsync: {}\n", listener.error().message);
    return 1;
  }
  os::log::info("watching for the camera ({}) by SSDP; a run is asked for through {}",
                host ? "address " + *host : std::string("any address"), o.camera_request_path);
  Watcher(o, std::move(*listener), host).run(sfd->get());
  os::log::info("stopped by a signal");
  return 0;
}

}  // namespace lansync::camsync
