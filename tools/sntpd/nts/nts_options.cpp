// sntpd's NTS server options; see nts_options.hpp.
#include "nts/nts_options.hpp"

#include <unistd.h>

#include "cli/command_line.hpp"
#include "daemon.hpp"
#include "nts/nts_service.hpp"
#include "os/file_nts_keys.hpp"
#include "os/log.hpp"
#include "web/tls_files.hpp"

namespace lansync::sntpd {
namespace {

constexpr int kExitFailure = 1;
constexpr const char* kNtsUser = "_lansync-nts";

// The certificate and key, read now (as root) into sealed memory files.
std::optional<int> load_nts_tls(const std::string& cert_path, const std::string& key_path, NtsConfig& nc) {
  auto tls = seal_tls_files(cert_path, key_path, "--nts-cert", "--nts-key", "nts");
  if (!tls) {
    os::log::error("{}", tls.error().message);
    return tls.error().code == std::errc::io_error ? kExitFailure : cli::kExitUsage;
  }
  nc.cert = std::move(tls->cert);
  nc.key = std::move(tls->key);
  return std::nullopt;
}

// Why the options cannot be used ("" when they can); *cert and *key: the files to read.
std::string nts_problem(const Options& opt, std::string* cert, std::string* key) {
  *cert = opt.nts_cert.empty() ? opt.http_tls_cert : opt.nts_cert;
  *key = opt.nts_key.empty() ? opt.http_tls_key : opt.nts_key;
  if (!opt.nts_server) {
    return opt.nts_cert.empty() && opt.nts_key.empty() ? "" : "--nts-cert and --nts-key need --nts-server";
  }
  if (opt.nts_cert.empty() != opt.nts_key.empty()) return "--nts-cert and --nts-key go together";
  if (cert->empty())
    return "--nts-server needs --nts-cert and --nts-key (or --http-tls-cert and --http-tls-key)";
  return "";
}

}  // namespace

void define_nts_options(CLI::App& app, Options& opt) {
  app.add_flag(
      "--nts-server", opt.nts_server,
      "serve NTS (RFC 8915) to clients: NTS-KE over TLS 1.3 on --nts-port, NTS-authenticated replies");
  app.add_option("--nts-cert", opt.nts_cert,
                 "the NTS-KE server's PEM certificate (read at start; default: --http-tls-cert)")
      ->type_name("FILE");
  app.add_option("--nts-key", opt.nts_key,
                 "its PEM private key (read at start, as root; default: --http-tls-key)")
      ->type_name("FILE");
  app.add_option("--nts-port", opt.nts_port, "the NTS-KE server's TCP port")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
}

std::optional<os::UserIds> nts_user(const std::string& sntpd_user, std::string* name) {
  *name = sntpd_user;
  if (::geteuid() != 0) return std::nullopt;
  auto own = os::user_ids(kNtsUser);
  if (own) *name = kNtsUser;
  return own;
}

std::optional<int> attach_nts(const Options& opt, Daemon& daemon, core::Server& server, os::Clock& clock,
                              const std::string& sntpd_user, const std::vector<os::SocketAddress>& listen) {
  std::string cert, key;
  if (std::string problem = nts_problem(opt, &cert, &key); !problem.empty()) {
    os::log::error("{}", problem);
    return cli::kExitUsage;
  }
  if (!opt.nts_server) return std::nullopt;
  NtsConfig nc;
  if (auto stop = load_nts_tls(cert, key, nc)) return stop;
  nc.listen = "0.0.0.0:" + std::to_string(opt.nts_port);
  nc.keys_path = os::nts_keys_path(opt.state);
  if (!listen.empty() && listen.front().port() != 123) nc.ntp_port = listen.front().port();
  nc.user = nts_user(sntpd_user, &nc.user_name);
  if (!nc.user && ::geteuid() == 0)
    os::log::info("nts: no user {}: sntpd-nts runs as {}", kNtsUser, sntpd_user);
  nc.verbose = opt.verbose;
  auto nts = NtsService::bind(std::move(nc), server, clock);
  if (!nts) {
    os::log::error("{}", nts.error().message);
    return nts.error().code == std::errc::invalid_argument ? cli::kExitUsage : kExitFailure;
  }
  daemon.set_nts(std::move(*nts));
  return std::nullopt;
}

}  // namespace lansync::sntpd
