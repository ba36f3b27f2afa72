// One address of an NTS upstream server; see upstream_nts.hpp.
#include "upstream/upstream_nts.hpp"

#include "codec/ntp_packet.hpp"
#include "os/log.hpp"
#include "os/random.hpp"

namespace lansync::sntpd {

std::optional<os::nts::KeRequest> NtsLink::due(int64_t now_mono_ns, bool clock_trusted,
                                               int64_t now_ns) const {
  if (waiting_ != 0 || schedule_.due_ns() > now_mono_ns) return std::nullopt;
  core::NtsCertTime t = core::nts_cert_time(clock_trusted, now_ns);
  os::nts::KeRequest q;
  q.address = ke_.ip();
  q.port = ke_.port();
  q.name = name_;
  q.check_dates = t.check_dates;
  q.verify_time_s = t.at_s;
  return q;
}

void NtsLink::asked(uint32_t id, bool dates_checked) {
  waiting_ = id;
  asked_dates_checked_ = dates_checked;
  schedule_.asked();
}

std::string NtsLink::not_ready_why() const {
  if (!error_.empty()) return "NTS: " + error_;
  return schedule_.ready() ? "NTS: no cookie left, key exchange due" : "NTS: no keys yet";
}

bool NtsLink::take_keys(const os::nts::KeAnswer& a) {
  auto c2s = os::SivKey::create(a.c2s.data(), a.c2s.size());
  auto s2c = os::SivKey::create(a.s2c.data(), a.s2c.size());
  if (!c2s || !s2c) {
    error_ = (c2s ? s2c.error() : c2s.error()).message;
    return false;
  }
  c2s_ = std::move(*c2s);
  s2c_ = std::move(*s2c);
  session_.start(a.cookies.data(), a.cookies.size());
  return true;
}

std::optional<os::SocketAddress> NtsLink::take(const os::nts::KeAnswer& a, int64_t now_mono_ns,
                                               int64_t now_ns) {
  waiting_ = 0;
  // The helper resolved it: an address, never a name to look up here.
  auto ntp = a.ok ? os::resolve_numeric(os::HostPort{a.ntp_address, a.ntp_port}) : std::nullopt;
  if (!a.ok || !ntp || ntp->empty() || !take_keys(a)) {
    if (a.ok && (!ntp || ntp->empty()))
      error_ = "the key exchange named an NTP server that is not an address: " + a.ntp_address;
    if (!a.ok) error_ = a.error;
    schedule_.failed(now_mono_ns);
    if (!schedule_.ready()) session_.clear();
    return std::nullopt;
  }
  error_.clear();
  schedule_.succeeded(asked_dates_checked_, now_mono_ns);
  last_exchange_ns_ = now_ns;
  ++exchanges_;
  ntp_server_ = ntp->front().to_string();
  return ntp->front();
}

size_t NtsLink::seal(uint8_t* packet, size_t size, size_t cap, int64_t now_mono_ns) {
  uint8_t unique_id[codec::kNtsUniqueIdSize];
  uint8_t nonce[codec::kNtsNonceSize];
  os::random_bytes(unique_id, sizeof(unique_id));
  os::random_bytes(nonce, sizeof(nonce));
  size_t n = ready() ? session_.seal_request(packet, size, cap, unique_id, nonce, c2s_) : 0;
  if (session_.cookies() == 0 && schedule_.ready()) schedule_.keys_spent(now_mono_ns);  // the jar is empty
  return n;
}

NtsVerdict NtsLink::judge(const uint8_t* data, size_t size, int64_t now_mono_ns,
                          proto::NtsReplyStatus* status) {
  auto layout = codec::decode(data, size);
  if (!layout || !schedule_.ready()) return NtsVerdict::Stray;
  *status = session_.judge_reply(data, *layout, s2c_);
  switch (*status) {
    case proto::NtsReplyStatus::Ok: return NtsVerdict::Pass;
    case proto::NtsReplyStatus::Nak:
      ++naks_;
      schedule_.keys_spent(now_mono_ns);
      session_.clear();
      return NtsVerdict::Refused;
    case proto::NtsReplyStatus::NotOurs: return NtsVerdict::Stray;
    case proto::NtsReplyStatus::Unauthenticated:
    case proto::NtsReplyStatus::BadAuthenticator: return NtsVerdict::Forged;
  }
  return NtsVerdict::Stray;
}

NtsSnapshot NtsLink::snapshot() const {
  NtsSnapshot n;
  n.authenticated = schedule_.ready();
  n.cookies = static_cast<int64_t>(session_.cookies());
  n.last_exchange_ns = last_exchange_ns_;
  n.dates_checked = schedule_.dates_checked();
  n.error = error_;
  n.exchanges = exchanges_;
  n.naks = naks_;
  n.ntp_server = ntp_server_;
  return n;
}

}  // namespace lansync::sntpd
