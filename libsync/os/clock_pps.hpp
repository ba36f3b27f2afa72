// A kernel PPS device (/dev/ppsN, RFC 2783 as Linux implements it): the time of each pulse's edge.
//
// A GPS receiver's pulse per second, wired to a GPIO (dtoverlay=pps-gpio on a
// Pi) or carried by a serial line's DCD, is timestamped by the kernel at the
// interrupt: the edge is the start of a second of the receiver's time, read
// on our clock within microseconds.  The device is opened read-write, set to
// capture the assert edge in the timespec format, and asked for its last edge
// without waiting (PPS_FETCH with a zero timeout), as chronyd's PPS driver does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "os/error.hpp"
#include "os/fd.hpp"

namespace lansync::os {

// One assert edge.
struct PpsEdge {
  int64_t assert_ns = 0;  // our clock at the edge (Unix ns)
  uint32_t sequence = 0;  // the kernel's count of edges: a new edge has a new one
};

class PpsDevice {
 public:
  // Opens path and sets it to capture assert edges; an error names the path and what failed
  // (no such device, not a PPS device, no assert capture).
  static OsResult<PpsDevice> open(const std::string& path);
  PpsDevice() = default;
  // The last edge, without waiting, if it is one this device has not given before; none before
  // the first and until the next (the kernel keeps giving the last one).
  OsResult<std::optional<PpsEdge>> fetch_new();

 private:
  PpsDevice(Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  Fd fd_;
  std::string path_;
  std::optional<uint32_t> last_sequence_;  // of the last edge given
};

}  // namespace lansync::os
