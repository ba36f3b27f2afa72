// This boot: the kernel's boot_id and CLOCK_BOOTTIME, which sync-state records are stamped with.
//
// boot_id is a random UUID the kernel makes at each boot (systemd-nspawn
// gives each container boot its own); CLOCK_BOOTTIME counts from that boot,
// includes suspend, and no step of the clock moves it.  Clock::boot_stamp()
// returns this for the real machine; a fake clock returns its own.
#pragma once

#include <string>

#include "core/record_age.hpp"
#include "os/error.hpp"

namespace lansync::os {

inline constexpr const char* kBootIdPath = "/proc/sys/kernel/random/boot_id";

// Reads the boot_id at boot_id_path (trailing newline removed; it must be a
// UUID) and CLOCK_BOOTTIME now.  Errors name the file.
OsResult<core::BootStamp> read_boot_stamp(const std::string& boot_id_path = kBootIdPath);

// CLOCK_BOOTTIME in nanoseconds: time since this boot, suspend included.
int64_t boottime_ns();

}  // namespace lansync::os
