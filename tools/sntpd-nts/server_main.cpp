// sntpd-nts server: the command line of the NTS-KE server, which sntpd starts (not meant to be run
// by hand).
//
// sntpd binds the NTS-KE socket (--nts-port, 4460), reads the certificate and key as root and hands
// both over as sealed memory files, creates the channel, and executes `sntpd-nts server` as a user
// of its own without capabilities, with descriptors 3 (channel), 4 (listening socket), 5 and 6
// (certificate, key).  It serves until SIGTERM or until sntpd closes the channel; if it dies, sntpd
// starts it again.  Exit codes: 0 stopped, 1 could not serve, 2 usage error, 3 GnuTLS refused the
// certificate or key (sntpd then stops: a configuration error).
#include "server_main.hpp"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cli/command_line.hpp"
#include "ke_server.hpp"
#include "os/file.hpp"
#include "os/ipc_web.hpp"
#include "os/log.hpp"
#include "os/proc_signals.hpp"

namespace lansync::nts {
namespace {

// The bytes of a memory file sntpd handed over, then closed; none when unreadable or empty.
std::optional<std::string> read_handed(int fd) {
  auto text = os::read_secret_fd(fd, os::web::kMaxTlsFileBytes, "a memory file from sntpd");
  ::close(fd);
  if (!text || text->empty()) return std::nullopt;
  return std::move(*text);
}

int serve(KeServerConfig config) {
  auto signals = os::stop_signal_fd();
  if (!signals) {
    os::log::error("{}", signals.error().message);
    return kExitFailed;
  }
  ::signal(SIGPIPE, SIG_IGN);
  auto server = KeServer::create(std::move(config));
  if (!server) {
    os::log::error("{}", server.error().message);
    return kExitTlsRefused;
  }
  int code = (*server)->run(signals->get());
  const KeCounters& k = (*server)->counters();
  os::log::info("NTS-KE: {} connections, {} answered, {} refused, {} failed, {} timed out", k.accepted,
                k.answered, k.refused, k.failed, k.timed_out);
  return code;
}

}  // namespace

int server_main(int argc, char** argv) {
  KeServerConfig config;
  int cert_fd = -1;
  int key_fd = -1;
  bool verbose = false;
  CLI::App app{"sntpd's NTS-KE server, started by sntpd --nts-server (not meant to be run by hand).",
               "sntpd-nts server"};
  app.add_option("--channel-fd", config.channel_fd, "the SOCK_SEQPACKET channel to sntpd")->required();
  app.add_option("--listen-fd", config.listen_fd, "the listening TCP socket, bound by sntpd")->required();
  app.add_option("--tls-cert-fd", cert_fd, "the PEM certificate, in a memory file")->required();
  app.add_option("--tls-key-fd", key_fd, "the PEM private key, in a memory file")->required();
  app.add_option("--ntp-server", config.ntp_server, "the NTP server name to send clients (default: none)");
  app.add_option("--ntp-port", config.ntp_port, "the NTP port to send clients (default: none, 123)");
  app.add_option("--max-connections", config.max_connections, "key exchanges at once (default 100)")
      ->check(CLI::Range(1, 10000));
  app.add_flag("-v,--verbose", verbose, "log debug lines");
  if (auto code = cli::parse_command_line(app, argc, argv)) return *code;
  os::log::set_verbose(verbose);
  auto cert = read_handed(cert_fd);
  auto key = read_handed(key_fd);
  if (!cert || !key) {
    os::log::error("cannot read the TLS certificate and key sntpd handed over");
    return kExitTlsRefused;
  }
  config.cert_pem = std::move(*cert);
  config.key_pem = std::move(*key);
  return serve(std::move(config));
}

}  // namespace lansync::nts
