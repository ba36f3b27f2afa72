// os/proc_privileges: a process makes itself the OOM killer's first choice (sntpd-web); become_user
// switches users for good, and only with the right to; signal_as reaches a process of another user
// through a helper that takes its user.  The switches need root: without it those tests say so.
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "in_child.hpp"
#include "os/proc_privileges.hpp"

namespace lansync::os {
namespace {

std::string oom_score_adj() {
  std::ifstream f("/proc/self/oom_score_adj");
  std::string s;
  f >> s;
  return s;
}

// In a child, so that the test process keeps its own score.
TEST(Privileges, VolunteerForOomKillSetsTheScoreTo1000) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) ::_exit(volunteer_for_oom_kill() && oom_score_adj() == "1000" ? 0 : 1);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

using unit::in_child;

constexpr UserIds kNobody{65534, 65534};

TEST(Privileges, BecomeUserSwitchesUserAndGroupAndDropsSupplementaryGroups) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  int status = in_child([] {
    gid_t extra = 4;
    if (::setgroups(1, &extra) != 0 || !become_user(kNobody)) return false;
    uid_t r = 0, e = 0, s = 0;
    ::getresuid(&r, &e, &s);
    return r == 65534 && e == 65534 && s == 65534 && ::getgid() == 65534 && ::getgroups(0, nullptr) == 0;
  });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

TEST(Privileges, BecomeUserFailsWithoutTheRightToSwitch) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a user without the right";
  // daemon (uid 1) without capabilities may not become nobody.
  int status = in_child([] {
    if (!drop_privileges("daemon", KeptRights{})) return false;
    return !become_user(kNobody) && ::getuid() == 1;
  });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

TEST(Privileges, DropPrivilegesKeepsTheRightToSwitchOnlyPermitted) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop privileges";
  int status = in_child([] {
    KeptRights keep;
    keep.switch_user = true;
    if (!drop_privileges("daemon", keep)) return false;
    // Not effective: a plain setuid fails until become_user raises them.
    if (::setresuid(65534, 65534, 65534) == 0) return false;
    return become_user(kNobody) && ::getuid() == 65534;
  });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

// As sntpd and sntpd-web: a process of user daemon that kept the right to switch signals its child
// of user nobody, which kill(2) alone may not.
TEST(Privileges, SignalAsReachesAProcessOfAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make two users' processes";
  int status = in_child([] {
    KeptRights keep;
    keep.switch_user = true;
    if (!drop_privileges("daemon", keep)) return false;
    int ready[2];
    if (::pipe(ready) != 0) return false;
    pid_t target = ::fork();
    if (target == 0) {
      if (!become_user(kNobody)) ::_exit(2);
      char c = 1;
      (void)::write(ready[1], &c, 1);
      ::pause();
      ::_exit(3);
    }
    char c = 0;
    if (::read(ready[0], &c, 1) != 1) return false;
    bool plain_refused = ::kill(target, SIGKILL) != 0 && errno == EPERM;
    bool sent = signal_as(target, SIGKILL, kNobody);
    int st = 0;
    ::waitpid(target, &st, 0);
    return plain_refused && sent && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
  });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

// Without a user to take, or taking one that may not signal either, it fails and says EPERM.
TEST(Privileges, SignalAsFailsWhenNoUserMaySignal) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a process of another user";
  int status = in_child([] {
    pid_t root_test = ::getppid();
    if (!drop_privileges("nobody", KeptRights{})) return false;
    bool alone = !signal_as(root_test, 0, std::nullopt) && errno == EPERM;
    bool helped = !signal_as(root_test, 0, kNobody) && errno == EPERM;
    return alone && helped;
  });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

}  // namespace
}  // namespace lansync::os
