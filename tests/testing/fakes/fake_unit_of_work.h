// An in-memory UnitOfWork (services/common/unit_of_work.h) for unit tests of
// managers over fake repositories.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   InMemoryAccountRepository accounts(&unit_of_work);  // enlists itself
//   AccountManager manager(unit_of_work, accounts, ...);
//   unit_of_work.FailNextRun(absl::UnavailableError("db down"));
//
// Run() runs the body once. Fakes that enlist a snapshot function are rolled
// back when the body (or an injected failure) returns non-OK, so a failed
// unit of work leaves no trace, as with a real transaction. The request's
// deadline and cancellation are checked against the given clock before the
// body runs and again before "commit", as MySqlUnitOfWork does. Not
// thread-safe beyond one Run() at a time (a mutex serialises Run/Read).
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/unit_of_work.h"

namespace crm::testing {

class FakeTransaction final : public crm::common::Transaction {
 public:
  explicit FakeTransaction(const crm::common::RequestContext& context)
      : context_(context) {}
  const crm::common::RequestContext& context() const override {
    return context_;
  }

 private:
  const crm::common::RequestContext& context_;
};

class FakeUnitOfWork final : public crm::common::UnitOfWork {
 public:
  // Returns a function that restores the state as it is now.
  using Snapshot = std::function<std::function<void()>()>;

  explicit FakeUnitOfWork(
      const crm::common::Clock& clock = crm::common::SystemClock::Instance())
      : clock_(clock) {}

  // Registers a fake's state to be restored when a Run() fails.
  void Enlist(Snapshot snapshot) {
    absl::MutexLock lock(&mu_);
    snapshots_.push_back(std::move(snapshot));
  }

  // The next Run() or Read() returns `status` after running the body (as a
  // failed commit would), rolling back the body's effects.
  void FailNextCommit(absl::Status status) {
    absl::MutexLock lock(&mu_);
    fail_next_commit_ = std::move(status);
  }

  int runs() const {
    absl::MutexLock lock(&mu_);
    return runs_;
  }
  int reads() const {
    absl::MutexLock lock(&mu_);
    return reads_;
  }
  int rollbacks() const {
    absl::MutexLock lock(&mu_);
    return rollbacks_;
  }

  absl::Status Run(const crm::common::RequestContext& context,
                   const std::function<absl::Status(crm::common::Transaction&)>&
                       body) override {
    absl::MutexLock lock(&mu_);
    ++runs_;
    return RunLocked(context, body);
  }

  absl::Status Read(
      const crm::common::RequestContext& context,
      const std::function<absl::Status(crm::common::Transaction&)>& body)
      override {
    absl::MutexLock lock(&mu_);
    ++reads_;
    return RunLocked(context, body);
  }
  using UnitOfWork::Read;
  using UnitOfWork::Run;

 private:
  absl::Status RunLocked(
      const crm::common::RequestContext& context,
      const std::function<absl::Status(crm::common::Transaction&)>& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (absl::Status active = context.CheckActive(clock_.Now()); !active.ok()) {
      return active;
    }
    std::vector<std::function<void()>> restorers;
    restorers.reserve(snapshots_.size());
    for (const Snapshot& snapshot : snapshots_) restorers.push_back(snapshot());
    FakeTransaction transaction(context);
    absl::Status status = body(transaction);
    if (status.ok()) status = context.CheckActive(clock_.Now());
    if (status.ok() && fail_next_commit_.has_value()) {
      status = std::move(*fail_next_commit_);
      fail_next_commit_.reset();
    }
    if (!status.ok()) {
      ++rollbacks_;
      for (auto it = restorers.rbegin(); it != restorers.rend(); ++it) (*it)();
    }
    return status;
  }

  const crm::common::Clock& clock_;
  mutable absl::Mutex mu_;
  std::vector<Snapshot> snapshots_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> fail_next_commit_ ABSL_GUARDED_BY(mu_);
  int runs_ ABSL_GUARDED_BY(mu_) = 0;
  int reads_ ABSL_GUARDED_BY(mu_) = 0;
  int rollbacks_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace crm::testing
