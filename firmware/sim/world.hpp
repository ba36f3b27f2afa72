// A simulated world for the firmware core: a drifting crystal, a Wi-Fi-like network, an NTP
// server and a DS3231, on simulated time.
//
// The unit tests and bench/firmware_sim run the real fw::Board in it: the
// board sees only its local counter (the crystal's idea of time), datagrams
// and I2C transfers, exactly as on a chip; the world knows the true time and
// so the board's true error at any instant.  Everything is deterministic for
// a given seed.  Host-only (std, doubles): the simulation is not firmware.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <vector>

#include "firmware/board/board.hpp"

namespace lansync::testing {
class FakeClock;
class Ds3231Emulator;
}  // namespace lansync::testing

namespace lansync::sim {

inline constexpr int64_t kSecondNs = 1'000'000'000;

// A crystal: its frequency error in ppm (positive: fast) as a function of
// true time in seconds, integrated in one-second steps into the local counter.
class Oscillator {
 public:
  Oscillator(std::function<double(double true_s)> ppm, int64_t duration_ns);
  explicit Oscillator(double ppm, int64_t duration_ns = 0)
      : Oscillator([ppm](double) { return ppm; }, duration_ns) {}

  int64_t local_ns(int64_t true_ns) const;  // the counter at a true time (>= 0)
  int64_t true_ns(int64_t local_ns) const;  // its inverse
  double ppm_at(int64_t true_ns) const;

 private:
  std::function<double(double)> ppm_;
  std::vector<double> local_at_second_;  // local ns at each whole true second
};

// One-way delays: a function of the random source and the direction; a
// negative value loses the packet.
using DelayModel = std::function<int64_t(std::mt19937_64& rng, bool uplink)>;

// A constant delay each way (loopback-like).
DelayModel fixed_delay(int64_t up_ns, int64_t down_ns);

// The Wi-Fi model of bench/README.md: base + exponential tail each way,
// asymmetry added to the uplink, rare spikes and losses.
struct WifiDelay {
  int64_t base_ns = 1'000'000;       // each way
  int64_t tail_mean_ns = 4'000'000;  // exponential, each way
  int64_t asymmetry_ns = 1'000'000;  // extra on the uplink
  double spike_probability = 0.005;  // a power-save / rescan stall ...
  int64_t spike_ns = 100'000'000;    // ... of this much more
  double loss_probability = 0.01;
};
DelayModel wifi_delay(const WifiDelay& w);

// The NTP server the board talks to.
struct ServerModel {
  int64_t offset_ns = 0;        // its clock minus true UTC
  bool unsynchronized = false;  // answer LI=3, stratum 16
  uint8_t stratum = 1;
  int64_t processing_ns = 20'000;     // T3 - T2
  int64_t broadcast_interval_ns = 0;  // mode-5 broadcasts this often (0: none)
};

struct WorldConfig {
  int64_t utc0_ns = int64_t{1'795'000'000} * kSecondNs;  // true UTC at true time 0
  uint64_t seed = 1;
  DelayModel delay = fixed_delay(50'000, 50'000);
  ServerModel server;
  bool server_reachable = true;
  bool rtc = false;                   // a DS3231 on the board's bus
  double rtc_ppm = 0;                 // its crystal error
  int64_t rtc_transfer_ns = 200'000;  // one I2C transfer
  bool wifi_present = true;           // the known network is in range (JoinNetwork succeeds)
  int64_t join_ns = 3 * kSecondNs;    // how long joining it takes
};

class World {
 public:
  // board: built by the caller with config.random64 = World::random64 and
  // config.random_context = the world (see board_config()).
  World(const WorldConfig& config, const Oscillator& oscillator);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // A board configuration wired to this world's random source.
  fw::BoardConfig board_config() const;
  // Builds the board and starts it at true time now.
  fw::Board& start_board(const fw::BoardConfig& config);
  fw::Board& board() { return *board_; }

  // Runs every event up to true time end_ns.
  void run_until(int64_t end_ns);

  // Deep sleep, as a port does it: saves the board's record, sleeps for
  // true_sleep_ns of true time (Wi-Fi off: datagrams in flight and
  // broadcasts meanwhile are lost), then wakes a new board (RAM lost, the
  // local counter restarted at 0) with the record, damaged first by damage
  // if given (a power cut), and the sleep timer's measure of the sleep: the
  // true duration times 1 + sleep_ppm.  Returns what wake() did.
  fw::WakeResult deep_sleep(int64_t true_sleep_ns, double sleep_ppm,
                            const std::function<void(fw::SleepRecord*)>& damage = {});

  int64_t true_ns() const { return true_ns_; }
  int64_t utc_ns() const { return config_.utc0_ns + true_ns_; }
  int64_t local_ns() const { return oscillator_.local_ns(true_ns_) - local_base_ns_; }
  // The board's time minus true UTC, now.
  int64_t error_ns() const;
  fw::Reading reading() const;

  WorldConfig& config() { return config_; }
  // The emulated DS3231, brought up to the present.
  testing::Ds3231Emulator& rtc();
  testing::FakeClock& rtc_clock() { return *rtc_clock_; }
  uint32_t requests() const { return requests_; }
  // Wi-Fi: joins asked, and the true time the access point was started (-1: never).
  uint32_t joins() const { return joins_; }
  int64_t access_point_started_ns() const { return access_point_started_ns_; }

  static uint64_t random64(void* world);

 private:
  struct Delivery {
    int64_t true_ns;
    uint64_t order;
    bool broadcast;
    std::vector<uint8_t> data;
    bool operator>(const Delivery& o) const {
      return true_ns != o.true_ns ? true_ns > o.true_ns : order > o.order;
    }
  };

  void perform(const fw::Action& a);
  void send_request(const fw::Action& a);
  void schedule_broadcast();
  void deliver_due();
  void advance_to(int64_t to_true_ns);
  int64_t true_at_local(int64_t local_ns) const { return oscillator_.true_ns(local_ns + local_base_ns_); }

  WorldConfig config_;
  const Oscillator& oscillator_;
  std::mt19937_64 rng_;
  std::unique_ptr<fw::Board> board_;
  fw::BoardConfig board_config_;
  int64_t local_base_ns_ = 0;  // the oscillator's count when the board's counter last restarted
  std::unique_ptr<testing::FakeClock> rtc_clock_;
  std::unique_ptr<testing::Ds3231Emulator> rtc_;
  std::priority_queue<Delivery, std::vector<Delivery>, std::greater<>> deliveries_;
  int64_t true_ns_ = 0;
  int64_t next_broadcast_ns_ = 0;
  uint64_t order_ = 0;
  uint32_t requests_ = 0;
  uint32_t joins_ = 0;
  int64_t access_point_started_ns_ = -1;
};

}  // namespace lansync::sim
