// sntpd's broadcaster; see broadcaster.hpp.
#include "broadcaster.hpp"

#include <cmath>

#include "codec/ntp_packet.hpp"
#include "core/server.hpp"
#include "os/log.hpp"
#include "reference/reference_keeper.hpp"

namespace lansync::sntpd {

Broadcaster::Broadcaster(os::Clock& clock, ReferenceKeeper& reference, double interval_s)
    : clock_(clock), reference_(reference), interval_s_(interval_s) {}

void Broadcaster::attach(EventLoop& loop) {
  if (broadcasts_.empty()) return;
  loop.every(std::llround(interval_s_ * 1e9), os::monotonic_ns(), [this] { send_all(); });
}

void Broadcaster::send_all() {
  auto poll = static_cast<int8_t>(std::lround(std::log2(interval_s_)));
  proto::ReferenceState ref = reference_.state();
  for (Broadcast& b : broadcasts_) {
    codec::NtpHeader h = proto::make_broadcast(ref, clock_.now_ns(), poll);
    uint8_t buf[codec::kHeaderSize + codec::kMaxV3MacSize];
    codec::encode(h, buf, sizeof(buf));
    size_t size =
        proto::finish_reply(buf, sizeof(buf), true, os::transmit_clock(clock_), b.keys, b.key_id, nullptr);
    if (size == 0) {  // never an unsigned broadcast in place of a signed one
      os::log::warn("broadcast: cannot sign with key {}", b.key_id);
      continue;
    }
    if (auto st = b.socket.send(buf, size, &b.address); !st) {
      os::log::debug("broadcast: {}", st.error().message);
      continue;
    }
    ++sent_;
  }
}

}  // namespace lansync::sntpd
