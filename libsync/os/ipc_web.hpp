// The channel between sntpd and its web process (sntpd-web): small fixed-layout, length-checked messages.
//
// sntpd serves the HTTP interface from a separate unprivileged process and talks to it over a
// socketpair(AF_UNIX, SOCK_SEQPACKET): one message per datagram, a 12-byte header
// {version, type, request id, payload length} (little-endian) and per type a payload of a fixed
// size, or (Reply) a status and a text of at most kMaxText bytes.  Strings inside fixed payloads
// sit in fields of fixed capacity with their length in front; a Set's location is integers (1e-7
// degrees, cm, Unix s) behind a presence byte.  decode() checks every length and
// every field; a message that fails is dropped by the receiver and counted, never trusted.
//
//   web → sntpd:  Time, Metrics, Exchange (no payload), Set, Counters, SyncCamera (Set's layout), Pong
//   sntpd → web:  Reply (answers the request of the same id), Clock, Ping
//
// Ping/Pong is sntpd's heartbeat: the web process answers a Ping from the thread that serves HTTP,
// so that one alive but stuck stops answering and sntpd kills and restarts it.
//
// sntpd renders every reply body (the /time JSON, the metrics text, the exchange's T2/T3 and token,
// the set verdict), so that the web process can neither invent T2/T3 nor judge a set.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codec/result.hpp"
#include "core/phone.hpp"
#include "os/clock_zone.hpp"
#include "os/ipc_seqpacket.hpp"
#include "os/ipc_web_limit.hpp"

namespace lansync::os::web {

inline constexpr uint16_t kVersion = 1;
inline constexpr size_t kHeaderSize = 12;                          // version, type, id, payload length
inline constexpr size_t kMaxText = 60 * 1024;                      // a Reply's text, bytes
inline constexpr size_t kMaxMessage = kHeaderSize + 2 + kMaxText;  // the largest datagram, bytes

// Capacities of the strings inside a Set request, bytes.
inline constexpr size_t kTokenCapacity = 160;      // an exchange token is 130 hex characters
inline constexpr size_t kClientCapacity = 64;      // an IPv6 address as text fits
inline constexpr size_t kTriggerCapacity = 8;      // "auto", "button", "other"
inline constexpr size_t kUserAgentCapacity = 200;  // the browser's, cut to 200 bytes as the report keeps it
inline constexpr size_t kTimeZoneCapacity = kMaxZoneNameLength;  // a tz database name

// HTTPS (--http-tls-cert, --http-tls-key): sntpd hands the web process the two PEM files' bytes,
// each at most kMaxTlsFileBytes, as sealed memory files; the web process exits with
// kExitTlsRefused when its TLS library refuses them, and sntpd then stops (exit 2).
inline constexpr size_t kMaxTlsFileBytes = 64 * 1024;
inline constexpr int kExitTlsRefused = 3;

enum class Type : uint16_t {
  Time = 1,    // GET /time: Reply with time JSON
  Metrics,     // GET /metrics: Reply with the Prometheus text
  Exchange,    // GET /exchange: Reply with T2, T3 and a token
  Set,         // POST /set: Reply with the verdict JSON
  Counters,    // the web side's counters, pushed; no reply
  Reply,       // sntpd's answer to the request with the same id
  Clock,       // the served clock minus CLOCK_REALTIME, for the Date header
  SyncCamera,  // POST /sync-camera: Reply with the verdict JSON; the payload of a Set (only early,
               // client, trigger and user_agent mean something)
  Ping,        // sntpd's heartbeat: answered by a Pong with the same sequence
  Pong,        // the web process's answer to a Ping
};

// POST /set: what the web process read from the request, and its early refusal (None when the
// client passed the access check and the body parsed: sntpd then redeems the token and judges).
struct SetRequest {
  core::PhoneRefusal early = core::PhoneRefusal::None;  // NotEnabled, CrossSite, NotJson, NotAllowed,
                                                        // BadRequest, BadLocation, ManualOnly
  int64_t t1_ns = 0;                                    // the phone's T1, Unix ns on its clock
  int64_t t4_ns = 0;                                    // the phone's T4
  std::string token;                                    // as the page sent it back (≤ kTokenCapacity)
  std::string client;                                   // the client's address as text (≤ kClientCapacity)
  std::string trigger;                                  // "auto", "button" or "other"
  std::string user_agent;                               // ≤ kUserAgentCapacity bytes
  std::optional<std::string> time_zone;  // the phone's tz database name, when sent (≤ kTimeZoneCapacity)
  std::optional<core::PhoneLocation> location;  // where the phone was, when sent (core::valid)
  bool fallback = false;                        // the client came in on a --http-fallback-interface network
};

// The web side's counters since it started (sntpd adds those of earlier runs).
struct Counters {
  std::array<uint64_t, 6> requests = {};           // by endpoint: page, time, exchange, set, metrics, other
  uint64_t host_refused = 0;                       // requests refused for their Host (DNS rebinding), 403
  std::array<uint64_t, kLimitCount> limited = {};  // by Limit
};

// sntpd's answer: the HTTP status and body the web process sends as they are.
struct Reply {
  uint16_t status = 200;
  std::string body;  // ≤ kMaxText bytes
};

// The served clock (--clock simulated may differ) minus CLOCK_REALTIME, ns (positive: served ahead),
// and for how long from now sntpd's reference stays trusted if nothing changes: an HTTP Date
// header only while it does (RFC 9110 §6.6.1: no Date from a clock the server cannot trust).
struct Clock {
  int64_t served_minus_real_ns = 0;
  int64_t trusted_for_ns = 0;  // 0: not trusted now; kTrustedUntilChanged: until the next Clock
};
inline constexpr int64_t kTrustedUntilChanged = INT64_MAX;

// A heartbeat's payload (Ping and Pong): sntpd's counter, echoed.
struct Heartbeat {
  uint64_t sequence = 0;
};

struct Message {
  Type type = Type::Time;
  uint32_t id = 0;    // a request's id, echoed by its Reply; 0 for Counters, Clock, Ping and Pong
  SetRequest set;     // with Type::Set and Type::SyncCamera
  Counters counters;  // with Type::Counters
  Reply reply;        // with Type::Reply
  Clock clock;        // with Type::Clock
  Heartbeat beat;     // with Type::Ping and Type::Pong
};

// Why a datagram was dropped.
enum class DecodeError : uint8_t {
  TooShort,    // shorter than the header
  BadVersion,  // not kVersion
  BadType,     // a type this version does not know
  BadLength,   // the header's payload length is not the datagram's, or not the type's size
  BadField,    // a string longer than its capacity, an unknown refusal, a status or location out of range
  kCount,
};
inline constexpr size_t kDecodeErrorCount = static_cast<size_t>(DecodeError::kCount);
// "too_short", "bad_version", "bad_type", "bad_length", "bad_field".
const char* code(DecodeError e);

// The datagram for m; a string over its capacity is cut to it (a Reply's text to kMaxText).
std::vector<uint8_t> encode(const Message& m);
// The message in one datagram, or why it must be dropped.
Result<Message, DecodeError> decode(const uint8_t* data, size_t size);

// A message of one type with no payload (Time, Metrics, Exchange).
Message request(Type type, uint32_t id);

// Sends m on a SOCK_SEQPACKET socket without blocking (MSG_DONTWAIT); false when it could not go.
bool send(int fd, const Message& m);
// What receive() returns for a datagram longer than kMaxMessage (dropped; count it as malformed).
inline constexpr ssize_t kOversized = os::kOversized;
// Reads one datagram into buf (resized to kMaxMessage); its size, 0 at end of stream, -1 when none
// waits (EAGAIN) or on an error, kOversized for one too long.
ssize_t receive(int fd, std::vector<uint8_t>& buf, bool wait);

}  // namespace lansync::os::web
