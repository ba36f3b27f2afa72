// sntpd's settings: from the command line and the config file, whose keys are the long option names.
#pragma once

#include <string>
#include <vector>

#include "core/trust.hpp"
#include "os/camera_state.hpp"
#include "os/file_drift.hpp"
#include "os/file_sync_state.hpp"
#include "os/ipc_control.hpp"

namespace lansync::sntpd {

inline constexpr const char* kDefaultConfigPath = "/etc/lansync/sntpd.conf";
inline constexpr const char* kDefaultActivityLogPath = "/var/log/lansync/sntpd.jsonl";

struct Options {
  std::string config = kDefaultConfigPath;
  std::vector<std::string> listen;  // empty: [::]:123 and 0.0.0.0:123
  int workers = 1;
  int local_stratum = 0;          // 0: none
  bool camera_reference = false;  // the camera's clock, read by camsync, as the last resort
  // Words: HOST[:PORT], each optionally followed by "key ID" or "nts".
  std::vector<std::string> upstream;
  std::string nts_ca;  // --nts-ca: the CA certificates NTS servers are checked against ("": the system's)
  // Words: shm:N (gpsd's segment N) or pps:PATH (a PPS device), each optionally followed by
  // "error SECONDS"; or "pps:PATH local" (a steady oscillator's pulse, no time: at most one).
  std::vector<std::string> gps;
  // The crystal's temperature sensor: auto, none, ds3231[:N] or a PATH (os/sensor_temperature.hpp).
  std::string temperature = "auto";
  bool no_clock_control = false;
  double step_threshold_s = 1.0;
  double max_change_s = 1000;  // after the first sync, offsets beyond this are not applied; 0: no limit
  int min_sources = 1;         // reachable upstream servers that must agree before a correction
  int max_poll = 10;           // longest upstream poll interval, log2 s
  int max_sources = 4;         // addresses of one upstream name polled at once
  double max_age_s = core::kDefaultMaxAgeNs / 1e9;
  double no_client_after_s = 3600;  // while unreliable, the activity log's "no client" line after this
  std::string state = os::kDefaultSyncStatePath;
  std::string drift_file = os::kDefaultDriftPath;  // empty: none
  std::vector<std::string> allow;
  std::vector<std::string> deny;
  bool ratelimit = false;
  int ratelimit_interval = 3;
  int ratelimit_burst = 8;
  int ratelimit_leak = 2;
  bool ratelimit_kod = false;
  int max_clients = 16384;
  std::vector<std::string> broadcast;
  double broadcast_interval_s = 64;
  uint32_t broadcast_key = 0;  // sign broadcasts with this key from --keys; 0: unsigned
  std::string user;            // empty: _lansync, or nobody if missing
  std::string control = os::kDefaultControlPath;
  bool verbose = false;
  std::string keys;  // key file; empty: no keys, signed requests are dropped
  bool require_auth = false;
  bool insecure_keys = false;
  std::string clock = "system";  // or "simulated"
  double simulated_offset_s = 0;
  std::string http;           // ADDR:PORT; empty: no HTTP interface
  std::string http_tls_cert;  // PEM certificate: --http serves HTTPS (with http_tls_key); empty: plain HTTP
  std::string http_tls_key;   // its PEM private key
  std::vector<std::string> http_set_allow;
  std::vector<std::string> http_set_interface;
  std::vector<std::string> http_manual_interface;    // the button only
  std::vector<std::string> http_fallback_interface;  // automatically while no other phone holds the clock
  std::vector<std::string> http_allow_origin;        // other origins' pages may use the phone endpoints
  double http_recheck = 0.5;  // an open page checks again after this fraction of the reliability window left
  std::string activity_log = kDefaultActivityLogPath;
  std::string camera_state = os::kDefaultCameraStatePath;      // camsync's last run, for GET /time
  std::string camera_request = os::kDefaultCameraRequestPath;  // written by POST /sync-camera
  bool nts_server = false;                                     // serve NTS (RFC 8915)
  std::string nts_cert;          // the NTS-KE server's PEM certificate; empty: http_tls_cert
  std::string nts_key;           // its PEM private key; empty: http_tls_key
  int nts_port = 4460;           // the NTS-KE server's TCP port
  std::string mqtt;              // mqtt[s]://HOST[:PORT][/PREFIX]; empty: no MQTT
  std::string mqtt_credentials;  // "username" and "password" lines; empty: anonymous
  std::string mqtt_ca;           // PEM CAs for mqtts; empty: the system's
};

// Whether phones may set the clock over HTTP (--http-set-allow, --http-set-interface,
// --http-fallback-interface or --http-manual-interface given); without_http: true to ignore
// whether --http is given.
inline bool phones_may_set(const Options& o, bool without_http) {
  bool any = !o.http_set_allow.empty() || !o.http_set_interface.empty() || !o.http_manual_interface.empty() ||
             !o.http_fallback_interface.empty();
  return any && (without_http || !o.http.empty());
}

}  // namespace lansync::sntpd
