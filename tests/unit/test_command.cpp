// Unit tests of running shell commands with a deadline (os/proc_command): output, status,
// timeouts, cancellation, and that our blocked signals do not reach the command.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "os/clock.hpp"
#include "os/proc_command.hpp"

namespace lansync::os {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

TEST(Command, CapturesOutputAndStatus) {
  auto r = run_shell_command("echo 0.00125 0.0004; echo oops >&2", monotonic_ns() + 10 * kSecond);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, CommandOutcome::End::Exited);
  EXPECT_EQ(r->code, 0);
  EXPECT_EQ(r->out, "0.00125 0.0004\n");
  EXPECT_EQ(r->err, "oops\n");
  auto failed = run_shell_command("exit 3", monotonic_ns() + 10 * kSecond);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->end, CommandOutcome::End::Exited);
  EXPECT_EQ(failed->code, 3);
}

TEST(Command, KilledAtTheDeadline) {
  auto r = run_shell_command("sleep 30", monotonic_ns() + kSecond / 5);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, CommandOutcome::End::TimedOut);
}

TEST(Command, ABackgroundStragglerDoesNotHoldUsUp) {
  // The sleep keeps stdout open after the shell exits; the exit is what counts.
  auto r = run_shell_command("sleep 30 & echo 1", monotonic_ns() + 20 * kSecond);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, CommandOutcome::End::Exited);
  EXPECT_EQ(r->out, "1\n");
}

TEST(Command, CancelledByTheCancelDescriptor) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ASSERT_EQ(::write(p[1], "x", 1), 1);
  auto r = run_shell_command("sleep 30", monotonic_ns() + 20 * kSecond, p[0]);
  ::close(p[0]);
  ::close(p[1]);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, CommandOutcome::End::Cancelled);
}

TEST(Command, RunsWithDefaultSignals) {
  // driftlog blocks SIGTERM for its signalfd; the command must not inherit that.
  sigset_t mask, old;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &mask, &old), 0);
  auto r = run_shell_command("kill -TERM $$; sleep 5", monotonic_ns() + 20 * kSecond);
  sigprocmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, CommandOutcome::End::Signaled);
  EXPECT_EQ(r->code, SIGTERM);
}

}  // namespace
}  // namespace lansync::os
