// Fuzz target for the server's request path; see targets.hpp.
#include "codec/ntp_packet.hpp"
#include "core/server.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"request"};

}  // namespace

int request(const uint8_t* data, size_t size) {
  constexpr int64_t kT0 = 1'795'000'000'000'000'000;
  // State that persists across inputs, as in a running server: the client
  // table fills, rate limits and interleaved timestamps carry over.
  static core::Server server = [] {
    core::ServerPolicy p;
    p.rate_limit.enabled = true;
    p.rate_limit.burst = 4;
    p.rate_limit.kod = true;
    return core::Server(p, 64, 12345);
  }();
  static int64_t now = kT0;
  now += 1'000'000;

  // The first byte picks the client among a few addresses, the rest is the packet.
  core::IpAddress from;
  from.family = 4;
  from.bytes[0] = 192;
  from.bytes[1] = 168;
  from.bytes[3] = size > 0 ? data[0] % 8 : 0;
  const uint8_t* packet = size > 0 ? data + 1 : data;
  size_t packet_size = size > 0 ? size - 1 : 0;

  server.set_reference((from.bytes[3] & 1) != 0 ? proto::local_reference(10, -20, kT0, now)
                                                : proto::unsynchronized_reference(-20));
  proto::TransmitClock clock{[](void*) { return now + 500; }, nullptr};
  uint8_t reply[codec::kHeaderSize + 8];
  core::ServerAction out = server.handle(packet, packet_size, from, now, now, static_cast<uint32_t>(now),
                                         clock, reply, codec::kHeaderSize);
  if (!out.respond) return 0;
  require(out.size <= packet_size, "a reply larger than its request");
  require(out.size == codec::kHeaderSize, "a reply that is not 48 bytes");
  auto decoded = codec::decode(reply, out.size);
  require(decoded.ok(), "a reply that does not decode");
  auto request = codec::decode(packet, packet_size);
  require(request.ok() && proto::reply_mode(request->header.mode) != codec::Mode::Reserved,
          "a reply to something not a request");
  require(decoded->header.mode == proto::reply_mode(request->header.mode), "a reply in the wrong mode");
  require(out.passive == (decoded->header.mode == codec::Mode::SymmetricPassive),
          "passive flag and mode differ");
  require(decoded->header.version == request->header.version, "a reply of another version");
  if (!out.interleaved) {
    require(decoded->header.origin == request->header.transmit,
            "a basic reply not echoing the transmit timestamp");
  }
  if (out.kod) require(decoded->header.stratum == 0, "a KoD with a stratum");
  return 0;
}

}  // namespace lansync::fuzz
