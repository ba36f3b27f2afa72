// Whole-file reads and atomic replacement; see file.hpp.
// 64-bit file offsets in this file, compiled alone for them (see os/clock.cpp): without, readdir
// on armhf fails (EOVERFLOW) in a directory whose entries need them (seen under qemu-arm).
#ifndef _TIME_BITS
#define _TIME_BITS 64
#define _FILE_OFFSET_BITS 64
#endif
#include "os/file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "os/fd.hpp"

namespace lansync::os {
namespace {

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Status make_directories(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return code_error(std::errc::not_a_directory, "cannot use " + dir);
    return ok();
  }
  if (errno != ENOENT) return errno_error("cannot use " + dir);
  std::string parent = parent_of(dir);
  if (parent != dir) {
    if (auto st2 = make_directories(parent); !st2) return st2;
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return errno_error("cannot create " + dir);
  return ok();
}

namespace {

Status write_all(int fd, const std::string& data, const std::string& what) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("cannot write " + what);
    }
    done += static_cast<size_t>(n);
  }
  return ok();
}

}  // namespace

OsResult<std::string> read_small_file(const std::string& path, size_t max_size) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.get() < 0) return errno_error("cannot open " + path);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(f.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("cannot read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_size) {
      return code_error(std::errc::file_too_large, "cannot read " + path);
    }
  }
  return out;
}

OsResult<std::string> read_secret_file(const std::string& path, size_t max_size) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.get() < 0) return errno_error("cannot open " + path);
  return read_secret_fd(f.get(), max_size, path);
}

OsResult<std::string> read_secret_fd(int fd, size_t max_size, const std::string& name) {
  std::string out(max_size + 1, '\0');
  size_t length = 0;
  while (length < out.size()) {
    ssize_t n = ::pread(fd, out.data() + length, out.size() - length, static_cast<off_t>(length));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto error = errno_error("cannot read " + name);
      ::explicit_bzero(out.data(), length);
      return error;
    }
    if (n == 0) break;
    length += static_cast<size_t>(n);
  }
  if (length > max_size) {
    ::explicit_bzero(out.data(), length);
    return code_error(std::errc::file_too_large, "cannot read " + name);
  }
  out.resize(length);  // shrinks in place: the one buffer stays the only copy
  return out;
}

namespace {

// The PID in a temporary file's name "BASE.tmp.PID.XXXXXX" (write_file_atomic's), or -1.
pid_t temporary_owner(const std::string& entry, const std::string& base) {
  std::string prefix = base + ".tmp.";
  if (entry.compare(0, prefix.size(), prefix) != 0) return -1;
  size_t dot = entry.find('.', prefix.size());
  if (dot == prefix.size() || dot == std::string::npos || entry.size() - dot != 7) return -1;
  pid_t pid = 0;
  for (size_t i = prefix.size(); i < dot; ++i) {
    if (entry[i] < '0' || entry[i] > '9' || pid > 99999999) return -1;
    pid = pid * 10 + (entry[i] - '0');
  }
  return pid;
}

// Removes the temporary files of path whose writer has ended (a crash or a power cut between
// their creation and their rename left them).  A writer still running keeps its own, so two
// processes replacing the same file never take each other's; after a reboot, one whose PID
// another process holds now waits until that process ends.
void remove_stale_temporaries(const std::string& dir, const std::string& path) {
  auto slash = path.rfind('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (const dirent* e = ::readdir(d)) {
    pid_t pid = temporary_owner(e->d_name, base);
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(pid, 0) != 0 && errno == ESRCH) ::unlinkat(::dirfd(d), e->d_name, 0);
  }
  ::closedir(d);
}

}  // namespace

Status write_file_atomic(const std::string& path, const std::string& contents, mode_t mode) {
  std::string dir = parent_of(path);
  if (auto st = make_directories(dir); !st) return st;
  std::string tmpl = path + ".tmp." + std::to_string(::getpid()) + ".XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  Fd f{::mkostemp(name.data(), O_CLOEXEC)};
  if (f.get() < 0) return errno_error("cannot create a temporary file next to " + path);
  std::string tmp(name.data());
  auto fail_and_clean = [&](Status st) {
    ::unlink(tmp.c_str());
    return st;
  };
  // Errors name path, the file the caller knows: the temporary one is gone when they are read.
  if (::fchmod(f.get(), mode) != 0) return fail_and_clean(errno_error("cannot set the mode of " + path));
  if (auto st = write_all(f.get(), contents, path); !st) return fail_and_clean(st);
  if (::fsync(f.get()) != 0) return fail_and_clean(errno_error("cannot sync " + path));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail_and_clean(errno_error("cannot replace " + path));
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.get() >= 0) ::fsync(d.get());  // the rename is durable once the directory is
  remove_stale_temporaries(dir, path);
  return ok();
}

}  // namespace lansync::os
