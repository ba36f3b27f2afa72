// One NTS association's exchanges; see nts_session.hpp.
#include "proto/nts_session.hpp"

namespace lansync::proto {

void NtsSession::start(const codec::NtsCookie* cookies, size_t count) {
  clear();
  for (size_t i = 0; i < count; ++i) jar_.put(cookies[i]);
}

void NtsSession::clear() {
  codec::NtsCookie gone;
  while (jar_.take(&gone)) {
  }
  for (Sent& s : sent_) s = Sent();
  next_ = 0;
}

size_t NtsSession::seal_request(uint8_t* packet, size_t size, size_t cap, const uint8_t* unique_id,
                                const uint8_t* nonce, const NtsAead& c2s) {
  if (size < codec::kHeaderSize) return 0;
  codec::NtsCookie cookie;
  if (!jar_.take(&cookie)) return 0;
  // After this request's answer the jar holds eight again: one cookie back for the one used, and
  // one for each placeholder.
  const size_t placeholders = codec::kNtsMaxCookies - 1 - jar_.count();
  size_t n = append_nts_request(packet, size, cap, unique_id, cookie, placeholders, nonce, c2s);
  if (n == 0) return 0;
  Sent& s = sent_[next_];
  s.transmit = codec::load_timestamp(packet + codec::kTransmitOffset);
  for (size_t i = 0; i < codec::kNtsUniqueIdSize; ++i) s.unique_id[i] = unique_id[i];
  s.waiting = true;
  next_ = (next_ + 1) % kNtsRequestsKept;
  return n;
}

NtsReplyStatus NtsSession::judge_reply(const uint8_t* data, const codec::PacketLayout& layout,
                                       const NtsAead& s2c) {
  const codec::NtpTimestamp origin = layout.header.origin;
  for (Sent& s : sent_) {
    if (!s.waiting || s.transmit.seconds != origin.seconds || s.transmit.fraction != origin.fraction)
      continue;
    NtsReply reply;
    check_nts_reply(data, layout, s.unique_id, s2c, &reply);
    if (reply.status == NtsReplyStatus::Ok || reply.status == NtsReplyStatus::Nak) s.waiting = false;
    for (size_t i = 0; i < reply.cookie_count; ++i) jar_.put(reply.cookies[i]);
    return reply.status;
  }
  return NtsReplyStatus::NotOurs;
}

}  // namespace lansync::proto
