// What sntpd keeps of the phones' requests: each set attempt (taken, verified or refused) and each
// camera request is counted, logged (refusals at most once a minute per reason: anyone on the LAN
// can send them in a loop) and, when it passed the access check, appended to the activity log
// (activity.hpp), the phones' history.  The last set, verification and refusal are kept for the
// status report.  Runs in the event loop's thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/phone.hpp"
#include "os/clock.hpp"
#include "os/ipc_web.hpp"
#include "status/activity.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

class PhoneRecord {
 public:
  // Times are clock's (the served clock); lines go to activity_log ("" none).
  PhoneRecord(os::Clock& clock, std::string activity_log)
      : clock_(clock), activity_(std::move(activity_log)) {}

  // One attempt of r's phone to set the clock: its outcome, the refusal (None when taken), the
  // message the page got and the measurement when there was one.
  void attempt(const os::web::SetRequest& r, core::PhoneOutcome outcome, core::PhoneRefusal refusal,
               const std::string& message, const std::optional<proto::PhoneMeasurement>& m);
  // One request for a camsync run (POST /sync-camera): refusal None when it was made.
  void camera_request(const os::web::SetRequest& r, core::PhoneRefusal refusal, const std::string& message);
  // The counts and the last attempts, into the status report.
  void report(HttpSnapshot& h) const;

 private:
  // Counts a refusal and logs "CLIENT may not WHAT (CODE): MESSAGE" at most once a minute per
  // reason; true when it passed the access check, so that it goes to the activity log.
  bool refused(core::PhoneRefusal refusal, const std::string& client, const char* what,
               const std::string& message);

  os::Clock& clock_;
  ActivityLog activity_;
  uint64_t sets_ = 0;
  uint64_t verifications_ = 0;
  uint64_t refused_[kPhoneRefusals] = {};
  // Per refusal reason, when its last log line was written (monotonic ns).
  int64_t refusal_logged_mono_ns_[kPhoneRefusals] = {};
  std::optional<PhoneAttempt> last_set_;           // none before the first
  std::optional<PhoneAttempt> last_verification_;  // likewise
  std::optional<PhoneAttempt> last_refusal_;       // likewise
};

}  // namespace lansync::sntpd
