// Clock filter for a burst of samples from one server (RFC 5905 §10, reduced).
//
// Of the samples a burst produced, the one with the least delay is the one
// whose offset suffered least from queueing: RFC 5905's clock filter and
// chrony's burst handling both keep it.  The jitter is the RMS difference of
// the other offsets from it, and feeds the selection interval.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/exchange.hpp"

namespace lansync::core {

struct FilterResult {
  size_t best = 0;        // index of the least-delay sample; ties go to the earliest
  int64_t jitter_ns = 0;  // RMS of (offset_i - offset_best) over the other samples
};

// Picks the least-delay sample among n > 0 samples.
FilterResult filter_samples(const proto::Sample* samples, size_t n);

}  // namespace lansync::core
