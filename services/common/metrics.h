// Prometheus text-format metrics (exposition format 0.0.4).
//
//   Metrics& m = Metrics::Default();
//   m.IncrementCounter("crm_customers_created_total", "Customers created.");
//   m.ObserveHistogram("crm_grpc_server_handling_seconds", "RPC latency.",
//                      {{"method",
//                      "/crm.loyalty.v1.LoyaltyService/GetAccount"}}, 0.0042);
//   m.SetGaugeCallback("crm_db_pool_in_use", "Borrowed connections.",
//                      [&] { return pool.in_use(); });
//   std::string body = m.Render();
//
// Thread-safe. A metric name keeps the type and help of its first use.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace crm::common {

using MetricLabels = std::map<std::string, std::string>;

class Metrics {
 public:
  // Default latency buckets in seconds: 1ms .. 10s.
  static const std::vector<double>& DefaultLatencyBuckets();
  // The process-wide registry that the server bootstrap exposes.
  static Metrics& Default();

  void IncrementCounter(absl::string_view name, absl::string_view help,
                        const MetricLabels& labels = {}, double by = 1);
  void SetGauge(absl::string_view name, absl::string_view help, double value,
                const MetricLabels& labels = {});
  // The callback is called on every Render(); it must be cheap and
  // thread-safe, and outlive the registry or be removed first.
  void SetGaugeCallback(absl::string_view name, absl::string_view help,
                        std::function<double()> callback,
                        const MetricLabels& labels = {});
  void ObserveHistogram(
      absl::string_view name, absl::string_view help,
      const MetricLabels& labels, double value,
      const std::vector<double>& buckets = DefaultLatencyBuckets());

  // All metrics in Prometheus text format, sorted by name.
  std::string Render() const;

 private:
  struct Series;
  struct Family;
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Family>, std::less<>> families_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace crm::common
