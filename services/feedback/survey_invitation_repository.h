// Storage of survey invitations (survey_invitation_rules.h). The MySQL
// implementation is MySqlSurveyInvitationRepository
// (mysql_survey_invitation_repository.h); unit tests use the in-memory fake
// in tests/testing/fakes/feedback/.
//
//   CRM_ASSIGN_OR_RETURN(SurveyInvitationRecord invitation,
//                        invitations.Get(tx, survey_id, id, true));
//   CRM_RETURN_IF_ERROR(invitations.MarkAnswered(tx, id, response_id, now));
//
// The repository stores what it is given: it validates nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/feedback/v1/survey.pb.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/keyset_page.h"
#include "services/common/unit_of_work.h"

namespace crm::feedback {

// One stored invitation.
struct SurveyInvitationRecord {
  std::string id;
  std::string survey_id;
  std::string customer_id;
  std::string subject;  // Order or ticket name.
  v1::SurveyInvitation::Channel channel =
      v1::SurveyInvitation::CHANNEL_UNSPECIFIED;
  std::string response_id;  // Empty until answered.
  absl::Time create_time;
  std::optional<absl::Time> answer_time;  // Set with response_id.
};

class SurveyInvitationRepository {
 public:
  SurveyInvitationRepository(const SurveyInvitationRepository&) = delete;
  SurveyInvitationRepository& operator=(const SurveyInvitationRepository&) =
      delete;
  virtual ~SurveyInvitationRepository() = default;

  // Stores a new invitation. ALREADY_EXISTS if its id exists or survey
  // `survey_id` already has an invitation for `subject`.
  virtual absl::Status Insert(crm::common::Transaction& tx,
                              const SurveyInvitationRecord& invitation) = 0;

  // Invitation `id` of survey `survey_id`, locked until the transaction ends
  // when `for_update`. NOT_FOUND if there is none.
  virtual absl::StatusOr<SurveyInvitationRecord> Get(
      crm::common::Transaction& tx, const std::string& survey_id,
      const std::string& id, bool for_update) = 0;

  // The invitation of survey `survey_id` for `subject`, if any.
  virtual absl::StatusOr<std::optional<SurveyInvitationRecord>> FindBySubject(
      crm::common::Transaction& tx, const std::string& survey_id,
      const std::string& subject) = 0;

  // Records that response `response_id` answered invitation `id` at
  // `answer_time`. NOT_FOUND if there is no such invitation.
  virtual absl::Status MarkAnswered(crm::common::Transaction& tx,
                                    const std::string& id,
                                    const std::string& response_id,
                                    absl::Time answer_time) = 0;

  // Invitations of survey `survey_id` (of every survey when empty) matching
  // `filter` (over SurveyInvitationFilterSchema(), with the meaning
  // SurveyInvitationFilterView gives it, survey_invitation_filter.h),
  // ordered by create_time then id, both descending, starting strictly after
  // `page.after` (or at the newest), at most `page.page_size`; `next` is set
  // when more may follow.
  virtual absl::StatusOr<crm::common::Page<SurveyInvitationRecord>> List(
      crm::common::Transaction& tx, const std::string& survey_id,
      const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) = 0;

  // Every invitation of `customer_id` (non-empty), newest first.
  virtual absl::StatusOr<std::vector<SurveyInvitationRecord>> ListByCustomer(
      crm::common::Transaction& tx, const std::string& customer_id) = 0;

  // Deletes every invitation of `customer_id` (the erasure). Returns how
  // many were deleted.
  virtual absl::StatusOr<int64_t> DeleteCustomer(
      crm::common::Transaction& tx, const std::string& customer_id) = 0;

  // Moves every invitation of `from_customer_id` to `to_customer_id` (a
  // merge). Returns how many moved.
  virtual absl::StatusOr<int64_t> ReassignCustomer(
      crm::common::Transaction& tx, const std::string& from_customer_id,
      const std::string& to_customer_id) = 0;

 protected:
  SurveyInvitationRepository() = default;
};

}  // namespace crm::feedback
