// The bounds by which the web process (sntpd-web) refuses a request itself, as sntpd counts them.
//
// Apart from os/ipc_web.hpp, so that the status report can size its counters without the channel.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lansync::os::web {

// Requests the web process refused by itself, for its bounds (not phone refusals).
enum class Limit : uint8_t {
  LengthRequired,  // a body with Transfer-Encoding or without Content-Length: 411
  TooLarge,        // a body over the limit: 413
  Deadline,        // a connection closed at its deadline for a whole request
  NoAnswer,        // sntpd did not answer in time: 503
  kCount,
};
inline constexpr size_t kLimitCount = static_cast<size_t>(Limit::kCount);
// The stable name of a limit, for logs and metrics: "length_required", "too_large", "deadline", "no_answer".
const char* code(Limit l);

}  // namespace lansync::os::web
