// An in-memory SurveyRepository (services/feedback/survey_repository.h) for
// unit tests of the survey manager; rolled back with the FakeUnitOfWork it
// enlists in.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::InMemorySurveyRepository surveys(&unit_of_work);
//   SurveyManager manager(unit_of_work, surveys, invitations, consents, keys,
//                         clock, ids, tiers);
//
// Follows the interface's contracts, counting as the MySQL implementation
// does (UTC days, [from, to)).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/common/error_details.h"
#include "services/common/filter/filter_predicate.h"
#include "services/feedback/survey_repository.h"
#include "services/feedback/survey_response_filter.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemorySurveyRepository final : public crm::feedback::SurveyRepository {
 public:
  using SurveyRecord = crm::feedback::SurveyRecord;
  using SurveyResponseRecord = crm::feedback::SurveyResponseRecord;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemorySurveyRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        auto saved = std::make_tuple(surveys_, versions_, responses_);
        return [this, saved] {
          std::tie(surveys_, versions_, responses_) = saved;
        };
      });
    }
  }

  absl::Status Insert(crm::common::Transaction& /*tx*/,
                      const SurveyRecord& survey) override {
    if (surveys_.count(survey.id) > 0) {
      return absl::AlreadyExistsError("survey id exists");
    }
    surveys_[survey.id] = survey;
    versions_.push_back(survey);
    return absl::OkStatus();
  }

  absl::StatusOr<SurveyRecord> Get(crm::common::Transaction& /*tx*/,
                                   const std::string& id,
                                   bool /*for_update*/) override {
    auto it = surveys_.find(id);
    if (it == surveys_.end()) {
      return crm::common::NotFoundError(crm::feedback::SurveyName(id));
    }
    return it->second;
  }

  absl::StatusOr<SurveyRecord> GetVersion(crm::common::Transaction& /*tx*/,
                                          const std::string& id,
                                          int32_t version) override {
    auto current = surveys_.find(id);
    if (current == surveys_.end()) {
      return crm::common::NotFoundError(crm::feedback::SurveyName(id));
    }
    for (const SurveyRecord& stored : versions_) {
      if (stored.id != id || stored.version != version) continue;
      SurveyRecord found = stored;
      found.create_time = current->second.create_time;
      return found;
    }
    return crm::common::NotFoundError(
        absl::StrCat(crm::feedback::SurveyName(id), " version ", version));
  }

  absl::StatusOr<crm::common::Page<SurveyRecord>> List(
      crm::common::Transaction& /*tx*/,
      const crm::common::PageRequest& page) override {
    std::vector<SurveyRecord> rows;
    for (const auto& [id, survey] : surveys_) {
      if (page.after.has_value() &&
          !ComesAfter(survey.create_time, survey.id, *page.after)) {
        continue;
      }
      rows.push_back(survey);
    }
    return NewestFirstPage<SurveyRecord>(std::move(rows), page.page_size);
  }

  absl::Status SaveVersion(crm::common::Transaction& /*tx*/,
                           const SurveyRecord& survey) override {
    auto it = surveys_.find(survey.id);
    if (it == surveys_.end()) {
      return crm::common::NotFoundError(crm::feedback::SurveyName(survey.id));
    }
    it->second = survey;
    versions_.push_back(survey);
    return absl::OkStatus();
  }

  absl::Status InsertResponse(crm::common::Transaction& /*tx*/,
                              const SurveyResponseRecord& response) override {
    for (const SurveyResponseRecord& stored : responses_) {
      if (stored.id == response.id) {
        return absl::AlreadyExistsError("survey response id exists");
      }
    }
    responses_.push_back(response);
    return absl::OkStatus();
  }

  absl::StatusOr<crm::common::Page<SurveyResponseRecord>> ListResponses(
      crm::common::Transaction& /*tx*/, const std::string& survey_id,
      const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) override {
    std::vector<SurveyResponseRecord> rows;
    for (const SurveyResponseRecord& response : responses_) {
      if (!survey_id.empty() && response.survey_id != survey_id) continue;
      if (!crm::common::filter::Matches(
              filter, crm::feedback::SurveyResponseFilterView(response))) {
        continue;
      }
      if (page.after.has_value() &&
          !ComesAfter(response.create_time, response.id, *page.after)) {
        continue;
      }
      rows.push_back(response);
      rows.back().scored.clear();
    }
    return NewestFirstPage<SurveyResponseRecord>(std::move(rows),
                                                 page.page_size);
  }

  absl::StatusOr<std::vector<crm::feedback::ScoreCount>> CountScores(
      crm::common::Transaction& /*tx*/, const std::string& survey_id,
      absl::Time from, absl::Time to, const std::string& segment_id) override {
    std::map<
        std::tuple<absl::CivilDay, std::string, int, int, int, std::string>,
        int64_t>
        sums;
    for (const SurveyResponseRecord& response : responses_) {
      if (!Counted(response, survey_id, from, to, segment_id)) continue;
      for (const crm::feedback::ScoredAnswer& answer : response.scored) {
        ++sums[{Day(response), response.channel, answer.kind, answer.score,
                response.value_tier, response.loyalty_tier}];
      }
    }
    std::vector<crm::feedback::ScoreCount> counts;
    for (const auto& [key, answers] : sums) {
      counts.push_back(
          {std::get<0>(key), std::get<1>(key),
           static_cast<crm::feedback::v1::SurveyQuestion::Kind>(
               std::get<2>(key)),
           std::get<3>(key), answers,
           static_cast<crm::feedback::v1::SurveyResponse::ValueTier>(
               std::get<4>(key)),
           std::get<5>(key)});
    }
    return counts;
  }

  absl::StatusOr<std::vector<crm::feedback::ResponseCount>> CountResponses(
      crm::common::Transaction& /*tx*/, const std::string& survey_id,
      absl::Time from, absl::Time to, const std::string& segment_id) override {
    std::map<std::tuple<absl::CivilDay, std::string, int, std::string>, int64_t>
        sums;
    for (const SurveyResponseRecord& response : responses_) {
      if (Counted(response, survey_id, from, to, segment_id)) {
        ++sums[{Day(response), response.channel, response.value_tier,
                response.loyalty_tier}];
      }
    }
    std::vector<crm::feedback::ResponseCount> counts;
    for (const auto& [key, responses] : sums) {
      counts.push_back(
          {std::get<0>(key), std::get<1>(key), responses,
           static_cast<crm::feedback::v1::SurveyResponse::ValueTier>(
               std::get<2>(key)),
           std::get<3>(key)});
    }
    return counts;
  }

  absl::StatusOr<int64_t> AnonymizeCustomer(
      crm::common::Transaction& /*tx*/,
      const std::string& customer_id) override {
    int64_t changed = 0;
    for (SurveyResponseRecord& response : responses_) {
      if (response.customer_id != customer_id) continue;
      response.customer_id.clear();
      response.subject.clear();
      response.invitation_id.clear();
      ++changed;
    }
    return changed;
  }

  absl::StatusOr<int64_t> ReassignCustomer(
      crm::common::Transaction& /*tx*/, const std::string& from_customer_id,
      const std::string& to_customer_id) override {
    int64_t moved = 0;
    for (SurveyResponseRecord& response : responses_) {
      if (response.customer_id != from_customer_id) continue;
      response.customer_id = to_customer_id;
      ++moved;
    }
    return moved;
  }

  absl::StatusOr<std::vector<SurveyResponseRecord>> ListResponsesByCustomer(
      crm::common::Transaction& /*tx*/,
      const std::string& customer_id) override {
    std::vector<SurveyResponseRecord> found;
    for (auto it = responses_.rbegin(); it != responses_.rend(); ++it) {
      if (it->customer_id != customer_id) continue;
      found.push_back(*it);
      found.back().scored.clear();
    }
    return found;
  }

  absl::Status RewriteAnswers(
      crm::common::Transaction& /*tx*/, const std::string& response_id,
      const std::vector<crm::feedback::v1::SurveyAnswer>& answers) override {
    for (SurveyResponseRecord& response : responses_) {
      if (response.id == response_id) response.answers = answers;
    }
    return absl::OkStatus();
  }

  // Every version stored, in order.
  const std::vector<SurveyRecord>& versions() const { return versions_; }
  const std::vector<SurveyResponseRecord>& responses() const {
    return responses_;
  }

 private:
  static bool ComesAfter(absl::Time create_time, const std::string& id,
                         const crm::common::KeysetPosition& position) {
    return create_time < position.create_time ||
           (create_time == position.create_time && id < position.id);
  }

  // `rows` (each with create_time and id) sorted newest first and cut to
  // a page as the MySQL implementation does.
  template <typename Row>
  static crm::common::Page<Row> NewestFirstPage(std::vector<Row> rows,
                                                int page_size) {
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      return ComesAfter(b.create_time, b.id, {a.create_time, a.id});
    });
    if (rows.size() > static_cast<size_t>(page_size) + 1) {
      rows.resize(page_size + 1);
    }
    return crm::common::MakePage<Row>(
        std::move(rows), page_size, [](const Row& row) {
          return crm::common::KeysetPosition{row.create_time, row.id};
        });
  }

  static bool Counted(const SurveyResponseRecord& response,
                      const std::string& survey_id, absl::Time from,
                      absl::Time to, const std::string& segment_id) {
    return response.survey_id == survey_id && response.create_time >= from &&
           response.create_time < to &&
           (segment_id.empty() ||
            std::find(response.segment_ids.begin(), response.segment_ids.end(),
                      segment_id) != response.segment_ids.end());
  }
  static absl::CivilDay Day(const SurveyResponseRecord& response) {
    return absl::ToCivilDay(response.create_time, absl::UTCTimeZone());
  }

  std::map<std::string, SurveyRecord> surveys_;
  std::vector<SurveyRecord> versions_;
  std::vector<SurveyResponseRecord> responses_;
};

}  // namespace crm::testing
