// NTS Key Establishment records (RFC 8915 §4): the client's request and the server's response.
//
// An NTS-KE message is a run of records, each a critical bit, a 15-bit type and a 16-bit body
// length, ending with an End of Message record (type 0, empty).  The client asks for NTPv4 (next
// protocol 0) and AEAD_AES_SIV_CMAC_256 (15); the server answers with the protocol and AEAD it
// chose, up to eight cookies, and optionally the NTP server and port to use.  parse_nts_ke_response()
// never trusts its input: a record that runs past the buffer, an unknown critical record, a missing
// End, an error record, a protocol or AEAD other than ours or no cookie is refused with the reason.
// Freestanding, like the rest of the codec: a fixed-capacity result, no heap.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |C|         Record Type         |          Body Length          |
//    |                          Record Body ...                      |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/result.hpp"

namespace lansync::codec {

// The TCP port of NTS-KE (RFC 8915 §4).
inline constexpr uint16_t kNtsKePort = 4460;
// Record types (RFC 8915 §4.1).
enum class NtsKeRecord : uint16_t {
  End = 0,
  NextProtocol = 1,
  Error = 2,
  Warning = 3,
  Aead = 4,
  NewCookie = 5,
  Server = 6,
  Port = 7,
};
inline constexpr uint16_t kNtsKeCritical = 0x8000;
// The NTPv4 protocol ID (RFC 8915 §7.6) and AEAD_AES_SIV_CMAC_256 (RFC 5297, IANA AEAD 15).
inline constexpr uint16_t kNtsProtocolNtpV4 = 0;
inline constexpr uint16_t kAeadAesSivCmac256 = 15;
// What a response may hold: chrony sends 8 cookies of 100 bytes, ntpsec 104.
inline constexpr size_t kNtsMaxCookies = 8;
inline constexpr size_t kNtsMaxCookieSize = 256;
inline constexpr size_t kNtsMaxServerNameSize = 255;
// The client's request: next protocol NTPv4, AEAD 15, End (three records, all critical).
inline constexpr size_t kNtsKeRequestSize = 4 + 2 + 4 + 2 + 4;
// The largest response parse_nts_ke_response() reads (bytes); a longer one is refused.
inline constexpr size_t kNtsKeMaxResponseSize = 4096;

// One cookie, opaque to the client.
struct NtsCookie {
  uint8_t bytes[kNtsMaxCookieSize] = {};
  size_t size = 0;
};

// A server's accepted NTS-KE response.
struct NtsKeResponse {
  uint16_t protocol = kNtsProtocolNtpV4;  // the next protocol chosen
  uint16_t aead = kAeadAesSivCmac256;     // the AEAD chosen
  NtsCookie cookies[kNtsMaxCookies];
  size_t cookie_count = 0;                      // 1..kNtsMaxCookies (more are dropped)
  char server[kNtsMaxServerNameSize + 1] = {};  // the NTP server to use, NUL-terminated; "" if none given
  uint16_t port = 0;                            // the NTP port to use; 0 if none given (then 123)
  bool warned = false;                          // a warning record came (its code in warning_code)
  uint16_t warning_code = 0;
};

// Why a response is refused.
enum class NtsKeError : uint8_t {
  Truncated,         // a record header or body runs past the end of the message
  TooLong,           // longer than kNtsKeMaxResponseSize
  MissingEnd,        // no End of Message record
  TrailingBytes,     // bytes after End of Message
  BadRecordLength,   // a record's body has the wrong length for its type
  UnknownCritical,   // a critical record of a type we do not know
  ServerError,       // an Error record (its code: error_code of the last parse)
  NoProtocol,        // no Next Protocol Negotiation record
  BadProtocol,       // the protocol is not NTPv4, or several are given
  NoAead,            // no AEAD Algorithm Negotiation record
  BadAead,           // the AEAD is not AEAD_AES_SIV_CMAC_256, or several are given
  NoCookie,          // no New Cookie record
  BadCookie,         // a cookie empty or longer than kNtsMaxCookieSize
  BadServer,         // a server name empty, too long or not printable ASCII
  DuplicateRecord,   // Next Protocol, AEAD, Server or Port twice
  UnexpectedRecord,  // a record the sender may not send (a client's Error or Warning)
};

// A short English description, e.g. "NTS-KE response has no cookie".
const char* describe(NtsKeError e);

// A refusal with its detail: the Error record's code (ServerError), else the record type at fault.
struct NtsKeRefusal {
  NtsKeError error = NtsKeError::Truncated;
  uint16_t code = 0;
};

// Writes the client's request (NTPv4, AEAD 15, End) into out[0..cap); returns
// kNtsKeRequestSize, or 0 if cap is smaller.
size_t write_nts_ke_request(uint8_t* out, size_t cap);

// The length of the first complete message in data[0..len): up to and including
// its End record; 0 while it is incomplete (or a record runs past len).
size_t nts_ke_message_size(const uint8_t* data, size_t len);

// Parses a server's response, data[0..len), which must be exactly one message.
Result<NtsKeResponse, NtsKeRefusal> parse_nts_ke_response(const uint8_t* data, size_t len);

// The server side (RFC 8915 §4.1).  The largest request parse_nts_ke_request() reads (bytes):
// a client sends three records (16 bytes); ntpsec and chrony stay far below this.
inline constexpr size_t kNtsKeMaxRequestSize = 1024;
// Error codes of an Error record (RFC 8915 §4.1.3).
inline constexpr uint16_t kNtsKeErrorUnrecognizedCritical = 0;
inline constexpr uint16_t kNtsKeErrorBadRequest = 1;
inline constexpr uint16_t kNtsKeErrorInternal = 2;

// What a client asked for: whether NTPv4 and AEAD 15 are among the protocols and algorithms it offers.
struct NtsKeRequest {
  bool ntp_v4 = false;
  bool aead_siv = false;
};

// Parses a client's request, data[0..len), exactly one message: one Next Protocol record (critical),
// one AEAD record, no Error, Warning or unknown critical record, End last.  The refusal's
// error_code() is the Error record to answer with.
Result<NtsKeRequest, NtsKeRefusal> parse_nts_ke_request(const uint8_t* data, size_t len);
// The Error record's code (RFC 8915 §4.1.3) that answers a refused request.
uint16_t error_code(const NtsKeRefusal& refusal);

// What the server answers to an accepted request.
struct NtsKeAnswer {
  const NtsCookie* cookies = nullptr;  // cookies[0..cookie_count)
  size_t cookie_count = 0;
  const char* server = nullptr;  // the NTP server to use, or null (the KE server's address)
  uint16_t port = 0;             // the NTP port to use; 0: none sent (123)
};

// Writes the response to request into out[0..cap): Next Protocol NTPv4 and AEAD 15 with the cookies
// (and server and port when given), or, when the client offers neither, an empty Next Protocol
// (or AEAD) record saying none is supported (RFC 8915 §4.1.2, §4.1.5); End last.  The bytes
// written, 0 if cap is too small or a cookie or the server name is too long.
size_t write_nts_ke_response(const NtsKeRequest& request, const NtsKeAnswer& answer, uint8_t* out,
                             size_t cap);
// Writes an Error record with code and End into out[0..cap); the bytes written (12), or 0.
size_t write_nts_ke_error(uint16_t code, uint8_t* out, size_t cap);

}  // namespace lansync::codec
