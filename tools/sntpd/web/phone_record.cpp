// What sntpd keeps of the phones' requests; see phone_record.hpp.
#include "web/phone_record.hpp"

#include <nlohmann/json.hpp>

#include "core/drift_log.hpp"
#include "os/log.hpp"

namespace lansync::sntpd {
namespace {

using core::PhoneRefusal;

// Refusals decided before the client passed the access check (not enabled,
// another site's page, not JSON, an address not allowed).
bool before_access_check(PhoneRefusal r) {
  return r == PhoneRefusal::NotEnabled || r == PhoneRefusal::CrossSite || r == PhoneRefusal::NotJson ||
         r == PhoneRefusal::NotAllowed;
}

}  // namespace

bool PhoneRecord::refused(PhoneRefusal refusal, const std::string& client, const char* what,
                          const std::string& message) {
  ++refused_[static_cast<size_t>(refusal)];
  if (os::log::once_a_minute(refusal_logged_mono_ns_[static_cast<size_t>(refusal)])) {
    os::log::info("{} may not {} ({}): {} (this reason is logged at most once a minute)", client, what,
                  core::code(refusal), message);
  }
  return !before_access_check(refusal);
}

void PhoneRecord::attempt(const os::web::SetRequest& r, core::PhoneOutcome outcome, PhoneRefusal refusal,
                          const std::string& message, const std::optional<proto::PhoneMeasurement>& m) {
  bool set = outcome == core::PhoneOutcome::Set;
  bool taken = outcome != core::PhoneOutcome::Refused;
  PhoneAttempt a;
  a.time_utc = core::format_utc(clock_.now_ns());
  a.result = core::code(outcome);
  a.reason = core::code(refusal);
  a.client = valid_utf8(r.client);
  a.trigger = r.trigger == "auto" || r.trigger == "button" ? r.trigger : "other";
  if (m) {
    a.offset_ns = m->correction_ns;
    a.uncertainty_ns = m->uncertainty_ns;
  }
  a.message = valid_utf8(message);
  a.user_agent = valid_utf8(r.user_agent);
  if (r.time_zone) a.time_zone = valid_utf8(*r.time_zone);
  (set ? last_set_ : taken ? last_verification_ : last_refusal_) = a;
  if (set) {
    ++sets_;
    os::log::info("phone {} set the clock: stepped by {:+.6f} s (± {:.1f} ms)", a.client,
                  static_cast<double>(m->correction_ns) / 1e9, static_cast<double>(m->uncertainty_ns) / 1e6);
  } else if (taken) {
    ++verifications_;
    os::log::info("phone {} verified the clock: {:+.6f} s apart (± {:.1f} ms)", a.client,
                  static_cast<double>(-m->correction_ns) / 1e9, static_cast<double>(m->uncertainty_ns) / 1e6);
  } else if (!refused(refusal, "phone " + a.client, "set the clock", a.message)) {
    return;
  }
  activity_.append(phone_line(a, r.location));
}

void PhoneRecord::camera_request(const os::web::SetRequest& r, PhoneRefusal refusal,
                                 const std::string& message) {
  std::string client = valid_utf8(r.client);
  std::string text = valid_utf8(message);
  if (refusal == PhoneRefusal::None) {
    os::log::info("{} asked for a camsync run (POST /sync-camera)", client);
  } else if (!refused(refusal, client, "ask for a camsync run", text)) {
    return;
  }
  activity_.append(camera_request_line(core::format_utc(clock_.now_ns()), refusal, client, text,
                                       valid_utf8(r.user_agent)));
}

void PhoneRecord::report(HttpSnapshot& h) const {
  h.sets = sets_;
  h.verifications = verifications_;
  for (size_t i = 1; i < kPhoneRefusals; ++i) h.refused[i] = refused_[i];
  h.last_set = last_set_;
  h.last_verification = last_verification_;
  h.last_refusal = last_refusal_;
}

}  // namespace lansync::sntpd
