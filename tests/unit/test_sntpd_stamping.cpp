// sntpd's served timestamps (tools/sntpd/stamping.cpp): each fallback forced through the socket's
// fault-injection seam (os::UdpSocket::Refuse), reported in the status and widening the precision.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "os/net_udp.hpp"
#include "stamping.hpp"
#include "status/status_json.hpp"
#include "status/status_text.hpp"

namespace lansync::sntpd {
namespace {

constexpr int8_t kClockLog2 = -23;  // a clock read to about 0.1 µs

// A served socket as sntpd opens one (transmit stamps asked for), with the given options refused.
os::UdpSocket served_socket(os::UdpSocket::Refuse refuse) {
  os::UdpSocket::Options o;
  o.tx_timestamps = true;
  o.refuse = refuse;
  auto s = os::UdpSocket::open(AF_INET, o);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return std::move(*s);
}

// The status of sntpd serving these sockets: stamps, precision, and the report's text and JSON read back.
struct Served {
  TimestampSnapshot stamps;
  int8_t precision_log2 = 0;
  std::string text;
  nlohmann::ordered_json json;
};

Served serve(std::vector<os::UdpSocket> sockets) {
  Served s;
  note_stamping(s.stamps, sockets);
  s.precision_log2 = served_precision_log2(kClockLog2, s.stamps.receive);
  StatusSnapshot snap;
  snap.timestamps = s.stamps;
  snap.reference.precision_log2 = s.precision_log2;
  s.json = status_json(snap);
  s.text = status_text(snap);  // as `sntpd status` prints it
  return s;
}

TEST(SntpdStamping, NanosecondKernelStampsKeepTheClocksPrecision) {
  os::UdpSocket socket = served_socket({});
  if (socket.rx_stamping() != os::RxStamping::KernelNs || !socket.tx_stamping()) {
    GTEST_SKIP() << "this kernel refuses SO_TIMESTAMPNS or SO_TIMESTAMPING: the fallbacks are checked below";
  }
  std::vector<os::UdpSocket> sockets;
  sockets.push_back(std::move(socket));
  Served s = serve(std::move(sockets));
  EXPECT_EQ(s.precision_log2, kClockLog2);
  EXPECT_EQ(s.json["timestamps"]["receive"], "kernel_ns");
  EXPECT_EQ(s.json["timestamps"]["transmit"], "kernel");
  EXPECT_NE(s.text.find("Receive stamps   : kernel, nanoseconds (SO_TIMESTAMPNS)\n"), std::string::npos)
      << s.text;
  EXPECT_NE(s.text.find("Precision        : 2^-23 s\n"), std::string::npos) << s.text;
}

TEST(SntpdStamping, MicrosecondStampsWidenThePrecisionToAMicrosecond) {
  std::vector<os::UdpSocket> sockets;
  sockets.push_back(served_socket({}));
  sockets.push_back(served_socket({.timestampns = true}));  // one socket degraded: all are served so
  Served s = serve(std::move(sockets));
  EXPECT_EQ(s.stamps.receive, os::RxStamping::KernelUs);
  EXPECT_EQ(s.precision_log2, -19);  // 2^-19 s = 1.9 µs >= 1 µs > 2^-20 s
  EXPECT_EQ(s.json["timestamps"]["receive"], "kernel_us");
  EXPECT_EQ(s.json["reference"]["precision"], -19);
  EXPECT_NE(s.text.find("Receive stamps   : kernel, microseconds (SO_TIMESTAMP; SO_TIMESTAMPNS refused)\n"),
            std::string::npos)
      << s.text;
  EXPECT_NE(s.text.find("Precision        : 2^-19 s\n"), std::string::npos) << s.text;
}

TEST(SntpdStamping, StampsTakenAtTheReadWidenThePrecisionToAMillisecond) {
  std::vector<os::UdpSocket> sockets;
  sockets.push_back(served_socket({.timestampns = true, .timestamp = true}));
  Served s = serve(std::move(sockets));
  EXPECT_EQ(s.stamps.receive, os::RxStamping::Read);
  EXPECT_EQ(s.precision_log2, -9);  // 2^-9 s = 1.95 ms >= 1 ms
  EXPECT_EQ(s.json["timestamps"]["receive"], "read");
  EXPECT_NE(s.text.find("Receive stamps   : none from the kernel, stamped when read"), std::string::npos)
      << s.text;
  EXPECT_NE(s.text.find("Precision        : 2^-9 s\n"), std::string::npos) << s.text;
}

TEST(SntpdStamping, RefusedTransmitStampsAreReported) {
  std::vector<os::UdpSocket> sockets;
  sockets.push_back(served_socket({.timestamping = true}));
  Served s = serve(std::move(sockets));
  EXPECT_FALSE(s.stamps.transmit);
  EXPECT_EQ(s.json["timestamps"]["transmit"], "read");
  EXPECT_NE(s.text.find("Transmit stamps  : read by sntpd before sending (SO_TIMESTAMPING refused)\n"),
            std::string::npos)
      << s.text;
}

}  // namespace
}  // namespace lansync::sntpd
