// Which reference the server's clock follows, and what it may therefore tell clients.
//
// From the best evidence available, in this order (sntpd(8)):
//   1. upstream NTP servers sntpd follows itself;
//   2. the kernel's sync status, when another daemon disciplines the clock;
//   3. the sync-state file (set from a phone, ntpprobe --set, rtcset --hctosys),
//      when its record was made in this boot (core/record_age.hpp);
//   4. --local-stratum N, the last resort (chrony's `local stratum`).
// Root dispersion grows at PHI = 15 ppm of the time since the reference was
// last updated.  A reference older than max_age, or whose root distance
// exceeds 1.5 s, no longer counts; with nothing left the server is
// unsynchronized (LI=3, stratum 16).  Pure: the caller gathers the evidence.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/record_age.hpp"
#include "core/server.hpp"

namespace lansync::core {

enum class ReferenceKind : uint8_t { None, Upstream, Kernel, SyncState, Local };
const char* describe(ReferenceKind k);  // "none", "upstream", "kernel", "state", "local"

// The system peer of the upstream servers, as of its last update.
struct UpstreamReference {
  uint8_t stratum = 0;             // the upstream server's stratum (we serve one more)
  uint32_t refid = 0;              // its IPv4 address, or a hash of its IPv6 address
  std::string name;                // for logs and status, e.g. "192.168.1.1:123"
  int64_t update_ns = 0;           // when the last measurement was taken
  int64_t root_delay_ns = 0;       // upstream root delay + our path delay to it
  int64_t root_dispersion_ns = 0;  // upstream root dispersion + our measurement's dispersion
};

// A kernel disciplined by someone else: no STA_UNSYNC, with its error estimate.
struct KernelReference {
  int64_t max_error_ns = 0;  // the kernel's maximum error (grows at 500 ppm until updated)
};

// The sync-state file's record.
struct StateReference {
  int64_t last_sync_ns = 0;
  std::string source;              // "ntp:192.168.4.1", "phone", "rtc", ...
  int64_t uncertainty_ns = 0;      // error bound when it was written (0 if not recorded)
  std::optional<uint8_t> stratum;  // the source's stratum, when it recorded one
  BootStamp boot;                  // the boot it was made in, and its boot time then
};

struct ReferenceEvidence {
  std::optional<UpstreamReference> upstream;
  std::optional<KernelReference> kernel;
  std::optional<StateReference> state;
  std::string state_problem;  // why an existing sync-state file could not be read, if it could not
  BootStamp this_boot;        // this boot, and its boot time now (for the sync-state record)
  std::optional<uint8_t> local_stratum;
  int8_t precision_log2 = -20;
};

struct ReferenceChoice {
  ReferenceKind kind = ReferenceKind::None;
  proto::ReferenceState state;  // what replies carry
  std::string detail;  // one line for logs and status, e.g. "sync-state file (source phone, 12 min 03 s old)"
};

// Stratum served for a reference of unknown depth (a phone, an RTC, a kernel
// disciplined by another daemon): as if it followed a stratum-2 server.
inline constexpr uint8_t kUnknownDepthStratum = 3;

// Picks the reference at now_ns.  start_ns is when the server started (the
// local clock reference refreshes every 64 s from then).
ReferenceChoice choose_reference(const ReferenceEvidence& e, int64_t now_ns, int64_t start_ns,
                                 int64_t max_age_ns);

// The reference ID for a reference of unknown depth: the IPv4 address in an
// "ntp:A.B.C.D" source, "CAM" for the camera, else up to four letters of the
// source, upper case ("PHON", "RTC").
uint32_t refid_for_source(const std::string& source);

}  // namespace lansync::core
