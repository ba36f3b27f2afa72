// The board's SNTP client; see ntp_client.hpp.
#include "firmware/board/ntp_client.hpp"

#include "codec/timestamp.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kInt64Max = 0x7FFF'FFFF'FFFF'FFFF;

int64_t interval_ns(int8_t log2_s) {
  int s = log2_s < 0 ? 0 : (log2_s > 17 ? 17 : log2_s);
  return (int64_t{1} << s) * codec::kNsPerSecond;
}

}  // namespace

proto::ReplyStatus read_broadcast(const uint8_t* data, size_t size, int64_t local_ns, int64_t pivot_utc_ns,
                                  int64_t delay_ns, BurstResult* out, const proto::MacKeys* keys,
                                  uint32_t key_id) {
  auto decoded = codec::decode(data, size);
  if (!decoded) return proto::ReplyStatus::Malformed;
  const codec::NtpHeader& h = decoded->header;
  if (h.mode != codec::Mode::Broadcast) return proto::ReplyStatus::NotServerMode;
  if (keys != nullptr && key_id != 0) {
    proto::ReplyStatus signed_by = proto::check_signed_by(proto::check_auth(data, *decoded, keys), key_id);
    if (signed_by != proto::ReplyStatus::Ok) return signed_by;
  }
  proto::ReplyStatus state = proto::check_server_state(h);
  if (state != proto::ReplyStatus::Ok) return state;
  if (h.transmit.is_zero()) return proto::ReplyStatus::BadTimestamps;
  // The assumed one-way delay stands for half the round trip of an exchange.
  if (proto::root_distance_ns(h, proto::Sample{0, 2 * delay_ns}) > proto::kMaxRootDistanceNs) {
    return proto::ReplyStatus::RootDistanceTooLarge;
  }
  *out = BurstResult{};
  out->accepted = 1;
  out->have_sample = true;
  int64_t t3 = codec::from_ntp(h.transmit, codec::era_pivot(pivot_utc_ns));
  out->best = Sample{local_ns, t3 + delay_ns, 2 * delay_ns};
  out->samples[0] = out->best;
  out->sample_count = 1;
  out->stratum = h.stratum;
  out->refid = h.refid;
  out->root_delay_ns = codec::from_ntp_short(h.root_delay);
  out->root_dispersion_ns = codec::from_ntp_short(h.root_dispersion);
  return proto::ReplyStatus::Ok;
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
  int64_t last =
      sent_in_burst_ == 0 ? burst_start_ns_ - interval_ns(current_interval_log2()) : burst_start_ns_;
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
  return sessions_[sent_in_burst_ - 1].request().t1_ns + config_.reply_timeout_ns;
}

size_t NtpClient::make_request(int64_t local_ns, uint64_t cookie, uint8_t* out, size_t cap,
                               const proto::MacKeys* keys, uint32_t key_id) {
  if (!request_due(local_ns) || cap < codec::kHeaderSize) return 0;
  proto::ClientSession& session = sessions_[sent_in_burst_];
  size_t n = session.write_request(cookie, out, cap, keys, key_id, poll_log2_);
  // A request that cannot be signed (no room, the hash failed) is not sent,
  // but counts as sent and unanswered: the burst goes on, nothing spins.
  session.note_sent(local_ns);
  ++sent_in_burst_;
  ++result_.sent;
  ++requests_sent_;
  next_send_ns_ = local_ns + config_.burst_spacing_ns;
  return n;
}

proto::ReplyStatus NtpClient::on_reply(const uint8_t* data, size_t size, int64_t local_ns,
                                       int64_t pivot_utc_ns) {
  proto::ClientReply reply =
      proto::receive_reply(sessions_, sent_in_burst_, data, size, local_ns, pivot_utc_ns);
  switch (reply.check.status) {
    case proto::ReplyStatus::Ok: add_sample(reply, local_ns); break;
    case proto::ReplyStatus::KissOfDeath: on_kiss(reply.header.refid); break;
    case proto::ReplyStatus::Unsynchronized: ++result_.unsynchronized; break;
    default: break;
  }
  return reply.check.status;
}

void NtpClient::on_kiss(uint32_t refid) {
  result_.kiss_code = refid;
  proto::KissAction action = proto::kiss_action(refid);
  if (action == proto::KissAction::SlowDown) {
    poll_up();
    // RFC 5905 §7.4: the server asked for less; never go back below this.
    config_.min_poll_log2 = poll_log2_;
  } else if (action == proto::KissAction::Stop) {  // DENY, RSTR
    active_ = false;
  }
}

void NtpClient::add_sample(const proto::ClientReply& reply, int64_t t4_local_ns) {
  const proto::ReplyCheck& c = reply.check;
  int64_t t1 = sessions_[reply.session].request().t1_ns;
  // The server's clock read (T2 + T3) / 2 at the middle of the exchange on
  // ours, whatever our clock showed: the sample does not depend on it.
  Sample s{t1 + (t4_local_ns - t1) / 2, c.t2_ns + (c.t3_ns - c.t2_ns) / 2, c.sample.delay_ns};
  if (!result_.have_sample || s.delay_ns < result_.best.delay_ns) {
    result_.have_sample = true;
    result_.best = s;
    result_.stratum = reply.header.stratum;
    result_.refid = reply.header.refid;
    result_.root_delay_ns = codec::from_ntp_short(reply.header.root_delay);
    result_.root_dispersion_ns = codec::from_ntp_short(reply.header.root_dispersion);
  }
  if (result_.sample_count < kMaxBurst) result_.samples[result_.sample_count++] = s;
  ++result_.accepted;
}

bool NtpClient::take_burst(int64_t local_ns, BurstResult* out) {
  if (sent_in_burst_ == 0 || (active_ && sent_in_burst_ < config_.burst)) return false;
  bool all_in = true;
  for (uint8_t i = 0; i < sent_in_burst_; ++i) all_in = all_in && !sessions_[i].waiting();
  // A burst cut short by DENY or RSTR ends at once.
  if (active_ && !all_in &&
      local_ns < sessions_[sent_in_burst_ - 1].request().t1_ns + config_.reply_timeout_ns) {
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
