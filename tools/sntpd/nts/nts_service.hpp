// sntpd's NTS server (--nts-server): the cookie keys, and the NTS-KE helper that hands out cookies.
//
// NTP requests with NTS are answered by the workers, in-process (core::Server with
// os::NtsServerSiv): this part gives them the cookie keys.  The keys are kept in the state
// directory (os/file_nts_keys.hpp), loaded at start so that clients' cookies survive a restart, an
// upgrade or a reboot, and rotated weekly (checked hourly) with the two previous kept.  The TLS of
// NTS-KE runs in sntpd-nts (tools/sntpd-nts), as sntpd-web runs HTTP: sntpd binds the TCP socket
// (--nts-port, 4460) and reads the certificate and key as root at start (sealed memory files,
// web/tls_files.hpp), and starts `sntpd-nts server` as a user of its own, without capabilities,
// again after it exits (ChildProcess).  The current cookie key goes down the channel at each start
// and rotation.  When GnuTLS refuses the certificate or key, sntpd-nts exits with 3 and sntpd stops
// (a configuration error).  Everything runs in the event loop's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "child_process.hpp"
#include "core/server.hpp"
#include "event_loop.hpp"
#include "os/clock.hpp"
#include "os/error.hpp"
#include "os/fd.hpp"
#include "os/file_nts_keys.hpp"
#include "os/proc_privileges.hpp"

namespace lansync::sntpd {

struct NtsConfig {
  std::string listen;  // the NTS-KE socket, ADDR:PORT ("0.0.0.0:4460": every IPv4 address)
  os::Fd cert;         // the certificate and key, as sealed memory files
  os::Fd key;
  std::string keys_path;            // the cookie key file
  uint16_t ntp_port = 0;            // the NTP port clients are told to use; 0: none said (123)
  std::optional<os::UserIds> user;  // whom sntpd-nts runs as (none: sntpd's own user)
  std::string user_name;
  bool verbose = false;
};

class NtsService {
 public:
  // Binds the socket, finds sntpd-nts, loads (or makes) the cookie keys and gives them to server.
  static os::OsResult<std::unique_ptr<NtsService>> bind(NtsConfig config, core::Server& server,
                                                        os::Clock& clock);
  ~NtsService() { stop(); }
  NtsService(const NtsService&) = delete;
  NtsService& operator=(const NtsService&) = delete;

  // Starts sntpd-nts and the hourly rotation check in loop.
  void attach(EventLoop& loop);
  // Stops sntpd-nts: SIGTERM, then SIGKILL after 2 s.
  void stop();
  // Whether sntpd-nts refused the certificate and key, which stopped the loop.
  bool tls_refused() const { return tls_refused_; }
  // The address it listens on, e.g. "0.0.0.0:4460".
  const std::string& address() const { return address_; }

 private:
  NtsService(NtsConfig config, core::Server& server, os::Clock& clock);
  // Loads the key file, rotating when due; saves it when it changed.
  os::Status load_keys();
  // Rotates the key when a week old: saves it, gives it to the workers and to sntpd-nts.
  void rotate_if_due();
  void spawn();
  void on_channel();
  void child_gone();

  NtsConfig config_;
  core::Server& server_;
  os::Clock& clock_;
  std::string address_;
  os::Fd listen_;
  ChildProcess helper_;
  os::Fd channel_;
  EventLoop* loop_ = nullptr;
  os::NtsKeyFile keys_;
  bool tls_refused_ = false;
};

}  // namespace lansync::sntpd
