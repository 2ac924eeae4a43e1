// Raises feedback's alerts inside the transaction of the write that
// triggers them, so an alert exists exactly when its cause was committed:
//   - OnFeedback: a negative item (alert_rules.h) is counted in its
//     category's hour; once the hour's count reaches the category's
//     threshold, a COMPLAINT_SPIKE alert (one per category and hour);
//     and NEGATIVE_FEEDBACK_HIGH_VALUE for a negative item of a high-value
//     customer (one per item);
//   - OnSurveyResponse: DETRACTOR_TOP_TIER for an NPS detractor answer from
//     a customer in loyalty's top tier (one per response);
//   - OnEscalation: an SLA_BREACHED alert per ticket and escalation level;
//   - OnSlaImminent: SLA_BREACH_IMMINENT per ticket and deadline.
// The rules that depend on the customer need remote answers (segmentation's
// value tier, loyalty's tiers). They are asked BEFORE the transaction, with
// the sources' deadlines, by StandingForFeedback / StandingForSurveyResponse,
// and the answer is passed in; an unknown answer raises nothing.
//
//   AlertRaiser raiser(alerts, ids, {&value_tiers, &loyalty});
//   const CustomerStanding standing = raiser.StandingForFeedback(draft);
//   ... in the transaction:
//   CRM_RETURN_IF_ERROR(raiser.OnFeedback(tx, record, standing));
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/id_generator.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/alert_repository.h"
#include "services/feedback/feedback_repository.h"
#include "services/feedback/loyalty_client.h"
#include "services/feedback/survey_repository.h"
#include "services/feedback/survey_rules.h"
#include "services/feedback/ticket_repository.h"
#include "services/feedback/ticket_rules.h"
#include "services/feedback/value_tier_source.h"

namespace crm::feedback {

// Where the customer rules learn about customers; a null source knows
// nothing (its rule never fires).
struct AlertSources {
  ValueTierSource* value_tiers = nullptr;
  LoyaltyClient* loyalty = nullptr;
};

// What the customer rules learnt about the customer behind one write.
struct CustomerStanding {
  ValueTier value_tier = ValueTier::kUnknown;
  LoyaltyTierStanding loyalty_tier = LoyaltyTierStanding::kUnknown;
};

class AlertRaiser {
 public:
  // Every argument (and the sources) must outlive the raiser.
  AlertRaiser(AlertRepository& alerts, const crm::common::IdGenerator& ids,
              AlertSources sources = {})
      : alerts_(alerts), ids_(ids), sources_(sources) {}
  AlertRaiser(const AlertRaiser&) = delete;
  AlertRaiser& operator=(const AlertRaiser&) = delete;

  // Outside any transaction: the value tier of `item`'s customer, asked
  // (with the source's deadline) only for a negative item of a customer.
  CustomerStanding StandingForFeedback(const FeedbackRecord& item);

  // Outside any transaction: the loyalty standing of `customer_id`, asked
  // (with the client's deadline) only when `scored` holds an NPS detractor
  // answer and the customer is known.
  CustomerStanding StandingForSurveyResponse(
      const std::string& customer_id, const std::vector<ScoredAnswer>& scored);

  // Counts `item` if negative and raises a COMPLAINT_SPIKE alert when its
  // hour's count reaches the threshold (ComputeSpikeBaseline over the 672
  // hours before that hour) and none was raised for the hour yet; raises
  // NEGATIVE_FEEDBACK_HIGH_VALUE when IsHighValueNegativeFeedback(item,
  // standing.value_tier).
  absl::Status OnFeedback(crm::common::Transaction& tx,
                          const FeedbackRecord& item,
                          const CustomerStanding& standing = {});

  // Raises DETRACTOR_TOP_TIER when IsTopTierDetractor(response's customer,
  // answers, standing.loyalty_tier).
  absl::Status OnSurveyResponse(crm::common::Transaction& tx,
                                const SurveyResponseRecord& response,
                                const CustomerStanding& standing);

  // Raises SLA_BREACH_IMMINENT for `deadline` of `ticket`, once per ticket
  // and deadline level (the deadline moving with the priority raises no
  // second one).
  absl::Status OnSlaImminent(crm::common::Transaction& tx,
                             const TicketRecord& ticket,
                             const ImminentDeadline& deadline, absl::Time now);

  // Raises an SLA_BREACHED alert for `ticket` at its escalation level
  // (once per ticket and level).
  absl::Status OnEscalation(crm::common::Transaction& tx,
                            const TicketRecord& ticket, absl::Time now);

 private:
  AlertRepository& alerts_;
  const crm::common::IdGenerator& ids_;
  const AlertSources sources_;
};

}  // namespace crm::feedback
