// Fuzz target for the NTS-KE response parser and the NTS fields of an NTP reply; see targets.hpp.
//
// For any input: parse_nts_ke_response() refuses it or gives 1..8 cookies of 1..256 bytes, a
// server name of printable ASCII and NTPv4 with AEAD 15; nts_ke_message_size() never points past
// the input, and a message it finds complete parses to the same verdict as itself alone.  The
// same bytes after a 48-byte header, as an NTP reply: locate_nts() keeps every part inside the
// packet, and check_nts_reply() never accepts a reply the key cannot have sealed.
#include "codec/nts_ke.hpp"

#include <cstring>
#include <memory>
#include <vector>

#include "codec/ntp_packet.hpp"
#include "codec/nts_packet.hpp"
#include "os/crypto_siv.hpp"
#include "proto/nts.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"nts_ke"};

void check_response(const uint8_t* data, size_t size) {
  auto r = codec::parse_nts_ke_response(data, size);
  if (r.ok()) {
    require(r->cookie_count >= 1 && r->cookie_count <= codec::kNtsMaxCookies, "1..8 cookies");
    for (size_t i = 0; i < r->cookie_count; ++i) {
      require(r->cookies[i].size >= 1 && r->cookies[i].size <= codec::kNtsMaxCookieSize,
              "cookie sizes bounded");
    }
    require(r->protocol == codec::kNtsProtocolNtpV4 && r->aead == codec::kAeadAesSivCmac256,
            "NTPv4 and AEAD 15");
    for (const char* c = r->server; *c != '\0'; ++c) require(*c > 0x20 && *c < 0x7F, "server name printable");
  }
  size_t whole = codec::nts_ke_message_size(data, size);
  require(whole <= size, "a message lies inside the input");
  if (whole == size && size > 0) require(codec::nts_ke_message_size(data, whole) == whole, "stable end");
}

void check_reply(const uint8_t* data, size_t size) {
  std::vector<uint8_t> packet(codec::kHeaderSize, 0);
  packet[0] = 0x24;  // NTPv4, server
  packet[1] = 2;
  packet.insert(packet.end(), data, data + size);
  auto layout = codec::decode(packet.data(), packet.size());
  if (!layout) return;
  auto nts = codec::locate_nts(packet.data(), *layout);
  if (nts) {
    const uint8_t* end = packet.data() + packet.size();
    require(nts->nonce.data + nts->nonce.size <= end && nts->ciphertext.data + nts->ciphertext.size <= end,
            "nonce and ciphertext inside the packet");
    require(nts->associated_size >= codec::kHeaderSize && nts->associated_size < packet.size(),
            "associated data inside the packet");
  }
  static const uint8_t key[32] = {7};
  static auto s2c = os::SivKey::create(key, sizeof(key));
  require(s2c.ok(), "AES-SIV available");
  uint8_t unique_id[codec::kNtsUniqueIdSize] = {};
  auto reply = std::make_unique<proto::NtsReply>();
  proto::check_nts_reply(packet.data(), *layout, unique_id, *s2c, reply.get());
  require(reply->status != proto::NtsReplyStatus::Ok || nts.ok(), "Ok only with an authenticator");
  require(reply->cookie_count <= codec::kNtsMaxCookies, "at most 8 cookies");
}

}  // namespace

int nts_ke(const uint8_t* data, size_t size) {
  check_response(data, size);
  check_reply(data, size);
  return 0;
}

}  // namespace lansync::fuzz
