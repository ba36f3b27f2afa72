// Fuzz target for the sntpd ↔ sntpd-nts client channel's decoder; see targets.hpp.
#include "os/ipc_nts_client.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"nts_channel"};

}  // namespace

int nts_channel(const uint8_t* data, size_t size) {
  auto m = os::nts::decode(data, size);
  if (!m) return 0;
  require(size == os::nts::kHeaderSize + os::nts::kRequestPayload || size == os::nts::kMaxMessage,
          "a datagram of a wrong size decoded");
  require(m->request.address.size() <= os::nts::kAddressCapacity &&
              m->request.name.size() <= os::nts::kNameCapacity &&
              m->request.ca_file.size() <= os::nts::kPathCapacity &&
              m->answer.error.size() <= os::nts::kErrorCapacity,
          "a string over its capacity");
  require(m->answer.cookies.size() <= codec::kNtsMaxCookies && (!m->answer.ok || !m->answer.cookies.empty()),
          "a cookie count out of range decoded");
  for (const codec::NtsCookie& c : m->answer.cookies)
    require(c.size > 0 && c.size <= codec::kNtsMaxCookieSize, "an empty or oversized cookie decoded");
  // What decodes encodes to the same bytes again.
  std::vector<uint8_t> again = os::nts::encode(*m);
  require(again.size() == size, "a decoded message encodes to another size");
  auto back = os::nts::decode(again.data(), again.size());
  require(static_cast<bool>(back), "a decoded message does not decode once encoded");
  require(back->id == m->id && back->request.name == m->request.name && back->answer.ok == m->answer.ok &&
              back->answer.cookies.size() == m->answer.cookies.size() && back->answer.c2s == m->answer.c2s,
          "a message changed on its way through encode");
  return 0;
}

}  // namespace lansync::fuzz
