// Injectable source of the current time (UTC). Production code takes a
// `const Clock&` and tests pass a FakeClock they can move by hand.
#pragma once

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace crm::common {

class Clock {
 public:
  virtual ~Clock() = default;
  // Returns the current time. Thread-safe.
  virtual absl::Time Now() const = 0;
};

// The real wall clock (absl::Now(), microsecond precision).
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  // A process-wide instance.
  static const SystemClock& Instance();
};

// A clock that always reads one instant: for work that must see a single
// time throughout (a batch applied as one).
class FixedClock final : public Clock {
 public:
  explicit FixedClock(absl::Time at) : at_(at) {}
  absl::Time Now() const override { return at_; }

 private:
  const absl::Time at_;
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace crm::common
