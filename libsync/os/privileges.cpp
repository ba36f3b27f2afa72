// Privilege dropping; see privileges.hpp.
#include "os/privileges.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "os/file.hpp"

namespace lansync::os {
namespace {

struct User {
  uid_t uid;
  gid_t gid;
};

bool lookup(const std::string& name, User* out) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(4096);
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) return false;
  *out = {pw.pw_uid, pw.pw_gid};
  return true;
}

// Sets the effective and permitted capability sets to CAP_SYS_TIME, or to
// nothing.  (glibc has no capset wrapper; libcap would be a dependency for
// one system call.)
Status set_capabilities(bool sys_time) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (sys_time) {
    data[0].effective = data[0].permitted = 1u << CAP_SYS_TIME;
  }
  if (::syscall(SYS_capset, &header, data) != 0) return errno_error("cannot set capabilities");
  return ok();
}

}  // namespace

Status give_directory_to(const std::string& dir, const std::string& user) {
  User u{};
  if (!lookup(user, &u)) return invalid("no such user '" + user + "'");
  if (auto st = make_directories(dir); !st) return st;
  if (::chown(dir.c_str(), u.uid, u.gid) != 0) return errno_error("cannot give " + dir + " to " + user);
  return ok();
}

int group_of(const std::string& user) {
  User u{};
  return lookup(user, &u) ? static_cast<int>(u.gid) : -1;
}

bool user_exists(const std::string& name) {
  User u{};
  return lookup(name, &u);
}

std::string first_existing_user(const std::string& a, const std::string& b) {
  if (user_exists(a)) return a;
  if (user_exists(b)) return b;
  return "";
}

bool shed_all_capabilities() noexcept {
  // The bounding set can only shrink with CAP_SETPCAP; without it (not root) it does not matter:
  // execve as a user other than root gives no capability from it.
  bool can_drop = ::prctl(PR_CAPBSET_READ, CAP_SETPCAP) == 1 && ::geteuid() == 0;
  for (int cap = 0; can_drop && cap <= 63; ++cap) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return false;
  }
  (void)::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);  // EINVAL before Linux 4.3
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capset, &header, data) != 0) return false;
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
}

bool volunteer_for_oom_kill() noexcept {
  int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool written = ::write(fd, "1000", 4) == 4;
  ::close(fd);
  return written;
}

OsResult<std::string> drop_privileges(const std::string& user, bool keep_sys_time) {
  User u{};
  if (!lookup(user, &u)) return invalid("no such user '" + user + "'");
  if (::geteuid() != 0) return std::string("not running as root: staying the current user");
  if (u.uid == 0) return std::string("running as root, as asked");
  if (keep_sys_time && ::prctl(PR_SET_KEEPCAPS, 1) != 0) return errno_error("cannot keep capabilities");
  if (::setgroups(0, nullptr) != 0) return errno_error("cannot drop supplementary groups");
  if (::setresgid(u.gid, u.gid, u.gid) != 0) return errno_error("cannot switch to the group of " + user);
  if (::setresuid(u.uid, u.uid, u.uid) != 0) return errno_error("cannot switch to user " + user);
  if (auto st = set_capabilities(keep_sys_time); !st) return fail(st.error());
  return "running as " + user + (keep_sys_time ? " with CAP_SYS_TIME" : " without capabilities");
}

}  // namespace lansync::os
