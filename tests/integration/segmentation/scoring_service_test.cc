// Scores through the real service on MariaDB: customer-profile's change
// events (as the exactly-once consumer applies them) keep each customer's
// scores current; RecomputeScores sets the RFM boundaries and a per-event
// update then agrees with a full recompute; lifecycle transitions are
// recorded and listed newest first in pages; erasure and merge remove
// scores; the CLV models are fitted through FitClvModel and match the
// published CDNOW estimates. One database for the whole binary.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/grpc_status.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/segmentation/customer_data_exporter.h"
#include "services/segmentation/membership_manager.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_membership_repository.h"
#include "services/segmentation/mysql_read_model_repository.h"
#include "services/segmentation/mysql_score_repository.h"
#include "services/segmentation/mysql_segment_repository.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/segment_manager.h"
#include "services/segmentation/segmentation_service.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::segmentation {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

absl::Time Day(int n) { return kStart + absl::Hours(24 * n + 10); }

cp::ChangeEvent Created(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_CREATED);
  event.set_customer_name("customers/" + id);
  event.mutable_customer()->set_state(cp::Customer::ACTIVE);
  return event;
}

cp::ChangeEvent Ordered(const std::string& customer, const std::string& order,
                        absl::Time time, int64_t amount,
                        const std::string& currency = "CNY") {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name("customers/" + customer);
  cp::Order* o = event.mutable_order();
  o->set_name(absl::StrCat("customers/", customer, "/orders/", order));
  o->mutable_amount()->set_currency_code(currency);
  o->mutable_amount()->set_amount_minor(amount);
  *o->mutable_order_time() = crm::common::ToProtoTimestamp(time);
  return event;
}

cp::ChangeEvent Erased(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name("customers/" + id);
  return event;
}

class ScoringServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto database = crm::testing::TestDatabase::Create("seg_scoring");
    ASSERT_THAT(database, IsOk());
    database_ = database->release();
    auto pool = database_->NewMigratedPool(Migrations());
    ASSERT_THAT(pool, IsOk());
    pool_ = pool->release();
  }
  static void TearDownTestSuite() {
    delete pool_;
    delete database_;
  }

  void SetUp() override {
    // Each test starts from empty tables of the shared database.
    for (const char* table :
         {"read_model_customers", "read_model_orders", "read_model_aggregates",
          "read_model_spend", "customer_scores", "lifecycle_transitions",
          "rfm_boundaries", "clv_models", "idempotency_keys"}) {
      ASSERT_THAT(database_->Execute(absl::StrCat("DELETE FROM ", table)),
                  IsOk());
    }
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    segment_manager_ = std::make_unique<SegmentManager>(
        *unit_of_work_, segments_, idempotency_, clock_, ids_);
    scoring_ =
        std::make_unique<ScoringManager>(*unit_of_work_, read_model_, scores_,
                                         idempotency_, clock_, ids_, Policy());
    applier_ =
        std::make_unique<ProfileFeedApplier>(read_model_, scoring_->FeedHook());
    memberships_ = std::make_unique<MembershipManager>(
        *unit_of_work_, segments_, membership_repository_, read_model_, scores_,
        clock_, "CNY");
    exporter_ = std::make_unique<CustomerDataExporter>(
        *unit_of_work_, read_model_, scores_, membership_repository_, segments_,
        "CNY");
    service_ = std::make_unique<SegmentationServiceImpl>(
        *segment_manager_, *scoring_, *memberships_, *exporter_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::SegmentationService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // Batches of 3 customers, so the full recomputes below span several.
  virtual ScoringPolicy Policy() {
    ScoringPolicy policy;
    policy.recompute_batch_size = 3;
    return policy;
  }

  // Applies `events` in one transaction each, as the feed consumer does.
  void Apply(const std::vector<cp::ChangeEvent>& events) {
    for (const cp::ChangeEvent& event : events) {
      ASSERT_THAT(unit_of_work_->Run(RequestContext(),
                                     [&](Transaction& tx) {
                                       return applier_->Apply(tx, event);
                                     }),
                  IsOk());
    }
  }

  absl::StatusOr<v1::CustomerScore> Score(const std::string& id) {
    v1::GetCustomerScoreRequest request;
    request.set_name(absl::StrCat("customers/", id, "/score"));
    v1::CustomerScore response;
    grpc::ClientContext context;
    grpc::Status status = stub_->GetCustomerScore(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  }

  v1::RecomputeScoresResponse Recompute() {
    v1::RecomputeScoresRequest request;
    v1::RecomputeScoresResponse response;
    grpc::ClientContext context;
    const grpc::Status status =
        stub_->RecomputeScores(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static crm::testing::TestDatabase* database_;
  static crm::common::MySqlPool* pool_;
  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"id"};
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlSegmentRepository segments_;
  MySqlReadModelRepository read_model_;
  MySqlScoreRepository scores_;
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<SegmentManager> segment_manager_;
  std::unique_ptr<ScoringManager> scoring_;
  std::unique_ptr<ProfileFeedApplier> applier_;
  MySqlMembershipRepository membership_repository_;
  std::unique_ptr<MembershipManager> memberships_;
  std::unique_ptr<CustomerDataExporter> exporter_;
  std::unique_ptr<SegmentationServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::SegmentationService::Stub> stub_;
};

crm::testing::TestDatabase* ScoringServiceTest::database_ = nullptr;
crm::common::MySqlPool* ScoringServiceTest::pool_ = nullptr;

TEST_F(ScoringServiceTest, FeedEventsScoreTheCustomer) {
  clock_.Set(Day(0));
  Apply({Created("p1")});
  absl::StatusOr<v1::CustomerScore> prospect = Score("p1");
  ASSERT_THAT(prospect, IsOk());
  EXPECT_EQ(prospect->lifecycle_stage(), v1::CustomerScore::PROSPECT);
  EXPECT_EQ(prospect->rfm().cell(), "");
  EXPECT_EQ(prospect->value_tier(), v1::CustomerScore::VALUE_TIER_UNSPECIFIED);

  Apply({Ordered("p1", "o1", Day(0), 5000)});
  absl::StatusOr<v1::CustomerScore> buyer = Score("p1");
  ASSERT_THAT(buyer, IsOk());
  EXPECT_EQ(buyer->lifecycle_stage(), v1::CustomerScore::NEW);
  EXPECT_EQ(buyer->monetary_value().amount_minor(), 5000);
  EXPECT_EQ(buyer->monetary_value().currency_code(), "CNY");
  EXPECT_NE(buyer->etag(), prospect->etag());
}

TEST_F(ScoringServiceTest, IncrementalScoresEqualAFullRecompute) {
  clock_.Set(Day(0));
  std::vector<cp::ChangeEvent> events;
  for (int i = 0; i < 10; ++i) {
    const std::string id = absl::StrCat("c", i);
    events.push_back(Created(id));
    for (int k = 0; k <= i % 4; ++k) {
      events.push_back(
          Ordered(id, absl::StrCat("o", k), Day(-10 * i - k), 1000 * (i + 1)));
    }
  }
  Apply(events);
  v1::RecomputeScoresResponse recompute = Recompute();
  EXPECT_EQ(recompute.customer_count(), 10);
  EXPECT_EQ(recompute.active_customer_count(), 10);
  std::vector<v1::CustomerScore> full;
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<v1::CustomerScore> score = Score(absl::StrCat("c", i));
    ASSERT_THAT(score, IsOk());
    full.push_back(*score);
  }
  EXPECT_EQ(full[0].rfm().recency(), 5);
  EXPECT_EQ(full[9].rfm().recency(), 1);
  // Monetary 1000 (i+1) (i%4+1): c9's 20,000 has 7 of 10 below it.
  EXPECT_EQ(full[9].rfm().monetary(), 4);
  EXPECT_EQ(full[7].rfm().monetary(), 5);
  EXPECT_EQ(full[9].value_tier(), v1::CustomerScore::HIGH);
  EXPECT_EQ(full[0].value_tier(), v1::CustomerScore::LOW);
  // The same facts delivered again, one customer at a time, score the same
  // as the full pass did against the same boundaries.
  for (int i = 0; i < 10; ++i) {
    const std::string id = absl::StrCat("c", i);
    Apply({Created(id)});
    absl::StatusOr<v1::CustomerScore> score = Score(id);
    ASSERT_THAT(score, IsOk());
    EXPECT_EQ(score->rfm().cell(), full[i].rfm().cell()) << id;
    EXPECT_EQ(score->rfm().segment(), full[i].rfm().segment()) << id;
    EXPECT_EQ(score->value_tier(), full[i].value_tier()) << id;
    EXPECT_EQ(score->lifecycle_stage(), full[i].lifecycle_stage()) << id;
    // The same scores computed again store nothing: time and etag stay.
    EXPECT_EQ(score->etag(), full[i].etag()) << id;
    EXPECT_EQ(score->score_time().seconds(), full[i].score_time().seconds())
        << id;
  }
}

TEST_F(ScoringServiceTest, LifecycleTransitionsAreRecorded) {
  clock_.Set(Day(0));
  Apply({Created("life"), Ordered("life", "o1", Day(0), 100)});
  clock_.Set(Day(50));
  Recompute();  // NEW -> AT_RISK (default rhythm 30 days)
  clock_.Set(Day(100));
  Recompute();                                    // -> CHURNED
  Apply({Ordered("life", "o2", Day(100), 100)});  // -> REACTIVATED
  absl::StatusOr<std::vector<LifecycleTransition>> history =
      scoring_->LifecycleHistory(RequestContext(), "life");
  ASSERT_THAT(history, IsOk());
  std::vector<std::pair<LifecycleStage, LifecycleStage>> steps;
  for (const LifecycleTransition& t : *history) steps.push_back({t.from, t.to});
  EXPECT_THAT(
      steps,
      ::testing::ElementsAre(
          std::pair(LifecycleStage::kUnspecified, LifecycleStage::kProspect),
          std::pair(LifecycleStage::kProspect, LifecycleStage::kNew),
          std::pair(LifecycleStage::kNew, LifecycleStage::kAtRisk),
          std::pair(LifecycleStage::kAtRisk, LifecycleStage::kChurned),
          std::pair(LifecycleStage::kChurned, LifecycleStage::kReactivated)));
  EXPECT_EQ((*history)[2].time, Day(50));
}

TEST_F(ScoringServiceTest, ListLifecycleTransitionsPagesNewestFirst) {
  clock_.Set(Day(0));
  // PROSPECT then NEW at the same instant: ordered by when they were stored.
  Apply({Created("life"), Ordered("life", "o1", Day(0), 100)});
  clock_.Set(Day(50));
  Recompute();  // NEW -> AT_RISK
  clock_.Set(Day(100));
  Recompute();                                    // -> CHURNED
  Apply({Ordered("life", "o2", Day(100), 100)});  // -> REACTIVATED, same time
  Apply({Created("other"), Ordered("other", "x", Day(100), 5)});

  using Stage = v1::CustomerScore;
  std::vector<std::pair<int, int>> steps;
  std::vector<absl::Time> times;
  v1::ListLifecycleTransitionsRequest request;
  request.set_parent("customers/life");
  request.set_page_size(2);
  int pages = 0;
  do {
    v1::ListLifecycleTransitionsResponse page;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListLifecycleTransitions(&context, request, &page).ok());
    EXPECT_LE(page.lifecycle_transitions_size(), 2);
    for (const v1::LifecycleTransition& t : page.lifecycle_transitions()) {
      steps.push_back({t.from_stage(), t.to_stage()});
      times.push_back(crm::common::FromProtoTimestamp(t.transition_time()));
    }
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(steps,
              ::testing::ElementsAre(
                  std::pair<int, int>(Stage::CHURNED, Stage::REACTIVATED),
                  std::pair<int, int>(Stage::AT_RISK, Stage::CHURNED),
                  std::pair<int, int>(Stage::NEW, Stage::AT_RISK),
                  std::pair<int, int>(Stage::PROSPECT, Stage::NEW),
                  std::pair<int, int>(Stage::LIFECYCLE_STAGE_UNSPECIFIED,
                                      Stage::PROSPECT)));
  EXPECT_THAT(times, ::testing::ElementsAre(Day(100), Day(100), Day(50), Day(0),
                                            Day(0)));

  // The default page holds all five; a customer with none gives an empty
  // page, not NOT_FOUND.
  {
    v1::ListLifecycleTransitionsRequest all;
    all.set_parent("customers/life");
    v1::ListLifecycleTransitionsResponse page;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListLifecycleTransitions(&context, all, &page).ok());
    EXPECT_EQ(page.lifecycle_transitions_size(), 5);
    EXPECT_TRUE(page.next_page_token().empty());
    all.set_parent("customers/nobody");
    grpc::ClientContext nobody_context;
    ASSERT_TRUE(
        stub_->ListLifecycleTransitions(&nobody_context, all, &page).ok());
    EXPECT_EQ(page.lifecycle_transitions_size(), 0);
    EXPECT_TRUE(page.next_page_token().empty());
  }
}

TEST_F(ScoringServiceTest, ListLifecycleTransitionsRejectsBadRequests) {
  clock_.Set(Day(0));
  Apply({Created("life"), Ordered("life", "o1", Day(0), 100)});
  auto list = [&](const v1::ListLifecycleTransitionsRequest& request)
      -> absl::StatusOr<v1::ListLifecycleTransitionsResponse> {
    v1::ListLifecycleTransitionsResponse response;
    grpc::ClientContext context;
    grpc::Status status =
        stub_->ListLifecycleTransitions(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  };
  for (const char* parent : {"customers", "segments/x", "customers/a/b", ""}) {
    v1::ListLifecycleTransitionsRequest request;
    request.set_parent(parent);
    absl::StatusOr<v1::ListLifecycleTransitionsResponse> response =
        list(request);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument)
        << parent;
    EXPECT_EQ(crm::common::ErrorMetadataOf(response.status())["field"],
              "parent")
        << parent;
  }
  v1::ListLifecycleTransitionsRequest negative;
  negative.set_parent("customers/life");
  negative.set_page_size(-1);
  EXPECT_EQ(list(negative).status().code(), absl::StatusCode::kInvalidArgument);
  // A token is bound to its parent.
  v1::ListLifecycleTransitionsRequest first;
  first.set_parent("customers/life");
  first.set_page_size(1);
  absl::StatusOr<v1::ListLifecycleTransitionsResponse> page = list(first);
  ASSERT_THAT(page, IsOk());
  ASSERT_FALSE(page->next_page_token().empty());
  v1::ListLifecycleTransitionsRequest elsewhere;
  elsewhere.set_parent("customers/other");
  elsewhere.set_page_token(page->next_page_token());
  absl::Status reused = list(elsewhere).status();
  EXPECT_EQ(reused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(crm::common::ReasonOf(reused), crm::type::v1::PAGE_TOKEN_INVALID);
}

TEST_F(ScoringServiceTest, MergedDuplicateListsNoTransitions) {
  clock_.Set(Day(0));
  Apply({Created("surv"), Created("dup"), Ordered("dup", "d1", Day(0), 100)});
  cp::ChangeEvent merged = Created("surv");
  merged.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  merged.mutable_merge()->set_survivor("customers/surv");
  merged.mutable_merge()->set_duplicate("customers/dup");
  *merged.mutable_event_time() = crm::common::ToProtoTimestamp(Day(1));
  clock_.Set(Day(1));
  Apply({merged});
  auto count = [&](const std::string& parent) {
    v1::ListLifecycleTransitionsRequest request;
    request.set_parent(parent);
    v1::ListLifecycleTransitionsResponse page;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->ListLifecycleTransitions(&context, request, &page).ok());
    return page.lifecycle_transitions_size();
  };
  // As the export: the duplicate's history went with its score; the
  // survivor lists its own (-> PROSPECT at creation, -> NEW with the
  // duplicate's order folded in).
  EXPECT_EQ(count("customers/dup"), 0);
  EXPECT_EQ(count("customers/surv"), 2);
}

TEST_F(ScoringServiceTest, ErasureRemovesTheScore) {
  Apply({Created("gone"), Ordered("gone", "o1", kStart, 100), Erased("gone")});
  EXPECT_THAT(Score("gone"),
              crm::testing::StatusIs(absl::StatusCode::kNotFound));
  absl::StatusOr<std::vector<LifecycleTransition>> history =
      scoring_->LifecycleHistory(RequestContext(), "gone");
  ASSERT_THAT(history, IsOk());
  EXPECT_TRUE(history->empty());
}

TEST_F(ScoringServiceTest, BadNamesAndEmptyDataAreRejected) {
  EXPECT_THAT(Score("a/b"),
              crm::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  v1::FitClvModelRequest request;
  v1::ClvModel model;
  grpc::ClientContext context;
  grpc::Status status = stub_->FitClvModel(&context, request, &model);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ScoringServiceTest, EachOrderEventUpdatesOneCustomer) {
  // 200 order events over 20 customers, one transaction each (as the feed
  // consumer applies them), with re-scoring. The mean time per event is
  // recorded as a test property (figures only; nothing asserts on time).
  Apply({Created("warm")});
  Recompute();
  const absl::Time start = absl::Now();
  for (int i = 0; i < 200; ++i) {
    Apply({Ordered(absl::StrCat("busy", i % 20), absl::StrCat("o", i),
                   kStart - absl::Hours(i), 100 + i)});
  }
  const double mean_ms = absl::ToDoubleMilliseconds(absl::Now() - start) / 200;
  RecordProperty("mean_order_event_ms", std::to_string(mean_ms));
  absl::StatusOr<v1::CustomerScore> score = Score("busy7");
  ASSERT_THAT(score, IsOk());
  EXPECT_EQ(score->monetary_value().amount_minor(),
            (100 + 7) + (100 + 27) + (100 + 47) + (100 + 67) + (100 + 87) +
                (100 + 107) + (100 + 127) + (100 + 147) + (100 + 167) +
                (100 + 187));
}

// The CDNOW sample (tests/unit/segmentation/testdata) as customer-profile's
// ORDER_RECORDED events, fitted through FitClvModel as of 1997-09-30.
class CdnowScoringTest : public ScoringServiceTest {
 protected:
  ScoringPolicy Policy() override {
    ScoringPolicy policy;
    policy.scoring_currency = "USD";
    return policy;
  }

  // The CDNOW sample's lines: master id, customer id, YYYYMMDD, CDs, dollars.
  struct Line {
    std::string customer;
    absl::CivilDay day;
    double dollars = 0;
  };
  static std::vector<Line> ReadCdnow() {
    const std::string here = __FILE__;
    std::ifstream in(here.substr(0, here.rfind("/integration/")) +
                     "/unit/segmentation/testdata/CDNOW_sample.txt");
    EXPECT_TRUE(in.is_open());
    std::vector<Line> lines;
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string master, date;
      int cds = 0;
      Line parsed;
      fields >> master >> parsed.customer >> date >> cds >> parsed.dollars;
      parsed.day = absl::CivilDay(std::stoi(date.substr(0, 4)),
                                  std::stoi(date.substr(4, 2)),
                                  std::stoi(date.substr(6, 2)));
      lines.push_back(parsed);
    }
    return lines;
  }

  // Every CDNOW transaction as an ORDER_RECORDED event at noon UTC of its
  // day, in dollars and cents.
  void RecordCdnow() {
    const std::vector<Line> lines = ReadCdnow();
    ASSERT_EQ(lines.size(), 6919u);
    // Without the scoring hook, and in one transaction: only the read model
    // matters here.
    ProfileFeedApplier read_model_only(read_model_);
    int n = 0;
    ASSERT_THAT(
        unit_of_work_->Run(
            RequestContext(),
            [&](Transaction& tx) -> absl::Status {
              for (const Line& line : lines) {
                const absl::Time time =
                    absl::FromCivil(absl::CivilSecond(line.day) + 12 * 3600,
                                    absl::UTCTimeZone());
                CRM_RETURN_IF_ERROR(read_model_only.Apply(
                    tx, Ordered(line.customer, absl::StrCat("t", ++n), time,
                                std::llround(line.dollars * 100), "USD")));
              }
              return absl::OkStatus();
            }),
        IsOk());
  }
};

TEST_F(CdnowScoringTest, FitMatchesThePublishedEstimates) {
  ASSERT_NO_FATAL_FAILURE(RecordCdnow());

  v1::FitClvModelRequest request;
  *request.mutable_observation_end() =
      crm::common::ToProtoTimestamp(absl::FromCivil(
          absl::CivilSecond(1997, 9, 30, 0, 0, 0), absl::UTCTimeZone()));
  request.set_request_id("fit-cdnow");
  v1::ClvModel model;
  grpc::ClientContext context;
  grpc::Status status = stub_->FitClvModel(&context, request, &model);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(model.customer_count(), 2357);
  EXPECT_EQ(model.currency_code(), "USD");
  EXPECT_NEAR(model.bg_nbd().r(), 0.243, 0.0005);
  EXPECT_NEAR(model.bg_nbd().alpha(), 4.414, 0.0005);
  EXPECT_NEAR(model.bg_nbd().a(), 0.793, 0.0005);
  EXPECT_NEAR(model.bg_nbd().b(), 2.426, 0.0005);
  EXPECT_NEAR(model.bg_nbd().log_likelihood(), -9582.4, 0.05);
  EXPECT_TRUE(model.bg_nbd().converged());
  EXPECT_NEAR(model.gamma_gamma().p(), 6.25, 0.005);
  EXPECT_NEAR(model.gamma_gamma().q(), 3.74, 0.005);
  EXPECT_NEAR(model.gamma_gamma().gamma() / 100, 15.44, 0.005);
  EXPECT_EQ(model.gamma_gamma().customer_count(), 946);

  // Stored with its cut-off, and readable by name.
  v1::GetClvModelRequest get;
  get.set_name(model.name());
  v1::ClvModel stored;
  grpc::ClientContext get_context;
  ASSERT_TRUE(stub_->GetClvModel(&get_context, get, &stored).ok());
  EXPECT_EQ(stored.observation_end().seconds(),
            request.observation_end().seconds());
  EXPECT_NEAR(stored.bg_nbd().r(), model.bg_nbd().r(), 1e-12);

  // Scores now carry CLV and P(alive) from the model.
  clock_.Set(absl::FromCivil(absl::CivilSecond(1997, 9, 30, 0, 0, 0),
                             absl::UTCTimeZone()));
  Apply({Created("0001")});
  absl::StatusOr<v1::CustomerScore> score = Score("0001");
  ASSERT_THAT(score, IsOk());
  EXPECT_TRUE(score->has_clv());
  EXPECT_GT(score->clv().p_alive(), 0);
  EXPECT_LE(score->clv().p_alive(), 1);
  EXPECT_EQ(score->clv().model(), model.name());
}

// The paper's calibration/holdout check (Fader, Hardie & Lee 2005, Figure
// 5): fitted as of 1997-09-30 (weeks 1-39), the 39-week holdout to
// 1998-06-30, per number of repeat purchase days in the calibration period.
// The actual side is counted here from the file, independently of the
// service. The predicted side is checked against E[X(39) | x, t_x, T]
// computed with mpmath (30 digits, eq. 10 with mp.hyp2f1) over the same
// customers with the published r = 0.243, α = 4.414, a = 0.793, b = 2.426.
// Tolerances: the fit matches those to their rounding (±0.0005, asserted
// above); over every corner of that box the group means move by at most
// 0.0013 (7+: 0.0018) and the total by 1.24, so ±0.002 (7+: ±0.003) and
// ±2 bound parameter rounding, not the formula.
TEST_F(CdnowScoringTest, CalibrationReportMatchesThePaper) {
  ASSERT_NO_FATAL_FAILURE(RecordCdnow());
  const absl::CivilDay calibration_end(1997, 9, 30);
  const absl::CivilDay holdout_end(1998, 6, 30);
  v1::FitClvModelRequest fit;
  *fit.mutable_observation_end() = crm::common::ToProtoTimestamp(
      absl::FromCivil(calibration_end, absl::UTCTimeZone()));
  v1::ClvModel model;
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->FitClvModel(&context, fit, &model);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  // An order after the holdout counts nowhere.
  Apply(
      {Ordered("0001", "late",
               absl::FromCivil(absl::CivilDay(1998, 7, 1), absl::UTCTimeZone()),
               1000, "USD")});

  // Actual repeat purchase days per calibration group, from the file.
  std::map<std::string, std::set<absl::CivilDay>> calibration_days,
      holdout_days;
  for (const Line& line : ReadCdnow()) {
    calibration_days[line.customer];  // Every customer began in 1997 Q1.
    if (line.day <= calibration_end) {
      calibration_days[line.customer].insert(line.day);
    } else if (line.day <= holdout_end) {
      holdout_days[line.customer].insert(line.day);
    }
  }
  int64_t customers[8] = {}, actual[8] = {}, actual_total = 0;
  for (const auto& [customer, days] : calibration_days) {
    const int group = std::min<int>(static_cast<int>(days.size()) - 1, 7);
    ++customers[group];
    actual[group] += holdout_days[customer].size();
    actual_total += holdout_days[customer].size();
  }
  ASSERT_EQ(calibration_days.size(), 2357u);

  v1::GetClvCalibrationReportRequest request;
  request.set_name(model.name() + "/calibrationReport");
  *request.mutable_holdout_end() = crm::common::ToProtoTimestamp(
      absl::FromCivil(holdout_end, absl::UTCTimeZone()));
  v1::ClvCalibrationReport report;
  {
    grpc::ClientContext context;
    const absl::Time start = absl::Now();
    grpc::Status status =
        stub_->GetClvCalibrationReport(&context, request, &report);
    ASSERT_TRUE(status.ok()) << status.error_message();
    RecordProperty(
        "cdnow_calibration_report_ms",
        std::to_string(absl::ToDoubleMilliseconds(absl::Now() - start)));
  }
  EXPECT_EQ(report.name(), request.name());
  EXPECT_EQ(report.calibration_end().seconds(),
            model.observation_end().seconds());
  EXPECT_EQ(report.holdout_end().seconds(), request.holdout_end().seconds());
  EXPECT_DOUBLE_EQ(report.holdout_length(), 39);
  EXPECT_DOUBLE_EQ(report.time_unit_days(), 7);
  EXPECT_EQ(report.currency_code(), "USD");
  EXPECT_EQ(report.customer_count(), 2357);
  EXPECT_EQ(report.actual_repeat_purchases(), actual_total);
  EXPECT_EQ(actual_total, 1882);
  EXPECT_NEAR(report.predicted_repeat_purchases(), 1653.94, 2);

  const double paper_mean_predicted[8] = {0.2255, 0.5232, 1.0442, 1.5203,
                                          2.1639, 2.6538, 3.5040, 6.1571};
  ASSERT_EQ(report.frequency_groups_size(), 8);
  double predicted_sum = 0;
  for (int x = 0; x < 8; ++x) {
    const v1::ClvCalibrationReport::FrequencyGroup& group =
        report.frequency_groups(x);
    EXPECT_EQ(group.calibration_repeat_purchases(), x);
    EXPECT_EQ(group.open_ended(), x == 7);
    EXPECT_EQ(group.customer_count(), customers[x]) << x;
    EXPECT_EQ(group.actual_repeat_purchases(), actual[x]) << x;
    EXPECT_NEAR(group.mean_actual_repeat_purchases(),
                static_cast<double>(actual[x]) / customers[x], 1e-12)
        << x;
    EXPECT_NEAR(group.mean_predicted_repeat_purchases(),
                paper_mean_predicted[x], x < 7 ? 0.002 : 0.003)
        << x;
    EXPECT_NEAR(group.predicted_repeat_purchases(),
                group.mean_predicted_repeat_purchases() * customers[x], 1e-9);
    predicted_sum += group.predicted_repeat_purchases();
  }
  EXPECT_NEAR(predicted_sum, report.predicted_repeat_purchases(), 1e-9);
  // The value usually quoted from the paper's figure for x = 0.
  EXPECT_NEAR(report.frequency_groups(0).mean_predicted_repeat_purchases(),
              0.23, 0.005);

  // Errors: the holdout must end on a later day than the calibration; the
  // name must be a model's report; the model must exist.
  auto status_of = [&](const v1::GetClvCalibrationReportRequest& r) {
    grpc::ClientContext context;
    v1::ClvCalibrationReport ignored;
    return crm::common::FromGrpcStatus(
        stub_->GetClvCalibrationReport(&context, r, &ignored));
  };
  auto field_of = [](const absl::Status& status) {
    return crm::common::ErrorMetadataOf(status)["field"];
  };
  v1::GetClvCalibrationReportRequest bad = request;
  bad.clear_holdout_end();
  EXPECT_EQ(status_of(bad).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(field_of(status_of(bad)), "holdout_end");
  *bad.mutable_holdout_end() = crm::common::ToProtoTimestamp(absl::FromCivil(
      absl::CivilSecond(1997, 9, 30, 23, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(status_of(bad).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(field_of(status_of(bad)), "holdout_end");
  bad = request;
  bad.set_name(model.name());
  EXPECT_EQ(status_of(bad).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(field_of(status_of(bad)), "name");
  bad.set_name("clvModels/missing/calibrationReport");
  EXPECT_EQ(status_of(bad).code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace crm::segmentation
