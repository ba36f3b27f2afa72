// sntpd-mqtt: sntpd's MQTT publisher (--mqtt) in a process of its own, started and supervised by sntpd.
//
// sntpd creates the channel (os/ipc_mqtt.hpp) and executes this program as the web process's
// user without capabilities, with the broker's address and topics on the command line and, when
// given, the credentials (--mqtt-credentials, "USERNAME\nPASSWORD") and the CA file (--mqtt-ca)
// as sealed memory files read as root by sntpd.  It publishes what sntpd sends (publisher.hpp)
// until SIGTERM, or until sntpd closes the channel; if it dies, sntpd starts it again.  Not meant
// to be run by hand.  Exit codes: 0 stopped, 1 could not run, 2 usage error.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "cli/command_line.hpp"
#include "os/file.hpp"
#include "os/ipc_mqtt.hpp"
#include "os/log.hpp"
#include "os/proc_privileges.hpp"
#include "os/proc_signals.hpp"
#include "publisher.hpp"

namespace {

constexpr size_t kMaxCredentialsBytes = 1024;

// "USERNAME\nPASSWORD" from the memory file sntpd handed over, then closed.
bool read_credentials(int fd, lansync::mqtt::PublisherConfig& config) {
  auto text = lansync::os::read_secret_fd(fd, kMaxCredentialsBytes, "the MQTT credentials from sntpd");
  ::close(fd);
  if (!text) return false;
  size_t nl = text->find('\n');
  if (nl == std::string::npos || nl == 0) return false;
  config.username = text->substr(0, nl);
  config.password = text->substr(nl + 1);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lansync;
  os::start_helper("sntpd-mqtt");
  mqtt::PublisherConfig config;
  int channel_fd = -1;
  int credentials_fd = -1;
  int ca_fd = -1;
  bool verbose = false;
  CLI::App app{"sntpd's MQTT publisher, started by sntpd --mqtt (not meant to be run by hand).",
               "sntpd-mqtt"};
  app.set_version_flag("-V,--version", LANSYNC_VERSION);
  app.add_option("--channel-fd", channel_fd, "the SOCK_SEQPACKET channel to sntpd")->required();
  app.add_option("--host", config.host, "the broker's host name or address")->required();
  app.add_option("--port", config.port, "the broker's port")->check(CLI::Range(1, 65535))->required();
  app.add_option("--client-id", config.client_id, "the MQTT client id")->required();
  app.add_option("--availability-topic", config.availability_topic, "where online and offline are said")
      ->required();
  app.add_option("--credentials-fd", credentials_fd, "the username and password, in this memory file");
  app.add_flag("--tls", config.tls, "connect with TLS (mqtts)");
  app.add_option("--ca-fd", ca_fd, "with --tls: trust the CAs in this memory file (PEM), not the system's");
  app.add_flag("-v,--verbose", verbose, "log debug lines");
  if (auto code = cli::parse_command_line(app, argc, argv)) return *code;
  os::log::set_verbose(verbose);
  if (!os::mqtt::valid_topic(config.availability_topic)) {
    return cli::usage_error("sntpd-mqtt", "--availability-topic: not a topic one can publish to");
  }
  if (credentials_fd >= 0 && !read_credentials(credentials_fd, config)) {
    os::log::error("cannot read the MQTT credentials sntpd handed over");
    return 1;
  }
  // The CA file stays open: libmosquitto reads it by path, at each connection.
  if (ca_fd >= 0) config.ca_file = "/proc/self/fd/" + std::to_string(ca_fd);
  auto signals = os::stop_signal_fd();
  if (!signals) {
    os::log::error("{}", signals.error().message);
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);
  mqtt::Publisher publisher(config);
  if (!publisher.ok()) return 1;
  return publisher.run(channel_fd, signals->get());
}
