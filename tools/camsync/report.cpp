// camsync output; see report.hpp.
#include "report.hpp"

#include <fmt/core.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/drift_log.hpp"
#include "os/net_http.hpp"
#include "proto/units.hpp"

namespace lansync::camsync {
namespace {

using json = nlohmann::ordered_json;

using proto::to_seconds;

// Seconds rounded to the microsecond, so that the log does not show noise digits.
json rounded(int64_t ns) { return std::round(to_seconds(ns) * 1e6) / 1e6; }

const char* action_word(flow::SyncAction a) {
  switch (a) {
    case flow::SyncAction::Set: return "set";
    case flow::SyncAction::DryRun: return "dry-run";
    case flow::SyncAction::None: break;
  }
  return "none";
}

std::string offset_text(const flow::OffsetMeasurement& m) {
  return fmt::format("{:+.3f} s ± {:.3f} s", to_seconds(m.offset_ns), to_seconds(m.uncertainty_ns));
}

}  // namespace

std::string json_line(const RunRecord& r) {
  json j;
  j["time"] = core::format_utc(r.time_ns);
  j["camera"] = r.camera.empty() ? json(nullptr) : json(r.camera);
  j["trusted"] = r.trusted ? json(*r.trusted) : json(nullptr);
  j["trust"] = r.trust;
  const flow::SyncReport* s = r.sync ? &*r.sync : nullptr;
  const flow::OffsetMeasurement* before = s && s->before ? &*s->before : nullptr;
  const flow::OffsetMeasurement* after = s && s->after ? &*s->after : nullptr;
  j["offset_s"] = before ? rounded(before->offset_ns) : json(nullptr);
  j["uncertainty_s"] = before ? rounded(before->uncertainty_ns) : json(nullptr);
  j["camera_time"] = before ? json(before->last.text) : json(nullptr);
  j["camera_dst"] = before ? json(before->last.dst) : json(nullptr);
  j["action"] = s ? action_word(s->action) : "none";
  j["sent"] = s && !s->sent.empty() ? json(s->sent) : json(nullptr);
  j["sent_dst"] = s && !s->sent.empty() ? json(s->sent_dst) : json(nullptr);
  j["offset_after_s"] = after ? rounded(after->offset_ns) : json(nullptr);
  j["uncertainty_after_s"] = after ? rounded(after->uncertainty_ns) : json(nullptr);
  j["busy_waits"] = s ? s->busy_waits : 0;
  j["time_zone"] = r.time_zone.empty() ? json(nullptr) : json(r.time_zone);
  if (r.appeared_unix_ms) {
    j["camera_appeared_unix_ms"] = *r.appeared_unix_ms;
    j["order"] = r.order ? json(os::code(*r.order)) : json(nullptr);
  }
  j["result"] = r.result;
  j["message"] = r.message.empty() ? json(nullptr) : json(r.message);
  j["exit"] = r.exit_code;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string human_text(const RunRecord& r, int64_t threshold_ns) {
  std::string out;
  if (!r.order_note.empty()) out += r.order_note + "\n";
  if (r.trusted && *r.trusted) out += "local clock trusted: " + r.trust + "\n";
  if (!r.time_zone.empty() || !r.zone_note.empty()) {
    out += "camera zone: " + (r.time_zone.empty() ? r.zone_note : r.time_zone) + "\n";
  }
  if (!r.sync || !r.sync->before) return out;
  const flow::SyncReport& s = *r.sync;
  const flow::OffsetMeasurement& b = *s.before;
  out += fmt::format("camera {}: {} ({}), shows {}{}\n", r.camera, offset_text(b),
                     b.offset_ns > 0   ? "ahead"
                     : b.offset_ns < 0 ? "behind"
                                       : "on time",
                     b.last.text, b.last.dst ? " dst" : "");
  if (r.reading) {
    return out +
           fmt::format(
               "recorded for sntpd --camera-reference, its error bound ± {:.3f} s; the camera is not set\n",
               to_seconds(r.reading->bound_ns));
  }
  double threshold_s = to_seconds(threshold_ns);
  switch (s.action) {
    case flow::SyncAction::None: out += fmt::format("within {} s: camera left alone\n", threshold_s); break;
    case flow::SyncAction::DryRun:
      out += fmt::format("{}: would set the camera (--dry-run)\n",
                         s.zone_differs ? "its zone or dst flag differs from ours"
                                        : "off by more than " + fmt::format("{}", threshold_s) + " s");
      break;
    case flow::SyncAction::Set:
      out += fmt::format("camera set to {}{} on the second (request round trip {:.1f} ms)\n", s.sent,
                         s.sent_dst ? " dst" : "", static_cast<double>(s.put_rtt_ns) / 1e6);
      if (s.after) {
        out += fmt::format("camera now {}: {}\n", offset_text(*s.after),
                           s.verified ? fmt::format("within {} s", threshold_s)
                                      : fmt::format("STILL OFF by more than {} s", threshold_s));
      }
      break;
  }
  return out;
}

std::string one_line_summary(const RunRecord& r) {
  if (!r.sync || !r.sync->before) return r.result;
  const flow::SyncReport& s = *r.sync;
  std::string was = fmt::format("{:+.3f} s", to_seconds(s.before->offset_ns));
  switch (s.action) {
    case flow::SyncAction::Set:
      return fmt::format("camera set to {}{} (was {} off)", s.sent, s.sent_dst ? " dst" : "", was);
    case flow::SyncAction::DryRun: return "dry run: the camera is " + was + " off";
    case flow::SyncAction::None: break;
  }
  return "camera within the threshold (" + was + ")";
}

std::string failure_summary(const os::Error& e) {
  if (e.code.category() == os::camera_category()) {
    switch (static_cast<os::CameraErrc>(e.code.value())) {
      case os::CameraErrc::busy: return "camera busy (503)";
      case os::CameraErrc::rejected: return "the camera refused the request";
      case os::CameraErrc::unsupported: return "the camera does not let its clock be set";
      case os::CameraErrc::inconsistent: return "the camera's clock readings contradict each other";
      case os::CameraErrc::malformed: break;
    }
    return "the camera gave a reply camsync does not understand";
  }
  if (e.code == os::HttpErrc::auth_required) return "the camera asks for a password (--user)";
  if (e.code == os::HttpErrc::auth_failed) return "the camera refused the user name or password";
  if (e.code == os::HttpErrc::certificate) return "the camera's certificate is not trusted";
  if (e.code.category() == os::http_category()) return "the camera gave a reply camsync does not understand";
  if (e.code == std::errc::connection_refused) return "camera unreachable (connection refused)";
  if (e.code == std::errc::timed_out) return "camera unreachable (no reply)";
  return "camera unreachable (" + e.message + ")";
}

}  // namespace lansync::camsync
