// Drift of a clock from a log of offsets against a reference: the answer to "how long can I trust it".
//
// Input: samples of offset_s = reference - local clock (positive: the local
// clock is behind) at elapsed times t_s.  Output:
//   - steps: jumps between consecutive samples far beyond the drift, the
//     noise and the two samples' own uncertainty (half of each one's round
//     trip: one slow reading is not a step, but an outlier); they split the run into
//     segments.  A lone sample that jumps away and back is an outlier, not two
//     steps, and so is a jump of the first or the last sample, which no
//     second sample confirms.
//   - the drift: one least-squares slope shared by all segments, each with
//     its own intercept; drift_ppm = -slope * 1e6, so drift_ppm > 0 means the
//     local clock runs fast (it gains on the reference, and the offset falls).
//     Its uncertainty is the slope's standard error (1 sigma).  The fit is
//     weighted as chrony weighs its points: a sample whose round trip exceeds
//     the shortest one counts less, its standard deviation being the noise
//     plus half the excess (a first exchange slowed by a cold cache, a loaded
//     machine, leaves the slope alone).
//   - jitter: the RMS of the residuals from that fit.
//   - the Allan deviation of the residuals at octave taus (core/allan.hpp).
//   - the reliability window: the time after a sync until the error
//     |drift| t + 2 sqrt(jitter^2 + (drift_uncertainty t)^2) reaches the
//     tolerance, i.e. a 2-sigma bound that grows with the drift and with what
//     is not known about it; and a resync interval: half of that window,
//     rounded down to a round figure and never longer than the run observed.
// Pure: all times come in as numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "codec/result.hpp"
#include "core/allan.hpp"
#include "core/regression.hpp"

namespace lansync::core {

// One row of a drift log.
struct DriftSample {
  double t_s = 0;       // elapsed time since the start of the run, seconds (monotonic)
  double offset_s = 0;  // reference - local, seconds; ignored when !ok
  bool ok = false;      // false: a failed measurement (timeout, error, ...)
  double delay_s = 0;   // its round trip, seconds (its offset is known within half of it); 0: none
};

struct DriftOptions {
  double tolerance_s = 1.0;     // the error a user accepts
  double step_threshold_s = 0;  // a jump beyond the drift larger than this is a step; 0: automatic
};

// A jump between consecutive samples larger than this, beyond the drift, is a step when the
// threshold is automatic and the noise is small: 1 ms.
inline constexpr double kMinAutoStepS = 1e-3;
// Automatic step threshold: this many robust standard deviations of the sample-to-sample change.
inline constexpr double kAutoStepSigmas = 10;

// A stretch of the run between steps.
struct DriftSegment {
  size_t first = 0, last = 0;  // indices of its first and last good sample in the input
  size_t n = 0;                // good samples in it (outliers excluded)
  double start_s = 0, end_s = 0;
  double step_s = 0;     // jump of the offset at its start against the segment before (0 for the first)
  bool fitted = false;   // n >= 3: the segment's own drift is known
  double drift_ppm = 0;  // of this segment alone
  double drift_uncertainty_ppm = 0;
};

struct DriftAnalysis {
  size_t samples = 0;           // rows
  size_t good = 0;              // rows with an offset
  size_t failed = 0;            // rows without one
  size_t used = 0;              // good samples in the fit (outliers excluded)
  double span_s = 0;            // from the first to the last good sample
  double interval_s = 0;        // median spacing of good samples: the Allan tau0
  double step_threshold_s = 0;  // the threshold applied
  std::vector<DriftSegment> segments;
  std::vector<size_t> outliers;  // indices in the input
  double drift_ppm = 0;          // > 0: local clock fast
  double drift_uncertainty_ppm = 0;
  std::vector<double> fitted_offset_s;  // per input sample: the fit's offset at its time (NaN if failed)
  std::vector<size_t> segment_of;  // per input sample: its segment (for failed ones, the one it falls in)
  double jitter_s = 0;             // RMS residual
  std::vector<AllanPoint> allan;
  double tolerance_s = 0;
  bool reliable_forever = false;  // no drift and no uncertainty: the error never reaches the tolerance
  double reliable_s = 0;          // the window after a sync; 0 when the jitter alone reaches the tolerance
  bool reliable_extrapolated = false;  // reliable_s is longer than the run observed
  double resync_interval_s = 0;        // recommended; 0 when no interval keeps the tolerance
  bool resync_capped = false;          // shortened to the length of the run
};

enum class DriftError : uint8_t {
  TooFewSamples,  // fewer good samples than the fit needs (segments + 2)
  NoTimeSpan,     // all good samples at one time
  NotFinite,      // a NaN or infinity among the times or offsets
  NotInOrder,     // times go backwards
  BadOption,      // tolerance <= 0 or a negative step threshold
};

// A short English description, e.g. "too few good samples to fit a drift".
const char* describe(DriftError e);

// Analyses a run.  Samples must be in time order.
Result<DriftAnalysis, DriftError> analyze_drift(std::span<const DriftSample> samples,
                                                const DriftOptions& options);

// The time t >= 0 at which |drift| t + 2 sqrt(jitter^2 + (drift_se t)^2) reaches
// tolerance (slopes in s/s, the rest in seconds); negative when it never does.
double reliability_window_s(double drift, double drift_se, double jitter_s, double tolerance_s);

// The largest round interval (1, 2, 5, 10, 15, 30 s or min; 1, 2, 3, 6, 12 h;
// 1, 2, 7 d) that is <= s; 0 when s < 1 s.
double round_interval_down_s(double s);

}  // namespace lansync::core
