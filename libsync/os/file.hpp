// Small files read whole and replaced atomically, for state, keys and config.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "os/error.hpp"

namespace lansync::os {

// The whole file, refused if it is larger than max_size bytes.
OsResult<std::string> read_small_file(const std::string& path, size_t max_size);

// The same for a secret (a private key, a password): read straight into one buffer of max_size + 1
// bytes, so that no copy stays behind in a stack buffer or a string that grew; wiped on errors.
OsResult<std::string> read_secret_file(const std::string& path, size_t max_size);

// The same from an open descriptor, from offset 0 whatever its file offset (pread: a memory file
// shared by several processes); `name` names it in errors.  The descriptor stays open.
OsResult<std::string> read_secret_fd(int fd, size_t max_size, const std::string& name);

// Creates dir and its missing parents (mode 0755); fine if it exists.
Status make_directories(const std::string& dir);

// Replaces path with contents: writes a temporary file in the same directory
// (path.tmp.PID.XXXXXX), fsyncs it, renames it over path and fsyncs the
// directory, so that a reader sees the old file or the new one, never a part.
// Then removes the temporary files of path that a writer which has ended (a
// crash, a power cut) left behind.  Creates missing parent
// directories (mode 0755).  On an error (a full or read-only disk) path keeps
// its old contents, the temporary file is removed, and the message names
// path, e.g. "cannot write /var/lib/lansync/drift: No space left on device".
Status write_file_atomic(const std::string& path, const std::string& contents, mode_t mode);

}  // namespace lansync::os
