// The simulated world; see world.hpp.
#include "firmware/sim/world.hpp"

#include <algorithm>
#include <cmath>

#include "codec/ntp_packet.hpp"
#include "codec/timestamp.hpp"
#include "ds3231_emulator.hpp"
#include "fake_clock.hpp"

namespace lansync::sim {
namespace {

constexpr int64_t kNever = INT64_MAX;
constexpr double kSecond = 1e9;

}  // namespace

Oscillator::Oscillator(std::function<double(double)> ppm, int64_t duration_ns) : ppm_(std::move(ppm)) {
  int64_t seconds = duration_ns / kSecondNs + 2;
  local_at_second_.resize(static_cast<size_t>(seconds) + 1);
  local_at_second_[0] = 0;
  for (int64_t i = 0; i < seconds; ++i) {
    double rate = 1 + ppm_(static_cast<double>(i) + 0.5) * 1e-6;
    local_at_second_[static_cast<size_t>(i) + 1] = local_at_second_[static_cast<size_t>(i)] + kSecond * rate;
  }
}

double Oscillator::ppm_at(int64_t true_ns) const { return ppm_(static_cast<double>(true_ns) / kSecond); }

int64_t Oscillator::local_ns(int64_t true_ns) const {
  auto last = static_cast<int64_t>(local_at_second_.size()) - 1;
  int64_t i = std::clamp<int64_t>(true_ns / kSecondNs, 0, last);
  double frac = static_cast<double>(true_ns - i * kSecondNs);
  double rate =
      i < last ? (local_at_second_[static_cast<size_t>(i) + 1] - local_at_second_[static_cast<size_t>(i)]) /
                     kSecond
               : 1 + ppm_at(true_ns) * 1e-6;
  return std::llround(local_at_second_[static_cast<size_t>(i)] + frac * rate);
}

int64_t Oscillator::true_ns(int64_t local_ns) const {
  auto l = static_cast<double>(local_ns);
  auto it = std::upper_bound(local_at_second_.begin(), local_at_second_.end(), l);
  auto i = static_cast<int64_t>(it - local_at_second_.begin()) - 1;
  if (i < 0) i = 0;
  auto last = static_cast<int64_t>(local_at_second_.size()) - 1;
  double base = local_at_second_[static_cast<size_t>(i)];
  double rate = i < last ? (local_at_second_[static_cast<size_t>(i) + 1] - base) / kSecond
                         : 1 + ppm_(static_cast<double>(i)) * 1e-6;
  // Round up, so that the local counter has reached local_ns at the time returned.
  int64_t true_ns_at = i * kSecondNs + static_cast<int64_t>(std::ceil((l - base) / rate));
  while (this->local_ns(true_ns_at) < local_ns) ++true_ns_at;
  return true_ns_at;
}

DelayModel fixed_delay(int64_t up_ns, int64_t down_ns) {
  return [=](std::mt19937_64&, bool uplink) { return uplink ? up_ns : down_ns; };
}

DelayModel wifi_delay(const WifiDelay& w) {
  return [w](std::mt19937_64& rng, bool uplink) -> int64_t {
    std::uniform_real_distribution<double> u(0, 1);
    if (u(rng) < w.loss_probability) return -1;
    std::exponential_distribution<double> tail(1.0 / static_cast<double>(w.tail_mean_ns));
    auto d = w.base_ns + static_cast<int64_t>(tail(rng));
    if (uplink) d += w.asymmetry_ns;
    if (u(rng) < w.spike_probability) d += w.spike_ns;
    return d;
  };
}

World::World(const WorldConfig& config, const Oscillator& oscillator)
    : config_(config), oscillator_(oscillator), rng_(config.seed) {
  rtc_clock_ = std::make_unique<testing::FakeClock>();
  rtc_ = std::make_unique<testing::Ds3231Emulator>(*rtc_clock_);
  rtc_->crystal_ppm = config.rtc_ppm;
  rtc_->absent = !config.rtc;
}

World::~World() = default;

uint64_t World::random64(void* world) { return static_cast<World*>(world)->rng_(); }

fw::BoardConfig World::board_config() const {
  fw::BoardConfig c;
  c.random64 = &World::random64;
  c.random_context = const_cast<World*>(this);
  return c;
}

fw::Board& World::start_board(const fw::BoardConfig& config) {
  board_config_ = config;
  board_ = std::make_unique<fw::Board>(config);
  board_->start(local_ns());
  next_broadcast_ns_ = config_.server.broadcast_interval_ns > 0 ? true_ns_ + 1'000'000 : kNever;
  return *board_;
}

testing::Ds3231Emulator& World::rtc() {
  rtc_clock_->advance(true_ns_ - rtc_clock_->monotonic_ns());
  return *rtc_;
}

int64_t World::error_ns() const { return board_->now(local_ns()).utc_ns - utc_ns(); }

fw::Reading World::reading() const { return board_->now(local_ns()); }

void World::send_request(const fw::Action& a) {
  ++requests_;
  if (!config_.server_reachable) return;
  int64_t up = config_.delay(rng_, true);
  if (up < 0) return;
  auto request = codec::decode(a.data, a.size);
  if (!request) return;
  int64_t arrival = true_ns_ + up;
  const ServerModel& s = config_.server;
  int64_t t2 = config_.utc0_ns + arrival + s.offset_ns;
  codec::NtpHeader h;
  h.version = request->header.version;
  h.mode = codec::Mode::Server;
  h.leap = s.unsynchronized ? codec::Leap::Unsynchronized : codec::Leap::None;
  h.stratum = s.unsynchronized ? 16 : s.stratum;
  h.precision_log2 = -20;
  h.refid = codec::refid_from_ascii("GPS");
  h.root_dispersion = codec::to_ntp_short(10'000);
  h.reference = codec::to_ntp(t2 - kSecondNs);
  h.origin = request->header.transmit;
  h.receive = codec::to_ntp(t2);
  h.transmit = codec::to_ntp(t2 + s.processing_ns);
  int64_t down = config_.delay(rng_, false);
  if (down < 0) return;
  Delivery d{arrival + s.processing_ns + down, order_++, false, std::vector<uint8_t>(codec::kHeaderSize)};
  codec::encode(h, d.data.data(), d.data.size());
  deliveries_.push(std::move(d));
}

void World::schedule_broadcast() {
  const ServerModel& s = config_.server;
  codec::NtpHeader h;
  h.mode = codec::Mode::Broadcast;
  h.leap = s.unsynchronized ? codec::Leap::Unsynchronized : codec::Leap::None;
  h.stratum = s.unsynchronized ? 16 : s.stratum;
  h.poll_log2 = 6;
  h.precision_log2 = -20;
  h.refid = codec::refid_from_ascii("GPS");
  h.transmit = codec::to_ntp(config_.utc0_ns + true_ns_ + s.offset_ns);
  int64_t down = config_.delay(rng_, false);
  if (down < 0) return;
  Delivery d{true_ns_ + down, order_++, true, std::vector<uint8_t>(codec::kHeaderSize)};
  codec::encode(h, d.data.data(), d.data.size());
  deliveries_.push(std::move(d));
}

void World::perform(const fw::Action& a) {
  switch (a.kind) {
    case fw::ActionKind::SendNtp: send_request(a); return;
    case fw::ActionKind::ReadRtc: {
      rtc_clock_->advance(true_ns_ - rtc_clock_->monotonic_ns());
      int64_t before = local_ns();
      uint8_t regs[32] = {};
      uint8_t reg = a.reg;
      bool ok = rtc_->transfer(testing::Ds3231Emulator::kAddress, &reg, 1, regs, a.size).ok();
      true_ns_ += config_.rtc_transfer_ns;
      board_->on_rtc_read(regs, a.size, ok, before);
      return;
    }
    case fw::ActionKind::WriteRtc: {
      // The port waits for the moment, then writes; datagrams meanwhile are
      // taken with their own arrival times (kernel timestamps on the host).
      advance_to(std::max(true_ns_, true_at_local(a.at_local_ns)));
      rtc_clock_->advance(true_ns_ - rtc_clock_->monotonic_ns());
      uint8_t buffer[1 + sizeof(a.data)];
      buffer[0] = a.reg;
      std::copy(a.data, a.data + a.size, buffer + 1);
      bool ok = rtc_->transfer(testing::Ds3231Emulator::kAddress, buffer, 1u + a.size, nullptr, 0).ok();
      true_ns_ += config_.rtc_transfer_ns;
      board_->on_rtc_written(ok, local_ns());
      return;
    }
    case fw::ActionKind::JoinNetwork:
      // An absent network is never joined: the board's own timeout decides.
      ++joins_;
      if (!config_.wifi_present) return;
      advance_to(true_ns_ + config_.join_ns);
      board_->on_wifi(fw::WifiReport::Joined, local_ns());
      return;
    case fw::ActionKind::StartAccessPoint:
      access_point_started_ns_ = true_ns_;
      board_->on_wifi(fw::WifiReport::AccessPointStarted, local_ns());
      return;
    case fw::ActionKind::Wait: return;
  }
}

void World::deliver_due() {
  while (!deliveries_.empty() && deliveries_.top().true_ns <= true_ns_) {
    Delivery d = deliveries_.top();
    deliveries_.pop();
    if (d.broadcast) {
      board_->on_broadcast(d.data.data(), d.data.size(), local_ns(), 0x7F000001);
    } else {
      board_->on_ntp_packet(d.data.data(), d.data.size(), local_ns());
    }
  }
  if (next_broadcast_ns_ <= true_ns_) {
    schedule_broadcast();
    next_broadcast_ns_ += config_.server.broadcast_interval_ns;
  }
}

void World::advance_to(int64_t to_true_ns) {
  for (;;) {
    int64_t next = std::min(deliveries_.empty() ? kNever : deliveries_.top().true_ns, next_broadcast_ns_);
    if (next > to_true_ns) break;
    true_ns_ = std::max(true_ns_, next);
    deliver_due();
  }
  true_ns_ = std::max(true_ns_, to_true_ns);
}

fw::WakeResult World::deep_sleep(int64_t true_sleep_ns, double sleep_ppm,
                                 const std::function<void(fw::SleepRecord*)>& damage) {
  fw::SleepRecord record = board_->save(local_ns());
  if (damage) damage(&record);
  deliveries_ = {};
  true_ns_ += true_sleep_ns;
  if (next_broadcast_ns_ != kNever) {
    while (next_broadcast_ns_ <= true_ns_) next_broadcast_ns_ += config_.server.broadcast_interval_ns;
  }
  local_base_ns_ = oscillator_.local_ns(true_ns_);
  auto slept = std::llround(static_cast<double>(true_sleep_ns) * (1 + sleep_ppm * 1e-6));
  board_ = std::make_unique<fw::Board>(board_config_);
  return board_->wake(record, slept, local_ns());
}

void World::run_until(int64_t end_ns) {
  for (int guard = 0; guard < 100'000'000; ++guard) {
    fw::Action a = board_->next_action(local_ns());
    if (a.kind != fw::ActionKind::Wait) {
      if (a.kind == fw::ActionKind::WriteRtc && true_at_local(a.at_local_ns) > end_ns) {
        // The write is due after the end: stop just before it.
        advance_to(end_ns);
        return;
      }
      perform(a);
      continue;
    }
    int64_t wake = a.at_local_ns == kNever ? kNever : true_at_local(std::max(a.at_local_ns, local_ns()));
    if (wake <= true_ns_) wake = true_ns_ + 1;
    int64_t next =
        std::min({wake, deliveries_.empty() ? kNever : deliveries_.top().true_ns, next_broadcast_ns_});
    if (next > end_ns) {
      true_ns_ = std::max(true_ns_, end_ns);
      return;
    }
    true_ns_ = std::max(true_ns_, next);
    deliver_due();
  }
}

}  // namespace lansync::sim
