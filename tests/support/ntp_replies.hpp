// A server's replies as bytes, for the tests that drive a client's source sans-IO (test_probe.cpp,
// test_upstream_exchange.cpp): the request echoed, the server's times given.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "codec/ntp_packet.hpp"
#include "proto/auth.hpp"

namespace lansync::testing {

// A server's reply to request (the bytes a client sent): its cookie echoed, received at t2_ns
// and sent at t3_ns (Unix ns), from a server of stratum and refid (0 and a code: a Kiss-o'-Death).
inline std::vector<uint8_t> server_reply(const std::vector<uint8_t>& request, int64_t t2_ns, int64_t t3_ns,
                                         uint8_t stratum = 2, uint32_t refid = 0xC0A80401) {
  codec::NtpHeader h;
  h.mode = codec::Mode::Server;
  h.stratum = stratum;
  h.refid = refid;
  h.precision_log2 = -20;
  auto sent = codec::decode(request.data(), request.size());
  EXPECT_TRUE(sent.ok()) << "the request decodes";
  if (sent.ok()) h.origin = sent->header.transmit;
  h.receive = codec::to_ntp(t2_ns);
  h.transmit = codec::to_ntp(t3_ns);
  std::vector<uint8_t> out(codec::kHeaderSize + codec::kMaxV3MacSize);
  out.resize(codec::encode(h, out.data(), out.size()));
  return out;
}

// packet with a MAC by key_id of keys appended (key_id 0: left unsigned).
inline std::vector<uint8_t> signed_with(std::vector<uint8_t> packet, uint32_t key_id,
                                        const proto::MacKeys& keys) {
  if (key_id == 0) return packet;
  size_t size = packet.size();
  packet.resize(size + codec::kMaxV3MacSize);
  packet.resize(proto::sign_packet(packet.data(), size, packet.size(), key_id, keys));
  return packet;
}

}  // namespace lansync::testing
