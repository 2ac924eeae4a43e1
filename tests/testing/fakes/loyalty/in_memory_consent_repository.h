// An in-memory ConsentRepository (services/loyalty/consent_repository.h) for
// unit tests; rolled back with the FakeUnitOfWork it enlists in.
//
//   crm::testing::InMemoryConsentRepository consents(&unit_of_work);
//   consents.Put("c1", {{cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED}});
//   EXPECT_EQ(consents.Answers("c1").size(), 1u);
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/loyalty/consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryConsentRepository final : public crm::loyalty::ConsentRepository {
 public:
  using ConsentRecord = crm::loyalty::ConsentRecord;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryConsentRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        std::map<std::string, Stored> saved = customers_;
        return [this, saved] { customers_ = saved; };
      });
    }
  }

  absl::StatusOr<std::vector<ConsentRecord>> Find(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    return Answers(std::string(customer_id));
  }
  absl::StatusOr<bool> Replace(crm::common::Transaction& /*tx*/,
                               absl::string_view customer_id,
                               const std::vector<ConsentRecord>& consents,
                               int64_t feed_sequence) override {
    auto it = customers_.find(std::string(customer_id));
    if (it != customers_.end() && !it->second.answers.empty() &&
        it->second.feed_sequence > feed_sequence) {
      return false;
    }
    Stored stored{consents, feed_sequence};
    std::sort(stored.answers.begin(), stored.answers.end(),
              [](const ConsentRecord& a, const ConsentRecord& b) {
                return a.purpose < b.purpose;
              });
    customers_[std::string(customer_id)] = std::move(stored);
    return true;
  }
  absl::Status Forget(crm::common::Transaction& /*tx*/,
                      absl::string_view customer_id) override {
    customers_.erase(std::string(customer_id));
    return absl::OkStatus();
  }

  // --- Test access ---
  std::vector<ConsentRecord> Answers(const std::string& customer_id) const {
    auto it = customers_.find(customer_id);
    if (it == customers_.end()) return {};
    return it->second.answers;
  }
  // Stores `answers` as of feed sequence 0.
  void Put(const std::string& customer_id, std::vector<ConsentRecord> answers) {
    customers_[customer_id] = Stored{std::move(answers), 0};
  }
  bool Knows(const std::string& customer_id) const {
    return customers_.count(customer_id) > 0;
  }

 private:
  struct Stored {
    std::vector<ConsentRecord> answers;
    int64_t feed_sequence = 0;
  };
  std::map<std::string, Stored> customers_;
};

}  // namespace crm::testing
