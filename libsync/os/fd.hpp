// An owned file descriptor, closed when it goes out of scope.
#pragma once

#include <unistd.h>

namespace lansync::os {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  // The descriptor, or -1 when none is held (a failed open is held as -1).
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace lansync::os
