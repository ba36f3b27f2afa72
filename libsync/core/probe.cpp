// One server's burst of NTP queries, sans-IO; see probe.hpp.
#include "core/probe.hpp"

#include <algorithm>

#include "core/filter.hpp"

namespace lansync::core {
namespace {

// How telling a failure status is, to choose which one to report.
int rank(proto::ReplyStatus s) {
  switch (s) {
    case proto::ReplyStatus::Unauthenticated:
    case proto::ReplyStatus::BadMac: return 5;
    case proto::ReplyStatus::KissOfDeath: return 4;
    case proto::ReplyStatus::Unsynchronized: return 3;
    case proto::ReplyStatus::RootDistanceTooLarge: return 2;
    case proto::ReplyStatus::BadTimestamps: return 1;
    default: return 0;
  }
}

}  // namespace

bool ServerProbe::sending() const {
  return report_.error.empty() && !stop_sending_ && report_.samples_sent < options_.samples;
}

size_t ServerProbe::write_request(int64_t now_mono_ns, uint64_t cookie, uint8_t* out, size_t cap) {
  if (!due(now_mono_ns)) return 0;
  // One per server at a time, the next a spacing after this one: a driver held up (a loaded
  // machine) resumes the burst at its pace, reading the replies (a kiss) between requests,
  // instead of sending all it missed back to back.
  next_send_ns_ = now_mono_ns + options_.spacing_ns;
  pending_ = proto::ClientSession();
  size_t size = pending_.write_request(cookie, out, cap, options_.keys, options_.key_id);
  if (size == 0) {  // the caller checked the key: not reached
    report_.error = "cannot sign the request with key " + std::to_string(options_.key_id);
    stop_sending_ = true;
  }
  return size;
}

void ServerProbe::sent(int64_t t1_ns) {
  ++report_.samples_sent;
  pending_.note_sent(t1_ns);
  requests_.push_back(pending_);
}

void ServerProbe::send_failed(const std::string& why, bool icmp) {
  ++report_.samples_sent;
  if (icmp && !requests_.empty()) {
    // An ICMP error left on the socket by an earlier request: this one was not sent; go on.
    icmp_error_ = why;
    return;
  }
  network_error(why);
}

void ServerProbe::network_error(const std::string& why) {
  report_.error = why;
  stop_sending_ = true;
}

void ServerProbe::refused(proto::ReplyStatus status, const codec::NtpHeader& h) {
  ++report_.replies;
  note_failure(status, h);
}

// Keeps the most telling failure of the server's replies, for the report.
void ServerProbe::note_failure(proto::ReplyStatus status, const codec::NtpHeader& h) {
  if (rank(status) < rank(report_.status)) return;
  report_.status = status;
  report_.header = h;
}

void ServerProbe::receive(const uint8_t* data, size_t size, int64_t t4_ns) {
  proto::ClientReply reply =
      proto::receive_reply(requests_.data(), requests_.size(), data, size, t4_ns, t4_ns);
  proto::ReplyStatus status = reply.check.status;
  if (proto::is_ignorable(status)) return;  // stray bytes, a duplicate or not an answer to us
  ++report_.replies;
  const codec::NtpHeader& h = reply.header;
  if (status == proto::ReplyStatus::Ok) {
    good_.push_back({reply.check.sample, reply.check.root_distance_ns, h});
    return;
  }
  // A forgery is reported, but its request stays open: the genuine reply may still come.
  note_failure(status, h);
  if (status == proto::ReplyStatus::KissOfDeath) {
    codec::refid_to_ascii(h.refid, report_.kiss_code);
    // RATE, DENY and RSTR mean: stop asking now, not retry at once.
    if (proto::kiss_demands_backoff(h.refid)) stop_sending_ = true;
  }
}

bool ServerProbe::finished() const {
  if (!report_.error.empty()) return true;
  bool all_sent = stop_sending_ || report_.samples_sent >= options_.samples;
  bool all_answered = std::none_of(requests_.begin(), requests_.end(),
                                   [](const proto::ClientSession& s) { return s.waiting(); });
  return all_sent && all_answered;
}

ProbeReport ServerProbe::report() const {
  ProbeReport r = report_;
  r.samples_ok = static_cast<int>(good_.size());
  if (good_.empty() && r.error.empty() && r.status == proto::ReplyStatus::Ok && !icmp_error_.empty())
    r.error = icmp_error_ + " (ICMP; no reply before the timeout)";
  if (good_.empty()) return r;
  std::vector<proto::Sample> samples;
  for (const Good& g : good_) samples.push_back(g.sample);
  FilterResult f = filter_samples(samples.data(), samples.size());
  const Good& best = good_[f.best];
  r.usable = true;
  r.status = proto::ReplyStatus::Ok;
  r.best = best.sample;
  r.jitter_ns = f.jitter_ns;
  r.root_distance_ns = best.root_distance_ns;
  r.header = best.header;
  return r;
}

}  // namespace lansync::core
