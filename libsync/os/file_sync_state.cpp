// The sync-state file; see file_sync_state.hpp.
#include "os/file_sync_state.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "os/clock_boot.hpp"
#include "os/clock_zone.hpp"
#include "os/file.hpp"

namespace lansync::os {

using nlohmann::json;

namespace {

// Times in the file are at most this many seconds (year 2255; and far below
// what int64 nanoseconds hold), so that converting them cannot overflow.
constexpr double kMaxSeconds = 9e9;

// The source names a log line and systemd's status line: no control
// characters (a newline would forge another KEY= line), and short.
bool printable_name(const std::string& text) {
  if (text.empty() || text.size() > 128) return false;
  for (char c : text) {
    if (control_char(c)) return false;
  }
  return true;
}

// The optional boot_id and boot_time_s fields; a boot_id that is not a UUID is an error.
Status parse_boot(const json& j, const std::string& name, SyncState* s) {
  if (auto b = j.find("boot_id"); b != j.end()) {
    if (!b->is_string() || !core::valid_boot_id(b->get<std::string>())) {
      return invalid(name + ": field 'boot_id' must be a boot id (a UUID of 36 characters)");
    }
    s->boot_id = b->get<std::string>();
  }
  if (auto t = j.find("boot_time_s"); t != j.end()) {
    if (!t->is_number() || !std::isfinite(t->get<double>()) || t->get<double>() < 0 ||
        t->get<double>() >= kMaxSeconds) {
      return invalid(name + ": field 'boot_time_s' must be a number of seconds, from 0 to 9e9");
    }
    s->boot_time_s = t->get<double>();
  }
  return ok();
}

}  // namespace

core::BootStamp boot_of(const SyncState& state) {
  core::BootStamp b{state.boot_id, std::nullopt};
  if (state.boot_time_s) b.boot_time_ns = std::llround(*state.boot_time_s * 1e9);
  return b;
}

void stamp_boot(SyncState& state, const core::BootStamp& boot) {
  state.boot_id = boot.boot_id;
  state.boot_time_s.reset();
  if (boot.boot_time_ns) state.boot_time_s = static_cast<double>(*boot.boot_time_ns) / 1e9;
}

std::string format_sync_state(const SyncState& s) {
  json j = {{"last_sync_unix", s.last_sync_unix}, {"source", s.source}, {"offset_s", s.offset_s}};
  if (s.uncertainty_s) j["uncertainty_s"] = *s.uncertainty_s;
  if (s.action) j["action"] = *s.action;
  if (s.stratum) j["stratum"] = *s.stratum;
  if (!s.boot_id.empty()) j["boot_id"] = s.boot_id;
  if (s.boot_time_s) j["boot_time_s"] = *s.boot_time_s;
  if (s.time_zone) j["time_zone"] = *s.time_zone;
  return j.dump() + "\n";
}

OsResult<SyncState> parse_sync_state(const std::string& text, const std::string& name) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid(name + ": not valid JSON");
  if (!j.is_object()) return invalid(name + ": expected a JSON object");
  auto number = [&](const char* key, bool required, double* out) -> Status {
    auto it = j.find(key);
    if (it == j.end()) {
      if (required) return invalid(name + ": missing field '" + key + "'");
      return ok();
    }
    if (!it->is_number() || !std::isfinite(it->get<double>())) {
      return invalid(name + ": field '" + key + "' must be a number");
    }
    *out = it->get<double>();
    return ok();
  };
  SyncState s;
  if (auto st = number("last_sync_unix", true, &s.last_sync_unix); !st) return fail(st.error());
  if (s.last_sync_unix < 0 || s.last_sync_unix >= kMaxSeconds) {
    return invalid(name + ": field 'last_sync_unix' must be from 0 to 9e9");
  }
  if (auto st = number("offset_s", true, &s.offset_s); !st) return fail(st.error());
  auto src = j.find("source");
  if (src == j.end()) return invalid(name + ": missing field 'source'");
  if (!src->is_string() || !printable_name(src->get<std::string>())) {
    return invalid(name + ": field 'source' must be a non-empty string of at most 128 printable characters");
  }
  s.source = src->get<std::string>();
  if (j.contains("uncertainty_s")) {
    double u = 0;
    if (auto st = number("uncertainty_s", false, &u); !st) return fail(st.error());
    if (u < 0 || u >= kMaxSeconds) return invalid(name + ": field 'uncertainty_s' must be from 0 to 9e9");
    s.uncertainty_s = u;
  }
  if (auto a = j.find("action"); a != j.end()) {
    if (!a->is_string()) return invalid(name + ": field 'action' must be a string");
    s.action = a->get<std::string>();
  }
  if (auto st = j.find("stratum"); st != j.end()) {
    if (!st->is_number_integer() || st->get<int64_t>() < 0 || st->get<int64_t>() > 15) {
      return invalid(name + ": field 'stratum' must be an integer from 0 to 15");
    }
    s.stratum = st->get<int>();
  }
  if (auto st = parse_boot(j, name, &s); !st) return fail(st.error());
  if (auto z = j.find("time_zone"); z != j.end()) {
    if (!z->is_string() || !plausible_zone_name(z->get<std::string>())) {
      return invalid(name + ": field 'time_zone' must be a tz database name such as \"Europe/Berlin\"");
    }
    s.time_zone = z->get<std::string>();
  }
  return s;
}

OsResult<SyncState> read_sync_state(const std::string& path) {
  // A sync-state record is a few hundred bytes; anything much larger is not one.
  auto text = read_small_file(path, 64 * 1024);
  if (!text) return fail(text.error());
  return parse_sync_state(*text, path);
}

Status write_sync_state(const std::string& path, const SyncState& state) {
  SyncState s = state;
  if (s.boot_id.empty()) {
    if (auto boot = read_boot_stamp(); boot) stamp_boot(s, *boot);
  }
  if (!s.time_zone) {
    if (auto old = read_sync_state(path); old) s.time_zone = old->time_zone;
  }
  return write_file_atomic(path, format_sync_state(s), 0644);
}

}  // namespace lansync::os
