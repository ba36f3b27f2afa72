// The control protocol's request lines; see control_request.hpp.
#include "core/control_request.hpp"

#include <algorithm>

namespace lansync::core {

ControlLine take_control_bytes(std::string& pending, std::string_view data) {
  // Keep one byte beyond the bound: it tells a line of exactly the bound from a longer one.
  size_t room = kMaxControlRequest + 1 - std::min(pending.size(), kMaxControlRequest + 1);
  pending.append(data.substr(0, room));
  size_t nl = pending.find('\n');
  if (nl != std::string::npos) {
    pending.resize(nl);
    return ControlLine::Complete;
  }
  return pending.size() > kMaxControlRequest ? ControlLine::TooLong : ControlLine::Partial;
}

ControlRequest parse_control_request(std::string_view line) {
  if (line == "status") return ControlRequest::Status;
  if (line == "clients") return ControlRequest::Clients;
  if (line == "status text") return ControlRequest::StatusText;
  if (line == "clients text") return ControlRequest::ClientsText;
  return ControlRequest::Unknown;
}

}  // namespace lansync::core
