// An in-memory ConsentRepository (services/consents/consent_repository.h)
// for unit tests; rolled back with the FakeUnitOfWork it enlists in.
//
//   crm::testing::InMemoryConsentRepository consents(&unit_of_work);
//   consents.Put("c1", {{cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED}});
//   consents.Answer("c2", cp::Consent::SMS_MARKETING, cp::Consent::REVOKED);
//   EXPECT_EQ(consents.Answers("c1").size(), 1u);
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/consents/consent_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryConsentRepository final
    : public crm::consents::ConsentRepository {
 public:
  using ConsentAnswer = crm::consents::ConsentAnswer;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryConsentRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        std::map<std::string, Stored> saved = customers_;
        return [this, saved] { customers_ = saved; };
      });
    }
  }

  absl::StatusOr<std::vector<ConsentAnswer>> Find(
      crm::common::Transaction& /*tx*/,
      absl::string_view customer_id) override {
    return Answers(std::string(customer_id));
  }
  absl::StatusOr<bool> Replace(crm::common::Transaction& /*tx*/,
                               absl::string_view customer_id,
                               const std::vector<ConsentAnswer>& answers,
                               int64_t feed_sequence) override {
    auto it = customers_.find(std::string(customer_id));
    if (it != customers_.end() && !it->second.answers.empty() &&
        it->second.feed_sequence > feed_sequence) {
      return false;
    }
    Put(std::string(customer_id), answers, feed_sequence);
    return true;
  }
  absl::Status Forget(crm::common::Transaction& /*tx*/,
                      absl::string_view customer_id) override {
    customers_.erase(std::string(customer_id));
    return absl::OkStatus();
  }

  // --- Test access ---
  // The customer's answers in purpose order.
  std::vector<ConsentAnswer> Answers(const std::string& customer_id) const {
    auto it = customers_.find(customer_id);
    if (it == customers_.end()) return {};
    return it->second.answers;
  }
  // Stores `answers` as the customer's whole set as of `feed_sequence`.
  void Put(const std::string& customer_id, std::vector<ConsentAnswer> answers,
           int64_t feed_sequence = 0) {
    std::sort(answers.begin(), answers.end(),
              [](const ConsentAnswer& a, const ConsentAnswer& b) {
                return a.purpose < b.purpose;
              });
    customers_[customer_id] = Stored{std::move(answers), feed_sequence};
  }
  // `customer_id` answers `status` for `purpose` (other answers kept).
  void Answer(const std::string& customer_id,
              ::crm::customerprofile::v1::Consent::Purpose purpose,
              ::crm::customerprofile::v1::Consent::Status status) {
    std::vector<ConsentAnswer> answers = Answers(customer_id);
    answers.erase(std::remove_if(answers.begin(), answers.end(),
                                 [&](const ConsentAnswer& answer) {
                                   return answer.purpose == purpose;
                                 }),
                  answers.end());
    answers.push_back({purpose, status, std::nullopt});
    Put(customer_id, std::move(answers), Sequence(customer_id));
  }
  bool Knows(const std::string& customer_id) const {
    return customers_.count(customer_id) > 0;
  }

 private:
  struct Stored {
    std::vector<ConsentAnswer> answers;
    int64_t feed_sequence = 0;
  };

  int64_t Sequence(const std::string& customer_id) const {
    auto it = customers_.find(customer_id);
    return it == customers_.end() ? 0 : it->second.feed_sequence;
  }

  std::map<std::string, Stored> customers_;
};

}  // namespace crm::testing
