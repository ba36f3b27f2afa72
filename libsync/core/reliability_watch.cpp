// When the Pi's time became unreliable and whether phones came; see reliability_watch.hpp.
#include "core/reliability_watch.hpp"

#include <climits>

namespace lansync::core {

const char* code(ReliabilityEventKind k) {
  switch (k) {
    case ReliabilityEventKind::BecameUnreliable: return "became_unreliable";
    case ReliabilityEventKind::NoClient: return "no_client";
    case ReliabilityEventKind::ClientBack: return "client_back";
  }
  return "unknown";
}

bool is_reliable(const ReferenceChoice& c) {
  return c.state.synchronized && c.role != ReferenceRole::None && c.role != ReferenceRole::LastResort;
}

std::optional<ReliabilityEvent> ReliabilityWatch::observe(bool reliable, std::string_view why,
                                                          int64_t now_mono_ns) {
  bool first = !observed_;
  bool was_reliable = reliable_;
  observed_ = true;
  reliable_ = reliable;
  if (reliable || (!first && !was_reliable)) return std::nullopt;
  // A new unreliable period: its quiet span starts now.
  quiet_since_ns_ = now_mono_ns;
  quiet_from_start_ = first;
  reported_ = false;
  if (first) return std::nullopt;  // started unreliable: no change to report
  ReliabilityEvent e;
  e.kind = ReliabilityEventKind::BecameUnreliable;
  e.why = std::string(why);
  return e;
}

std::optional<ReliabilityEvent> ReliabilityWatch::phone_synced(int64_t now_mono_ns) {
  std::optional<ReliabilityEvent> back;
  if (awaiting_phone_) {
    back = ReliabilityEvent{ReliabilityEventKind::ClientBack, "", now_mono_ns - quiet_since_ns_,
                            quiet_from_start_};
  }
  awaiting_phone_ = false;
  // Should the Pi stay unreliable after it (observe() says), the span starts again from this phone.
  quiet_since_ns_ = now_mono_ns;
  quiet_from_start_ = false;
  reported_ = false;
  return back;
}

std::optional<ReliabilityEvent> ReliabilityWatch::due(int64_t now_mono_ns) {
  if (next_due_ns() > now_mono_ns) return std::nullopt;
  reported_ = true;
  awaiting_phone_ = true;
  return ReliabilityEvent{ReliabilityEventKind::NoClient, "", now_mono_ns - quiet_since_ns_,
                          quiet_from_start_};
}

int64_t ReliabilityWatch::next_due_ns() const {
  if (!observed_ || reliable_ || reported_) return INT64_MAX;
  return quiet_since_ns_ + span_ns_;
}

}  // namespace lansync::core
