// Segment memberships, merges, erasures and the export through the real
// service on MariaDB, with customer-profile's events applied by the shared
// exactly-once consumer: members and a customer's segments over gRPC,
// previews and their errors, merge propagation (chains included), erasure
// checked in a dump of every table, and a consumer stopped in the middle of
// a merge and restarted ending exactly where an uninterrupted one does; a
// segment's daily sizes over days of known entries and exits.
// Each test has its own database(s).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/grpc_status.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
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
#include "tests/testing/wait.h"

namespace crm::segmentation {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::FeedConsumer;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01
constexpr char kConsumer[] = "segmentation";

cp::ChangeEvent Created(const std::string& id, const std::string& country) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_CREATED);
  event.set_customer_name("customers/" + id);
  event.mutable_customer()->set_state(cp::Customer::ACTIVE);
  event.mutable_customer()->mutable_address()->set_country_code(country);
  event.mutable_customer()->add_tags("vip");
  return event;
}

cp::ChangeEvent Ordered(const std::string& customer, const std::string& order,
                        absl::Time time, int64_t amount) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name("customers/" + customer);
  cp::Order* o = event.mutable_order();
  o->set_name(absl::StrCat("customers/", customer, "/orders/", order));
  o->mutable_amount()->set_currency_code("CNY");
  o->mutable_amount()->set_amount_minor(amount);
  *o->mutable_order_time() = crm::common::ToProtoTimestamp(time);
  return event;
}

cp::ChangeEvent Merged(const std::string& survivor,
                       const std::string& duplicate) {
  cp::ChangeEvent event = Created(survivor, "CN");
  event.set_type(cp::ChangeEvent::CUSTOMER_MERGED);
  event.mutable_merge()->set_survivor("customers/" + survivor);
  event.mutable_merge()->set_duplicate("customers/" + duplicate);
  *event.mutable_event_time() =
      crm::common::ToProtoTimestamp(kStart + absl::Hours(1));
  return event;
}

cp::ChangeEvent Erased(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name("customers/" + id);
  return event;
}

// A stream of prepared events, as the consumer reads customer-profile's.
class VectorFeedStream final : public crm::common::FeedStream {
 public:
  explicit VectorFeedStream(std::vector<crm::common::FeedItem> items)
      : items_(std::move(items)) {}
  bool Next(crm::common::FeedItem* item) override {
    absl::MutexLock lock(&mu_);
    if (next_ < items_.size()) {
      *item = items_[next_++];
      return true;
    }
    mu_.Await(absl::Condition(&cancelled_));
    return false;
  }
  absl::Status Finish() override { return absl::CancelledError("cancelled"); }
  void Cancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }

 private:
  absl::Mutex mu_;
  std::vector<crm::common::FeedItem> items_;
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// The whole service on one fresh database: repositories, managers, the feed
// applier (with an optional injected failure after the real hooks), the
// gRPC service and a stub.
class Stack {
 public:
  explicit Stack(const crm::common::Clock& clock) : clock_(clock) {}

  void Start() {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("seg_members"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_, database_->NewMigratedPool(Migrations()));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    memberships_ = std::make_unique<MembershipManager>(
        *unit_of_work_, segments_, membership_repository_, read_model_, scores_,
        clock_, "CNY");
    segment_manager_ = std::make_unique<SegmentManager>(
        *unit_of_work_, segments_, idempotency_, clock_, ids_,
        memberships_->SegmentChangeHooks());
    scoring_ = std::make_unique<ScoringManager>(
        *unit_of_work_, read_model_, scores_, idempotency_, clock_, ids_,
        ScoringPolicy{}, memberships_->ScoredHook());
    exporter_ = std::make_unique<CustomerDataExporter>(
        *unit_of_work_, read_model_, scores_, membership_repository_, segments_,
        "CNY");
    applier_ = std::make_unique<ProfileFeedApplier>(
        read_model_,
        CombineHooks(
            CombineHooks(scoring_->FeedHook(), memberships_->FeedHook()),
            [this](Transaction&, absl::string_view customer_id,
                   ReadModelChange change) -> absl::Status {
              if (fail_at_ && fail_at_(customer_id, change)) {
                return absl::UnavailableError("the consumer was stopped");
              }
              return absl::OkStatus();
            }));
    service_ = std::make_unique<SegmentationServiceImpl>(
        *segment_manager_, *scoring_, *memberships_, *exporter_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::SegmentationService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
    consumer_ = NewConsumer(nullptr);
  }

  ~Stack() {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::unique_ptr<FeedConsumer> NewConsumer(
      crm::common::FeedStreamOpener open) {
    return std::make_unique<FeedConsumer>(
        *pool_, std::move(open),
        [this](sql::Connection& connection, int64_t sequence,
               absl::string_view payload) {
          const RequestContext context;
          crm::common::MySqlTransaction tx(connection, context);
          return applier_->ApplyPayload(tx, sequence, payload);
        },
        ConsumerOptions());
  }

  static crm::common::FeedConsumerOptions ConsumerOptions() {
    crm::common::FeedConsumerOptions options;
    options.consumer = kConsumer;
    return options;
  }

  // Delivers `event` as feed entry `sequence` through the consumer.
  absl::StatusOr<bool> Deliver(int64_t sequence, cp::ChangeEvent event) {
    event.set_sequence(sequence);
    return consumer_->ApplyOne(sequence, event.SerializeAsString());
  }

  // Delivers `events` as entries 1, 2, ...
  void DeliverAll(const std::vector<cp::ChangeEvent>& events) {
    for (size_t i = 0; i < events.size(); ++i) {
      ASSERT_THAT(Deliver(static_cast<int64_t>(i + 1), events[i]), IsOk());
    }
  }

  std::string CreateSegment(const std::string& display_name,
                            const std::string& rule) {
    v1::CreateSegmentRequest request;
    request.mutable_segment()->set_display_name(display_name);
    request.mutable_segment()->set_rule(rule);
    v1::Segment segment;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->CreateSegment(&context, request, &segment).ok());
    return segment.name();
  }

  std::vector<std::string> Members(const std::string& segment) {
    v1::ListSegmentMembersRequest request;
    request.set_parent(segment);
    v1::ListSegmentMembersResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->ListSegmentMembers(&context, request, &response).ok());
    std::vector<std::string> customers;
    for (const v1::SegmentMember& member : response.segment_members()) {
      customers.push_back(member.customer());
    }
    return customers;
  }

  v1::CustomerSegmentationData Export(const std::string& customer) {
    v1::ExportCustomerSegmentationDataRequest request;
    request.set_name(customer);
    v1::CustomerSegmentationData data;
    grpc::ClientContext context;
    EXPECT_TRUE(
        stub_->ExportCustomerSegmentationData(&context, request, &data).ok());
    return data;
  }

  // Every row of every data table, as text, table by table, rows sorted; the
  // AUTO_INCREMENT `seq` columns are left out (a rolled-back transaction
  // consumes their values).
  std::vector<std::string> Dump() {
    std::vector<std::string> lines;
    absl::StatusOr<crm::common::PooledConnection> connection = pool_->Acquire();
    EXPECT_THAT(connection, IsOk());
    if (!connection.ok()) return lines;
    std::unique_ptr<sql::Statement> statement((*connection)->createStatement());
    std::vector<std::string> tables;
    {
      std::unique_ptr<sql::ResultSet> rows(
          statement->executeQuery("SHOW TABLES"));
      while (rows->next()) tables.push_back(rows->getString(1).asStdString());
    }
    for (const std::string& table : tables) {
      // Bookkeeping, not data: migrations, stored responses, the cursor (with
      // its wall-clock update time; compared on its own).
      if (table == "schema_migrations" || table == "idempotency_keys" ||
          table == "feed_consumer_cursors") {
        continue;
      }
      std::unique_ptr<sql::ResultSet> rows(
          statement->executeQuery(absl::StrCat("SELECT * FROM ", table)));
      sql::ResultSetMetaData* meta = rows->getMetaData();
      std::vector<std::string> table_lines;
      while (rows->next()) {
        std::vector<std::string> cells;
        for (unsigned int c = 1; c <= meta->getColumnCount(); ++c) {
          if (meta->getColumnLabel(c).asStdString() == "seq") continue;
          cells.push_back(rows->isNull(c) ? "NULL"
                                          : rows->getString(c).asStdString());
        }
        table_lines.push_back(
            absl::StrCat(table, ": ", absl::StrJoin(cells, " | ")));
      }
      std::sort(table_lines.begin(), table_lines.end());
      lines.insert(lines.end(), table_lines.begin(), table_lines.end());
    }
    return lines;
  }

  // When set, the applier fails (rolling the event back) as soon as a hook
  // runs for which it returns true: a stopped consumer.
  std::function<bool(absl::string_view, ReadModelChange)> fail_at_;
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<v1::SegmentationService::Stub> stub_;

 private:
  const crm::common::Clock& clock_;
  crm::common::SequentialIdGenerator ids_{"seg"};
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlSegmentRepository segments_;
  MySqlReadModelRepository read_model_;
  MySqlScoreRepository scores_;
  MySqlMembershipRepository membership_repository_;
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<MembershipManager> memberships_;
  std::unique_ptr<SegmentManager> segment_manager_;
  std::unique_ptr<ScoringManager> scoring_;
  std::unique_ptr<CustomerDataExporter> exporter_;
  std::unique_ptr<ProfileFeedApplier> applier_;
  std::unique_ptr<SegmentationServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<FeedConsumer> consumer_;
};

class MembershipServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(stack_.Start()); }

  crm::common::FakeClock clock_{kStart + absl::Hours(24 * 10)};
  Stack stack_{clock_};
};

TEST_F(MembershipServiceTest, MembershipsFollowTheFeed) {
  const std::string cn = stack_.CreateSegment("China", "country = \"CN\"");
  const std::string repeat =
      stack_.CreateSegment("Repeat", "order_count >= 2 AND tags:\"vip\"");
  stack_.DeliverAll({Created("a", "CN"), Created("b", "DE"), Created("c", "CN"),
                     Ordered("b", "o1", kStart, 100),
                     Ordered("b", "o2", kStart + absl::Hours(30), 100)});
  EXPECT_THAT(stack_.Members(cn), ElementsAre("customers/a", "customers/c"));
  EXPECT_THAT(stack_.Members(repeat), ElementsAre("customers/b"));

  // Paged through gRPC.
  v1::ListSegmentMembersRequest request;
  request.set_parent(cn);
  request.set_page_size(1);
  v1::ListSegmentMembersResponse page;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(
        stack_.stub_->ListSegmentMembers(&context, request, &page).ok());
  }
  ASSERT_EQ(page.segment_members_size(), 1);
  EXPECT_EQ(page.segment_members(0).customer(), "customers/a");
  request.set_page_token(page.next_page_token());
  {
    grpc::ClientContext context;
    ASSERT_TRUE(
        stack_.stub_->ListSegmentMembers(&context, request, &page).ok());
  }
  ASSERT_EQ(page.segment_members_size(), 1);
  EXPECT_EQ(page.segment_members(0).customer(), "customers/c");
  EXPECT_TRUE(page.next_page_token().empty());

  // The customer's segments, with the score.
  v1::ListCustomerSegmentsRequest mine;
  mine.set_parent("customers/b");
  v1::ListCustomerSegmentsResponse segments;
  grpc::ClientContext context;
  ASSERT_TRUE(
      stack_.stub_->ListCustomerSegments(&context, mine, &segments).ok());
  ASSERT_EQ(segments.segment_members_size(), 1);
  EXPECT_EQ(segments.segment_members(0).segment(), repeat);
  EXPECT_EQ(segments.segment_members(0).segment_display_name(), "Repeat");
  EXPECT_EQ(segments.customer_score().monetary_value().amount_minor(), 200);
}

TEST_F(MembershipServiceTest, ACustomerTypeRuleSelectsTheBusinesses) {
  const std::string businesses =
      stack_.CreateSegment("Businesses", "customer_type = \"BUSINESS\"");
  const std::string individuals =
      stack_.CreateSegment("Individuals", "customer_type = \"INDIVIDUAL\"");
  cp::ChangeEvent business = Created("shop", "CN");
  business.mutable_customer()->set_customer_type(cp::Customer::BUSINESS);
  cp::ChangeEvent person = Created("ann", "CN");
  person.mutable_customer()->set_customer_type(cp::Customer::INDIVIDUAL);
  stack_.DeliverAll({business, person, Created("unstated", "CN")});
  EXPECT_THAT(stack_.Members(businesses), ElementsAre("customers/shop"));
  // Unstated counts as an individual.
  EXPECT_THAT(stack_.Members(individuals),
              ElementsAre("customers/ann", "customers/unstated"));

  // A customer that becomes a business moves across.
  cp::ChangeEvent update = Created("ann", "CN");
  update.set_type(cp::ChangeEvent::CUSTOMER_UPDATED);
  update.mutable_customer()->set_customer_type(cp::Customer::BUSINESS);
  ASSERT_THAT(stack_.Deliver(4, update), IsOk());
  EXPECT_THAT(stack_.Members(businesses),
              ElementsAre("customers/ann", "customers/shop"));
  EXPECT_THAT(stack_.Members(individuals), ElementsAre("customers/unstated"));
}

TEST_F(MembershipServiceTest, PreviewOverGrpcCountsAndReportsErrors) {
  stack_.DeliverAll({Created("a", "CN"), Created("b", "DE")});
  v1::PreviewSegmentRequest request;
  request.set_rule("country = \"CN\" OR country = \"DE\"");
  v1::PreviewSegmentResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(
        stack_.stub_->PreviewSegment(&context, request, &response).ok());
  }
  EXPECT_EQ(response.member_count(), 2);
  EXPECT_THAT(response.sample(), ElementsAre("customers/a", "customers/b"));

  request.set_rule("country = ");
  grpc::ClientContext context;
  grpc::Status status =
      stack_.stub_->PreviewSegment(&context, request, &response);
  absl::Status error = crm::common::FromGrpcStatus(status);
  EXPECT_EQ(error.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(crm::common::ReasonOf(error), crm::type::v1::FILTER_INVALID);
  EXPECT_EQ(crm::common::ErrorMetadataOf(error)["field"], "rule");
  EXPECT_FALSE(crm::common::ErrorMetadataOf(error)["position"].empty());
}

TEST_F(MembershipServiceTest, MergeFoldsOrdersAndEndsTheDuplicatesMemberships) {
  const std::string cn = stack_.CreateSegment("China", "country = \"CN\"");
  const std::string repeat = stack_.CreateSegment("Repeat", "order_count >= 3");
  stack_.DeliverAll(
      {Created("s", "CN"), Created("d", "CN"), Created("e", "CN"),
       Ordered("s", "s1", kStart, 100),
       Ordered("d", "d1", kStart + absl::Hours(48), 300),
       Ordered("e", "e1", kStart + absl::Hours(60), 10), Merged("s", "d"),
       // A late event of the duplicate reaches the survivor.
       Ordered("d", "d2", kStart + absl::Hours(72), 5),
       // A chain: s merged into e; d now points at e too.
       Merged("e", "s"), Ordered("d", "d3", kStart + absl::Hours(80), 1)});
  EXPECT_THAT(stack_.Members(cn), ElementsAre("customers/e"));
  EXPECT_THAT(stack_.Members(repeat), ElementsAre("customers/e"));
  v1::CustomerSegmentationData data = stack_.Export("customers/e");
  EXPECT_EQ(data.aggregate().order_count(), 5);
  ASSERT_EQ(data.aggregate().net_spend_size(), 1);
  EXPECT_EQ(data.aggregate().net_spend(0).amount_minor(), 416);
  EXPECT_THAT(data.merged_customers(),
              ElementsAre("customers/d", "customers/s"));
  EXPECT_EQ(data.memberships_size(), 2);
  EXPECT_TRUE(data.has_score());
  EXPECT_GT(data.lifecycle_transitions_size(), 0);
  // d and s each entered China and left it when merged.
  int merged_exits = 0;
  for (const v1::MembershipChange& change : data.membership_changes()) {
    if (change.reason() == v1::MembershipChange::MERGED) ++merged_exits;
  }
  EXPECT_EQ(merged_exits, 3);  // d: China; s: China and Repeat.
  EXPECT_FALSE(stack_.Export("customers/d").has_aggregate());
}

TEST_F(MembershipServiceTest, ErasureLeavesNoRowNamingTheCustomer) {
  const std::string cn = stack_.CreateSegment("China", "country = \"CN\"");
  stack_.DeliverAll({Created("keepme", "CN"), Created("forgetme", "CN"),
                     Created("alsoforgetme", "CN"),
                     Ordered("keepme", "k1", kStart, 100),
                     Ordered("forgetme", "f1", kStart, 100),
                     Ordered("alsoforgetme", "f2", kStart, 200),
                     Merged("forgetme", "alsoforgetme"), Erased("forgetme")});
  EXPECT_THAT(stack_.Members(cn), ElementsAre("customers/keepme"));
  std::vector<std::string> dump = stack_.Dump();
  for (const std::string& line : dump) {
    EXPECT_FALSE(absl::StrContains(line, "forgetme")) << line;
  }
  // The remaining customer is intact.
  EXPECT_TRUE(std::any_of(dump.begin(), dump.end(), [](const std::string& l) {
    return absl::StartsWith(l, "read_model_aggregates: keepme | 1 | 1");
  }));
  v1::CustomerSegmentationData erased = stack_.Export("customers/forgetme");
  EXPECT_FALSE(erased.has_facts());
  EXPECT_EQ(erased.membership_changes_size(), 0);
  EXPECT_EQ(erased.merged_customers_size(), 0);
}

TEST_F(MembershipServiceTest,
       EachEventEvaluatesOneCustomerAgainstEverySegment) {
  // 200 order events over 20 customers through the consumer, with 50
  // segments defined. The mean time per event is recorded as a test
  // property (figures only; nothing asserts on time).
  for (int i = 0; i < 50; ++i) {
    stack_.CreateSegment(
        absl::StrCat("Spend ", i),
        absl::StrCat("monetary >= ", i * 100, " AND country = \"CN\""));
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(stack_.Deliver(i + 1, Created(absl::StrCat("busy", i), "CN")),
                IsOk());
  }
  const absl::Time start = absl::Now();
  for (int i = 0; i < 200; ++i) {
    ASSERT_THAT(stack_.Deliver(21 + i, Ordered(absl::StrCat("busy", i % 20),
                                               absl::StrCat("o", i),
                                               kStart + absl::Hours(i), 100)),
                IsOk());
  }
  const double mean_ms = absl::ToDoubleMilliseconds(absl::Now() - start) / 200;
  RecordProperty("mean_order_event_ms_50_segments", std::to_string(mean_ms));
  std::printf("mean per order event with 50 segments: %.2f ms\n", mean_ms);
  // Each customer spent 1000: in the segments with thresholds 0 .. 1000.
  v1::ListCustomerSegmentsRequest request;
  request.set_parent("customers/busy3");
  request.set_page_size(100);
  v1::ListCustomerSegmentsResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(
      stack_.stub_->ListCustomerSegments(&context, request, &response).ok());
  EXPECT_EQ(response.segment_members_size(), 11);
}

// The consumer stops (its transaction is rolled back, as by a crash before
// commit) twice in the middle of a merge, then restarts streaming from its
// cursor: every table ends as in a run that was never interrupted.
TEST_F(MembershipServiceTest, AConsumerStoppedMidMergeEndsAsIfNeverStopped) {
  const std::vector<cp::ChangeEvent> events = {
      Created("s", "CN"),
      Created("d", "CN"),
      Ordered("s", "s1", kStart, 100),
      Ordered("d", "d1", kStart + absl::Hours(48), 300),
      Merged("s", "d"),
      Ordered("d", "d2", kStart + absl::Hours(72), 5),
      Created("x", "DE")};
  constexpr int64_t kMerge = 5;

  Stack reference(clock_);
  ASSERT_NO_FATAL_FAILURE(reference.Start());
  for (Stack* stack : {&reference, &stack_}) {
    stack->CreateSegment("China", "country = \"CN\"");
    stack->CreateSegment("Repeat", "order_count >= 2");
  }
  reference.DeliverAll(events);

  for (int64_t i = 1; i < kMerge; ++i) {
    ASSERT_THAT(stack_.Deliver(i, events[i - 1]), IsOk());
  }
  // Stopped after the duplicate was taken apart...
  stack_.fail_at_ = [](absl::string_view, ReadModelChange change) {
    return change == ReadModelChange::kMergedAway;
  };
  EXPECT_FALSE(stack_.Deliver(kMerge, events[kMerge - 1]).ok());
  // ...and after the survivor was re-scored and re-evaluated.
  stack_.fail_at_ = [](absl::string_view id, ReadModelChange change) {
    return id == "s" && change == ReadModelChange::kUpdated;
  };
  EXPECT_FALSE(stack_.Deliver(kMerge, events[kMerge - 1]).ok());
  stack_.fail_at_ = nullptr;
  ASSERT_THAT(FeedConsumer::LoadCursor(*stack_.pool_, kConsumer), IsOk());
  EXPECT_EQ(*FeedConsumer::LoadCursor(*stack_.pool_, kConsumer), kMerge - 1);

  // Restart: a new consumer streams from the stored cursor.
  std::vector<crm::common::FeedItem> items;
  for (size_t i = 0; i < events.size(); ++i) {
    cp::ChangeEvent event = events[i];
    event.set_sequence(static_cast<int64_t>(i + 1));
    crm::common::FeedItem item;
    item.sequence = event.sequence();
    item.payload = event.SerializeAsString();
    items.push_back(std::move(item));
  }
  std::unique_ptr<FeedConsumer> restarted = stack_.NewConsumer(
      [&](int64_t after)
          -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
        std::vector<crm::common::FeedItem> rest;
        for (const crm::common::FeedItem& item : items) {
          if (item.sequence > after) rest.push_back(item);
        }
        return std::make_unique<VectorFeedStream>(std::move(rest));
      });
  restarted->Start();
  EXPECT_TRUE(crm::testing::WaitUntil([&] {
    return restarted->last_sequence() == static_cast<int64_t>(events.size());
  }));
  restarted->Stop();

  EXPECT_EQ(*FeedConsumer::LoadCursor(*stack_.pool_, kConsumer),
            static_cast<int64_t>(events.size()));
  const std::vector<std::string> expected = reference.Dump();
  EXPECT_EQ(stack_.Dump(), expected);
  // The reference itself holds the merged outcome.
  EXPECT_TRUE(std::any_of(
      expected.begin(), expected.end(), [](const std::string& line) {
        return absl::StartsWith(line, "read_model_aggregates: s | 3 | 3");
      }));
  EXPECT_TRUE(std::any_of(
      expected.begin(), expected.end(), [](const std::string& line) {
        return absl::StartsWith(line, "merged_customers: d | s");
      }));
}

// The clock at `hour` o'clock (UTC) of January `day`, 2026.
absl::Time January(int day, int hour) {
  return absl::FromCivil(absl::CivilSecond(2026, 1, day, hour, 0, 0),
                         absl::UTCTimeZone());
}

absl::StatusOr<v1::SegmentSizeHistory> SizeHistory(
    v1::SegmentationService::Stub& stub, const std::string& name, int days) {
  v1::GetSegmentSizeHistoryRequest request;
  request.set_name(name);
  request.set_days(days);
  v1::SegmentSizeHistory history;
  grpc::ClientContext context;
  grpc::Status status = stub.GetSegmentSizeHistory(&context, request, &history);
  if (!status.ok()) return crm::common::FromGrpcStatus(status);
  return history;
}

std::vector<int64_t> Sizes(const v1::SegmentSizeHistory& history) {
  std::vector<int64_t> sizes;
  for (const auto& day : history.daily_sizes()) {
    sizes.push_back(day.member_count());
  }
  return sizes;
}

TEST_F(MembershipServiceTest, SizeHistoryFollowsEntriesAndExitsAcrossDays) {
  clock_.Set(January(10, 9));
  const std::string cn = stack_.CreateSegment("China", "country = \"CN\"");
  int64_t sequence = 0;
  auto deliver_at = [&](absl::Time time, const cp::ChangeEvent& event) {
    clock_.Set(time);
    ASSERT_THAT(stack_.Deliver(++sequence, event), IsOk());
  };
  deliver_at(January(11, 10), Created("a", "CN"));  // +a
  deliver_at(January(11, 11), Created("b", "CN"));  // +b
  deliver_at(January(13, 9), Created("c", "CN"));   // +c
  deliver_at(January(13, 23), Created("b", "DE"));  // -b
  deliver_at(January(14, 0), Created("d", "CN"));   // +d, at midnight
  deliver_at(January(16, 8), Created("a", "DE"));   // -a
  deliver_at(January(17, 9), Merged("c", "d"));     // -d (MERGED)
  clock_.Set(January(17, 12));

  absl::StatusOr<v1::SegmentSizeHistory> history =
      SizeHistory(*stack_.stub_, cn + "/sizeHistory", 8);
  ASSERT_THAT(history, IsOk());
  EXPECT_EQ(history->name(), cn + "/sizeHistory");
  //                           10 11 12 13 14 15 16 17 January
  EXPECT_THAT(Sizes(*history), ElementsAre(0, 2, 2, 2, 3, 3, 2, 1));
  ASSERT_EQ(history->daily_sizes_size(), 8);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(crm::common::FromProtoTimestamp(
                  history->daily_sizes(i).day_start_time()),
              January(10 + i, 0))
        << i;
  }
  // Today's figure is the current membership.
  EXPECT_THAT(stack_.Members(cn), ElementsAre("customers/c"));
  EXPECT_EQ(history->daily_sizes(7).member_count(), 1);

  // A window that starts after some history: the changes before it are
  // in its first day's size.
  absl::StatusOr<v1::SegmentSizeHistory> recent =
      SizeHistory(*stack_.stub_, cn + "/sizeHistory", 3);
  ASSERT_THAT(recent, IsOk());
  EXPECT_THAT(Sizes(*recent), ElementsAre(3, 2, 1));
  // 0 days means 30; more than 366 means 366; today is always last.
  absl::StatusOr<v1::SegmentSizeHistory> month =
      SizeHistory(*stack_.stub_, cn + "/sizeHistory", 0);
  ASSERT_THAT(month, IsOk());
  ASSERT_EQ(month->daily_sizes_size(), 30);
  EXPECT_EQ(month->daily_sizes(0).member_count(), 0);
  EXPECT_EQ(month->daily_sizes(29).member_count(), 1);
  absl::StatusOr<v1::SegmentSizeHistory> most =
      SizeHistory(*stack_.stub_, cn + "/sizeHistory", 5000);
  ASSERT_THAT(most, IsOk());
  EXPECT_EQ(most->daily_sizes_size(), 366);
  EXPECT_EQ(
      crm::common::FromProtoTimestamp(most->daily_sizes(365).day_start_time()),
      January(17, 0));

  // Tomorrow, with no change, today's size carries over.
  clock_.Set(January(18, 1));
  absl::StatusOr<v1::SegmentSizeHistory> tomorrow =
      SizeHistory(*stack_.stub_, cn + "/sizeHistory", 2);
  ASSERT_THAT(tomorrow, IsOk());
  EXPECT_THAT(Sizes(*tomorrow), ElementsAre(1, 1));
}

TEST_F(MembershipServiceTest, SizeHistoryErrors) {
  const std::string cn = stack_.CreateSegment("China", "country = \"CN\"");
  absl::StatusOr<v1::SegmentSizeHistory> missing =
      SizeHistory(*stack_.stub_, "segments/nope/sizeHistory", 0);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(crm::common::ReasonOf(missing.status()),
            crm::type::v1::RESOURCE_NOT_FOUND);
  for (const std::string& name :
       {cn, cn + "/sizes", std::string("segments//sizeHistory"),
        std::string("customers/a/sizeHistory")}) {
    absl::StatusOr<v1::SegmentSizeHistory> bad =
        SizeHistory(*stack_.stub_, name, 0);
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(crm::common::ErrorMetadataOf(bad.status())["field"], "name")
        << name;
  }
  absl::StatusOr<v1::SegmentSizeHistory> negative =
      SizeHistory(*stack_.stub_, cn + "/sizeHistory", -1);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(crm::common::ErrorMetadataOf(negative.status())["field"], "days");
}

// UpdateSegment over gRPC; the error as an absl::Status.
absl::StatusOr<v1::Segment> UpdateSegment(
    v1::SegmentationService::Stub& stub,
    const v1::UpdateSegmentRequest& request) {
  grpc::ClientContext context;
  v1::Segment segment;
  grpc::Status status = stub.UpdateSegment(&context, request, &segment);
  if (!status.ok()) return crm::common::FromGrpcStatus(status);
  return segment;
}

absl::Status DeleteSegment(v1::SegmentationService::Stub& stub,
                           const std::string& name,
                           const std::string& request_id) {
  grpc::ClientContext context;
  v1::DeleteSegmentRequest request;
  request.set_name(name);
  request.set_request_id(request_id);
  google::protobuf::Empty empty;
  return crm::common::FromGrpcStatus(
      stub.DeleteSegment(&context, request, &empty));
}

absl::StatusOr<v1::Segment> GetSegment(v1::SegmentationService::Stub& stub,
                                       const std::string& name) {
  grpc::ClientContext context;
  v1::GetSegmentRequest request;
  request.set_name(name);
  v1::Segment segment;
  grpc::Status status = stub.GetSegment(&context, request, &segment);
  if (!status.ok()) return crm::common::FromGrpcStatus(status);
  return segment;
}

// The segments of `customer`'s memberships.
std::vector<std::string> CustomerSegments(v1::SegmentationService::Stub& stub,
                                          const std::string& customer) {
  grpc::ClientContext context;
  v1::ListCustomerSegmentsRequest request;
  request.set_parent(customer);
  v1::ListCustomerSegmentsResponse response;
  EXPECT_TRUE(stub.ListCustomerSegments(&context, request, &response).ok());
  std::vector<std::string> segments;
  for (const v1::SegmentMember& member : response.segment_members()) {
    segments.push_back(member.segment());
  }
  return segments;
}

// The lines of a Dump() of `table`.
std::vector<std::string> TableLines(const std::vector<std::string>& dump,
                                    absl::string_view table) {
  std::vector<std::string> lines;
  for (const std::string& line : dump) {
    if (absl::StartsWith(line, absl::StrCat(table, ": "))) {
      lines.push_back(line);
    }
  }
  return lines;
}

TEST_F(MembershipServiceTest, ADisplayNameUpdateLeavesTheMembersAlone) {
  const std::string cn = stack_.CreateSegment("China", "country = \"CN\"");
  stack_.DeliverAll({Created("a", "CN"), Created("b", "DE")});
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment before, GetSegment(*stack_.stub_, cn));
  const std::vector<std::string> memberships =
      TableLines(stack_.Dump(), "segment_memberships");
  const std::vector<std::string> changes =
      TableLines(stack_.Dump(), "segment_membership_changes");
  ASSERT_EQ(memberships.size(), 1u);

  clock_.Advance(absl::Hours(1));
  v1::UpdateSegmentRequest request;
  request.mutable_segment()->set_name(cn);
  request.mutable_segment()->set_etag(before.etag());
  request.mutable_segment()->set_display_name("Mainland China");
  request.mutable_update_mask()->add_paths("display_name");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment updated,
                           UpdateSegment(*stack_.stub_, request));
  EXPECT_EQ(updated.display_name(), "Mainland China");
  EXPECT_EQ(updated.rule(), before.rule());
  EXPECT_NE(updated.etag(), before.etag());
  EXPECT_EQ(crm::common::FromProtoTimestamp(updated.update_time()),
            clock_.Now());
  // Memberships and their history are untouched, enter times included.
  EXPECT_EQ(TableLines(stack_.Dump(), "segment_memberships"), memberships);
  EXPECT_EQ(TableLines(stack_.Dump(), "segment_membership_changes"), changes);
  EXPECT_THAT(stack_.Members(cn), ElementsAre("customers/a"));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment fetched, GetSegment(*stack_.stub_, cn));
  EXPECT_EQ(fetched.display_name(), "Mainland China");
}

TEST_F(MembershipServiceTest, ARuleUpdateMovesTheMembersBeforeItReturns) {
  const std::string seg = stack_.CreateSegment("Region", "country = \"CN\"");
  stack_.DeliverAll(
      {Created("a", "CN"), Created("b", "DE"), Created("c", "FR")});
  EXPECT_THAT(stack_.Members(seg), ElementsAre("customers/a"));

  clock_.Advance(absl::Hours(24));
  v1::UpdateSegmentRequest request;
  request.mutable_segment()->set_name(seg);
  request.mutable_segment()->set_rule("country = \"DE\" OR country = \"FR\"");
  request.set_request_id("rule-1");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment updated,
                           UpdateSegment(*stack_.stub_, request));
  EXPECT_EQ(updated.rule(), "country = \"DE\" OR country = \"FR\"");
  EXPECT_THAT(stack_.Members(seg), ElementsAre("customers/b", "customers/c"));
  EXPECT_THAT(CustomerSegments(*stack_.stub_, "customers/a"), IsEmpty());
  EXPECT_THAT(CustomerSegments(*stack_.stub_, "customers/b"), ElementsAre(seg));
  // The size history shows the change today: 1 member yesterday, 2 now.
  absl::StatusOr<v1::SegmentSizeHistory> history =
      SizeHistory(*stack_.stub_, seg + "/sizeHistory", 2);
  ASSERT_THAT(history, IsOk());
  EXPECT_THAT(Sizes(*history), ElementsAre(1, 2));
  const std::vector<std::string> dump = stack_.Dump();
  EXPECT_EQ(TableLines(dump, "segment_membership_changes").size(), 4u);

  // The same request id again: the first response, nothing applied twice
  // (not even the update time or the etag).
  clock_.Advance(absl::Hours(1));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment again,
                           UpdateSegment(*stack_.stub_, request));
  EXPECT_EQ(again.SerializeAsString(), updated.SerializeAsString());
  EXPECT_EQ(stack_.Dump(), dump);

  // Later feed events follow the new rule.
  ASSERT_THAT(stack_.Deliver(4, Created("d", "DE")), IsOk());
  EXPECT_THAT(stack_.Members(seg),
              ElementsAre("customers/b", "customers/c", "customers/d"));
}

TEST_F(MembershipServiceTest, UpdateErrorsChangeNothing) {
  const std::string seg = stack_.CreateSegment("Region", "country = \"CN\"");
  stack_.DeliverAll({Created("a", "CN")});
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment first, GetSegment(*stack_.stub_, seg));
  v1::UpdateSegmentRequest request;
  request.mutable_segment()->set_name(seg);
  request.mutable_segment()->set_description("changed");
  ASSERT_THAT(UpdateSegment(*stack_.stub_, request), IsOk());
  const std::vector<std::string> dump = stack_.Dump();

  // A stale etag.
  request.mutable_segment()->set_etag(first.etag());
  request.mutable_segment()->set_rule("country = \"DE\"");
  absl::StatusOr<v1::Segment> stale = UpdateSegment(*stack_.stub_, request);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(crm::common::ReasonOf(stale.status()),
            crm::type::v1::ETAG_MISMATCH);
  EXPECT_EQ(crm::common::ErrorMetadataOf(stale.status())["resource"], seg);

  // A rule that does not type-check: the error CreateSegment gives.
  const std::string bad_rule = "country = \"CN\" AND nonsense > 3";
  request.mutable_segment()->clear_etag();
  request.mutable_segment()->set_rule(bad_rule);
  absl::StatusOr<v1::Segment> bad = UpdateSegment(*stack_.stub_, request);
  v1::CreateSegmentRequest create;
  create.mutable_segment()->set_display_name("Other");
  create.mutable_segment()->set_rule(bad_rule);
  grpc::ClientContext context;
  v1::Segment ignored;
  const absl::Status on_create = crm::common::FromGrpcStatus(
      stack_.stub_->CreateSegment(&context, create, &ignored));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(crm::common::ReasonOf(bad.status()), crm::type::v1::FILTER_INVALID);
  EXPECT_EQ(crm::common::ErrorMetadataOf(bad.status())["field"],
            "segment.rule");
  EXPECT_EQ(crm::common::ErrorMetadataOf(bad.status())["position"], "20");
  EXPECT_EQ(crm::common::ErrorMetadataOf(bad.status()),
            crm::common::ErrorMetadataOf(on_create));
  EXPECT_EQ(bad.status().message(), on_create.message());

  // A path that cannot be updated.
  request.mutable_segment()->set_rule("country = \"DE\"");
  request.mutable_update_mask()->add_paths("create_time");
  request.mutable_update_mask()->add_paths("version");
  absl::StatusOr<v1::Segment> path = UpdateSegment(*stack_.stub_, request);
  EXPECT_EQ(path.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(crm::common::ErrorMetadataOf(path.status())["field"],
            "update_mask");

  EXPECT_EQ(stack_.Dump(), dump);
  EXPECT_THAT(stack_.Members(seg), ElementsAre("customers/a"));
}

TEST_F(MembershipServiceTest, DeleteRemovesTheSegmentAndItsMemberships) {
  const std::string cn = stack_.CreateSegment("China", "country = \"CN\"");
  const std::string all =
      stack_.CreateSegment("Everyone", "country = \"CN\" OR country = \"DE\"");
  stack_.DeliverAll({Created("a", "CN"), Created("b", "DE")});
  EXPECT_THAT(CustomerSegments(*stack_.stub_, "customers/a"),
              ElementsAre(cn, all));

  ASSERT_THAT(DeleteSegment(*stack_.stub_, cn, "del-1"), IsOk());
  absl::StatusOr<v1::Segment> gone = GetSegment(*stack_.stub_, cn);
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(crm::common::ReasonOf(gone.status()),
            crm::type::v1::RESOURCE_NOT_FOUND);
  EXPECT_THAT(CustomerSegments(*stack_.stub_, "customers/a"), ElementsAre(all));
  EXPECT_EQ(SizeHistory(*stack_.stub_, cn + "/sizeHistory", 0).status().code(),
            absl::StatusCode::kNotFound);
  // No row names the deleted segment any more; the other one is intact.
  const std::string id = cn.substr(sizeof("segments/") - 1);
  for (const std::string& line : stack_.Dump()) {
    EXPECT_FALSE(absl::StrContains(line, id)) << line;
  }
  EXPECT_THAT(stack_.Members(all), ElementsAre("customers/a", "customers/b"));

  // A retry with the same request id answers as the first call; another
  // request finds nothing to delete.
  EXPECT_THAT(DeleteSegment(*stack_.stub_, cn, "del-1"), IsOk());
  const absl::Status twice = DeleteSegment(*stack_.stub_, cn, "");
  EXPECT_EQ(twice.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(crm::common::ReasonOf(twice), crm::type::v1::RESOURCE_NOT_FOUND);
  // Later feed events do not bring the segment back.
  ASSERT_THAT(stack_.Deliver(3, Created("a", "CN")), IsOk());
  EXPECT_THAT(CustomerSegments(*stack_.stub_, "customers/a"), ElementsAre(all));
  // Its display name is free again.
  EXPECT_FALSE(stack_.CreateSegment("China", "country = \"CN\"").empty());
}

}  // namespace
}  // namespace crm::segmentation
