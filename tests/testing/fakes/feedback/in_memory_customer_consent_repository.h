// An in-memory CustomerConsentRepository
// (services/feedback/customer_consent_repository.h) for unit tests of survey
// invitations and the consent tracker; rolled back with the FakeUnitOfWork
// it enlists in.
//
//   crm::testing::InMemoryCustomerConsentRepository consents(&unit_of_work);
//   consents.Grant("c1", Consent::EMAIL_MARKETING);
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/feedback/customer_consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryCustomerConsentRepository final
    : public crm::feedback::CustomerConsentRepository {
 public:
  using ConsentAnswer = crm::feedback::ConsentAnswer;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryCustomerConsentRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        auto saved = stored_;
        return [this, saved] { stored_ = saved; };
      });
    }
  }

  absl::StatusOr<std::vector<ConsentAnswer>> Find(
      crm::common::Transaction& /*tx*/,
      const std::string& customer_id) override {
    auto found = stored_.find(customer_id);
    if (found == stored_.end()) return std::vector<ConsentAnswer>();
    std::vector<ConsentAnswer> answers = found->second.answers;
    std::sort(answers.begin(), answers.end(),
              [](const ConsentAnswer& a, const ConsentAnswer& b) {
                return a.purpose < b.purpose;
              });
    return answers;
  }

  absl::StatusOr<bool> Replace(crm::common::Transaction& /*tx*/,
                               const std::string& customer_id,
                               const std::vector<ConsentAnswer>& answers,
                               int64_t feed_sequence) override {
    auto found = stored_.find(customer_id);
    if (found != stored_.end() && !found->second.answers.empty() &&
        found->second.feed_sequence > feed_sequence) {
      return false;
    }
    if (answers.empty()) {
      stored_.erase(customer_id);
    } else {
      stored_[customer_id] = {answers, feed_sequence};
    }
    return true;
  }

  absl::Status Forget(crm::common::Transaction& /*tx*/,
                      const std::string& customer_id) override {
    stored_.erase(customer_id);
    return absl::OkStatus();
  }

  // Test set-up: `customer_id` answers `status` for `purpose` (other
  // answers kept).
  void Answer(const std::string& customer_id,
              ::crm::customerprofile::v1::Consent::Purpose purpose,
              ::crm::customerprofile::v1::Consent::Status status) {
    std::vector<ConsentAnswer>& answers = stored_[customer_id].answers;
    answers.erase(std::remove_if(answers.begin(), answers.end(),
                                 [&](const ConsentAnswer& answer) {
                                   return answer.purpose == purpose;
                                 }),
                  answers.end());
    answers.push_back({purpose, status});
  }

 private:
  struct Stored {
    std::vector<ConsentAnswer> answers;
    int64_t feed_sequence = 0;
  };
  std::map<std::string, Stored> stored_;
};

}  // namespace crm::testing
