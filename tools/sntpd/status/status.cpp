// sntpd status client; see status.hpp.
#include "status/status.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/control_request.hpp"
#include "os/clock.hpp"
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

int wait_synchronized(const std::string& control_path, int wait_s, bool json) {
  const std::string request = core::control_request_line(core::ControlRequest::Status);
  std::string why = "no answer yet";
  os::SystemClock clock;
  const int64_t deadline_ns = os::monotonic_ns() + int64_t{wait_s} * 1'000'000'000;
  for (int i = 0; i <= wait_s; ++i) {
    auto answer = os::control_request(control_path, request);
    if (answer) {
      auto j = nlohmann::json::parse(*answer, nullptr, /*allow_exceptions=*/false);
      const nlohmann::json* ref = j.is_object() && j.contains("reference") ? &j["reference"] : nullptr;
      auto field = [ref](const char* key) {
        return ref != nullptr && ref->is_object() && ref->contains(key) ? (*ref)[key] : nlohmann::json();
      };
      // The local clock at --local-stratum is served as synchronized, but it is no reference: as
      // chronyc waitsync ignores chronyd's local reference, it is not waited for.
      bool local = field("source") == "local";
      if (field("synchronized") == true && !local) return print_status(control_path, json);
      why = local            ? "it serves only its local clock (--local-stratum), no reference"
            : ref != nullptr ? "it serves no synchronized time yet"
                             : control_path + " did not answer with a status report";
    } else {
      why = answer.error().message + " (is sntpd running? see --control)";
    }
    int64_t left_ns = deadline_ns - os::monotonic_ns();
    if (left_ns <= 0) break;
    clock.sleep_ns(std::min<int64_t>(left_ns, 1'000'000'000));
  }
  fmt::print(stderr, "sntpd: error: not synchronized after {} s: {}\n", wait_s, why);
  return kNotSynchronized;
}

}  // namespace lansync::sntpd
