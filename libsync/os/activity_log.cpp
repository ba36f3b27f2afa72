// Activity log; see activity_log.hpp.
#include "os/activity_log.hpp"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "codec/ccapi_date.hpp"
#include "os/file.hpp"

namespace lansync::os {

std::string utc_iso8601(int64_t unix_ns) {
  constexpr int64_t kMs = 1'000'000;
  int64_t ms = unix_ns >= 0 ? unix_ns / kMs : (unix_ns - kMs + 1) / kMs;
  int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
  int64_t sod = s - days * 86400;
  int32_t year = 0;
  uint8_t month = 0, day = 0;
  codec::civil_from_days(days, &year, &month, &day);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", year, unsigned{month},
                unsigned{day}, static_cast<long long>(sod / 3600), static_cast<long long>(sod / 60 % 60),
                static_cast<long long>(sod % 60), static_cast<long long>(ms - s * 1000));
  return buf;
}

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
