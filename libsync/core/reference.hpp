// Which reference the server's clock follows, and what it may therefore tell clients.
//
// Each reference sntpd knows offers a candidate (what replies would carry, and
// whether its own rules let it count), made by the function of its kind below;
// choose_reference takes them in order of preference (sntpd(8)) and picks the
// first that counts:
//   1. upstream NTP servers sntpd follows itself;
//   2. the kernel's sync status, when another daemon disciplines the clock;
//   3. the sync-state file (set from a phone, ntpprobe --set, rtcset --hctosys),
//      when its record was made in this boot (core/record_age.hpp);
//   4. --local-stratum N, the last resort (chrony's `local stratum`).
// Root dispersion grows at PHI = 15 ppm of the time since the reference was
// last updated (an upstream reference: PHI or less where the clock earned it,
// plus our frequency's error bound).  A reference older than max_age, or
// whose root distance exceeds 1.5 s, no longer counts; with nothing left the server is unsynchronized (LI=3,
// stratum 16).  The rules that other parts apply to the reference served (a phone may not override a measured
// one, the camera's clock is a last resort, ...) ask its role, never its kind, so that a new kind of
// reference is a new candidate function and its registration.  Pure: the caller gathers the evidence.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/record_age.hpp"
#include "proto/reply_rules.hpp"

namespace lansync::core {

// How the rules treat a reference, whatever its kind.
enum class ReferenceRole : uint8_t {
  None,        // nothing counts: unsynchronized
  Measured,    // measured by us (upstream servers): ages from its last update; a phone may not override it
  External,    // a clock someone else disciplines (the kernel's word): it does not age; not overridden
  Record,      // a set recorded in the sync-state file (a phone, the RTC, the camera, ntpprobe --set)
  LastResort,  // --local-stratum: served when nothing else counts
};

// What one reference offers now: a candidate for choose_reference.
struct ReferenceCandidate {
  std::string kind;  // its name in status and logs: "upstream", "kernel", "state", "local"
  ReferenceRole role = ReferenceRole::None;
  std::string source;  // what status calls it: a record's source ("phone", "rtc"), else kind
  std::string name;    // what a line on why it did not count calls it, e.g. "upstream 192.168.1.1:123"
  proto::ReferenceState
      state;            // what replies carry if it is chosen (stratum, refid, time, root delay/dispersion)
  std::string detail;   // one line for logs and status if it is chosen
  std::string problem;  // non-empty: its own rules refuse it, and why (age and distance are checked after)
};

struct ReferenceChoice {
  std::string kind = "none";  // the chosen candidate's kind, or "none"
  ReferenceRole role = ReferenceRole::None;
  std::string source = "none";  // the chosen candidate's source, or "none"
  proto::ReferenceState state;  // what replies carry
  std::string detail;  // one line for logs and status, e.g. "sync-state file (source phone, 12 min 03 s old)"
};

// Stratum served for a reference of unknown depth (a phone, an RTC, a kernel
// disciplined by another daemon): as if it followed a stratum-2 server.
inline constexpr uint8_t kUnknownDepthStratum = 3;

// Picks the first of candidates (in order of preference) that counts at now_ns:
// no problem of its own, younger than max_age_ns, root distance within 1.5 s.
// A last resort's detail, and the lack of any, say why the others did not count.
// Replies carry precision_log2.
ReferenceChoice choose_reference(const std::vector<ReferenceCandidate>& candidates, int64_t now_ns,
                                 int64_t max_age_ns, int8_t precision_log2);

// How far from true a clock's frequency may be when nothing is known of it (ppm): a crystal's
// ±500 ppm (the kernel's and chronyd's maxdrift), and as much again from an estimate the
// discipline took (it takes none known worse than 1000 ppm, core/discipline).
inline constexpr double kMaxFrequencyErrorPpm = 1000;

// The system peer of the upstream servers, as of its last update.
struct UpstreamReference {
  uint8_t stratum = 0;                      // the upstream server's stratum (we serve one more)
  uint32_t refid = 0;                       // its IPv4 address, or a hash of its IPv6 address
  std::string name;                         // for logs and status, e.g. "192.168.1.1:123"
  int64_t update_ns = 0;                    // when the last measurement was taken
  int64_t root_delay_ns = 0;                // upstream root delay + our path delay to it
  int64_t root_dispersion_ns = 0;           // upstream root dispersion + our measurement's dispersion
  double frequency_skew_ppm = 0;            // our frequency's error bound (the discipline's): the dispersion
                                            // grows by it, beside PHI, until the next update
  double drift_bound_ppm = proto::kPhiPpm;  // how far the crystal may move from that frequency: PHI, or what
                                            // the clock earned (core/holdover); never more than PHI

  // Half the root delay plus the root dispersion: the bound served, and told the kernel.
  int64_t root_distance_ns() const { return root_delay_ns / 2 + root_dispersion_ns; }
};

// The upstream servers' system peer (kind "upstream", Measured), as of now_ns.
ReferenceCandidate upstream_candidate(const UpstreamReference& u, int64_t now_ns);

// A kernel disciplined by someone else (kind "kernel", External): no STA_UNSYNC, with its maximum
// error (which grows at 500 ppm until updated), at now_ns.
ReferenceCandidate kernel_candidate(int64_t max_error_ns, int64_t now_ns);

// The sync-state file's record.
struct StateReference {
  int64_t last_sync_ns = 0;
  std::string source;          // "ntp:192.168.4.1", "phone", "rtc", ...
  int64_t uncertainty_ns = 0;  // the measurement's error bound when it was written (0 if not recorded)
  // A verification's offset (the clock was checked, not corrected): the clock was that far off,
  // so it is part of the record's error.  0 for a correction, which took its offset out.
  int64_t uncorrected_offset_ns = 0;
  std::optional<uint8_t> stratum;  // the source's stratum, when it recorded one
  BootStamp boot;                  // the boot it was made in, and its boot time then
};

// The sync-state file's record (kind "state", Record), judged in this_boot at now_ns
// (core/record_age.hpp).
ReferenceCandidate state_candidate(const StateReference& st, const BootStamp& this_boot, int64_t now_ns,
                                   int64_t max_age_ns);
// A sync-state file that exists but could not be read (problem: why): said, never served.
ReferenceCandidate unreadable_state_candidate(const std::string& problem);

// --local-stratum (kind "local", LastResort): the local clock, its precision its root dispersion;
// start_ns: when the server started (the local clock reference refreshes every 64 s from then).
ReferenceCandidate local_candidate(uint8_t stratum, int8_t precision_log2, int64_t start_ns, int64_t now_ns);

// The reference ID for a reference of unknown depth: the IPv4 address in an
// "ntp:A.B.C.D" source, "CAM" for the camera, "PPS" for a GPS receiver's
// pulse ("gps:pps", a PPS device, or "gps:shmN" with N odd, gpsd's PPS
// segment), else up to four letters of the source, upper case ("GPS", "PHON",
// "RTC").
uint32_t refid_for_source(const std::string& source);

}  // namespace lansync::core
