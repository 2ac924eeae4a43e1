// Injectable generator of resource ids. Production uses random ids; tests
// can use a sequence to get predictable names.
//
//   const IdGenerator& ids = RandomIdGenerator::Instance();
//   std::string id = ids.NewId();  // "k3v9q0c2m7x1d8r4t6zb"
#pragma once

#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"

namespace crm::common {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // A new id: 20 characters of lowercase [a-z0-9], safe in resource names
  // and URLs. Thread-safe.
  virtual std::string NewId() const = 0;
};

// 20 characters from a cryptographically secure source (about 103 bits).
class RandomIdGenerator final : public IdGenerator {
 public:
  std::string NewId() const override;
  static const RandomIdGenerator& Instance();
};

// "<prefix>0000000001", "<prefix>0000000002", ... for tests.
class SequentialIdGenerator final : public IdGenerator {
 public:
  explicit SequentialIdGenerator(std::string prefix)
      : prefix_(std::move(prefix)) {}
  std::string NewId() const override;

 private:
  std::string prefix_;
  mutable absl::Mutex mu_;
  mutable long long next_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace crm::common
