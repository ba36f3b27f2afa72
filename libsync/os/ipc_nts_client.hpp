// The channel between sntpd and its NTS-KE helper in the client role (sntpd-nts client): one
// request, one answer, each a fixed-size, length-checked message.
//
// sntpd links no TLS library: the key exchanges of its NTS upstream servers (RFC 8915 §4) run in
// sntpd-nts, a process of its own started as `sntpd-nts client` with a SOCK_SEQPACKET channel on
// descriptor 3.  sntpd asks "key exchange with ADDRESS:PORT, certificate name NAME, CA file FILE,
// dates checked at TIME (or not)" (KeRequest); the helper answers with the same id (KeAnswer):
// the two keys, the cookies, the NTP server's address and port, or the error in one line.  Each
// message is a 12-byte header {version, type, id, payload length} (little-endian) and a payload of
// the one size its type has; strings sit in fields of fixed capacity with their length in front.
// decode() checks every length and field; a message that fails is dropped and counted, never
// trusted.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/nts_ke.hpp"
#include "codec/result.hpp"

namespace lansync::os::nts {

inline constexpr uint16_t kVersion = 1;
inline constexpr size_t kHeaderSize = 12;  // version, type, id, payload length
inline constexpr size_t kKeySize = 32;     // an AEAD 15 key (RFC 8915 §5.1)
// Capacities of the strings, bytes.
inline constexpr size_t kAddressCapacity = 64;  // an IPv6 address as text fits
inline constexpr size_t kNameCapacity = codec::kNtsMaxServerNameSize;
inline constexpr size_t kPathCapacity = 1024;  // the CA file's path
inline constexpr size_t kErrorCapacity = 300;  // the error line

enum class Type : uint16_t {
  KeRequest = 1,  // sntpd → helper: run one key exchange
  KeAnswer,       // helper → sntpd: its outcome, with the request's id
};

// One key exchange to run.
struct KeRequest {
  std::string address;  // the NTS-KE server's IP address as text (≤ kAddressCapacity)
  uint16_t port = codec::kNtsKePort;
  std::string name;           // checked against the certificate (≤ kNameCapacity)
  std::string ca_file;        // "": the system's CAs (≤ kPathCapacity)
  bool check_dates = true;    // false: the certificates' dates are not checked
  int64_t verify_time_s = 0;  // with check_dates: the time they are judged at (Unix s)
};

// What came of it.
struct KeAnswer {
  bool ok = false;
  bool unreachable = false;  // !ok: no TLS spoken (refused, timed out, no route)
  std::string error;         // !ok: one line (≤ kErrorCapacity)
  std::array<uint8_t, kKeySize> c2s{};
  std::array<uint8_t, kKeySize> s2c{};
  std::vector<codec::NtsCookie> cookies;  // ok: 1 to codec::kNtsMaxCookies
  std::string ntp_address;                // ok: the NTP server's IP address as text
  uint16_t ntp_port = 123;                // ok: its port
};

struct Message {
  Type type = Type::KeRequest;
  uint32_t id = 0;  // the answer carries its request's
  KeRequest request;
  KeAnswer answer;
};

// Why a datagram was refused.
enum class DecodeError : uint8_t { BadVersion, BadType, BadLength, BadField };
inline constexpr size_t kDecodeErrorCount = 4;
// "bad-length", ...
const char* code(DecodeError e);

// The payload sizes of the two types, and the largest datagram.
inline constexpr size_t kRequestPayload =
    2 + kAddressCapacity + 2 + 2 + kNameCapacity + 2 + kPathCapacity + 1 + 8;
inline constexpr size_t kCookieField = 2 + codec::kNtsMaxCookieSize;
inline constexpr size_t kAnswerPayload = 2 + 2 + kErrorCapacity + 2 * kKeySize + 1 +
                                         codec::kNtsMaxCookies * kCookieField + 2 + kAddressCapacity + 2;
inline constexpr size_t kMaxMessage = kHeaderSize + kAnswerPayload;

// The datagram for m; empty when a string is longer than its field or an answer's cookies do not fit.
std::vector<uint8_t> encode(const Message& m);
// Parses one datagram, checking every length.
Result<Message, DecodeError> decode(const uint8_t* data, size_t size);

// Sends m without blocking; false when it could not go (or does not encode).
bool send(int fd, const Message& m);
// Reads one datagram into buf: its size, 0 at end of stream, -1 when none waits (EAGAIN) or on an
// error, os::kOversized for one longer than kMaxMessage.
ssize_t receive(int fd, std::vector<uint8_t>& buf, bool wait);

}  // namespace lansync::os::nts
