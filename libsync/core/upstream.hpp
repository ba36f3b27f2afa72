// Following upstream NTP servers: poll schedule, per-server clock filter, selection, discipline.
//
// Each upstream server is polled as RFC 5905 and chrony do: a burst of four
// requests 2 s apart at start, then every 2^poll s with poll adapting between
// 64 s and 1024 s (up while the register holds more samples than its
// estimate needs and they come where it predicted, down as far as one strays:
// chrony's rule).  Each server's samples go into a register (core/discipline),
// whose filter gives its offset now; the least-delay of the last eight gives its root
// distance and what is served.  Across servers, the intersection algorithm
// (core/select) picks the truechimers, and the one with the least root
// distance becomes the system peer, kept until another is closer over
// several updates (PeerChoice): sntpd then serves its stratum + 1 with its
// address as reference ID.  The clock is stepped only on the first update and
// only beyond the step threshold; after that core/discipline slews it.
//
// A server is reachable while one of its last 8 polls got a usable reply (the
// reach register, as chrony's): only reachable servers are counted, so a dead
// one neither blocks nor joins a majority, and it counts again from its next
// reply.  A reachable server's lost reply is asked again up to kLostReplyRetries
// times in a row where the next poll at the interval would leave its newest
// sample older than the reference may be (--max-age, 30 min by default: at
// 1024 s polls one lost reply does), the retries evenly in the time left (a
// quarter of the interval apart at most, 64 s at least); they are not polls of
// the reach register.  A retry is made up for: the intervals after it are
// longer by as much as it came sooner (up to half an interval each, and only
// as far as --max-age leaves the retries their room), so that a server gets no
// more requests than one an interval, as chronyd sends; only the start's burst
// is not made up.  A silent server (no reply to its last 8 polls) is polled at
// twice the interval each time, up to the longest, and from the shortest again
// once it answers.  Fewer agreeing servers than --min-sources (chrony's
// minsources) give no correction.
//
// Guards against a server that lies or is impersonated: the first correction
// waits for agreement (kAgreementSamples consistent samples from each source
// counted, and with several reachable servers a majority of them agreeing); after it,
// a sample further than --max-change from our clock is not used, and
// kMaxChangeStrikes such samples in a row make the server a falseticker,
// not followed until it comes back within --max-change.  A Kiss-o'-Death
// DENY or RSTR stops the polls for good; RATE doubles the poll interval.  Pure.
// Schedule times (next_poll_ns, on_transmit, and every now_mono_ns) are on a monotonic clock, so that
// a step does not disturb them; sample times are on the clock being disciplined.
//
// One server is one UpstreamSource, sans-IO as ntpd-rs's NtpSource: its timer
// (poll) writes the request to send, and a datagram with its receive time
// (receive) comes back as a SourceAction: a sample judged, a reply of no use,
// a Kiss-o'-Death obeyed, a stray or forgery counted, a change of reach.  The
// driver (sntpd's UpstreamPeer) owns the socket and the clock and only sends,
// reads and logs.  A GPS receiver's source has no exchanges: each poll hands it
// the reading that came (take_reading; sntpd's RefclockPeer reads the device).
// The correction of the clock is the selection's, across sources.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/discipline.hpp"
#include "core/exchange.hpp"
#include "core/reference.hpp"
#include "core/trust.hpp"
#include "core/upstream_rejection.hpp"
#include "proto/client.hpp"

namespace lansync::core {

inline constexpr int kMinPollLog2 = 6;  // 64 s
// Samples the poll interval aims to keep in a register (chrony's polltarget).
inline constexpr double kPollTarget = 8;
inline constexpr int kMaxPollLog2 = 10;  // 1024 s
// The longest poll while a temperature sensor's curve corrects the crystal (Beneath::Temperature):
// 512 s.  What the curve leaves is the path's noise and its own misses, which the predictions stay
// within, so chrony's rule climbs to the longest; there twice the samples halve the offset's noise
// where the curve missed (RMS offset 0.40-0.63 x chronyd's at 1 024 s, 0.26-0.50 x at 512 s, at
// 0.95-1.45 x its requests: bench/README.md).
inline constexpr int kSensorMaxPollLog2 = 9;
inline constexpr int kBurstSamples = 4;
inline constexpr int64_t kBurstSpacingNs = 2'000'000'000;
// Retries of a lost reply (on_transmit): with 10 % of the packets lost each way, five let a
// server's reference pass --max-age in 1 of 18 simulated runs of 4.6 days, three in 6 of 18
// (bench/README.md).
inline constexpr int kLostReplyRetries = 5;
// Each interval at the poll is stretched by up to this share, at random (chronyd's
// SAMPLING_RANDOMNESS): Pis powered on together do not poll a server in step.
inline constexpr double kPollRandomness = 0.02;
// The last retry comes this long before the sample would pass it: its reply's round trip.
inline constexpr int64_t kRetryMarginNs = 1'000'000'000;
inline constexpr size_t kFilterSize = 8;
// Consistent samples a source needs before the first correction.  chrony
// makes a source selectable only from 3 samples (MIN_SAMPLES_FOR_REGRESS in
// its regress.c); "consistent" is samples_consistent() below.
inline constexpr size_t kAgreementSamples = 3;
// Polls the reach register remembers: a server none of whose last kReachPolls
// polls got a usable reply is unreachable (chrony's reach register, 8 bits).
inline constexpr int kReachPolls = 8;
// Samples in a row beyond --max-change that make a source a falseticker.
inline constexpr int kMaxChangeStrikes = 3;
// --max-change's default: ntpd's panic threshold (RFC 5905 §A.5.5.1, PANICT), 1000 s.
inline constexpr int64_t kDefaultMaxChangeNs = 1000'000'000'000;

// One accepted reply from an upstream server.
struct UpstreamSample {
  int64_t time_ns = 0;   // local time of the reply (T4)
  proto::Sample sample;  // offset (positive: server ahead) and delay
  uint8_t stratum = 0;
  int64_t root_delay_ns = 0;
  int64_t root_dispersion_ns = 0;
  int8_t precision_log2 = -20;
};

// Whether two samples of one server can both be right (RFC 5905 §11.2.1, as
// ntpd's intersection judges servers): their correctness intervals, offset ±
// (root distance, at least kMinSelectionDistanceNs, grown at 15 ppm over the
// time between them), overlap.
bool samples_consistent(const UpstreamSample& a, const UpstreamSample& b);

// The rules a new sample is judged by.  The default judges nothing (every sample is used).
struct SampleRules {
  bool synced = true;  // the clock was corrected (or followed) once: max_change_ns applies; else agreement
  int64_t max_change_ns = 0;  // |offset| above which a sample is not used after the first sync; 0: no limit
};

// What became of a sample (UpstreamSource::on_sample).
enum class SampleVerdict : uint8_t {
  Used,             // in the filter
  Restarted,        // before the first sync, inconsistent with the earlier ones: they were dropped
  BeyondMaxChange,  // after the first sync, beyond max_change_ns: not used
  Falseticker,      // the same, the kMaxChangeStrikes-th in a row: the source is now a falseticker
};

// Requests of a server whose replies are still waited for (a reply to an older one is a stray).
inline constexpr size_t kOutstandingRequests = 4;

// What a datagram was to its source (UpstreamSource::receive).
enum class SourceEvent : uint8_t {
  None,        // a request written (poll), or no reading came (take_reading)
  Ignored,     // not an answer to a request of ours (status says why); Stray counted when NotOurs
  Forged,      // echoes a request but fails authentication: counted, the request stays open
  NotUsable,   // an answer that is no sample (status says why: unsynchronized, kiss, ...)
  KissRate,    // Kiss-o'-Death RATE (RFC 5905 §7.4): the poll interval doubled
  KissStop,    // Kiss-o'-Death DENY or RSTR: never polled again
  Sample,      // a sample, judged (verdict): the selection is out of date
  CannotSign,  // (poll) the request could not be signed with the source's key: nothing to send
};

// A change of a source's reachability that an event brought.
enum class ReachEvent : uint8_t {
  Same,
  Reached,        // its first usable reply
  Again,          // reachable again
  Unreachable,    // no usable reply to its last kReachPolls polls
  NeverAnswered,  // the kReachPolls-th poll, and no usable reply yet
};

// What an event of a source asks of its driver (ntpd-rs's NtpSourceAction), and tells it.
struct SourceAction {
  size_t send_size = 0;  // poll(): send out[0, send_size), reading T1 just before (sent())
  SourceEvent event = SourceEvent::None;
  ReachEvent reach = ReachEvent::Same;
  proto::ReplyStatus status = proto::ReplyStatus::Ok;  // the datagram's (receive)
  uint32_t kiss = 0;                            // its Kiss-o'-Death code (NotUsable, KissRate, KissStop)
  SampleVerdict verdict = SampleVerdict::Used;  // event Sample
  UpstreamSample sample;                        // event Sample: as judged
  // The servers' selection is out of date: a sample came, the source stopped, or its reach changed.
  bool reselect() const {
    return event == SourceEvent::Sample || event == SourceEvent::KissStop ||
           (reach != ReachEvent::Same && reach != ReachEvent::NeverAnswered);
  }
};

class UpstreamSource {
 public:
  // name: as configured ("192.168.1.1:123"); refid: its IPv4 address (or the
  // hash of its IPv6 address) as it goes into our replies; max_poll_log2: the
  // longest poll interval (log2 s, 0 to kMaxPollLog2); the interval starts at
  // the smaller of kMinPollLog2 and it.
  UpstreamSource(std::string name, uint32_t refid, int64_t now_ns, int max_poll_log2 = kMaxPollLog2);
  // A server's source whose requests are signed with key_id of keys (keys must outlive it), and
  // whose replies count only signed alike (RFC 5905 §7.3); key_id 0: unauthenticated.
  void set_key(const proto::MacKeys* keys, uint32_t key_id);
  // How old its newest sample may grow (sntpd's --max-age): a lost reply is asked again sooner
  // only to keep it younger (on_transmit).
  void set_max_age(int64_t max_age_ns) { max_age_ns_ = max_age_ns; }

  // Timer: the poll due at now_mono_ns (next_poll_ns(), monotonic).  Writes its request into out[0, cap)
  // (cookie: 64 random bits in its transmit field) and counts the poll (on_transmit); send_size 0
  // when it cannot be signed (event CannotSign).
  // spread: a random number in [0, 1) that stretches the interval to the next poll (kPollRandomness).
  SourceAction poll(int64_t now_mono_ns, uint64_t cookie, uint8_t* out, size_t cap, double spread = 0);
  // The request poll() wrote was sent; t1_ns: the disciplined clock, read immediately before.
  void sent(int64_t t1_ns);
  // The request poll() wrote could not be sent (why, e.g. "network is unreachable"): no reply is waited.
  void send_failed(const std::string& why);
  // A network error reading the server's socket (why); its state says it until a reply comes.
  void note_problem(const std::string& why) { problem_ = why; }
  // The datagram data[0, size) from the server, received at t4_ns on the disciplined clock, at
  // now_mono_ns (monotonic); size 0: truncated.  An answer to one of our requests that passes every test
  // (proto/client) becomes a sample, taken on the clock as if the slew_remaining_ns still to come of
  // the correction in progress were done, and judged by rules (on_sample).
  SourceAction receive(const uint8_t* data, size_t size, int64_t t4_ns, int64_t now_mono_ns,
                       const SampleRules& rules, int64_t slew_remaining_ns);
  // A datagram its driver refused before receive() (an NTS reply that does not authenticate, or
  // answers no request): counted as status says (NotOurs: a stray; BadMac, Unauthenticated: a forgery).
  SourceAction refuse(proto::ReplyStatus status);
  // Timer of a source whose samples come from a device (a GPS receiver, its pulse), not replies:
  // its poll at now_mono_ns (monotonic), with the reading that came since the last (none: no reading),
  // judged by rules (on_sample).
  SourceAction take_reading(int64_t now_mono_ns, const std::optional<UpstreamSample>& reading,
                            const SampleRules& rules);
  // Replies not used, by Rejection.
  const std::array<uint64_t, kRejectionCount>& rejected() const { return rejected_; }
  // Why the last request or reply gave no sample ("kod RATE", "unsynchronized", ...); "" after a good one.
  const std::string& problem() const { return problem_; }
  // When it last became reachable or unreachable (monotonic ns; its creation before that).
  int64_t reach_change_mono_ns() const { return reach_change_mono_ns_; }

  const std::string& name() const { return name_; }
  uint32_t refid() const { return refid_; }
  int poll_log2() const { return poll_log2_; }
  uint8_t reach() const { return reach_; }  // 8-bit register: 1 = a reply to that poll
  // One of the last 8 polls got a usable reply, and the server is still polled (no DENY or RSTR).
  bool reachable() const { return reach_ != 0 && !stopped_; }
  // kReachPolls polls or more sent, and no usable reply to any of the last kReachPolls.
  bool silent() const { return polls_ >= kReachPolls && reach_ == 0; }
  int64_t next_poll_ns() const { return next_poll_ns_; }

  // A request was sent at now_ns: shifts the reach register and schedules the next, at the
  // interval stretched by spread (poll()'s).
  void on_transmit(int64_t now_ns, double spread = 0);
  // A reply passed every test: judged by rules, and used if they allow.
  SampleVerdict on_sample(const UpstreamSample& s, const SampleRules& rules = {});
  // A Kiss-o'-Death RATE (RFC 5905 §7.4): the poll interval doubles, up to the longest.
  void on_rate_kiss(int64_t now_ns);
  // A Kiss-o'-Death DENY or RSTR (RFC 5905 §7.4): never polled again, its samples dropped.
  void on_deny_kiss();
  // The clock was stepped by offset_ns: shift the stored samples to match.
  void apply_step(int64_t offset_ns);
  // A correction was made (core/discipline): the stored samples follow it.
  void apply_correction(const SampleShift& c);
  // What corrects the crystal beneath (SourceStats::correct_beneath); with a temperature sensor's
  // curve, polled at most every 2^kSensorMaxPollLog2 s.
  void correct_beneath(Beneath b);
  // The line through this server's samples (core/discipline), once it has 3.
  const std::optional<SourceEstimate>& estimate() const { return stats_.estimate(); }

  // True after a DENY or RSTR: not polled (next_poll_ns() is INT64_MAX).
  bool stopped() const { return stopped_; }
  // True after kMaxChangeStrikes samples in a row beyond max change, until one within it.
  bool falseticker() const { return falseticker_; }
  // Not selected while set (chronyd's noselect): a GPS receiver's time while its pulse answers,
  // which has its second from it and would otherwise vote twice with it.
  bool noselect() const { return noselect_; }
  void set_noselect(bool noselect) { noselect_ = noselect; }
  // A GPS receiver or its pulse: its newest sample is stratum 0 (no NTP server sends that).
  bool reference_clock() const { return !filter_.empty() && filter_.back().stratum == 0; }
  // Samples beyond max change in a row (0 after one within it).
  int strikes() const { return strikes_; }
  // Samples in the filter: before the first sync, all consistent with each other.
  size_t samples() const { return filter_.size(); }
  // Before the first sync: enough consistent samples to be counted (kAgreementSamples).
  bool agreed() const { return filter_.size() >= kAgreementSamples; }

  // The least-delay sample of the filter, if any reply is recent enough (one
  // of the last 8 polls answered).
  std::optional<UpstreamSample> best() const;
  // The newest sample of the filter (which must not be empty: best() has one).
  const UpstreamSample& newest() const { return filter_.back(); }
  // RMS offset difference of the filter's samples from the best one.
  int64_t jitter_ns() const;
  // Root distance of this server as seen now (RFC 5905 §11.2), from its newest sample: half the
  // root delay and path delay, the root dispersion grown since, the register's error then (or the
  // filter's jitter before it has an estimate); INT64_MAX while unreachable.
  int64_t root_distance_ns(int64_t now_ns) const;

 private:
  // The interval at the poll, stretched by the last poll's spread.
  int64_t interval_ns() const;
  // The next poll at at_ns, measured against measured_ns (count_request): the interval at the
  // poll, or a burst's spacing, which owes nothing.
  void schedule(int64_t at_ns, int64_t measured_ns);
  // When the last retry of a lost reply may come: a second before the newest sample passes max age.
  int64_t last_retry_ns() const;
  // A request is sent at now_ns: as much of a request as it came sooner than the interval it was
  // scheduled against is owed (a retry's; not the start's burst), and as much as it came later is
  // paid back.  At most kReachPolls requests are owed: a server that loses most replies for
  // hours is not then asked less often for as long.
  void count_request(int64_t now_ns);
  // Applies rules to s: whether it may enter the filter (and what it cost the earlier ones).
  SampleVerdict judge(const UpstreamSample& s, const SampleRules& rules);
  // What became of an answer to one of our requests (receive), a kiss or a sample.
  SourceAction answer(const proto::ClientReply& reply, int64_t t4_ns, int64_t now_mono_ns,
                      const SampleRules& rules, int64_t slew_remaining_ns);
  // on_sample, with a sample beyond max change counted.
  SampleVerdict judged(const UpstreamSample& s, const SampleRules& rules);
  // The reach now, against was (reachable() before the event), as a ReachEvent; notes when it changed.
  ReachEvent note_reach(bool was, int64_t now_mono_ns);
  // The poll interval grows while the register holds more samples than it
  // needs and the offsets come where the line predicted; it falls as far as
  // a sample strays beyond its own distance (chrony's rule).
  void adjust_poll(const UpstreamSample& s, std::optional<int64_t> predicted_ns);

  std::string name_;
  uint32_t refid_;
  int min_poll_log2_;
  int max_poll_log2_;
  int longest_poll_log2_;  // max_poll_log2_, or less while a sensor's curve corrects the crystal
  int poll_log2_;
  int burst_left_ = kBurstSamples;
  double poll_score_ = 0;  // the poll moves a step each time this passes 1 or 0
  uint8_t reach_ = 0;
  int polls_ = 0;  // requests sent, up to kReachPolls
  bool stopped_ = false;
  bool noselect_ = false;
  bool falseticker_ = false;
  int strikes_ = 0;
  int64_t next_poll_ns_;
  int64_t last_transmit_ns_ = 0;           // monotonic
  int unanswered_ = 0;                     // polls sent since the last reply
  int64_t last_answered_ns_ = 0;           // monotonic: when the poll of the newest sample was sent
  int64_t max_age_ns_ = kDefaultMaxAgeNs;  // the newest sample older: a lost reply is asked again sooner
  double spread_ = 0;                      // the last poll's, in [0, 1)
  int64_t scheduled_interval_ns_ = 0;      // the interval the next poll is measured against
  double owed_ = 0;                        // requests sent sooner than one an interval, not yet made up
  bool retry_ = false;                     // the next poll asks again for the last one's reply
  std::vector<UpstreamSample> filter_;     // newest last, at most kFilterSize
  SourceStats stats_;                      // the samples the discipline's line goes through
  // The exchanges (a server's source): requests signed with key_id_ of keys_, the last
  // kOutstandingRequests of them waiting (newest last), pending_ written by poll() until sent.
  const proto::MacKeys* keys_ = nullptr;
  uint32_t key_id_ = 0;
  proto::ClientSession pending_;
  std::vector<proto::ClientSession> outstanding_;
  std::array<uint64_t, kRejectionCount> rejected_ = {};
  std::string problem_;
  int64_t reach_change_mono_ns_;
  bool ever_reached_ = false;
};

// Why the servers give no correction (UpstreamSelection::problem).
enum class SelectProblem : uint8_t {
  None,           // they give one
  NoneReachable,  // no server answered any of its last 8 polls
  NoCandidates,   // reachable ones, but none with samples to select (before the first sync: none agreed yet)
  NoMajority,     // the candidates do not agree, or (first sync) not more than half of the reachable ones do
  BelowMinSources,  // fewer agree than SelectRules::min_sources
};

// The outcome of combining the upstream servers.
struct UpstreamSelection {
  bool ok = false;
  SelectProblem problem = SelectProblem::NoneReachable;
  size_t reachable = 0;    // servers reachable (reachable()), but for those not selected (noselect())
  size_t candidates = 0;   // of them, those the intersection was run over
  size_t truechimers = 0;  // of them, those that agree (0 without a majority)
  int64_t offset_ns = 0;   // combined offset of the truechimers (positive: our clock is behind)
  size_t system_peer = 0;  // index of the truechimer with the least root distance
  std::vector<bool> truechimer;
  UpstreamReference reference;  // what sntpd serves while following the system peer
};

// The rules select_upstreams applies.
struct SelectRules {
  bool first_pending = false;  // no correction made yet: the first-sync agreement rule applies
  size_t min_sources = 1;      // fewer truechimers give no correction (chrony's minsources; >= 1)
};

// What the truechimers' lines say together (chronyd's combine_sources): our frequency error, each
// line's slope weighted by 1 / its standard error^2, the skew of the whole 1 / sqrt(sum 1 / skew^2);
// the offset's error, each line's at now_ns (its own, and how far it is from the system peer's)
// weighted by 1 / root distance.  Only truechimers within combine_limit_ns of the system peer's root
// distance are combined (chronyd's combinelimit, core/select): a receiver's own time, 0.2 s off, beside its
// pulse, or an internet server beside a LAN one, would otherwise spread the offset's error by its
// own.  Nothing while no such truechimer has a line.  One server's line alone makes the frequency
// jump each time the system peer changes between servers that agree.
struct CombinedEstimate {
  double freq_ppm = 0;
  double skew_ppm = 0;
  int64_t offset_sd_ns = 0;
};
std::optional<CombinedEstimate> combine_truechimers(const std::vector<UpstreamSource>& sources,
                                                    const std::vector<bool>& truechimer, size_t peer,
                                                    int64_t now_ns);

// Combines the servers at now_ns; falsetickers by max change, stopped and
// unreachable ones never count.  With rules.first_pending, only sources that
// agreed() are candidates, and ok also needs their truechimers to be a
// majority (more than half) of the reachable servers.  ok always needs at
// least rules.min_sources truechimers.  The served root dispersion includes
// the combined offset: how far our clock may still be from the servers until
// the correction (if any) has taken effect.
UpstreamSelection select_upstreams(const std::vector<UpstreamSource>& sources, int64_t now_ns,
                                   const SelectRules& rules = {});

// The system peer changes as chronyd's does, not at each sample: the
// newest sample's root distance is the least, so two servers polled in turn
// would take the lead in turn, and each change would restart the clock's
// correction from another server's line.  The peer stays while it is a
// truechimer; each sample of the peer or of another truechimer multiplies
// that one's score by the peer's root distance over its own (plus
// kReselectDistanceNs, at least 1), and one whose score passes
// kPeerScoreLimit takes over (chronyd's reselectdist and SCORE_LIMIT).
inline constexpr int64_t kReselectDistanceNs = 100'000;
inline constexpr double kPeerScoreLimit = 10;

class PeerChoice {
 public:
  // Makes sel (select_upstreams' at now_ns, whose peer is the least root distance) keep the
  // system peer as above, after a new sample of sources[updated] (SIZE_MAX: none): sets
  // sel.system_peer and sel.reference.
  void choose(UpstreamSelection& sel, const std::vector<UpstreamSource>& sources, int64_t now_ns,
              size_t updated);
  // The sources were renumbered or the selection lost: the next choice starts afresh.
  void reset() { peer_ = SIZE_MAX; }

 private:
  size_t peer_ = SIZE_MAX;
  std::vector<double> score_;  // per source, >= 1
};

// What to do with the clock after an update.
struct Discipline {
  enum Kind : uint8_t { None, Step, Slew } kind = None;
  int64_t offset_ns = 0;  // positive: move the clock forward (the step, or the offset slewed)
  ClockUpdate clock;      // Slew: the frequency to set now, and what the samples shift by
};

}  // namespace lansync::core
