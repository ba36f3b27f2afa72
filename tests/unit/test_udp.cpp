// Tests of UDP sockets on loopback: kernel timestamps, batches, transmit timestamps (os/net_udp).
#include <gtest/gtest.h>
#include <poll.h>

#include <cstdio>

#include "../support/hex.hpp"
#include "os/clock.hpp"
#include "os/net_udp.hpp"

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

// Says by name which kernel feature this kernel (or qemu-user) lacks, so that
// a test checking a fallback instead is not mistaken for the full check.
void say_missing(const char* feature, const char* checked) {
  std::printf("[ MISSING  ] this kernel refuses %s: checking %s instead\n", feature, checked);
}

// A datagram from a to b, received by b with the stamp it got; before/after: the clock around it.
struct Stamped {
  UdpSocket::Datagram d;
  int64_t before = 0;
  int64_t after = 0;
};

Stamped send_and_receive(Pair& p) {
  uint8_t msg[48] = {0x23};
  SystemClock clock;
  Stamped s;
  s.before = clock.now_ns();
  EXPECT_TRUE(p.a.send(msg, sizeof(msg), &p.b_addr).ok());
  EXPECT_TRUE(wait_readable(p.b.fd()));
  uint8_t buf[64];
  auto d = p.b.receive(buf, sizeof(buf));
  s.after = clock.now_ns();
  EXPECT_TRUE(d.ok());
  if (d) s.d = *d;
  return s;
}

TEST(Udp, ReceiveTimestampIsTheKernelsAndPrecedesTheRead) {
  Pair p = loopback_pair();
  if (p.b.rx_stamping() != RxStamping::KernelNs) {
    say_missing("SO_TIMESTAMPNS (nanosecond receive timestamps)", describe(p.b.rx_stamping()));
  }
  Stamped s = send_and_receive(p);
  EXPECT_EQ(s.d.size, 48u);
  if (p.b.rx_stamping() == RxStamping::Read) {
    EXPECT_FALSE(s.d.kernel_timestamp);
    return;
  }
  ASSERT_TRUE(s.d.kernel_timestamp);
  // A microsecond stamp is the arrival rounded down to its microsecond.
  EXPECT_GE(s.d.rx_ns, s.before - stamp_error_ns(p.b.rx_stamping()) + 1);
  EXPECT_LE(s.d.rx_ns, s.after);
}

TEST(Udp, RefusedNanosecondStampsFallBackToMicroseconds) {
  UdpSocket::Options o;
  o.refuse.timestampns = true;
  Pair p;
  p.a = std::move(*UdpSocket::open(AF_INET));
  auto b = UdpSocket::open(AF_INET, o);
  ASSERT_TRUE(b.ok()) << b.error().message;
  p.b = std::move(*b);
  ASSERT_TRUE(p.b.bind(resolve({"127.0.0.1", 0}, true)->front()).ok());
  p.b_addr = *p.b.local_address();
  ASSERT_EQ(p.b.rx_stamping(), RxStamping::KernelUs);
  Stamped s = send_and_receive(p);
  ASSERT_TRUE(s.d.kernel_timestamp);
  EXPECT_EQ(s.d.rx_ns % 1000, 0);  // whole microseconds
  EXPECT_GE(s.d.rx_ns, s.before - 999);
  EXPECT_LE(s.d.rx_ns, s.after);
  EXPECT_EQ(stamp_error_ns(RxStamping::KernelUs), 1000);
}

TEST(Udp, NoKernelStampsAtAllLeaveTheStampToTheReader) {
  UdpSocket::Options o;
  o.refuse.timestampns = true;
  o.refuse.timestamp = true;
  auto b = UdpSocket::open(AF_INET, o);
  ASSERT_TRUE(b.ok()) << b.error().message;  // degraded, not refused
  Pair p;
  p.a = std::move(*UdpSocket::open(AF_INET));
  p.b = std::move(*b);
  ASSERT_TRUE(p.b.bind(resolve({"127.0.0.1", 0}, true)->front()).ok());
  p.b_addr = *p.b.local_address();
  EXPECT_EQ(p.b.rx_stamping(), RxStamping::Read);
  Stamped s = send_and_receive(p);
  EXPECT_FALSE(s.d.kernel_timestamp);
  EXPECT_EQ(s.d.rx_ns, 0);
  EXPECT_EQ(stamp_error_ns(RxStamping::Read), kReadStampErrorNs);
  EXPECT_STREQ(rx_stamping_name(RxStamping::Read), "read");
}

TEST(Udp, RefusedTransmitStampsLeaveSendsWorking) {
  UdpSocket::Options o;
  o.tx_timestamps = true;
  o.refuse.timestamping = true;
  Pair p = loopback_pair(o);
  EXPECT_FALSE(p.a.tx_stamping());
  uint8_t msg[48] = {0x24};
  ASSERT_TRUE(p.a.send(msg, sizeof(msg), &p.b_addr, /*want_tx_timestamp=*/true).ok());
  ASSERT_TRUE(wait_readable(p.b.fd()));  // it was sent
  uint8_t buf[512];
  auto none = p.a.receive_tx_timestamp(buf, sizeof(buf));
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(would_block(none.error()));
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
  if (!p.a.tx_stamping()) {
    say_missing("SO_TIMESTAMPING (kernel transmit timestamps, MSG_ERRQUEUE)",
                "that sends go out without them (Udp.RefusedTransmitStampsLeaveSendsWorking)");
    uint8_t msg[48] = {0x24};
    ASSERT_TRUE(p.a.send(msg, sizeof(msg), &p.b_addr, /*want_tx_timestamp=*/true).ok());
    ASSERT_TRUE(wait_readable(p.b.fd()));
    return;
  }
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
