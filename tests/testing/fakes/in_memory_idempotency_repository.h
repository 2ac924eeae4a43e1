// An in-memory IdempotencyRepository (services/common/idempotency.h) for unit
// tests; rolled back with the FakeUnitOfWork it enlists in.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::InMemoryIdempotencyRepository keys(&unit_of_work);
#pragma once

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/idempotency.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryIdempotencyRepository final
    : public crm::common::IdempotencyRepository {
 public:
  explicit InMemoryIdempotencyRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        auto saved = stored_;
        return [this, saved] { stored_ = saved; };
      });
    }
  }

  absl::StatusOr<std::optional<crm::common::StoredResponse>> LookupForUpdate(
      crm::common::Transaction& /*tx*/, absl::string_view method,
      absl::string_view request_id) override {
    auto it = stored_.find(Key(method, request_id));
    if (it == stored_.end()) return std::nullopt;
    return it->second;
  }

  absl::Status Save(crm::common::Transaction& /*tx*/, absl::string_view method,
                    absl::string_view request_id,
                    const crm::common::StoredResponse& response,
                    absl::Time /*now*/) override {
    auto [it, inserted] = stored_.emplace(Key(method, request_id), response);
    if (!inserted) {
      return crm::common::AlreadyExistsError("idempotency_keys",
                                             "request_id already stored");
    }
    return absl::OkStatus();
  }

  absl::Status ForgetSubjects(
      crm::common::Transaction& /*tx*/,
      const std::vector<std::string>& subjects) override {
    for (auto it = stored_.begin(); it != stored_.end();) {
      bool filed = false;
      for (const std::string& subject : it->second.subjects) {
        filed = filed || std::find(subjects.begin(), subjects.end(), subject) !=
                             subjects.end();
      }
      it = filed ? stored_.erase(it) : std::next(it);
    }
    return absl::OkStatus();
  }

  size_t size() const { return stored_.size(); }

 private:
  static std::string Key(absl::string_view method,
                         absl::string_view request_id) {
    return absl::StrCat(method, "\n", request_id);
  }

  std::map<std::string, crm::common::StoredResponse> stored_;
};

}  // namespace crm::testing
