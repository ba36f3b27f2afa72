// driftlog plot: the run as an SVG chart (offset over time, fitted drift, failed samples, steps, axes with
// units).
#pragma once

#include <string>

namespace lansync::driftlog {

struct PlotOptions {
  std::string path = "-";
  double step_s = 0;  // the step threshold of the fit; 0: automatic
  std::string title;  // default: the source and the drift
};

// Writes the SVG on stdout; returns the exit code.
int plot(const PlotOptions& options);

}  // namespace lansync::driftlog
