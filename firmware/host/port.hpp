// The POSIX port of the board: the firmware core driven by UDP and TCP sockets, a simulated
// crystal and the emulated DS3231, as the ESP sketches drive it with WiFiUDP, Wire and the esp timer.
//
// The board's local counter is CLOCK_MONOTONIC run through a crystal that is
// --drift-ppm off: the board never sees another clock, and this program
// never sets the machine's.  Datagrams carry the kernel's receive timestamp,
// turned into the counter's time by how long ago they arrived.  The event
// loop waits in poll() for a datagram, HTTP bytes, the time the board asked
// to be woken or an HTTP connection's deadline, does what the board asks
// (send a request, read or write the RTC) and prints what happened: events on
// stderr, a status line on stdout after every correction of the clock.  HTTP
// connections are read without blocking, four at a time, each within 2 s and
// fw::kMaxRequestSize: a slow or idle client never holds up the loop.  With
// --sleep-cycle it emulates deep sleep: it saves the board's record, stops
// listening (the datagrams meanwhile are dropped, as with Wi-Fi off),
// restarts the counter at zero and wakes a new board with the record and the
// sleep as a sleep timer --sleep-ppm off would measure it.  With
// --access-point it emulates the board's own access point: there is no radio,
// so "starting" it opens the SNTP and HTTP sockets on the address given, and
// the board is told it is up.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "firmware/board/board.hpp"
#include "firmware/board/http.hpp"
#include "os/error.hpp"
#include "os/fd.hpp"
#include "os/net_address.hpp"
#include "os/net_udp.hpp"
#include "rtc_file.hpp"
#include "wall_file.hpp"

namespace lansync::host {

struct PortOptions {
  std::optional<os::SocketAddress> server;     // --server
  std::optional<os::SocketAddress> broadcast;  // --listen-broadcast
  std::optional<os::SocketAddress> serve;      // --serve
  std::optional<os::SocketAddress> http;       // --http
  // --access-point ADDR: the board runs its own access point at ADDR; once
  // it asks to start it, SNTP on ADDR:123 and HTTP on ADDR:80, as on the softAP.
  std::optional<os::SocketAddress> ap_serve, ap_http;
  std::string rtc_path;  // --rtc ("" none)
  double rtc_ppm = 0;
  double drift_ppm = 0;
  bool json = false;
  double duration_s = 0;          // 0: until SIGINT / SIGTERM
  double awake_s = 0;             // --sleep-cycle: awake this long, ...
  double asleep_s = 0;            // ... then in emulated deep sleep this long (0: never sleeps)
  double sleep_ppm = 0;           // --sleep-ppm: the emulated sleep timer's error (positive: fast)
  std::string wall_path;          // --wall: the wall clock's frame, drawn into this file ("" none)
  int32_t wall_utc_offset_s = 0;  // --wall-utc-offset: local time minus UTC, s
  int32_t wall_light = fw::kWallLightFullScale;  // --wall-light: the photoresistor's reading
};

class HostPort {
 public:
  // Opens the sockets and the RTC; the message says what failed.
  static os::OsResult<std::unique_ptr<HostPort>> open(const PortOptions& options, fw::BoardConfig config);
  ~HostPort();

  // Runs until SIGINT, SIGTERM or the duration; returns the exit code.
  int run();

 private:
  explicit HostPort(const PortOptions& options);
  int64_t local_ns() const;
  int64_t local_at(int64_t mono_ns) const;  // the board's counter at this machine's monotonic mono_ns
  int64_t local_from_realtime(int64_t realtime_ns) const;
  void perform(const fw::Action& a);
  // StartAccessPoint: SNTP and HTTP on the AP's address; false if a socket failed.
  bool start_access_point();
  void receive_client();
  void receive_broadcast();
  void receive_serve();
  struct HttpConnection {
    int fd = -1;
    int64_t deadline_mono_ns = 0;  // closed unanswered then
    size_t got = 0;
    char request[fw::kMaxRequestSize + 1];
  };
  // Connections read at once; one more replaces the oldest.
  static constexpr size_t kMaxHttpConnections = 4;

  void accept_http();
  void read_http(HttpConnection& c);
  void close_http(HttpConnection& c);
  void expire_http();
  int64_t next_http_deadline() const;
  void report_events();
  void print_status();
  void draw_wall();  // --wall: redraws the file if the frame changed; on failure, says so and stops
  bool deep_sleep(int64_t end_mono);
  int save_rtc_and_stop();
  // The wait for poll() until the board's next action a (on the board's counter), in monotonic
  // ns: no later than the run's end (end_mono), the next sleep (sleep_at) or an HTTP
  // connection's deadline (0 or INT64_MAX: none).
  int64_t wait_ns(const fw::Action& a, int64_t end_mono, int64_t sleep_at, int64_t http_deadline);
  // Serves what poll() found ready on fd; false when a stop signal came (the RTC file saved).
  bool handle_ready(int fd);
  void drain_sockets();

  PortOptions options_;
  int64_t mono_start_ns_ = 0;
  int64_t drift_q32_ = 0;
  fw::BoardConfig config_;  // a new board is built from it on every wake
  std::unique_ptr<fw::Board> board_;
  std::unique_ptr<RtcFile> rtc_;
  std::unique_ptr<WallFile> wall_;
  os::UdpSocket client_, broadcast_, serve_;
  int http_fd_ = -1;
  HttpConnection http_[kMaxHttpConnections];
  os::Fd signal_fd_;  // stop_signal_fd()
  uint64_t served_ = 0;
};

}  // namespace lansync::host
