// An owned file descriptor, closed when it goes out of scope; and waiting on descriptors.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <vector>

namespace lansync::os {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  ~Fd() { reset(); }
  // The descriptor, or -1 when none is held (a failed open is held as -1).
  int get() const { return fd_; }
  // Gives the descriptor up without closing it.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Waits up to timeout_ns (nanosecond resolution, ppoll) until one of fds (a negative one is
// skipped) is readable or in error; sets (*ready)[i] for each that is.  False on an error other
// than a signal's interruption (an interruption returns true with nothing ready).
bool wait_readable(const std::vector<int>& fds, int64_t timeout_ns, std::vector<bool>* ready);

}  // namespace lansync::os
