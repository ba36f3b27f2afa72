// Setting the server's clock from a phone: the offset measured over HTTP, and whether to take it.
//
// The phone's page runs NTP's exchange over HTTP (RFC 5905 §8): it notes T1,
// asks the server, which answers with its receive and transmit times T2 and
// T3, and notes T4.  The server computes the offset itself from the phone's
// T1/T4 and its own T2/T3, which it issued moments before in a token only it
// can make (os/crypto_exchange_token.hpp), so a page can measure but not invent.
// The users' rule: the server takes the phone's time only when the client may
// set the clock (its address in --http-set-allow, or on --http-set-interface),
// the server has no better reference (upstream, kernel, or a fresh sync-state
// record from an NTP server: core/reference; the phone, the most reliable
// source the Pi has offline, replaces a record of an earlier phone or of the
// RTC), and the exchange is recent and unused.  Clocks that differ by more
// than 1 s are stepped; clocks that agree are a verification, recorded as one,
// so the server stays reliable for --max-age more.  A same-origin rule keeps
// other web sites' pages from posting.  The phone's protocol itself (the
// same-origin rule, the token's lifetime, the measurement and its limits) is
// proto/phone's, which the boards use too.  Pure: the caller gathers
// addresses, times and the reference.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/access.hpp"
#include "core/reference.hpp"
#include "proto/phone.hpp"

namespace lansync::core {

// The sync-state source a phone's set or verification records.
inline constexpr const char* kPhoneSyncSource = "phone";

// The clocks must differ by more than this for a phone to set the server (1 s).
inline constexpr int64_t kPhoneSetMinOffsetNs = 1'000'000'000;
// The server's clock may drift or slew this much between the exchange and the
// set request (500 ppm over the token's 10 s is 5 ms); more means it was stepped.
inline constexpr int64_t kPhoneMaxClockMoveNs = 50'000'000;

// Why a phone's request to set the clock was refused (None: it was not).
enum class PhoneRefusal : uint8_t {
  None,
  NotEnabled,        // no --http-set-allow or --http-set-interface
  CrossSite,         // Origin/Host/Sec-Fetch-Site say another site's page sent it
  NotJson,           // Content-Type is not application/json
  NotAllowed,        // the client's address may not set the clock
  BadRequest,        // the body is not {"token":..., "t1_ms":..., "t4_ms":...}
  BadToken,          // a token this server did not issue (or altered)
  Expired,           // the exchange is older than the token's lifetime
  Reused,            // the token was already presented once
  Busy,              // too many tokens in use at once
  ClockChanged,      // the server's clock was stepped since the exchange
  BadTimestamps,     // T4 before T1, or a round trip shorter than the server's own part
  TooSlow,           // the round trip exceeded proto::kPhoneMaxDelayNs
  BeforeBuild,       // the phone's time is before this program was built: its clock is wrong
  BeforeRecord,      // the phone's time is before the last sync-state record's: its clock is wrong
  FresherReference,  // upstream, kernel or a fresh NTP sync-state record: the phone is not needed
  ClockFailed,       // the step or the record failed (no CAP_SYS_TIME, an unwritable state file, ...)
  BadTimeZone,       // time_zone is not a name the tz database knows
  NotReliable,       // POST /sync-camera while the Pi's time is unreliable (camsync would refuse)
  ManualOnly,        // an automatic set from a --http-manual-interface network: the button only
  BadLocation,       // location is not {lat, lon, accuracy_m, unix} within their ranges
  OtherPhone,        // another phone holds the clock (PhoneHolder) and this one disagrees with it
  kCount,
};

// The stable code of a refusal, for logs, JSON and metrics: "none",
// "not_enabled", "cross_site", "not_json", "not_allowed", "bad_request",
// "bad_token", "expired", "reused", "busy", "clock_changed",
// "bad_timestamps", "too_slow", "before_build", "before_record", "fresher_reference",
// "clock_failed", "bad_time_zone", "not_reliable", "manual_only", "bad_location", "other_phone".
const char* code(PhoneRefusal r);

// What a phone's request did.
enum class PhoneOutcome : uint8_t {
  Refused,   // nothing changed; PhoneVerdict::refusal says why
  Set,       // the clock was stepped to the phone's time
  Verified,  // the clocks agree within kPhoneSetMinOffsetNs: recorded as a verification, clock untouched
};

// "refused", "set", "verified": the result word of POST /set's answer.
const char* code(PhoneOutcome o);

// True when a fresh sync-state record from source may be replaced by a phone:
// one written by a phone ("phone"), by the RTC ("rtc") or from the camera ("camera").  Anything else (an
// NTP server's "ntp:...", a script's) stays the better reference.
bool phone_may_replace(std::string_view source);

// Where the phone was when it set or verified the clock (the browser's Geolocation API, WGS 84),
// for the timelapse report: in fixed point, as the web channel carries it.
struct PhoneLocation {
  int32_t lat_e7 = 0;        // latitude, 1e-7 degrees, north positive, within ±90e7
  int32_t lon_e7 = 0;        // longitude, 1e-7 degrees, east positive, within ±180e7
  uint32_t accuracy_cm = 0;  // the fix's accuracy (95 % radius), cm, at most kPhoneMaxAccuracyCm
  int64_t unix_s = 0;        // when the fix was taken, Unix s, within the phone-clock years

  bool operator==(const PhoneLocation&) const = default;
};

// The largest accuracy a location may claim: 10 000 km, cm.
inline constexpr uint32_t kPhoneMaxAccuracyCm = 1'000'000'000;
// The Unix seconds a phone's clock can show: 2000-01-01 to 2200-01-01 (as T1/T4 are bounded).
inline constexpr int64_t kPhoneMinUnixS = 946'684'800;
inline constexpr int64_t kPhoneMaxUnixS = 7'258'118'400;

// The location a page sent (degrees, metres, Unix s) in fixed point, or nullopt when a number is
// not finite, lat is outside [-90, 90], lon outside [-180, 180], accuracy_m outside [0, 1e7], or
// unix is not a whole second between kPhoneMinUnixS and kPhoneMaxUnixS.
std::optional<PhoneLocation> phone_location(double lat, double lon, double accuracy_m, double unix_s);

// True when every field of l lies in the ranges phone_location gives.
bool valid(const PhoneLocation& l);

// An address of a --http-manual-interface or --http-fallback-interface interface, with the
// interface's name for the page.
struct NamedAddress {
  Cidr address;           // base = the interface's own address
  std::string interface;  // "wlan0"
};

// Who may set the clock: --http-set-allow prefixes, the addresses of the
// --http-set-interface interfaces (each with its network's prefix length),
// those of the --http-fallback-interface ones (automatically while no phone of
// the first two holds the clock) and those of the --http-manual-interface ones
// (the button only), read when the request arrives.
struct SetAccess {
  std::vector<Cidr> allow;
  std::vector<Cidr> interface_addresses;  // base = the interface's own address
  bool interfaces_configured = false;     // --http-set-interface was given
  std::vector<NamedAddress> manual_addresses;
  bool manual_configured = false;  // --http-manual-interface was given
  std::vector<NamedAddress> fallback_addresses;
  bool fallback_configured = false;  // --http-fallback-interface was given
  bool enabled() const {
    return !allow.empty() || interfaces_configured || manual_configured || fallback_configured;
  }
};

// How a client may set the clock.
struct SetPermission {
  enum Kind : uint8_t {
    None,    // not at all
    Button,  // by the page's button only (trigger "button"): a --http-manual-interface network
    Any,     // automatically or by the button
    // A --http-fallback-interface network: as Any while no phone of an Any network holds the
    // clock, else as Button (sntpd knows the holder: core::fallback_outranked).
    Fallback,
  } kind = None;
  std::string interface;  // with Button and Fallback: the interface it came in on
};

// What client, connected to local, may do: Any when it lies in an allowed
// prefix or came in on an address of a set interface from that interface's
// network; else Fallback when the same holds for a fallback interface; else
// Button when it holds for a manual interface; else None.  IPv4-mapped IPv6
// addresses count as the IPv4 address.
SetPermission set_permission(const SetAccess& access, const IpAddress& client, const IpAddress& local);

// True when client may set the clock in some way (set_permission is not None).
bool may_set_clock(const SetAccess& access, const IpAddress& client, const IpAddress& local);

// "auto", "button" or "none": the word GET /time gives for a permission (Fallback: "auto"; the web
// side says "button" for it while a phone of an Any network holds the clock).
const char* code(SetPermission::Kind k);

// ::ffff:a.b.c.d as a.b.c.d (what a dual-stack socket reports for IPv4
// clients); any other address unchanged.
IpAddress unmap_ipv4(const IpAddress& a);

// The browser's headers of a request that may change state.
struct OriginHeaders {
  std::string_view host;                           // Host: "192.168.4.1", "pi.local:8080"
  std::optional<std::string_view> origin;          // Origin, when sent
  std::optional<std::string_view> sec_fetch_site;  // Sec-Fetch-Site, when sent
  bool https = false;                              // the connection is TLS (--http-tls-cert)
  // Other origins whose pages may use this server (sntpd --http-allow-origin), in
  // parse_allowed_origin's form.
  std::span<const std::string> allowed_origins;
};

// A header's value as proto/phone reads text (absent for nullopt).
proto::TextRef text_ref(std::optional<std::string_view> s);

// proto::same_origin for these headers (the phone's protocol, the boards' rule too).
bool same_origin(const OriginHeaders& h);

// An origin whose pages may use this server's phone endpoints besides its own (sntpd
// --http-allow-origin: an app's page on another port): "http://HOST[:PORT]" or
// "https://HOST[:PORT]", HOST one proto::local_host accepts.  Returned lowercase, without a trailing
// "/" or the scheme's default port (80, 443), as browsers send Origin; nullopt with the reason in
// problem for anything else (a path, a query, user info, another scheme, a public DNS name).
std::optional<std::string> parse_allowed_origin(std::string_view text, std::string& problem);

// The Origin a request sent when it is one of allowed (parse_allowed_origin's form), compared as
// parse_allowed_origin reads it; empty otherwise.
std::string allowed_origin(std::optional<std::string_view> origin, std::span<const std::string> allowed);

// The rule for requests that may change state: same_origin(h), or an Origin among
// h.allowed_origins with a Host that public DNS cannot point elsewhere (proto::local_host).
bool trusted_origin(const OriginHeaders& h);

// The phone that holds the clock: the first whose set or verification was taken holds it while it
// checks in (a set or verification at least every --max-age); other phones that disagree with it
// are refused, so that a crew's phones a second apart cannot step the clock back and forth.
struct PhoneHolder {
  std::string client;          // its address, as text
  std::string user_agent;      // its browser's User-Agent, for the page and the reason
  int64_t uncertainty_ns = 0;  // the uncertainty of its last taken measurement
  bool fallback = false;       // it came in on a --http-fallback-interface network
};

// Whether a phone's automatic set or verification is refused (ManualOnly) because it came in on a
// --http-fallback-interface network (fallback) while another phone that did not holds the clock
// (holder: the current holder, when it is another phone).  The button overrides (trigger "button").
bool fallback_outranked(bool fallback, std::string_view trigger, const std::optional<PhoneHolder>& holder);

// Whether a phone takes the hold from the current holder (another phone) by its automatic set or
// verification: when it came in on a full network and the holder on a fallback one (the access
// point's phone outranks the home network's).  The button always takes it.
bool outranks_holder(bool fallback, std::string_view trigger, const PhoneHolder& holder);

// Everything judge_phone_set needs, gathered at the time of the request.
struct PhoneSetContext {
  proto::PhoneExchange exchange;
  ReferenceChoice reference;   // choose_reference() on evidence gathered now
  int64_t clock_moved_ns = 0;  // (clock now - T3) - (monotonic now - monotonic at T3)
  int64_t build_time_ns = 0;   // Unix ns when this program was built (0: unknown)
  int64_t last_record_ns = 0;  // Unix ns of the sync-state file's record, fresh or not (0: none)
  std::string
      time_zone_problem;  // why the zone the phone sent is refused (os::check_known_zone); empty: fine
  // The phone that holds the clock, when it is another one and its hold is current; none for a
  // set by the button (a person overrides the hold).
  std::optional<PhoneHolder> holder;
};

// The judgement of a phone's request.
struct PhoneVerdict {
  PhoneOutcome outcome = PhoneOutcome::Refused;
  PhoneRefusal refusal = PhoneRefusal::None;  // None when Set or Verified
  proto::PhoneMeasurement measurement;        // valid unless BadTimestamps or BadTimeZone
  std::string reason;                         // one sentence for the page and the log
};

// Applies, in order: a known time zone (when one was sent), the clock
// unchanged since the exchange, the exchange's timing (proto::check_phone_timing),
// the phone's time (T4) not before the build nor before the
// last record, no better reference (the reference is none, the local clock,
// or a sync-state record phone_may_replace), and, when another phone holds the
// clock, |correction| within both measurements' uncertainties (else OtherPhone).
// Then |correction| > 1 s: Set; otherwise Verified.
PhoneVerdict judge_phone_set(const PhoneSetContext& c);

// The sentence the page shows for a refusal decided before judge_phone_set
// (NotEnabled, CrossSite, NotJson, NotAllowed, BadRequest, BadLocation, BadToken,
// Expired, Reused, Busy); client is the address as text.
std::string explain_refusal(PhoneRefusal r, const std::string& client);

// When the reference stops counting, in Unix ns: max_age after its last
// update, or earlier when its root distance reaches 1.5 s (RFC 5905 MAXDIST,
// dispersion growing at its dispersion_rate_ppb, 15 ppm or as the clock earned).  Only for references that
// age (roles Measured and Record); nullopt for the kernel's word, the local clock and none.
std::optional<int64_t> reliable_until_ns(const ReferenceChoice& c, int64_t max_age_ns);

// The checks an open phone page makes: while the server is reliable, after
// recheck_permille/1000 of what is left of its reliability window (so a phone
// that stays verifies before the window ends and the server never lapses), no
// sooner than kPhoneRecheckMinNs and no later than kPhoneRecheckMaxNs; while it
// is reliable with no end, after kPhoneRecheckMaxNs; while it is not, after
// kPhoneRecheckUnreliableNs, until a check succeeds.
inline constexpr int64_t kPhoneRecheckMinNs = 10'000'000'000;         // 10 s
inline constexpr int64_t kPhoneRecheckMaxNs = 3'600'000'000'000;      // an hour
inline constexpr int64_t kPhoneRecheckUnreliableNs = 60'000'000'000;  // a minute
inline constexpr int kPhoneRecheckDefaultPermille = 500;              // half the window left

// How long from now_ns until an open phone page checks again, in ns (see above);
// reliable_until_ns: reliable_until_ns() of the current reference.
int64_t phone_recheck_ns(bool synchronized, std::optional<int64_t> reliable_until_ns, int64_t now_ns,
                         int recheck_permille);

}  // namespace lansync::core
