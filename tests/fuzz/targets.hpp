// Fuzz targets: each takes arbitrary bytes and checks what must hold for any input.
//
// Built twice: into libFuzzer binaries (driver.cpp, with clang) that search
// for inputs breaking them, and into the unit tests, which replay every file
// of tests/fuzz/corpus/<target>/ (seeds and every crash ever found) on each
// CI run, with or without clang.  A broken invariant aborts with a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "codec/ccapi_date.hpp"
#include "proto/auth.hpp"

namespace lansync::fuzz {

// What every error message of ours must be, whatever the input: one line of text, no control
// characters (no line to forge in a log, nothing for the terminal to obey).
inline bool one_printable_line(const std::string& text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return !text.empty();
}

// The keys the targets sign and check with (mac.cpp): 1 SHA256, 2 SHA512, 3 SHA1, 4 AES128.
const proto::MacKeys& fuzz_keys();

// Whether two CCAPI dates have the same fields (text_fields.cpp).
bool same_date(const codec::CcapiDate& a, const codec::CcapiDate& b);

// A target's invariant check: `constexpr Require require{"name"};` then
// require(ok, "what broke"), which aborts naming the target and the invariant.
struct Require {
  const char* target;
  void operator()(bool ok, const char* what) const {
    if (ok) return;
    std::fprintf(stderr, "fuzz %s: broken invariant: %s\n", target, what);
    std::abort();
  }
};

// The server's request path: core::Server::handle on the bytes as a request
// from a LAN client, with rate limiting and interleaved state in play.
int request(const uint8_t* data, size_t size);

// The MAC trailer: codec::read_mac, proto::check_auth and proto::sign_packet on
// the bytes as a packet, with a SHA256, a SHA512, a SHA1 and an AES128 key (mac.cpp).
int mac(const uint8_t* data, size_t size);

// What a board (firmware/board) takes from the network: HTTP requests, SNTP
// requests in server mode, replies to its client and broadcasts, into one
// board that persists across inputs (board.cpp).
int board(const uint8_t* data, size_t size);

// The local control protocol: core::take_control_bytes on the bytes as one
// connection after another, split into reads as the first byte says, and
// sntpd's ControlService::answer on every request line (control.cpp).
int control(const uint8_t* data, size_t size);

// sntpd-web's request handling: web::judge_head and web::judge_set (tools/sntpd-web/request.hpp) on
// the bytes as NUL-separated method, path, headers and body (web_request.cpp).
int web_request(const uint8_t* data, size_t size);

// The channel between sntpd and sntpd-web: os::web::decode, and encode of what it decoded (web_channel.cpp).
int web_channel(const uint8_t* data, size_t size);

// The channel between sntpd and sntpd-nts client: os::nts::decode, and encode of what it decoded
// (nts_channel.cpp).
int nts_channel(const uint8_t* data, size_t size);

// What camsync --watch hears: os::classify_camera_ssdp on the bytes (after the first) as a datagram
// from one of four senders (the first byte's top bits), and what counts fed to one core::CameraWatch
// whose clock the first byte moves on (ssdp.cpp).
int ssdp(const uint8_t* data, size_t size);

// A time another protocol carries: proto::parse_iso_time on the bytes as OCPP's currentTime, and
// after a 0 byte and a round trip's 16, proto::read_time_message with it (time_message.cpp).
int time_message(const uint8_t* data, size_t size);

// What a GPS receiver hands sntpd: core::decode_shm on the bytes as gpsd's SHM records, each
// taken as a reading or a pulse's edge into one core::RefclockFilter, or moving it by a
// correction, or ending its poll (refclock.cpp).
int refclock(const uint8_t* data, size_t size);

// What a camera says its clock reads: codec::parse_ccapi_date on the bytes, then its fields
// formatted and converted both ways (text_fields.cpp).
int ccapi_date(const uint8_t* data, size_t size);

// One line of a key file: proto::parse_key_line on the bytes (text_fields.cpp).
int key_line(const uint8_t* data, size_t size);

// The sync-state record (os::parse_sync_state, then written and read again), camsync's
// camera-state file (os::parse_camera_state, likewise) and a configuration file
// (os::parse_config) on the bytes (state_files.cpp).
int sync_state(const uint8_t* data, size_t size);
int camera_state(const uint8_t* data, size_t size);
int config(const uint8_t* data, size_t size);

// What camsync takes from a camera over HTTP: the API list, the clock, an error reply, a digest
// challenge, or a camera URL, as the first byte says (camera_replies.cpp).
int ccapi_reply(const uint8_t* data, size_t size);

// A datagram offered to two waiting client sessions, one signed: proto::receive_reply, the reply
// check of ntpprobe, sntpd's upstreams and the boards (reply.cpp).
int reply(const uint8_t* data, size_t size);

// An NTS-KE server's response: codec::parse_nts_ke_response and nts_ke_message_size on the bytes;
// the same bytes after an NTP header: codec::locate_nts and proto::check_nts_reply (nts_ke.cpp).
int nts_ke(const uint8_t* data, size_t size);

// The NTS server's inputs (nts_server.cpp): a client's NTS-KE request (codec::parse_nts_ke_request and
// the response written for it); an NTP request's NTS fields through core::Server with NTS on; a
// cookie, changed by the input, through proto::open_cookie.
int nts_ke_request(const uint8_t* data, size_t size);
int nts_request(const uint8_t* data, size_t size);
int nts_cookie(const uint8_t* data, size_t size);

struct Target {
  const char* name;  // also the corpus directory's name
  int (*run)(const uint8_t* data, size_t size);
};

inline constexpr Target kTargets[] = {
    {"request", request},
    {"mac", mac},
    {"board", board},
    {"control", control},
    {"web_request", web_request},
    {"web_channel", web_channel},
    {"ssdp", ssdp},
    {"time_message", time_message},
    {"ccapi_date", ccapi_date},
    {"key_line", key_line},
    {"sync_state", sync_state},
    {"camera_state", camera_state},
    {"config", config},
    {"ccapi_reply", ccapi_reply},
    {"reply", reply},
    {"refclock", refclock},
    {"nts_ke", nts_ke},
    {"nts_ke_request", nts_ke_request},
    {"nts_request", nts_request},
    {"nts_cookie", nts_cookie},
    {"nts_channel", nts_channel},
};

}  // namespace lansync::fuzz
