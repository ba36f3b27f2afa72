// The NTS client exchange; see nts.hpp.
#include "proto/nts.hpp"

#include "proto/auth.hpp"

namespace lansync::proto {

void NtsCookieJar::put(const codec::NtsCookie& cookie) {
  if (count_ == codec::kNtsMaxCookies) {
    first_ = (first_ + 1) % codec::kNtsMaxCookies;
    --count_;
  }
  cookies_[(first_ + count_) % codec::kNtsMaxCookies] = cookie;
  ++count_;
}

bool NtsCookieJar::take(codec::NtsCookie* out) {
  if (count_ == 0) return false;
  *out = cookies_[first_];
  cookies_[first_] = codec::NtsCookie();  // used once: forget it
  first_ = (first_ + 1) % codec::kNtsMaxCookies;
  --count_;
  return true;
}

const char* describe(NtsReplyStatus s) {
  switch (s) {
    case NtsReplyStatus::Ok: return "ok";
    case NtsReplyStatus::Nak: return "NTS NAK (kiss NTSN): the server refused our cookie";
    case NtsReplyStatus::NotOurs: return "reply does not echo our NTS unique identifier";
    case NtsReplyStatus::Unauthenticated: return "reply not authenticated by NTS";
    case NtsReplyStatus::BadAuthenticator: return "NTS authenticator does not verify";
  }
  return "unknown NTS reply status";
}

size_t append_nts_request(uint8_t* packet, size_t size, size_t cap, const uint8_t* unique_id,
                          const codec::NtsCookie& cookie, size_t placeholders, const uint8_t* nonce,
                          const NtsAead& c2s) {
  size_t n = codec::append_unique_id(packet, size, cap, unique_id, codec::kNtsUniqueIdSize);
  if (n != 0) n = codec::append_nts_cookie(packet, n, cap, cookie.bytes, cookie.size);
  for (size_t i = 0; i < placeholders && n != 0; ++i)
    n = codec::append_nts_placeholder(packet, n, cap, cookie.size);
  if (n == 0) return 0;
  // Nothing to encrypt: the request's authenticator only authenticates (RFC 8915 §5.6).
  uint8_t sealed[codec::kSivTagSize];
  size_t sealed_size = c2s.seal(nonce, codec::kNtsNonceSize, packet, n, nullptr, 0, sealed, sizeof(sealed));
  if (sealed_size != codec::kSivTagSize) return 0;
  return codec::append_nts_authenticator(packet, n, cap, nonce, codec::kNtsNonceSize, sealed, sealed_size);
}

namespace {

bool same_id(const uint8_t* value, size_t value_size, const uint8_t* unique_id) {
  return value_size == codec::kNtsUniqueIdSize && equal_constant_time(value, unique_id, value_size);
}

// A Kiss-o'-Death NTSN is unauthenticated: it counts only if it echoes our identifier.
NtsReplyStatus judge_nak(const uint8_t* data, const codec::PacketLayout& layout, const uint8_t* unique_id) {
  size_t offset = layout.extensions_offset;
  codec::ExtensionField f;
  while (codec::next_extension(data, layout, &offset, &f)) {
    if (f.type == codec::kEfUniqueId) {
      return same_id(f.value, f.value_size, unique_id) ? NtsReplyStatus::Nak : NtsReplyStatus::NotOurs;
    }
  }
  return NtsReplyStatus::NotOurs;
}

// The cookies among the decrypted fields.
void take_cookies(const uint8_t* plain, size_t size, NtsReply* out) {
  size_t offset = 0;
  codec::ExtensionField f;
  while (codec::next_packed_extension(plain, size, &offset, &f)) {
    if (f.type != codec::kEfNtsCookie || f.value_size == 0 || f.value_size > codec::kNtsMaxCookieSize)
      continue;
    if (out->cookie_count == codec::kNtsMaxCookies) break;
    codec::NtsCookie& c = out->cookies[out->cookie_count++];
    for (size_t i = 0; i < f.value_size; ++i) c.bytes[i] = f.value[i];
    c.size = f.value_size;
  }
}

}  // namespace

void check_nts_reply(const uint8_t* data, const codec::PacketLayout& layout, const uint8_t* unique_id,
                     const NtsAead& s2c, NtsReply* out) {
  out->cookie_count = 0;
  if (layout.header.stratum == 0 && layout.header.refid == codec::refid_from_ascii("NTSN")) {
    out->status = judge_nak(data, layout, unique_id);
    return;
  }
  auto nts = codec::locate_nts(data, layout);
  if (!nts) {
    out->status = NtsReplyStatus::Unauthenticated;
    return;
  }
  if (!same_id(nts->unique_id.data, nts->unique_id.size, unique_id)) {
    out->status = NtsReplyStatus::NotOurs;
    return;
  }
  uint8_t plain[kMaxNtsPlaintextSize];
  size_t plain_size = 0;
  if (!s2c.open(nts->nonce.data, nts->nonce.size, data, nts->associated_size, nts->ciphertext.data,
                nts->ciphertext.size, plain, sizeof(plain), &plain_size)) {
    out->status = NtsReplyStatus::BadAuthenticator;
    return;
  }
  take_cookies(plain, plain_size, out);
  out->status = NtsReplyStatus::Ok;
}

}  // namespace lansync::proto
