// Fuzz target for the sntpd ↔ sntpd-web channel's decoder; see targets.hpp.
#include "os/ipc_web.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"web_channel"};

}  // namespace

int web_channel(const uint8_t* data, size_t size) {
  auto m = os::web::decode(data, size);
  if (!m) return 0;
  require(size >= os::web::kHeaderSize && size <= os::web::kMaxMessage, "a datagram of a wrong size decoded");
  require(m->set.token.size() <= os::web::kTokenCapacity &&
              m->set.client.size() <= os::web::kClientCapacity &&
              m->set.trigger.size() <= os::web::kTriggerCapacity &&
              m->set.user_agent.size() <= os::web::kUserAgentCapacity,
          "a string over its capacity");
  require(m->reply.body.size() <= os::web::kMaxText, "a reply over kMaxText");
  require(!m->set.location || core::valid(*m->set.location), "a location out of range decoded");
  // What decodes encodes to the same message again.
  std::vector<uint8_t> again = os::web::encode(*m);
  auto back = os::web::decode(again.data(), again.size());
  require(static_cast<bool>(back), "a decoded message does not decode once encoded");
  require(back->type == m->type && back->id == m->id && back->set.token == m->set.token &&
              back->reply.body == m->reply.body && back->counters.requests == m->counters.requests &&
              back->set.location == m->set.location,
          "a message changed on its way through encode");
  return 0;
}

}  // namespace lansync::fuzz
