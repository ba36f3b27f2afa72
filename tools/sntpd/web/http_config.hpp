// sntpd's HTTP settings (--http and the --http-* options), as main checked them: what the web
// service's parts (web_process.hpp, web_endpoints.hpp, phone_record.hpp) read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/phone.hpp"
#include "core/trust.hpp"
#include "os/fd.hpp"
#include "os/proc_privileges.hpp"

namespace lansync::sntpd {

struct HttpConfig {
  std::string listen;                            // --http ADDR:PORT
  std::vector<std::string> set_allow;            // --http-set-allow, as given (checked by main)
  std::vector<std::string> set_interfaces;       // --http-set-interface
  std::vector<std::string> manual_interfaces;    // --http-manual-interface: the button only
  std::vector<std::string> fallback_interfaces;  // --http-fallback-interface: automatic while no other holds
  std::vector<std::string> allow_origins;        // --http-allow-origin, in core::parse_allowed_origin's form
  int recheck_permille = core::kPhoneRecheckDefaultPermille;  // --http-recheck, in thousandths
  // --max-age: a phone holds the clock this long after its last check-in.
  int64_t hold_ns = core::kDefaultMaxAgeNs;
  std::string activity_log;             // --activity-log ("" = none)
  std::string camera_state;             // --camera-state: camsync's last run, for GET /time ("" = none)
  std::string camera_request;           // --camera-request: written by POST /sync-camera ("" = refused)
  bool verbose = false;                 // --verbose, passed on
  std::string web_user_name;            // the user sntpd-web runs as, for messages
  std::optional<os::UserIds> web_user;  // its IDs; none: sntpd's own user (not started as root)
  std::string web_user_note;  // why sntpd-web runs as sntpd's user, logged at attach ("": it does not)
  os::Fd tls_cert;            // --http-tls-cert's bytes in a sealed memory file; -1: plain HTTP
  os::Fd tls_key;             // --http-tls-key's, likewise

  // Whether phones may set the clock (some --http-set-allow or --http-*-interface).
  bool set_enabled() const {
    return !set_allow.empty() || !set_interfaces.empty() || !manual_interfaces.empty() ||
           !fallback_interfaces.empty();
  }
};

}  // namespace lansync::sntpd
