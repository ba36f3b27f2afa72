// The board's NTP key: one key, its MAC by the port's hash, as libsync's MAC layer wants it.
//
// RFC 5905 §7.3 / RFC 8573 MACs are proto's (libsync/proto/auth.hpp): the
// board signs with proto::sign_packet() and checks with proto::check_auth(),
// exactly as sntpd and ntpprobe do.  This file only adapts the board's one
// key to proto::MacKeys: the key (a proto::Key, as proto::parse_key_line()
// reads it from a line of the server's key file) in a fixed buffer, and the
// port's hash plugged in as a function pointer (mbedTLS or BearSSL on the
// ESP boards, libsodium and libcrypto in lansync-board), so that the core
// stays freestanding.  No heap, no floating point.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "proto/auth.hpp"
#include "proto/keys.hpp"

namespace lansync::fw {

struct MacKey;
// The port's MAC: writes the key's whole MAC of data[0..size), H(key.bytes ||
// data) or AES-CMAC(key.bytes, data), proto::key_mac_size(key.type) bytes,
// into out; false if it could not (or cannot compute that type).  A port
// whose keys live elsewhere (lansync-board: libsodium secure memory) may
// compute by key.id instead.
using HashFunction = bool (*)(void* context, const MacKey& key, const uint8_t* data, size_t size,
                              uint8_t* out);

// The board's key (id 0: none, nothing is signed or checked), as the one key of a proto::MacKeys.
struct MacKey final : proto::Key, proto::MacKeys {
  HashFunction hash = nullptr;
  void* context = nullptr;
  bool enabled() const { return id != 0 && hash != nullptr; }

  // proto::key_mac_size(type) for our key ID when enabled(), else 0.
  size_t mac_size(uint32_t key_id) const override;
  // The port's MAC of data, cut to digest_size bytes.
  bool compute(uint32_t key_id, const uint8_t* data, size_t data_size, uint8_t* out,
               size_t digest_size) const override;
};

}  // namespace lansync::fw
