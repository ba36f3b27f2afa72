// One client exchange: request, match and checks, shared by the Pi and the boards; see client.hpp.
#include "proto/client.hpp"

namespace lansync::proto {

size_t ClientSession::write_request(uint64_t cookie, uint8_t* out, size_t cap, const MacKeys* keys,
                                    uint32_t key_id, int8_t poll_log2) {
  bool sign = keys != nullptr && key_id != 0;
  waiting_ = false;
  request_ = Request{};
  request_.cookie = codec::NtpTimestamp::from_raw(cookie == 0 ? 1 : cookie);
  request_.key_id = sign ? key_id : 0;
  keys_ = sign ? keys : nullptr;
  codec::NtpHeader h = make_request_header(request_.cookie);
  h.poll_log2 = poll_log2;
  size_t size = codec::encode(h, out, cap);
  // The transmit field is a cookie, not the clock: signing before T1 costs no accuracy.
  if (size != 0 && sign) size = sign_packet(out, size, cap, key_id, *keys);
  return size;
}

void ClientSession::note_sent(int64_t t1_ns) {
  request_.t1_ns = t1_ns;
  waiting_ = true;
}

bool ClientSession::answered_by(const codec::NtpHeader& reply) const {
  return waiting_ && reply.origin == request_.cookie;
}

ClientReply ClientSession::judge(const uint8_t* data, const codec::PacketLayout& layout, int64_t t4_ns,
                                 int64_t era_pivot_ns) {
  ClientReply r;
  r.header = layout.header;
  if (request_.key_id != 0) r.auth = check_auth(data, layout, keys_);
  r.check = check_reply(layout.header, request_, t4_ns, era_pivot_ns, r.auth);
  if (!is_ignorable(r.check.status) && !is_forgery(r.check.status)) waiting_ = false;
  return r;
}

ClientReply receive_reply(ClientSession* sessions, size_t count, const uint8_t* data, size_t size,
                          int64_t t4_ns, int64_t era_pivot_ns) {
  ClientReply r;
  r.session = count;
  auto decoded = codec::decode(data, size);
  if (!decoded) {
    r.check.status = ReplyStatus::Malformed;
    return r;
  }
  r.header = decoded->header;
  if (r.header.mode != codec::Mode::Server) {
    r.check.status = ReplyStatus::NotServerMode;
    return r;
  }
  for (size_t i = 0; i < count; ++i) {
    if (!sessions[i].answered_by(r.header)) continue;
    ClientReply judged = sessions[i].judge(data, *decoded, t4_ns, era_pivot_ns);
    judged.session = i;
    return judged;
  }
  r.check.status = ReplyStatus::NotOurs;
  return r;
}

}  // namespace lansync::proto
