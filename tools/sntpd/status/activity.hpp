// sntpd's activity log (--activity-log): one JSON line per event, warned about once when it fails.
//
// The phones' attempts and camera requests (phone_record.hpp) and the reference's reliability
// (reliability_log.hpp) go to the same file, one object a line, each with "time" (the served
// clock, UTC) and "event" first.  Every kind of line is built here.  A phone's set or verification
// carries the location the page sent, which nothing else keeps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/phone.hpp"
#include "core/reliability_watch.hpp"
#include "nlohmann/json_fwd.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

// The file, appended to.  Not thread-safe: each writer has its own (the lines are whole appends).
class ActivityLog {
 public:
  explicit ActivityLog(std::string path) : path_(std::move(path)) {}
  // Appends line ("" path: nothing).  A failure is logged once, until a line is written again.
  void append(const nlohmann::ordered_json& line);

 private:
  std::string path_;
  bool failed_ = false;  // warned about the last failure
};

// s with each invalid UTF-8 sequence replaced by U+FFFD, as JSON and the log can carry it (a
// client's address text, its User-Agent, a zone name it sent).
std::string valid_utf8(const std::string& s);

// A phone's set, verification or refusal: "event" "phone_set", then phone_attempt_json's fields,
// and the location the page sent with a set or verification.
nlohmann::ordered_json phone_line(const PhoneAttempt& a, const std::optional<core::PhoneLocation>& location);

// A request for a camsync run (POST /sync-camera): {"time", "event": "camera_request", "result"
// ("requested" or "refused"), "reason" (core::code(refusal)), "client", "message", "user_agent"}.
nlohmann::ordered_json camera_request_line(const std::string& time_utc, core::PhoneRefusal refusal,
                                           const std::string& client, const std::string& message,
                                           const std::string& user_agent);

// One reliability line: {"time", "event", "detail", "without_phone_s", "message"}; span_ns
// (--no-client-after) for the message.
nlohmann::ordered_json reliability_line(const core::ReliabilityEvent& e, const std::string& time_utc,
                                        int64_t span_ns);

}  // namespace lansync::sntpd
