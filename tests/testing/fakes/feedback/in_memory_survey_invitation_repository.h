// An in-memory SurveyInvitationRepository
// (services/feedback/survey_invitation_repository.h) for unit tests of the
// survey manager and the erasure; rolled back with the FakeUnitOfWork it
// enlists in.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::InMemorySurveyInvitationRepository invitations(
//       &unit_of_work);
//
// Follows the interface's contracts (one invitation per survey and subject,
// newest-first keyset pages, the filter's meaning from
// SurveyInvitationFilterView).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/error_details.h"
#include "services/common/filter/filter_predicate.h"
#include "services/feedback/survey_invitation_filter.h"
#include "services/feedback/survey_invitation_repository.h"
#include "services/feedback/survey_invitation_rules.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemorySurveyInvitationRepository final
    : public crm::feedback::SurveyInvitationRepository {
 public:
  using SurveyInvitationRecord = crm::feedback::SurveyInvitationRecord;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemorySurveyInvitationRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        auto saved = invitations_;
        return [this, saved] { invitations_ = saved; };
      });
    }
  }

  absl::Status Insert(crm::common::Transaction& /*tx*/,
                      const SurveyInvitationRecord& invitation) override {
    for (const SurveyInvitationRecord& stored : invitations_) {
      if (stored.id == invitation.id ||
          (stored.survey_id == invitation.survey_id &&
           stored.subject == invitation.subject)) {
        return absl::AlreadyExistsError("survey invitation exists");
      }
    }
    invitations_.push_back(invitation);
    return absl::OkStatus();
  }

  absl::StatusOr<SurveyInvitationRecord> Get(crm::common::Transaction& /*tx*/,
                                             const std::string& survey_id,
                                             const std::string& id,
                                             bool /*for_update*/) override {
    for (const SurveyInvitationRecord& stored : invitations_) {
      if (stored.id == id && stored.survey_id == survey_id) return stored;
    }
    return crm::common::NotFoundError(
        crm::feedback::SurveyInvitationName(survey_id, id));
  }

  absl::StatusOr<std::optional<SurveyInvitationRecord>> FindBySubject(
      crm::common::Transaction& /*tx*/, const std::string& survey_id,
      const std::string& subject) override {
    for (const SurveyInvitationRecord& stored : invitations_) {
      if (stored.survey_id == survey_id && stored.subject == subject) {
        return std::optional<SurveyInvitationRecord>(stored);
      }
    }
    return std::optional<SurveyInvitationRecord>();
  }

  absl::Status MarkAnswered(crm::common::Transaction& /*tx*/,
                            const std::string& id,
                            const std::string& response_id,
                            absl::Time answer_time) override {
    for (SurveyInvitationRecord& stored : invitations_) {
      if (stored.id != id) continue;
      stored.response_id = response_id;
      stored.answer_time = answer_time;
      return absl::OkStatus();
    }
    return absl::NotFoundError("survey invitation not found");
  }

  absl::StatusOr<crm::common::Page<SurveyInvitationRecord>> List(
      crm::common::Transaction& /*tx*/, const std::string& survey_id,
      const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) override {
    std::vector<SurveyInvitationRecord> rows;
    for (const SurveyInvitationRecord& stored : invitations_) {
      if (!survey_id.empty() && stored.survey_id != survey_id) continue;
      if (!crm::common::filter::Matches(
              filter, crm::feedback::SurveyInvitationFilterView(stored))) {
        continue;
      }
      if (page.after.has_value() && !ComesAfter(stored, *page.after)) {
        continue;
      }
      rows.push_back(stored);
    }
    SortNewestFirst(rows);
    if (rows.size() > static_cast<size_t>(page.page_size) + 1) {
      rows.resize(page.page_size + 1);
    }
    return crm::common::MakePage<SurveyInvitationRecord>(
        std::move(rows), page.page_size, [](const SurveyInvitationRecord& row) {
          return crm::common::KeysetPosition{row.create_time, row.id};
        });
  }

  absl::StatusOr<std::vector<SurveyInvitationRecord>> ListByCustomer(
      crm::common::Transaction& /*tx*/,
      const std::string& customer_id) override {
    std::vector<SurveyInvitationRecord> found;
    for (const SurveyInvitationRecord& stored : invitations_) {
      if (stored.customer_id == customer_id) found.push_back(stored);
    }
    SortNewestFirst(found);
    return found;
  }

  absl::StatusOr<int64_t> DeleteCustomer(
      crm::common::Transaction& /*tx*/,
      const std::string& customer_id) override {
    const size_t before = invitations_.size();
    invitations_.erase(
        std::remove_if(invitations_.begin(), invitations_.end(),
                       [&](const SurveyInvitationRecord& stored) {
                         return stored.customer_id == customer_id;
                       }),
        invitations_.end());
    return static_cast<int64_t>(before - invitations_.size());
  }

  absl::StatusOr<int64_t> ReassignCustomer(
      crm::common::Transaction& /*tx*/, const std::string& from_customer_id,
      const std::string& to_customer_id) override {
    int64_t moved = 0;
    for (SurveyInvitationRecord& stored : invitations_) {
      if (stored.customer_id != from_customer_id) continue;
      stored.customer_id = to_customer_id;
      ++moved;
    }
    return moved;
  }

  const std::vector<SurveyInvitationRecord>& invitations() const {
    return invitations_;
  }

 private:
  static bool ComesAfter(const SurveyInvitationRecord& row,
                         const crm::common::KeysetPosition& position) {
    return row.create_time < position.create_time ||
           (row.create_time == position.create_time && row.id < position.id);
  }
  static void SortNewestFirst(std::vector<SurveyInvitationRecord>& rows) {
    std::sort(
        rows.begin(), rows.end(),
        [](const SurveyInvitationRecord& a, const SurveyInvitationRecord& b) {
          return a.create_time != b.create_time ? a.create_time > b.create_time
                                                : a.id > b.id;
        });
  }

  std::vector<SurveyInvitationRecord> invitations_;
};

}  // namespace crm::testing
