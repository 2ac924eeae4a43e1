// Segmentation's change feed on MariaDB: customer-profile's events applied
// by the shared exactly-once consumer append SEGMENT_ENTERED / SEGMENT_LEFT,
// VALUE_TIER_CHANGED and LIFECYCLE_STAGE_CHANGED in the consumer's
// transaction (both or neither), in the order the changes were made;
// WatchChanges (directly and over gRPC) replays the numbered events after a
// cursor, resumes from any cursor and filters by type.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/segmentation/v1/change_event.pb.h"
#include "crm/segmentation/v1/segmentation_service.grpc.pb.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/change_feed_sequencer.h"
#include "services/common/change_feed_writer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/segmentation/change_feed_streamer.h"
#include "services/segmentation/customer_data_exporter.h"
#include "services/segmentation/feed_erasure.h"
#include "services/segmentation/membership_manager.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_feed_event_repository.h"
#include "services/segmentation/mysql_membership_repository.h"
#include "services/segmentation/mysql_read_model_repository.h"
#include "services/segmentation/mysql_score_repository.h"
#include "services/segmentation/mysql_segment_repository.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/segment_manager.h"
#include "services/segmentation/segmentation_change_feed.h"
#include "services/segmentation/segmentation_service.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::segmentation {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::testing::IsOk;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

std::string Created(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_CREATED);
  event.set_customer_name("customers/" + id);
  event.mutable_customer()->set_state(cp::Customer::ACTIVE);
  event.mutable_customer()->mutable_address()->set_country_code("CN");
  return event.SerializeAsString();
}

std::string Ordered(const std::string& customer, const std::string& order,
                    int64_t amount) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::ORDER_RECORDED);
  event.set_customer_name("customers/" + customer);
  cp::Order* o = event.mutable_order();
  o->set_name(absl::StrCat("customers/", customer, "/orders/", order));
  o->mutable_amount()->set_currency_code("CNY");
  o->mutable_amount()->set_amount_minor(amount);
  *o->mutable_order_time() =
      crm::common::ToProtoTimestamp(kStart + absl::Hours(24 * 9));
  return event.SerializeAsString();
}

// A CUSTOMER_ERASED event of `id`.
std::string Erased(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name(absl::StrCat("customers/", id));
  return event.SerializeAsString();
}

// Value tiers on the net total: MEDIUM from 10.00, HIGH from 100.00 CNY.
ScoringPolicy Policy() {
  ScoringPolicy policy;
  policy.value_tiers.basis = ValueTierPolicy::Basis::kMonetaryMinor;
  policy.value_tiers.medium_at = 1000;
  policy.value_tiers.high_at = 10000;
  return policy;
}

class SegmentationChangeFeedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<crm::testing::TestDatabase>> database =
        crm::testing::TestDatabase::Create("seg_change_feed");
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value().release();
    absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> pool =
        database_->NewMigratedPool(Migrations(), 4);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(pool).value().release();
  }
  static void TearDownTestSuite() {
    delete pool_;
    delete database_;
  }

  void SetUp() override {
    ASSERT_NE(pool_, nullptr);
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    memberships_ = std::make_unique<MembershipManager>(
        *unit_of_work_, segments_, membership_repository_, read_model_, scores_,
        clock_, "CNY", &writer_);
    segment_manager_ = std::make_unique<SegmentManager>(
        *unit_of_work_, segments_, idempotency_, clock_, ids_,
        memberships_->SegmentChangeHooks());
    scoring_ = std::make_unique<ScoringManager>(
        *unit_of_work_, read_model_, scores_, idempotency_, clock_, ids_,
        Policy(), memberships_->ScoredHook(), &writer_);
    exporter_ = std::make_unique<CustomerDataExporter>(
        *unit_of_work_, read_model_, scores_, membership_repository_, segments_,
        "CNY");
    applier_ = std::make_unique<ProfileFeedApplier>(
        read_model_, CombineHooks(CombineHooks(scoring_->FeedHook(),
                                               memberships_->FeedHook()),
                                  FeedErasureHook(feed_events_, ids_)));
  }

  // A consumer of customer-profile's feed named `name` applying through the
  // real applier, then `after` (which may fail the transaction).
  crm::common::FeedConsumer NewConsumer(
      const std::string& name,
      std::function<absl::Status()> after = [] { return absl::OkStatus(); }) {
    crm::common::FeedConsumerOptions options;
    options.consumer = name;
    return crm::common::FeedConsumer(
        *pool_,
        [](int64_t)
            -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
          return absl::UnavailableError("not used");
        },
        [this, after](sql::Connection& connection, int64_t sequence,
                      absl::string_view payload) -> absl::Status {
          const crm::common::RequestContext context;
          crm::common::MySqlTransaction tx(connection, context);
          absl::Status applied = applier_->ApplyPayload(tx, sequence, payload);
          if (!applied.ok()) return applied;
          return after();
        },
        options);
  }

  std::string CreateSegment(const std::string& display_name,
                            const std::string& rule) {
    v1::CreateSegmentRequest request;
    request.mutable_segment()->set_display_name(display_name);
    request.mutable_segment()->set_rule(rule);
    absl::StatusOr<v1::Segment> segment =
        segment_manager_->CreateSegment({}, request);
    EXPECT_THAT(segment, IsOk());
    return segment.ok() ? segment->name() : "";
  }

  // Numbers every committed event of the feed.
  void Sequence() {
    crm::common::ChangeFeedSequencer sequencer(
        *pool_, std::string(kSegmentationFeed), written_, sequenced_);
    ASSERT_THAT(sequencer.SequencePending().status(), IsOk());
  }

  // The last sequence numbered so far.
  int64_t Cursor() {
    return QueryInt(
        "SELECT COALESCE(MAX(sequence), 0) FROM change_feed_events "
        "WHERE feed='segmentation'");
  }

  // The events after `after` of `types`, read until `count` arrived or 5 s
  // passed.
  std::vector<v1::ChangeEvent> Watch(
      int64_t after, size_t count,
      const std::vector<v1::ChangeEvent::Type>& types = {}) {
    std::vector<v1::ChangeEvent> events;
    v1::WatchChangesRequest request;
    request.set_after_sequence(after);
    for (v1::ChangeEvent::Type type : types) request.add_types(type);
    const absl::Status status =
        streamer_.Watch(crm::common::RequestContext::WithDeadline(
                            absl::Now() + absl::Seconds(5)),
                        request, [&](const v1::ChangeEvent& event) {
                          events.push_back(event);
                          return events.size() < count;
                        });
    EXPECT_TRUE(status.ok() || absl::IsDeadlineExceeded(status)) << status;
    return events;
  }

  // How many numbered events after `cursor` satisfy `condition`.
  int64_t Count(int64_t cursor, const std::string& condition) {
    return QueryInt(absl::StrCat(
        "SELECT COUNT(*) FROM change_feed_events WHERE feed='segmentation' "
        "AND sequence > ",
        cursor, " AND ", condition));
  }

  int64_t QueryInt(const std::string& query) {
    absl::StatusOr<std::vector<std::string>> values =
        database_->QueryColumn(query);
    EXPECT_TRUE(values.ok()) << values.status();
    return !values.ok() || values->empty() ? -1 : std::stoll((*values)[0]);
  }

  static crm::testing::TestDatabase* database_;
  static crm::common::MySqlPool* pool_;

  crm::common::FakeClock clock_{kStart + absl::Hours(24 * 10)};
  crm::common::RandomIdGenerator ids_;
  crm::common::FeedNotifier written_;
  crm::common::FeedNotifier sequenced_;
  crm::common::MySqlChangeFeedWriter writer_{std::string(kSegmentationFeed),
                                             clock_, &written_};
  ChangeFeedStreamer streamer_{*pool_,
                               sequenced_,
                               crm::common::SystemClock::Instance(),
                               {.batch_size = 2}};
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
  MySqlFeedEventRepository feed_events_;
  std::unique_ptr<ProfileFeedApplier> applier_;
};

crm::testing::TestDatabase* SegmentationChangeFeedTest::database_ = nullptr;
crm::common::MySqlPool* SegmentationChangeFeedTest::pool_ = nullptr;

const std::vector<v1::ChangeEvent::Type> kMembershipTypes = {
    v1::ChangeEvent::SEGMENT_ENTERED, v1::ChangeEvent::SEGMENT_LEFT};
const std::vector<v1::ChangeEvent::Type> kScoreTypes = {
    v1::ChangeEvent::VALUE_TIER_CHANGED,
    v1::ChangeEvent::LIFECYCLE_STAGE_CHANGED};

TEST_F(SegmentationChangeFeedTest, OrdersEnterAndLeaveSegmentsInOrder) {
  const std::string once = CreateSegment("Once", "order_count = 1");
  const std::string repeat = CreateSegment("Repeat", "order_count >= 2");
  crm::common::FeedConsumer consumer = NewConsumer("seg-order");
  Sequence();
  const int64_t cursor = Cursor();
  ASSERT_THAT(consumer.ApplyOne(1, Created("m1")).status(), IsOk());
  ASSERT_THAT(consumer.ApplyOne(2, Ordered("m1", "o1", 500)).status(), IsOk());
  ASSERT_THAT(consumer.ApplyOne(3, Ordered("m1", "o2", 500)).status(), IsOk());
  Sequence();

  // Only this test's segments (others' may exist in the database).
  std::vector<v1::ChangeEvent> events;
  for (v1::ChangeEvent& event :
       Watch(cursor, Count(cursor, "type IN (1, 2)"), kMembershipTypes)) {
    const std::string& segment = event.membership_change().segment();
    if (segment == once || segment == repeat) events.push_back(event);
  }
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type(), v1::ChangeEvent::SEGMENT_ENTERED);
  EXPECT_EQ(events[0].membership_change().segment(), once);
  EXPECT_EQ(events[1].type(), v1::ChangeEvent::SEGMENT_LEFT);
  EXPECT_EQ(events[1].membership_change().segment(), once);
  EXPECT_EQ(events[2].type(), v1::ChangeEvent::SEGMENT_ENTERED);
  EXPECT_EQ(events[2].membership_change().segment(), repeat);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].customer(), "customers/m1");
    EXPECT_EQ(events[i].membership_change().customer(), "customers/m1");
    EXPECT_EQ(events[i].membership_change().reason(),
              v1::MembershipChange::RULE);
    EXPECT_TRUE(events[i].has_event_time());
    if (i > 0) {
      EXPECT_GT(events[i].sequence(), events[i - 1].sequence());
    }
  }
  // Every event is keyed by the customer.
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM change_feed_events WHERE "
                     "feed='segmentation' AND `key`<>'m1' AND sequence > " +
                     std::to_string(cursor)),
            0);
}

TEST_F(SegmentationChangeFeedTest, TierAndStageChangesProduceTheirEvents) {
  crm::common::FeedConsumer consumer = NewConsumer("seg-score");
  Sequence();
  const int64_t cursor = Cursor();
  ASSERT_THAT(consumer.ApplyOne(1, Created("s1")).status(), IsOk());
  // Tiers need RFM boundaries: a full recompute over a buyer stores them.
  ASSERT_THAT(consumer.ApplyOne(2, Ordered("s0", "o1", 5000)).status(), IsOk());
  v1::RecomputeScoresRequest recompute;
  recompute.set_request_id("tier-feed-recompute");
  ASSERT_THAT(scoring_->RecomputeScores({}, recompute).status(), IsOk());
  ASSERT_THAT(consumer.ApplyOne(3, Ordered("s1", "o1", 5000)).status(), IsOk());
  // Same tier, same stage: nothing.
  ASSERT_THAT(consumer.ApplyOne(4, Ordered("s1", "o2", 100)).status(), IsOk());
  ASSERT_THAT(consumer.ApplyOne(5, Ordered("s1", "o3", 6000)).status(), IsOk());
  Sequence();

  std::vector<v1::ChangeEvent> events;
  for (v1::ChangeEvent& event :
       Watch(cursor, Count(cursor, "type IN (3, 4)"), kScoreTypes)) {
    if (event.customer() == "customers/s1") events.push_back(event);
  }
  ASSERT_EQ(events.size(), 4u);
  // Created: a prospect without a tier.
  EXPECT_EQ(events[0].type(), v1::ChangeEvent::LIFECYCLE_STAGE_CHANGED);
  EXPECT_EQ(events[0].lifecycle_stage_change().old_stage(),
            v1::CustomerScore::LIFECYCLE_STAGE_UNSPECIFIED);
  EXPECT_EQ(events[0].lifecycle_stage_change().new_stage(),
            v1::CustomerScore::PROSPECT);
  // The first order: a tier, and a new customer.
  EXPECT_EQ(events[1].type(), v1::ChangeEvent::VALUE_TIER_CHANGED);
  EXPECT_EQ(events[1].value_tier_change().old_tier(),
            v1::CustomerScore::VALUE_TIER_UNSPECIFIED);
  EXPECT_EQ(events[1].value_tier_change().new_tier(),
            v1::CustomerScore::MEDIUM);
  EXPECT_EQ(events[2].type(), v1::ChangeEvent::LIFECYCLE_STAGE_CHANGED);
  EXPECT_EQ(events[2].lifecycle_stage_change().old_stage(),
            v1::CustomerScore::PROSPECT);
  EXPECT_EQ(events[2].lifecycle_stage_change().new_stage(),
            v1::CustomerScore::NEW);
  EXPECT_EQ(crm::common::FromProtoTimestamp(
                events[2].lifecycle_stage_change().change_time()),
            clock_.Now());
  // The third order crosses 100.00.
  EXPECT_EQ(events[3].type(), v1::ChangeEvent::VALUE_TIER_CHANGED);
  EXPECT_EQ(events[3].value_tier_change().old_tier(),
            v1::CustomerScore::MEDIUM);
  EXPECT_EQ(events[3].value_tier_change().new_tier(), v1::CustomerScore::HIGH);
  for (const v1::ChangeEvent& event : events) {
    EXPECT_EQ(event.customer(), "customers/s1");
  }
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM change_feed_events WHERE "
                     "feed='segmentation' AND `key`='s1' AND type IN (3, 4)"),
            4);
}

TEST_F(SegmentationChangeFeedTest, ARolledBackChangeWritesNoEvent) {
  CreateSegment("Buyers", "order_count >= 1");
  crm::common::FeedConsumer failing = NewConsumer("seg-failing", [] {
    return absl::InternalError("fails after the changes");
  });
  EXPECT_FALSE(failing.ApplyOne(1, Ordered("r1", "o1", 50000)).ok());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM segment_memberships WHERE "
                     "customer_id='r1'"),
            0);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM change_feed_events WHERE "
                     "feed='segmentation' AND `key`='r1'"),
            0);

  crm::common::FeedConsumer consumer = NewConsumer("seg-atomic");
  ASSERT_THAT(consumer.ApplyOne(1, Ordered("r1", "o1", 50000)).status(),
              IsOk());
  // One SEGMENT_ENTERED per membership (Buyers at least), and a stage.
  const int64_t members = QueryInt(
      "SELECT COUNT(*) FROM segment_memberships WHERE customer_id='r1'");
  EXPECT_GE(members, 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM change_feed_events WHERE "
                     "feed='segmentation' AND `key`='r1' AND type=1"),
            members);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM change_feed_events WHERE "
                     "feed='segmentation' AND `key`='r1' AND type = 4"),
            1);
}

TEST_F(SegmentationChangeFeedTest, WatchReplaysFromACursorAndFiltersByType) {
  crm::common::FeedConsumer consumer = NewConsumer("seg-watch");
  Sequence();
  const int64_t cursor = Cursor();
  ASSERT_THAT(consumer.ApplyOne(1, Created("w1")).status(), IsOk());
  ASSERT_THAT(consumer.ApplyOne(2, Created("w2")).status(), IsOk());
  ASSERT_THAT(consumer.ApplyOne(3, Ordered("w2", "o1", 5000)).status(), IsOk());
  // A new segment's members enter in its creating transaction.
  const std::string everyone = CreateSegment("Everyone", "country = \"CN\"");
  Sequence();

  const int64_t count = Count(cursor, "TRUE");
  ASSERT_GE(count, 4);
  std::vector<v1::ChangeEvent> all = Watch(cursor, count);
  ASSERT_EQ(all.size(), static_cast<size_t>(count));
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].sequence(), cursor + 1 + static_cast<int64_t>(i));
  }
  // Resumed after the second: the rest, the same events.
  std::vector<v1::ChangeEvent> rest = Watch(all[1].sequence(), all.size() - 2);
  ASSERT_EQ(rest.size(), all.size() - 2);
  for (size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i].SerializeAsString(), all[i + 2].SerializeAsString());
  }
  // Only the entries into Everyone, of every customer.
  std::vector<v1::ChangeEvent> entered = Watch(
      cursor, Count(cursor, "type = 1"), {v1::ChangeEvent::SEGMENT_ENTERED});
  EXPECT_EQ(entered.size(), static_cast<size_t>(Count(cursor, "type = 1")));
  size_t into_everyone = 0;
  for (const v1::ChangeEvent& event : entered) {
    EXPECT_EQ(event.type(), v1::ChangeEvent::SEGMENT_ENTERED);
    if (event.membership_change().segment() == everyone) ++into_everyone;
  }
  EXPECT_GE(into_everyone, 2u);

  // Over gRPC: the same first event, then the caller cancels.
  SegmentationServiceImpl service(*segment_manager_, *scoring_, *memberships_,
                                  *exporter_, &streamer_);
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<v1::SegmentationService::Stub> stub =
      v1::SegmentationService::NewStub(
          server->InProcessChannel(grpc::ChannelArguments()));
  {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::WatchChangesRequest request;
    request.set_after_sequence(cursor);
    std::unique_ptr<grpc::ClientReader<v1::ChangeEvent>> reader =
        stub->WatchChanges(&context, request);
    v1::ChangeEvent first;
    ASSERT_TRUE(reader->Read(&first));
    EXPECT_EQ(first.SerializeAsString(), all[0].SerializeAsString());
    context.TryCancel();
    while (reader->Read(&first)) {
    }
    reader->Finish().IgnoreError();
  }
  {
    grpc::ClientContext context;
    v1::WatchChangesRequest request;
    request.add_types(static_cast<v1::ChangeEvent::Type>(99));
    std::unique_ptr<grpc::ClientReader<v1::ChangeEvent>> reader =
        stub->WatchChanges(&context, request);
    v1::ChangeEvent event;
    EXPECT_FALSE(reader->Read(&event));
    EXPECT_EQ(reader->Finish().error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  server->Shutdown();

  // A negative cursor is refused.
  v1::WatchChangesRequest bad;
  bad.set_after_sequence(-1);
  EXPECT_EQ(
      streamer_.Watch({}, bad, [](const v1::ChangeEvent&) { return true; })
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(SegmentationChangeFeedTest,
       AnErasureLeavesNoFeedEventNamingTheCustomer) {
  CreateSegment("Erasable buyers", "order_count >= 1");
  crm::common::FeedConsumer consumer = NewConsumer("seg-erase");
  ASSERT_THAT(consumer.ApplyOne(1, Created("e1")).status(), IsOk());
  ASSERT_THAT(consumer.ApplyOne(2, Ordered("e1", "o1", 500)).status(), IsOk());
  ASSERT_THAT(consumer.ApplyOne(3, Created("e2")).status(), IsOk());
  ASSERT_THAT(consumer.ApplyOne(4, Ordered("e2", "o1", 500)).status(), IsOk());
  Sequence();
  const int64_t before = QueryInt(
      "SELECT COUNT(*) FROM change_feed_events WHERE feed='segmentation'");
  ASSERT_GT(QueryInt("SELECT COUNT(*) FROM change_feed_events WHERE "
                     "feed='segmentation' AND `key`='e1'"),
            0);
  ASSERT_THAT(consumer.ApplyOne(5, Erased("e1")).status(), IsOk());
  Sequence();
  // Re-keyed, not deleted: the feed keeps its sequences without gaps.
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM change_feed_events "
                     "WHERE feed='segmentation'"),
            before);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM change_feed_events WHERE "
                     "feed='segmentation' AND (`key`='e1' OR "
                     "INSTR(payload, 'customers/e1') > 0)"),
            0);
  // Another customer's events are untouched.
  EXPECT_GT(QueryInt("SELECT COUNT(*) FROM change_feed_events WHERE "
                     "feed='segmentation' AND `key`='e2' AND "
                     "INSTR(payload, 'customers/e2') > 0"),
            0);
  // The re-keyed events still read, naming the tombstone.
  for (const v1::ChangeEvent& event : Watch(0, static_cast<size_t>(before))) {
    EXPECT_NE(event.customer(), "customers/e1");
    EXPECT_NE(event.membership_change().customer(), "customers/e1");
  }
}

}  // namespace
}  // namespace crm::segmentation
