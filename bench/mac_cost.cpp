// In-process cost of the MAC work of one authenticated reply: check the
// request's MAC, then sign the reply (proto::check_auth + proto::sign_packet,
// libsodium or libcrypto underneath), for a SHA256, a SHA512, a SHA1 and an
// AES128 CMAC key.  Built and run by bench/auth.sh against
// build/libsync/libsync.a.
#include <chrono>
#include <cstdio>

#include "os/crypto_keys.hpp"
#include "proto/auth.hpp"

int main() {
  using namespace lansync;
  auto ring = os::KeyRing::parse(
      "1 SHA256 HEX:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
      "2 SHA512 HEX:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n"
      "3 SHA1 HEX:75388cd24c9b15666342921464f226fc7d179a98\n"
      "4 AES128 HEX:ff23850986e6888bedafa3731076c51b\n",
      "bench keys");
  if (!ring) return 1;
  const proto::MacKeys& keys = **ring;
  constexpr int kReplies = 200000;
  for (uint32_t key : {1u, 2u, 3u, 4u}) {
    uint8_t request[codec::kHeaderSize + codec::kMaxV3MacSize] = {4 << 3 | 3};
    size_t size = proto::sign_packet(request, codec::kHeaderSize, sizeof(request), key, keys);
    auto layout = codec::decode(request, size);
    if (!layout) return 1;
    int ok = 0;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kReplies; ++i) {
      ok += proto::check_auth(request, *layout, &keys).status == proto::AuthStatus::Ok;
      uint8_t reply[codec::kHeaderSize + codec::kMaxV3MacSize] = {4 << 3 | 4};
      reply[codec::kTransmitOffset] = static_cast<uint8_t>(i);
      ok += proto::sign_packet(reply, codec::kHeaderSize, sizeof(reply), key, keys) > 0;
    }
    double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    proto::KeyType type = proto::KeyType::Sha256;
    (*ring)->find(key, &type);
    std::printf("%-6s  MAC check + MAC of the reply, in process: %.0f ns per reply%s\n",
                proto::key_type_name(type), ns / kReplies, ok == 2 * kReplies ? "" : "  (MISMATCH)");
  }
  return 0;
}
