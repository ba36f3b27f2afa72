// This boot's id and clock; see clock_boot.hpp.
#include "os/clock_boot.hpp"

#include <ctime>

#include "os/clock.hpp"
#include "os/file.hpp"

namespace lansync::os {

int64_t boottime_ns() { return read_clock_or_exit(CLOCK_BOOTTIME); }

OsResult<core::BootStamp> read_boot_stamp(const std::string& boot_id_path) {
  auto text = read_small_file(boot_id_path, 256);
  if (!text) return fail(text.error());
  std::string id = *text;
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  if (!core::valid_boot_id(id)) return invalid(boot_id_path + ": not a boot id (a UUID of 36 characters)");
  return core::BootStamp{id, boottime_ns()};
}

}  // namespace lansync::os
