// Prometheus text format; see prometheus.hpp.
#include "core/prometheus.hpp"

#include <charconv>
#include <cmath>

namespace lansync::core {
namespace {

bool name_char(char c, bool first, bool colon) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
  return alpha || (!first && c >= '0' && c <= '9');
}

std::string clean_name(std::string_view name, bool colon) {
  std::string out(name.empty() ? "_" : name);
  for (size_t i = 0; i < out.size(); ++i) {
    if (!name_char(out[i], i == 0, colon)) out[i] = '_';
  }
  return out;
}

// Backslash and newline escaped, and the double quote too when quote is set.
std::string escape(std::string_view text, bool quote) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || (quote && c == '"')) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string escape_label_value(std::string_view value) { return escape(value, true); }

std::string metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // The shortest text that reads back as the same double.
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

void PrometheusText::family(std::string_view name, MetricType type, std::string_view help) {
  name_ = clean_name(name, true);
  out_ += "# HELP " + name_ + " " + escape(help, false) + "\n";
  out_ += "# TYPE " + name_ + (type == MetricType::Counter ? " counter\n" : " gauge\n");
}

void PrometheusText::sample_text(std::string_view value, MetricLabels labels) {
  out_ += name_;
  if (labels.size() > 0) {
    out_ += '{';
    bool first = true;
    for (const auto& [label, text] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += clean_name(label, false) + "=\"" + escape_label_value(text) + "\"";
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += value;
  out_ += '\n';
}

void PrometheusText::sample(double value, MetricLabels labels) { sample_text(metric_value(value), labels); }

void PrometheusText::sample(uint64_t value, MetricLabels labels) {
  sample_text(std::to_string(value), labels);
}

void PrometheusText::single(std::string_view name, MetricType type, std::string_view help, double value) {
  family(name, type, help);
  sample(value);
}

}  // namespace lansync::core
