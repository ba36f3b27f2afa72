// The NTS server's side of NTP; see nts_server.hpp.
#include "proto/nts_server.hpp"

#include "codec/nts_ke.hpp"
#include "codec/nts_packet.hpp"
#include "proto/nts.hpp"

namespace lansync::proto {

namespace {

// The request's cookie and placeholders (RFC 8915 §5.4, §5.5).
struct CookieFields {
  codec::ByteView cookie;
  size_t cookies = 0;
  size_t placeholders = 0;
};

CookieFields find_cookies(const uint8_t* data, const codec::PacketLayout& layout) {
  CookieFields out;
  size_t offset = layout.extensions_offset;
  codec::ExtensionField f;
  while (codec::next_extension(data, layout, &offset, &f)) {
    if (f.type == codec::kEfNtsCookie) {
      out.cookie = {f.value, f.value_size};
      ++out.cookies;
    } else if (f.type == codec::kEfNtsCookiePlaceholder) {
      ++out.placeholders;
    }
  }
  return out;
}

// Bytes of an authenticator field holding a 16-byte nonce and the sealed cookies.
constexpr size_t authenticator_size(size_t cookies) {
  return 4 + 4 + codec::kNtsNonceSize + codec::kSivTagSize + cookies * (4 + kNtsServerCookieSize);
}

// Writes count fresh cookie fields holding keys into plain; their bytes, 0 if one failed.
size_t make_cookies(size_t count, const NtsSessionKeys& keys, const NtsCookieKey& cookie_key,
                    const NtsServerCrypto& crypto, uint8_t* plain, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < count; ++i) {
    if (cap - n < 4 + kNtsServerCookieSize) return 0;
    uint8_t nonce[kNtsCookieNonceSize];
    crypto.random(nonce, sizeof(nonce));
    codec::store_be16(plain + n, codec::kEfNtsCookie);
    codec::store_be16(plain + n + 2, static_cast<uint16_t>(4 + kNtsServerCookieSize));
    if (seal_cookie(cookie_key, keys, nonce, crypto, plain + n + 4, cap - n - 4) == 0) return 0;
    n += 4 + kNtsServerCookieSize;
  }
  return n;
}

}  // namespace

uint32_t ntsn_refid() { return codec::refid_from_ascii("NTSN"); }

bool is_nts_request(const uint8_t* data, const codec::PacketLayout& layout) {
  size_t offset = layout.extensions_offset;
  codec::ExtensionField f;
  while (codec::next_extension(data, layout, &offset, &f)) {
    if (f.type == codec::kEfNtsCookie) return true;
  }
  return false;
}

NtsVerdict check_nts_request(const uint8_t* data, size_t size, const codec::PacketLayout& layout,
                             const NtsCookieKeys& keys, const NtsServerCrypto& crypto, NtsRequest* out) {
  auto nts = codec::locate_nts(data, layout);
  if (!nts || nts->unique_id.size < codec::kNtsUniqueIdSize || nts->nonce.size < codec::kNtsNonceSize)
    return NtsVerdict::Malformed;
  CookieFields fields = find_cookies(data, layout);
  if (fields.cookies != 1) return NtsVerdict::Malformed;
  out->unique_id = nts->unique_id;
  out->size = size;
  size_t wanted = 1 + fields.placeholders;
  out->cookies_wanted = wanted > codec::kNtsMaxCookies ? codec::kNtsMaxCookies : wanted;
  if (!open_cookie(fields.cookie.data, fields.cookie.size, keys, crypto, &out->keys)) return NtsVerdict::Nak;
  // A request's authenticator may carry encrypted fields; none is one we act on.
  uint8_t plain[kMaxNtsPlaintextSize];
  size_t plain_size = 0;
  if (!crypto.open(out->keys.c2s, nts->nonce.data, nts->nonce.size, data, nts->associated_size,
                   nts->ciphertext.data, nts->ciphertext.size, plain, sizeof(plain), &plain_size)) {
    return NtsVerdict::BadAuthenticator;
  }
  return NtsVerdict::Ok;
}

size_t append_nts_reply(uint8_t* reply, size_t cap, const NtsRequest& request, const NtsCookieKey& cookie_key,
                        const NtsServerCrypto& crypto) {
  size_t n =
      codec::append_unique_id(reply, codec::kHeaderSize, cap, request.unique_id.data, request.unique_id.size);
  if (n == 0 || request.size > cap || n + authenticator_size(0) > request.size) return 0;
  size_t count = request.cookies_wanted;
  while (count > 0 && n + authenticator_size(count) > request.size) --count;  // never longer than the request
  uint8_t plain[codec::kNtsMaxCookies * (4 + kNtsServerCookieSize)];
  size_t plain_size = make_cookies(count, request.keys, cookie_key, crypto, plain, sizeof(plain));
  if (plain_size == 0 && count != 0) return 0;
  uint8_t nonce[codec::kNtsNonceSize];
  crypto.random(nonce, sizeof(nonce));
  uint8_t sealed[sizeof(plain) + codec::kSivTagSize];
  size_t sealed_size = crypto.seal(request.keys.s2c, nonce, sizeof(nonce), reply, n, plain, plain_size,
                                   sealed, sizeof(sealed));
  codec::zero_bytes(plain, sizeof(plain));
  if (sealed_size != plain_size + codec::kSivTagSize) return 0;
  size_t start = n;
  n = codec::append_nts_authenticator(reply, n, cap, nonce, sizeof(nonce), sealed, sealed_size);
  return n == 0 ? 0 : codec::pad_last_extension(reply, start, n, cap, request.size);
}

size_t append_nts_nak(uint8_t* reply, size_t cap, const NtsRequest& request) {
  size_t n =
      codec::append_unique_id(reply, codec::kHeaderSize, cap, request.unique_id.data, request.unique_id.size);
  return n == 0 || n > request.size ? 0 : n;
}

}  // namespace lansync::proto
