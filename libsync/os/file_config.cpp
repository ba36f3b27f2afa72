// Configuration files; see file_config.hpp.
#include "os/file_config.hpp"

#include "os/file.hpp"

namespace lansync::os {

OsResult<std::vector<ConfigEntry>> parse_config(const std::string& text, const std::string& name) {
  std::vector<ConfigEntry> out;
  size_t start = 0;
  int line_no = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    auto last = line.find_last_not_of(" \t\r");
    line = line.substr(first, last - first + 1);
    auto space = line.find_first_of(" \t");
    ConfigEntry e;
    e.key = line.substr(0, space);
    if (space != std::string::npos) e.value = line.substr(line.find_first_not_of(" \t", space));
    e.line = line_no;
    for (char ch : e.key) {
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) {
        return invalid(name + ":" + std::to_string(line_no) + ": bad key '" + shown(e.key) + "'");
      }
    }
    out.push_back(e);
  }
  return out;
}

OsResult<std::vector<ConfigEntry>> read_config(const std::string& path) {
  auto text = read_small_file(path, 1024 * 1024);
  if (!text) return fail(text.error());
  return parse_config(*text, path);
}

}  // namespace lansync::os
