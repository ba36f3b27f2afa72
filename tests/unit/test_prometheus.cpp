// Unit tests of the Prometheus text format writer (core/prometheus).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/prometheus.hpp"

namespace lansync::core {
namespace {

TEST(Prometheus, FamiliesWithHelpTypeAndSamples) {
  PrometheusText m;
  m.family("sntpd_requests_total", MetricType::Counter, "NTP datagrams received.");
  m.sample(uint64_t{42});
  m.family("sntpd_dropped_total", MetricType::Counter, "Dropped, by reason.");
  m.sample(uint64_t{1}, {{"reason", "malformed"}});
  m.sample(uint64_t{0}, {{"reason", "rate_limited"}, {"worker", "0"}});
  m.single("sntpd_root_distance_seconds", MetricType::Gauge, "Root distance.", 0.0025);
  EXPECT_EQ(m.text(),
            "# HELP sntpd_requests_total NTP datagrams received.\n"
            "# TYPE sntpd_requests_total counter\n"
            "sntpd_requests_total 42\n"
            "# HELP sntpd_dropped_total Dropped, by reason.\n"
            "# TYPE sntpd_dropped_total counter\n"
            "sntpd_dropped_total{reason=\"malformed\"} 1\n"
            "sntpd_dropped_total{reason=\"rate_limited\",worker=\"0\"} 0\n"
            "# HELP sntpd_root_distance_seconds Root distance.\n"
            "# TYPE sntpd_root_distance_seconds gauge\n"
            "sntpd_root_distance_seconds 0.0025\n");
}

TEST(Prometheus, Escaping) {
  PrometheusText m;
  m.family("x", MetricType::Gauge, "a \\ b\nc \"quoted\"");
  m.sample(1.0, {{"detail", "a \\ \"b\"\nc"}});
  EXPECT_EQ(m.text(),
            "# HELP x a \\\\ b\\nc \"quoted\"\n"
            "# TYPE x gauge\n"
            "x{detail=\"a \\\\ \\\"b\\\"\\nc\"} 1\n");
}

TEST(Prometheus, BadNamesBecomeValid) {
  PrometheusText m;
  m.family("9 bad-name", MetricType::Gauge, "h");
  m.sample(1.0, {{"a:b", "v"}});
  EXPECT_EQ(m.text(), "# HELP __bad_name h\n# TYPE __bad_name gauge\n__bad_name{a_b=\"v\"} 1\n");
}

TEST(Prometheus, Values) {
  EXPECT_EQ(metric_value(0.0), "0");
  EXPECT_EQ(metric_value(-5.003), "-5.003");
  EXPECT_EQ(metric_value(1795001234.5), "1795001234.5");
  EXPECT_EQ(metric_value(1.5e-06), "1.5e-06");
  EXPECT_EQ(metric_value(std::nan("")), "NaN");
  EXPECT_EQ(metric_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
}

}  // namespace
}  // namespace lansync::core
