// SurveyRepository on the service's MySQL/MariaDB database (tables
// `surveys`, `survey_versions`, `survey_responses`, `survey_scored_answers`,
// migrations/0003_surveys.sql, 0006_survey_lists.sql and
// 0007_survey_invitations.sql): all of the
// surveys' SQL and row mapping, prepared statements only, on the connection
// of the caller's unit of work.
//
//   MySqlSurveyRepository surveys;
//   SurveyManager manager(unit_of_work, surveys, idempotency, clock, ids);
#pragma once

#include "services/feedback/survey_repository.h"

namespace crm::feedback {

class MySqlSurveyRepository final : public SurveyRepository {
 public:
  MySqlSurveyRepository() = default;

  absl::Status Insert(crm::common::Transaction& tx,
                      const SurveyRecord& survey) override;
  absl::StatusOr<SurveyRecord> Get(crm::common::Transaction& tx,
                                   const std::string& id,
                                   bool for_update) override;
  absl::StatusOr<SurveyRecord> GetVersion(crm::common::Transaction& tx,
                                          const std::string& id,
                                          int32_t version) override;
  absl::StatusOr<crm::common::Page<SurveyRecord>> List(
      crm::common::Transaction& tx,
      const crm::common::PageRequest& page) override;
  absl::Status SaveVersion(crm::common::Transaction& tx,
                           const SurveyRecord& survey) override;
  absl::Status InsertResponse(crm::common::Transaction& tx,
                              const SurveyResponseRecord& response) override;
  absl::StatusOr<crm::common::Page<SurveyResponseRecord>> ListResponses(
      crm::common::Transaction& tx, const std::string& survey_id,
      const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) override;
  absl::StatusOr<std::vector<ScoreCount>> CountScores(
      crm::common::Transaction& tx, const std::string& survey_id,
      absl::Time from, absl::Time to, const std::string& segment_id) override;
  absl::StatusOr<std::vector<ResponseCount>> CountResponses(
      crm::common::Transaction& tx, const std::string& survey_id,
      absl::Time from, absl::Time to, const std::string& segment_id) override;
  absl::StatusOr<int64_t> AnonymizeCustomer(
      crm::common::Transaction& tx, const std::string& customer_id) override;
  absl::StatusOr<int64_t> ReassignCustomer(
      crm::common::Transaction& tx, const std::string& from_customer_id,
      const std::string& to_customer_id) override;
  absl::StatusOr<std::vector<SurveyResponseRecord>> ListResponsesByCustomer(
      crm::common::Transaction& tx, const std::string& customer_id) override;
  absl::Status RewriteAnswers(
      crm::common::Transaction& tx, const std::string& response_id,
      const std::vector<v1::SurveyAnswer>& answers) override;
};

}  // namespace crm::feedback
