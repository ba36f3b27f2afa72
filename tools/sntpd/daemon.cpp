// sntpd main loop; see daemon.hpp.
#include "daemon.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "codec/ntp_packet.hpp"
#include "core/exchange.hpp"
#include "core/trust.hpp"
#include "http.hpp"
#include "os/address.hpp"
#include "os/drift_file.hpp"
#include "os/log.hpp"
#include "os/notify.hpp"
#include "os/random.hpp"
#include "os/set_clock.hpp"
#include "os/simulated_clock.hpp"
#include "os/sync_state.hpp"

namespace lansync::sntpd {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kTickNs = kS;  // the reference is re-evaluated every second
constexpr int64_t kDriftSaveNs = 3600 * kS;  // the drift file is written hourly (and at stop)
constexpr size_t kMaxClientsListed = 1000;   // sntpd status --clients: the most recent

double seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

uint64_t random_u64() {
  uint64_t v = 0;
  os::random_bytes(&v, sizeof(v));
  return v;
}

}  // namespace

Daemon::Daemon(os::Clock& clock, const Options& options, std::unique_ptr<ServeState> state,
               std::unique_ptr<Upstreams> upstreams)
    : clock_(clock),
      options_(options),
      state_(std::move(state)),
      upstreams_(std::move(upstreams)),
      precision_log2_(core::precision_log2_from_ns(os::measure_resolution_ns(clock))),
      start_ns_(clock.now_ns()),
      start_mono_ns_(os::monotonic_ns()) {}

Daemon::~Daemon() = default;

void Daemon::set_http(std::unique_ptr<HttpServer> http) { http_ = std::move(http); }

void Daemon::add_worker(std::vector<os::UdpSocket> sockets) {
  workers_.push_back(std::make_unique<Worker>(clock_, *state_, std::move(sockets), random_u64()));
}

core::ReferenceEvidence Daemon::gather_evidence(std::string* state_source) {
  core::ReferenceEvidence e;
  e.precision_log2 = precision_log2_;
  if (!upstreams_->empty()) e.upstream = upstreams_->reference();
  // The kernel's word counts only when someone else disciplines the clock.
  if (!upstreams_->controls_clock()) {
    if (auto k = clock_.sync_status(); k && k->synchronized)
      e.kernel = core::KernelReference{k->max_error_ns};
  }
  if (auto st = os::read_sync_state(options_.state); st) {
    core::StateReference r;
    r.last_sync_ns = std::llround(st->last_sync_unix * 1e9);
    r.source = st->source;
    r.uncertainty_ns = st->uncertainty_s ? std::llround(*st->uncertainty_s * 1e9) : 0;
    if (st->stratum) r.stratum = static_cast<uint8_t>(*st->stratum);
    r.boot = os::boot_of(*st);
    *state_source = st->source;
    e.state = r;
  } else if (st.error().code != std::errc::no_such_file_or_directory) {
    e.state_problem = st.error().message;  // e.g. a malformed boot_id: said, not served
  }
  if (auto b = clock_.boot_stamp(); b) e.this_boot = *b;
  if (options_.local_stratum > 0) e.local_stratum = static_cast<uint8_t>(options_.local_stratum);
  return e;
}

void Daemon::refresh_reference() {
  std::lock_guard<std::mutex> lock(mutex_);
  refresh_reference_locked();
}

void Daemon::refresh_reference_locked() {
  std::string state_source;
  core::ReferenceEvidence e = gather_evidence(&state_source);
  int64_t now = clock_.now_ns();
  core::ReferenceChoice choice =
      core::choose_reference(e, now, start_ns_, std::llround(options_.max_age_s * 1e9));
  bool changed = !have_reference_ || choice.kind != reference_.kind ||
                 choice.state.refid != reference_.state.refid ||
                 choice.state.stratum != reference_.state.stratum;
  if (changed) {
    if (choice.state.synchronized) {
      os::log::info("reference: {}; serving stratum {}", choice.detail, choice.state.stratum);
    } else if (!have_reference_) {  // at start, the expected state until a reference comes
      os::log::info("reference: {}; answering unsynchronized (LI=3) until one is found", choice.detail);
    } else {
      os::log::warn("reference: {}; answering unsynchronized (LI=3)", choice.detail);
    }
  }
  reference_ = choice;
  reference_source_ =
      choice.kind == core::ReferenceKind::SyncState ? state_source : core::describe(choice.kind);
  have_reference_ = true;
  state_->set_reference(choice.state);
  notify_status_locked();
}

void Daemon::save_drift_locked() {
  if (options_.drift_file.empty() || !upstreams_->disciplined()) return;
  auto st = os::save_frequency(clock_, options_.drift_file);
  if (!st && !drift_save_failed_) os::log::warn("--drift-file: {}", st.error().message);
  drift_save_failed_ = !st;
}

void Daemon::notify_status_locked(std::string_view prefix) {
  const core::ReferenceState& r = reference_.state;
  std::string line =
      r.synchronized
          ? fmt::format("serving stratum {} from {}, {} min old", r.stratum, reference_source_,
                        std::max<int64_t>(0, clock_.now_ns() - r.reference_time_ns) / (60 * kS))
          : "unsynchronized: " + reference_.detail;
  if (line == systemd_status_ && prefix.empty()) return;
  systemd_status_ = line;
  if (auto st = os::notify_systemd(fmt::format("{}STATUS={}", prefix, line)); !st) {
    os::log::debug("{}", st.error().message);
  }
}

void Daemon::send_broadcasts() {
  auto poll = static_cast<int8_t>(std::lround(std::log2(options_.broadcast_interval_s)));
  for (Broadcast& b : broadcasts_) {
    codec::NtpHeader h = core::make_broadcast(reference_.state, clock_.now_ns(), poll);
    uint8_t buf[codec::kHeaderSize + codec::kMaxV3MacSize];
    codec::encode(h, buf, sizeof(buf));
    codec::store_timestamp(buf + codec::kTransmitOffset, codec::to_ntp(clock_.now_ns()));
    size_t size = codec::kHeaderSize;
    if (b.key_id != 0) size = proto::sign_packet(buf, size, sizeof(buf), b.key_id, *b.keys);
    if (size == 0) {  // never an unsigned broadcast in place of a signed one
      os::log::warn("broadcast: cannot sign with key {}", b.key_id);
      continue;
    }
    if (auto st = b.socket.send(buf, size, &b.address); !st) {
      os::log::debug("broadcast: {}", st.error().message);
      continue;
    }
    ++broadcasts_sent_;
  }
}

Daemon::ReferenceView Daemon::reference_view() {
  std::lock_guard<std::mutex> lock(mutex_);
  return {reference_, reference_source_, std::llround(options_.max_age_s * 1e9)};
}

core::PhoneVerdict Daemon::set_from_phone(const core::PhoneExchange& x, int64_t issued_mono_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  core::PhoneSetContext c;
  c.exchange = x;
  std::string state_source;
  core::ReferenceEvidence e = gather_evidence(&state_source);
  int64_t now = clock_.now_ns();
  c.clock_moved_ns = (now - x.t3_ns) - (os::monotonic_ns() - issued_mono_ns);
  c.reference = core::choose_reference(e, now, start_ns_, std::llround(options_.max_age_s * 1e9));
  core::PhoneVerdict v = core::judge_phone_set(c);
  if (v.refusal != core::PhoneRefusal::None) return v;
  os::ClockCorrection cc;
  cc.offset_ns = v.measurement.correction_ns;
  cc.step_threshold_ns = core::kPhoneSetMinOffsetNs;  // beyond it, as judged: a step
  cc.allow_slew = false;
  cc.source = "phone";
  cc.uncertainty_ns = v.measurement.uncertainty_ns;
  if (auto done = os::correct_clock(clock_, cc, options_.state); !done) {
    v.refusal = core::PhoneRefusal::ClockFailed;
    v.reason = done.error().message;
    return v;
  }
  refresh_reference_locked();
  return v;
}

nlohmann::ordered_json Daemon::status_json() {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_json_locked();
}

nlohmann::ordered_json Daemon::status_json_locked() {
  using nlohmann::ordered_json;
  int64_t now = clock_.now_ns();
  const core::ReferenceState& r = reference_.state;
  ordered_json j;
  j["version"] = LANSYNC_VERSION;
  j["uptime_s"] = seconds(os::monotonic_ns() - start_mono_ns_);
  ordered_json ref;
  ref["synchronized"] = r.synchronized;
  ref["source"] = core::describe(reference_.kind);
  ref["state_source"] = reference_.kind == core::ReferenceKind::SyncState ? ordered_json(reference_source_)
                                                                          : ordered_json(nullptr);
  ref["detail"] = reference_.detail;
  ref["stratum"] = r.synchronized ? r.stratum : 16;
  ref["refid"] = r.synchronized ? core::refid_text(r.refid, r.stratum) : "";
  ref["leap"] = r.synchronized ? 0 : 3;
  ref["root_delay_s"] = seconds(r.root_delay_ns);
  ref["root_dispersion_s"] = seconds(r.synchronized ? core::root_dispersion_at(r, now) : 0);
  ref["reference_time_unix"] =
      r.synchronized ? ordered_json(seconds(r.reference_time_ns)) : ordered_json(nullptr);
  ref["age_s"] = r.synchronized ? ordered_json(seconds(now - r.reference_time_ns)) : ordered_json(nullptr);
  ref["precision"] = precision_log2_;
  auto until = core::reliable_until_ns(reference_, std::llround(options_.max_age_s * 1e9));
  ref["reliable_until_unix"] = until ? ordered_json(seconds(*until)) : ordered_json(nullptr);
  j["reference"] = ref;

  ordered_json clock;
  auto* simulated = dynamic_cast<os::SimulatedClock*>(&clock_);
  clock["kind"] = simulated ? "simulated" : "system";
  if (simulated) clock["simulated_offset_s"] = seconds(simulated->offset_ns());
  clock["control"] = upstreams_->controls_clock();
  // As chronyc tracking shows them: the kernel's frequency correction and the
  // offset it has still to slew out (positive: the clock is behind).
  auto kernel = clock_.sync_status();
  clock["frequency_ppm"] = kernel ? ordered_json(kernel->frequency_ppm) : ordered_json(nullptr);
  clock["system_time_offset_s"] = kernel ? ordered_json(seconds(kernel->offset_ns)) : ordered_json(nullptr);
  clock["last_offset_s"] =
      upstreams_->empty() ? ordered_json(nullptr) : ordered_json(seconds(upstreams_->last_offset_ns()));
  j["clock"] = clock;

  ordered_json ups = ordered_json::array();
  for (const UpstreamStatus& u : upstreams_->status()) {
    ordered_json o;
    o["server"] = u.name;
    o["address"] = u.address;
    o["state"] = u.state;
    char reach[4];
    std::snprintf(reach, sizeof(reach), "%03o", u.reach);
    o["reach"] = reach;
    o["poll_s"] = int64_t{1} << u.poll_log2;
    o["stratum"] = u.has_sample ? ordered_json(u.stratum) : ordered_json(nullptr);
    o["offset_s"] = u.has_sample ? ordered_json(seconds(u.offset_ns)) : ordered_json(nullptr);
    o["delay_s"] = u.has_sample ? ordered_json(seconds(u.delay_ns)) : ordered_json(nullptr);
    o["last_sample_age_s"] =
        u.has_sample ? ordered_json(seconds(u.last_sample_age_ns)) : ordered_json(nullptr);
    ups.push_back(o);
  }
  j["upstreams"] = ups;

  CounterTotals t = sum_counters(workers_);
  ordered_json c;
  c["requests"] = t.received;
  c["replies"] = t.replies;
  c["interleaved_replies"] = t.interleaved;
  c["passive_replies"] = t.passive;
  c["kod_sent"] = t.kod;
  ordered_json dropped;
  for (size_t i = 0; i < std::size(t.dropped); ++i) {
    dropped[core::describe(static_cast<core::DropReason>(i))] = t.dropped[i];
  }
  c["dropped"] = dropped;
  c["dropped_total"] = t.dropped_total();
  c["send_errors"] = t.send_errors;
  c["tx_timestamps"] = t.tx_timestamps;
  c["broadcasts_sent"] = broadcasts_sent_;
  j["counters"] = c;

  ordered_json clients;
  {
    std::lock_guard<std::mutex> lock(state_->clients_mutex());
    clients["seen"] = state_->clients().clients_seen();
    clients["tracked"] = state_->clients().in_use();
    clients["capacity"] = state_->clients().capacity();
  }
  j["clients"] = clients;
  j["http"] = http_ ? http_->status_json() : ordered_json(nullptr);
  return j;
}

nlohmann::ordered_json Daemon::clients_json() {
  using nlohmann::ordered_json;
  std::vector<core::ClientRecord> recent;
  {
    std::lock_guard<std::mutex> lock(state_->clients_mutex());
    recent = state_->clients().recent(kMaxClientsListed);
  }
  int64_t now = clock_.now_ns();
  ordered_json list = ordered_json::array();
  for (const core::ClientRecord& r : recent) {
    ordered_json c;
    c["address"] = os::to_text(r.address);
    c["requests"] = r.requests;
    c["interleaved"] = r.interleaved;
    c["last_seen_unix"] = seconds(r.last_ns);
    c["last_seen_ago_s"] = seconds(now - r.last_ns);
    list.push_back(c);
  }
  return ordered_json{{"clients", list}};
}

bool Daemon::run() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  // Signals become readable data on a descriptor, handled between events.
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) {
    os::log::error("cannot block signals: {}", std::strerror(errno));
    return false;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a control client that hangs up must not kill us
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) {
    os::log::error("cannot create signalfd: {}", std::strerror(errno));
    return false;
  }
  refresh_reference();
  for (auto& w : workers_) w->start();
  if (http_) http_->start();
  {
    // The sockets are bound and privileges dropped (main did both): ready.
    std::lock_guard<std::mutex> lock(mutex_);
    notify_status_locked("READY=1\n");
  }

  std::vector<pollfd> fds;
  int64_t next_tick = os::monotonic_ns() + kTickNs;
  int64_t broadcast_interval = std::llround(options_.broadcast_interval_s * 1e9);
  int64_t next_broadcast = os::monotonic_ns();
  int64_t next_drift_save = os::monotonic_ns() + kDriftSaveNs;
  bool ok = true;
  for (;;) {
    int64_t wake = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      upstreams_->poll_once();
      int64_t now = os::monotonic_ns();
      if (now >= next_tick) {
        refresh_reference_locked();
        next_tick = now + kTickNs;
      }
      if (!broadcasts_.empty() && now >= next_broadcast) {
        send_broadcasts();
        next_broadcast = now + broadcast_interval;
      }
      if (now >= next_drift_save) {
        save_drift_locked();
        next_drift_save = now + kDriftSaveNs;
      }
      wake = std::min({next_tick, upstreams_->next_due_ns(), next_drift_save});
      if (!broadcasts_.empty()) wake = std::min(wake, next_broadcast);
    }
    // Upstream sockets come and go as names resolve: the set is made anew each time.
    fds.clear();
    fds.push_back({sfd, POLLIN, 0});
    if (control_.fd() >= 0) fds.push_back({control_.fd(), POLLIN, 0});
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (int fd : upstreams_->fds()) fds.push_back({fd, POLLIN, 0});
    }
    int64_t wait_ns = std::max<int64_t>(0, wake - os::monotonic_ns());
    int rc = ::poll(fds.data(), fds.size(), static_cast<int>((wait_ns + 999'999) / 1'000'000));
    if (rc < 0) {
      if (errno == EINTR) continue;
      os::log::error("poll: {}", std::strerror(errno));
      ok = false;
      break;
    }
    if (fds[0].revents != 0) {
      signalfd_siginfo info{};
      if (::read(sfd, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
        os::log::info("received {}, stopping", sigabbrev_np(static_cast<int>(info.ssi_signo)));
      }
      break;
    }
    if (control_.fd() >= 0 && fds[1].revents != 0) {
      control_.serve([this](const std::string& request) {
        if (request == "status") return status_json().dump() + "\n";
        if (request == "clients") return clients_json().dump() + "\n";
        return std::string("{\"error\":\"unknown request\"}\n");
      });
    }
    bool upstream_readable = false;
    for (size_t i = control_.fd() >= 0 ? 2 : 1; i < fds.size(); ++i) upstream_readable |= fds[i].revents != 0;
    if (upstream_readable) {
      std::lock_guard<std::mutex> lock(mutex_);
      upstreams_->poll_once();
      refresh_reference_locked();
    }
  }
  (void)os::notify_systemd("STOPPING=1");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    save_drift_locked();
  }
  if (http_) http_->stop();
  for (auto& w : workers_) w->stop();
  ::close(sfd);
  CounterTotals t = sum_counters(workers_);
  std::string reasons;  // every reason, named as `sntpd status` names them
  for (size_t r = 0; r < static_cast<size_t>(core::DropReason::kCount); ++r) {
    reasons += fmt::format("{}{} {}", r == 0 ? "" : ", ", t.dropped[r],
                           core::describe(static_cast<core::DropReason>(r)));
  }
  os::log::info("{} requests, {} replies, {} dropped ({})", t.received, t.replies, t.dropped_total(),
                reasons);
  return ok;
}

}  // namespace lansync::sntpd
