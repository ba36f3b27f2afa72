// A kernel PPS device; see clock_pps.hpp.
#include "os/clock_pps.hpp"

#include <fcntl.h>
#include <linux/pps.h>
#include <sys/ioctl.h>

#include <cerrno>

namespace lansync::os {

OsResult<PpsDevice> PpsDevice::open(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (fd.get() < 0) return errno_error("cannot open " + path);
  int caps = 0;
  if (::ioctl(fd.get(), PPS_GETCAP, &caps) < 0) return errno_error(path + " is not a PPS device");
  if ((caps & PPS_CAPTUREASSERT) == 0) return invalid(path + " cannot capture the pulse's assert edge");
  pps_kparams params{};
  if (::ioctl(fd.get(), PPS_GETPARAMS, &params) < 0)
    return errno_error("cannot read " + path + "'s parameters");
  params.mode = PPS_CAPTUREASSERT | PPS_TSFMT_TSPEC;
  if (::ioctl(fd.get(), PPS_SETPARAMS, &params) < 0) {
    return errno_error("cannot set " + path + " to capture assert edges (needs CAP_SYS_TIME)");
  }
  return PpsDevice(std::move(fd), path);
}

OsResult<std::optional<PpsEdge>> PpsDevice::fetch_new() {
  pps_fdata data{};
  data.timeout.flags = 0;  // a zero timeout: the last edge now
  if (::ioctl(fd_.get(), PPS_FETCH, &data) < 0) return errno_error("cannot read " + path_);
  const pps_ktime& t = data.info.assert_tu;
  if (data.info.assert_sequence == 0 && t.sec == 0 && t.nsec == 0) return std::optional<PpsEdge>();
  // 2^63 ns is in 2262; a kernel's edge beyond, or before 1970, is not a time.
  if (t.sec < 0 || t.sec >= INT64_MAX / 1'000'000'000 || t.nsec < 0 || t.nsec > 999'999'999) {
    return invalid(path_ + " gave an edge time out of range");
  }
  if (data.info.assert_sequence == last_sequence_) return std::optional<PpsEdge>();
  last_sequence_ = data.info.assert_sequence;
  PpsEdge e;
  e.assert_ns = static_cast<int64_t>(t.sec) * 1'000'000'000 + t.nsec;
  e.sequence = data.info.assert_sequence;
  return std::optional<PpsEdge>(e);
}

}  // namespace lansync::os
