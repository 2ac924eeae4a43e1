// The feedback service on a fresh MariaDB database behind an in-process
// gRPC server: every manager wired as main.cc wires them (feedback's own
// change feed included: its writer, the erasure's re-keying and
// WatchChanges; Sequence() numbers the events, as the sequencer main.cc
// runs would), with a fake clock starting on Monday 2026-01-05 10:00 UTC.
// Shared by the integration tests of tickets, alerts, customer data and the
// change feed.
//
//   class MyTest : public crm::feedback::FeedbackServiceFixture {};
//   TEST_F(MyTest, X) { CRM_ASSERT_OK_AND_ASSIGN(v1::Ticket t,
//   CreateDirect("a")); }
#pragma once

#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "services/common/change_feed_sequencer.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/grpc_status.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/transaction.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/feedback/alert_manager.h"
#include "services/feedback/alert_raiser.h"
#include "services/feedback/change_feed_streamer.h"
#include "services/feedback/customer_feedback_export.h"
#include "services/feedback/customer_profile_events.h"
#include "services/feedback/feedback_change_feed.h"
#include "services/feedback/feedback_manager.h"
#include "services/feedback/feedback_service.h"
#include "services/feedback/migrations.h"
#include "services/feedback/mysql_alert_repository.h"
#include "services/feedback/mysql_feed_event_repository.h"
#include "services/feedback/mysql_feedback_repository.h"
#include "services/feedback/mysql_survey_invitation_repository.h"
#include "services/feedback/mysql_survey_repository.h"
#include "services/feedback/mysql_ticket_repository.h"
#include "services/feedback/ticket_manager.h"
#include "tests/testing/fakes/feedback/fake_customer_segments.h"
#include "tests/testing/fakes/feedback/fake_loyalty_client.h"
#include "tests/testing/fakes/feedback/fake_loyalty_tiers.h"
#include "tests/testing/fakes/feedback/fake_value_tiers.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::feedback {

// Monday 2026-01-05 10:00 UTC.
inline const absl::Time kMonday10 = absl::FromUnixSeconds(1767607200);

template <typename Response>
absl::StatusOr<Response> Reply(const grpc::Status& status,
                               const Response& response) {
  if (!status.ok()) return crm::common::FromGrpcStatus(status);
  return response;
}

class FeedbackServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("tickets"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 8));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    manager_ = std::make_unique<FeedbackManager>(*unit_of_work_, items_,
                                                 idempotency_, clock_, ids_,
                                                 DefaultLexicon(), &raiser_);
    survey_manager_ = std::make_unique<SurveyManager>(
        *unit_of_work_, surveys_, invitations_, consents_, idempotency_, clock_,
        ids_, survey_tiers_, &raiser_, &survey_loyalty_tiers_,
        &survey_segments_, &feed_writer_);
    ticket_manager_ = std::make_unique<TicketManager>(
        *unit_of_work_, tickets_, items_, idempotency_, clock_, ids_, tiers_,
        settings_, DefaultLexicon(), &loyalty_, &feed_writer_);
    feed_streamer_ = std::make_unique<ChangeFeedStreamer>(
        *pool_, feed_sequenced_, crm::common::SystemClock::Instance(),
        ChangeFeedStreamerOptions{.batch_size = 2});
    alert_manager_ = std::make_unique<AlertManager>(
        *unit_of_work_, alerts_, idempotency_, clock_, absl::Milliseconds(20));
    exporter_ = std::make_unique<CustomerFeedbackExporter>(
        *unit_of_work_, stores_, clock_, settings_);
    service_ = std::make_unique<FeedbackServiceImpl>(
        *manager_, *survey_manager_, *ticket_manager_, *alert_manager_,
        *exporter_, feed_streamer_.get());
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::FeedbackService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  absl::StatusOr<v1::Ticket> Create(const v1::CreateTicketRequest& request) {
    grpc::ClientContext context;
    v1::Ticket response;
    return Reply(stub_->CreateTicket(&context, request, &response), response);
  }

  absl::StatusOr<v1::Ticket> CreateDirect(const std::string& title) {
    v1::CreateTicketRequest request;
    request.mutable_ticket()->set_customer("customers/c-2");
    request.mutable_ticket()->set_title(title);
    return Create(request);
  }

  absl::StatusOr<v1::Ticket> Move(const std::string& name,
                                  v1::TransitionTicketRequest::Action action) {
    grpc::ClientContext context;
    v1::TransitionTicketRequest request;
    request.set_name(name);
    request.set_action(action);
    v1::Ticket response;
    return Reply(stub_->TransitionTicket(&context, request, &response),
                 response);
  }

  absl::StatusOr<v1::ListTicketsResponse> List(const std::string& filter) {
    grpc::ClientContext context;
    v1::ListTicketsRequest request;
    request.set_filter(filter);
    v1::ListTicketsResponse response;
    return Reply(stub_->ListTickets(&context, request, &response), response);
  }

  // Numbers every committed event of feedback's feed.
  void Sequence() {
    crm::common::ChangeFeedSequencer sequencer(
        *pool_, std::string(kFeedbackFeed), feed_written_, feed_sequenced_);
    ASSERT_TRUE(sequencer.SequencePending().ok());
  }

  int64_t Count(const std::string& sql) {
    return crm::common::WithConnection<int64_t>(
               *pool_,
               [&](sql::Connection& connection) -> absl::StatusOr<int64_t> {
                 std::unique_ptr<sql::Statement> statement(
                     connection.createStatement());
                 std::unique_ptr<sql::ResultSet> rows(
                     statement->executeQuery(sql));
                 if (!rows->next()) return absl::NotFoundError("no row");
                 return rows->getInt64(1);
               })
        .value_or(-1);
  }

  crm::common::FakeClock clock_{kMonday10};
  crm::common::SequentialIdGenerator ids_{"tk"};
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlFeedbackRepository items_;
  MySqlSurveyRepository surveys_;
  MySqlSurveyInvitationRepository invitations_;
  crm::consents::MySqlConsentRepository consents_;
  MySqlTicketRepository tickets_;
  crm::common::MySqlIdempotencyRepository idempotency_;
  MySqlAlertRepository alerts_;
  // What the customer alert rules learn (unknown unless a test sets it), and
  // the loyalty compensation and tier lookups go to.
  crm::testing::FakeValueTiers alert_tiers_;
  crm::testing::FakeLoyaltyClient loyalty_;
  AlertRaiser raiser_{alerts_, ids_, {&alert_tiers_, &loyalty_}};
  // Feedback's own feed: `feed_written_` wakes a sequencer,
  // `feed_sequenced_` the WatchChanges streams.
  crm::common::FeedNotifier feed_written_;
  crm::common::FeedNotifier feed_sequenced_;
  crm::common::MySqlChangeFeedWriter feed_writer_{std::string(kFeedbackFeed),
                                                  clock_, &feed_written_};
  MySqlFeedEventRepository feed_events_;
  std::unique_ptr<ChangeFeedStreamer> feed_streamer_;
  CustomerDataStores stores_{items_,        surveys_,   tickets_,      nullptr,
                             &invitations_, &consents_, &feed_events_, &ids_};
  UnknownValueTiers tiers_;
  // The value tiers survey responses are stamped with.
  crm::testing::FakeValueTiers survey_tiers_;
  // The loyalty tiers survey responses are stamped with.
  crm::testing::FakeLoyaltyTiers survey_loyalty_tiers_;
  // The segments survey responses are stored with.
  crm::testing::FakeCustomerSegments survey_segments_;
  TicketSettings settings_;
  std::unique_ptr<FeedbackManager> manager_;
  std::unique_ptr<SurveyManager> survey_manager_;
  std::unique_ptr<TicketManager> ticket_manager_;
  std::unique_ptr<AlertManager> alert_manager_;
  std::unique_ptr<CustomerFeedbackExporter> exporter_;
  std::unique_ptr<FeedbackServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::FeedbackService::Stub> stub_;
};

}  // namespace crm::feedback
