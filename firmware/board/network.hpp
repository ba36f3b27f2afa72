// Which Wi-Fi the board is on: the known network, or its own access point (issue 17, part 3).
//
// A house with no router, or a first setup: with no known network
// configured, or when the known one is not joined within join_timeout, or
// when configured to always, the board runs its own access point; a phone
// joins it and sets the time from the board's page, and other devices take
// SNTP and GET /time from the board at the AP's address.  This unit only
// decides: Board::next_action() hands its choice to the port (JoinNetwork,
// StartAccessPoint) and the port reports back (Board::on_wifi); the port
// owns the radio.  While the access point is up the board serves (SNTP and
// HTTP) even if server mode is off.  Pure and freestanding, no heap: the
// strings are the port's, which outlive the board.
#pragma once

#include <stdint.h>

namespace lansync::fw {

// When the board runs its own access point.
enum class AccessPointMode : uint8_t {
  Never,     // never (a port that manages Wi-Fi itself, or a wired host): the default
  Fallback,  // when no network is configured, or the known one is not joined within join_timeout
  Always,    // always, without trying the known network
};
const char* access_point_mode_name(AccessPointMode m);  // "never", "fallback", "always"

// A Wi-Fi network: the known one to join, or the access point to start.
struct WifiNetwork {
  const char* ssid = nullptr;      // nullptr or "": none configured
  const char* password = nullptr;  // nullptr or "": open (an AP's must be 8 to 63 characters otherwise)
  uint8_t channel = 1;             // access point only: 1 to 13
  uint32_t ipv4 = 0xC0A8'0401;     // access point only: its address, host order (192.168.4.1)
  uint32_t netmask = 0xFFFF'FF00;  // access point only, host order (/24)
};

struct NetworkConfig {
  AccessPointMode access_point = AccessPointMode::Never;
  WifiNetwork known;                                                       // the network to join
  WifiNetwork own{"lansync-board", nullptr, 1, 0xC0A8'0401, 0xFFFF'FF00};  // the access point
  int64_t join_timeout_ns = int64_t{30} * 1'000'000'000;  // not joined by then: fall back (Fallback)
};

// What the port reports to Board::on_wifi().
enum class WifiReport : uint8_t {
  Joined,              // connected to the known network (has an address)
  JoinFailed,          // the port knows it will not join (e.g. no such SSID in a scan, wrong password)
  AccessPointStarted,  // the access point is up at its address
  AccessPointFailed,   // it could not be started
};

// What the decision asks of the port, or what came of a report.
enum class WifiStep : uint8_t {
  None,
  Join,
  StartAccessPoint,
  Joined,
  JoinFailed,
  AccessPointUp,
  AccessPointDown
};

class NetworkPlan {
 public:
  explicit NetworkPlan(const NetworkConfig& config) : config_(config) {}

  // At boot (local ns): what to do first is then returned by next().
  void start(int64_t local_ns);
  // The request for the port at local_ns (Join, StartAccessPoint), a timeout
  // that passed (JoinFailed), or None.  Call until it returns None.
  WifiStep next(int64_t local_ns);
  // The port's report at local_ns; what it means for the board.
  WifiStep on_report(WifiReport r, int64_t local_ns);
  // When next() has something to say (local ns); INT64_MAX: only on a report.
  int64_t wake_ns() const;

  bool access_point_up() const { return state_ == State::AccessPoint; }
  bool joined() const { return state_ == State::Joined; }
  const NetworkConfig& config() const { return config_; }

 private:
  enum class State : uint8_t {
    Idle,
    JoinDue,
    Joining,
    Unjoined,
    AccessPointDue,
    AccessPointStarting,
    AccessPoint,
    Joined
  };
  bool has_known() const { return config_.known.ssid != nullptr && config_.known.ssid[0] != '\0'; }
  WifiStep fail_join();

  NetworkConfig config_;
  State state_ = State::Idle;
  int64_t deadline_ns_ = 0;  // Joining: fall back at this local time
};

}  // namespace lansync::fw
