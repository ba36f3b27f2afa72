// What the served sockets' timestamps are worth: the summary status reports and the precision served.
//
// A socket stamps received datagrams in the kernel to the nanosecond, to the
// microsecond, or not at all (os::RxStamping: the kernel refused the finer
// options, as qemu-user and old kernels do), and may or may not get kernel
// transmit stamps.  sntpd serves the coarsest of its sockets, and says so:
// the precision field of every reply is widened to the receive stamps' error.
#pragma once

#include <cstdint>
#include <vector>

#include "os/net_udp.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

// Adds sockets to t: the coarsest receive stamping, transmit stamps only when every socket has them.
void note_stamping(TimestampSnapshot& t, const std::vector<os::UdpSocket>& sockets);

// The precision served, log2 s: the clock's (clock_log2), widened to the error of receive stamps.
int8_t served_precision_log2(int8_t clock_log2, os::RxStamping receive);

}  // namespace lansync::sntpd
