// The local control protocol without its socket: how the bytes a connection
// sends make one request line, and which request that line names.
//
// os::ControlServer (os/ipc_control.hpp) reads each connection's bytes as they
// come and feeds them here; sntpd's ControlService answers the request.  Pure,
// so that a fuzz target (tests/fuzz/control.cpp) and the unit tests drive it
// with any bytes in any split.  The bound holds whatever is sent: at most
// kMaxControlRequest + 1 bytes are ever kept for one connection.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lansync::core {

// Bytes of a request line, its newline excluded; a longer one gets no answer.
inline constexpr size_t kMaxControlRequest = 1024;

// What a connection's bytes so far amount to.
enum class ControlLine {
  Partial,   // no newline yet, within the bound: wait for more
  Complete,  // a whole request line
  TooLong,   // more than kMaxControlRequest bytes before a newline: close without an answer
};

// Adds data (what the connection sent next) to pending (what it sent before,
// never more than kMaxControlRequest + 1 bytes).  Complete: pending is now the
// request line, without its newline and whatever followed it.
ControlLine take_control_bytes(std::string& pending, std::string_view data);

// The requests the daemon answers.
enum class ControlRequest {
  Status,       // "status": the status report, as JSON
  Clients,      // "clients": the client list, as JSON
  StatusText,   // "status text": the status report as `sntpd status` prints it
  ClientsText,  // "clients text": the client list as `sntpd status --clients` prints it
  Unknown,      // anything else
};

// The line that asks for r ("status", "clients", "status text", "clients text"; "" for Unknown),
// without its newline: what `sntpd status` sends.
const char* control_request_line(ControlRequest r);
// The request a line names: exactly one of those lines, nothing around it.
ControlRequest parse_control_request(std::string_view line);

}  // namespace lansync::core
