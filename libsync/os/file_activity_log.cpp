// Activity log; see file_activity_log.hpp.
#include "os/file_activity_log.hpp"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>

#include "os/file.hpp"

namespace lansync::os {

Status append_log_line(const std::string& path, const std::string& line) {
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    if (auto st = make_directories(path.substr(0, slash)); !st) return st;
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error("cannot open " + path);
  std::string data = line + "\n";
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
