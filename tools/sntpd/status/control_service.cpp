// sntpd's control socket; see control_service.hpp.
#include "status/control_service.hpp"

#include <nlohmann/json.hpp>

#include "core/control_request.hpp"
#include "os/clock.hpp"
#include "status/status_json.hpp"
#include "status/status_text.hpp"

namespace lansync::sntpd {

ControlService::ControlService(os::ControlServer server, ControlSources sources)
    : server_(std::move(server)), sources_(std::move(sources)) {}

void ControlService::attach(EventLoop& loop) {
  if (server_.fd() < 0) return;
  // The socket and each connection still sending its line; and the deadline
  // of the oldest, so that a client that trickles is closed on time.
  auto serve = [this] {
    server_.serve([this](const std::string& r) { return answer(r); }, os::monotonic_ns());
  };
  loop.watch_set([this] { return server_.fds(); }, serve);
  loop.when([this] { return server_.next_deadline_mono_ns(); }, serve);
}

std::string ControlService::answer(const std::string& request) const {
  switch (core::parse_control_request(request)) {
    case core::ControlRequest::Status: return status_json(sources_.status()).dump() + "\n";
    case core::ControlRequest::Clients: return clients_json(sources_.clients()).dump() + "\n";
    case core::ControlRequest::StatusText: return status_text(sources_.status());
    case core::ControlRequest::ClientsText: return clients_text(sources_.clients());
    case core::ControlRequest::Unknown: break;
  }
  return "{\"error\":\"unknown request\"}\n";
}

}  // namespace lansync::sntpd
