// systemd's service notification (sd_notify(3)), spoken directly.
//
// A unit of Type=notify waits for "READY=1" before it counts the service as
// started; "STATUS=..." is the line `systemctl status` shows.  The protocol is
// one datagram to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or an
// abstract name written with a leading '@').  We speak it ourselves rather
// than link libsystemd: that library would map itself and its compression
// libraries (lzma, zstd, lz4) and libgcrypt into the NTP server for a
// twenty-line protocol.
#pragma once

#include <string_view>

#include "os/error.hpp"

namespace lansync::os {

// Sends state (newline-separated KEY=VALUE lines) to systemd.  Ok and nothing
// sent when NOTIFY_SOCKET is unset (not started by systemd with Type=notify).
Status notify_systemd(std::string_view state);

}  // namespace lansync::os
