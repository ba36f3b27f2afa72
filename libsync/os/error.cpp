// os layer errors; see error.hpp.
#include "os/error.hpp"

#include <cerrno>

namespace lansync::os {

Failure<Error> errno_error(const std::string& what) {
  std::error_code code(errno, std::generic_category());
  return fail(Error{code, what + ": " + code.message()});
}

Failure<Error> code_error(std::errc code, const std::string& what) {
  std::error_code ec = std::make_error_code(code);
  return fail(Error{ec, what + ": " + ec.message()});
}

Failure<Error> invalid(const std::string& message) {
  return fail(Error{std::make_error_code(std::errc::invalid_argument), message});
}

std::string shown(std::string_view text, size_t max) {
  std::string out(text.substr(0, max));
  for (char& c : out) {
    if (control_char(c)) c = '?';
  }
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace lansync::os
