// sntpd's activity log writer (--activity-log): one JSON line per event, warned about once when it fails.
//
// The phones' attempts (web_service.cpp) and the reference's reliability
// (reliability_log.hpp) go to the same file, one object a line, each with
// "time" (the served clock, UTC) and "event" first.  A phone's set or
// verification carries the location the page sent, which nothing else keeps.
#pragma once

#include <string>

#include "core/phone.hpp"
#include "nlohmann/json_fwd.hpp"

namespace lansync::sntpd {

// Appends line to the activity log at path ("" = none).  A failure is logged
// once (*failed remembers it) until a line is written again.
void append_activity(const std::string& path, const nlohmann::ordered_json& line, bool* failed);

// A phone's location as its activity line carries it: {"lat", "lon"} in degrees, "accuracy_m",
// "unix" (the fix's time, s).
nlohmann::ordered_json location_json(const core::PhoneLocation& l);

}  // namespace lansync::sntpd
