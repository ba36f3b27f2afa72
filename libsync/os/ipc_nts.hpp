// The channel between sntpd and its NTS-KE helper, sntpd-nts server (a SOCK_SEQPACKET socket,
// os/ipc_seqpacket.hpp).
//
// sntpd makes and rotates the cookie keys; the helper seals the cookies of its key exchanges with
// the current one.  So one message goes down the channel, at the helper's start and at each
// rotation: type 1, the key ID (4 bytes, big-endian), the key (32 bytes).  Nothing else is read.
#pragma once

#include <cstddef>
#include <cstdint>

#include "proto/nts_cookie.hpp"

namespace lansync::os::nts {

inline constexpr uint8_t kCookieKeyMessage = 1;
inline constexpr size_t kCookieKeyMessageSize = 1 + 4 + proto::kNtsCookieKeySize;

// Sends key without blocking; false when it could not go.
bool send_cookie_key(int fd, const proto::NtsCookieKey& key);
// Decodes a cookie-key message data[0..size); false when it is not exactly one (ID 0 included).
bool decode_cookie_key(const uint8_t* data, size_t size, proto::NtsCookieKey* key);

}  // namespace lansync::os::nts
