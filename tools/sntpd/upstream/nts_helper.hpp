// sntpd-nts client, supervised: the key exchanges of the NTS upstream servers, run outside sntpd.
//
// sntpd links no TLS library: each NTS-KE (RFC 8915 §4) runs in `sntpd-nts client`
// (tools/sntpd-nts), started through ChildProcess when the first NTS server asks for an exchange,
// as a user of its own (_lansync-nts, else sntpd's) without capabilities, and started again with
// its backoff when it exits.  Requests go over the channel (os/ipc_nts_client.hpp) as they come;
// the helper runs them one at a time and answers each with its id.  Those it had not answered
// when it exited are answered here with an error, so that no server waits for ever; a helper that
// leaves a request unanswered for kHungNs (each exchange is bounded far below) is killed and
// started again the same way.  Everything
// runs in the event loop's thread and never blocks on the helper.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "child_process.hpp"
#include "os/fd.hpp"
#include "os/ipc_nts_client.hpp"
#include "os/proc_privileges.hpp"

namespace lansync::sntpd {

// How sntpd's NTS servers are checked and whom their helper runs as (sntpd's options).
struct NtsClientConfig {
  std::string ca_file;              // --nts-ca: "" for the system's CAs
  std::optional<os::UserIds> user;  // the helper's user (none: sntpd's own)
  std::string user_name = "sntpd's user";
  bool verbose = false;
};

class NtsHelper {
 public:
  // How long the helper may leave the oldest request sent unanswered.
  static constexpr int64_t kHungNs = 60'000'000'000;

  explicit NtsHelper(const NtsClientConfig& config);
  NtsHelper(const NtsHelper&) = delete;
  NtsHelper& operator=(const NtsHelper&) = delete;

  // Asks for the key exchange q; its id, which the answer carries (take()).
  uint32_t ask(os::nts::KeRequest q);
  // The answers that came since the last call, as (id, answer).
  std::vector<std::pair<uint32_t, os::nts::KeAnswer>> take();
  // The channel's descriptor, or -1 while the helper is down.
  int fd() const { return channel_.get(); }
  // When the helper is due to start again, or to be found hung (monotonic ns), or INT64_MAX.
  int64_t next_due_ns() const;
  // Starts the helper if it is due, kills one found hung, and sends what waits.
  void tick(int64_t now_mono_ns);
  // Messages from the helper dropped as malformed.
  uint64_t dropped() const { return dropped_; }

 private:
  void start();
  void gone();
  void send_waiting();

  NtsClientConfig config_;
  ChildProcess helper_;
  os::Fd channel_;
  uint32_t next_id_ = 1;
  std::vector<os::nts::Message> queue_;     // asked, not yet answered (sent or waiting to be)
  size_t sent_ = 0;                         // of queue_, the first sent_ are with the helper
  int64_t answer_due_mono_ns_ = INT64_MAX;  // the oldest request sent is late after this
  std::vector<std::pair<uint32_t, os::nts::KeAnswer>> answers_;
  std::vector<uint8_t> buf_;
  uint64_t dropped_ = 0;
};

}  // namespace lansync::sntpd
