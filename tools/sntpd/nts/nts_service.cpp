// sntpd's NTS server; see nts_service.hpp.
#include "nts/nts_service.hpp"

#include <sys/wait.h>

#include <cerrno>

#include "os/ipc_nts.hpp"
#include "os/ipc_seqpacket.hpp"
#include "os/log.hpp"
#include "os/net_tcp.hpp"

namespace lansync::sntpd {
namespace {

constexpr int kBacklog = 128;
constexpr int kListenFd = ChildProcess::kFirstFd;
constexpr int kCertFd = kListenFd + 1;
constexpr int kKeyFd = kListenFd + 2;
constexpr int64_t kRotationCheckNs = int64_t{3600} * 1'000'000'000;
constexpr int kExitTlsRefused = 3;  // sntpd-nts's (tools/sntpd-nts/ke_server.hpp)

}  // namespace

NtsService::NtsService(NtsConfig config, core::Server& server, os::Clock& clock)
    : config_(std::move(config)),
      server_(server),
      clock_(clock),
      helper_("sntpd-nts", LANSYNC_NTS_BINARY, "nts", config_.user, config_.user_name) {}

os::OsResult<std::unique_ptr<NtsService>> NtsService::bind(NtsConfig config, core::Server& server,
                                                           os::Clock& clock) {
  auto hp = os::parse_host_port(config.listen, 4460, /*allow_port_zero=*/true);
  if (!hp) return fail(os::Error{hp.error().code, "--nts-port: " + hp.error().message});
  if (hp->host.empty()) hp->host = "0.0.0.0";
  std::unique_ptr<NtsService> s(new NtsService(std::move(config), server, clock));
  auto fd = os::listen_tcp(*hp, kBacklog);
  if (!fd) {
    return fail(os::Error{std::make_error_code(std::errc::address_not_available),
                          "--nts-port: cannot bind " + s->config_.listen + " (in use or no permission)"});
  }
  s->listen_ = std::move(*fd);
  s->address_ = os::listen_address(s->listen_.get(), hp->host);
  if (!s->helper_.found()) {
    return fail(os::Error{std::make_error_code(std::errc::no_such_file_or_directory),
                          "--nts-server: cannot find sntpd-nts (not next to sntpd, nor " LANSYNC_NTS_BINARY
                          ")"});
  }
  if (auto st = s->load_keys(); !st) return fail(st.error());
  return s;
}

os::Status NtsService::load_keys() {
  auto read = os::read_nts_keys(config_.keys_path);
  if (!read) return fail(os::Error{read.error().code, "--nts-server: " + read.error().message});
  if (*read) keys_ = **read;
  int64_t now_ns = clock_.now_ns();
  if (os::nts_key_due(keys_, now_ns)) {
    os::rotate_nts_key(keys_, now_ns);
    if (auto st = os::save_nts_keys(config_.keys_path, keys_); !st)
      return fail(os::Error{st.error().code, "--nts-server: " + st.error().message});
    os::log::info("nts: new cookie key {} in {}", keys_.keys.current()->id, config_.keys_path);
  }
  server_.set_nts_keys(keys_.keys);
  return os::ok();
}

void NtsService::attach(EventLoop& loop) {
  loop_ = &loop;
  os::log::info("nts: NTS-KE on {}, cookie key {} ({} kept)", address_, keys_.keys.current()->id,
                keys_.keys.count);
  spawn();
  loop.watch_set(
      [this] { return channel_.get() >= 0 ? std::vector<int>{channel_.get()} : std::vector<int>{}; },
      [this] { on_channel(); });
  loop.every(kRotationCheckNs, os::monotonic_ns() + kRotationCheckNs, [this] { rotate_if_due(); });
  loop.when([this] { return helper_.restart_due_mono_ns(); }, [this] { spawn(); });
}

void NtsService::rotate_if_due() {
  int64_t now_ns = clock_.now_ns();
  if (!os::nts_key_due(keys_, now_ns)) return;
  os::rotate_nts_key(keys_, now_ns);
  // A key not saved still serves: clients need a new key exchange only after a restart.
  if (auto st = os::save_nts_keys(config_.keys_path, keys_); !st)
    os::log::warn("nts: {}", st.error().message);
  server_.set_nts_keys(keys_.keys);
  if (channel_.get() >= 0) os::nts::send_cookie_key(channel_.get(), *keys_.keys.current());
  os::log::info("nts: cookie key rotated to {}", keys_.keys.current()->id);
}

void NtsService::spawn() {
  std::vector<std::string> args = {"server",
                                   "--channel-fd",
                                   std::to_string(ChildProcess::kChannelFd),
                                   "--listen-fd",
                                   std::to_string(kListenFd),
                                   "--tls-cert-fd",
                                   std::to_string(kCertFd),
                                   "--tls-key-fd",
                                   std::to_string(kKeyFd)};
  if (config_.ntp_port != 0) args.insert(args.end(), {"--ntp-port", std::to_string(config_.ntp_port)});
  if (config_.verbose) args.push_back("--verbose");
  channel_ = helper_.start(args, {listen_.get(), config_.cert.get(), config_.key.get()});
  if (channel_.get() < 0) return;
  if (!os::nts::send_cookie_key(channel_.get(), *keys_.keys.current()))
    os::log::warn("nts: cannot give sntpd-nts the cookie key");
}

void NtsService::on_channel() {
  // sntpd-nts sends nothing: whatever comes is read and dropped; the end of stream is its exit.
  std::vector<uint8_t> buf;
  for (int i = 0; i < ChildProcess::kMessagesPerRound && channel_.get() >= 0; ++i) {
    ssize_t n = os::receive_datagram(channel_.get(), buf, 64, /*wait=*/false);
    if (n == 0 || (n < 0 && n != os::kOversized && errno != EAGAIN && errno != EWOULDBLOCK))
      return child_gone();
    if (n == -1) return;
  }
}

void NtsService::child_gone() {
  channel_.reset();
  helper_.gone([this](int status) {
    if (!WIFEXITED(status) || WEXITSTATUS(status) != kExitTlsRefused) return false;
    os::log::error(
        "nts: sntpd-nts cannot serve NTS-KE with --nts-cert and --nts-key (its message is above); "
        "stopping");
    tls_refused_ = true;
    if (loop_ != nullptr) loop_->stop();
    return true;
  });
}

void NtsService::stop() {
  channel_.reset();
  helper_.stop();
}

}  // namespace lansync::sntpd
