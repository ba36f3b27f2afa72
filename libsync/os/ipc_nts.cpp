// The channel between sntpd and sntpd-nts; see ipc_nts.hpp.
#include "os/ipc_nts.hpp"

#include "codec/bytes.hpp"
#include "os/ipc_seqpacket.hpp"

namespace lansync::os::nts {

bool send_cookie_key(int fd, const proto::NtsCookieKey& key) {
  uint8_t m[kCookieKeyMessageSize];
  m[0] = kCookieKeyMessage;
  codec::store_be32(m + 1, key.id);
  for (size_t i = 0; i < proto::kNtsCookieKeySize; ++i) m[5 + i] = key.key[i];
  bool sent = send_datagram(fd, m, sizeof(m));
  codec::zero_bytes(m, sizeof(m));
  return sent;
}

bool decode_cookie_key(const uint8_t* data, size_t size, proto::NtsCookieKey* key) {
  if (size != kCookieKeyMessageSize || data[0] != kCookieKeyMessage) return false;
  key->id = codec::load_be32(data + 1);
  for (size_t i = 0; i < proto::kNtsCookieKeySize; ++i) key->key[i] = data[5 + i];
  return key->id != 0;
}

}  // namespace lansync::os::nts
