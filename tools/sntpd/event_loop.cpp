// sntpd's event loop; see event_loop.hpp.
#include "event_loop.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <memory>

#include "os/clock.hpp"
#include "os/log.hpp"
#include "os/proc_signals.hpp"

namespace lansync::sntpd {

bool EventLoop::stop_on_signals() {
  // Signals become readable data on a descriptor, handled between events.
  auto fd = os::stop_signal_fd();
  if (!fd) {
    os::log::error("{}", fd.error().message);
    return false;
  }
  signal_fd_ = std::move(*fd);
  std::signal(SIGPIPE, SIG_IGN);  // a control client that hangs up must not kill us
  watch(signal_fd_.get(), [this] { read_signal(); });
  return true;
}

void EventLoop::read_signal() {
  if (int sig = os::read_stop_signal(signal_fd_.get()); sig != 0) {
    os::log::info("received {}, stopping", sigabbrev_np(sig));
  }
  stop();
}

void EventLoop::watch(int fd, Callback on_readable) {
  watch_events(fd, [on_readable = std::move(on_readable)](short) { on_readable(); });
}

void EventLoop::watch_events(int fd, EventsCallback on_events) {
  watches_.push_back({[fd] { return std::vector<int>{fd}; }, std::move(on_events)});
}

void EventLoop::watch_set(std::function<std::vector<int>()> fds, Callback on_readable) {
  watches_.push_back({std::move(fds), [on_readable = std::move(on_readable)](short) { on_readable(); }});
}

void EventLoop::every(int64_t interval_ns, int64_t first_due_mono_ns, Callback on_due) {
  auto next = std::make_shared<int64_t>(first_due_mono_ns);
  timers_.push_back({[next] { return *next; },
                     [next, interval_ns, on_due = std::move(on_due)] {
                       int64_t mono_now_ns = os::monotonic_ns();
                       on_due();
                       *next = mono_now_ns + interval_ns;
                     }});
}

void EventLoop::when(std::function<int64_t()> due, Callback on_due) {
  timers_.push_back({std::move(due), std::move(on_due)});
}

int64_t EventLoop::run_timers() {
  for (Timer& t : timers_) {
    if (os::monotonic_ns() >= t.due()) t.on_due();
  }
  int64_t next = INT64_MAX;
  for (Timer& t : timers_) next = std::min(next, t.due());
  return next;
}

bool EventLoop::wait_and_dispatch(int64_t deadline_mono_ns) {
  // The descriptors are asked anew each round: some come and go.
  std::vector<pollfd> fds;
  std::vector<size_t> owner;  // fds[i] belongs to watches_[owner[i]]
  for (size_t w = 0; w < watches_.size(); ++w) {
    for (int fd : watches_[w].fds()) {
      fds.push_back({fd, POLLIN, 0});
      owner.push_back(w);
    }
  }
  int timeout_ms = -1;
  if (deadline_mono_ns != INT64_MAX) {
    int64_t wait_ns = std::max<int64_t>(0, deadline_mono_ns - os::monotonic_ns());
    timeout_ms = static_cast<int>(std::min<int64_t>(INT_MAX, (wait_ns + 999'999) / 1'000'000));
  }
  if (::poll(fds.data(), fds.size(), timeout_ms) < 0) {
    if (errno == EINTR) return true;
    os::log::error("poll: {}", std::strerror(errno));
    return false;
  }
  std::vector<short> events(watches_.size(), 0);
  for (size_t i = 0; i < fds.size(); ++i)
    events[owner[i]] = static_cast<short>(events[owner[i]] | fds[i].revents);
  for (size_t w = 0; w < watches_.size() && !stopped_; ++w) {
    if (events[w] != 0) watches_[w].on_events(events[w]);
  }
  return true;
}

bool EventLoop::run() {
  stopped_ = false;
  while (!stopped_) {
    int64_t deadline_mono_ns = run_timers();
    if (!wait_and_dispatch(deadline_mono_ns)) return false;
  }
  return true;
}

}  // namespace lansync::sntpd
