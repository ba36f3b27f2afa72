// Fuzz target for the local control protocol; see targets.hpp.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/control_request.hpp"
#include "status/control_service.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"control"};

// sntpd's answers, from a fixed snapshot and client list; no socket (fd -1).
const sntpd::ControlService& service() {
  static const sntpd::ControlService s(os::ControlServer{}, [] {
    sntpd::ControlSources sources;
    sources.status = [] {
      sntpd::StatusSnapshot snapshot;
      snapshot.version = "fuzz";
      return snapshot;
    };
    sources.clients = [] {
      return std::vector<sntpd::ClientEntry>{{"192.168.4.20", 12, false, 1'795'000'000'000'000'000, 5},
                                             {"fe80::1", 3, true, 1'794'999'990'000'000'000, 10}};
    };
    return sources;
  }());
  return s;
}

// Checks one finished request line against the bytes its connection sent, and answers it.
void check_line(const std::string& line, std::string_view sent) {
  size_t nl = sent.find('\n');
  require(nl != std::string_view::npos && sent.substr(0, nl) == line,
          "a line that is not what the connection sent before its first newline");
  require(line.size() <= core::kMaxControlRequest, "a line longer than the bound");
  std::string answer = service().answer(line);
  require(!answer.empty() && answer.back() == '\n', "an answer that does not end its last line");
  core::ControlRequest request = core::parse_control_request(line);
  if (request == core::ControlRequest::StatusText || request == core::ControlRequest::ClientsText) {
    // Text answers are what `sntpd status` prints: lines, no JSON, no NUL.
    require(answer.find('\0') == std::string::npos, "a text answer with a NUL byte");
    return;
  }
  require(answer.find('\n') == answer.size() - 1, "a JSON answer that is not one line");
  auto json = nlohmann::json::parse(answer, nullptr, /*allow_exceptions=*/false);
  require(!json.is_discarded(), "an answer that is not JSON");
  bool unknown = request == core::ControlRequest::Unknown;
  require(unknown == json.contains("error"), "an error for a known request, or none for an unknown one");
}

}  // namespace

int control(const uint8_t* data, size_t size) {
  // The first byte is how many bytes each read hands over (1 to 256), as recv
  // splits what a client sends; the rest is what connections send, one after
  // the other: a connection ends at its request line or when it is too long.
  size_t piece = size > 0 ? data[0] + 1u : 1;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!input.empty()) input.remove_prefix(1);
  std::string pending;
  std::string_view sent;  // what the current connection sent so far
  size_t start = 0;
  for (size_t at = 0; at < input.size(); at += piece) {
    std::string_view chunk = input.substr(at, piece);
    sent = input.substr(start, at + chunk.size() - start);
    core::ControlLine state = core::take_control_bytes(pending, chunk);
    require(pending.size() <= core::kMaxControlRequest + 1, "more kept than the bound");
    if (state == core::ControlLine::Partial) {
      require(pending.find('\n') == std::string::npos && pending == sent,
              "a partial line that is not what was sent");
      continue;
    }
    if (state == core::ControlLine::Complete) check_line(pending, sent);
    if (state == core::ControlLine::TooLong) {
      require(sent.substr(0, core::kMaxControlRequest + 1).find('\n') == std::string_view::npos,
              "a line within the bound refused as too long");
    }
    pending.clear();
    start = at + chunk.size();
  }
  return 0;
}

}  // namespace lansync::fuzz
