// Alerts over in-memory fakes: the spike rule's baseline, spike detection on
// generated hourly series with known spikes (no alert on the baseline, one
// alert on the spike), SLA-breach alerts from the escalation job, and the
// alert manager's list, acknowledgement and stream with resumption.
#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/feedback/alert_manager.h"
#include "services/feedback/alert_raiser.h"
#include "services/feedback/alert_rules.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/ticket_escalation.h"
#include "services/feedback/ticket_manager.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/feedback/in_memory_alert_repository.h"
#include "tests/testing/fakes/feedback/in_memory_feedback_repository.h"
#include "tests/testing/fakes/feedback/in_memory_ticket_repository.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::common::ReasonOf;
using ::crm::common::RequestContext;
using ::crm::testing::IsOk;
namespace reason = ::crm::type::v1;

// Monday 2026-02-02 10:00 UTC: four whole weeks of history before it.
const absl::Time kNow = absl::FromUnixSeconds(1770026400);

TEST(SpikeBaselineTest, ThresholdFollowsTheDocumentedRule) {
  EXPECT_EQ(ComputeSpikeBaseline({}).threshold, kMinSpikeCount);
  EXPECT_EQ(ComputeSpikeBaseline(std::vector<int64_t>(672, 0)).threshold, 5);
  // Steady 4 an hour: deviation 0, the Poisson floor sqrt(4) = 2 applies.
  const SpikeBaseline steady =
      ComputeSpikeBaseline(std::vector<int64_t>(672, 4));
  EXPECT_DOUBLE_EQ(steady.mean, 4);
  EXPECT_DOUBLE_EQ(steady.deviation, 0);
  EXPECT_EQ(steady.threshold, 10);
  // Alternating 0 and 20: mean 10, deviation 10 > sqrt(10).
  std::vector<int64_t> alternating;
  for (int i = 0; i < 672; ++i) alternating.push_back(i % 2 == 0 ? 0 : 20);
  const SpikeBaseline wide = ComputeSpikeBaseline(alternating);
  EXPECT_DOUBLE_EQ(wide.deviation, 10);
  EXPECT_EQ(wide.threshold, 40);
}

class AlertTest : public ::testing::Test {
 protected:
  // Submits one complaint about delivery at the clock's now.
  void SubmitDeliveryComplaint() {
    v1::SubmitFeedbackRequest request;
    request.mutable_feedback()->set_channel("app");
    request.mutable_feedback()->set_type(v1::Feedback::COMPLAINT);
    request.mutable_feedback()->set_text("快递太慢了");
    ASSERT_THAT(feedback_manager_.SubmitFeedback(context_, request).status(),
                IsOk());
  }

  // Fills the four weeks before `kNow` with a deterministic series of mean
  // 2 (hour i: 0, 1, 2, 3, 4, 2 repeating ...), the history of "delivery".
  void FillHistory() {
    const int pattern[] = {0, 1, 2, 3, 4, 2};
    crm::testing::FakeTransaction tx(context_);
    for (int hour = 0; hour < kSpikeBaselineHours; ++hour) {
      const absl::Time start =
          kNow - absl::Hours(kSpikeBaselineHours) + absl::Hours(hour);
      for (int i = 0; i < pattern[hour % 6]; ++i) {
        ASSERT_THAT(
            alerts_.IncrementNegativeCount(tx, "delivery", start).status(),
            IsOk());
      }
    }
  }

  RequestContext context_;
  crm::common::FakeClock clock_{kNow};
  crm::common::SequentialIdGenerator ids_{"a"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemoryFeedbackRepository feedback_{&unit_of_work_};
  crm::testing::InMemoryTicketRepository tickets_{&unit_of_work_};
  crm::testing::InMemoryAlertRepository alerts_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  AlertRaiser raiser_{alerts_, ids_};
  FeedbackManager feedback_manager_{unit_of_work_, feedback_, keys_,
                                    clock_,        ids_,      DefaultLexicon(),
                                    &raiser_};
  AlertManager alert_manager_{unit_of_work_, alerts_, keys_, clock_,
                              absl::Milliseconds(1)};
};

TEST_F(AlertTest, NoAlertAtTheBaselineOneAlertOnTheSpike) {
  FillHistory();
  // Mean 2, deviation 1.29 below the Poisson floor sqrt(2): threshold
  // ceil(2 + 3 * 1.414) = 7.
  // An hour at the series' own maximum (4) raises nothing.
  for (int i = 0; i < 4; ++i) SubmitDeliveryComplaint();
  EXPECT_TRUE(alerts_.alerts().empty());
  // The next hour: a spike of 12; the alert comes at the 7th item, once.
  clock_.Advance(absl::Hours(1));
  for (int i = 0; i < 12; ++i) SubmitDeliveryComplaint();
  ASSERT_EQ(alerts_.alerts().size(), 1u);
  const AlertRecord& alert = alerts_.alerts()[0];
  EXPECT_EQ(alert.kind, v1::Alert::COMPLAINT_SPIKE);
  EXPECT_EQ(alert.category, "delivery");
  EXPECT_EQ(alert.threshold, 7);
  EXPECT_EQ(alert.observed, 7);
  EXPECT_NEAR(alert.baseline_mean, 2.0, 0.01);
  EXPECT_EQ(alert.window_start, kNow + absl::Hours(1));
  EXPECT_EQ(alert.sequence, 1);
  // Praise does not count.
  v1::SubmitFeedbackRequest praise;
  praise.mutable_feedback()->set_channel("app");
  praise.mutable_feedback()->set_type(v1::Feedback::PRAISE);
  praise.mutable_feedback()->set_text("快递很快，非常满意");
  clock_.Advance(absl::Hours(1));
  for (int i = 0; i < 10; ++i) {
    ASSERT_THAT(feedback_manager_.SubmitFeedback(context_, praise).status(),
                IsOk());
  }
  EXPECT_EQ(alerts_.alerts().size(), 1u);
}

TEST_F(AlertTest, AQuietCategoryNeedsFiveItems) {
  for (int i = 0; i < 4; ++i) SubmitDeliveryComplaint();
  EXPECT_TRUE(alerts_.alerts().empty());
  SubmitDeliveryComplaint();
  EXPECT_EQ(alerts_.alerts().size(), 1u);
}

TEST_F(AlertTest, EscalationsRaiseOneSlaAlertPerLevel) {
  UnknownValueTiers tiers;
  TicketSettings settings;
  TicketManager tickets(unit_of_work_, tickets_, feedback_, keys_, clock_, ids_,
                        tiers, settings);
  TicketEscalation escalation(
      unit_of_work_, tickets_, ids_, clock_, settings,
      [&](crm::common::Transaction& tx, const TicketRecord& ticket) {
        return raiser_.OnEscalation(tx, ticket, clock_.Now());
      });
  v1::CreateTicketRequest request;
  request.mutable_ticket()->set_title("Order 1001");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket ticket,
                           tickets.CreateTicket(context_, request));
  clock_.Advance(absl::Hours(24));  // Past the first response (P3, 8h).
  ASSERT_THAT(escalation.EscalateDue(context_).status(), IsOk());
  ASSERT_THAT(escalation.EscalateDue(context_).status(), IsOk());
  ASSERT_EQ(alerts_.alerts().size(), 1u);
  EXPECT_EQ(alerts_.alerts()[0].kind, v1::Alert::SLA_BREACHED);
  EXPECT_EQ(alerts_.alerts()[0].escalation_level, 1);
  EXPECT_EQ(ToAlertProto(alerts_.alerts()[0]).ticket(), ticket.name());
}

TEST_F(AlertTest, ListsAcknowledgesAndStreamsFromACursor) {
  for (int i = 0; i < 5; ++i) SubmitDeliveryComplaint();
  clock_.Advance(absl::Hours(1));
  for (int i = 0; i < 5; ++i) SubmitDeliveryComplaint();
  ASSERT_EQ(alerts_.alerts().size(), 2u);

  v1::AcknowledgeAlertRequest acknowledge;
  acknowledge.set_name(AlertName(alerts_.alerts()[0].id));
  acknowledge.set_acknowledged_by("ops-1");
  acknowledge.set_request_id("ack-1");
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Alert acknowledged,
      alert_manager_.AcknowledgeAlert(context_, acknowledge));
  EXPECT_EQ(acknowledged.state(), v1::Alert::ACKNOWLEDGED);
  EXPECT_EQ(acknowledged.acknowledged_by(), "ops-1");
  clock_.Advance(absl::Minutes(5));
  acknowledge.set_request_id("ack-2");
  CRM_ASSERT_OK_AND_ASSIGN(
      v1::Alert again, alert_manager_.AcknowledgeAlert(context_, acknowledge));
  EXPECT_EQ(again.acknowledge_time().seconds(),
            acknowledged.acknowledge_time().seconds());
  acknowledge.set_name("alerts/none");
  acknowledge.set_request_id("");
  EXPECT_EQ(
      ReasonOf(alert_manager_.AcknowledgeAlert(context_, acknowledge).status()),
      reason::RESOURCE_NOT_FOUND);

  v1::ListAlertsRequest list;
  list.set_filter("state = OPEN AND kind = COMPLAINT_SPIKE");
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListAlertsResponse open,
                           alert_manager_.ListAlerts(context_, list));
  ASSERT_EQ(open.alerts_size(), 1);
  EXPECT_EQ(open.alerts(0).sequence(), 2);

  // The stream from the start delivers both in order; resumed after the
  // first, only the second.
  std::vector<int64_t> seen;
  v1::WatchAlertsRequest watch;
  EXPECT_THAT(alert_manager_.WatchAlerts(context_, watch,
                                         [&](const v1::Alert& alert) {
                                           seen.push_back(alert.sequence());
                                           return seen.size() < 2;
                                         }),
              IsOk());
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2}));
  seen.clear();
  watch.set_after_sequence(1);
  EXPECT_THAT(alert_manager_.WatchAlerts(context_, watch,
                                         [&](const v1::Alert& alert) {
                                           seen.push_back(alert.sequence());
                                           return false;
                                         }),
              IsOk());
  EXPECT_EQ(seen, (std::vector<int64_t>{2}));
  watch.set_after_sequence(-1);
  EXPECT_EQ(ReasonOf(alert_manager_.WatchAlerts(
                context_, watch, [](const v1::Alert&) { return true; })),
            reason::FIELD_INVALID);
  // A deadline ends a stream that has nothing more to send.
  watch.set_after_sequence(2);
  const RequestContext short_call =
      RequestContext::WithDeadline(absl::Now() + absl::Milliseconds(30));
  EXPECT_EQ(
      alert_manager_
          .WatchAlerts(short_call, watch, [](const v1::Alert&) { return true; })
          .code(),
      absl::StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace crm::feedback
