// stderr logging; see log.hpp.
#include "os/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "os/clock.hpp"
#include "proto/units.hpp"

namespace lansync::os::log {
namespace {

std::string g_program = "lansync";
bool g_named_in_journal = false;
bool g_verbose = false;

// systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connected;
// it counts only while stderr is still that stream (not redirected by a shell).
bool stderr_is_journal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  uintmax_t dev = 0;
  uintmax_t ino = 0;
  if (env == nullptr || std::sscanf(env, "%" SCNuMAX ":%" SCNuMAX, &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<uintmax_t>(st.st_dev) == dev && static_cast<uintmax_t>(st.st_ino) == ino;
}

const char* word(Level level) {
  switch (level) {
    case Level::Error: return "error: ";
    case Level::Warning: return "warning: ";
    case Level::Debug: return "debug: ";
    case Level::Info: break;
  }
  return "";
}

}  // namespace

bool once_a_minute(int64_t& last_mono_ns) {
  int64_t mono_now_ns = monotonic_ns();
  if (last_mono_ns != 0 && mono_now_ns - last_mono_ns < proto::kNsPerMinute) return false;
  last_mono_ns = mono_now_ns;
  return true;
}

void set_program(std::string_view name, bool named_in_journal) {
  g_program = name;
  g_named_in_journal = named_in_journal;
}
void set_verbose(bool on) { g_verbose = on; }
bool verbose() { return g_verbose; }

bool to_journal() {
  static const bool journal = stderr_is_journal();
  return journal;
}

void write(Level level, std::string_view message) {
  std::string line;
  line.reserve(g_program.size() + message.size() + 16);
  if (to_journal()) {
    line.append("<").append(std::to_string(static_cast<int>(level))).append(">");
    if (g_named_in_journal) line.append(g_program).append(": ");
  } else {
    line.append(g_program).append(": ");
  }
  line.append(word(level)).append(message).append("\n");
  // One write(2), so that lines from several processes do not interleave.
  ssize_t rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void)rc;  // nowhere left to report a failing stderr
}

}  // namespace lansync::os::log
