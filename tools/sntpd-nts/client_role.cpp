// sntpd-nts client; see client_role.hpp.
#include "client_role.hpp"

#include <poll.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/command_line.hpp"
#include "os/ipc_nts_client.hpp"
#include "os/ipc_seqpacket.hpp"
#include "os/log.hpp"
#include "os/net_address.hpp"
#include "os/net_nts_ke.hpp"
#include "os/proc_privileges.hpp"
#include "os/proc_signals.hpp"

namespace lansync::nts {
namespace {

// One key exchange and its whole bound (connect, handshake, response).
constexpr int64_t kExchangeTimeoutNs = 5'000'000'000;

// The NTP server the exchange named (RFC 8915 §4.1.7, §4.1.8), resolved: its name, else the
// key-exchange server's own address; its port, else 123.
os::OsResult<os::SocketAddress> ntp_server(const std::string& ke_address, const codec::NtsKeResponse& r) {
  os::HostPort hp{r.server[0] != '\0' ? std::string(r.server) : ke_address,
                  r.port != 0 ? r.port : uint16_t{123}};
  auto addresses = os::resolve(hp);
  if (!addresses) return fail(addresses.error());
  return addresses->front();
}

// The keys, cookies and NTP server of a successful exchange.
os::Status fill(const os::nts::KeRequest& q, const os::NtsKeResult& keys, os::nts::KeAnswer& a) {
  auto server = ntp_server(q.address, *keys.response);
  if (!server) return fail(server.error());
  a.ok = true;
  a.c2s = keys.c2s_key;
  a.s2c = keys.s2c_key;
  for (size_t i = 0; i < keys.response->cookie_count; ++i) a.cookies.push_back(keys.response->cookies[i]);
  a.ntp_address = server->ip();
  a.ntp_port = server->port();
  return os::ok();
}

// Runs the exchange q asks for; what to answer.
os::nts::KeAnswer exchange(const os::nts::KeRequest& q) {
  os::nts::KeAnswer a;
  auto address = os::resolve(os::HostPort{q.address, q.port});
  os::NtsKeOptions options;
  options.server_name = q.name;
  options.ca_file = q.ca_file;
  options.timeout_ns = kExchangeTimeoutNs;
  options.check_dates = q.check_dates;
  options.verify_time_s = q.check_dates ? q.verify_time_s : 0;
  auto keys = address ? os::nts_key_exchange(address->front(), options) : fail(address.error());
  auto filled = keys ? fill(q, *keys, a) : os::Status(fail(keys.error()));
  if (!filled) {
    a = os::nts::KeAnswer();
    a.error = filled.error().message.substr(0, os::nts::kErrorCapacity);
    if (a.error.empty()) a.error = filled.error().code.message();
    a.unreachable = os::nts_unreachable(filled.error());
  }
  return a;
}

// Answers the request in the datagram buf[0, size); a malformed one is logged and dropped.
void serve_one(int channel_fd, const std::vector<uint8_t>& buf, size_t size) {
  auto m = os::nts::decode(buf.data(), size);
  if (!m || m->type != os::nts::Type::KeRequest) {
    os::log::warn("dropped a malformed request from sntpd ({})",
                  m ? "not a request" : os::nts::code(m.error()));
    return;
  }
  os::log::debug("key exchange with {} port {} (certificate name {})", m->request.address, m->request.port,
                 m->request.name);
  os::nts::Message reply;
  reply.type = os::nts::Type::KeAnswer;
  reply.id = m->id;
  reply.answer = exchange(m->request);
  if (!os::nts::send(channel_fd, reply)) os::log::warn("cannot answer sntpd over the channel");
}

// Serves requests until SIGTERM or the channel's end; the exit code.
int serve(int channel_fd) {
  auto signals = os::stop_signal_fd();
  if (!signals) {
    os::log::error("{}", signals.error().message);
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<uint8_t> buf;
  for (;;) {
    pollfd fds[2] = {{signals->get(), POLLIN, 0}, {channel_fd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;  // EINTR
    if ((fds[0].revents & POLLIN) != 0) return 0;
    if ((fds[1].revents & POLLIN) == 0 && (fds[1].revents & (POLLHUP | POLLERR)) != 0) return 0;
    if ((fds[1].revents & POLLIN) == 0) continue;
    ssize_t n = os::nts::receive(channel_fd, buf, /*wait=*/false);
    if (n == 0) return 0;  // sntpd closed the channel
    if (n > 0) serve_one(channel_fd, buf, static_cast<size_t>(n));
    if (n == os::kOversized) os::log::warn("dropped an oversized request from sntpd");
  }
}

}  // namespace

int run_client(int argc, char** argv) {
  os::start_helper("sntpd-nts");
  int channel_fd = 3;
  bool verbose = false;
  CLI::App app{"sntpd's NTS key exchanges, started by sntpd (not meant to be run by hand).",
               "sntpd-nts client"};
  app.add_option("--channel-fd", channel_fd, "the SOCK_SEQPACKET channel to sntpd");
  app.add_flag("-v,--verbose", verbose, "log debug lines");
  if (auto code = cli::parse_command_line(app, argc, argv)) return *code;
  os::log::set_verbose(verbose);
  return serve(channel_fd);
}

}  // namespace lansync::nts
