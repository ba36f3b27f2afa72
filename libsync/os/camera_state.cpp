// The camera-state file; see camera_state.hpp.
#include "os/camera_state.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/record_age.hpp"
#include "os/file.hpp"

namespace lansync::os {

using nlohmann::json;

namespace {

// Times and offsets in the file are at most this many seconds (as in the sync-state file).
constexpr double kMaxSeconds = 9e9;
// A message is one line for a page: longer ones are cut when written, refused when read.
constexpr size_t kMaxMessageBytes = 1024;
constexpr size_t kMaxCameraBytes = 256;

constexpr CameraResult kResults[] = {CameraResult::Set, CameraResult::Ok, CameraResult::Refused,
                                     CameraResult::Failed};
constexpr SyncOrder kOrders[] = {SyncOrder::PhoneThenCamera, SyncOrder::CameraOnly};

// One line of printable text (UTF-8 allowed): no control characters.
bool one_line(const std::string& text, size_t max) {
  if (text.size() > max) return false;
  for (char c : text) {
    if (control_char(c)) return false;
  }
  return true;
}

std::string one_line_cut(std::string text, size_t max) {
  for (char& c : text) {
    if (control_char(c)) c = ' ';
  }
  if (text.size() > max) text.resize(max);
  return text;
}

// An optional offset: absent or null is unknown; otherwise a number within ±9e9 s.
Status parse_offset(const json& j, const char* key, const std::string& name, std::optional<double>* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return ok();
  if (!it->is_number() || !std::isfinite(it->get<double>()) || std::fabs(it->get<double>()) >= kMaxSeconds) {
    return invalid(name + ": field '" + key + "' must be a number of seconds within 9e9, or null");
  }
  *out = it->get<double>();
  return ok();
}

// An optional instant in whole Unix seconds: absent or null is none (files of older camsync runs).
Status parse_instant(const json& j, const char* key, const std::string& name, std::optional<int64_t>* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return ok();
  if (!it->is_number_integer() || it->get<double>() < 0 || it->get<double>() >= kMaxSeconds) {
    return invalid(name + ": field '" + key + "' must be a whole number of seconds from 0 to 9e9, or null");
  }
  *out = it->get<int64_t>();
  return ok();
}

// The optional order of a camera-appearance run: absent or null is none.
Status parse_order(const json& j, const std::string& name, std::optional<SyncOrder>* out) {
  auto it = j.find("order");
  if (it == j.end() || it->is_null()) return ok();
  for (SyncOrder o : kOrders) {
    if (it->is_string() && it->get<std::string>() == code(o)) {
      *out = o;
      return ok();
    }
  }
  return invalid(name + ": field 'order' must be phone_then_camera, camera_only or null");
}

// The optional fields of a run that answered a camera's appearance.
Status parse_appearance(const json& j, const std::string& name, CameraState* s) {
  if (auto it = j.find("camera_appeared_unix_ms"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<double>() < 0 || it->get<double>() >= kMaxSeconds * 1000)
      return invalid(
          name + ": field 'camera_appeared_unix_ms' must be a whole number of ms from 0 to 9e12, or null");
    s->camera_appeared_unix_ms = it->get<int64_t>();
  }
  if (auto st = parse_order(j, name, &s->order); !st) return st;
  if (auto it = j.find("phone_sync_unix"); it != j.end() && !it->is_null()) {
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0 ||
        it->get<double>() >= kMaxSeconds)
      return invalid(name + ": field 'phone_sync_unix' must be a number from 0 to 9e9, or null");
    s->phone_sync_unix = it->get<double>();
  }
  return ok();
}

// good_unix and reading (camsync --camera-reference), both optional.
Status parse_camera_clock(const json& j, const std::string& name, CameraState* s) {
  if (auto it = j.find("good_unix"); it != j.end() && !it->is_null()) {
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0 ||
        it->get<double>() >= kMaxSeconds)
      return invalid(name + ": field 'good_unix' must be a number from 0 to 9e9, or null");
    s->good_unix = it->get<double>();
  }
  auto it = j.find("reading");
  if (it == j.end() || it->is_null()) return ok();
  auto number = [&](const char* key, double lo, double* out) {
    auto f = it->find(key);
    if (f == it->end() || !f->is_number() || !std::isfinite(f->get<double>()) || f->get<double>() < lo ||
        std::fabs(f->get<double>()) >= kMaxSeconds)
      return false;
    *out = f->get<double>();
    return true;
  };
  double offset = 0, bound = 0, measured = 0;
  auto boot = it->is_object() ? it->find("boot_id") : it->end();
  if (!it->is_object() || !number("offset_s", -kMaxSeconds, &offset) || !number("bound_s", 0, &bound) ||
      !number("measured_unix", 0, &measured) || boot == it->end() || !boot->is_string() ||
      !core::valid_boot_id(boot->get<std::string>())) {
    return invalid(name + ": field 'reading' must be {offset_s, bound_s, measured_unix, boot_id}, or null");
  }
  s->reading = core::CameraReading{std::llround(offset * 1e9), std::llround(bound * 1e9),
                                   std::llround(measured * 1e9), boot->get<std::string>()};
  return ok();
}

Status parse_text(const json& j, const char* key, size_t max, const std::string& name, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return ok();
  if (!it->is_string() || !one_line(it->get<std::string>(), max)) {
    return invalid(name + ": field '" + key + "' must be one line of at most " + std::to_string(max) +
                   " characters");
  }
  *out = it->get<std::string>();
  return ok();
}

}  // namespace

const char* code(CameraResult r) {
  switch (r) {
    case CameraResult::Set: return "set";
    case CameraResult::Ok: return "ok";
    case CameraResult::Refused: return "refused";
    case CameraResult::Failed: break;
  }
  return "failed";
}

const char* code(SyncOrder o) {
  return o == SyncOrder::PhoneThenCamera ? "phone_then_camera" : "camera_only";
}

std::string format_camera_state(const CameraState& s) {
  using ordered = nlohmann::ordered_json;  // the fields in the documented order
  ordered j;
  j["last_run_unix"] = s.last_run_unix;
  j["result"] = code(s.result);
  j["offset_before_s"] = s.offset_before_s ? ordered(*s.offset_before_s) : ordered(nullptr);
  j["offset_after_s"] = s.offset_after_s ? ordered(*s.offset_after_s) : ordered(nullptr);
  j["camera"] = s.camera.empty() ? ordered(nullptr) : ordered(one_line_cut(s.camera, kMaxCameraBytes));
  j["message"] = one_line_cut(s.message, kMaxMessageBytes);
  if (s.retry_unix) j["retry_unix"] = *s.retry_unix;
  if (s.camera_appeared_unix_ms) {
    j["camera_appeared_unix_ms"] = *s.camera_appeared_unix_ms;
    j["order"] = s.order ? ordered(code(*s.order)) : ordered(nullptr);
    j["phone_sync_unix"] = s.phone_sync_unix ? ordered(*s.phone_sync_unix) : ordered(nullptr);
  }
  if (s.good_unix) j["good_unix"] = *s.good_unix;
  if (s.reading) {
    ordered r;
    r["offset_s"] = static_cast<double>(s.reading->offset_ns) / 1e9;
    r["bound_s"] = static_cast<double>(s.reading->bound_ns) / 1e9;
    r["measured_unix"] = static_cast<double>(s.reading->measured_unix_ns) / 1e9;
    r["boot_id"] = s.reading->boot_id;
    j["reading"] = r;
  }
  return j.dump(-1, ' ', false, ordered::error_handler_t::replace) + "\n";
}

OsResult<CameraState> parse_camera_state(const std::string& text, const std::string& name) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid(name + ": not valid JSON");
  if (!j.is_object()) return invalid(name + ": expected a JSON object");
  CameraState s;
  auto t = j.find("last_run_unix");
  if (t == j.end()) return invalid(name + ": missing field 'last_run_unix'");
  if (!t->is_number() || !std::isfinite(t->get<double>()) || t->get<double>() < 0 ||
      t->get<double>() >= kMaxSeconds) {
    return invalid(name + ": field 'last_run_unix' must be a number from 0 to 9e9");
  }
  s.last_run_unix = t->get<double>();
  auto r = j.find("result");
  if (r == j.end()) return invalid(name + ": missing field 'result'");
  bool known = false;
  for (CameraResult c : kResults) {
    if (r->is_string() && r->get<std::string>() == code(c)) {
      s.result = c;
      known = true;
    }
  }
  if (!known) return invalid(name + ": field 'result' must be one of set, ok, refused, failed");
  if (auto st = parse_offset(j, "offset_before_s", name, &s.offset_before_s); !st) return fail(st.error());
  if (auto st = parse_offset(j, "offset_after_s", name, &s.offset_after_s); !st) return fail(st.error());
  if (auto st = parse_text(j, "camera", kMaxCameraBytes, name, &s.camera); !st) return fail(st.error());
  if (auto st = parse_text(j, "message", kMaxMessageBytes, name, &s.message); !st) return fail(st.error());
  if (auto st = parse_instant(j, "retry_unix", name, &s.retry_unix); !st) return fail(st.error());
  if (auto st = parse_appearance(j, name, &s); !st) return fail(st.error());
  if (auto st = parse_camera_clock(j, name, &s); !st) return fail(st.error());
  return s;
}

OsResult<CameraState> read_camera_state(const std::string& path) {
  auto text = read_small_file(path, kMaxCameraStateBytes);
  if (!text) return fail(text.error());
  return parse_camera_state(*text, path);
}

Status write_camera_state(const std::string& path, const CameraState& state) {
  return write_file_atomic(path, format_camera_state(state), 0644);
}

}  // namespace lansync::os
