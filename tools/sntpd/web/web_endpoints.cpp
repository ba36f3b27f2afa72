// What sntpd answers over sntpd-web's channel; see web_endpoints.hpp.
#include "web/web_endpoints.hpp"

#include <fmt/core.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/drift_log.hpp"
#include "os/camera_request.hpp"
#include "os/clock_zone.hpp"
#include "os/log.hpp"
#include "proto/units.hpp"
#include "status/activity.hpp"
#include "status/metrics.hpp"
#include "status/status_json.hpp"

namespace lansync::sntpd {
namespace {

using core::PhoneRefusal;
using nlohmann::ordered_json;

using proto::kNsPerMs;

// Unix ns as milliseconds with six decimals, exactly: 1795001234567.123456.
std::string ms_text(int64_t ns) {
  if (ns < 0) return fmt::format("-{}", ms_text(-ns));
  return fmt::format("{}.{:06}", ns / kNsPerMs, ns % kNsPerMs);
}

int status_for(PhoneRefusal r) {
  switch (r) {
    case PhoneRefusal::None: return 200;
    case PhoneRefusal::NotJson: return 415;
    case PhoneRefusal::BadRequest:
    case PhoneRefusal::BadTimestamps:
    case PhoneRefusal::BadTimeZone:
    case PhoneRefusal::BadLocation: return 400;
    case PhoneRefusal::NotEnabled:
    case PhoneRefusal::CrossSite:
    case PhoneRefusal::NotAllowed:
    case PhoneRefusal::ManualOnly:
    case PhoneRefusal::BadToken: return 403;
    case PhoneRefusal::Busy: return 503;
    case PhoneRefusal::ClockFailed: return 500;
    default: return 409;  // the request was fine, the state of things refuses it
  }
}

// POST /set's answer to a set or a verification: result, reason, message, the measurement, action.
ordered_json taken_json(core::PhoneOutcome outcome, const std::string& message,
                        const proto::PhoneMeasurement& m) {
  ordered_json j;
  j["result"] = core::code(outcome);
  j["reason"] = "none";
  j["message"] = message;
  j["offset_s"] = static_cast<double>(m.correction_ns) / 1e9;
  j["uncertainty_s"] = static_cast<double>(m.uncertainty_ns) / 1e9;
  j["delay_s"] = static_cast<double>(m.delay_ns) / 1e9;
  j["action"] = outcome == core::PhoneOutcome::Set ? "step" : "verified";
  return j;
}

// "14:05 UTC", or in the phone's zone "14:05 AEDT (Australia/Sydney)" ("14:05 UTC" for zone "UTC"):
// when unix_ns falls, to the minute.
std::string clock_time(int64_t unix_ns, const std::optional<std::string>& zone) {
  int64_t s = unix_ns / 1'000'000'000;
  std::string label = "UTC";
  if (zone) {
    auto at = os::zone_at(s, *zone);
    if (at) {
      s += at->utc_offset_s;
      label = at->abbreviation == *zone ? *zone : fmt::format("{} ({})", at->abbreviation, *zone);
    }
  }
  int64_t of_day = ((s % 86400) + 86400) % 86400;
  return fmt::format("{:02}:{:02} {}", of_day / 3600, of_day / 60 % 60, label);
}

}  // namespace

WebEndpoints::WebEndpoints(const HttpConfig& config, os::Clock& clock, WebSources sources,
                           PhoneRecord& record, Reply reply)
    : config_(config),
      clock_(clock),
      sources_(std::move(sources)),
      record_(record),
      reply_(std::move(reply)) {}

void WebEndpoints::handle(const os::web::Message& m) {
  switch (m.type) {
    case os::web::Type::Time: {
      std::optional<CameraSnapshot> camera;
      if (!config_.camera_state.empty())
        camera = camera_snapshot(os::read_camera_state(config_.camera_state));
      ordered_json j = time_json(sources_.reference(), camera, config_.recheck_permille);
      j["held_by"] = held_by_json();
      j["camera_appeared_unix_ms"] = camera_appeared_json();
      std::string body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return reply_(m.id, 200, body + "\n");
    }
    case os::web::Type::Metrics: return reply_(m.id, 200, metrics_text(sources_.status()));
    case os::web::Type::Exchange: return reply_(m.id, 200, exchange());
    case os::web::Type::Set: return set(m.id, m.set);
    case os::web::Type::SyncCamera: return sync_camera(m.id, m.set);
    default: return;  // WebProcess keeps its own messages
  }
}

std::string WebEndpoints::exchange() {
  int64_t t2 = clock_.now_ns();
  int64_t t3 = clock_.now_ns();
  std::string token = tokens_.issue(t2, t3, os::monotonic_ns());
  return fmt::format("{{\"t2_ms\":{},\"t3_ms\":{},\"token\":\"{}\"}}\n", ms_text(t2), ms_text(t3), token);
}

void WebEndpoints::set(uint32_t id, const os::web::SetRequest& r) {
  if (r.early != PhoneRefusal::None) {
    return refuse(id, r, r.early, core::explain_refusal(r.early, r.client), std::nullopt);
  }
  std::optional<core::PhoneHolder> holder = holder_for(r);
  if (core::fallback_outranked(r.fallback, r.trigger, holder)) {
    return refuse(id, r, PhoneRefusal::ManualOnly,
                  fmt::format("a phone of the access point's network holds this clock ({}, {}): from this "
                              "network only the button sets it, until that phone stops checking in",
                              holder->client, holder->user_agent),
                  std::nullopt);
  }
  auto issued = tokens_.redeem(r.token, os::monotonic_ns());
  if (!issued)
    return refuse(id, r, issued.error(), core::explain_refusal(issued.error(), r.client), std::nullopt);
  proto::PhoneExchange x;
  x.t1_ns = r.t1_ns;
  x.t2_ns = issued->t2_ns;
  x.t3_ns = issued->t3_ns;
  x.t4_ns = r.t4_ns;
  core::PhoneVerdict v = sources_.set_from_phone(x, issued->issued_mono_ns, r.time_zone, holder);
  if (v.outcome != core::PhoneOutcome::Refused) take_hold(r, v.measurement);
  if (v.outcome == core::PhoneOutcome::Verified) return verified(id, r, v.measurement);
  if (v.outcome == core::PhoneOutcome::Refused) {
    std::optional<proto::PhoneMeasurement> m;
    if (v.refusal != PhoneRefusal::BadTimestamps) m = v.measurement;
    return refuse(id, r, v.refusal, v.reason, m);
  }
  stepped(id, r, v.measurement);
}

bool WebEndpoints::hold_current() const {
  return holder_ && os::monotonic_ns() - holder_mono_ns_ <= config_.hold_ns;
}

std::optional<core::PhoneHolder> WebEndpoints::holder_for(const os::web::SetRequest& r) const {
  if (!hold_current()) return std::nullopt;
  if (holder_->client == r.client || core::outranks_holder(r.fallback, r.trigger, *holder_))
    return std::nullopt;
  return holder_;
}

void WebEndpoints::take_hold(const os::web::SetRequest& r, const proto::PhoneMeasurement& m) {
  bool current = hold_current();
  bool other = current && holder_->client != r.client;
  // An agreeing phone verifies; the hold stays, unless it outranks the holder.
  if (other && !core::outranks_holder(r.fallback, r.trigger, *holder_)) return;
  if (other) {
    os::log::info(
        "phone {} took the clock's hold from phone {} {}", r.client, holder_->client,
        r.trigger == "button" ? "by the button" : "(the access point's network outranks a fallback one)");
  } else if (!current) {
    os::log::info("phone {} now holds the clock ({})", r.client, valid_utf8(r.user_agent));
  }
  holder_ = core::PhoneHolder{r.client, valid_utf8(r.user_agent), m.uncertainty_ns, r.fallback};
  holder_mono_ns_ = os::monotonic_ns();
}

ordered_json WebEndpoints::camera_appeared_json() const {
  if (config_.camera_request.empty()) return nullptr;
  auto req = os::read_camera_request(config_.camera_request);
  // The file's time is its writer's system clock (camsync --watch), not necessarily the served one.
  int64_t now_ms = os::read_clock_or_exit(CLOCK_REALTIME) / kNsPerMs;
  if (!req || req->reason == core::WatchReason::None ||
      !core::camera_request_fresh(req->requested_unix_ms, now_ms))
    return nullptr;
  return req->requested_unix_ms;
}

ordered_json WebEndpoints::held_by_json() const {
  if (!hold_current()) return nullptr;
  int64_t left = holder_mono_ns_ + config_.hold_ns - os::monotonic_ns();
  ordered_json j;
  j["client"] = holder_->client;
  j["user_agent"] = holder_->user_agent;
  j["fallback"] = holder_->fallback;
  j["until_unix_ms"] = (clock_.now_ns() + left) / kNsPerMs;
  return j;
}

void WebEndpoints::stepped(uint32_t id, const os::web::SetRequest& r, const proto::PhoneMeasurement& m) {
  std::string message = fmt::format(
      "The Pi's clock was {:.3f} s {} this phone: it was stepped by {:+.3f} s (± {:.1f} ms) and now follows "
      "this phone's time.",
      std::fabs(static_cast<double>(m.correction_ns) / 1e9), m.correction_ns > 0 ? "behind" : "ahead of",
      static_cast<double>(m.correction_ns) / 1e9, static_cast<double>(m.uncertainty_ns) / 1e6);
  reply_(id, 200, taken_json(core::PhoneOutcome::Set, message, m).dump() + "\n");
  record_.attempt(r, core::PhoneOutcome::Set, PhoneRefusal::None, message, m);
}

void WebEndpoints::verified(uint32_t id, const os::web::SetRequest& r, const proto::PhoneMeasurement& m) {
  // How far apart the clocks can be: the offset measured and its uncertainty, to the ms above.
  int64_t apart_ns = (m.correction_ns < 0 ? -m.correction_ns : m.correction_ns) + m.uncertainty_ns;
  std::string message = fmt::format("Pi and phone agree (±{} ms)", (apart_ns + kNsPerMs - 1) / kNsPerMs);
  std::optional<int64_t> until = sources_.reference().reliable_until_ns;
  if (until) message += "; reliable until " + clock_time(*until, r.time_zone);
  ordered_json j = taken_json(core::PhoneOutcome::Verified, message, m);
  j["reliable_until_unix_ms"] = until ? ordered_json(*until / kNsPerMs) : ordered_json(nullptr);
  reply_(id, 200, j.dump() + "\n");
  record_.attempt(r, core::PhoneOutcome::Verified, PhoneRefusal::None, message, m);
}

void WebEndpoints::refuse(uint32_t id, const os::web::SetRequest& r, PhoneRefusal refusal,
                          const std::string& message, const std::optional<proto::PhoneMeasurement>& m) {
  ordered_json j;
  j["result"] = "refused";
  j["reason"] = core::code(refusal);
  j["message"] = message;
  if (m) {
    j["offset_s"] = static_cast<double>(m->correction_ns) / 1e9;
    j["uncertainty_s"] = static_cast<double>(m->uncertainty_ns) / 1e9;
  }
  reply_(id, status_for(refusal), j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  record_.attempt(r, core::PhoneOutcome::Refused, refusal, message, m);
}

void WebEndpoints::sync_camera(uint32_t id, const os::web::SetRequest& r) {
  PhoneRefusal refusal = r.early;
  std::string message;
  if (refusal == PhoneRefusal::None && !sources_.reference().synchronized) {
    refusal = PhoneRefusal::NotReliable;
  }
  int64_t now_ms = clock_.now_ns() / kNsPerMs;
  if (refusal == PhoneRefusal::None) {
    os::CameraRequest req;
    req.requested_unix_ms = now_ms;
    req.client = valid_utf8(r.client);
    if (config_.camera_request.empty() || !os::write_camera_request(config_.camera_request, req)) {
      // Not the client's fault: 500, counted under clock_failed with the reason in the message.
      refusal = PhoneRefusal::ClockFailed;
      message = "cannot ask camsync to run: cannot write the --camera-request file " + config_.camera_request;
    }
  }
  if (refusal != PhoneRefusal::None) {
    if (message.empty()) message = core::explain_refusal(refusal, r.client);
    ordered_json j;
    j["result"] = "refused";
    j["reason"] = core::code(refusal);
    j["message"] = message;
    reply_(id, refusal == PhoneRefusal::ClockFailed ? 500 : status_for(refusal),
           j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return record_.camera_request(r, refusal, message);
  }
  ordered_json j;
  j["result"] = "requested";
  j["requested_unix_ms"] = now_ms;
  reply_(id, 202, j.dump() + "\n");
  record_.camera_request(r, refusal, "camsync asked to run");
}

}  // namespace lansync::sntpd
