// sntpd's main loop: reference keeping, upstream polling, broadcasts, the control socket.
//
// Serving runs in the workers (server.hpp); this thread decides, once a
// second, which reference the clock follows (core/reference) and publishes it
// to them, logs every change of reference, polls the upstream servers, sends
// the broadcasts and answers `sntpd status`.  It stops on SIGTERM or SIGINT.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/reference.hpp"
#include "nlohmann/json_fwd.hpp"
#include "options.hpp"
#include "os/clock.hpp"
#include "os/control.hpp"
#include "os/udp.hpp"
#include "server.hpp"
#include "upstreams.hpp"

namespace lansync::sntpd {

struct Broadcast {
  os::SocketAddress address;
  os::UdpSocket socket;
};

class Daemon {
 public:
  Daemon(os::Clock& clock, const Options& options, std::unique_ptr<ServeState> state,
         std::unique_ptr<Upstreams> upstreams);

  void add_worker(std::vector<os::UdpSocket> sockets);
  void add_broadcast(Broadcast b) { broadcasts_.push_back(std::move(b)); }
  void set_control(os::ControlServer control) { control_ = std::move(control); }

  // Runs until SIGTERM/SIGINT; returns false if the event loop failed.
  bool run();

  // The status report, as `sntpd status --json` prints it.
  nlohmann::ordered_json status_json();
  // Picks the reference now and publishes it (also done every second by run()).
  void refresh_reference();

 private:
  void send_broadcasts();

  os::Clock& clock_;
  Options options_;
  std::unique_ptr<ServeState> state_;
  std::unique_ptr<Upstreams> upstreams_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Broadcast> broadcasts_;
  os::ControlServer control_;
  int8_t precision_log2_;
  int64_t start_ns_;
  int64_t start_mono_ns_;
  core::ReferenceChoice reference_;
  bool have_reference_ = false;
  uint64_t broadcasts_sent_ = 0;
};

}  // namespace lansync::sntpd
