// sntpd's NTS server options (--nts-server, --nts-cert, --nts-key, --nts-port) and the wiring they
// ask for: the certificate read as root, the NTS-KE socket bound, the helper's user chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/server.hpp"
#include "options.hpp"
#include "os/clock.hpp"
#include "os/net_address.hpp"
#include "os/proc_privileges.hpp"

namespace lansync::sntpd {

class Daemon;

// Declares the NTS server's options.
void define_nts_options(CLI::App& app, Options& opt);

// The user sntpd-nts runs as when sntpd starts as root: _lansync-nts, else sntpd's own (none when
// not root: it runs as sntpd does).
std::optional<os::UserIds> nts_user(const std::string& sntpd_user, std::string* name);

// With --nts-server: reads the certificate and key (--nts-cert/--nts-key, by default the
// --http-tls-* pair), binds --nts-port, loads the cookie keys into server and gives the daemon the
// NTS service.  An exit code (logged) when it cannot; none when it is done or not asked for.
// listen: the NTP addresses served (a port other than 123 is told to clients).
std::optional<int> attach_nts(const Options& opt, Daemon& daemon, core::Server& server, os::Clock& clock,
                              const std::string& sntpd_user, const std::vector<os::SocketAddress>& listen);

}  // namespace lansync::sntpd
