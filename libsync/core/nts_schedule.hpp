// When an NTS upstream server's key exchange is due (RFC 8915 §4, §5.7), and how the certificate's
// dates are judged on a clock that may be wrong at boot.
//
// A server named `nts` is polled only with the keys and cookies of a key exchange.  An exchange
// is due at start; again at once when the server refuses our cookie (a Kiss-o'-Death NTSN that
// echoes our identifier) or the jar runs empty; again daily (kNtsRefreshNs, as chrony's refresh),
// the old keys used until the new ones come; after a failure, from kNtsRetryFirstNs doubling to
// kNtsRetryMaxNs.  The certificate's dates (nts_cert_time): judged against sntpd's own clock while
// that clock is trusted (sntpd serves synchronized time, or its servers corrected it); otherwise
// they cannot be judged and are not checked, and the first update authenticated by such keys makes a
// new exchange due at once, with the dates checked against the clock it corrected (chrony's
// nocerttimecheck idea).  If that exchange fails, the keys of the unchecked one are dropped.
// Pure: every time comes in as a parameter (monotonic ns).
#pragma once

#include <cstdint>

#include "core/backoff.hpp"

namespace lansync::core {

inline constexpr int64_t kNtsRefreshNs = 86'400'000'000'000;  // a day
inline constexpr int64_t kNtsRetryFirstNs = 4'000'000'000;    // 4 s
inline constexpr int64_t kNtsRetryMaxNs = 1'024'000'000'000;  // about 17 min

// How a key exchange judges the certificate's dates.
struct NtsCertTime {
  bool check_dates = false;  // false: not checked (the clock is not trusted yet)
  int64_t at_s = 0;          // check_dates: the time they are judged at (Unix s)
};

// The rule above: clock_trusted (the time served is trusted), now_ns its clock (Unix ns).
NtsCertTime nts_cert_time(bool clock_trusted, int64_t now_ns);

class NtsSchedule {
 public:
  // Keys and cookies are held (an exchange succeeded and nothing refused them since).
  bool ready() const { return ready_; }
  // The last exchange that succeeded checked the certificate's dates.
  bool dates_checked() const { return dates_checked_; }
  // When the next exchange is due (monotonic ns); INT64_MAX while one is asked for.
  int64_t due_ns() const { return asking_ ? INT64_MAX : due_ns_; }

  // An exchange was asked for.
  void asked() { asking_ = true; }
  // It succeeded at now_mono_ns (dates_checked: as nts_cert_time said); the keys are ready.
  void succeeded(bool dates_checked, int64_t now_mono_ns);
  // It failed: retried later; the keys of an exchange whose dates were not checked are dropped.
  void failed(int64_t now_mono_ns);
  // The server refused our cookie (NTSN), or the jar ran empty: the keys are useless, due now.
  void keys_spent(int64_t now_mono_ns);
  // An update authenticated by these keys corrected the clock: with dates unchecked, due now.
  void authenticated_update(int64_t now_mono_ns);

 private:
  bool ready_ = false;
  bool dates_checked_ = false;
  bool asking_ = false;
  int64_t due_ns_ = 0;  // at start: now
  Backoff retry_{kNtsRetryFirstNs, kNtsRetryMaxNs};
};

}  // namespace lansync::core
