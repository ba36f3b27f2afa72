// Fuzz target for what a board takes from the network; see targets.hpp.
#include "firmware/board/board.hpp"

#include <cstdlib>
#include <cstring>

#include "codec/ntp_packet.hpp"
#include "proto/reply_rules.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"board"};

uint64_t counter_random(void* state) { return ++*static_cast<uint64_t*>(state); }

}  // namespace

int board(const uint8_t* data, size_t size) {
  // One board for all inputs, as on a chip: a phone may set it, then its
  // replies describe a synchronized clock, and so on.
  static uint64_t random_state = 0;
  static fw::Board* b = [] {
    fw::BoardConfig c;
    c.use_server = true;
    c.listen_broadcast = true;
    c.serve = true;
    c.random64 = &counter_random;
    c.random_context = &random_state;
    static fw::Board board(c);
    board.start(0);
    return &board;
  }();
  static int64_t local = 0;
  local += 1'000'000;
  // Keep the board's own work going (requests, bursts) between inputs.
  for (int i = 0; i < 16 && b->next_action(local).kind != fw::ActionKind::Wait; ++i) {
  }

  // The first byte says where the rest arrives.
  uint8_t where = size > 0 ? data[0] % 4 : 0;
  const uint8_t* in = size > 0 ? data + 1 : data;
  size_t n = size > 0 ? size - 1 : 0;
  switch (where) {
    case 0: {  // an HTTP request
      char response[4096];
      size_t r = b->serve_http(reinterpret_cast<const char*>(in), n, local, response, sizeof(response));
      if (r == 0) break;  // incomplete: a port would read more
      require(r <= sizeof(response), "a response larger than its buffer");
      require(r > 9 && std::memcmp(response, "HTTP/1.0 ", 9) == 0, "a response without a status line");
      const char* end = static_cast<const char*>(memmem(response, r, "\r\n\r\n", 4));
      require(end != nullptr, "a response without a blank line");
      const char* length = static_cast<const char*>(memmem(response, r, "Content-Length: ", 16));
      require(length != nullptr && length < end, "a response without Content-Length");
      size_t body = static_cast<size_t>(std::strtoul(length + 16, nullptr, 10));
      size_t sent = r - static_cast<size_t>(end + 4 - response);
      require(sent == body || sent == 0, "a body of another length than Content-Length (HEAD sends none)");
      break;
    }
    case 1: {  // an SNTP request in server mode
      uint8_t reply[codec::kHeaderSize];
      size_t r = b->serve_ntp(in, n, local, reply, sizeof(reply));
      if (r == 0) break;
      require(r == codec::kHeaderSize && r <= n, "a reply that is not 48 bytes, or larger than the request");
      b->stamp_transmit(reply, r, local);
      auto rep = codec::decode(reply, r);
      auto req = codec::decode(in, n);
      require(req.ok() && proto::reply_mode(req->header.mode) != codec::Mode::Reserved,
              "a reply to something not a request");
      require(rep.ok() && rep->header.mode == proto::reply_mode(req->header.mode),
              "a reply in the wrong mode");
      require(rep->header.origin == req->header.transmit, "a reply not echoing the request");
      require(rep->header.version == req->header.version, "a reply of another version");
      // A synchronized reply only from a synchronized clock (one that follows a
      // stratum-15 server is synchronized but cannot serve stratum 16).
      bool synchronized = rep->header.leap != codec::Leap::Unsynchronized;
      require(!synchronized || b->now(local).synchronized,
              "a synchronized reply from an unsynchronized clock");
      require(synchronized ||
                  (rep->header.stratum == 0 && rep->header.refid == 0 &&
                   codec::from_ntp_short(rep->header.root_dispersion) >= proto::kUnsynchronizedRootNs),
              "LI=3 without stratum 0, no refid and a root dispersion of 1 s");
      break;
    }
    case 2: b->on_ntp_packet(in, n, local); break;  // a reply to our client
    default: b->on_broadcast(in, n, local, 0x0A000001); break;
  }
  fw::Reading r = b->now(local);
  require(r.error_ns >= 0, "a negative error bound");
  fw::Event e;
  while (b->next_event(&e)) {
  }
  return 0;
}

}  // namespace lansync::fuzz
