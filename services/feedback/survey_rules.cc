#include "services/feedback/survey_rules.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"
#include "services/common/timestamps.h"
#include "services/feedback/feedback_validation.h"

namespace crm::feedback {
namespace {

using ::crm::common::InvalidFieldError;
using ::crm::common::RequiredFieldError;
using Kind = v1::SurveyQuestion::Kind;

constexpr size_t kMaxTitle = 200;
constexpr size_t kMaxQuestionText = 500;
constexpr size_t kMaxOption = 200;
constexpr size_t kMaxQuestionId = 32;
constexpr size_t kMaxSubject = 200;

// A required text: trimmed, non-empty, valid UTF-8, at most `max` chars.
absl::StatusOr<std::string> RequiredText(absl::string_view value,
                                         absl::string_view field, size_t max) {
  const std::string text(absl::StripAsciiWhitespace(value));
  if (text.empty()) return RequiredFieldError(field);
  if (!crm::common::ValidateText(text, field, max,
                                 crm::common::Presence::kRequired)
           .ok()) {
    return InvalidFieldError(
        field,
        absl::StrCat("must be valid UTF-8 of at most ", max, " characters"));
  }
  return text;
}

bool IsQuestionId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxQuestionId) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
  });
}

bool IsChoice(Kind kind) {
  return kind == v1::SurveyQuestion::SINGLE_CHOICE ||
         kind == v1::SurveyQuestion::MULTIPLE_CHOICE;
}

bool IsScored(Kind kind) {
  return kind == v1::SurveyQuestion::NPS || kind == v1::SurveyQuestion::CSAT ||
         kind == v1::SurveyQuestion::CES;
}

// The score range of a scored kind.
std::pair<int, int> ScoreRange(Kind kind) {
  switch (kind) {
    case v1::SurveyQuestion::NPS:
      return {0, 10};
    case v1::SurveyQuestion::CSAT:
      return {1, 5};
    default:
      return {1, 7};
  }
}

}  // namespace

absl::Status CheckSurveySubject(absl::string_view subject,
                                absl::string_view field) {
  if (subject.size() > kMaxSubject) {
    return InvalidFieldError(field, "must be at most 200 characters");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(subject, '/');
  const bool order = parts.size() == 4 && parts[0] == kCustomersCollection &&
                     parts[2] == kOrdersCollection &&
                     crm::common::ValidateResourceId(parts[1], field).ok() &&
                     crm::common::ValidateResourceId(parts[3], field).ok();
  const bool ticket = parts.size() == 2 && parts[0] == "tickets" &&
                      crm::common::ValidateResourceId(parts[1], field).ok();
  if (!order && !ticket) {
    return InvalidFieldError(field,
                             "must be customers/{customer}/orders/{order} or "
                             "tickets/{ticket}");
  }
  return absl::OkStatus();
}

namespace {

// Adds the answers of one group.
struct Tally {
  int64_t responses = 0;
  int64_t promoters = 0, passives = 0, detractors = 0;
  int64_t csat = 0, satisfied = 0;
  int64_t ces = 0, ces_sum = 0;

  void Add(const ScoreCount& count) {
    switch (count.kind) {
      case v1::SurveyQuestion::NPS:
        (count.score >= 9   ? promoters
         : count.score >= 7 ? passives
                            : detractors) += count.answers;
        break;
      case v1::SurveyQuestion::CSAT:
        csat += count.answers;
        if (count.score >= 4) satisfied += count.answers;
        break;
      case v1::SurveyQuestion::CES:
        ces += count.answers;
        ces_sum += count.score * count.answers;
        break;
      default:
        break;
    }
  }

  v1::SurveyScores::Scores ToProto() const {
    v1::SurveyScores::Scores scores;
    scores.set_responses(responses);
    const int64_t nps_answers = promoters + passives + detractors;
    scores.set_nps_answers(nps_answers);
    scores.set_promoters(promoters);
    scores.set_passives(passives);
    scores.set_detractors(detractors);
    if (nps_answers > 0) {
      scores.set_nps(100.0 * static_cast<double>(promoters - detractors) /
                     static_cast<double>(nps_answers));
    }
    scores.set_csat_answers(csat);
    if (csat > 0) {
      scores.set_csat_percent(100.0 * static_cast<double>(satisfied) /
                              static_cast<double>(csat));
    }
    scores.set_ces_answers(ces);
    if (ces > 0) {
      scores.set_ces_mean(static_cast<double>(ces_sum) /
                          static_cast<double>(ces));
    }
    return scores;
  }
};

}  // namespace

absl::StatusOr<v1::Survey> NormalizeSurveyDefinition(const v1::Survey& input) {
  v1::Survey survey;
  CRM_ASSIGN_OR_RETURN(*survey.mutable_title(),
                       RequiredText(input.title(), "survey.title", kMaxTitle));
  if (input.questions_size() == 0) {
    return RequiredFieldError("survey.questions");
  }
  if (input.questions_size() > kMaxQuestions) {
    return InvalidFieldError("survey.questions",
                             "must hold at most 50 questions");
  }
  std::set<std::string> ids;
  for (int i = 0; i < input.questions_size(); ++i) {
    const v1::SurveyQuestion& in = input.questions(i);
    const std::string field = absl::StrCat("survey.questions[", i, "]");
    v1::SurveyQuestion* question = survey.add_questions();
    question->set_id(std::string(absl::StripAsciiWhitespace(in.id())));
    if (question->id().empty()) return RequiredFieldError(field + ".id");
    if (!IsQuestionId(question->id())) {
      return InvalidFieldError(field + ".id",
                               "must be 1 to 32 characters of [a-z0-9_]");
    }
    if (!ids.insert(question->id()).second) {
      return InvalidFieldError(field + ".id", "is used by another question");
    }
    CRM_ASSIGN_OR_RETURN(
        *question->mutable_text(),
        RequiredText(in.text(), field + ".text", kMaxQuestionText));
    if (in.kind() == v1::SurveyQuestion::KIND_UNSPECIFIED) {
      return RequiredFieldError(field + ".kind");
    }
    if (!v1::SurveyQuestion::Kind_IsValid(in.kind())) {
      return InvalidFieldError(field + ".kind", "is not a known kind");
    }
    question->set_kind(in.kind());
    question->set_required(in.required());
    if (!IsChoice(in.kind())) {
      if (in.options_size() > 0) {
        return InvalidFieldError(field + ".options",
                                 "are only for choice questions");
      }
      continue;
    }
    if (in.options_size() < 2 || in.options_size() > kMaxOptions) {
      return InvalidFieldError(field + ".options", "must hold 2 to 20 options");
    }
    std::set<std::string> options;
    for (int j = 0; j < in.options_size(); ++j) {
      CRM_ASSIGN_OR_RETURN(
          std::string option,
          RequiredText(in.options(j), absl::StrCat(field, ".options[", j, "]"),
                       kMaxOption));
      if (!options.insert(option).second) {
        return InvalidFieldError(absl::StrCat(field, ".options[", j, "]"),
                                 "repeats another option");
      }
      question->add_options(option);
    }
  }
  return survey;
}

absl::StatusOr<NewSurveyResponse> NormalizeSurveyResponse(
    const v1::Survey& survey, const v1::SurveyResponse& input) {
  NewSurveyResponse response;
  const absl::string_view customer =
      absl::StripAsciiWhitespace(input.customer());
  if (!customer.empty()) {
    CRM_ASSIGN_OR_RETURN(response.customer_id,
                         CustomerIdOf(customer, "response.customer"));
  }
  response.channel =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(input.channel()));
  if (response.channel.empty()) return RequiredFieldError("response.channel");
  if (std::none_of(std::begin(kFeedbackChannels), std::end(kFeedbackChannels),
                   [&](const char* c) { return response.channel == c; })) {
    return InvalidFieldError(
        "response.channel",
        "must be one of web, app, store, call_center, email, social, "
        "wechat, other");
  }
  response.subject = std::string(absl::StripAsciiWhitespace(input.subject()));
  if (!response.subject.empty()) {
    CRM_RETURN_IF_ERROR(
        CheckSurveySubject(response.subject, "response.subject"));
  }

  std::map<std::string, const v1::SurveyAnswer*> by_question;
  std::map<std::string, int> index_of;
  for (int i = 0; i < input.answers_size(); ++i) {
    const v1::SurveyAnswer& answer = input.answers(i);
    const std::string field = absl::StrCat("response.answers[", i, "]");
    const std::string id(absl::StripAsciiWhitespace(answer.question_id()));
    if (id.empty()) return RequiredFieldError(field + ".question_id");
    const bool known =
        std::any_of(survey.questions().begin(), survey.questions().end(),
                    [&](const v1::SurveyQuestion& q) { return q.id() == id; });
    if (!known) {
      return InvalidFieldError(field + ".question_id",
                               "is not a question of the survey");
    }
    if (!by_question.emplace(id, &answer).second) {
      return InvalidFieldError(field + ".question_id",
                               "answers a question already answered");
    }
    index_of[id] = i;
  }

  for (const v1::SurveyQuestion& question : survey.questions()) {
    auto found = by_question.find(question.id());
    if (found == by_question.end()) {
      if (question.required()) {
        return crm::common::ErrorWithReason(
            crm::common::WithFieldViolation(
                absl::InvalidArgumentError(
                    "response.answers: a required question is unanswered"),
                "response.answers", "a required question is unanswered"),
            crm::type::v1::FIELD_REQUIRED,
            {{"field", "response.answers"}, {"question_id", question.id()}});
      }
      continue;
    }
    const v1::SurveyAnswer& in = *found->second;
    const std::string field =
        absl::StrCat("response.answers[", index_of[question.id()], "]");
    v1::SurveyAnswer answer;
    answer.set_question_id(question.id());
    const Kind kind = question.kind();
    if (IsScored(kind)) {
      const auto [low, high] = ScoreRange(kind);
      if (!in.choices().empty() || !in.text().empty()) {
        return InvalidFieldError(field, "takes only a score");
      }
      if (in.score() < low || in.score() > high) {
        return InvalidFieldError(
            field + ".score", absl::StrCat("must be from ", low, " to ", high));
      }
      answer.set_score(in.score());
      response.scored.push_back({kind, in.score()});
    } else if (IsChoice(kind)) {
      if (in.score() != 0 || !in.text().empty()) {
        return InvalidFieldError(field, "takes only choices");
      }
      std::set<std::string> chosen;
      for (const std::string& choice : in.choices()) {
        const bool listed =
            std::find(question.options().begin(), question.options().end(),
                      choice) != question.options().end();
        if (!listed || !chosen.insert(choice).second) {
          return InvalidFieldError(field + ".choices",
                                   "must be distinct options of the question");
        }
        answer.add_choices(choice);
      }
      const int count = answer.choices_size();
      if (count == 0 ||
          (kind == v1::SurveyQuestion::SINGLE_CHOICE && count != 1)) {
        return InvalidFieldError(field + ".choices",
                                 kind == v1::SurveyQuestion::SINGLE_CHOICE
                                     ? "must be exactly one option"
                                     : "must be at least one option");
      }
    } else {
      if (in.score() != 0 || !in.choices().empty()) {
        return InvalidFieldError(field, "takes only text");
      }
      if (!crm::common::ValidateText(in.text(), field + ".text",
                                     kMaxFreeTextAnswer,
                                     crm::common::Presence::kOptional)
               .ok()) {
        return InvalidFieldError(field + ".text",
                                 "must be valid UTF-8 of at most 5000 "
                                 "characters");
      }
      answer.set_text(in.text());
    }
    response.answers.push_back(std::move(answer));
  }
  return response;
}

absl::StatusOr<std::optional<std::string>> ParseLoyaltyTierFilter(
    absl::string_view loyalty_tier) {
  if (loyalty_tier.empty()) return std::optional<std::string>();
  if (loyalty_tier == kUnknownLoyaltyTierFilter) {
    return std::optional<std::string>(std::string());
  }
  const bool valid =
      loyalty_tier.size() <= 32 &&
      std::all_of(loyalty_tier.begin(), loyalty_tier.end(), [](char c) {
        return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
               c == '-';
      });
  if (!valid) {
    return InvalidFieldError("loyalty_tier",
                             "must be a tier id (1 to 32 characters of "
                             "[a-z0-9_-]) or UNKNOWN");
  }
  return std::optional<std::string>(std::string(loyalty_tier));
}

absl::CivilDay IntervalStart(absl::CivilDay day, TrendInterval interval) {
  switch (interval) {
    case TrendInterval::kDay:
      return day;
    case TrendInterval::kWeek:
      return absl::PrevWeekday(day + 1, absl::Weekday::monday);
    case TrendInterval::kMonth:
      return absl::CivilDay(absl::CivilMonth(day));
  }
  return day;
}

namespace {

absl::CivilDay NextInterval(absl::CivilDay start, TrendInterval interval) {
  switch (interval) {
    case TrendInterval::kDay:
      return start + 1;
    case TrendInterval::kWeek:
      return start + 7;
    case TrendInterval::kMonth:
      return absl::CivilDay(absl::CivilMonth(start) + 1);
  }
  return start + 1;
}

}  // namespace

v1::SurveyScores ComputeSurveyScores(
    absl::string_view survey_name, const std::vector<ScoreCount>& counts,
    const std::vector<ResponseCount>& responses, const ScorePeriod& period,
    v1::SurveyResponse::ValueTier value_tier,
    const std::optional<std::string>& loyalty_tier) {
  const bool every_tier =
      value_tier == v1::SurveyResponse::VALUE_TIER_UNSPECIFIED;
  auto counted = [&](absl::CivilDay day, v1::SurveyResponse::ValueTier tier,
                     const std::string& loyalty) {
    return day >= period.first_day && day <= period.last_day &&
           (every_tier || tier == value_tier) &&
           (!loyalty_tier.has_value() || loyalty == *loyalty_tier);
  };
  Tally total;
  std::map<std::string, Tally> by_channel;
  std::map<int, Tally> by_tier;
  std::map<std::string, Tally> by_loyalty;
  std::map<absl::CivilDay, Tally> by_interval;
  for (const ScoreCount& count : counts) {
    if (!counted(count.day, count.value_tier, count.loyalty_tier)) continue;
    total.Add(count);
    by_channel[count.channel].Add(count);
    by_tier[count.value_tier].Add(count);
    by_loyalty[count.loyalty_tier].Add(count);
    by_interval[IntervalStart(count.day, period.interval)].Add(count);
  }
  for (const ResponseCount& count : responses) {
    if (!counted(count.day, count.value_tier, count.loyalty_tier)) continue;
    total.responses += count.responses;
    by_channel[count.channel].responses += count.responses;
    by_tier[count.value_tier].responses += count.responses;
    by_loyalty[count.loyalty_tier].responses += count.responses;
    by_interval[IntervalStart(count.day, period.interval)].responses +=
        count.responses;
  }
  v1::SurveyScores scores;
  scores.set_survey(std::string(survey_name));
  *scores.mutable_total() = total.ToProto();
  for (const auto& [channel, tally] : by_channel) {
    v1::SurveyScores::ChannelScores* entry = scores.add_by_channel();
    entry->set_channel(channel);
    *entry->mutable_scores() = tally.ToProto();
  }
  for (const v1::SurveyResponse::ValueTier tier :
       {v1::SurveyResponse::HIGH, v1::SurveyResponse::MEDIUM,
        v1::SurveyResponse::LOW, v1::SurveyResponse::VALUE_TIER_UNKNOWN}) {
    if (!every_tier && tier != value_tier) continue;
    v1::SurveyScores::ValueTierScores* entry = scores.add_by_value_tier();
    entry->set_value_tier(tier);
    auto found = by_tier.find(tier);
    *entry->mutable_scores() =
        found == by_tier.end() ? Tally().ToProto() : found->second.ToProto();
  }
  // Known tiers alphabetically (the map's order), the unknown one last.
  for (const auto& [tier, tally] : by_loyalty) {
    if (tier.empty()) continue;
    v1::SurveyScores::LoyaltyTierScores* entry = scores.add_by_loyalty_tier();
    entry->set_loyalty_tier(tier);
    *entry->mutable_scores() = tally.ToProto();
  }
  if (!loyalty_tier.has_value() || loyalty_tier->empty()) {
    auto unknown = by_loyalty.find("");
    *scores.add_by_loyalty_tier()->mutable_scores() =
        unknown == by_loyalty.end() ? Tally().ToProto()
                                    : unknown->second.ToProto();
  } else if (by_loyalty.empty()) {
    v1::SurveyScores::LoyaltyTierScores* entry = scores.add_by_loyalty_tier();
    entry->set_loyalty_tier(*loyalty_tier);
    *entry->mutable_scores() = Tally().ToProto();
  }
  int points = 0;
  for (absl::CivilDay start = IntervalStart(period.first_day, period.interval);
       start <= period.last_day && points < kMaxTrendPoints;
       start = NextInterval(start, period.interval), ++points) {
    v1::SurveyScores::TrendPoint* point = scores.add_trend();
    *point->mutable_start_time() = crm::common::ToProtoTimestamp(
        absl::FromCivil(start, absl::UTCTimeZone()));
    auto found = by_interval.find(start);
    *point->mutable_scores() = found == by_interval.end()
                                   ? Tally().ToProto()
                                   : found->second.ToProto();
  }
  return scores;
}

void SetQuestionKinds(
    const v1::Survey& answered,
    google::protobuf::RepeatedPtrField<v1::SurveyAnswer>* answers) {
  std::map<absl::string_view, Kind> kinds;
  for (const v1::SurveyQuestion& question : answered.questions()) {
    kinds.emplace(question.id(), question.kind());
  }
  for (v1::SurveyAnswer& answer : *answers) {
    auto found = kinds.find(answer.question_id());
    answer.set_question_kind(found == kinds.end()
                                 ? v1::SurveyQuestion::KIND_UNSPECIFIED
                                 : found->second);
  }
}

std::string SurveyName(absl::string_view id) {
  return crm::common::FormatResourceName(kSurveysCollection, id);
}

std::string SurveyResponseName(absl::string_view survey_id,
                               absl::string_view id) {
  return absl::StrCat(SurveyName(survey_id), "/", kResponsesCollection, "/",
                      id);
}

absl::StatusOr<std::string> SurveyIdOf(absl::string_view name,
                                       absl::string_view field) {
  return crm::common::ParseResourceName(name, kSurveysCollection, field);
}

}  // namespace crm::feedback
