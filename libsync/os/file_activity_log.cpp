// Activity log; see file_activity_log.hpp.
// 64-bit file offsets in this file, compiled alone for them (see os/clock.cpp): fstat, pread and
// ftruncate of a log past 2 GiB on armhf.
#ifndef _TIME_BITS
#define _TIME_BITS 64
#define _FILE_OFFSET_BITS 64
#endif
#include "os/file_activity_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "os/file.hpp"

namespace lansync::os {

namespace {

// How far back a torn last line is looked for: the lines are a few hundred bytes.
constexpr off_t kTornTailSearchBytes = 64 * 1024;

// A power cut during an append can leave the last line without its newline: the
// next line would be glued to it and both lost to a JSON reader.  Cuts that part
// off (it was never complete); where no newline is near, starts a new line instead.
Status drop_torn_tail(int fd, const std::string& path, std::string& data) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_error("cannot read " + path);
  if (st.st_size == 0) return ok();
  off_t from = st.st_size > kTornTailSearchBytes ? st.st_size - kTornTailSearchBytes : 0;
  std::vector<char> tail(static_cast<size_t>(st.st_size - from));
  if (::pread(fd, tail.data(), tail.size(), from) != static_cast<ssize_t>(tail.size())) {
    return errno_error("cannot read " + path);
  }
  if (tail.back() == '\n') return ok();
  size_t keep = tail.size();
  while (keep > 0 && tail[keep - 1] != '\n') --keep;
  if (keep == 0 && from > 0) {
    data.insert(data.begin(), '\n');
    return ok();
  }
  if (::ftruncate(fd, from + static_cast<off_t>(keep)) != 0) return errno_error("cannot write " + path);
  return ok();
}

}  // namespace

Status append_log_line(const std::string& path, const std::string& line) {
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    if (auto st = make_directories(path.substr(0, slash)); !st) return st;
  }
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error("cannot open " + path);
  std::string data = line + "\n";
  // The lock keeps another appender's line from being taken for a torn one while it is written.
  ::flock(fd, LOCK_EX);
  if (auto st = drop_torn_tail(fd, path, data); !st) {
    ::close(fd);
    return st;
  }
  ssize_t n;
  do {
    n = ::write(fd, data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  Status st = n == static_cast<ssize_t>(data.size()) ? ok() : errno_error("cannot write " + path);
  if (::close(fd) != 0 && st) st = errno_error("cannot write " + path);
  return st;
}

void syslog_line(const std::string& ident, bool failure, const std::string& line) {
  // openlog keeps the pointer: the string must outlive the call.
  static std::string kept;
  kept = ident;
  ::openlog(kept.c_str(), LOG_PID, LOG_DAEMON);
  ::syslog(failure ? LOG_ERR : LOG_INFO, "%s", line.c_str());
  ::closelog();
}

}  // namespace lansync::os
