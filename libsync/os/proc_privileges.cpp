// Privilege dropping; see proc_privileges.hpp.
#include "os/proc_privileges.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <vector>

#include "os/file.hpp"
#include "os/log.hpp"

namespace lansync::os {
namespace {

constexpr uint32_t kSwitchUserCaps = (1u << CAP_SETUID) | (1u << CAP_SETGID);

bool lookup(const std::string& name, UserIds* out) {
  auto ids = user_ids(name);
  if (ids) *out = *ids;
  return ids.has_value();
}

// Sets the capability sets to what keep names, nothing else: CAP_SYS_TIME effective and
// permitted, CAP_SETUID and CAP_SETGID permitted only.  (glibc has no capset wrapper; libcap
// would be a dependency for one system call.)
Status set_capabilities(KeptRights keep) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (keep.sys_time) data[0].effective = data[0].permitted = 1u << CAP_SYS_TIME;
  if (keep.switch_user) data[0].permitted |= kSwitchUserCaps;
  if (::syscall(SYS_capset, &header, data) != 0) return errno_error("cannot set capabilities");
  return ok();
}

// Makes the permitted CAP_SETUID and CAP_SETGID effective; nothing to do when they are not
// permitted (then the switch fails, unless it is no switch at all).
bool raise_switch_user() noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  uint32_t wanted = data[0].permitted & kSwitchUserCaps;
  if ((data[0].effective & wanted) == wanted) return true;
  data[0].effective |= wanted;
  return ::syscall(SYS_capset, &header, data) == 0;
}

}  // namespace

std::optional<UserIds> user_ids(const std::string& name) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(4096);
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  return UserIds{pw.pw_uid, pw.pw_gid};
}

Status give_directory_to(const std::string& dir, const std::string& user) {
  UserIds u{};
  if (!lookup(user, &u)) return invalid("no such user '" + user + "'");
  if (auto st = make_directories(dir); !st) return st;
  if (::chown(dir.c_str(), u.uid, u.gid) != 0) return errno_error("cannot give " + dir + " to " + user);
  return ok();
}

int group_of(const std::string& user) {
  UserIds u{};
  return lookup(user, &u) ? static_cast<int>(u.gid) : -1;
}

bool user_exists(const std::string& name) {
  UserIds u{};
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

OsResult<std::string> drop_privileges(const std::string& user, KeptRights keep) {
  UserIds u{};
  if (!lookup(user, &u)) return invalid("no such user '" + user + "'");
  if (::geteuid() != 0) return std::string("not running as root: staying the current user");
  if (u.uid == 0) return std::string("running as root, as asked");
  bool any = keep.sys_time || keep.switch_user;
  if (any && ::prctl(PR_SET_KEEPCAPS, 1) != 0) return errno_error("cannot keep capabilities");
  if (::setgroups(0, nullptr) != 0) return errno_error("cannot drop supplementary groups");
  if (::setresgid(u.gid, u.gid, u.gid) != 0) return errno_error("cannot switch to the group of " + user);
  if (::setresuid(u.uid, u.uid, u.uid) != 0) return errno_error("cannot switch to user " + user);
  if (auto st = set_capabilities(keep); !st) return fail(st.error());
  if (any) (void)::prctl(PR_SET_KEEPCAPS, 0);  // a later switch by this process keeps nothing
  std::string kept = keep.sys_time ? "CAP_SYS_TIME" : "";
  if (keep.switch_user)
    kept += std::string(kept.empty() ? "" : ", ") + "CAP_SETUID and CAP_SETGID (permitted)";
  return "running as " + user + (kept.empty() ? " without capabilities" : " with " + kept);
}

bool become_user(UserIds u) noexcept {
  if (!raise_switch_user()) return false;
  if (::setgroups(0, nullptr) != 0) return false;
  if (::setresgid(u.gid, u.gid, u.gid) != 0) return false;
  if (::setresuid(u.uid, u.uid, u.uid) != 0) return false;
  uid_t r = 0, e = 0, s = 0;
  gid_t gr = 0, ge = 0, gs = 0;
  if (::getresuid(&r, &e, &s) != 0 || r != u.uid || e != u.uid || s != u.uid) return false;
  if (::getresgid(&gr, &ge, &gs) != 0 || gr != u.gid || ge != u.gid || gs != u.gid) return false;
  return ::getgroups(0, nullptr) == 0;
}

bool signal_as(pid_t pid, int sig, std::optional<UserIds> as) {
  if (::kill(pid, sig) == 0) return true;
  if (errno != EPERM || !as) return false;
  pid_t helper = ::fork();
  if (helper < 0) return false;
  if (helper == 0) ::_exit(become_user(*as) && ::kill(pid, sig) == 0 ? 0 : 1);
  int status = 0;
  while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  errno = EPERM;
  return false;
}

void start_helper(const char* program) {
  log::set_program(program, /*named_in_journal=*/true);  // the journal names them all sntpd
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  (void)volunteer_for_oom_kill();
}

}  // namespace lansync::os
