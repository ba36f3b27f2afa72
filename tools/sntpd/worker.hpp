// sntpd's serving side: worker threads that answer NTP requests.
//
// The path of one request, the whole way, in one direction: socket (bytes +
// kernel receive timestamp) -> core::Server::handle() (decode, policy,
// reply, transmit time read as late as possible, MAC, the client's transmit
// recorded) -> send.  Replies to clients in interleaved mode ask the kernel
// when they left; those timestamps come back on the socket's error queue, with
// the bytes sent, and go to Server::note_kernel_transmit() for the next reply.
//
// Each worker owns one socket per listen address (SO_REUSEPORT when there are
// several workers) and receives in batches (recvmmsg).  With --workers 0 the
// one worker has no thread: it serves from the main thread's event loop, as
// chronyd does (a Pi Zero has one core; chrony's simulator runs one thread).  Replies go out one by
// one, each stamped just before its own send: batching the sends would delay
// the later ones after their transmit timestamps were taken.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "core/clients.hpp"
#include "core/server.hpp"
#include "event_loop.hpp"
#include "os/clock.hpp"
#include "os/net_udp.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

// Counters of one worker, as the status report names them (CounterSnapshot); read by the main
// thread while the worker runs.
struct Counters {
  std::atomic<uint64_t> requests{0};             // datagrams read
  std::atomic<uint64_t> replies{0};              // replies sent (including KoD)
  std::atomic<uint64_t> interleaved_replies{0};  // replies in interleaved mode
  std::atomic<uint64_t> passive_replies{0};      // replies in passive mode (2), to symmetric-active requests
  std::atomic<uint64_t> kod_sent{0};             // KoD RATE replies
  std::atomic<uint64_t> nts_replies{0};          // replies authenticated by NTS
  std::atomic<uint64_t> nts_naks{0};             // NTS NAK kisses (NTSN)
  std::atomic<uint64_t> dropped[kDropReasons] = {};
  std::atomic<uint64_t> send_errors{0};
  std::atomic<uint64_t> tx_timestamps{0};  // kernel transmit timestamps used
};

// The longest request read (bytes; longer ones are cut and dropped as malformed): room for an NTS
// request with a cookie and seven placeholders (988 bytes).
inline constexpr size_t kMaxDatagramSize = 1024;

class Worker {
 public:
  Worker(os::Clock& clock, core::Server& state, std::vector<os::UdpSocket> sockets, uint64_t seed);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void stop();  // returns once the thread has ended, if one was started
  // Serves from loop's thread instead of a thread of its own (not with start()).
  void attach(EventLoop& loop);
  const Counters& counters() const { return counters_; }

 private:
  void run();
  // What poll() said of socket: transmit timestamps came back (POLLERR), requests wait (POLLIN).
  void dispatch(os::UdpSocket& socket, short revents);
  void serve(os::UdpSocket& socket);
  void read_tx_timestamps(os::UdpSocket& socket);
  uint32_t next_random();

  os::Clock& clock_;
  core::Server& state_;
  std::vector<os::UdpSocket> sockets_;
  int stop_fd_ = -1;  // eventfd
  std::thread thread_;
  Counters counters_;
  uint64_t rng_;
  proto::TransmitClock transmit_clock_;
  os::UdpSocket::Batch batch_{32, kMaxDatagramSize};
};

// The workers' counters, summed; broadcasts_sent is the broadcaster's, left 0.
CounterSnapshot sum_counters(const std::vector<std::unique_ptr<Worker>>& workers);

}  // namespace lansync::sntpd
