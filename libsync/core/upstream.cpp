// Upstream following; see upstream.hpp.
#include "core/upstream.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/filter.hpp"
#include "core/select.hpp"
#include "core/server.hpp"
#include "proto/units.hpp"

namespace lansync::core {
namespace {

using proto::kNsPerSecond;

static_assert(kReachPolls == std::numeric_limits<uint8_t>::digits,
              "the reach register holds kReachPolls bits");

int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

}  // namespace

UpstreamSource::UpstreamSource(std::string name, uint32_t refid, int64_t now_ns, int max_poll_log2)
    : name_(std::move(name)),
      refid_(refid),
      min_poll_log2_(std::min(kMinPollLog2, max_poll_log2)),
      max_poll_log2_(max_poll_log2),
      longest_poll_log2_(max_poll_log2),
      poll_log2_(min_poll_log2_),
      next_poll_ns_(now_ns),
      reach_change_mono_ns_(now_ns) {}

void UpstreamSource::on_transmit(int64_t now_ns, double spread) {
  spread_ = std::clamp(spread, 0.0, 1.0);
  // A retry asks again for the last poll's reply: the reach register counts polls, not requests,
  // so that retries do not make a server unreachable sooner than its polls would.
  if (!retry_) {
    reach_ = static_cast<uint8_t>(reach_ << 1);
    polls_ = std::min(polls_ + 1, kReachPolls);
  }
  if (burst_left_ > 0) --burst_left_;
  last_transmit_ns_ = now_ns;
  ++unanswered_;
  if (burst_left_ > 0) {
    schedule(now_ns + kBurstSpacingNs, kBurstSpacingNs);  // the start's burst owes nothing
    return;
  }
  // A silent server (no reply to its last kReachPolls) is asked ever less often (chronyd backs
  // off too, by smaller steps); its first reply brings the shortest interval back (on_sample).
  if (silent()) poll_log2_ = std::min(poll_log2_ + 1, longest_poll_log2_);
  // Until its reply comes the next poll may be a retry, sooner (on_sample puts it back): while the
  // server is reachable, kLostReplyRetries times in a row, where the next poll at the interval
  // would leave the newest sample older than max_age_ns_.  The retries come evenly in the time
  // left, the last a second before the sample passes it, but no further apart than a quarter of
  // the interval and no closer than the shortest; a quarter apart once the sample is already too
  // old (a falseticker's or a kissing server's).
  int64_t poll_ns = interval_ns();
  int64_t lapse_ns = last_retry_ns();
  int retries_left = kLostReplyRetries - unanswered_ + 1;
  if (reach_ == 0 || retries_left <= 0 || now_ns + poll_ns <= lapse_ns) {
    schedule(now_ns + poll_ns, poll_ns);
    return;
  }
  int64_t retry_ns = (kNsPerSecond << poll_log2_) / 4;
  if (lapse_ns > now_ns) retry_ns = std::min(retry_ns, (lapse_ns - now_ns) / retries_left);
  schedule(now_ns + std::max(retry_ns, kNsPerSecond << min_poll_log2_), poll_ns);
  retry_ = true;
}

int64_t UpstreamSource::last_retry_ns() const { return last_answered_ns_ + max_age_ns_ - kRetryMarginNs; }

void UpstreamSource::schedule(int64_t at_ns, int64_t measured_ns) {
  next_poll_ns_ = at_ns;
  scheduled_interval_ns_ = measured_ns;
  retry_ = false;
}

void UpstreamSource::count_request(int64_t now_ns) {
  if (polls_ == 0) return;
  double gap = static_cast<double>(now_ns - last_transmit_ns_) / static_cast<double>(scheduled_interval_ns_);
  owed_ = std::clamp(owed_ + 1.0 - gap, 0.0, static_cast<double>(kReachPolls));
}

bool samples_consistent(const UpstreamSample& a, const UpstreamSample& b) {
  auto distance = [](const UpstreamSample& u) {
    int64_t d = (u.root_delay_ns + u.sample.delay_ns) / 2 + u.root_dispersion_ns +
                proto::ns_from_log2(u.precision_log2);
    return std::max(d, kMinSelectionDistanceNs);
  };
  int64_t growth = abs64(a.time_ns - b.time_ns) / 1'000'000 * proto::kPhiPpm;
  return abs64(a.sample.offset_ns - b.sample.offset_ns) <= distance(a) + distance(b) + growth;
}

SampleVerdict UpstreamSource::on_sample(const UpstreamSample& s, const SampleRules& rules) {
  // Back from silence: polled from the shortest interval again, not from where it backed off to.
  if (silent()) {
    poll_log2_ = min_poll_log2_;
    poll_score_ = 0;
  }
  reach_ |= 1;  // the server answered, whatever its answer is worth
  unanswered_ = 0;
  SampleVerdict verdict = judge(s, rules);
  if (verdict != SampleVerdict::BeyondMaxChange && verdict != SampleVerdict::Falseticker) {
    last_answered_ns_ = last_transmit_ns_;
    if (filter_.size() == kFilterSize) filter_.erase(filter_.begin());
    filter_.push_back(s);
    std::optional<int64_t> predicted = stats_.predict_ns(s.time_ns);
    int64_t precision = proto::ns_from_log2(s.precision_log2);
    stats_.add({s.time_ns, s.sample.offset_ns, std::max(s.sample.delay_ns, precision), precision});
    adjust_poll(s, predicted);
  }
  // Answered: no retry; the next poll a whole interval (as it now is) after this one, and later by
  // what the requests sent sooner than their interval still owe (up to half an interval, and as
  // long as the newest sample would still leave the retries their room before it passes max age).
  if (burst_left_ == 0 && !stopped_) {
    int64_t poll_ns = interval_ns();
    int64_t room_ns = last_retry_ns() - kLostReplyRetries * (kNsPerSecond << min_poll_log2_) -
                      (last_transmit_ns_ + poll_ns);
    int64_t owed_ns = std::llround(owed_ * static_cast<double>(poll_ns));
    int64_t pay_ns = std::max<int64_t>(0, std::min({owed_ns, poll_ns / 2, room_ns}));
    schedule(last_transmit_ns_ + poll_ns + pay_ns, poll_ns);
  }
  return verdict;
}

SampleVerdict UpstreamSource::judge(const UpstreamSample& s, const SampleRules& rules) {
  if (!rules.synced) {
    // One sample alone cannot set the clock: the run of consistent samples
    // starts again from any that disagrees with it.
    bool consistent = std::all_of(filter_.begin(), filter_.end(),
                                  [&s](const UpstreamSample& u) { return samples_consistent(u, s); });
    if (consistent) return SampleVerdict::Used;
    filter_.clear();
    stats_.clear();
    return SampleVerdict::Restarted;
  }
  if (rules.max_change_ns > 0 && abs64(s.sample.offset_ns) > rules.max_change_ns) {
    strikes_ = std::min(strikes_ + 1, kMaxChangeStrikes);
    if (falseticker_ || strikes_ < kMaxChangeStrikes) return SampleVerdict::BeyondMaxChange;
    falseticker_ = true;
    filter_.clear();  // its earlier samples no longer speak for it
    stats_.clear();
    return SampleVerdict::Falseticker;
  }
  strikes_ = 0;
  falseticker_ = false;
  return SampleVerdict::Used;
}

void UpstreamSource::adjust_poll(const UpstreamSample& s, std::optional<int64_t> predicted_ns) {
  double distance = static_cast<double>(s.sample.delay_ns / 2 + proto::ns_from_log2(s.precision_log2));
  double error = predicted_ns ? std::fabs(static_cast<double>(s.sample.offset_ns - *predicted_ns)) : 0;
  double n = static_cast<double>(stats_.size());
  double adj = error > distance ? -std::log2(error / distance) : (n / kPollTarget - 1) / kPollTarget;
  if (error <= distance && n < kPollTarget) adj *= 2;
  poll_score_ += adj;
  int steps = static_cast<int>(std::floor(poll_score_));
  if (steps != 0) {
    poll_log2_ += steps;
    poll_score_ -= steps;
  }
  if (poll_log2_ <= min_poll_log2_) {
    poll_log2_ = min_poll_log2_;
    poll_score_ = std::max(poll_score_, 0.0);
  } else if (poll_log2_ >= longest_poll_log2_) {
    poll_log2_ = longest_poll_log2_;
    poll_score_ = 1.0 - 1e-9;  // one small miss does not bring it down
  }
}

void UpstreamSource::on_rate_kiss(int64_t now_ns) {
  burst_left_ = 0;
  unanswered_ = 0;  // answered, if only to say "slower"
  poll_log2_ = std::min(poll_log2_ + 1, longest_poll_log2_);
  int64_t poll_ns = interval_ns();
  schedule(now_ns + poll_ns, poll_ns);
}

int64_t UpstreamSource::interval_ns() const {
  int64_t poll_ns = kNsPerSecond << poll_log2_;
  return poll_ns + std::llround(static_cast<double>(poll_ns) * kPollRandomness * spread_);
}

void UpstreamSource::correct_beneath(Beneath b) {
  stats_.correct_beneath(b);
  longest_poll_log2_ =
      b == Beneath::Temperature ? std::min(max_poll_log2_, kSensorMaxPollLog2) : max_poll_log2_;
  poll_log2_ = std::min(poll_log2_, longest_poll_log2_);
}

void UpstreamSource::on_deny_kiss() {
  stopped_ = true;
  burst_left_ = 0;
  next_poll_ns_ = INT64_MAX;
  filter_.clear();
  stats_.clear();
}

void UpstreamSource::apply_step(int64_t offset_ns) { apply_correction({0, 0, offset_ns}); }

void UpstreamSource::apply_correction(const SampleShift& c) {
  for (UpstreamSample& u : filter_) c.apply(u.time_ns, u.sample.offset_ns);
  stats_.shift(c);
}

std::optional<UpstreamSample> UpstreamSource::best() const {
  if (filter_.empty() || reach_ == 0) return std::nullopt;
  std::vector<proto::Sample> samples;
  for (const UpstreamSample& u : filter_) samples.push_back(u.sample);
  return filter_[filter_samples(samples.data(), samples.size()).best];
}

int64_t UpstreamSource::jitter_ns() const {
  if (filter_.empty()) return 0;
  std::vector<proto::Sample> samples;
  for (const UpstreamSample& u : filter_) samples.push_back(u.sample);
  return filter_samples(samples.data(), samples.size()).jitter_ns;
}

int64_t UpstreamSource::root_distance_ns(int64_t now_ns) const {
  if (filter_.empty()) return INT64_MAX;
  // From the newest sample, as chronyd's: the least-delayed of the last eight may be two hours old
  // at 1024 s polls, and 15 ppm of that would widen every interval past the falsetickers.
  const UpstreamSample& n = filter_.back();
  int64_t age_ns = std::max<int64_t>(0, now_ns - n.time_ns);
  // The register's error now, or the filter's jitter where that is less: an estimate from a burst's
  // few samples 2 s apart has a skew of thousands of ppm, which would widen the interval by as many
  // ms per second since its newest sample.  Plus how far the newest sample is from the estimate:
  // what it has not yet followed (the clock's frequency stepped as it warmed).
  const std::optional<SourceEstimate>& e = stats_.estimate();
  int64_t error = jitter_ns();
  if (e) {
    int64_t estimate_error = e->offset_sd_ns + std::llround(e->skew_ppm * static_cast<double>(age_ns) / 1e6);
    error = std::min(error, estimate_error) + abs64(n.sample.offset_ns - e->offset_at(n.time_ns));
  }
  return (n.root_delay_ns + n.sample.delay_ns) / 2 + n.root_dispersion_ns +
         proto::ns_from_log2(n.precision_log2) + age_ns / 1'000'000 * proto::kPhiPpm + error;
}

namespace {

// The sources select_upstreams may choose from, as intersection candidates; index[k] is candidate k's source.
//
// Reachability is not required, as in chronyd: a source that stopped answering stays a candidate
// while its register's newest sample is no older than the oldest of a reachable source's, so that
// a pulse that stopped is held over on (its interval growing at 15 ppm) rather than left at once
// for a receiver's time a thousand times coarser, and a server silent for a few polls is not
// dropped for a worse one.
void gather_candidates(const std::vector<UpstreamSource>& sources, int64_t now_ns, const SelectRules& rules,
                       std::vector<Candidate>& candidates, std::vector<size_t>& index) {
  auto selectable = [&](const UpstreamSource& s) {
    return !s.stopped() && !s.falseticker() && !s.noselect() && (!rules.first_pending || s.agreed());
  };
  int64_t reach_span_ns = -1;  // the longest reachable source's register reaches back, from now
  for (const UpstreamSource& s : sources) {
    if (selectable(s) && s.reachable() && s.estimate())
      reach_span_ns = std::max(reach_span_ns, now_ns - s.estimate()->first_time_ns);
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    const UpstreamSource& s = sources[i];
    if (!selectable(s)) continue;
    auto b = s.best();  // none once unreachable
    if (!b && !(s.estimate() && now_ns - s.estimate()->time_ns <= reach_span_ns)) continue;
    // The register's offset now, where there is one: it has the least noise.
    int64_t offset_ns = s.estimate() ? s.estimate()->offset_at(now_ns) : b->sample.offset_ns;
    candidates.push_back({offset_ns, s.root_distance_ns(now_ns), s.reference_clock()});
    index.push_back(i);
  }
}

// What sntpd serves while following p, whose selection measured offset_ns: as of p's newest sample
// (as chronyd's reference time is its last update, made for its system peer's sample), not of the
// least-delayed of the last eight, which may be two hours old, nor of another server's sample,
// which would restart its growth.  The root dispersion is everything that may separate our clock
// from the primary reference besides the path: p's root distance then less half its root delay,
// and the offset measured (still being corrected, or not corrected at all).
UpstreamReference reference_of(const UpstreamSource& p, int64_t offset_ns) {
  UpstreamReference r;
  const UpstreamSample& n = p.newest();
  r.stratum = n.stratum;
  r.refid = p.refid();
  r.name = p.name();
  r.update_ns = n.time_ns;
  r.root_delay_ns = n.root_delay_ns + n.sample.delay_ns;
  r.root_dispersion_ns = p.root_distance_ns(n.time_ns) - r.root_delay_ns / 2 + abs64(offset_ns);
  return r;
}

}  // namespace

std::optional<CombinedEstimate> combine_truechimers(const std::vector<UpstreamSource>& sources,
                                                    const std::vector<bool>& truechimer, size_t peer,
                                                    int64_t now_ns) {
  const std::optional<SourceEstimate>& p = peer < sources.size() ? sources[peer].estimate() : std::nullopt;
  double peer_offset = p ? static_cast<double>(p->offset_at(now_ns)) : 0;
  double freq_weights = 0, freq_sum = 0, skew_weights = 0;
  double offset_weights = 0, offset_var = 0;
  // The peer's kind sets the combining limit (a receiver's pulse: chronyd's; a server: floored).
  int64_t limit = peer < sources.size() ? combine_limit_ns(sources[peer].root_distance_ns(now_ns),
                                                           sources[peer].reference_clock())
                                        : INT64_MAX;
  for (size_t i = 0; i < sources.size() && i < truechimer.size(); ++i) {
    const std::optional<SourceEstimate>& e = sources[i].estimate();
    if (!truechimer[i] || !e || !(e->skew_ppm > 0) || !(e->freq_sd_ppm > 0)) continue;
    if (i != peer && sources[i].root_distance_ns(now_ns) > limit) continue;
    double w = 1 / (e->freq_sd_ppm * e->freq_sd_ppm);
    freq_weights += w;
    freq_sum += w * e->freq_ppm;
    skew_weights += 1 / (e->skew_ppm * e->skew_ppm);
    if (!p) continue;
    double age_s = static_cast<double>(std::max<int64_t>(0, now_ns - e->time_ns)) / 1e9;
    double sd = static_cast<double>(e->offset_sd_ns) + e->freq_sd_ppm * 1e3 * age_s;  // ns
    double spread = static_cast<double>(e->offset_at(now_ns)) - peer_offset;
    double ow = 1 / static_cast<double>(std::max<int64_t>(1, sources[i].root_distance_ns(now_ns)));
    offset_weights += ow;
    offset_var += ow * (sd * sd + spread * spread);
  }
  if (freq_weights == 0) return std::nullopt;
  CombinedEstimate c{freq_sum / freq_weights, 1 / std::sqrt(skew_weights), 0};
  if (offset_weights > 0) c.offset_sd_ns = std::llround(std::sqrt(offset_var / offset_weights));
  return c;
}

UpstreamSelection select_upstreams(const std::vector<UpstreamSource>& sources, int64_t now_ns,
                                   const SelectRules& rules) {
  UpstreamSelection out;
  out.truechimer.assign(sources.size(), false);
  // A source not selected (noselect) has no vote: the first sync's majority is of the others.
  for (const UpstreamSource& s : sources) out.reachable += s.reachable() && !s.noselect() ? 1u : 0u;
  std::vector<Candidate> candidates;
  std::vector<size_t> index;
  gather_candidates(sources, now_ns, rules, candidates, index);
  out.candidates = candidates.size();
  if (candidates.empty()) {
    out.problem = out.reachable == 0 ? SelectProblem::NoneReachable : SelectProblem::NoCandidates;
    return out;
  }
  bool flags[kMaxSources];
  Selection sel = select_sources(candidates.data(), candidates.size(), flags);
  out.truechimers = sel.ok ? sel.truechimers : 0;
  // The first correction needs a majority of the servers that answer, not only of those that agreed already.
  if (!sel.ok || (rules.first_pending && 2 * sel.truechimers <= out.reachable)) {
    out.problem = SelectProblem::NoMajority;
    return out;
  }
  if (sel.truechimers < rules.min_sources) {
    out.problem = SelectProblem::BelowMinSources;
    return out;
  }
  size_t peer = SIZE_MAX;
  for (size_t k = 0; k < candidates.size() && k < kMaxSources; ++k) {
    if (!flags[k]) continue;
    out.truechimer[index[k]] = true;
    if (peer == SIZE_MAX || candidates[k].root_distance_ns < candidates[peer].root_distance_ns) peer = k;
  }
  out.ok = true;
  out.problem = SelectProblem::None;
  out.offset_ns = sel.offset_ns;
  out.system_peer = index[peer];
  out.reference = reference_of(sources[out.system_peer], sel.offset_ns);
  return out;
}

void PeerChoice::choose(UpstreamSelection& sel, const std::vector<UpstreamSource>& sources, int64_t now_ns,
                        size_t updated) {
  if (!sel.ok) {
    reset();
    return;
  }
  score_.resize(sources.size(), 1.0);
  if (peer_ >= sources.size() || !sel.truechimer[peer_]) {
    peer_ = sel.system_peer;  // the least root distance
    std::fill(score_.begin(), score_.end(), 1.0);
    return;
  }
  double peer_distance = static_cast<double>(sources[peer_].root_distance_ns(now_ns));
  size_t best = peer_;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!sel.truechimer[i]) {
      score_[i] = 1.0;
      continue;
    }
    if (i == updated || peer_ == updated) {
      double distance = static_cast<double>(sources[i].root_distance_ns(now_ns) + kReselectDistanceNs);
      score_[i] = std::max(1.0, score_[i] * peer_distance / distance);
    }
    if (score_[i] > score_[best]) best = i;
  }
  if (best != peer_ && score_[best] > kPeerScoreLimit) {
    peer_ = best;
    std::fill(score_.begin(), score_.end(), 1.0);
  }
  if (sel.system_peer != peer_) {
    sel.system_peer = peer_;
    sel.reference = reference_of(sources[peer_], sel.offset_ns);
  }
}

}  // namespace lansync::core
