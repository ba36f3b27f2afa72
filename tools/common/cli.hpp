// Kept only for tools/sntpd/main.cpp, which is being rewritten in parallel (issue 14): the helpers that
// were here are libsync/cli's now, shared with lansync-board.  Include "cli/command_line.hpp", call cli::,
// and delete this file.
#pragma once

#include "cli/command_line.hpp"

namespace lansync {
namespace tools = cli;
}  // namespace lansync
