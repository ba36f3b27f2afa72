// The Prometheus text exposition format (version 0.0.4), as a writer.
//
// What a scraper reads at /metrics: for each metric family a "# HELP name
// text" line, a "# TYPE name counter|gauge" line, then its samples,
// "name{label="value",...} value", each on its own line, the last one ending
// in a newline too.  Help text escapes backslash and newline; label values
// also the double quote.  Values are integers, or floats in their shortest
// exact form, NaN, +Inf or -Inf.  Names must match [a-zA-Z_:][a-zA-Z0-9_:]*
// and label names [a-zA-Z_][a-zA-Z0-9_]*: a bad one is our bug, and is
// replaced by underscores rather than producing a page no scraper can read.
// Pure.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace lansync::core {

enum class MetricType : uint8_t { Counter, Gauge };

using MetricLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class PrometheusText {
 public:
  // Starts a family: its HELP and TYPE lines.  Counters' names end in _total.
  void family(std::string_view name, MetricType type, std::string_view help);
  // One sample of the family begun last.
  void sample(double value, MetricLabels labels = {});
  void sample(uint64_t value, MetricLabels labels = {});
  // A family with a single unlabelled sample.
  void single(std::string_view name, MetricType type, std::string_view help, double value);

  const std::string& text() const { return out_; }

 private:
  void sample_text(std::string_view value, MetricLabels labels);
  std::string name_;
  std::string out_;
};

// The text of a sample value: "42", "0.25", "1.5e-06", "NaN", "+Inf", "-Inf".
std::string metric_value(double value);

// A label value with \, " and newline escaped.
std::string escape_label_value(std::string_view value);

}  // namespace lansync::core
