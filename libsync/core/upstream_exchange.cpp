// A server's source, sans-IO: its requests and what became of their replies; see upstream.hpp.
#include "codec/ntp_packet.hpp"
#include "core/upstream.hpp"

namespace lansync::core {

void UpstreamSource::set_key(const proto::MacKeys* keys, uint32_t key_id) {
  keys_ = keys;
  key_id_ = key_id;
}

SourceAction UpstreamSource::poll(int64_t now_mono_ns, uint64_t cookie, uint8_t* out, size_t cap,
                                  double spread) {
  SourceAction a;
  pending_ = proto::ClientSession{};
  a.send_size = pending_.write_request(cookie, out, cap, keys_, key_id_);
  bool was = reachable();
  int polls_before = polls_;
  count_request(now_mono_ns);
  on_transmit(now_mono_ns, spread);
  // The counts of the selection change with the reach, whether or not a sample comes.
  a.reach = note_reach(was, now_mono_ns);
  if (a.reach == ReachEvent::Same && polls_before < kReachPolls && polls_ == kReachPolls && !ever_reached_) {
    a.reach = ReachEvent::NeverAnswered;
  }
  if (a.send_size == 0) {
    a.event = SourceEvent::CannotSign;
    problem_ = "cannot sign with key " + std::to_string(key_id_);
  }
  return a;
}

void UpstreamSource::sent(int64_t t1_ns) {
  pending_.note_sent(t1_ns);
  if (outstanding_.size() == kOutstandingRequests) outstanding_.erase(outstanding_.begin());
  outstanding_.push_back(pending_);
}

void UpstreamSource::send_failed(const std::string& why) { problem_ = why; }

SourceAction UpstreamSource::receive(const uint8_t* data, size_t size, int64_t t4_ns, int64_t now_mono_ns,
                                     const SampleRules& rules, int64_t slew_remaining_ns) {
  proto::ClientReply reply =
      proto::receive_reply(outstanding_.data(), outstanding_.size(), data, size, t4_ns, t4_ns);
  SourceAction a;
  a.status = reply.check.status;
  if (proto::is_ignorable(a.status)) {  // stray, late, replayed or spoofed
    if (a.status == proto::ReplyStatus::NotOurs) ++rejected_[index(Rejection::Stray)];
    a.event = SourceEvent::Ignored;
    return a;
  }
  if (proto::is_forgery(a.status)) {  // the request stays open for the genuine reply
    problem_ = proto::describe(a.status);
    bool bad_mac = a.status == proto::ReplyStatus::BadMac;
    ++rejected_[index(bad_mac ? Rejection::BadMac : Rejection::Unauthenticated)];
    a.event = SourceEvent::Forged;
    return a;
  }
  outstanding_.erase(outstanding_.begin() + static_cast<std::ptrdiff_t>(reply.session));
  bool was = reachable();
  SourceAction b = answer(reply, t4_ns, now_mono_ns, rules, slew_remaining_ns);
  b.reach = note_reach(was, now_mono_ns);
  return b;
}

SourceAction UpstreamSource::refuse(proto::ReplyStatus status) {
  SourceAction a;
  a.status = status;
  a.event = SourceEvent::Ignored;
  if (status == proto::ReplyStatus::NotOurs) ++rejected_[index(Rejection::Stray)];
  if (!proto::is_forgery(status)) return a;
  problem_ = proto::describe(status);
  ++rejected_[index(status == proto::ReplyStatus::BadMac ? Rejection::BadMac : Rejection::Unauthenticated)];
  a.event = SourceEvent::Forged;
  return a;
}

SourceAction UpstreamSource::answer(const proto::ClientReply& reply, int64_t t4_ns, int64_t now_mono_ns,
                                    const SampleRules& rules, int64_t slew_remaining_ns) {
  SourceAction a;
  a.status = reply.check.status;
  const codec::NtpHeader& h = reply.header;
  if (a.status == proto::ReplyStatus::KissOfDeath) {
    char code[5];
    codec::refid_to_ascii(h.refid, code);
    problem_ = std::string("kod ") + code;
    a.kiss = h.refid;
    a.event = SourceEvent::NotUsable;
    proto::KissAction action = proto::kiss_action(h.refid);
    if (action == proto::KissAction::SlowDown) {
      on_rate_kiss(now_mono_ns);
      a.event = SourceEvent::KissRate;
    } else if (action == proto::KissAction::Stop) {
      on_deny_kiss();
      outstanding_.clear();  // later answers are strays: the stop is told once
      a.event = SourceEvent::KissStop;
    }
    return a;
  }
  if (a.status != proto::ReplyStatus::Ok) {
    problem_ = proto::describe(a.status);
    a.event = SourceEvent::NotUsable;
    return a;
  }
  problem_.clear();
  UpstreamSample& s = a.sample;
  s.sample = reply.check.sample;
  // On the clock as corrected so far: the slew in progress taken as done.
  s.time_ns = t4_ns + slew_remaining_ns;
  s.sample.offset_ns -= slew_remaining_ns;
  s.stratum = h.stratum;
  s.root_delay_ns = codec::from_ntp_short(h.root_delay);
  s.root_dispersion_ns = codec::from_ntp_short(h.root_dispersion);
  s.precision_log2 = h.precision_log2;
  a.verdict = judged(s, rules);
  a.event = SourceEvent::Sample;
  return a;
}

SourceAction UpstreamSource::take_reading(int64_t now_mono_ns, const std::optional<UpstreamSample>& reading,
                                          const SampleRules& rules) {
  SourceAction a;
  bool was = reachable();
  on_transmit(now_mono_ns);
  if (reading) {
    a.event = SourceEvent::Sample;
    a.sample = *reading;
    a.verdict = judged(*reading, rules);
  }
  a.reach = note_reach(was, now_mono_ns);
  return a;
}

SampleVerdict UpstreamSource::judged(const UpstreamSample& s, const SampleRules& rules) {
  SampleVerdict verdict = on_sample(s, rules);
  if (verdict == SampleVerdict::BeyondMaxChange || verdict == SampleVerdict::Falseticker) {
    ++rejected_[index(Rejection::MaxChange)];
  }
  return verdict;
}

ReachEvent UpstreamSource::note_reach(bool was, int64_t now_mono_ns) {
  if (reachable() == was) return ReachEvent::Same;
  reach_change_mono_ns_ = now_mono_ns;
  if (!reachable()) return stopped_ ? ReachEvent::Same : ReachEvent::Unreachable;
  bool again = ever_reached_;
  ever_reached_ = true;
  return again ? ReachEvent::Again : ReachEvent::Reached;
}

}  // namespace lansync::core
