// A fake NTS server for unit tests: a client's keys and the server's, and replies built from the
// same codec as the client (proto/nts.hpp), shaped to test each acceptance rule.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "codec/ntp_packet.hpp"
#include "codec/nts_packet.hpp"
#include "os/crypto_siv.hpp"

namespace lansync::testing {

// A client's keys and a fake server's, from the same codec.
struct Pair {
  os::SivKey c2s;
  os::SivKey s2c;
};

inline Pair make_keys(uint8_t seed) {
  std::vector<uint8_t> a(32, seed), b(32, static_cast<uint8_t>(seed + 1));
  return {std::move(*os::SivKey::create(a.data(), a.size())),
          std::move(*os::SivKey::create(b.data(), b.size()))};
}

inline codec::NtsCookie make_cookie(uint8_t fill, size_t size = 100) {
  codec::NtsCookie c;
  for (size_t i = 0; i < size; ++i) c.bytes[i] = fill;
  c.size = size;
  return c;
}

// How the fake server builds its reply.
struct ReplyShape {
  const uint8_t* echo_id = nullptr;       // the identifier to echo (null: none)
  const os::SivKey* seal_with = nullptr;  // null: no authenticator
  size_t cookies = 1;
  bool field_after_auth = false;
  uint32_t kiss = 0;  // a refid with stratum 0
};

inline std::vector<uint8_t> server_reply(const std::vector<uint8_t>& request, const ReplyShape& shape) {
  auto layout = codec::decode(request.data(), request.size());
  EXPECT_TRUE(layout.ok());
  codec::NtpHeader h;
  h.mode = codec::Mode::Server;
  h.stratum = shape.kiss ? 0 : 2;
  h.refid = shape.kiss;
  h.origin = layout->header.transmit;
  h.receive = {0xE0000000, 0};
  h.transmit = {0xE0000000, 1};
  std::vector<uint8_t> out(2048);
  size_t n = codec::encode(h, out.data(), out.size());
  if (shape.echo_id) n = codec::append_unique_id(out.data(), n, out.size(), shape.echo_id, 32);
  if (shape.seal_with) {
    std::vector<uint8_t> plain(1024);
    size_t p = 0;
    for (size_t i = 0; i < shape.cookies; ++i) {
      codec::NtsCookie c = make_cookie(static_cast<uint8_t>(0xD0 + i));
      p += codec::encode_extension(codec::kEfNtsCookie, c.bytes, c.size, false, plain.data() + p,
                                   plain.size() - p);
    }
    uint8_t nonce[16] = {9, 9, 9};
    std::vector<uint8_t> sealed(p + 16);
    EXPECT_EQ(shape.seal_with->seal(nonce, 16, out.data(), n, plain.data(), p, sealed.data(), sealed.size()),
              sealed.size());
    n = codec::append_nts_authenticator(out.data(), n, out.size(), nonce, 16, sealed.data(), sealed.size());
  }
  if (shape.field_after_auth)
    n += codec::encode_extension(0x0999, nullptr, 0, true, out.data() + n, out.size() - n);
  out.resize(n);
  return out;
}

}  // namespace lansync::testing
