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

const char* control_request_line(ControlRequest r) {
  switch (r) {
    case ControlRequest::Status: return "status";
    case ControlRequest::Clients: return "clients";
    case ControlRequest::StatusText: return "status text";
    case ControlRequest::ClientsText: return "clients text";
    case ControlRequest::Unknown: break;
  }
  return "";
}

ControlRequest parse_control_request(std::string_view line) {
  for (ControlRequest r : {ControlRequest::Status, ControlRequest::Clients, ControlRequest::StatusText,
                           ControlRequest::ClientsText}) {
    if (line == control_request_line(r)) return r;
  }
  return ControlRequest::Unknown;
}

}  // namespace lansync::core
