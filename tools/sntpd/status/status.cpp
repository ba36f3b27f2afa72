// sntpd status client; see status.hpp.
#include "status/status.hpp"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "core/control_request.hpp"
#include "os/ipc_control.hpp"

namespace lansync::sntpd {

int print_status(const std::string& control_path, bool json, bool clients) {
  using core::ControlRequest;
  ControlRequest request = json ? (clients ? ControlRequest::Clients : ControlRequest::Status)
                                : (clients ? ControlRequest::ClientsText : ControlRequest::StatusText);
  auto answer = os::control_request(control_path, core::control_request_line(request));
  if (!answer) {
    fmt::print(stderr, "sntpd: error: {} (is sntpd running? see --control)\n", answer.error().message);
    return 1;
  }
  if (json) {
    const char* key = clients ? "clients" : "reference";
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(*answer, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains(key)) {
      fmt::print(stderr, "sntpd: error: {} did not answer with a status report\n", control_path);
      return 1;
    }
    fmt::print("{}\n", j.dump());
    return 0;
  }
  // The daemon rendered the text (status_text.hpp); a JSON line here is its refusal.
  if (answer->empty() || answer->front() == '{') {
    fmt::print(stderr, "sntpd: error: {} did not answer with a status report\n", control_path);
    return 1;
  }
  fmt::print("{}", *answer);
  return 0;
}

}  // namespace lansync::sntpd
