// One helper process of sntpd; see child_process.hpp.
#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "os/clock.hpp"
#include "os/log.hpp"

namespace lansync::sntpd {
namespace {

constexpr rlim_t kMemoryBytes = 64 * 1024 * 1024;  // RLIMIT_DATA of a helper
// The sanitizers reserve terabytes of shadow memory at start, which
// RLIMIT_DATA counts: a sanitizer build (tests only) gives the child no limit,
// also where it starts another build's helper (the tsan phase: a
// ThreadSanitizer sntpd with the AddressSanitizer build's sntpd-web).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kLimitMemory = false;
#elif defined(__has_feature)
constexpr bool kLimitMemory = !__has_feature(address_sanitizer) && !__has_feature(thread_sanitizer);
#else
constexpr bool kLimitMemory = true;
#endif
constexpr int64_t kStopWaitNs = 2'000'000'000;
constexpr int64_t kStableNs = 60'000'000'000;  // a run this long starts the backoff over
constexpr size_t kMaxFds = 8;                  // descriptors a child gets, the channel included

// program next to this executable (build/bin in the tree), else installed.
std::string find_binary(const std::string& program, const std::string& installed) {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    std::string next = dir.substr(0, dir.rfind('/') + 1) + program;
    if (::access(next.c_str(), X_OK) == 0) return next;
  }
  return installed;
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  return "stopped";
}

// In the child, between fork and exec: only system calls.  fds[i] becomes descriptor
// kChannelFd + i (-1 entries are skipped), and nothing else stays open.
[[noreturn]] void exec_child(const int* fds, size_t count, const char* path, char* const* argv,
                             const std::optional<os::UserIds>& user, pid_t parent) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  int moved[kMaxFds];  // above the targets first: a source may sit on another's target
  for (size_t i = 0; i < count; ++i) {
    moved[i] = -1;
    if (fds[i] >= 0 && (moved[i] = ::fcntl(fds[i], F_DUPFD, 20)) < 0) ::_exit(126);
  }
  int last = ChildProcess::kChannelFd - 1;
  for (size_t i = 0; i < count; ++i) {
    if (moved[i] < 0) continue;
    int target = ChildProcess::kChannelFd + static_cast<int>(i);
    if (::dup2(moved[i], target) < 0) ::_exit(126);
    last = target;
  }
  ::close_range(static_cast<unsigned>(last) + 1, ~0U, 0);
  rlimit data{kMemoryBytes, kMemoryBytes};
  if (kLimitMemory) ::setrlimit(RLIMIT_DATA, &data);
  // Fails once sntpd runs as its --user (see volunteer_for_oom_kill): the helper does it again.
  (void)os::volunteer_for_oom_kill();
  if (user && !os::become_user(*user)) ::_exit(ChildProcess::kExitNoUser);
  // After the switch: changing users clears the parent-death signal.  A parent already gone
  // would never send it.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
  if (::getppid() != parent) ::_exit(126);
  if (!os::shed_all_capabilities()) ::_exit(126);
  ::execv(path, argv);
  ::_exit(127);
}

}  // namespace

ChildProcess::ChildProcess(std::string program, const std::string& installed_path, std::string topic,
                           std::optional<os::UserIds> user, std::string user_name)
    : program_(std::move(program)),
      path_(find_binary(program_, installed_path)),
      topic_(std::move(topic)),
      user_(user),
      user_name_(std::move(user_name)) {}

bool ChildProcess::found() const { return ::access(path_.c_str(), X_OK) == 0; }

void ChildProcess::retry_later() { restart_due_mono_ns_ = os::monotonic_ns() + backoff_.next_delay_ns(); }

os::Fd ChildProcess::start(const std::vector<std::string>& args, const std::vector<int>& fds) {
  restart_due_mono_ns_ = INT64_MAX;
  int pair[2];
  if (fds.size() + 1 > kMaxFds || ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    os::log::error("{}: cannot create the channel to {}: {}", topic_, program_, std::strerror(errno));
    retry_later();
    return os::Fd();
  }
  // The arguments and descriptors before the fork: the child may not allocate.
  std::vector<std::string> all = {path_};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<int> child_fds = {pair[1]};
  child_fds.insert(child_fds.end(), fds.begin(), fds.end());
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) exec_child(child_fds.data(), child_fds.size(), path_.c_str(), argv.data(), user_, parent);
  ::close(pair[1]);
  if (pid < 0) {
    ::close(pair[0]);
    os::log::error("{}: cannot start {}: {}", topic_, program_, std::strerror(errno));
    retry_later();
    return os::Fd();
  }
  ::fcntl(pair[0], F_SETFL, O_NONBLOCK);
  pid_ = pid;
  started_mono_ns_ = os::monotonic_ns();
  os::log::debug("{}: {} started (pid {})", topic_, program_, pid);
  return os::Fd(pair[0]);
}

int ChildProcess::gone(const std::function<bool(int)>& final) {
  int status = 0;
  if (pid_ < 0) return status;
  signal(SIGKILL);  // it closed the channel: it is of no use any more
  ::waitpid(pid_, &status, 0);
  if (final && final(status)) {
    pid_ = -1;
    restart_due_mono_ns_ = INT64_MAX;
    return status;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == kExitNoUser) {
    os::log::error(
        "{}: cannot start {} as {}: sntpd lacks CAP_SETUID or CAP_SETGID (the unit's "
        "CapabilityBoundingSet must name them)",
        topic_, program_, user_name_);
  }
  if (os::monotonic_ns() - started_mono_ns_ >= kStableNs) backoff_.reset();
  int64_t delay_ns = backoff_.next_delay_ns();
  os::log::warn("{}: {} (pid {}) {}; starting it again in {} s", topic_, program_, pid_,
                describe_exit(status), delay_ns / 1'000'000'000);
  pid_ = -1;
  ++restarts_;
  restart_due_mono_ns_ = os::monotonic_ns() + delay_ns;
  return status;
}

void ChildProcess::signal(int sig) {
  if (pid_ < 0) return;
  if (!os::signal_as(pid_, sig, user_) && errno != ESRCH) {
    os::log::warn("{}: cannot send signal {} to {} (pid {}): {}", topic_, sig, program_, pid_,
                  std::strerror(errno));
  }
}

void ChildProcess::stop() {
  restart_due_mono_ns_ = INT64_MAX;
  if (pid_ < 0) return;
  signal(SIGTERM);
  int status = 0;
  int64_t give_up = os::monotonic_ns() + kStopWaitNs;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (os::monotonic_ns() > give_up) {
      signal(SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    ::usleep(10'000);
  }
  pid_ = -1;
}

}  // namespace lansync::sntpd
