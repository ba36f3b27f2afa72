// stderr logging; see log.hpp.
#include "os/log.hpp"

#include <unistd.h>

#include <string>

namespace lansync::os::log {
namespace {

std::string g_program = "lansync";
bool g_verbose = false;

}  // namespace

void set_program(std::string_view name) { g_program = name; }
void set_verbose(bool on) { g_verbose = on; }
bool verbose() { return g_verbose; }

void write(std::string_view level, std::string_view message) {
  std::string line;
  line.reserve(g_program.size() + level.size() + message.size() + 3);
  line.append(g_program).append(": ").append(level).append(message).append("\n");
  // One write(2), so that lines from several processes do not interleave.
  ssize_t rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void)rc;  // nowhere left to report a failing stderr
}

}  // namespace lansync::os::log
