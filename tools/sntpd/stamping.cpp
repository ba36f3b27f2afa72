// The served sockets' timestamps; see stamping.hpp.
#include "stamping.hpp"

#include <algorithm>

#include "core/server.hpp"

namespace lansync::sntpd {

void note_stamping(TimestampSnapshot& t, const std::vector<os::UdpSocket>& sockets) {
  for (const os::UdpSocket& s : sockets) {
    t.receive = std::max(t.receive, s.rx_stamping());
    t.transmit = t.transmit && s.tx_stamping();
  }
}

int8_t served_precision_log2(int8_t clock_log2, os::RxStamping receive) {
  return std::max(clock_log2, proto::precision_log2_from_ns(os::stamp_error_ns(receive)));
}

}  // namespace lansync::sntpd
