// gpsd's shared-memory segments (the NTP SHM protocol), read as ntpd and chronyd read them.
//
// Segment N is System V shared memory with key 0x4E545030 + N (ntpd's "NTP0").
// gpsd creates segments 0 and 1 (and, as root, more) mode 0600 when it
// starts; a reader that starts first creates them the same way, so that the
// order of the two services does not matter (chronyd does the same).  Each
// read copies the record, checks the count again (mode 1) and marks the record
// taken (valid = 0), as ntpd's driver does.  The decoding is core/refclock's.
#pragma once

#include <cstdint>

#include "core/refclock.hpp"
#include "os/error.hpp"

namespace lansync::os {

// The NTP SHM key of unit 0; unit N is this plus N.
inline constexpr int32_t kShmKeyBase = 0x4E545030;
// Units a configuration may name (ntpd's SHM driver allows 0 to 255; gpsd writes 0 to 7 at most).
inline constexpr int kMaxShmUnit = 255;

class ShmSegment {
 public:
  // Attaches (creating it, mode 0600, if no writer did yet) the segment of unit 0 to kMaxShmUnit.
  static OsResult<ShmSegment> attach(int unit);
  ShmSegment() = default;  // attached to nothing: read() must not be called
  ShmSegment(ShmSegment&& o) noexcept : base_(o.base_) { o.base_ = nullptr; }
  ShmSegment& operator=(ShmSegment&&) = delete;
  ShmSegment(const ShmSegment&) = delete;
  ~ShmSegment();
  // The record now, with the count read again after it; the record is marked taken.
  core::ShmRecord read(int32_t* count_after);

 private:
  explicit ShmSegment(void* base) : base_(base) {}
  void* base_ = nullptr;
};

}  // namespace lansync::os
