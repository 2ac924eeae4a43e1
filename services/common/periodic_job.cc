#include "services/common/periodic_job.h"

#include <utility>

namespace crm::common {

PeriodicJob::PeriodicJob(std::function<void(const RequestContext&)> run,
                         PeriodicJobOptions options)
    : run_(std::move(run)),
      options_(options),
      random_(std::random_device{}()) {}

absl::Duration PeriodicJob::NextPause(bool first) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  double factor = 1 + options_.jitter * (2 * unit(random_) - 1);
  if (first) {
    if (!options_.random_first_delay) return absl::ZeroDuration();
    factor *= unit(random_);
  }
  return options_.interval * factor;
}

void PeriodicJob::Start() {
  thread_ = std::thread([this] {
    RequestContext context;
    context.set_cancellation(
        [this] { return cancelled_.load(std::memory_order_acquire); });
    bool first = true;
    absl::MutexLock lock(&mu_);
    while (true) {
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), NextPause(first))) {
        return;
      }
      first = false;
      mu_.Unlock();
      run_(context);
      mu_.Lock();
    }
  });
}

void PeriodicJob::Stop() {
  cancelled_.store(true, std::memory_order_release);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace crm::common
