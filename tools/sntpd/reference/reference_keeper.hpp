// sntpd's reference keeper: which reference the served clock follows, published to the workers.
//
// After each upstream reply, after a phone's set, for each status report, and
// once a second (while it follows the upstream servers: when the reference
// would stop counting, and every 64 s), it asks
// each reference (references.hpp: the upstream servers, the kernel's word
// when someone else disciplines the clock, the sync-state file,
// --local-stratum) for its candidate, lets core/reference choose, publishes
// the choice to the workers (core::Server), logs each change of reference and
// tells systemd the reference served (sd_notify STATUS=).  A phone's set (GET
// /exchange, POST /set) is judged here on the same candidates (core/phone)
// and, when taken, steps the clock (clock_writer.hpp).  With
// --camera-reference, a reading of the camera's clock is offered when nothing
// better counts (camera_fallback.hpp).  Called on the event loop's thread
// (sntpd-web's requests reach it there over the web channel, the control
// socket's too); the NTP workers see only the core::Server it publishes.  Its
// lock makes each call whole should another thread call it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/phone.hpp"
#include "core/reference.hpp"
#include "event_loop.hpp"
#include "os/clock.hpp"
#include "os/net_udp.hpp"
#include "reference/camera_fallback.hpp"
#include "reference/clock_writer.hpp"
#include "reference/reference_part.hpp"
#include "reference/reliability_log.hpp"
#include "status/status_snapshot.hpp"
#include "upstream/upstream_set.hpp"
#include "worker.hpp"

namespace lansync::sntpd {

struct ReferenceConfig {
  std::string state_path;         // --state: the sync-state file read as a reference
  int64_t max_age_ns = 0;         // --max-age: a reference older than this no longer counts
  int local_stratum = 0;          // --local-stratum; 0: none
  std::string camera_state_path;  // --camera-reference: camsync's camera-state file, for its reading; "": off
};

class ReferenceKeeper {
 public:
  // Makes the references the settings ask for (references.hpp) and measures the clock's precision;
  // the daemon's start is now (the local clock reference counts from it).
  ReferenceKeeper(os::Clock& clock, core::Server& serve, UpstreamSet& upstreams,
                  const ReferenceConfig& config);

  // Serves a precision no finer than the sockets' receive stamps (served_precision_log2).
  void widen_precision(os::RxStamping receive);
  // Registers each reference's descriptors and timers, and the timer that chooses the reference again.
  void attach(EventLoop& loop);
  // Chooses the reference now and publishes it.
  void refresh();
  // Tells systemd that sntpd is ready (READY=1), with the reference served.
  void notify_ready();
  // Tells log each reference chosen and each phone's set or verification (before the first refresh).
  void report_reliability(ReliabilityLog* log) { reliability_ = log; }

  // A phone's exchange x (T2/T3 ours, issued at monotonic issued_mono_ns),
  // with the phone's tz database name when it sent one: judged on evidence
  // offered now (core::judge_phone_set).  Set: the clock is stepped and
  // recorded (flow::correct_clock, source "phone"); Verified: the agreement is
  // recorded (flow::record_verification, action "verified"); either way with
  // time_zone, and the reference is re-chosen at once.  ClockFailed when the
  // step or the record failed (the reason says which).  holder: another phone
  // that holds the clock (PhoneSetContext::holder).
  core::PhoneVerdict set_from_phone(const proto::PhoneExchange& x, int64_t issued_mono_ns,
                                    const std::optional<std::string>& time_zone = std::nullopt,
                                    const std::optional<core::PhoneHolder>& holder = std::nullopt);

  // The reference as last chosen, with its age and root dispersion at now.
  ReferenceSnapshot snapshot();
  // The reference state served now (what broadcasts carry).
  proto::ReferenceState state();
  // Each reference's part of the status report (the upstream servers).  Thread-safe.
  void describe(StatusSnapshot& s);

 private:
  // Every reference's candidate at now_ns, in order of preference, and the choice among them;
  // record_ns: the sync-state record's time (0: none), fresh or not.
  core::ReferenceChoice choose_locked(int64_t now_ns, int64_t* record_ns);
  void refresh_locked();
  void log_change(const core::ReferenceChoice& choice);
  // Tells systemd the reference served ("serving stratum 3 from phone, 12 min
  // old" / "unsynchronized: ..."), when that line changed; prefix goes first.
  void notify_status_locked(std::string_view prefix = "");
  // Steps the clock (Set) or records the agreement (Verified) for an accepted verdict.
  void apply_phone_locked(core::PhoneVerdict& v, const std::optional<std::string>& time_zone);

  os::Clock& clock_;
  core::Server& serve_;
  UpstreamSet& upstreams_;  // told whether the time served is trusted (NTS certificates' dates)
  int64_t max_age_ns_;
  std::vector<std::unique_ptr<ReferencePart>> references_;  // in order of preference
  ClockWriter writer_;
  std::unique_ptr<CameraFallback> camera_;  // --camera-reference; none: off
  int8_t precision_log2_;
  std::mutex mutex_;  // the members below
  core::ReferenceChoice reference_;
  bool have_reference_ = false;
  std::string systemd_status_;             // the STATUS= line systemd has last been sent
  int64_t next_refresh_mono_ns_ = 0;       // when to choose again (monotonic ns)
  ReliabilityLog* reliability_ = nullptr;  // none: no reliability lines
};

}  // namespace lansync::sntpd
