// Configuration files of `key value` lines, whose keys are a tool's long option names.
//
// One setting per line: a key, white space, the value (the rest of the
// line); a key alone for a flag.  `#` starts a comment line; blank lines are
// ignored.  The tool checks keys and values against its options, and its
// errors name the file and line.
#pragma once

#include <string>
#include <vector>

#include "os/error.hpp"

namespace lansync::os {

struct ConfigEntry {
  std::string key;    // e.g. "listen", "local-stratum"
  std::string value;  // "" for a flag
  int line = 0;       // 1-based
};

// Reads path.  Errors: the file cannot be read, or a line is malformed
// ("PATH:LINE: ..."), e.g. a key with characters other than a-z, 0-9 and '-'.
OsResult<std::vector<ConfigEntry>> read_config(const std::string& path);

// Parses text as the contents of a file called name.
OsResult<std::vector<ConfigEntry>> parse_config(const std::string& text, const std::string& name);

}  // namespace lansync::os
