// When the activity log says the Pi's time became unreliable, that no phone came, and that one came back.
//
// The timelapse rig's owner reads the activity log afterwards to learn when
// the Pi could not be trusted.  Fed the reference's state (reliable or not)
// and the phones' syncs (a set or a verification) at monotonic times, the
// watch says which line to write: became_unreliable when a reliable Pi stops
// being so (its reference expired), no_client when no phone synced for the
// span while unreliable (counted from the start of the unreliable period, or
// from sntpd's start when it started unreliable, or from the last phone sync
// that left it unreliable), and client_back for the first phone sync after a
// no_client line.  no_client is said once per unreliable period, not once per
// span: the client_back line gives the whole time without a phone, so
// repeating it hourly would add lines but no information, and a Pi left alone
// for weeks writes one line, not hundreds.  Pure: the caller reads the clocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/reference.hpp"

namespace lansync::core {

enum class ReliabilityEventKind : uint8_t { BecameUnreliable, NoClient, ClientBack };
// "became_unreliable", "no_client", "client_back": the activity log's event names.
const char* code(ReliabilityEventKind k);

struct ReliabilityEvent {
  ReliabilityEventKind kind = ReliabilityEventKind::BecameUnreliable;
  std::string why;  // BecameUnreliable: the reference chosen now, saying why the last one expired
  int64_t without_phone_ns = 0;  // NoClient, ClientBack: time since the quiet span began (ns)
  bool since_start = false;      // NoClient, ClientBack: the span began when sntpd started unreliable
};

// True when the reference vouches for the clock: an upstream server, a
// disciplining kernel or a fresh sync-state record (not --local-stratum, not none).
bool is_reliable(const ReferenceChoice& c);

class ReliabilityWatch {
 public:
  // no_client_span_ns: how long without a phone sync while unreliable before no_client (> 0).
  explicit ReliabilityWatch(int64_t no_client_span_ns) : span_ns_(no_client_span_ns) {}

  // The reference's state at monotonic now_mono_ns, why: its detail line.  BecameUnreliable on a
  // change from reliable; the first call starts the quiet span when unreliable, without a line.
  std::optional<ReliabilityEvent> observe(bool reliable, std::string_view why, int64_t now_mono_ns);
  // A phone set or verified the clock at now_mono_ns: ClientBack when a no_client line is unanswered.
  std::optional<ReliabilityEvent> phone_synced(int64_t now_mono_ns);
  // The deadline passed (next_due_ns()): NoClient when still unreliable and no phone came.
  std::optional<ReliabilityEvent> due(int64_t now_mono_ns);
  // When due() has a line to give (monotonic ns); INT64_MAX: none pending.
  int64_t next_due_ns() const;

 private:
  int64_t span_ns_;
  bool observed_ = false;
  bool reliable_ = false;
  bool reported_ = false;          // no_client said in this unreliable period
  bool awaiting_phone_ = false;    // no_client said, no phone since
  bool quiet_from_start_ = false;  // the quiet span began at sntpd's start
  int64_t quiet_since_ns_ = 0;     // start of the quiet span (monotonic ns)
};

}  // namespace lansync::core
