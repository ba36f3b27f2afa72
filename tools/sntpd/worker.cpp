// sntpd workers; see worker.hpp.
#include "worker.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "codec/ntp_packet.hpp"
#include "os/log.hpp"

namespace lansync::sntpd {

Worker::Worker(os::Clock& clock, core::Server& state, std::vector<os::UdpSocket> sockets, uint64_t seed)
    : clock_(clock),
      state_(state),
      sockets_(std::move(sockets)),
      rng_(seed | 1),
      transmit_clock_(os::transmit_clock(clock)) {}

Worker::~Worker() {
  stop();
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void Worker::start() {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { run(); });
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  ssize_t rc = ::write(stop_fd_, &one, sizeof(one));
  (void)rc;  // an eventfd write of 1 cannot fail short of overflow
  thread_.join();
}

void Worker::attach(EventLoop& loop) {
  for (os::UdpSocket& s : sockets_)
    loop.watch_events(s.fd(), [this, &s](short revents) { dispatch(s, revents); });
}

uint32_t Worker::next_random() {
  // xorshift64*: enough for the rate limiter's leak, and lock-free.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return static_cast<uint32_t>((rng_ * 0x2545F4914F6CDD1DULL) >> 32);
}

void Worker::run() {
  std::vector<pollfd> fds;
  for (const os::UdpSocket& s : sockets_) fds.push_back({s.fd(), POLLIN, 0});
  fds.push_back({stop_fd_, POLLIN, 0});
  for (;;) {
    int rc = ::poll(fds.data(), fds.size(), -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      os::log::error("worker poll: {}", std::strerror(errno));
      return;
    }
    if (fds.back().revents != 0) return;
    for (size_t i = 0; i < sockets_.size(); ++i) dispatch(sockets_[i], fds[i].revents);
  }
}

void Worker::dispatch(os::UdpSocket& socket, short revents) {
  if ((revents & POLLERR) != 0) read_tx_timestamps(socket);
  if ((revents & POLLIN) != 0) serve(socket);
}

void Worker::serve(os::UdpSocket& socket) {
  // Bounded per wake-up so that one busy socket cannot starve the others.
  for (int round = 0; round < 8; ++round) {
    auto got = socket.receive_batch(batch_);
    if (!got) {
      os::log::debug("receive: {}", got.error().message);
      return;
    }
    if (*got == 0) return;
    // The client table and the rate limiter run on the monotonic clock: one read per batch.
    int64_t mono_ns = os::monotonic_ns();
    // A datagram the kernel did not stamp (os::RxStamping::Read) is stamped
    // here, as it is read, before any reply of the batch is built.
    int64_t read_ns = clock_.now_ns();
    for (size_t i = 0; i < batch_.size(); ++i) {
      const os::UdpSocket::Datagram& d = batch_.datagram(i);
      counters_.requests.fetch_add(1, std::memory_order_relaxed);
      int64_t rx_ns = d.kernel_timestamp ? clock_.from_system_ns(d.rx_ns) : read_ns;
      // Oversized datagrams are cut at the buffer: treat them as malformed.
      size_t size = d.truncated ? 0 : d.size;
      // As long as the longest request: an NTS reply is exactly as long as its request.
      uint8_t reply[kMaxDatagramSize];
      core::ServerAction a = state_.handle(batch_.data(i), size, d.from.ip_address(), rx_ns, mono_ns,
                                           next_random(), transmit_clock_, reply, sizeof(reply));
      if (!a.respond) {
        counters_.dropped[static_cast<size_t>(a.reason)].fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      if (auto st = socket.send(reply, a.size, &d.from, a.want_tx_timestamp); !st) {
        counters_.send_errors.fetch_add(1, std::memory_order_relaxed);
        os::log::debug("{}", st.error().message);
        continue;
      }
      counters_.replies.fetch_add(1, std::memory_order_relaxed);
      if (a.interleaved) counters_.interleaved_replies.fetch_add(1, std::memory_order_relaxed);
      if (a.passive) counters_.passive_replies.fetch_add(1, std::memory_order_relaxed);
      if (a.kod) counters_.kod_sent.fetch_add(1, std::memory_order_relaxed);
      if (a.nts) counters_.nts_replies.fetch_add(1, std::memory_order_relaxed);
      if (a.nts_nak) counters_.nts_naks.fetch_add(1, std::memory_order_relaxed);
    }
    // A batch that was not full emptied the queue: poll() waits for the next
    // datagram, without a receive that would only say EAGAIN (at low rates most
    // wake-ups carry one request, and that receive was one syscall in four).
    if (batch_.size() < batch_.capacity()) return;
  }
}

void Worker::read_tx_timestamps(os::UdpSocket& socket) {
  uint8_t buf[512];
  // Bounded: one entry per reply that asked for a timestamp.
  for (int n = 0; n < 64; ++n) {
    auto t = socket.receive_tx_timestamp(buf, sizeof(buf));
    if (!t) {
      if (!os::would_block(t.error())) continue;  // an entry without a timestamp: skip it
      return;
    }
    if (state_.note_kernel_transmit(t->destination, t->payload, t->payload_size,
                                    clock_.from_system_ns(t->tx_ns))) {
      counters_.tx_timestamps.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

CounterSnapshot sum_counters(const std::vector<std::unique_ptr<Worker>>& workers) {
  CounterSnapshot t;
  auto add = [](uint64_t& sum, const std::atomic<uint64_t>& c) { sum += c.load(std::memory_order_relaxed); };
  for (const auto& w : workers) {
    const Counters& c = w->counters();
    add(t.requests, c.requests);
    add(t.replies, c.replies);
    add(t.interleaved_replies, c.interleaved_replies);
    add(t.passive_replies, c.passive_replies);
    add(t.kod_sent, c.kod_sent);
    add(t.send_errors, c.send_errors);
    add(t.tx_timestamps, c.tx_timestamps);
    add(t.nts_replies, c.nts_replies);
    add(t.nts_naks, c.nts_naks);
    for (size_t i = 0; i < kDropReasons; ++i) add(t.dropped[i], c.dropped[i]);
  }
  return t;
}

}  // namespace lansync::sntpd
