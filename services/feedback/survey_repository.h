// Storage of surveys (every version of their definitions) and of their
// responses, with the counts the scores are computed from. The MySQL
// implementation is MySqlSurveyRepository (mysql_survey_repository.h); unit
// tests use the in-memory fake in tests/testing/fakes/feedback/.
//
//   CRM_ASSIGN_OR_RETURN(SurveyRecord survey, surveys.Get(tx, id, true));
//   survey.version += 1; ...
//   CRM_RETURN_IF_ERROR(surveys.SaveVersion(tx, survey));
//
// The repository stores what it is given: it validates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/feedback/v1/survey.pb.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/keyset_page.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/survey_rules.h"

namespace crm::feedback {

// One version of a survey.
struct SurveyRecord {
  std::string id;
  int32_t version = 1;
  // Title and questions (other fields unset).
  v1::Survey definition;
  absl::Time create_time;
  absl::Time update_time;  // When this version was made.
};

// One stored response.
struct SurveyResponseRecord {
  std::string id;
  std::string survey_id;
  int32_t survey_version = 1;
  std::string customer_id;  // Empty: anonymous (or erased).
  std::string channel;
  std::string subject;
  std::vector<v1::SurveyAnswer> answers;
  std::vector<ScoredAnswer> scored;  // Also kept for counting.
  absl::Time create_time;
  std::string invitation_id;  // The invitation answered; empty without one.
  // The customer's value tier when the response was submitted (also kept on
  // the scored answers for counting).
  v1::SurveyResponse::ValueTier value_tier =
      v1::SurveyResponse::VALUE_TIER_UNKNOWN;
  // The customer's loyalty tier id when the response was submitted; empty:
  // unknown (also kept on the scored answers for counting).
  std::string loyalty_tier;
  // The bare ids of the segments the customer was in when the response was
  // submitted (distinct); empty when anonymous or unknown.
  std::vector<std::string> segment_ids;
};

class SurveyRepository {
 public:
  SurveyRepository(const SurveyRepository&) = delete;
  SurveyRepository& operator=(const SurveyRepository&) = delete;
  virtual ~SurveyRepository() = default;

  // Stores a new survey and its version. ALREADY_EXISTS if the id exists.
  virtual absl::Status Insert(crm::common::Transaction& tx,
                              const SurveyRecord& survey) = 0;

  // The current version of survey `id`, locked until the transaction ends
  // when `for_update`. NOT_FOUND if there is none.
  virtual absl::StatusOr<SurveyRecord> Get(crm::common::Transaction& tx,
                                           const std::string& id,
                                           bool for_update) = 0;

  // Version `version` of survey `id` (create_time the survey's, update_time
  // the version's). NOT_FOUND if there is none.
  virtual absl::StatusOr<SurveyRecord> GetVersion(crm::common::Transaction& tx,
                                                  const std::string& id,
                                                  int32_t version) = 0;

  // Surveys at their current version, ordered by create_time then id, both
  // descending, starting strictly after `page.after` (or at the newest), at
  // most `page.page_size`; `next` is set when more may follow.
  virtual absl::StatusOr<crm::common::Page<SurveyRecord>> List(
      crm::common::Transaction& tx, const crm::common::PageRequest& page) = 0;

  // Makes `survey` (an existing id with a version one above the current)
  // the current version and keeps it among the versions. NOT_FOUND if the
  // survey does not exist.
  virtual absl::Status SaveVersion(crm::common::Transaction& tx,
                                   const SurveyRecord& survey) = 0;

  // Stores a response. ALREADY_EXISTS if its id exists.
  virtual absl::Status InsertResponse(crm::common::Transaction& tx,
                                      const SurveyResponseRecord& response) = 0;

  // Responses of survey `survey_id` (of every survey when empty) matching
  // `filter` (over SurveyResponseFilterSchema(), survey_response_filter.h,
  // with the meaning SurveyResponseFilterView gives it), ordered by
  // create_time then id, both descending, starting strictly after
  // `page.after` (or at the newest), at most `page.page_size` (`scored` is
  // left empty); `next` is set when more may follow.
  virtual absl::StatusOr<crm::common::Page<SurveyResponseRecord>> ListResponses(
      crm::common::Transaction& tx, const std::string& survey_id,
      const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) = 0;

  // The scored answers of survey `survey_id`'s responses created in
  // [`from`, `to`), counted by UTC day, channel, value tier, loyalty tier,
  // kind and score; only of the responses stored with segment `segment_id`
  // among their segment_ids when it is not empty.
  virtual absl::StatusOr<std::vector<ScoreCount>> CountScores(
      crm::common::Transaction& tx, const std::string& survey_id,
      absl::Time from, absl::Time to, const std::string& segment_id) = 0;

  // Its responses in [`from`, `to`), counted by UTC day, channel, value
  // tier and loyalty tier; of segment `segment_id` alone as CountScores.
  virtual absl::StatusOr<std::vector<ResponseCount>> CountResponses(
      crm::common::Transaction& tx, const std::string& survey_id,
      absl::Time from, absl::Time to, const std::string& segment_id) = 0;

  // Unlinks every response of `customer_id` (customer, subject and
  // invitation become empty; answers, the value and loyalty tiers and the
  // segments stay for the scores).
  // Returns how many changed.
  virtual absl::StatusOr<int64_t> AnonymizeCustomer(
      crm::common::Transaction& tx, const std::string& customer_id) = 0;

  // Moves every response of `from_customer_id` to `to_customer_id` (a
  // merge). Returns how many moved.
  virtual absl::StatusOr<int64_t> ReassignCustomer(
      crm::common::Transaction& tx, const std::string& from_customer_id,
      const std::string& to_customer_id) = 0;

  // Every response of `customer_id` (non-empty), newest first (`scored` is
  // left empty).
  virtual absl::StatusOr<std::vector<SurveyResponseRecord>>
  ListResponsesByCustomer(crm::common::Transaction& tx,
                          const std::string& customer_id) = 0;

  // Replaces the answers of response `response_id` (the erasure's
  // scrubbing of free text; scores and choices are passed unchanged).
  virtual absl::Status RewriteAnswers(
      crm::common::Transaction& tx, const std::string& response_id,
      const std::vector<v1::SurveyAnswer>& answers) = 0;

 protected:
  SurveyRepository() = default;
};

}  // namespace crm::feedback
