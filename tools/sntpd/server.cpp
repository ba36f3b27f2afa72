// sntpd serving loop; see server.hpp.
#include "server.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "codec/ntp_packet.hpp"
#include "os/log.hpp"

namespace lansync::sntpd {

Server::Server(os::Clock& clock, ServerConfig config)
    : clock_(clock),
      config_(config),
      precision_log2_(core::precision_log2_from_ns(os::measure_resolution_ns(clock))),
      start_ns_(clock.now_ns()) {}

void Server::add_socket(os::UdpSocket socket) { sockets_.push_back(std::move(socket)); }

core::ReferenceState Server::reference(int64_t now_ns) const {
  if (config_.local_stratum) {
    return core::local_reference(*config_.local_stratum, precision_log2_, start_ns_, now_ns);
  }
  return core::unsynchronized_reference(precision_log2_);
}

void Server::serve(os::UdpSocket& socket) {
  // A request is 48 bytes plus extension fields and a MAC; anything that does
  // not fit this buffer is dropped as oversized.
  uint8_t in[1024];
  uint8_t out[codec::kHeaderSize];
  // Bounded per wake-up so that one busy socket cannot starve the others.
  for (int n = 0; n < 256; ++n) {
    auto d = socket.receive(in, sizeof(in));
    if (!d) {
      if (!os::would_block(d.error())) os::log::debug("receive: {}", d.error().message);
      return;
    }
    ++counters_.received;
    int64_t rx_ns = d->kernel_timestamp ? clock_.from_system_ns(d->rx_ns) : clock_.now_ns();
    if (d->truncated) {
      ++counters_.malformed;
      continue;
    }
    auto request = codec::decode(in, d->size);
    if (!request) {
      ++counters_.malformed;
      os::log::debug("{}: dropped: {}", d->from.to_string(), codec::describe(request.error()));
      continue;
    }
    codec::NtpHeader reply;
    if (!core::make_reply(request->header, rx_ns, reference(rx_ns), &reply)) {
      ++counters_.ignored;
      continue;
    }
    codec::encode(reply, out, sizeof(out));
    // T3 as late as possible: after encoding, right before the send.
    codec::store_timestamp(out + codec::kTransmitOffset, codec::to_ntp(clock_.now_ns()));
    if (auto st = socket.send(out, sizeof(out), &d->from); !st) {
      ++counters_.send_errors;
      os::log::debug("{}", st.error().message);
      continue;
    }
    ++counters_.replies;
  }
}

bool Server::run() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  // Signals arrive as readable data on a descriptor, so the poll loop sees
  // them between packets and never inside one.
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) {
    os::log::error("cannot block signals: {}", std::strerror(errno));
    return false;
  }
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) {
    os::log::error("cannot create signalfd: {}", std::strerror(errno));
    return false;
  }
  std::vector<pollfd> fds;
  for (const os::UdpSocket& s : sockets_) fds.push_back({s.fd(), POLLIN, 0});
  fds.push_back({sfd, POLLIN, 0});
  bool ok = true;
  for (;;) {
    int rc = ::poll(fds.data(), fds.size(), -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      os::log::error("poll: {}", std::strerror(errno));
      ok = false;
      break;
    }
    if (fds.back().revents != 0) {
      signalfd_siginfo info{};
      if (::read(sfd, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
        os::log::info("received {}, stopping", sigabbrev_np(static_cast<int>(info.ssi_signo)));
      }
      break;
    }
    for (size_t i = 0; i < sockets_.size(); ++i) {
      if (fds[i].revents != 0) serve(sockets_[i]);
    }
  }
  ::close(sfd);
  return ok;
}

}  // namespace lansync::sntpd
