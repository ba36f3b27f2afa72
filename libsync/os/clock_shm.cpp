// gpsd's shared-memory segments; see clock_shm.hpp.
#include "os/clock_shm.hpp"

#include <sys/ipc.h>
#include <sys/shm.h>

#include <atomic>
#include <string>

namespace lansync::os {
namespace {

// The segment as ntpd, gpsd and chronyd lay it out.  Its seconds are the C library's default
// seconds type as the writer on the same machine was built with it: 32 bits on Debian 12's
// armhf (its 64-bit transition came with Debian 13), 64 on arm64 and amd64; `long` is that
// size on every Linux target Debian 12 builds for.
struct ShmTime {
  int mode;
  volatile int count;
  long clock_sec;  // NOLINT(google-runtime-int): see above
  int clock_usec;
  long receive_sec;  // NOLINT(google-runtime-int)
  int receive_usec;
  int leap;
  int precision;
  int nsamples;
  volatile int valid;
  unsigned clock_nsec;
  unsigned receive_nsec;
  int dummy[8];
};

}  // namespace

OsResult<ShmSegment> ShmSegment::attach(int unit) {
  if (unit < 0 || unit > kMaxShmUnit) {
    return invalid("SHM unit " + std::to_string(unit) + " is out of range (0 to " +
                   std::to_string(kMaxShmUnit) + ")");
  }
  std::string what = "gpsd's shared memory segment " + std::to_string(unit);
  int id = ::shmget(static_cast<key_t>(kShmKeyBase + unit), sizeof(ShmTime), IPC_CREAT | 0600);
  if (id < 0) return errno_error("cannot open " + what);
  void* base = ::shmat(id, nullptr, 0);
  if (base == reinterpret_cast<void*>(-1)) return errno_error("cannot attach " + what);
  return ShmSegment(base);
}

ShmSegment::~ShmSegment() {
  if (base_ != nullptr) ::shmdt(base_);
}

core::ShmRecord ShmSegment::read(int32_t* count_after) {
  auto* t = static_cast<ShmTime*>(base_);
  core::ShmRecord r;
  r.mode = t->mode;
  r.count = t->count;
  std::atomic_thread_fence(std::memory_order_acquire);
  r.clock_s = t->clock_sec;
  r.clock_us = t->clock_usec;
  r.clock_ns = static_cast<int32_t>(t->clock_nsec);
  r.receive_s = t->receive_sec;
  r.receive_us = t->receive_usec;
  r.receive_ns = static_cast<int32_t>(t->receive_nsec);
  r.leap = t->leap;
  r.precision = t->precision;
  r.valid = t->valid;
  std::atomic_thread_fence(std::memory_order_acquire);
  *count_after = t->count;
  t->valid = 0;
  return r;
}

}  // namespace lansync::os
