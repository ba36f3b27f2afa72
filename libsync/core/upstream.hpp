// Following upstream NTP servers: poll schedule, per-server clock filter, selection, discipline.
//
// Each upstream server is polled as RFC 5905 and chrony do: a burst of four
// requests 2 s apart at start, then every 2^poll s with poll adapting between
// 64 s and 1024 s (up while the offsets stay within the noise, down when they
// do not).  The last eight samples form the clock filter; the least-delay one
// stands for the server.  Across servers, the intersection algorithm
// (core/select) picks the truechimers, and the one with the least root
// distance is the system peer: sntpd then serves its stratum + 1 with its
// address as reference ID.  The clock is stepped only on the first update and
// only beyond the step threshold; after that the kernel PLL slews it.  Pure.
// Schedule times (next_poll_ns, on_transmit) are on a monotonic clock, so that
// a step does not disturb them; sample times are on the clock being disciplined.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/exchange.hpp"
#include "core/reference.hpp"

namespace lansync::core {

inline constexpr int kMinPollLog2 = 6;   // 64 s
inline constexpr int kMaxPollLog2 = 10;  // 1024 s
inline constexpr int kBurstSamples = 4;
inline constexpr int64_t kBurstSpacingNs = 2'000'000'000;
inline constexpr size_t kFilterSize = 8;

// One accepted reply from an upstream server.
struct UpstreamSample {
  int64_t time_ns = 0;  // local time of the reply (T4)
  Sample sample;        // offset (positive: server ahead) and delay
  uint8_t stratum = 0;
  int64_t root_delay_ns = 0;
  int64_t root_dispersion_ns = 0;
  int8_t precision_log2 = -20;
};

class UpstreamSource {
 public:
  // name: as configured ("192.168.1.1:123"); refid: its IPv4 address (or the
  // hash of its IPv6 address) as it goes into our replies.
  UpstreamSource(std::string name, uint32_t refid, int64_t now_ns);

  const std::string& name() const { return name_; }
  uint32_t refid() const { return refid_; }
  int poll_log2() const { return poll_log2_; }
  uint8_t reach() const { return reach_; }  // 8-bit register: 1 = a reply to that poll
  int64_t next_poll_ns() const { return next_poll_ns_; }

  // A request was sent at now_ns: shifts the reach register and schedules the next.
  void on_transmit(int64_t now_ns);
  // A reply passed every test.
  void on_sample(const UpstreamSample& s);
  // A Kiss-o'-Death RATE: poll less often from now on.
  void on_rate_kiss(int64_t now_ns);
  // The clock was stepped by offset_ns: shift the stored samples to match.
  void apply_step(int64_t offset_ns);

  // The least-delay sample of the filter, if any reply is recent enough (one
  // of the last 8 polls answered).
  std::optional<UpstreamSample> best() const;
  // RMS offset difference of the filter's samples from the best one.
  int64_t jitter_ns() const;
  // Root distance of this server as seen now (RFC 5905 §11.2).
  int64_t root_distance_ns(int64_t now_ns) const;

 private:
  std::string name_;
  uint32_t refid_;
  int poll_log2_ = kMinPollLog2;
  int burst_left_ = kBurstSamples;
  int poll_counter_ = 0;  // RFC 5905 poll-adjust counter
  uint8_t reach_ = 0;
  int64_t next_poll_ns_;
  std::vector<UpstreamSample> filter_;  // newest last, at most kFilterSize
};

// The outcome of combining the upstream servers.
struct UpstreamSelection {
  bool ok = false;
  int64_t offset_ns = 0;   // combined offset of the truechimers (positive: our clock is behind)
  size_t system_peer = 0;  // index of the truechimer with the least root distance
  std::vector<bool> truechimer;
  UpstreamReference reference;  // what sntpd serves while following the system peer
};

// Combines the servers at now_ns.  The served root dispersion includes the
// combined offset: how far our clock may still be from the servers until the
// correction (if any) has taken effect.
UpstreamSelection select_upstreams(const std::vector<UpstreamSource>& sources, int64_t now_ns);

// What to do with the clock after an update.
struct Discipline {
  enum Kind : uint8_t { None, Step, Pll } kind = None;
  int64_t offset_ns = 0;  // positive: move the clock forward
  int time_constant = 0;  // kernel PLL time constant (poll - 4, at least 0)
};

// first_update: no correction has been applied since start.  Steps only then,
// and only when |offset| exceeds step_threshold_ns; else feeds the kernel PLL.
Discipline plan_discipline(int64_t offset_ns, bool first_update, int64_t step_threshold_ns, int poll_log2);

}  // namespace lansync::core
