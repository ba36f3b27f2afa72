// sntpd-web: sntpd's HTTP interface (--http) in a process of its own, started and supervised by sntpd.
//
// sntpd binds the --http socket, creates the channel (os/ipc_web.hpp) and executes this
// program as its --user without capabilities, with the two descriptors and the --http-set-*
// settings on the command line (with --http-tls-cert, the certificate and key as two sealed memory
// files, read here and closed).  It serves until SIGTERM, or until sntpd closes the channel; if it
// dies, sntpd starts it again.  Not meant to be run by hand.
// Exit codes: 0 stopped, 1 could not serve, 2 usage error, 3 (os::web::kExitTlsRefused) the TLS
// library refused the certificate or key.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <optional>
#include <string>

#include "cli/command_line.hpp"
#include "http_server.hpp"
#include "os/clock.hpp"
#include "os/file.hpp"
#include "os/ipc_web.hpp"
#include "os/log.hpp"
#include "os/net_address.hpp"
#include "os/proc_privileges.hpp"
#include "os/proc_signals.hpp"

namespace lansync::web {
namespace {

constexpr int kSweepIntervalMs = 250;

// The bytes of a memory file sntpd handed over (at most kMaxTlsFileBytes), then closed; none
// when it cannot be read, is empty or is larger.
std::optional<std::string> read_handed(int fd) {
  auto text = os::read_secret_fd(fd, os::web::kMaxTlsFileBytes, "a memory file from sntpd");
  ::close(fd);
  if (!text || text->empty()) return std::nullopt;
  return std::move(*text);
}

// Serves until SIGTERM/SIGINT or the channel's hang-up; the exit code.  One thread: HTTP, the
// channel and the sweep, so that a stuck loop also misses sntpd's heartbeat and gets restarted.
int serve(Server& server, int channel_fd) {
  auto signals = os::stop_signal_fd();
  if (!signals) {
    os::log::error("{}", signals.error().message);
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);
  const int sfd = signals->get();
  if (!server.start()) return server.tls_refused() ? os::web::kExitTlsRefused : 1;
  int64_t sweep_due = 0;
  for (;;) {
    pollfd fds[3] = {{sfd, POLLIN, 0}, {channel_fd, POLLIN, 0}, {server.poll_fd(), POLLIN, 0}};
    int n = ::poll(fds, 3, server.timeout_ms(kSweepIntervalMs));
    if (n > 0 && (fds[0].revents & POLLIN) != 0) return 0;
    if (n > 0 && (fds[1].revents & (POLLHUP | POLLERR)) != 0) {
      os::log::info("sntpd closed the channel: stopping");
      return 0;
    }
    if (n > 0 && (fds[1].revents & POLLIN) != 0) server.read_channel();
    server.run();
    if (int64_t mono_now_ns = os::monotonic_ns(); mono_now_ns >= sweep_due) {
      server.sweep(mono_now_ns);
      sweep_due = mono_now_ns + int64_t{kSweepIntervalMs} * 1'000'000;
    }
  }
}

}  // namespace
}  // namespace lansync::web

int main(int argc, char** argv) {
  using namespace lansync;
  os::start_helper("sntpd-web");
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
  app.add_option("--fallback-interface", config.fallback_interfaces,
                 "clients on this interface may set the clock automatically while no other phone holds it");
  std::vector<std::string> origins;
  app.add_option("--allow-origin", origins, "pages of this origin may use the phone endpoints (CORS)");
  int cert_fd = -1;
  int key_fd = -1;
  app.add_option("--tls-cert-fd", cert_fd, "serve HTTPS only, with the PEM certificate in this memory file");
  app.add_option("--tls-key-fd", key_fd, "the PEM private key of --tls-cert-fd");
  app.add_flag("-v,--verbose", verbose, "log debug lines");
  if (auto code = cli::parse_command_line(app, argc, argv)) return *code;
  os::log::set_verbose(verbose);
  for (const std::string& text : allow) {
    auto cidr = os::parse_cidr(text);
    if (!cidr) return cli::usage_error("sntpd-web", "--set-allow: " + cidr.error().message);
    config.set_allow.push_back(*cidr);
  }
  for (const std::string& text : origins) {
    std::string problem;
    auto origin = core::parse_allowed_origin(text, problem);
    if (!origin) return cli::usage_error("sntpd-web", "--allow-origin: " + problem);
    config.allow_origins.push_back(*origin);
  }
  if ((cert_fd < 0) != (key_fd < 0)) return cli::usage_error("sntpd-web", "--tls-cert-fd needs --tls-key-fd");
  if (cert_fd >= 0) {
    auto cert = web::read_handed(cert_fd);
    auto key = web::read_handed(key_fd);
    if (!cert || !key) {
      os::log::error("cannot read the TLS certificate and key sntpd handed over");
      return os::web::kExitTlsRefused;
    }
    config.tls_cert_pem = std::move(*cert);
    config.tls_key_pem = std::move(*key);
  }
  int channel_fd = config.channel_fd;
  web::Server server(std::move(config));
  return web::serve(server, channel_fd);
}
