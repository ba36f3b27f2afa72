// sntpd's reference keeper: which reference the served clock follows, published to the workers.
//
// Once a second, after each upstream reply and after a phone's set, it
// gathers the evidence (the upstream servers, the kernel's sync status when
// someone else disciplines the clock, the sync-state file, --local-stratum),
// lets core/reference choose, publishes the choice to the workers
// (core::Server), logs each change of reference and tells systemd the
// reference served (sd_notify STATUS=).  A phone's set (GET /exchange, POST
// /set) is judged here on the same evidence (core/phone) and, when taken,
// steps the clock.  With --camera-reference, a reading of the camera's clock that camsync
// recorded (core/camera_reference.hpp) is taken the same way when nothing better counts.
// Called on the event loop's thread (sntpd-web's requests reach it there over
// the web channel, the control socket's too); the NTP workers see only the
// core::Server it publishes.  Its lock makes each call whole should another
// thread call it.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/phone.hpp"
#include "core/reference.hpp"
#include "event_loop.hpp"
#include "os/clock.hpp"
#include "os/set_clock.hpp"
#include "os/udp.hpp"
#include "reliability_log.hpp"
#include "status_snapshot.hpp"
#include "upstream_set.hpp"
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
  // Measures the clock's precision; the daemon's start is now (the reference's grace period counts from it).
  ReferenceKeeper(os::Clock& clock, core::Server& serve, UpstreamSet& upstreams, ReferenceConfig config);

  // Serves a precision no finer than the sockets' receive stamps (served_precision_log2).
  void widen_precision(os::RxStamping receive);
  // Re-chooses the reference every second.
  void attach(EventLoop& loop);
  // Chooses the reference now and publishes it.
  void refresh();
  // Tells systemd that sntpd is ready (READY=1), with the reference served.
  void notify_ready();
  // Tells log each reference chosen and each phone's set or verification (before the first refresh).
  void report_reliability(ReliabilityLog* log) { reliability_ = log; }

  // A phone's exchange x (T2/T3 ours, issued at monotonic issued_mono_ns),
  // with the phone's tz database name when it sent one: judged on evidence
  // gathered now (core::judge_phone_set).  Set: the clock is stepped and
  // recorded (os::correct_clock, source "phone"); Verified: the agreement is
  // recorded (os::record_verification, action "verified"); either way with
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

 private:
  core::ReferenceEvidence gather_evidence(std::string* state_source);
  void refresh_locked();
  void log_change(const core::ReferenceChoice& choice);
  // Tells systemd the reference served ("serving stratum 3 from phone, 12 min
  // old" / "unsynchronized: ..."), when that line changed; prefix goes first.
  void notify_status_locked(std::string_view prefix = "");
  // Steps the clock (Set) or records the agreement (Verified) for an accepted verdict.
  void apply_phone_locked(core::PhoneVerdict& v, const std::optional<std::string>& time_zone);
  // Records cc as a verification (verify), or applies it and records it, never while an upstream
  // exchange is being read (the phone's and the camera's sets alike).
  os::Status correct_or_verify_locked(const os::ClockCorrection& cc, bool verify);
  // --camera-reference: a new reading in the camera-state file, judged against choice (from e) by
  // core::judge_camera_reading, steps the clock or records the agreement (source "camera"); true
  // when it did.
  bool take_camera_locked(const core::ReferenceChoice& choice, const core::ReferenceEvidence& e,
                          const std::string& state_source);

  os::Clock& clock_;
  core::Server& serve_;
  UpstreamSet& upstreams_;
  ReferenceConfig config_;
  int8_t precision_log2_;
  int64_t start_ns_;  // the served clock when sntpd started (Unix ns)
  std::mutex mutex_;  // the members below
  core::ReferenceChoice reference_;
  std::string reference_source_;  // the sync-state file's source ("phone", ...), else the kind
  bool have_reference_ = false;
  int64_t camera_seen_ns_ = 0;  // the last camera reading judged (its measured time): each is judged once
  std::string systemd_status_;  // the STATUS= line systemd has last been sent
  ReliabilityLog* reliability_ = nullptr;  // none: no reliability lines
};

}  // namespace lansync::sntpd
