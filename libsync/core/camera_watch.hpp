// When a camera's SSDP traffic should start a camsync run (camsync --watch), and whether a run waits for a
// phone.
//
// A Canon camera announces itself on the LAN with NOTIFY ssdp:alive when it joins (and again
// before its CACHE-CONTROL max-age runs out), says ssdp:byebye when it leaves, and answers
// M-SEARCH.  A run is asked for when the camera appears: heard from an address that was not
// present (never heard, its max-age over, or gone with a byebye) or that announces a new boot
// (BOOTID.UPNP.ORG); and when it is heard at all after a run that failed, once per failed run
// (the watcher sends an M-SEARCH every 30 s while such a failure stands, for a camera that does
// not announce itself).  Anyone on the LAN can send SSDP, so what is heard is only ever a reason
// to run, never where to go, and the requests are bounded: at least 30 s apart (one that comes
// sooner waits for the end of the gap, merged with any other that waits) and drawn from a budget
// of 3 that refills one per 10 min, so that a flood starts at most 3 runs and then one per
// 10 min.  At most 16 addresses are remembered; a 17th makes the one that expires first
// forgotten.  Times are the monotonic clock's: a phone stepping the Pi's clock moves nothing here.
//
// The run that answers a camera's appearance waits for a phone first (as the intervalometer
// app syncs its phone before the camera on camera connect) when a phone's record vouches for
// this clock now (a phone's page is open and keeping it): it waits, at most a few tens of
// seconds, for that phone's next set or verification, then sets the camera from the fresh
// clock.  Pure: the caller does the I/O and reads the clocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/trust.hpp"

namespace lansync::core {

// What was heard from an address.
enum class SsdpEvent : uint8_t {
  Alive,   // NOTIFY ssdp:alive for the camera's service
  Answer,  // an answer to an M-SEARCH for it
  Byebye,  // NOTIFY ssdp:byebye: it leaves
};

// Why a run is asked for.
enum class WatchReason : uint8_t {
  None,
  Appeared,  // the camera appeared: not present before, or a new boot
  Answered,  // the camera was heard (appearing or not) after a failed run
};

// "none", "camera_appeared", "camera_answered": the camera-request file's reason.
const char* code(WatchReason r);

// What to do about what was heard.
enum class WatchAction : uint8_t {
  Nothing,   // the camera was present and its last run did not fail (or it left)
  Run,       // ask for a run now
  Deferred,  // a run is due, after the 30 s gap or once the budget allows (next_due_ns)
};

struct WatchDecision {
  WatchAction action = WatchAction::Nothing;
  WatchReason reason = WatchReason::None;
};

// The watcher's bounds; the defaults are camsync's, documented in camsync(1).
struct WatchLimits {
  int64_t min_gap_ns = 30'000'000'000;            // between two requested runs
  int burst = 3;                                  // runs the budget holds
  int64_t refill_ns = 600'000'000'000;            // one run more per this
  int64_t default_max_age_ns = 1800'000'000'000;  // an announcement without CACHE-CONTROL
  int64_t min_max_age_ns = 60'000'000'000;        // max-age is clamped to [min, max]
  int64_t max_max_age_ns = 3600'000'000'000;
  size_t max_hosts = 16;                       // addresses remembered
  int64_t probe_interval_ns = 30'000'000'000;  // M-SEARCH while a failed run stands
};

class CameraWatch {
 public:
  // Starts at now_ns (monotonic) with a full budget.
  explicit CameraWatch(int64_t now_ns, WatchLimits limits = {});

  // The last run as the camera-state file says: its start (last_run_unix, which names the run)
  // and whether it failed.  A run not seen before that failed opens a failure (true: this call
  // opened one); any request closes it.
  bool last_run(double run_id, bool failed, int64_t now_ns);

  // host (an address as text) was heard at now_ns.  max_age_ns: the announcement's CACHE-CONTROL
  // max-age, if it had one; boot_id: its BOOTID.UPNP.ORG, if it had one.
  WatchDecision heard(const std::string& host, SsdpEvent event, std::optional<int64_t> max_age_ns,
                      std::optional<uint32_t> boot_id, int64_t now_ns);

  // A deferred run, when it is due: action Run with its reason (once), else Nothing.
  WatchDecision due(int64_t now_ns);

  // Whether to send an M-SEARCH now: a failed run stands, no run waits, and the last probe (or
  // the failure's notice) was probe_interval_ns ago.
  bool probe(int64_t now_ns);

  // The next moment due() or probe() may say yes; none when neither will without new input.
  std::optional<int64_t> next_due_ns() const;

  // Addresses present now (for tests and the log).
  size_t present(int64_t now_ns) const;

 private:
  struct Host {
    int64_t expires_ns = 0;
    std::optional<uint32_t> boot_id;
  };
  WatchDecision want(WatchReason reason, int64_t now_ns);
  int64_t credit_at(int64_t now_ns) const;
  int64_t allowed_at() const;
  void spend(int64_t now_ns);
  void forget_expired(int64_t now_ns);

  WatchLimits limits_;
  std::map<std::string, Host> hosts_;
  int64_t credit_ns_;  // the budget at credit_time_ns_, in ns of refill (refill_ns per run)
  int64_t credit_time_ns_;
  std::optional<int64_t> last_request_ns_;
  WatchReason pending_ = WatchReason::None;
  std::optional<double> known_run_;
  bool failure_open_ = false;
  int64_t last_probe_ns_ = 0;
};

// The camera-request file's record is fresh enough to be this run's reason: written at most 60 s
// before now (and not more than 2 s after it), both by the system clock, in Unix ms.
bool camera_request_fresh(int64_t requested_unix_ms, int64_t now_unix_ms);
inline constexpr int64_t kCameraRequestFreshMs = 60'000;

// A phone's record vouches for this clock now (source "phone", made in this boot, no older than
// max_age_ns): a phone's page is open and keeping the clock, so it should sync before the camera.
bool phone_holds_clock(const TrustEvidence& e, int64_t now_ns, int64_t max_age_ns);

// The sync-state record changed since `before` to a phone's: that phone set or verified the clock.
bool phone_synced_since(const TrustEvidence& before, const TrustEvidence& now);

// The sync-state record is a phone's, made in this boot at or after since_unix_ns by the clock (the
// camera-request's time): the page answered the request before this run looked.
bool phone_synced_after(const TrustEvidence& e, int64_t since_unix_ns);

}  // namespace lansync::core
