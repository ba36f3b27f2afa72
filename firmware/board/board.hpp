// The board: one object that keeps the time on an ESP32, an ESP8266 or the host port, and that
// the port drives with events and asks what to do next.
//
// The users' boot flow:
//   1. at boot, the DS3231 sets the clock, read at its second tick, unless its
//      oscillator-stop flag (OSF) is set or its seconds do not advance;
//   2. when the NTP server answers, its first good burst steps the clock, and
//      the clock then sets the RTC, at the start of a second;
//   3. when the server has been silent for offline_after, the clock follows
//      the RTC (a TCXO, +-2 ppm) instead of the bare crystal, by reading it
//      at its tick every rtc_resync_interval;
//   4. a phone may set the clock through the HTTP endpoint (GET /exchange,
//      then PUT /time with JSON) when that makes it at least twice as good
//      and no server is heard; the RTC is set from it too.  A server heard
//      again afterwards steps the clock on its first good burst, as at boot.
// After the first sync every correction is slewed (core/clock); a server
// that jumps by more than step_threshold is believed, and stepped to, only
// after three bursts in a row say so.  Offset and frequency come from the
// history of bursts (core/estimator).  now() returns the time with an error
// bound in the RFC 5905 sense (half the path delay, the server's root
// distance, growing at PHI = 15 ppm), and "unsynchronized" until a source
// has set the clock or once the bound passes max_error.
//
// The HTTP set is safe from other web pages a phone opens: it needs a JSON
// body and a same-origin request (which a cross-site page cannot send), and
// with a key a one-use token from GET /exchange, which such a page cannot
// read.  The board measures the exchange's round trip itself and never
// takes an error bound smaller than half of it.
//
// Optional: listen-only mode takes mode-5 broadcasts (sntpd --broadcast) as
// samples, for boards that sleep between them; server mode answers SNTP and
// GET /time with the board's clock, LI=3 whenever it is unsynchronized (an
// RTC with OSF set, never synchronized, or beyond max_error).
//
// Optional: Wi-Fi through the board (core/network): next_action() asks the
// port to join the known network or, with none or none joined in time, to
// start the board's own access point, where it then serves SNTP and HTTP
// (serving()) for a phone and other devices, with no router.
//
// Optional: a symmetric key (core/auth, the same line as the server's key
// file) signs every request, and then only replies and broadcasts signed
// with it are used; the others are counted in status().  Server mode follows
// sntpd's rules (proto/reply_rules.hpp): client (3) and symmetric-active (1)
// requests are answered, the latter in passive mode (2); a request signed
// with the key gets a signed reply, an unsigned request an unsigned reply,
// and one signed with another key or badly, or a crypto-NAK, none.  With a
// key, a broadcast is used only when its sender's time advanced since its
// last one by no more than the local counter did (plus a tolerance): a
// replayed broadcast moves nothing.
//
// The port owns the I/O: it reads the local counter (ns) before each call,
// sends what next_action() asks, reads or writes the DS3231 when asked, and
// hands in datagrams and HTTP requests.  No heap, no exceptions, no floating
// point; one Board is a few kilobytes.  It keeps the clock, the estimator,
// the NTP client and server mode, and is composed of parts with one job
// each: what the clock follows (source_state), the DS3231 keeper
// (rtc_keeper), the HTTP side and the phone's sets (board_http), the
// broadcast replay guard (broadcast_guard) and the event queue (event_queue).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "firmware/board/auth.hpp"
#include "firmware/board/board_http.hpp"
#include "firmware/board/broadcast_guard.hpp"
#include "firmware/board/clock.hpp"
#include "firmware/board/estimator.hpp"
#include "firmware/board/event_queue.hpp"
#include "firmware/board/http.hpp"
#include "firmware/board/network.hpp"
#include "firmware/board/ntp_client.hpp"
#include "firmware/board/rtc.hpp"
#include "firmware/board/rtc_keeper.hpp"
#include "firmware/board/sleep.hpp"
#include "firmware/board/sleep_timer.hpp"
#include "firmware/board/source_state.hpp"
#include "firmware/board/text.hpp"
#include "proto/reply_rules.hpp"
#include "proto/time_message.hpp"
#include "proto/units.hpp"

namespace lansync::fw {

// RFC 5905 PHI (15 ppm), shared with the Pi.
using proto::kPhiPpb;

struct BoardConfig {
  bool use_server = false;  // unicast client of one NTP server (the port knows its address)
  ClientConfig client;
  uint32_t server_refid = 0;  // the server's IPv4 address, as the reference ID the board serves

  bool listen_broadcast = false;   // take mode-5 broadcasts as samples
  int64_t broadcast_delay_ns = 0;  // their assumed one-way delay

  bool has_rtc = false;                          // a DS3231 at 0x68
  int64_t rtc_set_unix_s = 0;                    // when the RTC was last set (the port keeps it); 0: unknown
  int64_t rtc_set_error_ns = 0;                  // the clock's error bound then
  int64_t rtc_unknown_error_ns = 1'000'000'000;  // error assumed for an RTC of unknown age
  int64_t rtc_drift_ppb = 2'000;                 // DS3231: +-2 ppm from 0 to 40 °C
  int64_t rtc_min_write_interval_ns = int64_t{3600} * 1'000'000'000;  // while synchronized
  int64_t rtc_resync_interval_ns = int64_t{600} * 1'000'000'000;      // offline: read it this often
  int64_t rtc_read_interval_ns = 1'000'000;                           // reads while waiting for its tick
  int64_t offline_after_ns = int64_t{900} * 1'000'000'000;            // no NTP sample this long: offline

  bool serve = false;           // answer SNTP and GET /time
  uint8_t local_stratum = 10;   // the stratum served from the RTC or a phone
  int8_t precision_log2 = -20;  // of the local counter, as served

  int64_t phone_error_ns = 500'000'000;       // error bound of a phone set without its own
  int64_t max_error_ns = 1'500'000'000;       // beyond: unsynchronized (RFC 5905 MAXDIST)
  int64_t step_threshold_ns = 1'000'000'000;  // after the first sync, larger jumps are stepped (confirmed)
  int64_t sigma_floor_ns = 20'000;            // least error of any sample (core/estimator)

  // Deep sleep (save() and wake()): the sleep timer's tolerance (the ESP32's
  // 150 kHz RC slow clock, calibrated at boot: 500 ppm; an external 32 kHz
  // crystal: 50 ppm), its rate error as far as the port knows it (a
  // calibration; true sleep = measured * (1 + rate)) and how fast that rate
  // may wander at least (firmware/board/sleep_timer learns both from the bursts after
  // waking), what reading the timer and the counter at the save and on
  // waking may add, and the error bound on waking beyond which a burst is
  // sent as soon as the request budget allows (min_poll after the last).
  int64_t sleep_drift_ppb = 500'000;
  int64_t sleep_rate_ppb = 0;
  int64_t sleep_wander_ppb_per_h = 30000;
  int64_t sleep_read_error_ns = 100'000;
  int64_t wake_burst_error_ns = 10'000'000;

  // Wi-Fi: the known network, and when to run the board's own access point
  // instead (core/network); while it is up the board serves SNTP and HTTP.
  NetworkConfig network;

  MacKey key;  // id 0: no authentication (the port fills in the key and its hash)

  uint64_t (*random64)(void* context) = nullptr;  // 64 random bits (request cookies); required
  void* random_context = nullptr;
};

// What the port must do next.
enum class ActionKind : uint8_t {
  Wait,              // nothing until at_local_ns, or until a datagram or request arrives
  SendNtp,           // send data[0..size) to the server now (the request's T1 is the time passed in)
  ReadRtc,           // read size registers from reg, then call on_rtc_read
  WriteRtc,          // write data[0..size) to registers from reg at at_local_ns exactly, then on_rtc_written
  JoinNetwork,       // join *wifi (SSID, password) and report Joined or JoinFailed to on_wifi
  StartAccessPoint,  // start the access point *wifi (SSID, password, channel, IPv4, netmask),
                     // open SNTP (123) and HTTP (80) on it, and report AccessPointStarted or Failed
};

struct Action {
  ActionKind kind = ActionKind::Wait;
  int64_t at_local_ns = 0;
  uint8_t reg = 0;
  uint8_t size = 0;
  uint8_t data[codec::kHeaderSize + codec::kMaxV4MacSize] = {};  // a signed request fits
  const WifiNetwork* wifi = nullptr;  // JoinNetwork, StartAccessPoint: in the board's config
};

// What on_time_message did with a time another protocol carried.
enum class TimeMessageVerdict : uint8_t {
  Set,        // the clock was set (or stepped) from it
  NotBetter,  // a server is heard, or the clock is already at least half as good
  Refused,    // no round trip, too slow, or a bad resolution (proto::read_time_message)
};
const char* describe(TimeMessageVerdict v);

// What wake() did with the record it was given.
enum class WakeResult : uint8_t {
  Restored,  // the clock runs on from the record, its error bound grown by the sleep
  Empty,     // a good record of a board that had no time: started as at boot
  Rejected,  // not a record (power cut, garbage, another version) or implausible: started as at boot
};
const char* describe(WakeResult w);

// Everything a status line shows.
struct BoardStatus {
  Reading reading;
  int64_t last_offset_ns = 0;  // the last sample's reference minus our clock (positive: we were behind)
  int64_t last_delay_ns = 0;   // its round-trip delay
  int64_t freq_ppb = 0;        // frequency correction (positive: the crystal is slow)
  int8_t poll_log2 = 0;        // NTP poll interval
  uint8_t upstream_stratum = 0;
  size_t samples = 0;  // in the estimator
  uint32_t requests_sent = 0;
  uint32_t unauthenticated = 0;      // replies and broadcasts refused for their MAC (with a key)
  uint32_t auth_refused = 0;         // server mode: requests signed with another key or badly, unanswered
  uint32_t http_sets_refused = 0;    // PUT/POST /time refused (cross-site, not JSON, token, state...)
  uint32_t broadcasts_replayed = 0;  // with a key: a sender's first, not newer, or too far ahead
  RtcStatus rtc = RtcStatus::Unknown;
  int64_t rtc_error_ns = 0;  // the RTC's own error bound, when valid
  // The deep-sleep timer as learned (firmware/board/sleep_timer): its rate error (positive: it runs slow),
  // one standard deviation of that now, how many wakes' bursts taught it, and whether enough
  // of them in a row agreed for the bound on waking to rest on it (else on the tolerance).
  int64_t sleep_rate_ppb = 0;
  int64_t sleep_rate_sd_ppb = 0;
  uint32_t sleep_readings = 0;
  bool sleep_trusted = false;
};

class Board {
 public:
  explicit Board(const BoardConfig& config);

  // Starts everything at local_ns: the RTC read first, then NTP.
  void start(int64_t local_ns);

  // The next thing to do at local_ns.  Call again until it returns Wait.
  Action next_action(int64_t local_ns);

  // Results of a ReadRtc / WriteRtc: ok false if the bus transfer failed.
  // local_ns: read just before the transfer started.
  void on_rtc_read(const uint8_t* regs, size_t size, bool ok, int64_t local_ns);
  void on_rtc_written(bool ok, int64_t local_ns);

  // What came of a JoinNetwork or StartAccessPoint, at local_ns.
  void on_wifi(WifiReport report, int64_t local_ns);
  // Whether SNTP and GET /time are served: server mode, or the access point is up.
  bool serving() const { return config_.serve || network_.access_point_up(); }
  const NetworkPlan& network() const { return network_; }

  // A datagram from the NTP server (client replies), received at local_ns.
  void on_ntp_packet(const uint8_t* data, size_t size, int64_t local_ns);
  // The server's IPv4 address, when the port learns it after start() (a DHCP lease's option 42)
  // or it changes: the reference ID served from its next burst on.
  void set_server_refid(uint32_t refid) { config_.server_refid = refid; }
  // A datagram on the broadcast port; refid: the sender's IPv4 address.
  void on_broadcast(const uint8_t* data, size_t size, int64_t local_ns, uint32_t refid);

  // Server mode: the reply to an SNTP request received at local_ns, with its
  // transmit time left zero; 0 when it gets none.  Never larger than the
  // request.  A request signed with our key gets a reply as long as the
  // request, its MAC trailer written by stamp_transmit() (cap: 48 + 68 for an
  // NTPv3 request with SHA-512).
  size_t serve_ntp(const uint8_t* request, size_t size, int64_t local_ns, uint8_t* out, size_t cap);
  // Puts the clock's time at local_ns into a reply of size bytes (from
  // serve_ntp) and signs it if it carries a MAC trailer, just before
  // sending.  Returns the bytes to send: size, or 0 if the hash failed.
  size_t stamp_transmit(uint8_t* reply, size_t size, int64_t local_ns) const;

  // The response to an HTTP request completed at local_ns (GET /time, GET /,
  // GET /exchange, PUT or POST /time).  Returns 0 while the request is
  // incomplete (the port reads more, without blocking, and calls again;
  // parse_http_request says when it is complete), else the response's size.
  // A set is refused with 403 (cross-site, or a missing, unknown, used or
  // expired token), 415 (not JSON), 400 (bad body or timestamps) or 409 (the
  // clock is better, or the round trip too long).
  size_t serve_http(const char* request, size_t size, int64_t local_ns, char* out, size_t cap);

  // A time another protocol's answer carried (OCPP's currentTime in a
  // BootNotification or Heartbeat answer, read by proto::parse_iso_time),
  // with our counter when its request left and when the answer arrived: a
  // reference whose error is half the round trip, plus its resolution, plus
  // what the sender's own clock may be off (proto/time_message).  Taken at
  // local_ns as a phone's set is: only while no server is heard and when it
  // makes the clock at least twice as good; the RTC follows when it is
  // worse; served at local_stratum with that error as root dispersion.  A
  // server heard again steps the clock on its first good burst.
  TimeMessageVerdict on_time_message(const proto::TimeMessage& m, int64_t local_ns);

  // The time now.
  Reading now(int64_t local_ns) const;
  BoardStatus status(int64_t local_ns) const;
  // The oldest event not yet taken.
  bool next_event(Event* out);

  // Deep sleep.  The record to keep in RTC memory, taken at local_ns just
  // before sleeping (the port then measures the sleep from this moment).
  SleepRecord save(int64_t local_ns) const;
  // Instead of start() on waking from deep sleep: record from RTC memory,
  // slept_ns the sleep timer's measure of the time since save() (ns, >= 0),
  // local_ns the restarted counter now.  The error bound grows by slept_ns
  // at sleep_drift_ppb plus sleep_read_error_ns; now() is honest at once.
  WakeResult wake(const SleepRecord& record, int64_t slept_ns, int64_t local_ns);

  // What the port must keep across a power cycle to bound the RTC's error:
  // the Unix second it was last set and the error then (0, 0: never set here).
  int64_t rtc_set_unix_s() const { return rtc_.set_unix_s(); }
  int64_t rtc_set_error_ns() const { return rtc_.set_error_ns(); }

 private:
  void apply_samples(Source source, const Sample* samples, size_t n, const Sample& best,
                     int64_t upstream_distance_ns, int64_t local_ns);
  // Whether a sample agrees with the fit (always, before there is one).
  bool inlier(const Sample& s) const;
  // After a burst that agrees with the fit: a quiet one (little queueing, on the line) counts
  // toward a longer poll, any other shortens it.
  void adapt_poll(const Sample& best);
  // Moves the clock to the fit's time at local_ns: a step the first time (from a server or
  // broadcaster: the first time it is heard; after a confirmed jump past the step threshold),
  // else a slew; offset_ns: the fit's time less the clock's.  state_.source is the sample's,
  // best the burst's least delayed sample (for the sleep timer's filter).
  void steer_clock(int64_t local_ns, int64_t offset_ns, bool jump, const Sample& best);
  void finish_burst(int64_t local_ns);
  int64_t error_ns(int64_t local_ns) const;
  bool online(int64_t local_ns) const;
  int64_t pivot_ns(int64_t local_ns) const;
  // The clock as the RTC keeper sees it at local_ns.
  RtcView rtc_view(int64_t local_ns) const;
  // The clock as a set from off the network (a phone, a time message) is judged against at local_ns.
  ClockView clock_view(int64_t local_ns) const { return ClockView{now(local_ns), online(local_ns)}; }
  // Does what the RTC keeper said: log its event, or follow its tick.
  void take(const RtcOutcome& o, int64_t local_ns);
  void push(EventKind kind, int64_t value_ns = 0, uint32_t code = 0);
  // A Wi-Fi step of the plan: the action for the port (true), or an event pushed.
  bool wifi_step(WifiStep step, Action* a);
  void note_verdict(proto::ReplyStatus status, const uint8_t* data, size_t size);
  // The key the client signs with and checks replies by (0: none).
  uint32_t client_key_id() const { return config_.key.enabled() ? config_.key.id : 0; }
  // A phone's set that passed the HTTP side's checks, or a time message taken: the step to
  // utc_ns (error error_ns) at local_ns, from source.
  void set_from(Source source, int64_t utc_ns, int64_t error_ns, int64_t local_ns);
  // What server mode says of the clock at local_ns (its error bound as root distance).
  proto::ReferenceState served_reference(const Reading& r) const;
  bool restorable(const SleepRecord& r, int64_t slept_ns) const;
  void anchor_after_wake();
  // The first networked samples after waking (n of them, best the least delayed): the clock
  // corrected as the sleep timer's filter says, at local_ns.  Returns the clock's error bound
  // less the upstream's distance.
  int64_t steer_after_wake(const Sample* samples, size_t n, const Sample& best, int64_t local_ns);
  void resume_polling(const SleepRecord& r, int64_t slept_ns, int64_t error_ns, int64_t local_ns);

  BoardConfig config_;
  DisciplinedClock clock_;
  Estimator estimator_;
  NtpClient client_;
  NetworkPlan network_;
  Fit fit_;
  SourceState state_;
  BoardHttp http_;
  BroadcastGuard broadcasts_;
  EventQueue events_;
  RtcKeeper rtc_;
  SleepTimer sleep_timer_;
  Source estimator_source_ = Source::None;
  // A network source set or stepped the clock since the last step from
  // elsewhere (a phone); until then its first good burst steps (first sync).
  bool ntp_synced_once_ = false;
  uint8_t settle_updates_ = 0;  // network updates left in which a correction past 1 ms steps
  uint8_t outliers_ = 0;
  uint8_t stable_bursts_ = 0;
  int64_t last_sample_local_ns_ = 0;  // the newest sample in the estimator
  bool last_burst_unsynchronized_ = false;
  bool last_burst_silent_ = false;
  bool last_unauthenticated_ = false;
  uint32_t unauthenticated_ = 0;
  uint32_t auth_refused_ = 0;

  bool started_ = false;
  bool woke_with_freq_ = false;  // woke with a fitted frequency, and the history has fitted none since
};

}  // namespace lansync::fw
