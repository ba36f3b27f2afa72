// sntpd-web: sntpd's HTTP interface (--http) in a process of its own, started and supervised by sntpd.
//
// sntpd binds the --http socket, creates the channel (os/web_channel.hpp) and executes this
// program as its --user without capabilities, with the two descriptors and the --http-set-*
// settings on the command line.  It serves until SIGTERM, or until sntpd closes the channel;
// if it dies, sntpd starts it again.  Not meant to be run by hand.
// Exit codes: 0 stopped, 1 could not serve, 2 usage error.
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cli/command_line.hpp"
#include "os/address.hpp"
#include "os/clock.hpp"
#include "os/log.hpp"
#include "os/privileges.hpp"
#include "server.hpp"

namespace lansync::web {
namespace {

constexpr int kSweepIntervalMs = 250;

// Serves until SIGTERM/SIGINT or the channel's hang-up; the exit code.
int serve(Server& server, int channel_fd) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  ::sigprocmask(SIG_BLOCK, &mask, nullptr);  // before the server's thread starts: it inherits the mask
  ::signal(SIGPIPE, SIG_IGN);
  int sfd = ::signalfd(-1, &mask, SFD_CLOEXEC);
  if (!server.start()) return 1;
  for (;;) {
    // The channel is read by the server's thread: here only its hang-up (events 0) counts.
    pollfd fds[2] = {{sfd, POLLIN, 0}, {channel_fd, 0, 0}};
    int n = ::poll(fds, 2, kSweepIntervalMs);
    if (n > 0 && (fds[0].revents & POLLIN) != 0) return 0;
    if (n > 0 && (fds[1].revents & (POLLHUP | POLLERR)) != 0) {
      os::log::info("sntpd closed the channel: stopping");
      return 0;
    }
    server.sweep(os::monotonic_ns());
  }
}

}  // namespace
}  // namespace lansync::web

int main(int argc, char** argv) {
  using namespace lansync;
  os::log::set_program("sntpd-web");
  // sntpd set this before the exec too; whoever starts it, it gains no privilege.
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  // The first process the OOM killer takes in sntpd.service (MemoryMax=).  sntpd's write before
  // the exec fails when sntpd runs as its --user; here /proc/self is this process's own.
  (void)os::volunteer_for_oom_kill();
  web::ServerConfig config;
  std::vector<std::string> allow;
  bool verbose = false;
  CLI::App app{"sntpd's HTTP interface, started by sntpd --http (not meant to be run by hand).", "sntpd-web"};
  app.set_version_flag("-V,--version", LANSYNC_VERSION);
  app.add_option("--listen-fd", config.listen_fd, "the listening socket, bound by sntpd")->required();
  app.add_option("--channel-fd", config.channel_fd, "the SOCK_SEQPACKET channel to sntpd")->required();
  app.add_option("--set-allow", allow, "clients in this CIDR may set the clock (repeatable)");
  app.add_option("--set-interface", config.set_interfaces, "clients on this interface may set the clock");
  app.add_option("--manual-interface", config.manual_interfaces,
                 "clients on this interface may set the clock by the page's button only");
  app.add_flag("-v,--verbose", verbose, "log debug lines");
  if (auto code = cli::parse_command_line(app, argc, argv)) return *code;
  os::log::set_verbose(verbose);
  for (const std::string& text : allow) {
    auto cidr = os::parse_cidr(text);
    if (!cidr) return cli::usage_error("sntpd-web", "--set-allow: " + cidr.error().message);
    config.set_allow.push_back(*cidr);
  }
  int channel_fd = config.channel_fd;
  web::Server server(std::move(config));
  return web::serve(server, channel_fd);
}
