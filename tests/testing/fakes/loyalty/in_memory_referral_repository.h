// An in-memory ReferralRepository (services/loyalty/referral_repository.h)
// for unit tests; rolled back with the FakeUnitOfWork it enlists in.
// Follows the interface's contracts (ALREADY_EXISTS for a taken customer,
// code or id, NOT_FOUND for updating a missing referral); locks need no
// modelling (FakeUnitOfWork runs one unit of work at a time). HasOrdered
// reads the order earnings of the account fake it is given.
//
//   crm::testing::InMemoryAccountRepository accounts(&unit_of_work);
//   crm::testing::InMemoryReferralRepository referrals(&unit_of_work,
//                                                      &accounts);
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/filter/filter_predicate.h"
#include "services/loyalty/referral_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/loyalty/in_memory_account_repository.h"

namespace crm::testing {

class InMemoryReferralRepository final
    : public crm::loyalty::ReferralRepository {
 public:
  using ReferralCodeRecord = crm::loyalty::ReferralCodeRecord;
  using ReferralRecord = crm::loyalty::ReferralRecord;

  // `accounts` (may be null: nobody has ordered) must outlive this object.
  InMemoryReferralRepository(FakeUnitOfWork* unit_of_work,
                             const InMemoryAccountRepository* accounts)
      : accounts_(accounts) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        State saved = state_;
        return [this, saved] { state_ = saved; };
      });
    }
  }

  absl::StatusOr<std::optional<ReferralCodeRecord>> FindCode(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      bool /*lock*/) override {
    auto it = state_.codes.find(std::string(customer_id));
    if (it == state_.codes.end()) return std::nullopt;
    return it->second;
  }
  absl::StatusOr<std::optional<ReferralCodeRecord>> FindCodeByCode(
      crm::common::Transaction& /*tx*/, absl::string_view code) override {
    for (const auto& [customer, record] : state_.codes) {
      if (record.code == code) return record;
    }
    return std::nullopt;
  }
  absl::Status InsertCode(crm::common::Transaction& tx,
                          const ReferralCodeRecord& code) override {
    if (state_.codes.count(code.customer_id) > 0 ||
        FindCodeByCode(tx, code.code)->has_value()) {
      return absl::AlreadyExistsError("referral code or its customer exists");
    }
    state_.codes[code.customer_id] = code;
    return absl::OkStatus();
  }
  absl::Status MoveCode(crm::common::Transaction& /*tx*/,
                        absl::string_view from_customer_id,
                        absl::string_view to_customer_id) override {
    auto it = state_.codes.find(std::string(from_customer_id));
    if (it == state_.codes.end()) return absl::OkStatus();
    ReferralCodeRecord moved = it->second;
    moved.customer_id = std::string(to_customer_id);
    state_.codes.erase(it);
    state_.codes[moved.customer_id] = moved;
    return absl::OkStatus();
  }
  absl::Status DeleteCode(crm::common::Transaction& /*tx*/,
                          absl::string_view customer_id) override {
    state_.codes.erase(std::string(customer_id));
    return absl::OkStatus();
  }
  absl::Status InsertReferral(crm::common::Transaction& /*tx*/,
                              const ReferralRecord& referral) override {
    if (!state_.referrals.emplace(referral.id, referral).second) {
      return absl::AlreadyExistsError("referral exists");
    }
    return absl::OkStatus();
  }
  absl::Status UpdateReferral(crm::common::Transaction& /*tx*/,
                              const ReferralRecord& referral) override {
    auto it = state_.referrals.find(referral.id);
    if (it == state_.referrals.end()) {
      return absl::NotFoundError("no referral to update");
    }
    const absl::Time create_time = it->second.create_time;
    it->second = referral;
    it->second.create_time = create_time;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<ReferralRecord>> ReferralsOfReferred(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      bool /*lock*/) override {
    return Oldest([&](const ReferralRecord& referral) {
      return referral.referred_id == customer_id;
    });
  }
  absl::StatusOr<std::vector<ReferralRecord>> ReferralsOfCustomer(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      bool /*lock*/) override {
    return Oldest([&](const ReferralRecord& referral) {
      return referral.referred_id == customer_id ||
             referral.referrer_id == customer_id;
    });
  }
  absl::StatusOr<std::vector<ReferralRecord>> ListReferrals(
      crm::common::Transaction& /*tx*/,
      const crm::loyalty::ReferralQuery& query) override {
    std::vector<ReferralRecord> all =
        Oldest([](const ReferralRecord&) { return true; });
    std::reverse(all.begin(), all.end());
    std::vector<ReferralRecord> page;
    for (const ReferralRecord& referral : all) {
      if (query.after.has_value() &&
          std::tie(referral.create_time, referral.id) >=
              std::tie(query.after->first, query.after->second)) {
        continue;
      }
      crm::common::filter::MapFilterRecord view(
          {{"referrer", {referral.referrer_id}},
           {"referred", {referral.referred_id}},
           {"state", {crm::loyalty::v1::Referral::State_Name(referral.state)}},
           {"create_time", {referral.create_time}}});
      if (!crm::common::filter::Matches(query.filter, view)) continue;
      if (static_cast<int>(page.size()) >= query.limit) break;
      page.push_back(referral);
    }
    return page;
  }
  absl::StatusOr<bool> HasOrdered(crm::common::Transaction& /*tx*/,
                                  absl::string_view customer_id) override {
    return accounts_ != nullptr &&
           !accounts_->Earnings(std::string(customer_id)).empty();
  }

  // --- Test access ---
  std::vector<ReferralRecord> All() const {
    std::vector<ReferralRecord> all;
    for (const auto& [id, referral] : state_.referrals) all.push_back(referral);
    return all;
  }
  size_t code_count() const { return state_.codes.size(); }

 private:
  struct State {
    std::map<std::string, ReferralCodeRecord> codes;  // By customer.
    std::map<std::string, ReferralRecord> referrals;  // By id.
  };

  template <typename Predicate>
  std::vector<ReferralRecord> Oldest(Predicate keep) const {
    std::vector<ReferralRecord> out;
    for (const auto& [id, referral] : state_.referrals) {
      if (keep(referral)) out.push_back(referral);
    }
    std::sort(out.begin(), out.end(),
              [](const ReferralRecord& a, const ReferralRecord& b) {
                return std::tie(a.create_time, a.id) <
                       std::tie(b.create_time, b.id);
              });
    return out;
  }

  const InMemoryAccountRepository* const accounts_;
  State state_;
};

}  // namespace crm::testing
