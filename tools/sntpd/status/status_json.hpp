// The status snapshot as JSON: `sntpd status --json`, the control socket's replies, GET /time.
//
// The daemon renders its snapshot (status_snapshot.hpp) here for the control
// socket's JSON (`sntpd status --json`); the text is rendered beside it
// (status_text.hpp), nothing is parsed back.  Field names, order and null-ness are the documented report of
// sntpd(8): durations and instants in seconds as floating point (Unix time
// for instants), reach as three octal digits.  The activity log's lines
// and the report's last phone set and refusal are one JSON object
// (phone_attempt_json).
#pragma once

#include <optional>
#include <vector>

#include "core/phone.hpp"
#include "nlohmann/json_fwd.hpp"
#include "os/camera_state.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

// ns as seconds, or null.
nlohmann::ordered_json seconds_or_null(const std::optional<int64_t>& ns);

// An NTS server's authentication: authenticated, cookies, last_exchange_unix (null before one),
// dates_checked, error (null when the last exchange succeeded), exchanges, naks.
nlohmann::ordered_json nts_json(const NtsSnapshot& n);

// The report of `sntpd status --json`.
nlohmann::ordered_json status_json(const StatusSnapshot& s);

// {"clients": [...]}, most recent first, as `sntpd status --clients --json` prints it.
nlohmann::ordered_json clients_json(const std::vector<ClientEntry>& clients);

// GET /time: the time now (the snapshot's now_ns) and the reference state, for devices without NTP,
// and camsync's last run as a "camera" object when there is one; "check_in_s": when an open phone
// page checks again (core::phone_recheck_ns with recheck_permille, --http-recheck).
nlohmann::ordered_json time_json(const ReferenceSnapshot& r,
                                 const std::optional<CameraSnapshot>& camera = std::nullopt,
                                 int recheck_permille = core::kPhoneRecheckDefaultPermille);

// What GET /time says of the camera-state file as read: nothing when it does not exist, its
// record, or result "unknown" with the error's one line when it cannot be read or parsed.
std::optional<CameraSnapshot> camera_snapshot(const os::OsResult<os::CameraState>& read);

// One attempt to set the clock, as the activity log and the report's http.last_set hold it.
nlohmann::ordered_json phone_attempt_json(const PhoneAttempt& a);

}  // namespace lansync::sntpd
