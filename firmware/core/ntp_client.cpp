// The board's SNTP client; see ntp_client.hpp.
#include "firmware/core/ntp_client.hpp"

#include "codec/timestamp.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kInt64Max = 0x7FFF'FFFF'FFFF'FFFF;

int64_t interval_ns(int8_t log2_s) {
  int s = log2_s < 0 ? 0 : (log2_s > 17 ? 17 : log2_s);
  return (int64_t{1} << s) * codec::kNsPerSecond;
}

}  // namespace

const char* describe(ReplyVerdict v) {
  switch (v) {
    case ReplyVerdict::Accepted: return "accepted";
    case ReplyVerdict::Ignored: return "ignored (malformed, not a reply, or not to our request)";
    case ReplyVerdict::KissRate: return "Kiss-o'-Death RATE: polling less often";
    case ReplyVerdict::KissStop: return "Kiss-o'-Death DENY or RSTR: no longer asking this server";
    case ReplyVerdict::KissOther: return "Kiss-o'-Death";
    case ReplyVerdict::Unsynchronized: return "server unsynchronized (LI=3 or stratum 16)";
    case ReplyVerdict::BadTimestamps: return "invalid server timestamps";
    case ReplyVerdict::TooFar: return "root distance above 1.5 s";
    case ReplyVerdict::Unauthenticated: return "not signed with our key, or a bad MAC";
  }
  return "unknown";
}

ReplyVerdict read_broadcast(const uint8_t* data, size_t size, int64_t local_ns, int64_t pivot_utc_ns,
                            int64_t delay_ns, BurstResult* out, const MacKey* key) {
  auto decoded = codec::decode(data, size);
  if (!decoded || decoded->header.mode != codec::Mode::Broadcast) return ReplyVerdict::Ignored;
  if (key != nullptr && key->enabled() &&
      proto::check_auth(data, *decoded, key).status != proto::AuthStatus::Ok) {
    return ReplyVerdict::Unauthenticated;
  }
  const codec::NtpHeader& h = decoded->header;
  if (h.stratum == 0) return ReplyVerdict::KissOther;
  if (h.leap == codec::Leap::Unsynchronized || h.stratum > 15) return ReplyVerdict::Unsynchronized;
  if (h.transmit.is_zero()) return ReplyVerdict::BadTimestamps;
  int64_t root_delay = codec::from_ntp_short(h.root_delay);
  int64_t root_dispersion = codec::from_ntp_short(h.root_dispersion);
  if (root_delay / 2 + root_dispersion + delay_ns > kMaxRootDistanceNs) return ReplyVerdict::TooFar;
  *out = BurstResult{};
  out->accepted = 1;
  out->have_sample = true;
  int64_t t3 = codec::from_ntp(h.transmit, codec::era_pivot(pivot_utc_ns));
  out->best = Sample{local_ns, t3 + delay_ns, 2 * delay_ns};
  out->samples[0] = out->best;
  out->sample_count = 1;
  out->stratum = h.stratum;
  out->refid = h.refid;
  out->root_delay_ns = root_delay;
  out->root_dispersion_ns = root_dispersion;
  return ReplyVerdict::Accepted;
}

NtpClient::NtpClient(const ClientConfig& config) : config_(config), poll_log2_(config.min_poll_log2) {
  if (config_.burst < 1) config_.burst = 1;
  if (config_.burst > kMaxBurst) config_.burst = kMaxBurst;
  if (config_.max_poll_log2 < config_.min_poll_log2) config_.max_poll_log2 = config_.min_poll_log2;
}

void NtpClient::start(int64_t local_ns) {
  active_ = true;
  bursts_done_ = 0;
  burst_start_ns_ = local_ns;
  next_send_ns_ = local_ns;
  sent_in_burst_ = 0;
  result_ = BurstResult{};
}

void NtpClient::resume(int64_t first_burst_ns, int8_t poll_log2) {
  start(first_burst_ns);
  bursts_done_ = config_.startup_bursts;
  poll_log2_ = poll_log2 < config_.min_poll_log2   ? config_.min_poll_log2
               : poll_log2 > config_.max_poll_log2 ? config_.max_poll_log2
                                                   : poll_log2;
}

int64_t NtpClient::next_burst_ns() const {
  return sent_in_burst_ == 0 ? next_send_ns_ : burst_start_ns_ + interval_ns(current_interval_log2());
}

int64_t NtpClient::earliest_burst_ns() const {
  // burst_start_ns_ is the last burst's start while one runs, else the next one's.
  int64_t last = sent_in_burst_ == 0 ? burst_start_ns_ - interval_ns(current_interval_log2()) : burst_start_ns_;
  int64_t earliest = last + interval_ns(config_.min_poll_log2);
  int64_t next = next_burst_ns();
  return earliest < next ? earliest : next;
}

int8_t NtpClient::current_interval_log2() const {
  if (bursts_done_ < config_.startup_bursts) {
    return static_cast<int8_t>(config_.min_poll_log2 >= 2 ? config_.min_poll_log2 - 2 : 0);
  }
  return poll_log2_;
}

void NtpClient::poll_up() {
  if (poll_log2_ < config_.max_poll_log2) ++poll_log2_;
}

void NtpClient::poll_down() {
  if (poll_log2_ > config_.min_poll_log2) --poll_log2_;
}

bool NtpClient::request_due(int64_t local_ns) const {
  return active_ && sent_in_burst_ < config_.burst && local_ns >= next_send_ns_;
}

int64_t NtpClient::next_event_ns() const {
  if (!active_) return kInt64Max;
  if (sent_in_burst_ < config_.burst) return next_send_ns_;
  return pending_[sent_in_burst_ - 1].t1_local_ns + config_.reply_timeout_ns;
}

size_t NtpClient::make_request(int64_t local_ns, uint64_t cookie, uint8_t* out, size_t cap,
                               const MacKey* key) {
  if (!request_due(local_ns) || cap < codec::kHeaderSize) return 0;
  codec::NtpHeader h;
  h.leap = codec::Leap::None;
  h.version = 4;
  h.mode = codec::Mode::Client;
  h.poll_log2 = poll_log2_;
  // A zero transmit field would match a reply whose origin is zero.
  h.transmit = codec::NtpTimestamp::from_raw(cookie == 0 ? 1 : cookie);
  size_t n = codec::encode(h, out, cap);
  // A request that cannot be signed (no room, the hash failed) is not sent,
  // but counts as sent and unanswered: the burst goes on, nothing spins.
  if (key != nullptr && key->enabled()) n = proto::sign_packet(out, n, cap, key->id, *key);
  pending_[sent_in_burst_] = Pending{h.transmit, local_ns, false};
  ++sent_in_burst_;
  ++result_.sent;
  ++requests_sent_;
  next_send_ns_ = local_ns + config_.burst_spacing_ns;
  return n;
}

ReplyVerdict NtpClient::on_reply(const uint8_t* data, size_t size, int64_t local_ns, int64_t pivot_utc_ns,
                                 const MacKey* key) {
  auto decoded = codec::decode(data, size);
  if (!decoded || decoded->header.mode != codec::Mode::Server) return ReplyVerdict::Ignored;
  const codec::NtpHeader& h = decoded->header;
  Pending* request = nullptr;
  for (uint8_t i = 0; i < sent_in_burst_; ++i) {
    if (!pending_[i].answered && pending_[i].cookie == h.origin) request = &pending_[i];
  }
  if (request == nullptr) return ReplyVerdict::Ignored;
  // A forged reply must not use up the request it echoes: checked before.
  if (key != nullptr && key->enabled() &&
      proto::check_auth(data, *decoded, key).status != proto::AuthStatus::Ok) {
    return ReplyVerdict::Unauthenticated;
  }
  request->answered = true;

  if (h.stratum == 0) {
    result_.kiss_code = h.refid;
    if (h.refid == codec::refid_from_ascii("RATE")) {
      poll_up();
      // RFC 5905 §7.4: the server asked for less; never go back below this.
      config_.min_poll_log2 = poll_log2_;
      return ReplyVerdict::KissRate;
    }
    if (h.refid == codec::refid_from_ascii("DENY") || h.refid == codec::refid_from_ascii("RSTR")) {
      active_ = false;
      return ReplyVerdict::KissStop;
    }
    return ReplyVerdict::KissOther;
  }
  if (h.leap == codec::Leap::Unsynchronized || h.stratum > 15) {
    ++result_.unsynchronized;
    return ReplyVerdict::Unsynchronized;
  }
  if (h.receive.is_zero() || h.transmit.is_zero()) return ReplyVerdict::BadTimestamps;
  int64_t pivot = codec::era_pivot(pivot_utc_ns);
  int64_t t2 = codec::from_ntp(h.receive, pivot);
  int64_t t3 = codec::from_ntp(h.transmit, pivot);
  if (t3 < t2) return ReplyVerdict::BadTimestamps;

  int64_t t1 = request->t1_local_ns;
  int64_t delay = (local_ns - t1) - (t3 - t2);
  if (delay < 0) delay = 0;  // clock granularity on very short paths
  int64_t root_delay = codec::from_ntp_short(h.root_delay);
  int64_t root_dispersion = codec::from_ntp_short(h.root_dispersion);
  if ((root_delay + delay) / 2 + root_dispersion > kMaxRootDistanceNs) return ReplyVerdict::TooFar;

  // The server's clock read (T2 + T3) / 2 at the middle of the exchange on
  // ours, whatever our clock showed: the sample does not depend on it.
  Sample s{t1 + (local_ns - t1) / 2, t2 + (t3 - t2) / 2, delay};
  if (!result_.have_sample || s.delay_ns < result_.best.delay_ns) {
    result_.have_sample = true;
    result_.best = s;
    result_.stratum = h.stratum;
    result_.refid = h.refid;
    result_.root_delay_ns = root_delay;
    result_.root_dispersion_ns = root_dispersion;
  }
  if (result_.sample_count < kMaxBurst) result_.samples[result_.sample_count++] = s;
  ++result_.accepted;
  return ReplyVerdict::Accepted;
}

bool NtpClient::take_burst(int64_t local_ns, BurstResult* out) {
  if (sent_in_burst_ == 0 || (active_ && sent_in_burst_ < config_.burst)) return false;
  bool all_in = true;
  for (uint8_t i = 0; i < sent_in_burst_; ++i) all_in = all_in && pending_[i].answered;
  // A burst cut short by DENY or RSTR ends at once.
  if (active_ && !all_in && local_ns < pending_[sent_in_burst_ - 1].t1_local_ns + config_.reply_timeout_ns) {
    return false;
  }
  *out = result_;
  int64_t next = burst_start_ns_ + interval_ns(current_interval_log2());
  if (bursts_done_ < 255) ++bursts_done_;
  burst_start_ns_ = next > local_ns ? next : local_ns;
  next_send_ns_ = burst_start_ns_;
  sent_in_burst_ = 0;
  result_ = BurstResult{};
  return true;
}

}  // namespace lansync::fw
