// The drift file: the clock's frequency correction, kept across restarts.
//
// While sntpd follows upstream servers, the kernel PLL learns how fast this
// machine's crystal runs.  Saved (every hour, and at stop) and restored at
// start, it spares a restarted Pi hours of relearning, as chrony's driftfile
// does.  The file is one line, the frequency in ppm (positive: the clock is
// sped up), replaced atomically.
#pragma once

#include <optional>
#include <string>

#include "os/clock.hpp"
#include "os/error.hpp"

namespace lansync::os {

inline constexpr const char* kDefaultDriftPath = "/var/lib/lansync/drift";

// Reads path: the frequency in ppm, or nullopt when there is no file yet.
// Errors name the file and line, e.g. "/var/lib/lansync/drift:1: not a
// frequency in ppm: 'abc'"; a value beyond ±500 ppm is an error too.
OsResult<std::optional<double>> read_drift_file(const std::string& path);

// Sets clock's frequency from path.  Returns what was restored (nullopt: no
// file).  A malformed file is renamed to path + ".bad", so that the next save
// does not lose it, and the error says so.
OsResult<std::optional<double>> restore_frequency(Clock& clock, const std::string& path);

// Writes clock's current frequency (sync_status) to path, atomically.
Status save_frequency(Clock& clock, const std::string& path);
// Writes ppm to path, atomically: the frequency a discipline keeps apart from its slews.
Status save_frequency(double ppm, const std::string& path);

}  // namespace lansync::os
