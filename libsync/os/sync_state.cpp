// The sync-state file; see sync_state.hpp.
#include "os/sync_state.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "os/file.hpp"

namespace lansync::os {

using nlohmann::json;

std::string format_sync_state(const SyncState& s) {
  json j = {{"last_sync_unix", s.last_sync_unix}, {"source", s.source}, {"offset_s", s.offset_s}};
  if (s.uncertainty_s) j["uncertainty_s"] = *s.uncertainty_s;
  if (s.action) j["action"] = *s.action;
  if (s.stratum) j["stratum"] = *s.stratum;
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
  if (s.last_sync_unix < 0) return invalid(name + ": field 'last_sync_unix' must not be negative");
  if (auto st = number("offset_s", true, &s.offset_s); !st) return fail(st.error());
  auto src = j.find("source");
  if (src == j.end()) return invalid(name + ": missing field 'source'");
  if (!src->is_string() || src->get<std::string>().empty()) {
    return invalid(name + ": field 'source' must be a non-empty string");
  }
  s.source = src->get<std::string>();
  if (j.contains("uncertainty_s")) {
    double u = 0;
    if (auto st = number("uncertainty_s", false, &u); !st) return fail(st.error());
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
  return s;
}

OsResult<SyncState> read_sync_state(const std::string& path) {
  // A sync-state record is a few hundred bytes; anything much larger is not one.
  auto text = read_small_file(path, 64 * 1024);
  if (!text) return fail(text.error());
  return parse_sync_state(*text, path);
}

Status write_sync_state(const std::string& path, const SyncState& state) {
  return write_file_atomic(path, format_sync_state(state), 0644);
}

}  // namespace lansync::os
