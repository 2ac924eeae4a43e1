#include "services/common/metrics.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace crm::common {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RendersSmallRegistryExactly) {
  Metrics metrics;
  metrics.IncrementCounter("crm_requests_total", "Requests.",
                           {{"method", "Get"}, {"code", "OK"}});
  metrics.IncrementCounter("crm_requests_total", "Requests.",
                           {{"method", "Get"}, {"code", "OK"}}, 2);
  metrics.IncrementCounter("crm_requests_total", "Requests.",
                           {{"method", "Get"}, {"code", "NOT_FOUND"}});
  metrics.SetGauge("crm_b_gauge", "A gauge.", 1.5);
  metrics.SetGaugeCallback("crm_a_callback", "From a callback.",
                           [] { return 7.0; });
  metrics.ObserveHistogram("crm_latency_seconds", "Latency.",
                           {{"method", "Get"}}, 0.2, {0.1, 0.5, 1});
  metrics.ObserveHistogram("crm_latency_seconds", "Latency.",
                           {{"method", "Get"}}, 0.05, {0.1, 0.5, 1});
  metrics.ObserveHistogram("crm_latency_seconds", "Latency.",
                           {{"method", "Get"}}, 3, {0.1, 0.5, 1});
  EXPECT_EQ(metrics.Render(),
            "# HELP crm_a_callback From a callback.\n"
            "# TYPE crm_a_callback gauge\n"
            "crm_a_callback 7\n"
            "# HELP crm_b_gauge A gauge.\n"
            "# TYPE crm_b_gauge gauge\n"
            "crm_b_gauge 1.5\n"
            "# HELP crm_latency_seconds Latency.\n"
            "# TYPE crm_latency_seconds histogram\n"
            "crm_latency_seconds_bucket{method=\"Get\",le=\"0.1\"} 1\n"
            "crm_latency_seconds_bucket{method=\"Get\",le=\"0.5\"} 2\n"
            "crm_latency_seconds_bucket{method=\"Get\",le=\"1\"} 2\n"
            "crm_latency_seconds_bucket{method=\"Get\",le=\"+Inf\"} 3\n"
            "crm_latency_seconds_sum{method=\"Get\"} 3.25\n"
            "crm_latency_seconds_count{method=\"Get\"} 3\n"
            "# HELP crm_requests_total Requests.\n"
            "# TYPE crm_requests_total counter\n"
            "crm_requests_total{code=\"NOT_FOUND\",method=\"Get\"} 1\n"
            "crm_requests_total{code=\"OK\",method=\"Get\"} 3\n");
}

TEST(MetricsTest, EmptyRegistryRendersNothing) {
  Metrics metrics;
  EXPECT_EQ(metrics.Render(), "");
}

TEST(MetricsTest, HistogramBucketBoundaryIsInclusive) {
  Metrics metrics;
  metrics.ObserveHistogram("h", "H.", {}, 1.0, {1, 2});
  metrics.ObserveHistogram("h", "H.", {}, 2.0, {1, 2});
  metrics.ObserveHistogram("h", "H.", {}, 2.0000001, {1, 2});
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("h_bucket{le=\"1\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("h_bucket{le=\"2\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("h_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("h_count 3\n"));
}

TEST(MetricsTest, DefaultLatencyBucketsAreCumulative) {
  Metrics metrics;
  for (double v : {0.0005, 0.003, 0.003, 0.2, 20.0}) {
    metrics.ObserveHistogram("lat", "L.", {{"m", "x"}}, v);
  }
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("lat_bucket{m=\"x\",le=\"0.001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("lat_bucket{m=\"x\",le=\"0.0025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("lat_bucket{m=\"x\",le=\"0.005\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("lat_bucket{m=\"x\",le=\"0.25\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("lat_bucket{m=\"x\",le=\"10\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("lat_bucket{m=\"x\",le=\"+Inf\"} 5\n"));
  EXPECT_EQ(Metrics::DefaultLatencyBuckets().front(), 0.001);
  EXPECT_EQ(Metrics::DefaultLatencyBuckets().back(), 10);
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  Metrics metrics;
  metrics.IncrementCounter("c_total", "Line one\nback\\slash \"quoted\".",
                           {{"v", "a\"b\\c\nd"}});
  EXPECT_EQ(metrics.Render(),
            "# HELP c_total Line one\\nback\\\\slash \"quoted\".\n"
            "# TYPE c_total counter\n"
            "c_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsTest, InvalidNamesAreSanitized) {
  Metrics metrics;
  metrics.IncrementCounter("crm.bad-name", "B.", {{"bad-label", "v"}});
  EXPECT_THAT(metrics.Render(), HasSubstr("crm_bad_name{bad_label=\"v\"} 1\n"));
}

TEST(MetricsTest, FirstUseFixesTypeAndHelp) {
  Metrics metrics;
  metrics.SetGauge("g", "First help.", 3);
  metrics.SetGauge("g", "Second help.", 4);
  metrics.ObserveHistogram("g", "Histogram help.", {}, 1);  // Ignored.
  EXPECT_EQ(metrics.Render(), "# HELP g First help.\n# TYPE g gauge\ng 4\n");
}

TEST(MetricsTest, GaugeCallbackReadAtRenderAndReplaceable) {
  Metrics metrics;
  std::atomic<int> value{1};
  metrics.SetGaugeCallback("cb", "C.", [&value] { return value.load(); });
  EXPECT_THAT(metrics.Render(), HasSubstr("cb 1\n"));
  value = 5;
  EXPECT_THAT(metrics.Render(), HasSubstr("cb 5\n"));
  metrics.SetGauge("cb", "C.", 9);  // A fixed value replaces the callback.
  EXPECT_THAT(metrics.Render(), HasSubstr("cb 9\n"));
}

TEST(MetricsTest, GaugeCallbackMayUseTheRegistry) {
  // Callbacks run outside the registry's lock.
  Metrics metrics;
  metrics.SetGaugeCallback("outer", "O.", [&metrics] {
    metrics.SetGauge("inner", "I.", 2);
    return 1.0;
  });
  EXPECT_THAT(metrics.Render(), HasSubstr("outer 1\n"));
  EXPECT_THAT(metrics.Render(), HasSubstr("inner 2\n"));
}

TEST(MetricsTest, ValueFormatting) {
  Metrics metrics;
  metrics.SetGauge("a", "A.", 0.1);
  metrics.SetGauge("b", "B.", 1e20);
  metrics.SetGauge("c", "C.", -3);
  metrics.SetGauge("d", "D.", 1.0 / 0.0);
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("\na 0.1\n"));
  EXPECT_THAT(text, HasSubstr("\nb 1e+20\n"));
  EXPECT_THAT(text, HasSubstr("\nc -3\n"));
  EXPECT_THAT(text, HasSubstr("\nd +Inf\n"));
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  Metrics metrics;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < kPerThread; ++i) {
        metrics.IncrementCounter("n_total", "N.",
                                 {{"t", t % 2 ? "odd" : "even"}});
        metrics.ObserveHistogram("h_seconds", "H.", {}, 0.003);
        if (i % 500 == 0) metrics.Render();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("n_total{t=\"even\"} 20000\n"));
  EXPECT_THAT(text, HasSubstr("n_total{t=\"odd\"} 20000\n"));
  EXPECT_THAT(text, HasSubstr("h_seconds_count 40000\n"));
  EXPECT_THAT(text, HasSubstr("h_seconds_bucket{le=\"0.005\"} 40000\n"));
}

TEST(MetricsTest, DefaultIsASingleton) {
  EXPECT_EQ(&Metrics::Default(), &Metrics::Default());
}

}  // namespace
}  // namespace crm::common
