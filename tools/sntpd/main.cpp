// sntpd: the lansync LAN time server.
//
// Answers NTP client requests (versions 1-4) on every --listen address.  With
// no reference for its clock it answers LI=3 (unsynchronized), so that no
// client takes its time; --local-stratum N makes the local clock the reference.
// Exit codes (sntpd(8)): 0 stopped by SIGTERM/SIGINT, 1 runtime failure,
// 2 usage or configuration error.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "../common/cli.hpp"
#include "os/address.hpp"
#include "os/clock.hpp"
#include "os/log.hpp"
#include "os/udp.hpp"
#include "server.hpp"

namespace lansync::sntpd {
namespace {

enum Exit : int { kOk = 0, kFailure = 1, kUsage = tools::kExitUsage };

struct Options {
  std::vector<std::string> listen;
  int local_stratum = 0;  // 0: none
  bool verbose = false;
};

int run(const Options& opt) {
  os::SystemClock clock;
  ServerConfig config;
  if (opt.local_stratum > 0) config.local_stratum = static_cast<uint8_t>(opt.local_stratum);
  Server server(clock, config);

  std::vector<std::string> listen = opt.listen;
  if (listen.empty()) listen = {"[::]:123", "0.0.0.0:123"};
  for (const std::string& text : listen) {
    auto hp = os::parse_host_port(text, 123, /*allow_port_zero=*/true);
    if (!hp) {
      os::log::error("--listen: {}", hp.error().message);
      return kUsage;
    }
    auto addrs = os::resolve(*hp, /*passive=*/true);
    if (!addrs) {
      os::log::error("--listen: {}", addrs.error().message);
      return kUsage;
    }
    const os::SocketAddress& addr = addrs->front();
    auto sock = os::UdpSocket::open(addr.family());
    if (!sock) {
      os::log::error("{}", sock.error().message);
      return kFailure;
    }
    if (auto st = sock->bind(addr); !st) {
      os::log::error("{}", st.error().message);
      return kFailure;
    }
    auto local = sock->local_address();
    os::log::info("listening on {}", local ? local->to_string() : addr.to_string());
    server.add_socket(std::move(*sock));
  }
  if (config.local_stratum) {
    os::log::info("serving the local clock at stratum {}", *config.local_stratum);
  } else {
    os::log::warn("no reference for the clock: answering unsynchronized (LI=3); see --local-stratum");
  }

  bool ok = server.run();
  const Counters& c = server.counters();
  os::log::info("{} requests, {} replies, {} malformed, {} ignored", c.received, c.replies, c.malformed,
                c.ignored);
  return ok ? kOk : kFailure;
}

}  // namespace
}  // namespace lansync::sntpd

int main(int argc, char** argv) {
  using namespace lansync;
  os::log::set_program("sntpd");
  sntpd::Options opt;
  CLI::App app{"lansync NTP server for small offline networks.", "sntpd"};
  app.set_version_flag("-V,--version", LANSYNC_VERSION);
  app.add_option("-l,--listen", opt.listen,
                 "address to serve on, ADDR:PORT or [V6ADDR]:PORT (repeatable); "
                 "default [::]:123 and 0.0.0.0:123")
      ->type_name("ADDR:PORT")
      ->take_all();
  app.add_option("--local-stratum", opt.local_stratum,
                 "serve the local clock as a reference at this stratum (1-15)")
      ->check(CLI::Range(1, 15));
  app.add_flag("-v,--verbose", opt.verbose, "log every dropped packet");
  if (auto code = tools::parse_command_line(app, argc, argv)) return *code;
  os::log::set_verbose(opt.verbose);
  return sntpd::run(opt);
}
