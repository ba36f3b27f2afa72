// The board's HTTP side: the page a phone opens, GET /time, and the phone's set of the clock
// (GET /exchange, then PUT or POST /time with JSON), with every check a set must pass.
//
// A set is safe from other web pages a phone opens: it needs a JSON body and
// a same-origin request (which a cross-site page cannot send), and with a key
// a one-use token from GET /exchange, which such a page cannot read.  The
// exchange is the phone's NTP-like measurement (RFC 5905 §8 with the phone as
// the reference): the phone sends T1 and T4 with the token, the board kept
// its T2 and T3, so it measures the round trip itself and never takes an
// error bound smaller than half of it.  The rules a set must pass are the phone
// protocol's, as sntpd's (proto/phone): the same-origin rule, the token's
// lifetime and single use, the exchange's timing.  This part sees the board's clock only
// as a ClockView and hands an accepted set back as a PhoneSet; the board
// steps its clock.  Fixed buffers, no heap.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "firmware/board/http.hpp"
#include "firmware/board/source_state.hpp"
#include "firmware/board/text.hpp"

namespace lansync::fw {

// Exchanges (GET /exchange) outstanding at once; issuing one more replaces the oldest.
inline constexpr size_t kMaxExchanges = 4;

// The board's clock as the HTTP side sees it when a request completes.
struct ClockView {
  Reading reading;            // Board::now() then
  bool server_heard = false;  // a server or broadcaster keeps the clock: no phone sets it
};

// Whether a set from off the network (a phone's, a time another protocol carried) with error
// bound error_ns may step the clock: only one it makes at least twice as good, and never one a
// server keeps (anyone on the network can send such a set).
bool takes_set(const ClockView& clock, int64_t error_ns);

// A phone's set that passed every check: the board steps its clock to utc_ns
// at the request's local_ns, with error bound error_ns.
struct PhoneSet {
  bool accepted = false;
  int64_t utc_ns = 0;
  int64_t error_ns = 0;
};

struct BoardHttpConfig {
  bool need_token = false;  // with a key: a set needs a token from GET /exchange
  int64_t phone_error_ns =
      500'000'000;  // error bound of a set without its own, and the least of an unmeasured one
  uint64_t (*random64)(void* context) = nullptr;  // 64 random bits (tokens)
  void* random_context = nullptr;
};

class BoardHttp {
 public:
  explicit BoardHttp(const BoardHttpConfig& config) : config_(config) {}

  // The response to the HTTP request[0..size) completed at local_ns into
  // out[0..cap): 0 while the request is incomplete, else the response's size.
  // A PUT or POST /time that passes every check fills *set (else it is left
  // alone); it is refused with 403 (cross-site, or a missing, unknown, used or
  // expired token), 415 (not JSON), 400 (bad body or timestamps) or 409 (the
  // clock is better, or the round trip too long).
  size_t serve(const char* request, size_t size, int64_t local_ns, const ClockView& clock, PhoneSet* set,
               char* out, size_t cap);
  // PUT/POST /time refused (cross-site, not JSON, token, state...).
  uint32_t sets_refused() const { return sets_refused_; }

 private:
  // write_http_response with the Date of the request's reading, none unless it is synchronized.
  size_t respond(uint16_t status, const char* content_type, const char* body, size_t body_size, bool head,
                 char* out, size_t cap) const {
    return write_http_response(status, content_type, body, body_size, head, date_unix_s_, out, cap);
  }
  // GET /time: the clock as JSON, 503 when unsynchronized.
  size_t get_time(bool head, const Reading& r, char* out, size_t cap) const;
  // PUT/POST /time: the checks, then the set for the board; the response's size.
  size_t put_time(const HttpRequest& q, int64_t local_ns, const ClockView& clock, PhoneSet* set, char* out,
                  size_t cap);
  // GET /exchange: a token for the exchange completed at local_ns.
  size_t get_exchange(int64_t local_ns, char* out, size_t cap);
  // The phone's UTC at local_ns and its error bound (ns) from a JSON body; 0, or the refusing status.
  uint16_t phone_time(const char* body, size_t size, int64_t local_ns, int64_t* utc_ns, int64_t* error_ns,
                      TextWriter* why);
  // The T2/T3 (local ns) of a live, unexpired token, which is then spent; false (why says) if none.
  bool redeem(const char* token, size_t size, int64_t local_ns, int64_t* t2_ns, int64_t* t3_ns,
              TextWriter* why);

  // An exchange issued by GET /exchange: the token is nonce and counter in hex.
  struct Exchange {
    uint64_t nonce = 0;
    uint32_t counter = 0;
    int64_t t2_local_ns = 0;  // the request was complete (the board's T2)
    int64_t t3_local_ns = 0;  // the response was made (T3)
    bool live = false;        // issued, not yet redeemed nor replaced
  };

  BoardHttpConfig config_;
  Exchange exchanges_[kMaxExchanges];
  uint32_t exchange_counter_ = 0;
  uint32_t sets_refused_ = 0;
  int64_t date_unix_s_ = kNoHttpDate;  // the Date of the response being made (serve())
};

}  // namespace lansync::fw
