// sntpd's control socket (--control): answers `sntpd status` with the status snapshot, rendered here.
//
// One request line per connection (os::ControlServer, which never blocks the
// loop: connections are read as they send, each closed at its deadline): "status" gets the
// report as one JSON line (status_json.hpp), "clients" the client list so; "status text" and
// "clients text" the same as `sntpd status` prints them (status_text.hpp), so that the client
// prints what the daemon rendered and parses nothing back; anything else
// {"error":"unknown request"}.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "event_loop.hpp"
#include "os/ipc_control.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

// Where the answers come from (the daemon).
struct ControlSources {
  std::function<StatusSnapshot()> status;             // the report, built when asked
  std::function<std::vector<ClientEntry>()> clients;  // the client list, most recent first
};

class ControlService {
 public:
  // Answers on server (listening, or closed: fd -1) from sources.
  ControlService(os::ControlServer server, ControlSources sources);

  // Answers each connection as its line comes in; nothing when the socket could not be opened.
  void attach(EventLoop& loop);
  // The answer to one request line, ending in a newline.
  std::string answer(const std::string& request) const;

 private:
  os::ControlServer server_;
  ControlSources sources_;
};

}  // namespace lansync::sntpd
