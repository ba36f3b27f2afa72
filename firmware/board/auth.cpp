// The board's NTP key; see auth.hpp.
#include "firmware/board/auth.hpp"

namespace lansync::fw {

size_t MacKey::mac_size(uint32_t key_id) const {
  return enabled() && key_id == id ? proto::key_mac_size(type) : 0;
}

bool MacKey::compute(uint32_t key_id, const uint8_t* data, size_t data_size, uint8_t* out,
                     size_t digest_size) const {
  uint8_t whole[proto::kMaxMacSize];
  size_t n = mac_size(key_id);
  if (n == 0 || digest_size > n || n > sizeof(whole) || !hash(context, *this, data, data_size, whole))
    return false;
  for (size_t i = 0; i < digest_size; ++i) out[i] = whole[i];
  return true;
}

}  // namespace lansync::fw
