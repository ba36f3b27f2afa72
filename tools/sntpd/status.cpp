// sntpd status client; see status.hpp.
#include "status.hpp"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "os/control.hpp"
#include "status_json.hpp"
#include "status_text.hpp"

namespace lansync::sntpd {

int print_status(const std::string& control_path, bool json, bool clients) {
  const char* request = clients ? "clients" : "status";
  const char* key = clients ? "clients" : "reference";
  auto answer = os::control_request(control_path, request);
  if (!answer) {
    fmt::print(stderr, "sntpd: error: {} (is sntpd running? see --control)\n", answer.error().message);
    return 1;
  }
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(*answer, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains(key)) {
    fmt::print(stderr, "sntpd: error: {} did not answer with a status report\n", control_path);
    return 1;
  }
  if (json) {
    fmt::print("{}\n", j.dump());
    return 0;
  }
  std::string text;
  try {
    text = clients ? clients_text(clients_from_json(j)) : status_text(status_from_json(j));
  } catch (const nlohmann::json::exception& e) {
    fmt::print(stderr, "sntpd: error: unexpected status report: {}\n", e.what());
    return 1;
  }
  fmt::print("{}", text);
  return 0;
}

}  // namespace lansync::sntpd
