// What sntpd answers over sntpd-web's channel (web_process.hpp): the endpoints that need the daemon.
//
//   GET  /time      the time and the reference state as JSON, with the phone that holds the clock
//   GET  /metrics   Prometheus text: the counters and the reference state
//   GET  /exchange  one NTP-style exchange: the server's T2/T3, read here from the served clock, and
//                   a one-use token for them (os::ExchangeTokens)
//   POST /set       a phone sets the clock: {"token", "t1_ms", "t4_ms"}; the token redeemed here, the
//                   set judged and applied by the reference (WebSources::set_from_phone)
//   POST /sync-camera  asks for a camsync run: writes --camera-request, which camsync.path watches
//                      (GET /time says when camsync --watch wrote it for a camera that appeared)
//
// The phone that holds the clock is kept here: the first whose set or verification was taken
// holds it while it checks in within --max-age (core::PhoneHolder).  Every set attempt and camera
// request goes to the record (phone_record.hpp).  The daemon is reached only through WebSources.
// Runs in the event loop's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/phone.hpp"
#include "nlohmann/json_fwd.hpp"
#include "os/clock.hpp"
#include "os/crypto_exchange_token.hpp"
#include "os/ipc_web.hpp"
#include "status/status_snapshot.hpp"
#include "web/http_config.hpp"
#include "web/phone_record.hpp"

namespace lansync::sntpd {

// Where the answers come from (the daemon: its reference keeper and its status report).
struct WebSources {
  std::function<ReferenceSnapshot()> reference;  // the reference as last chosen
  std::function<StatusSnapshot()> status;        // the report, for /metrics
  // A phone's exchange judged, and taken when it passes (ReferenceKeeper::set_from_phone): the
  // exchange, when its token was issued (monotonic), the zone it sent and the holder it meets.
  std::function<core::PhoneVerdict(const proto::PhoneExchange&, int64_t issued_mono_ns,
                                   const std::optional<std::string>& time_zone,
                                   const std::optional<core::PhoneHolder>& holder)>
      set_from_phone;
};

class WebEndpoints {
 public:
  // Sends request id's answer: an HTTP status and body (WebProcess::answer).
  using Reply = std::function<void(uint32_t id, int status, const std::string& body)>;

  // config, sources' owner and record outlive it; clock is the served clock.
  WebEndpoints(const HttpConfig& config, os::Clock& clock, WebSources sources, PhoneRecord& record,
               Reply reply);

  // Answers m: Time, Metrics, Exchange, Set or SyncCamera.
  void handle(const os::web::Message& m);

 private:
  std::string exchange();
  void set(uint32_t id, const os::web::SetRequest& r);
  // The phone that holds the clock, as r's judgement meets it: none when its hold lapsed, when it
  // is r's own client, or when r outranks it (a button set; a full network's phone over a
  // fallback network's: core::outranks_holder).
  std::optional<core::PhoneHolder> holder_for(const os::web::SetRequest& r) const;
  // Whether a phone holds the clock now: one did, and checked in within --max-age.
  bool hold_current() const;
  // After a taken set or verification: r's phone holds the clock when none did, when it already
  // did, or when it outranks the holder (logged).
  void take_hold(const os::web::SetRequest& r, const proto::PhoneMeasurement& m);
  // GET /time's "held_by": {client, user_agent, fallback, until_unix_ms}, or null.
  nlohmann::ordered_json held_by_json() const;
  // GET /time's "camera_appeared_unix_ms": when camsync --watch asked for a run because the camera
  // appeared (or answered after a failed run), while that request is fresh (60 s); else null.  An
  // open page syncs when it sees a new one, so that the camera is set from a fresh clock.
  nlohmann::ordered_json camera_appeared_json() const;
  void refuse(uint32_t id, const os::web::SetRequest& r, core::PhoneRefusal refusal,
              const std::string& message, const std::optional<proto::PhoneMeasurement>& m);
  // Answers a step: 200, result "set".
  void stepped(uint32_t id, const os::web::SetRequest& r, const proto::PhoneMeasurement& m);
  // Answers a verification (the clocks agree): 200, result "verified".
  void verified(uint32_t id, const os::web::SetRequest& r, const proto::PhoneMeasurement& m);
  // POST /sync-camera: refused as a set is, 409 while the Pi is unreliable, else the request
  // file written and 202.
  void sync_camera(uint32_t id, const os::web::SetRequest& r);

  const HttpConfig& config_;
  os::Clock& clock_;
  WebSources sources_;
  PhoneRecord& record_;
  Reply reply_;
  os::ExchangeTokens tokens_;
  std::optional<core::PhoneHolder> holder_;  // the phone that holds the clock, if any
  int64_t holder_mono_ns_ = 0;               // its last taken set or verification (monotonic)
};

}  // namespace lansync::sntpd
