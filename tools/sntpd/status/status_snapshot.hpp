// sntpd's status as one typed snapshot: built once by the daemon, read by every renderer.
//
// Daemon::status_snapshot() fills it from its parts (the reference keeper, the
// upstream set, the workers' counters, the client table, the HTTP interface);
// status_json.hpp writes it as the JSON of `sntpd status --json`, the control
// reply and GET /time, status_text.hpp as `sntpd status` prints it, and
// metrics.hpp as Prometheus text for GET /metrics; status_fields.hpp names its
// counts once for the JSON and the metrics.  `sntpd status` prints the text the
// daemon renders (the control request "status text"): nothing is parsed back.  Times are
// integer nanoseconds (Unix time for instants, on the served clock); a field
// that has no value (unsynchronized, no sample yet) is an empty optional and
// renders as null, "-" or no sample.
#pragma once

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "core/phone.hpp"
#include "core/server.hpp"
#include "core/thermal.hpp"
#include "core/upstream_rejection.hpp"
#include "os/ipc_web_limit.hpp"
#include "os/net_udp.hpp"

namespace lansync::sntpd {

// Nanoseconds as seconds, as every report shows durations and instants.
inline double to_seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

// The reference served, as the reference keeper last chose it (core/reference).
struct ReferenceSnapshot {
  int64_t now_ns = 0;         // the served clock when the snapshot was taken (Unix ns)
  bool synchronized = false;  // false: replies carry LI=3 and stratum 0
  std::string kind;           // core::describe(ReferenceKind): "upstream", "kernel", "state", "local", "none"
  std::optional<std::string>
      state_source;                // with kind "state": the sync-state file's source ("phone", "rtc")
  std::string detail;              // why this reference, in words
  int stratum = 16;                // as served; 16 when unsynchronized (0 on the wire)
  std::string refid;               // as served, e.g. "GPS" or "192.0.2.1"; "" when unsynchronized
  int leap = 3;                    // LI served: 0, or 3 when unsynchronized
  int64_t root_delay_ns = 0;       // RFC 5905 §7.3 root delay served; 1 s when unsynchronized
  int64_t root_dispersion_ns = 0;  // grown (15 ppm or as earned, plus skew) to now_ns; 1 s unsynchronized
  std::optional<int64_t> reference_time_ns;  // when the reference was last updated (Unix ns)
  std::optional<int64_t> age_ns;             // now_ns minus reference_time_ns (>= 0 normally)
  int precision_log2 = 0;                    // the served clock's precision, log2 seconds (negative)
  std::optional<int64_t> reliable_until_ns;  // when the reference stops counting (Unix ns)

  // RFC 5905's root distance as served: half the root delay plus the root dispersion.
  int64_t root_distance_ns() const { return root_delay_ns / 2 + root_dispersion_ns; }

  // The sync-state file's source with kind "state", else the kind: what /time and metrics call the source.
  const std::string& source() const { return state_source ? *state_source : kind; }
};

// The clock served and who disciplines it.
struct ClockSnapshot {
  bool simulated = false;                        // --clock simulated
  std::optional<int64_t> simulated_offset_ns;    // simulated clock minus system clock (positive: ahead)
  bool control = false;                          // sntpd adjusts the clock from upstream servers
  std::optional<double> frequency_ppm;           // kernel frequency correction (positive: clock fast)
  std::optional<int64_t> system_time_offset_ns;  // offset the kernel still slews out (positive: clock behind)
  std::optional<int64_t> last_offset_ns;         // last offset against the upstreams (none without upstreams)
  // While sntpd disciplines the clock, as chronyc tracking: the estimated offset's standard error
  // (the system peer's line), the frequency's error bound (skew), the system peer's poll interval.
  std::optional<int64_t> offset_error_ns;
  std::optional<double> skew_ppm;
  std::optional<int64_t> poll_s;
  // While sntpd disciplines the clock: how fast the served root dispersion grows beside skew
  // (15 ppm, or the drift earned with --temperature), and the day before's change of frequency
  // followed beneath the discipline through an outage without a sensor (none: not following).
  std::optional<double> drift_bound_ppm;
  std::optional<double> holdover_ppm;
  // While the discipline follows a ramp of the frequency (the crystal's room warming or cooling):
  // how fast frequency_ppm moves, ppm per hour.
  std::optional<double> ramp_ppm_per_h;
};

// The crystal's temperature (--temperature): the sensor, the correction applied, the curve learnt.
struct TemperatureSnapshot {
  std::string sensor;                       // its name: a path, "DS3231 at 0x68 on /dev/i2c-1"
  std::optional<double> celsius;            // its last reading
  std::string problem;                      // why the last read failed; "" when it worked
  double correction_ppm = 0;                // applied to the clock now (positive: sped up)
  std::optional<core::ThermalCurve> curve;  // the curve in use; none while it learns
  int64_t learning_points = 0;              // while it learns: the phases learnt so far
};

// A steady oscillator's pulse holding the crystal's frequency (--gps pps:PATH local).
struct PulseSnapshot {
  std::string device;                 // as given: "pps:/dev/pps1"
  bool locked = false;                // its edges come and are followed
  std::string problem;                // why not, when it says; "" while edges come
  double correction_ppm = 0;          // beneath the discipline now (positive: sped up)
  std::optional<double> crystal_ppm;  // the crystal against the pulse (positive: fast); none before a fit
  int64_t jitter_ns = 0;              // the edges' RMS scatter about the fit
  int restarts = 0;                   // times it was lost or moved and followed again
};

// How the served sockets stamp datagrams: what T2 and T3 are worth.
struct TimestampSnapshot {
  os::RxStamping receive = os::RxStamping::KernelNs;  // the coarsest of the served sockets
  bool transmit =
      true;  // kernel transmit timestamps (SO_TIMESTAMPING) for interleaved replies, on every socket
};

// A GPS receiver's own part of its upstream line (--gps).  Satellites are not here: gpsd's
// shared memory does not carry them.
struct ReceiverSnapshot {
  bool pulse = false;    // a pulse (refid PPS), else the receiver's own time (refid GPS)
  bool reading = false;  // its last poll had readings: a fix (time), edges locked to a second (pulse)
  std::string problem;   // why not, when it says ("no fix (leap 3)", "pulses, but no second ..."), else ""
  std::optional<int64_t> learned_offset_ns;  // the time's lateness learned against a pulse, added to it
};

// One upstream server (upstreams.hpp's UpstreamStatus, as reported), or a GPS receiver.
// An NTS server's authentication (RFC 8915): its keys and cookies, its last key exchange.
struct NtsSnapshot {
  bool authenticated = false;               // keys held: its replies count only authenticated by them
  int64_t cookies = 0;                      // cookies held (at most 8)
  std::optional<int64_t> last_exchange_ns;  // the last key exchange that succeeded, Unix ns (served clock)
  bool dates_checked = false;  // it checked the certificate's dates (sntpd(8): the clock trusted)
  std::string error;           // why the last key exchange failed; "" when it succeeded
  uint64_t exchanges = 0;      // key exchanges that succeeded
  uint64_t naks = 0;           // Kiss-o'-Death NTSN: our cookie refused
  std::string ntp_server;      // the NTP server the last key exchange named ("ADDRESS:PORT"); "" before one
};

struct UpstreamSnapshot {
  std::string server;                // the --upstream text
  std::string address;               // the address polled, "" while resolving
  std::string state;                 // "sys_peer", "truechimer", "falseticker", "no reply", "kod RATE", ...
  uint8_t reach = 0;                 // RFC 5905 reach register: bit 0 the last poll, 1 when it was answered
  int64_t poll_s = 0;                // poll interval, seconds
  std::optional<int> stratum;        // the server's stratum, once it answered
  std::optional<int64_t> offset_ns;  // the server minus us (positive: it is ahead)
  std::optional<int64_t> delay_ns;   // round-trip delay
  std::optional<int64_t> last_sample_age_ns;  // time since its last sample
  bool reachable = false;                     // one of its last 8 polls got a usable reply
  std::optional<int64_t> reachable_since_ns;  // since when reachable (or not), Unix ns on the served clock
  // Replies not used, by core::kRejectionNames.
  std::array<uint64_t, core::kRejectionCount> rejected = {};
  std::optional<ReceiverSnapshot> receiver;  // a GPS receiver's (--gps); none for a server
  std::optional<NtsSnapshot> nts;            // a server named `nts` (RFC 8915); none otherwise
};

// How the upstream servers were last combined (core::select_upstreams).
struct SelectionSnapshot {
  int64_t reachable = 0;    // servers that answered one of their last 8 polls
  int64_t agreeing = 0;     // of them, those that agree (the truechimers)
  int64_t min_sources = 1;  // --min-sources
  std::string problem;      // why they give no correction; "" when they give one
};

inline constexpr size_t kDropReasons = static_cast<size_t>(proto::DropReason::kCount);

// The workers' counters, summed, and the broadcasts sent.
struct CounterSnapshot {
  uint64_t requests = 0;                            // NTP datagrams received
  uint64_t replies = 0;                             // replies sent, KoD included
  uint64_t interleaved_replies = 0;                 // replies in interleaved mode
  uint64_t passive_replies = 0;                     // replies in passive mode (to symmetric-active requests)
  uint64_t kod_sent = 0;                            // KoD RATE replies
  std::array<uint64_t, kDropReasons> dropped = {};  // by proto::DropReason
  uint64_t send_errors = 0;                         // replies the kernel refused to send
  uint64_t tx_timestamps = 0;                       // kernel transmit timestamps used
  uint64_t broadcasts_sent = 0;                     // mode-5 broadcasts sent
  uint64_t nts_replies = 0;                         // replies authenticated by NTS
  uint64_t nts_naks = 0;                            // NTS NAK kisses (NTSN)

  // The sum of dropped.
  uint64_t dropped_total() const {
    uint64_t n = 0;
    for (uint64_t d : dropped) n += d;
    return n;
  }
};

// The client table's size.
struct ClientTableSnapshot {
  uint64_t seen = 0;      // distinct addresses ever recorded
  uint64_t tracked = 0;   // addresses in the table now
  uint64_t capacity = 0;  // --max-clients, rounded up
};

// camsync's last run as GET /time carries it (os::CameraState, or why the file could not be read).
struct CameraSnapshot {
  std::optional<double> last_run_unix;  // when the run started, Unix s; none when the file is unreadable
  std::string result;                   // "set", "ok", "refused", "failed"; "unknown": the file is unreadable
  std::optional<double> offset_before_s;  // camera minus the Pi before the run, s (positive: camera ahead)
  std::optional<double> offset_after_s;   // the same after a set, s
  std::string message;                    // camsync's one line, or the reading error's
  std::optional<int64_t> retry_unix;      // after a failure: camsync's next run, Unix s (--retry-interval)
};

// One attempt of a phone to set the clock, as the activity log records it.
struct PhoneAttempt {
  std::string time_utc;                   // core::format_utc of when it was judged
  std::string result;                     // "set", "verified" or "refused"
  std::string reason;                     // core::code(PhoneRefusal): "none" for a set or verification
  std::string client;                     // the phone's address
  std::string trigger;                    // "auto", "button" or "other"
  std::optional<int64_t> offset_ns;       // the step measured or made (positive: forward)
  std::optional<int64_t> uncertainty_ns;  // its uncertainty (>= 0)
  std::string message;                    // as the page shows it
  std::string user_agent;                 // the browser's, at most 200 bytes
  std::optional<std::string> time_zone;   // the tz database name the phone sent
};

// The HTTP endpoints counted, in the order the report lists them ("other": anything not found).
inline constexpr const char* kHttpEndpoints[] = {"page", "time", "exchange", "set", "metrics", "other"};
inline constexpr size_t kHttpEndpointCount = std::size(kHttpEndpoints);

inline constexpr size_t kPhoneRefusals = static_cast<size_t>(core::PhoneRefusal::kCount);

// The HTTP interface (--http) and the phone sets it took.
struct HttpSnapshot {
  std::string listen;                                      // the address served, e.g. "127.0.0.1:8080"
  bool set_enabled = false;                                // --http-set-allow or --http-set-interface given
  bool https = false;                                      // --http-tls-cert and --http-tls-key given
  std::array<uint64_t, kHttpEndpointCount> requests = {};  // by kHttpEndpoints
  uint64_t sets = 0;                                       // times a phone set the clock
  uint64_t verifications = 0;  // times a phone agreed with the clock within 1 s (recorded, not stepped)
  uint64_t host_refused = 0;   // requests whose Host names no local server (DNS rebinding), 403
  std::array<uint64_t, kPhoneRefusals> refused = {};  // by core::PhoneRefusal (None unused)
  std::array<uint64_t, os::web::kLimitCount> limited =
      {};                        // refused by the web process's bounds, by os::web::Limit
  uint64_t web_restarts = 0;     // times sntpd-web exited and was started again
  uint64_t web_hung = 0;         // of those, times it was killed for not answering the heartbeat
  uint64_t channel_dropped = 0;  // malformed messages from sntpd-web, dropped
  std::optional<PhoneAttempt> last_set;
  std::optional<PhoneAttempt> last_verification;
  std::optional<PhoneAttempt> last_refusal;

  // The sum of refused.
  uint64_t refused_total() const {
    uint64_t n = 0;
    for (uint64_t r : refused) n += r;
    return n;
  }
};

// The MQTT publisher (--mqtt): sntpd-mqtt's reports, summed over its restarts.
struct MqttSnapshot {
  std::string broker;      // the --mqtt URL
  bool connected = false;  // to the broker now
  uint64_t connects = 0;   // connections made
  uint64_t failures = 0;   // connection attempts that failed, and connections lost
  uint64_t published = 0;  // messages handed to the broker
  uint64_t dropped = 0;    // messages replaced by a newer one before they could go, or not taken
  uint64_t restarts = 0;   // times sntpd-mqtt exited and was started again
  std::string last_error;  // the last failure, in words ("" none)
};

// Everything `sntpd status` reports.
struct StatusSnapshot {
  std::string version;    // LANSYNC_VERSION
  int64_t uptime_ns = 0;  // since the daemon started (monotonic)
  ReferenceSnapshot reference;
  ClockSnapshot clock;
  TimestampSnapshot timestamps;
  std::vector<UpstreamSnapshot> upstreams;
  std::optional<SelectionSnapshot> selection;  // none without upstreams
  CounterSnapshot counters;
  ClientTableSnapshot clients;
  std::optional<HttpSnapshot> http;                // none without --http
  std::optional<MqttSnapshot> mqtt;                // none without --mqtt
  std::optional<TemperatureSnapshot> temperature;  // none without a sensor
  std::optional<PulseSnapshot> pulse;              // none without --gps pps:PATH local
};

// One client of the table, for `sntpd status --clients`.
struct ClientEntry {
  std::string address;           // IP address, as text
  uint64_t requests = 0;         // requests seen from it
  bool interleaved = false;      // it uses interleaved mode
  int64_t last_seen_ns = 0;      // its last request (Unix ns)
  int64_t last_seen_ago_ns = 0;  // time since then (>= 0)
};

}  // namespace lansync::sntpd
