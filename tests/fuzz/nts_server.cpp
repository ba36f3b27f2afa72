// Fuzz targets for the NTS server's inputs; see targets.hpp.
//
// nts_ke_request: for any input, parse_nts_ke_request() refuses it (with error code 0 or 1) or
// accepts it, and then the response written for it fits and reads back through the client's
// parser with eight cookies (or says no protocol or AEAD was agreed).  nts_request: the input after
// a client's 48-byte header, as an NTP request to core::Server with NTS on: never a reply longer
// than the request, never an NTS-authenticated reply (no cookie of ours can be in random bytes),
// and the server answers a real NTS request afterwards.  nts_cookie: the input XORed over a real
// cookie opens only when it changes nothing, and never opens on its own.
#include "proto/nts_server.hpp"

#include <cstring>
#include <memory>
#include <vector>

#include "codec/nts_ke.hpp"
#include "codec/nts_packet.hpp"
#include "core/server.hpp"
#include "os/crypto_siv_keyed.hpp"
#include "proto/exchange.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

const os::NtsServerSiv kCrypto;

proto::NtsCookieKeys cookie_keys() {
  proto::NtsCookieKeys ring;
  proto::NtsCookieKey k;
  k.id = 5;
  std::memset(k.key, 0x55, sizeof(k.key));
  ring.rotate(k);
  return ring;
}

}  // namespace

int nts_ke_request(const uint8_t* data, size_t size) {
  constexpr Require require{"nts_ke_request"};
  auto r = codec::parse_nts_ke_request(data, size);
  if (!r) {
    uint16_t code = codec::error_code(r.error());
    require(code == codec::kNtsKeErrorUnrecognizedCritical || code == codec::kNtsKeErrorBadRequest,
            "error code 0 or 1");
    return 0;
  }
  require(size <= codec::kNtsKeMaxRequestSize, "a request within the cap");
  static codec::NtsCookie cookies[codec::kNtsMaxCookies];
  for (auto& c : cookies) c.size = proto::kNtsServerCookieSize;
  codec::NtsKeAnswer a{cookies, codec::kNtsMaxCookies, nullptr, 0};
  uint8_t out[2048];
  size_t n = codec::write_nts_ke_response(*r, a, out, sizeof(out));
  require(n > 0, "the response fits");
  auto back = codec::parse_nts_ke_response(out, n);
  if (r->ntp_v4 && r->aead_siv) {
    require(back.ok() && back->cookie_count == codec::kNtsMaxCookies, "eight cookies read back");
  } else {
    require(!back.ok(), "no agreement: no cookies");
  }
  return 0;
}

int nts_request(const uint8_t* data, size_t size) {
  constexpr Require require{"nts_request"};
  static std::unique_ptr<core::Server> server = [] {
    core::ServerPolicy policy;
    policy.nts = &kCrypto;
    auto s = std::make_unique<core::Server>(policy, 64, 1);
    s->set_reference(proto::local_reference(10, -20, 0, 0));
    s->set_nts_keys(cookie_keys());
    return s;
  }();
  std::vector<uint8_t> packet(codec::kHeaderSize);
  codec::encode(proto::make_request_header({1, 2}), packet.data(), packet.size());
  packet.insert(packet.end(), data, data + (size > 1024 ? 1024 : size));
  core::IpAddress from;
  from.family = 4;
  std::vector<uint8_t> reply(2048);
  auto clock = [](void*) -> int64_t { return 1'000'000'000; };
  core::ServerAction a = server->handle(packet.data(), packet.size(), from, 0, 0, 1, {clock, nullptr},
                                        reply.data(), reply.size());
  require(!a.respond || a.size <= packet.size(), "never a reply longer than the request");
  require(!a.nts, "no NTS reply without one of our cookies");
  return 0;
}

int nts_cookie(const uint8_t* data, size_t size) {
  constexpr Require require{"nts_cookie"};
  static const proto::NtsCookieKeys ring = cookie_keys();
  proto::NtsSessionKeys keys;
  std::memset(keys.c2s, 1, sizeof(keys.c2s));
  uint8_t nonce[proto::kNtsCookieNonceSize] = {9};
  uint8_t cookie[proto::kNtsServerCookieSize];
  require(proto::seal_cookie(*ring.current(), keys, nonce, kCrypto, cookie, sizeof(cookie)) == sizeof(cookie),
          "a cookie seals");
  bool changed = false;
  for (size_t i = 0; i < size && i < sizeof(cookie); ++i) {
    cookie[i] ^= data[i];
    changed = changed || data[i] != 0;
  }
  proto::NtsSessionKeys out;
  require(proto::open_cookie(cookie, sizeof(cookie), ring, kCrypto, &out) == !changed,
          "a cookie opens only unchanged");
  require(!proto::open_cookie(data, size, ring, kCrypto, &out), "input alone never opens");
  return 0;
}

}  // namespace lansync::fuzz
