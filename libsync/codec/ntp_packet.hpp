// The NTP packet on the wire: the 48-byte header, extension fields and where a MAC starts.
//
// RFC 5905 §7.3 (header), RFC 7822 (extension fields in NTPv4) and RFC 8573 /
// chrony / ntpsec practice for the MAC trailer.  decode() never trusts its input:
// it returns the parsed header and the layout of what follows, or the reason the
// packet is refused.  Which modes to answer or accept is policy for the callers.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |LI | VN  |Mode |    Stratum    |     Poll      |   Precision   |
//    |                          Root Delay                           |
//    |                       Root Dispersion                         |
//    |                          Reference ID                         |
//    |                     Reference Timestamp (64)                  |
//    |                      Origin Timestamp (64)                    |
//    |                      Receive Timestamp (64)                   |
//    |                      Transmit Timestamp (64)                  |
//    |                 Extension Fields (optional, NTPv4)            |
//    |            Key Identifier + dgst (optional MAC)               |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/bytes.hpp"
#include "codec/result.hpp"
#include "codec/timestamp.hpp"

namespace lansync::codec {

inline constexpr size_t kHeaderSize = 48;
// RFC 7822: an extension field is at least 16 bytes, and the last one at least
// 28 when no MAC follows, so that a 20- or 24-byte tail can only be a MAC.
inline constexpr size_t kMinExtensionSize = 16;
inline constexpr size_t kMinLastExtensionSize = 28;
// A crypto-NAK is a bare 4-byte key ID of 0.
inline constexpr size_t kCryptoNakSize = 4;
// NTPv4 MACs: key ID + 16-byte (AES-CMAC, MD5) or 20-byte (SHA-1, truncated SHA-2) digest.
inline constexpr size_t kMinMacSize = 4 + 16;
inline constexpr size_t kMaxV4MacSize = 4 + 20;
// NTPv3 and older carry no extension fields; their MAC may be up to 64 bytes.
inline constexpr size_t kMaxV3MacSize = 4 + 64;
// Offset of the receive timestamp, which identifies a reply to the server that sent it.
inline constexpr size_t kReceiveOffset = 32;
// Offset of the transmit timestamp, patched in just before a send.
inline constexpr size_t kTransmitOffset = 40;

enum class Leap : uint8_t { None = 0, AddSecond = 1, DeleteSecond = 2, Unsynchronized = 3 };

enum class Mode : uint8_t {
  Reserved = 0,
  SymmetricActive = 1,
  SymmetricPassive = 2,
  Client = 3,
  Server = 4,
  Broadcast = 5,
  Control = 6,  // ntpq; its packets have their own format
  Private = 7,  // ntpdc, the monlist amplifier
};

struct NtpHeader {
  Leap leap = Leap::None;
  uint8_t version = 4;  // 1..4 accepted by decode()
  Mode mode = Mode::Client;
  uint8_t stratum = 0;        // 0 = unspecified / Kiss-o'-Death, 1 = primary, 16 = unsynchronized
  int8_t poll_log2 = 0;       // log2 seconds
  int8_t precision_log2 = 0;  // log2 seconds
  NtpShort root_delay;        // to the primary reference, 16.16 s
  NtpShort root_dispersion;   // to the primary reference, 16.16 s
  uint32_t refid = 0;         // ASCII for stratum 0/1, IPv4 address (or hash) above
  NtpTimestamp reference;     // when the server's clock was last set or corrected
  NtpTimestamp origin;        // the request's transmit timestamp, echoed
  NtpTimestamp receive;       // T2: when the request arrived at the server
  NtpTimestamp transmit;      // T3: when the reply left the server
};

enum class DecodeError : uint8_t {
  TooShort,            // shorter than the 48-byte header
  BadVersion,          // version 0 or above 4
  BadMode,             // mode 0 (reserved), 6 (control) or 7 (private)
  MalformedExtension,  // an extension field breaks the RFC 7822 length rules
  MalformedMac,        // trailing bytes that cannot be a MAC
};

// A short English description of a decode error, e.g. "packet too short".
const char* describe(DecodeError e);

// Where each part of a decoded packet lies, as offsets into the input.
struct PacketLayout {
  NtpHeader header;
  size_t extensions_offset = kHeaderSize;  // first extension field
  size_t extensions_size = 0;              // bytes of extension fields (0 if none)
  size_t extension_count = 0;
  size_t mac_offset = 0;  // start of the MAC trailer (key ID first); meaningful if mac_size > 0
  size_t mac_size = 0;    // 0: no MAC; 4: crypto-NAK; otherwise key ID + digest
};

// Parses a packet of len bytes.  Checks the header's version and mode, walks
// the extension fields (NTPv4 only) and locates the MAC.
Result<PacketLayout, DecodeError> decode(const uint8_t* data, size_t len);

// Writes the 48-byte header; returns kHeaderSize, or 0 if cap is too small.
size_t encode(const NtpHeader& header, uint8_t* out, size_t cap);

// A 64-bit timestamp at p (8 bytes, big-endian).
NtpTimestamp load_timestamp(const uint8_t* p);
void store_timestamp(uint8_t* p, NtpTimestamp ts);

// One extension field, pointing into the packet it came from (RFC 7822 §3).
struct ExtensionField {
  uint16_t type = 0;
  const uint8_t* value = nullptr;  // after the 4-byte type/length
  size_t value_size = 0;           // including any padding
};

// The extension field at *offset in a packet that decode() accepted, advancing
// *offset past it.  Returns false once offset reaches the end of the fields.
bool next_extension(const uint8_t* data, const PacketLayout& layout, size_t* offset, ExtensionField* field);

// Appends an extension field at out: type, length, value, zero padding to a
// multiple of 4 and to the RFC 7822 minimum (28 bytes if it is the last field
// and no MAC follows, else 16).  Returns the bytes written, or 0 if cap is too
// small or the field would exceed 65535 bytes.
size_t encode_extension(uint16_t type, const uint8_t* value, size_t value_size, bool last_without_mac,
                        uint8_t* out, size_t cap);

// The reference ID built from up to four ASCII characters, e.g. "LOCL", "RATE".
uint32_t refid_from_ascii(const char* text);

// Writes a Kiss-o'-Death / stratum-1 reference ID as text into out[5]
// (NUL-terminated): trailing NULs are dropped, inner NULs become spaces and
// other bytes that are not printable ASCII become '?'.
void refid_to_ascii(uint32_t refid, char out[5]);

}  // namespace lansync::codec
