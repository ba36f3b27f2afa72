// Tests of UDP sockets on loopback: kernel timestamps, batches, transmit timestamps (os/udp).
#include <gtest/gtest.h>
#include <poll.h>

#include "../support/hex.hpp"
#include "os/clock.hpp"
#include "os/udp.hpp"

namespace lansync::os {
namespace {

struct Pair {
  UdpSocket a;
  UdpSocket b;
  SocketAddress b_addr;
};

Pair loopback_pair(UdpSocket::Options options = {}) {
  Pair p;
  p.a = std::move(*UdpSocket::open(AF_INET, options));
  p.b = std::move(*UdpSocket::open(AF_INET));
  EXPECT_TRUE(p.b.bind(resolve({"127.0.0.1", 0}, true)->front()).ok());
  p.b_addr = *p.b.local_address();
  return p;
}

bool wait_readable(int fd, short events = POLLIN) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, 2000) == 1;
}

TEST(Udp, ReceiveTimestampIsTheKernelsAndPrecedesTheRead) {
  Pair p = loopback_pair();
  uint8_t msg[48] = {0x23};
  SystemClock clock;
  int64_t before = clock.now_ns();
  ASSERT_TRUE(p.a.send(msg, sizeof(msg), &p.b_addr).ok());
  ASSERT_TRUE(wait_readable(p.b.fd()));
  uint8_t buf[64];
  auto d = p.b.receive(buf, sizeof(buf));
  int64_t after = clock.now_ns();
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->kernel_timestamp);
  EXPECT_GE(d->rx_ns, before);
  EXPECT_LE(d->rx_ns, after);
  EXPECT_EQ(d->size, 48u);
}

TEST(Udp, BatchReceivesSeveralDatagramsAtOnce) {
  Pair p = loopback_pair();
  for (uint8_t i = 0; i < 5; ++i) {
    uint8_t msg[48] = {i};
    ASSERT_TRUE(p.a.send(msg, sizeof(msg), &p.b_addr).ok());
  }
  ASSERT_TRUE(wait_readable(p.b.fd()));
  UdpSocket::Batch batch(16);
  size_t total = 0;
  for (int tries = 0; tries < 100 && total < 5; ++tries) {
    auto n = p.b.receive_batch(batch);
    ASSERT_TRUE(n.ok());
    for (size_t i = 0; i < *n; ++i) {
      EXPECT_EQ(batch.data(i)[0], total + i);
      EXPECT_TRUE(batch.datagram(i).kernel_timestamp);
      EXPECT_EQ(batch.datagram(i).from.ip(), "127.0.0.1");
    }
    total += *n;
  }
  EXPECT_EQ(total, 5u);
  EXPECT_EQ(*p.b.receive_batch(batch), 0u);  // nothing left: 0, not an error
}

TEST(Udp, OversizedDatagramIsMarkedTruncated) {
  Pair p = loopback_pair();
  std::vector<uint8_t> big(3000, 1);
  ASSERT_TRUE(p.a.send(big.data(), big.size(), &p.b_addr).ok());
  ASSERT_TRUE(wait_readable(p.b.fd()));
  uint8_t buf[1024];
  auto d = p.b.receive(buf, sizeof(buf));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->truncated);
}

TEST(Udp, TransmitTimestampComesBackOnTheErrorQueue) {
  UdpSocket::Options o;
  o.tx_timestamps = true;
  Pair p = loopback_pair(o);
  uint8_t msg[48] = {0x24, 1, 2, 3};
  SystemClock clock;
  int64_t before = clock.now_ns();
  ASSERT_TRUE(p.a.send(msg, sizeof(msg), &p.b_addr, /*want_tx_timestamp=*/true).ok());
  int64_t after = clock.now_ns();
  ASSERT_TRUE(wait_readable(p.a.fd(), 0));  // POLLERR: the error queue has an entry
  uint8_t buf[512];
  auto t = p.a.receive_tx_timestamp(buf, sizeof(buf));
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_GE(t->tx_ns, before);
  EXPECT_LE(t->tx_ns, after);
  ASSERT_EQ(t->payload_size, 48u);
  EXPECT_EQ(t->payload[0], 0x24);
  EXPECT_EQ(t->payload[3], 3);
  EXPECT_EQ(t->destination.family, 4);
  EXPECT_EQ(t->destination.bytes[0], 127);
  // Packets that did not ask for one produce none.
  ASSERT_TRUE(p.a.send(msg, sizeof(msg), &p.b_addr, false).ok());
  auto none = p.a.receive_tx_timestamp(buf, sizeof(buf));
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(would_block(none.error()));
}

TEST(Udp, ExtractsUdpPayloadFromLoopedFrames) {
  // Ethernet + IPv4 (to 10.0.0.2) + UDP carrying "ab", as the kernel loops it back.
  auto frame = testing::from_hex(
      "000000000000000000000000"
      "0800"
      "4500001e0000400040110000"
      "0a000001"
      "0a000002"
      "007b9c40000a0000"
      "6162");
  core::IpAddress dst;
  const uint8_t* payload = nullptr;
  size_t n = 0;
  ASSERT_TRUE(extract_udp_payload(frame.data(), frame.size(), &dst, &payload, &n));
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(payload[0], 'a');
  EXPECT_EQ(dst.bytes[3], 2);
  // Without the link layer (a tun device) too.
  ASSERT_TRUE(extract_udp_payload(frame.data() + 14, frame.size() - 14, &dst, &payload, &n));
  EXPECT_EQ(n, 2u);
  // Truncated or not UDP: refused, never read past the end.
  EXPECT_FALSE(extract_udp_payload(frame.data(), 30, &dst, &payload, &n));
  frame[14 + 9] = 6;  // TCP
  EXPECT_FALSE(extract_udp_payload(frame.data(), frame.size(), &dst, &payload, &n));
}

}  // namespace
}  // namespace lansync::os

namespace lansync::os {
namespace {

// An address no interface here has (RFC 5737 / RFC 3849 documentation ranges);
// only bound, never sent to.
SocketAddress absent_address(const char* ip) {
  auto a = resolve(HostPort{ip, 0}, /*passive=*/true);
  return a ? a->front() : SocketAddress{};
}

TEST(Udp, FreebindBindsAnAddressNoInterfaceHasYet) {
  for (const char* ip : {"192.0.2.77", "2001:db8::77"}) {
    SocketAddress addr = absent_address(ip);
    auto plain = UdpSocket::open(addr.family());
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->bind(addr)) << ip << ": bound without IP_FREEBIND";
    UdpSocket::Options o;
    o.freebind = true;
    auto free = UdpSocket::open(addr.family(), o);
    ASSERT_TRUE(free);
    auto st = free->bind(addr);
    EXPECT_TRUE(st) << ip << ": " << (st ? "" : st.error().message);
  }
}

}  // namespace
}  // namespace lansync::os
