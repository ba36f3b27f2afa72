// The recording loop; see record.hpp.
//
// Measurement k is due at start + k * interval on CLOCK_MONOTONIC: absolute
// deadlines, so a slow measurement never delays the ones after it.  A
// measurement that overruns a whole interval leaves the slots it missed
// unmeasured (nothing is measured late to catch up), and each gets a row with
// status "missed", so the CSV accounts for every slot of the run.  SIGINT and SIGTERM are blocked and
// read from a signalfd, so they end the wait for the next slot at once and a
// measurement in progress (a command is killed; an NTP burst ends within its
// timeout).  Every row is written and flushed when measured; where stdout is a
// file, it is also synced to the disk at most a second later (DiskSync).
#include "record.hpp"

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/duration.hpp"
#include "core/regression.hpp"
#include "os/clock.hpp"
#include "os/fd.hpp"
#include "os/proc_signals.hpp"

namespace lansync::driftlog {
namespace {

// Waits until the monotonic deadline; false if a stop signal came first.
bool wait_until(int64_t deadline_ns, int signal_fd) {
  for (;;) {
    int64_t left = deadline_ns - os::monotonic_ns();
    if (left <= 0) return true;
    std::vector<bool> ready;
    if (!os::wait_readable({signal_fd}, left, &ready)) return true;
    if (ready[0]) return false;
  }
}

bool signal_pending(int signal_fd) {
  std::vector<bool> ready;
  return os::wait_readable({signal_fd}, 0, &ready) && ready[0];
}

bool write_out(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) return false;
  return std::fflush(stdout) == 0;
}

// Syncs stdout to the disk where it is a regular file (a recording on a Pi's card), at most once a
// second: a power cut then loses at most the last second's rows, where the kernel's writeback
// alone would lose half a minute's.  A pipe or a terminal has nothing to sync.
class DiskSync {
 public:
  static constexpr int64_t kEveryNs = 1'000'000'000;

  DiskSync() {
    struct stat st {};
    on_ = ::fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode);
  }
  // After a write: syncs when a second has gone by since the last sync; false if that failed.
  bool after_write(bool force = false) {
    int64_t now_ns = os::monotonic_ns();
    if (!on_ || (!force && now_ns - last_ns_ < kEveryNs)) return true;
    last_ns_ = now_ns;
    return ::fdatasync(STDOUT_FILENO) == 0;
  }

 private:
  bool on_ = false;
  int64_t last_ns_ = INT64_MIN / 2;
};

// The one-line live status on a terminal's stderr.
class LiveStatus {
 public:
  explicit LiveStatus(bool on) : on_(on) {}
  ~LiveStatus() {
    if (on_ && shown_) std::fputs("\n", stderr);
  }
  void update(const Reading& r, int64_t rows, int64_t failed, const core::LineAccumulator& acc,
              std::optional<double> left_s) {
    if (!on_) return;
    std::string last =
        r.status == core::ReadingStatus::Ok
            ? fmt::format("last {:+.6f} s", r.offset_s)
            : fmt::format("last {}{}", core::status_word(r.status), r.detail.empty() ? "" : ": " + r.detail);
    std::string drift = "drift: need 3 samples";
    if (auto f = acc.fit(); f)
      drift = fmt::format("drift {:+.3f} ± {:.3f} ppm", -f->slope * 1e6, f->slope_se * 1e6);
    std::string left = left_s ? "  " + core::format_duration(*left_s) + " left" : "";
    fmt::print(stderr, "\r\033[Kdriftlog: {} samples ({} failed)  {}  {}{}", rows, failed, last, drift, left);
    std::fflush(stderr);
    shown_ = true;
  }

 private:
  bool on_;
  bool shown_ = false;
};

// What is left of the run after elapsed_ns and rows rows, s, by --duration and --count; none
// when neither bounds it.
std::optional<double> seconds_left(const RecordOptions& opt, int64_t elapsed_ns, int64_t rows) {
  std::optional<double> left_s;
  if (opt.duration_ns) left_s = static_cast<double>(*opt.duration_ns - elapsed_ns) / 1e9;
  if (opt.count) {
    double by_count = static_cast<double>((*opt.count - rows) * opt.interval_ns) / 1e9;
    left_s = left_s ? std::min(*left_s, by_count) : by_count;
  }
  if (left_s && *left_s < 0) left_s = 0;
  return left_s;
}

// The row of a reading r, in a run that began at start_mono_ns (monotonic).
core::DriftRow reading_row(const Reading& r, int64_t start_mono_ns, const RecordOptions& opt) {
  core::DriftRow row;
  row.time_utc_ns = r.local_ns;
  row.elapsed_s = static_cast<double>(r.mono_ns - start_mono_ns) / 1e9;
  row.source = opt.source_spec;
  row.status = r.status;
  if (r.status == core::ReadingStatus::Ok) {
    row.offset_s = r.offset_s;
    row.delay_s = r.delay_s;
  }
  return row;
}

// The "missed" row of a slot due at slot_mono_ns (monotonic), dated on the local clock as the
// reading r read it.
core::DriftRow missed_row(const Reading& r, int64_t slot_mono_ns, int64_t start_mono_ns,
                          const RecordOptions& opt) {
  core::DriftRow missed;
  missed.time_utc_ns = r.local_ns + (slot_mono_ns - r.mono_ns);
  missed.elapsed_s = static_cast<double>(slot_mono_ns - start_mono_ns) / 1e9;
  missed.source = opt.source_spec;
  missed.status = core::ReadingStatus::Missed;
  return missed;
}

}  // namespace

int record(Source& source, const RecordOptions& opt) {
  auto signals = os::stop_signal_fd();
  if (!signals) {
    fmt::print(stderr, "driftlog: error: {}\n", signals.error().message);
    return 1;
  }
  const int sfd = signals->get();
  auto write_failed = [&] {
    fmt::print(stderr, "driftlog: error: cannot write the CSV to stdout: {}\n", std::strerror(errno));
    return 1;
  };
  DiskSync disk;
  if (!write_out(std::string(core::kDriftCsvHeader) + "\n") || !disk.after_write()) return write_failed();

  LiveStatus status(::isatty(STDERR_FILENO) == 1);
  core::LineAccumulator acc;
  const int64_t start_mono_ns = os::monotonic_ns();
  int64_t rows = 0, failed = 0;
  auto slot_wanted = [&](int64_t k) {
    if (opt.count && rows >= *opt.count) return false;
    return !opt.duration_ns || k * opt.interval_ns < *opt.duration_ns;
  };
  for (int64_t k = 0; slot_wanted(k);) {
    const int64_t due = start_mono_ns + k * opt.interval_ns;
    if (!wait_until(due, sfd)) break;

    MeasureContext ctx;
    ctx.deadline_mono_ns = os::monotonic_ns() + opt.timeout_ns;
    ctx.cancel_fd = sfd;
    Reading r = source.measure(ctx);
    if (r.cancelled) break;  // stopped by a signal half-way: not a measurement

    const core::DriftRow row = reading_row(r, start_mono_ns, opt);
    if (r.status == core::ReadingStatus::Ok) {
      acc.add(row.elapsed_s, r.offset_s);
    } else {
      ++failed;
    }
    if (!write_out(core::format_drift_row(row))) return write_failed();
    ++rows;

    // The next slot.  Each slot that went by whole during this measurement
    // gets a "missed" row at its due time (on the local clock as this
    // measurement read it), or at this reading's time when that came later (a
    // command's reading is the middle of its run): elapsed_s never goes back.
    // The slot under way is measured late.
    ++k;
    int64_t mono_now_ns = os::monotonic_ns();
    for (; mono_now_ns >= start_mono_ns + (k + 1) * opt.interval_ns && slot_wanted(k);
         ++k, ++rows, ++failed) {
      const int64_t slot_ns = std::max(start_mono_ns + k * opt.interval_ns, r.mono_ns);
      if (!write_out(core::format_drift_row(missed_row(r, slot_ns, start_mono_ns, opt))))
        return write_failed();
    }
    if (!disk.after_write()) return write_failed();

    status.update(r, rows, failed, acc, seconds_left(opt, mono_now_ns - start_mono_ns, rows));
    if (signal_pending(sfd)) break;
  }
  return disk.after_write(true) ? 0 : write_failed();
}

}  // namespace lansync::driftlog
