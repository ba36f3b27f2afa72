// sntpd upstream polling; see upstreams.hpp.
#include "upstream/upstreams.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>

#include "os/log.hpp"

namespace lansync::sntpd {
namespace {

// Datagrams read from one server per wake-up at most: a flood waits for the next.
constexpr int kReadsPerPoll = 16;

}  // namespace

os::OsResult<std::vector<UpstreamSpec>> parse_upstreams(const std::vector<std::string>& words) {
  std::vector<UpstreamSpec> out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "nts") {
      if (out.empty() || out.back().nts || out.back().key_id != 0)
        return os::invalid("--upstream: 'nts' must follow a HOST[:PORT] without 'key'");
      out.back().nts = true;
      continue;
    }
    if (words[i] != "key") {
      out.push_back({words[i], 0, false});
      continue;
    }
    if (out.empty() || out.back().key_id != 0 || out.back().nts)
      return os::invalid("--upstream: 'key' must follow a HOST[:PORT] without 'nts'");
    const std::string id = i + 1 < words.size() ? words[i + 1] : "";
    uint32_t key_id = 0;
    auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), key_id);
    if (id.empty() || ec != std::errc{} || end != id.data() + id.size() || key_id == 0) {
      return os::invalid(fmt::format("--upstream {} key: needs a key ID, 1 to 4294967295", out.back().text));
    }
    out.back().key_id = key_id;
    ++i;
  }
  return out;
}

Upstreams::Upstreams(os::Clock& clock, UpstreamConfig config)
    : clock_(clock),
      config_(std::move(config)),
      servers_(config_.lookup, {config_.max_sources, config_.max_poll_log2, config_.max_age_ns}, config_.nts),
      follower_(
          {config_.clock_control, config_.step_threshold_ns, config_.max_change_ns, config_.min_sources}) {}

void Upstreams::add_name(const std::string& text, const os::HostPort& hp, const proto::MacKeys* keys,
                         uint32_t key_id, bool nts) {
  servers_.add_name(text, hp, keys, key_id, nts);
}

void Upstreams::add_refclock(RefclockPeer receiver) {
  receivers_.add(std::move(receiver), sources_, config_.max_poll_log2);
}

int64_t Upstreams::next_due_ns() const {
  int64_t due = follower_.slew_due_ns();
  for (const core::UpstreamSource& s : sources_) due = std::min(due, s.next_poll_ns());
  due = std::min(due, receivers_.next_read_ns());
  return std::min(due, servers_.next_due_ns());
}

std::optional<UpstreamAction> Upstreams::poll_once(core::Beneath beneath) {
  for (core::UpstreamSource& s : sources_) s.correct_beneath(beneath);
  int64_t mono_now_ns = os::monotonic_ns();
  receivers_.read({clock_, sources_, follower_}, servers_.peers(), mono_now_ns);
  if (follower_.slew_due_ns() <= mono_now_ns) return follower_.end_slew(mono_now_ns);
  servers_.take_answers({clock_, sources_, follower_}, mono_now_ns);
  servers_.nts_round(mono_now_ns, follower_.synced() || clock_trusted_.load(), clock_.now_ns());
  for (size_t i = 0; i < servers_.peers(); ++i) {
    if (auto a = receive(i)) return a;  // the next call reads on from here
    if (sources_[i].next_poll_ns() > mono_now_ns) continue;
    core::SourceAction a = servers_.peer(i).transmit(sources_[i], clock_, mono_now_ns);
    servers_.peer(i).log(sources_[i], a, config_.max_change_ns);
    act(i, a);  // a poll brings no sample: at most a new selection
  }
  // Each receiver whose poll came gives its sample; the first correction one asks for, if any.
  size_t first = servers_.peers();  // the receivers' sources follow the servers'
  for (size_t j = 0; j < receivers_.size(); ++j) {
    if (sources_[first + j].next_poll_ns() > mono_now_ns) continue;
    core::SourceAction a = receivers_.poll(j, sources_, first, follower_.sample_rules(), mono_now_ns);
    if (auto action = act(first + j, a)) return action;
  }
  servers_.judge(sources_, follower_, mono_now_ns);  // and asks again for the names due
  return std::nullopt;
}

std::optional<UpstreamAction> Upstreams::receive(size_t i) {
  int budget = kReadsPerPoll;
  uint8_t buf[2048];  // an NTS reply carries up to eight cookies
  int64_t t4 = 0;
  UpstreamPeer& peer = servers_.peer(i);
  while (auto size = peer.read(sources_[i], clock_, buf, sizeof(buf), &t4, &budget)) {
    int64_t now_mono = os::monotonic_ns();
    core::SourceAction a = judge_nts(i, buf, *size, now_mono);
    if (a.event == core::SourceEvent::None) {  // not held back by NTS
      a = sources_[i].receive(buf, *size, t4, now_mono, follower_.sample_rules(),
                              follower_.remaining_ns(now_mono));
    }
    peer.log(sources_[i], a, config_.max_change_ns);
    if (auto action = act(i, a)) return action;
  }
  return std::nullopt;
}

core::SourceAction Upstreams::judge_nts(size_t i, const uint8_t* data, size_t size, int64_t now_mono) {
  NtsLink* nts = servers_.peer(i).nts();
  if (nts == nullptr) return {};
  proto::NtsReplyStatus status = proto::NtsReplyStatus::Ok;
  switch (nts->judge(data, size, now_mono, &status)) {
    case NtsVerdict::Pass: return {};
    case NtsVerdict::Refused:
      os::log::warn("upstream {}: the server refused our NTS cookie (NTSN): new key exchange",
                    sources_[i].name());
      return {};  // the source takes the kiss: no sample
    case NtsVerdict::Stray: return sources_[i].refuse(proto::ReplyStatus::NotOurs);
    case NtsVerdict::Forged:
      return sources_[i].refuse(status == proto::NtsReplyStatus::BadAuthenticator
                                    ? proto::ReplyStatus::BadMac
                                    : proto::ReplyStatus::Unauthenticated);
  }
  return {};
}

std::optional<UpstreamAction> Upstreams::act(size_t k, const core::SourceAction& a) {
  if (a.event == core::SourceEvent::Sample) return follow(k, a.verdict);
  if (a.reselect()) follower_.reselect(sources_, clock_.now_ns());
  return std::nullopt;
}

std::optional<UpstreamAction> Upstreams::follow(size_t k, core::SampleVerdict verdict) {
  if (verdict != core::SampleVerdict::Used && verdict != core::SampleVerdict::Restarted) {
    // Nothing to correct; the selection only loses this source.
    follower_.reselect(sources_, clock_.now_ns());
    return std::nullopt;
  }
  if (!follower_.synced()) {
    // The frequency the clock has now (a drift file's) is where the discipline starts.
    if (auto st = clock_.sync_status()) follower_.start_from(st->frequency_ppm);
  }
  std::optional<UpstreamAction> action = follower_.update(sources_, k, clock_.now_ns(), os::monotonic_ns());
  if (action) action->source = source_label(action->system_peer);
  return action;
}

std::string Upstreams::source_label(size_t k) const {
  if (k < servers_.peers()) return "ntp:" + servers_.peer(k).address().ip();
  return receivers_.source(k - servers_.peers());
}

void Upstreams::applied(const UpstreamAction& a, bool done) {
  std::optional<core::SampleShift> shift =
      follower_.applied(a, done, sources_, clock_.now_ns(), os::monotonic_ns());
  if (done) servers_.nts_clock_updated(os::monotonic_ns());  // unchecked certificate dates: checked now
  // The receivers' readings not yet taken move as the sources' samples did.
  if (shift) receivers_.shift(*shift);
}

std::vector<UpstreamSnapshot> Upstreams::status() const {
  std::vector<UpstreamSnapshot> out;
  int64_t now_mono = os::monotonic_ns();
  int64_t real_now_ns = clock_.now_ns();
  servers_.status(out, sources_, follower_, real_now_ns, now_mono);
  receivers_.status(out, sources_, servers_.peers(), follower_, real_now_ns, now_mono);
  return out;
}

}  // namespace lansync::sntpd
