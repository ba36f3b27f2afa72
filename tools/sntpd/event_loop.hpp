// sntpd's main-thread event loop: descriptors with callbacks, timers on CLOCK_MONOTONIC, one poll().
//
// The daemon's parts register here what wakes them: a descriptor that became
// readable, a set of descriptors that changes as it runs (the upstream
// sockets come and go as names resolve), a periodic timer or a deadline a
// part computes itself.  run() calls, in each round, every timer that is due
// (in the order they were registered), then poll()s until the next deadline
// and calls the callbacks of the descriptors that became readable.  SIGTERM and
// SIGINT arrive through a signalfd and end run().  Single-threaded: the
// callbacks run in run()'s thread and do their own locking against others.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "os/fd.hpp"

namespace lansync::sntpd {

class EventLoop {
 public:
  using Callback = std::function<void()>;
  // Called with the poll() events that came (POLLIN, POLLERR, ...).
  using EventsCallback = std::function<void(short revents)>;

  EventLoop() = default;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Blocks SIGTERM and SIGINT and ends run() when one arrives (logged); ignores SIGPIPE, so that a
  // client hanging up cannot kill the daemon.  False (logged) when the signals cannot be set up.
  bool stop_on_signals();
  // Calls on_readable whenever fd is readable (or in error).
  void watch(int fd, Callback on_readable);
  // Calls on_events with what came whenever fd is readable or in error.
  void watch_events(int fd, EventsCallback on_events);
  // Asks fds() before each poll for descriptors that come and go; calls on_readable once when any is
  // readable.
  void watch_set(std::function<std::vector<int>()> fds, Callback on_readable);
  // Calls on_due at first_due_mono_ns, then interval_ns after each time it ran (monotonic ns, > 0).
  void every(int64_t interval_ns, int64_t first_due_mono_ns, Callback on_due);
  // Calls on_due whenever due() (monotonic ns; INT64_MAX: never) has passed; due() is asked before each
  // round.
  void when(std::function<int64_t()> due, Callback on_due);

  // Runs until a signal or stop(); false if poll() failed (logged).
  bool run();
  // Ends run() after the callback that calls it.
  void stop() { stopped_ = true; }

 private:
  struct Watch {
    std::function<std::vector<int>()> fds;
    EventsCallback on_events;  // with the events of all its descriptors together
  };
  struct Timer {
    std::function<int64_t()> due;  // monotonic ns
    Callback on_due;
  };

  // Calls the timers due now; returns the next deadline (monotonic ns, INT64_MAX: none).
  int64_t run_timers();
  // One poll() until deadline and the callbacks of what became readable; false if poll() failed.
  bool wait_and_dispatch(int64_t deadline_mono_ns);
  void read_signal();

  std::vector<Watch> watches_;
  std::vector<Timer> timers_;
  os::Fd signal_fd_;
  bool stopped_ = false;
};

}  // namespace lansync::sntpd
