// os::volunteer_for_oom_kill: a process makes itself the OOM killer's first choice (sntpd-web).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "os/privileges.hpp"

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

}  // namespace
}  // namespace lansync::os
