// The POSIX port of the board; see port.hpp.
#include "port.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "codec/ntp_packet.hpp"
#include "codec/timestamp.hpp"
#include "firmware/board/http.hpp"
#include "firmware/board/text.hpp"
#include "firmware/board/wide.hpp"
#include "os/clock.hpp"
#include "os/log.hpp"
#include "os/proc_signals.hpp"
#include "os/random.hpp"

namespace lansync::host {
namespace {

constexpr int64_t kSecondNs = codec::kNsPerSecond;
constexpr int64_t kMaxWaitNs = kSecondNs;           // wake at least once a second (signals, the duration)
constexpr int64_t kHttpDeadlineNs = 2 * kSecondNs;  // a connection's whole request arrives within this
constexpr int64_t kShortWaitNs = 2'000'000;

uint64_t random64(void*) {
  uint64_t v = 0;
  os::random_bytes(&v, sizeof(v));
  return v;
}

std::string seconds(int64_t ns, unsigned decimals, bool plus_sign = false) {
  char buf[48];
  fw::TextWriter w(buf, sizeof(buf));
  w.put_seconds(ns, decimals, plus_sign);
  return w.c_str();
}

std::string iso8601(int64_t unix_ns) {
  char buf[48];
  fw::TextWriter w(buf, sizeof(buf));
  w.put_iso8601(unix_ns, 6);
  return w.c_str();
}

os::Status listen_tcp(const os::SocketAddress& addr, int* fd_out) {
  int fd = ::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return os::errno_error("cannot create a TCP socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, addr.get(), addr.size()) != 0 || ::listen(fd, 8) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return os::errno_error("cannot listen on " + addr.to_string() + " (HTTP)");
  }
  *fd_out = fd;
  return os::ok();
}

os::Status bind_udp(const os::SocketAddress& addr, const char* what, os::UdpSocket* out) {
  os::UdpSocket::Options o;
  o.broadcast = true;
  auto s = os::UdpSocket::open(addr.family(), o);
  if (!s) return fail(s.error());
  if (auto st = s->bind(addr); !st) {
    return os::invalid(st.error().message + " (" + what + ")");
  }
  *out = std::move(*s);
  return os::ok();
}

}  // namespace

HostPort::HostPort(const PortOptions& options)
    : options_(options),
      mono_start_ns_(os::monotonic_ns()),
      drift_q32_(fw::q32_from_ppb(std::llround(options.drift_ppm * 1000))) {}

HostPort::~HostPort() {
  for (HttpConnection& c : http_) close_http(c);
  if (http_fd_ >= 0) ::close(http_fd_);
}

os::OsResult<std::unique_ptr<HostPort>> HostPort::open(const PortOptions& options, fw::BoardConfig config) {
  std::unique_ptr<HostPort> p(new HostPort(options));
  if (options.server) {
    auto s = os::UdpSocket::open(options.server->family());
    if (!s) return fail(s.error());
    if (auto st = s->connect(*options.server); !st) return fail(st.error());
    p->client_ = std::move(*s);
    config.use_server = true;
    config.server_refid = options.server->refid();
  }
  if (options.broadcast) {
    if (auto st = bind_udp(*options.broadcast, "--listen-broadcast", &p->broadcast_); !st)
      return fail(st.error());
    config.listen_broadcast = true;
  }
  if (options.serve) {
    if (auto st = bind_udp(*options.serve, "--serve", &p->serve_); !st) return fail(st.error());
    config.serve = true;
  }
  if (options.http) {
    if (auto st = listen_tcp(*options.http, &p->http_fd_); !st) return fail(st.error());
  }
  if (!options.rtc_path.empty()) {
    auto rtc = RtcFile::open(options.rtc_path, options.rtc_ppm);
    if (!rtc) return fail(rtc.error());
    p->rtc_ = std::move(*rtc);
    config.has_rtc = true;
    config.rtc_set_unix_s = p->rtc_->set_unix_s;
    config.rtc_set_error_ns = p->rtc_->set_error_ns;
  }
  if (!options.wall_path.empty()) {
    p->wall_ = std::make_unique<WallFile>(options.wall_path, options.wall_utc_offset_s, options.wall_light);
  }
  // The local counter reads in nanoseconds, but poll() and the kernel give microseconds at best.
  config.precision_log2 = -20;
  config.random64 = &random64;
  p->config_ = config;
  p->board_ = std::make_unique<fw::Board>(config);

  auto signals = os::stop_signal_fd();
  if (!signals) return fail(signals.error());
  p->signal_fd_ = std::move(*signals);
  std::signal(SIGPIPE, SIG_IGN);  // an HTTP client that hangs up must not kill us
  return p;
}

int64_t HostPort::local_ns() const { return local_at(os::monotonic_ns()); }

int64_t HostPort::local_at(int64_t mono_ns) const {
  int64_t mono = mono_ns - mono_start_ns_;
  return mono + fw::scale_q32(mono, drift_q32_);
}

int64_t HostPort::local_from_realtime(int64_t rx_realtime_ns) const {
  int64_t now_local_ns = local_ns();
  int64_t age_ns = std::max<int64_t>(0, os::read_clock_or_exit(CLOCK_REALTIME) - rx_realtime_ns);
  return now_local_ns - (age_ns + fw::scale_q32(age_ns, drift_q32_));
}

void HostPort::perform(const fw::Action& a) {
  switch (a.kind) {
    case fw::ActionKind::SendNtp:
      if (auto st = client_.send(a.data, a.size); !st) os::log::debug("send: {}", st.error().message);
      return;
    case fw::ActionKind::ReadRtc: {
      uint8_t regs[32] = {};
      uint8_t reg = a.reg;
      int64_t before = local_ns();
      bool ok = rtc_ && rtc_->transfer(&reg, 1, regs, a.size);
      board_->on_rtc_read(regs, a.size, ok, before);
      return;
    }
    case fw::ActionKind::WriteRtc: {
      // The chip's second starts when its seconds register is written: wait for the moment.
      os::SystemClock sleeper;  // sleeps on CLOCK_MONOTONIC; never changes the clock
      for (int64_t left = a.at_local_ns - local_ns(); left > 0; left = a.at_local_ns - local_ns()) {
        sleeper.sleep_ns(left - fw::scale_q32(left, drift_q32_));
      }
      uint8_t buffer[1 + sizeof(a.data)];
      buffer[0] = a.reg;
      std::copy(a.data, a.data + a.size, buffer + 1);
      bool ok = rtc_ && rtc_->transfer(buffer, 1u + a.size, nullptr, 0);
      board_->on_rtc_written(ok, local_ns());
      return;
    }
    case fw::ActionKind::JoinNetwork:
      // No radio here: a network is never joined (lansync-board never asks, having no SSID).
      board_->on_wifi(fw::WifiReport::JoinFailed, local_ns());
      return;
    case fw::ActionKind::StartAccessPoint:
      os::log::info("access point \"{}\" (channel {}) at {}: serving SNTP and HTTP there", a.wifi->ssid,
                    a.wifi->channel, options_.ap_serve->ip());
      board_->on_wifi(
          start_access_point() ? fw::WifiReport::AccessPointStarted : fw::WifiReport::AccessPointFailed,
          local_ns());
      return;
    case fw::ActionKind::Wait: return;
  }
}

bool HostPort::start_access_point() {
  if (!options_.ap_serve || !options_.ap_http) return false;
  if (serve_.fd() >= 0 && http_fd_ >= 0) return true;  // already up (woken from deep sleep)
  os::Status st = bind_udp(*options_.ap_serve, "--access-point", &serve_);
  if (st) st = listen_tcp(*options_.ap_http, &http_fd_);
  if (!st) os::log::error("{}", st.error().message);
  return static_cast<bool>(st);
}

void HostPort::receive_client() {
  uint8_t buf[512];
  for (int i = 0; i < 64; ++i) {
    auto d = client_.receive(buf, sizeof(buf));
    if (!d) {
      if (!os::would_block(d.error())) os::log::debug("receive: {}", d.error().message);
      return;
    }
    int64_t at_local_ns = d->kernel_timestamp ? local_from_realtime(d->rx_ns) : local_ns();
    board_->on_ntp_packet(buf, d->size, at_local_ns);
  }
}

void HostPort::receive_broadcast() {
  uint8_t buf[512];
  for (int i = 0; i < 64; ++i) {
    auto d = broadcast_.receive(buf, sizeof(buf));
    if (!d) return;
    int64_t at_local_ns = d->kernel_timestamp ? local_from_realtime(d->rx_ns) : local_ns();
    board_->on_broadcast(buf, d->size, at_local_ns, d->from.refid());
  }
}

void HostPort::receive_serve() {
  uint8_t buf[1024], reply[codec::kHeaderSize + codec::kMaxV3MacSize];
  for (int i = 0; i < 64; ++i) {
    auto d = serve_.receive(buf, sizeof(buf));
    if (!d) return;
    if (d->truncated) continue;
    int64_t at_local_ns = d->kernel_timestamp ? local_from_realtime(d->rx_ns) : local_ns();
    size_t n = board_->serve_ntp(buf, d->size, at_local_ns, reply, sizeof(reply));
    if (n == 0) continue;
    n = board_->stamp_transmit(reply, n, local_ns());
    if (n == 0) continue;
    if (auto st = serve_.send(reply, n, &d->from); !st) {
      os::log::debug("reply to {}: {}", d->from.to_string(), st.error().message);
    } else {
      ++served_;
    }
  }
}

void HostPort::accept_http() {
  for (int i = 0; i < 8; ++i) {
    int fd = ::accept4(http_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    // A free slot, else the connection that has waited longest gives way.
    HttpConnection* slot = &http_[0];
    for (HttpConnection& c : http_) {
      if (c.fd < 0) {
        slot = &c;
        break;
      }
      if (c.deadline_mono_ns < slot->deadline_mono_ns) slot = &c;
    }
    close_http(*slot);
    slot->fd = fd;
    slot->got = 0;
    slot->deadline_mono_ns = os::monotonic_ns() + kHttpDeadlineNs;
  }
}

void HostPort::read_http(HttpConnection& c) {
  ssize_t r = ::recv(c.fd, c.request + c.got, sizeof(c.request) - c.got, MSG_DONTWAIT);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (r <= 0) {
    close_http(c);
    return;
  }
  c.got += static_cast<size_t>(r);
  // The board takes the request once it is complete (or refused: too long, malformed).
  fw::HttpRequest q;
  if (fw::parse_http_request(c.request, c.got, &q).state == fw::HttpParse::Incomplete) return;
  char response[4096];
  size_t n = board_->serve_http(c.request, c.got, local_ns(), response, sizeof(response));
  // The response fits the socket's buffer; a client that does not take it loses it.
  for (size_t sent = 0; sent < n;) {
    ssize_t w = ::send(c.fd, response + sent, n - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w <= 0) break;
    sent += static_cast<size_t>(w);
  }
  close_http(c);
}

void HostPort::close_http(HttpConnection& c) {
  if (c.fd >= 0) ::close(c.fd);
  c.fd = -1;
  c.got = 0;
}

void HostPort::expire_http() {
  int64_t mono_now_ns = os::monotonic_ns();
  for (HttpConnection& c : http_) {
    if (c.fd >= 0 && mono_now_ns >= c.deadline_mono_ns) close_http(c);
  }
}

int64_t HostPort::next_http_deadline() const {
  int64_t next = INT64_MAX;
  for (const HttpConnection& c : http_) {
    if (c.fd >= 0) next = std::min(next, c.deadline_mono_ns);
  }
  return next;
}

void HostPort::report_events() {
  fw::Event e;
  while (board_->next_event(&e)) {
    const char* from = fw::source_name(e.source);
    switch (e.kind) {
      case fw::EventKind::ClockSet: os::log::info("clock set from {}: {}", from, iso8601(e.value_ns)); break;
      case fw::EventKind::Stepped:
        os::log::info("clock stepped by {} s ({})", seconds(e.value_ns, 6, true), from);
        break;
      case fw::EventKind::Updated: print_status(); break;
      case fw::EventKind::Outlier:
        os::log::warn(
            "sample {} s from the prediction set aside (a server that jumps is followed after three)",
            seconds(e.value_ns, 6, true));
        break;
      case fw::EventKind::NoReply: os::log::warn("no reply from the server"); break;
      case fw::EventKind::ServerUnsynchronized:
        os::log::warn("the server is unsynchronized (LI=3 or stratum 16): not using it");
        break;
      case fw::EventKind::Kiss: {
        char code[5];
        codec::refid_to_ascii(e.code, code);
        os::log::warn("Kiss-o'-Death {} from the server", code);
        break;
      }
      case fw::EventKind::Offline: os::log::warn("the server has been silent: following the RTC"); break;
      case fw::EventKind::RtcUnusable:
        os::log::warn("RTC: {}", fw::describe(static_cast<fw::RtcStatus>(e.code)));
        break;
      case fw::EventKind::RtcWritten:
        os::log::info("RTC set to {}", iso8601(e.value_ns));
        if (rtc_) {
          rtc_->set_unix_s = board_->rtc_set_unix_s();
          rtc_->set_error_ns = board_->rtc_set_error_ns();
          if (auto st = rtc_->save(); !st) os::log::error("{}", st.error().message);
        }
        break;
      case fw::EventKind::RtcWriteFailed: os::log::warn("RTC write failed"); break;
      case fw::EventKind::Joined:
      case fw::EventKind::JoinFailed:
      case fw::EventKind::AccessPointStarted:
      case fw::EventKind::AccessPointFailed: os::log::info("{}", fw::describe(e.kind)); break;
      case fw::EventKind::Unauthenticated:
        os::log::warn("a reply not used: {} (the server holds another key, or none?)",
                      proto::describe(static_cast<proto::AuthStatus>(e.code)));
        break;
    }
  }
}

void HostPort::print_status() {
  fw::BoardStatus s = board_->status(local_ns());
  const fw::Reading& r = s.reading;
  std::string line;
  if (options_.json) {
    line = "{\"time_utc\":" + (r.synchronized ? "\"" + iso8601(r.utc_ns) + "\"" : std::string("null")) +
           ",\"synchronized\":" + (r.synchronized ? "true" : "false") + ",\"source\":\"" +
           fw::source_name(r.source) + "\",\"offset_s\":" + seconds(s.last_offset_ns, 9) +
           ",\"delay_s\":" + seconds(s.last_delay_ns, 9) +
           ",\"error_s\":" + (r.synchronized ? seconds(r.error_ns, 9) : std::string("null")) +
           ",\"freq_ppm\":" + seconds(s.freq_ppb * 1000000, 6) +
           ",\"poll_s\":" + std::to_string(1L << s.poll_log2) +
           ",\"server_stratum\":" + std::to_string(s.upstream_stratum) +
           ",\"samples\":" + std::to_string(s.samples) + ",\"requests\":" + std::to_string(s.requests_sent) +
           ",\"served\":" + std::to_string(served_) +
           ",\"unauthenticated\":" + std::to_string(s.unauthenticated) +
           ",\"auth_refused\":" + std::to_string(s.auth_refused) + ",\"rtc\":\"" +
           (rtc_ ? (s.rtc == fw::RtcStatus::Valid ? "valid" : "invalid") : "none") + "\"}";
  } else {
    line = (r.synchronized ? iso8601(r.utc_ns) : std::string("unsynchronized")) + "  " +
           fw::source_name(r.source) + "  offset " + seconds(s.last_offset_ns, 6, true) + " s  delay " +
           seconds(s.last_delay_ns, 6) + " s  error " +
           (r.synchronized ? seconds(r.error_ns, 6) : std::string("-")) + " s  freq " +
           seconds(s.freq_ppb * 1000000, 3, true) + " ppm";
    if (options_.server) line += "  poll " + std::to_string(1L << s.poll_log2) + " s";
    if (s.unauthenticated > 0) line += "  unauthenticated " + std::to_string(s.unauthenticated);
  }
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

void HostPort::draw_wall() {
  if (!wall_) return;
  if (auto st = wall_->update(board_->now(local_ns())); !st) {
    os::log::error("--wall: {}; no more frames", st.error().message);
    wall_.reset();
  }
}

void HostPort::drain_sockets() {
  uint8_t buf[1024];
  for (os::UdpSocket* s : {&client_, &broadcast_, &serve_}) {
    if (s->fd() < 0) continue;
    for (int i = 0; i < 1024 && s->receive(buf, sizeof(buf)); ++i) {
    }
  }
}

// Deep sleep, as the ESP glue does it; false when a signal or the duration ended it.
bool HostPort::deep_sleep(int64_t end_mono) {
  // The record's time, the sleep's start and (below) its end and the new
  // counter's zero are each one reading, so no time is lost between them (a
  // lost moment of a loaded machine would read as a sleep timer slower than set).
  int64_t start_mono_ns = os::monotonic_ns();
  fw::SleepRecord record = board_->save(local_at(start_mono_ns));
  int64_t asleep_ns = std::llround(options_.asleep_s * 1e9);
  // The bound the record keeps: the wake's bound is this grown by the sleep.
  if (record.source != static_cast<uint8_t>(fw::Source::None))
    os::log::info("deep sleep for {} s, clock error {} s", seconds(asleep_ns, 3),
                  seconds(record.error_ns, 6));
  else
    os::log::info("deep sleep for {} s", seconds(asleep_ns, 3));
  int64_t until_mono_ns =
      end_mono != 0 ? std::min(start_mono_ns + asleep_ns, end_mono) : start_mono_ns + asleep_ns;
  for (int64_t left = until_mono_ns - start_mono_ns; left > 0; left = until_mono_ns - os::monotonic_ns()) {
    pollfd pfd{signal_fd_.get(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>((left + 999'999) / 1'000'000)) > 0) {
      if (int sig = os::read_stop_signal(signal_fd_.get()); sig != 0) {
        os::log::info("received {} asleep, stopping", sigabbrev_np(sig));
      }
      return false;
    }
  }
  if (end_mono != 0 && os::monotonic_ns() >= end_mono) return false;
  drain_sockets();
  int64_t woke = os::monotonic_ns();
  int64_t slept_ns = woke - start_mono_ns;
  mono_start_ns_ = woke;  // the counter restarts on waking
  board_ = std::make_unique<fw::Board>(config_);
  fw::WakeResult w = board_->wake(
      record, slept_ns + std::llround(static_cast<double>(slept_ns) * options_.sleep_ppm * 1e-6), local_ns());
  fw::Reading r = board_->now(local_ns());
  os::log::info("{}: {}", fw::describe(w),
                r.synchronized ? "error " + seconds(r.error_ns, 6) + " s" : std::string("unsynchronized"));
  return true;
}

int HostPort::save_rtc_and_stop() {
  if (rtc_) {
    if (auto st = rtc_->save(); !st) {
      os::log::error("{}", st.error().message);
      return 1;
    }
  }
  return 0;
}

int64_t HostPort::wait_ns(const fw::Action& a, int64_t end_mono, int64_t sleep_at, int64_t http_deadline) {
  // Capped before the crystal's error is taken out: "never" (INT64_MAX)
  // less a negative error would overflow into a negative wait, and a spin.
  int64_t wait_local = std::min<int64_t>(a.at_local_ns - local_ns(), 2 * kMaxWaitNs);
  int64_t wait_mono_ns =
      std::clamp<int64_t>(wait_local - fw::scale_q32(wait_local, drift_q32_), 0, kMaxWaitNs);
  const int64_t now_mono = os::monotonic_ns();
  if (end_mono != 0) wait_mono_ns = std::min(wait_mono_ns, std::max<int64_t>(0, end_mono - now_mono));
  if (sleep_at != 0) wait_mono_ns = std::min(wait_mono_ns, std::max<int64_t>(0, sleep_at - now_mono));
  if (http_deadline != INT64_MAX)
    wait_mono_ns = std::min(wait_mono_ns, std::max<int64_t>(0, http_deadline - now_mono));
  return wait_mono_ns;
}

bool HostPort::handle_ready(int fd) {
  if (fd == signal_fd_.get()) {
    if (int sig = os::read_stop_signal(signal_fd_.get()); sig != 0) {
      os::log::info("received {}, stopping", sigabbrev_np(sig));
      if (rtc_) {
        if (auto st = rtc_->save(); !st) os::log::error("{}", st.error().message);
      }
      return false;
    }
  } else if (fd == client_.fd()) {
    receive_client();
  } else if (fd == broadcast_.fd()) {
    receive_broadcast();
  } else if (fd == serve_.fd()) {
    receive_serve();
  } else if (fd == http_fd_) {
    accept_http();
  } else {
    for (HttpConnection& c : http_) {
      if (c.fd == fd) read_http(c);
    }
  }
  return true;
}

int HostPort::run() {
  board_->start(local_ns());
  int64_t end_mono =
      options_.duration_s > 0 ? os::monotonic_ns() + std::llround(options_.duration_s * 1e9) : 0;
  int64_t awake_ns = std::llround(options_.awake_s * 1e9);
  int64_t sleep_at = options_.asleep_s > 0 ? os::monotonic_ns() + awake_ns : 0;
  for (;;) {
    if (sleep_at != 0 && os::monotonic_ns() >= sleep_at) {
      if (!deep_sleep(end_mono)) return save_rtc_and_stop();
      sleep_at = os::monotonic_ns() + awake_ns;
    }
    fw::Action a;
    for (int i = 0; i < 10'000; ++i) {
      a = board_->next_action(local_ns());
      if (a.kind == fw::ActionKind::Wait) break;
      perform(a);
    }
    report_events();

    int64_t http_deadline = next_http_deadline();
    int64_t wait_mono_ns = wait_ns(a, end_mono, sleep_at, http_deadline);
    if (wait_mono_ns < kShortWaitNs && http_deadline == INT64_MAX) {
      // Reads of the RTC waiting for its tick come a millisecond apart: sleep
      // to the microsecond rather than in poll()'s milliseconds.
      os::SystemClock sleeper;
      sleeper.sleep_ns(wait_mono_ns);
      continue;
    }
    pollfd fds[5 + kMaxHttpConnections];
    nfds_t n = 0;
    auto watch = [&](int fd) {
      if (fd >= 0) fds[n++] = pollfd{fd, POLLIN, 0};
    };
    watch(signal_fd_.get());
    watch(client_.fd());
    watch(broadcast_.fd());
    watch(serve_.fd());
    watch(http_fd_);
    for (const HttpConnection& c : http_) watch(c.fd);
    // poll() takes milliseconds: round up, so that the board is never woken early.
    int rc = ::poll(fds, n, static_cast<int>((wait_mono_ns + 999'999) / 1'000'000));
    if (rc < 0 && errno != EINTR) {
      os::log::error("poll: {}", std::strerror(errno));
      return 1;
    }
    for (nfds_t i = 0; i < n && rc > 0; ++i) {
      if ((fds[i].revents & (POLLIN | POLLERR | POLLHUP)) == 0) continue;
      if (!handle_ready(fds[i].fd)) return 0;
    }
    expire_http();
    report_events();
    draw_wall();
    if (end_mono != 0 && os::monotonic_ns() >= end_mono) return save_rtc_and_stop();
  }
}

}  // namespace lansync::host
