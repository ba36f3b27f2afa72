// Errors of the os layer: a std::error_code and a one-line message for the user.
//
// Every os call that can fail returns OsResult<T> (or Status), carrying the
// system's error code and a message that already names what failed, e.g.
// "cannot open /var/lib/lansync/sync-state.json: Permission denied".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include "codec/result.hpp"

namespace lansync::os {

struct Error {
  std::error_code code;
  std::string message;  // one line, no trailing period
};

template <class T>
using OsResult = Result<T, Error>;
using Status = Result<Unit, Error>;

// The Status of success.
inline Status ok() { return Unit{}; }

// An error from errno (read at the call): "<what>: <strerror>".
Failure<Error> errno_error(const std::string& what);

// An error with a given code: "<what>: <code's message>".
Failure<Error> code_error(std::errc code, const std::string& what);

// An error of bad input (EINVAL) whose message is exactly `message`.
Failure<Error> invalid(const std::string& message);

// A control character (below 0x20, or DEL): what one line of text for a log,
// a terminal or a header must not hold.
constexpr bool control_char(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// Outside text (a camera's reply, a file's line, a URL given) as an error
// message quotes it: control characters and DEL become '?', so that the
// message stays one line and sends the terminal or the journal nothing but
// text; over max bytes it is cut and ends in "...".
inline constexpr size_t kShownMaxBytes = 120;
std::string shown(std::string_view text, size_t max = kShownMaxBytes);

}  // namespace lansync::os
