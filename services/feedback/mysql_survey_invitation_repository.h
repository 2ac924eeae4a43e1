// SurveyInvitationRepository on the service's MySQL/MariaDB database (table
// `survey_invitations`, migrations/0007_survey_invitations.sql): all of the
// invitations' SQL and row mapping, prepared statements only, on the
// connection of the caller's unit of work.
//
//   MySqlSurveyInvitationRepository invitations;
#pragma once

#include "services/feedback/survey_invitation_repository.h"

namespace crm::feedback {

class MySqlSurveyInvitationRepository final
    : public SurveyInvitationRepository {
 public:
  MySqlSurveyInvitationRepository() = default;

  absl::Status Insert(crm::common::Transaction& tx,
                      const SurveyInvitationRecord& invitation) override;
  absl::StatusOr<SurveyInvitationRecord> Get(crm::common::Transaction& tx,
                                             const std::string& survey_id,
                                             const std::string& id,
                                             bool for_update) override;
  absl::StatusOr<std::optional<SurveyInvitationRecord>> FindBySubject(
      crm::common::Transaction& tx, const std::string& survey_id,
      const std::string& subject) override;
  absl::Status MarkAnswered(crm::common::Transaction& tx, const std::string& id,
                            const std::string& response_id,
                            absl::Time answer_time) override;
  absl::StatusOr<crm::common::Page<SurveyInvitationRecord>> List(
      crm::common::Transaction& tx, const std::string& survey_id,
      const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) override;
  absl::StatusOr<std::vector<SurveyInvitationRecord>> ListByCustomer(
      crm::common::Transaction& tx, const std::string& customer_id) override;
  absl::StatusOr<int64_t> DeleteCustomer(
      crm::common::Transaction& tx, const std::string& customer_id) override;
  absl::StatusOr<int64_t> ReassignCustomer(
      crm::common::Transaction& tx, const std::string& from_customer_id,
      const std::string& to_customer_id) override;
};

}  // namespace crm::feedback
