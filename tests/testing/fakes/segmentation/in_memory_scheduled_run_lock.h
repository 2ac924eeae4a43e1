// An in-memory ScheduledRunLock (services/segmentation/scheduled_run_lock.h)
// for unit tests: one holder per name at a time, within the process.
//
//   crm::testing::InMemoryScheduledRunLock lock;
//   auto held = lock.TryAcquire("recompute");  // As another replica would.
//   lock.FailNextAcquire(absl::UnavailableError("db down"));
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "services/segmentation/scheduled_run_lock.h"

namespace crm::testing {

class InMemoryScheduledRunLock final
    : public crm::segmentation::ScheduledRunLock {
 public:
  absl::StatusOr<std::unique_ptr<crm::segmentation::ScheduledRunLease>>
  TryAcquire(absl::string_view name) override {
    absl::MutexLock lock(&mu_);
    if (fail_next_.has_value()) {
      absl::Status status = std::move(*fail_next_);
      fail_next_.reset();
      return status;
    }
    if (!held_.insert(std::string(name)).second) return nullptr;
    ++acquired_;
    return std::make_unique<Lease>(this, std::string(name));
  }

  // The next TryAcquire() returns `status`.
  void FailNextAcquire(absl::Status status) {
    absl::MutexLock lock(&mu_);
    fail_next_ = std::move(status);
  }

  bool IsHeld(absl::string_view name) const {
    absl::MutexLock lock(&mu_);
    return held_.count(std::string(name)) > 0;
  }
  // Leases handed out so far.
  int acquired() const {
    absl::MutexLock lock(&mu_);
    return acquired_;
  }

 private:
  class Lease final : public crm::segmentation::ScheduledRunLease {
   public:
    Lease(InMemoryScheduledRunLock* owner, std::string name)
        : owner_(owner), name_(std::move(name)) {}
    ~Lease() override {
      absl::MutexLock lock(&owner_->mu_);
      owner_->held_.erase(name_);
    }

   private:
    InMemoryScheduledRunLock* const owner_;
    const std::string name_;
  };

  mutable absl::Mutex mu_;
  std::set<std::string> held_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> fail_next_ ABSL_GUARDED_BY(mu_);
  int acquired_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace crm::testing
