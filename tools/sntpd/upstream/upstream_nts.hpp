// One address of an upstream server named `nts`: its key exchanges, keys, cookies and requests.
//
// The rules are shared: when an exchange is due and how the certificate's dates are judged
// (core/nts_schedule.hpp), the cookie jar and the requests' identifiers (proto/nts_session.hpp),
// the AEAD (os/crypto_siv.hpp).  This part asks the helper for exchanges (NtsHelper) and takes
// their answers, seals each request the address's source writes, and judges each datagram before
// the source sees it: only a reply whose authenticator opens with the server-to-client key and
// which echoes its request's identifier reaches the source; a Kiss-o'-Death NTSN that echoes the
// identifier (RFC 8915 §5.7: that is its only authentication) makes a new exchange due.  Without
// keys nothing is sent: there is no fallback to unauthenticated NTP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/nts_schedule.hpp"
#include "os/crypto_siv.hpp"
#include "os/ipc_nts_client.hpp"
#include "os/net_address.hpp"
#include "proto/nts_session.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

// What an NTS link made of a datagram (NtsLink::judge).
enum class NtsVerdict : uint8_t {
  Pass,     // authenticated, echoing a request: the source may take it
  Refused,  // a Kiss-o'-Death NTSN echoing a request: a new key exchange is due; the source takes it
  Stray,    // answers no request of ours: dropped
  Forged,   // echoes a request but does not authenticate (status): dropped, counted
};

class NtsLink {
 public:
  // The NTS-KE server at ke (its port the KE port), whose certificate must carry name.
  NtsLink(const os::SocketAddress& ke, std::string name) : ke_(ke), name_(std::move(name)) {}

  // The exchange due at now_mono_ns, if one is; clock_trusted and now_ns (Unix ns) judge the
  // certificate's dates (core::nts_cert_time).  Then asked() with the helper's id.
  std::optional<os::nts::KeRequest> due(int64_t now_mono_ns, bool clock_trusted, int64_t now_ns) const;
  void asked(uint32_t id, bool dates_checked);
  uint32_t waiting_for() const { return waiting_; }  // the helper's id of the exchange asked; 0: none
  int64_t due_ns() const { return schedule_.due_ns(); }
  // The answer to the exchange asked, at now_mono_ns and now_ns (Unix ns).  The NTP server it names
  // when its keys are taken (the caller polls there from now on); nothing when it failed.
  std::optional<os::SocketAddress> take(const os::nts::KeAnswer& a, int64_t now_mono_ns, int64_t now_ns);

  // Keys and cookies held: requests can be sealed.
  bool ready() const { return schedule_.ready() && session_.cookies() > 0; }
  // Why nothing is sent ("NTS: no keys yet", the last exchange's error).
  std::string not_ready_why() const;
  // Seals the request header in packet[0, size) with the NTS fields; the new size, 0 when it cannot be
  // (the jar ran empty: a new exchange is due).
  size_t seal(uint8_t* packet, size_t size, size_t cap, int64_t now_mono_ns);
  // Judges the datagram data[0, size) (see NtsVerdict); *status: why, for Forged.
  NtsVerdict judge(const uint8_t* data, size_t size, int64_t now_mono_ns, proto::NtsReplyStatus* status);
  // An update authenticated by these keys corrected the clock (core::NtsSchedule).
  void authenticated_update(int64_t now_mono_ns) { schedule_.authenticated_update(now_mono_ns); }

  NtsSnapshot snapshot() const;

 private:
  // Takes the keys and cookies of a successful answer; false (error_ set) if the keys are refused.
  bool take_keys(const os::nts::KeAnswer& a);

  os::SocketAddress ke_;
  std::string name_;
  core::NtsSchedule schedule_;
  proto::NtsSession session_;
  os::SivKey c2s_;
  os::SivKey s2c_;
  uint32_t waiting_ = 0;
  bool asked_dates_checked_ = false;
  std::optional<int64_t> last_exchange_ns_;
  std::string ntp_server_;  // the NTP server the last exchange named
  std::string error_;
  uint64_t exchanges_ = 0;
  uint64_t naks_ = 0;
};

}  // namespace lansync::sntpd
