// Segment memberships over in-memory fakes (no database), through the whole
// domain path the feed takes: ProfileFeedApplier -> ScoringManager ->
// MembershipManager. Entering and leaving with history, new segments
// evaluated over the read model, member lists and their pages, the
// customer's segments with the score, previews (nothing written, parser
// errors with position), merges (the duplicate leaves, the survivor gains
// the orders, late events of the duplicate reach the survivor), erasure
// (nothing left) and the export document; every history entry and every
// value tier or stage change on the change feed, none from a failed unit
// of work.
#include "services/segmentation/membership_manager.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/change_event.pb.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "services/segmentation/customer_data_exporter.h"
#include "services/segmentation/profile_feed_applier.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/segment_manager.h"
#include "services/segmentation/segmentation_change_feed.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/fakes/recording_change_feed_writer.h"
#include "tests/testing/fakes/segmentation/in_memory_membership_repository.h"
#include "tests/testing/fakes/segmentation/in_memory_read_model_repository.h"
#include "tests/testing/fakes/segmentation/in_memory_score_repository.h"
#include "tests/testing/fakes/segmentation/in_memory_segment_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::segmentation {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

cp::ChangeEvent Created(
    const std::string& id, const std::string& country,
    cp::ChangeEvent::Type type = cp::ChangeEvent::CUSTOMER_CREATED) {
  cp::ChangeEvent event;
  event.set_type(type);
  event.set_customer_name("customers/" + id);
  event.mutable_customer()->set_state(cp::Customer::ACTIVE);
  event.mutable_customer()->mutable_address()->set_country_code(country);
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
  *event.mutable_event_time() = crm::common::ToProtoTimestamp(kStart);
  return event;
}

cp::ChangeEvent Erased(const std::string& id) {
  cp::ChangeEvent event;
  event.set_type(cp::ChangeEvent::CUSTOMER_ERASED);
  event.set_customer_name("customers/" + id);
  return event;
}

class MembershipManagerTest : public ::testing::Test {
 protected:
  void Apply(const cp::ChangeEvent& event) {
    ASSERT_THAT(unit_of_work_.Run(
                    context_,
                    [&](Transaction& tx) { return applier_.Apply(tx, event); }),
                IsOk());
  }

  // Creates a segment; returns its id.
  std::string CreateSegment(const std::string& display_name,
                            const std::string& rule) {
    v1::CreateSegmentRequest request;
    request.mutable_segment()->set_display_name(display_name);
    request.mutable_segment()->set_rule(rule);
    absl::StatusOr<v1::Segment> created =
        segment_manager_.CreateSegment(context_, request);
    EXPECT_THAT(created, IsOk());
    return created.ok() ? created->name().substr(sizeof("segments/") - 1) : "";
  }

  std::vector<std::string> Members(const std::string& segment_id) {
    v1::ListSegmentMembersRequest request;
    request.set_parent("segments/" + segment_id);
    absl::StatusOr<v1::ListSegmentMembersResponse> response =
        memberships_.ListSegmentMembers(context_, request);
    EXPECT_THAT(response, IsOk());
    std::vector<std::string> customers;
    if (response.ok()) {
      for (const v1::SegmentMember& member : response->segment_members()) {
        customers.push_back(member.customer());
      }
    }
    return customers;
  }

  std::vector<std::pair<std::string, MembershipChangeKind>> History(
      const std::string& customer_id) {
    std::vector<std::pair<std::string, MembershipChangeKind>> out;
    for (const MembershipChangeRecord& change :
         membership_repository_.changes()) {
      if (change.customer_id == customer_id) {
        out.emplace_back(change.segment_id, change.kind);
      }
    }
    return out;
  }

  RequestContext context_;
  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"seg"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemorySegmentRepository segments_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  crm::testing::InMemoryReadModelRepository read_model_{&unit_of_work_};
  crm::testing::InMemoryScoreRepository scores_{&unit_of_work_};
  crm::testing::InMemoryMembershipRepository membership_repository_{
      &unit_of_work_};
  crm::testing::RecordingChangeFeedWriter feed_{&unit_of_work_};
  MembershipManager memberships_{
      unit_of_work_, segments_, membership_repository_,
      read_model_,   scores_,   clock_,
      "CNY",         &feed_};
  SegmentManager segment_manager_{
      unit_of_work_, segments_, keys_,
      clock_,        ids_,      memberships_.SegmentChangeHooks()};
  ScoringManager scoring_{
      unit_of_work_, read_model_, scores_,         keys_,
      clock_,        ids_,        ScoringPolicy{}, memberships_.ScoredHook(),
      &feed_};
  ProfileFeedApplier applier_{
      read_model_, CombineHooks(scoring_.FeedHook(), memberships_.FeedHook())};
  CustomerDataExporter exporter_{unit_of_work_,          read_model_, scores_,
                                 membership_repository_, segments_,   "CNY"};
};

TEST_F(MembershipManagerTest, CustomersEnterAndLeaveAsTheirFactsChange) {
  const std::string cn = CreateSegment("China", "country = \"CN\"");
  Apply(Created("c1", "CN"));
  EXPECT_THAT(Members(cn), ElementsAre("customers/c1"));

  clock_.Advance(absl::Hours(1));
  Apply(Created("c1", "DE", cp::ChangeEvent::CUSTOMER_UPDATED));
  EXPECT_THAT(Members(cn), IsEmpty());
  EXPECT_THAT(History("c1"),
              ElementsAre(Pair(cn, MembershipChangeKind::kEntered),
                          Pair(cn, MembershipChangeKind::kLeft)));
  EXPECT_EQ(membership_repository_.changes()[0].time, kStart);
  EXPECT_EQ(membership_repository_.changes()[1].time, kStart + absl::Hours(1));
  EXPECT_EQ(membership_repository_.changes()[1].reason,
            MembershipChangeReason::kRule);
}

TEST_F(MembershipManagerTest, TheFeedCarriesEveryChangeOfACommittedUnit) {
  const std::string cn = CreateSegment("China", "country = \"CN\"");
  const std::string de = CreateSegment("Germany", "country = \"DE\"");
  Apply(Created("c1", "CN"));
  clock_.Advance(absl::Hours(1));
  Apply(Created("c1", "DE", cp::ChangeEvent::CUSTOMER_UPDATED));
  // A failed unit of work leaves no event.
  unit_of_work_.FailNextCommit(absl::UnavailableError("db down"));
  EXPECT_FALSE(unit_of_work_
                   .Run(context_,
                        [&](Transaction& tx) {
                          return applier_.Apply(
                              tx, Created("c1", "CN",
                                          cp::ChangeEvent::CUSTOMER_UPDATED));
                        })
                   .ok());

  std::vector<std::string> got;
  for (const crm::common::FeedEventRecord& record : feed_.events()) {
    v1::ChangeEvent event;
    ASSERT_TRUE(event.ParseFromString(record.payload));
    EXPECT_EQ(record.key, "c1");
    EXPECT_EQ(event.customer(), "customers/c1");
    switch (record.type) {
      case v1::ChangeEvent::SEGMENT_ENTERED:
      case v1::ChangeEvent::SEGMENT_LEFT:
        got.push_back(absl::StrCat(
            v1::ChangeEvent::Type_Name(record.type), " ",
            event.membership_change().segment(), " ",
            absl::FormatTime(crm::common::FromProtoTimestamp(
                                 event.membership_change().change_time()),
                             absl::UTCTimeZone())));
        break;
      case v1::ChangeEvent::LIFECYCLE_STAGE_CHANGED:
        got.push_back(
            absl::StrCat("STAGE ", event.lifecycle_stage_change().old_stage(),
                         "->", event.lifecycle_stage_change().new_stage()));
        break;
      default:
        got.push_back(v1::ChangeEvent::Type_Name(record.type));
    }
  }
  const std::string t0 = absl::FormatTime(kStart, absl::UTCTimeZone());
  const std::string t1 =
      absl::FormatTime(kStart + absl::Hours(1), absl::UTCTimeZone());
  // Memberships first, then the score's classes (appended last).
  EXPECT_THAT(
      got, ElementsAre(absl::StrCat("SEGMENT_ENTERED segments/", cn, " ", t0),
                       "STAGE 0->1",
                       absl::StrCat("SEGMENT_LEFT segments/", cn, " ", t1),
                       absl::StrCat("SEGMENT_ENTERED segments/", de, " ", t1)));
}

TEST_F(MembershipManagerTest, OrdersMoveCustomersIntoAggregateSegments) {
  const std::string buyers = CreateSegment("Repeat", "order_count >= 2");
  Apply(Created("c1", "CN"));
  Apply(Ordered("c1", "o1", kStart, 100));
  EXPECT_THAT(Members(buyers), IsEmpty());
  Apply(Ordered("c1", "o2", kStart + absl::Hours(30), 100));
  EXPECT_THAT(Members(buyers), ElementsAre("customers/c1"));
}

TEST_F(MembershipManagerTest, ANewSegmentIsEvaluatedOverTheReadModel) {
  Apply(Created("a", "CN"));
  Apply(Created("b", "DE"));
  Apply(Created("c", "CN"));
  const std::string cn = CreateSegment("China", "country = \"CN\"");
  EXPECT_THAT(Members(cn), ElementsAre("customers/a", "customers/c"));
  EXPECT_THAT(History("a"),
              ElementsAre(Pair(cn, MembershipChangeKind::kEntered)));
}

TEST_F(MembershipManagerTest, AnUpdatedRuleMovesOnlyTheChangedMembers) {
  Apply(Created("a", "CN"));
  Apply(Created("b", "DE"));
  Apply(Created("c", "CN"));
  const std::string seg = CreateSegment("Region", "country = \"CN\"");
  clock_.Advance(absl::Hours(2));
  v1::UpdateSegmentRequest request;
  request.mutable_segment()->set_name("segments/" + seg);
  request.mutable_segment()->set_rule("country = \"CN\" OR country = \"DE\"");
  ASSERT_THAT(segment_manager_.UpdateSegment(context_, request), IsOk());
  EXPECT_THAT(Members(seg),
              ElementsAre("customers/a", "customers/b", "customers/c"));
  // The members that stay keep their enter time and history.
  EXPECT_THAT(History("a"),
              ElementsAre(Pair(seg, MembershipChangeKind::kEntered)));
  EXPECT_THAT(History("b"),
              ElementsAre(Pair(seg, MembershipChangeKind::kEntered)));
  EXPECT_EQ(membership_repository_.changes().back().time,
            kStart + absl::Hours(2));

  request.mutable_segment()->set_rule("country = \"DE\"");
  ASSERT_THAT(segment_manager_.UpdateSegment(context_, request), IsOk());
  EXPECT_THAT(Members(seg), ElementsAre("customers/b"));
  EXPECT_THAT(History("c"),
              ElementsAre(Pair(seg, MembershipChangeKind::kEntered),
                          Pair(seg, MembershipChangeKind::kLeft)));

  // A customer's later event is evaluated against the new rule.
  Apply(Created("d", "DE"));
  EXPECT_THAT(Members(seg), ElementsAre("customers/b", "customers/d"));
}

TEST_F(MembershipManagerTest, ADeletedSegmentTakesItsMembershipsAlong) {
  Apply(Created("a", "CN"));
  const std::string gone = CreateSegment("China", "country = \"CN\"");
  const std::string kept = CreateSegment("Everyone CN", "country = \"CN\"");
  v1::DeleteSegmentRequest request;
  request.set_name("segments/" + gone);
  ASSERT_THAT(segment_manager_.DeleteSegment(context_, request), IsOk());
  EXPECT_THAT(History("a"),
              ElementsAre(Pair(kept, MembershipChangeKind::kEntered)));
  v1::ListCustomerSegmentsRequest list;
  list.set_parent("customers/a");
  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomerSegmentsResponse segments,
                           memberships_.ListCustomerSegments(context_, list));
  ASSERT_EQ(segments.segment_members_size(), 1);
  EXPECT_EQ(segments.segment_members(0).segment(), "segments/" + kept);
  // Later events do not bring the deleted segment back.
  Apply(Created("a", "CN", cp::ChangeEvent::CUSTOMER_UPDATED));
  EXPECT_EQ(membership_repository_.membership_count(), 1u);
}

TEST_F(MembershipManagerTest, MembersArePaged) {
  const std::string cn = CreateSegment("China", "country = \"CN\"");
  for (const char* id : {"a", "b", "c"}) Apply(Created(id, "CN"));
  v1::ListSegmentMembersRequest request;
  request.set_parent("segments/" + cn);
  request.set_page_size(2);
  absl::StatusOr<v1::ListSegmentMembersResponse> first =
      memberships_.ListSegmentMembers(context_, request);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->segment_members_size(), 2);
  EXPECT_EQ(first->segment_members(0).name(),
            absl::StrCat("segments/", cn, "/members/a"));
  EXPECT_EQ(first->segment_members(0).segment_display_name(), "China");
  EXPECT_EQ(first->segment_members(0).enter_time().seconds(),
            absl::ToUnixSeconds(kStart));
  ASSERT_FALSE(first->next_page_token().empty());
  request.set_page_token(first->next_page_token());
  absl::StatusOr<v1::ListSegmentMembersResponse> second =
      memberships_.ListSegmentMembers(context_, request);
  ASSERT_THAT(second, IsOk());
  ASSERT_EQ(second->segment_members_size(), 1);
  EXPECT_EQ(second->segment_members(0).customer(), "customers/c");
  EXPECT_TRUE(second->next_page_token().empty());

  // A token of another segment's list is refused.
  const std::string other = CreateSegment("Other", "country = \"DE\"");
  request.set_parent("segments/" + other);
  request.set_page_token(first->next_page_token());
  EXPECT_THAT(memberships_.ListSegmentMembers(context_, request),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(MembershipManagerTest, MemberListsNameTheirErrors) {
  v1::ListSegmentMembersRequest request;
  request.set_parent("customers/x");
  absl::Status bad =
      memberships_.ListSegmentMembers(context_, request).status();
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ErrorMetadataOf(bad)["field"], "parent");
  request.set_parent("segments/missing");
  absl::Status missing =
      memberships_.ListSegmentMembers(context_, request).status();
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(ReasonOf(missing), crm::type::v1::RESOURCE_NOT_FOUND);
  request.set_parent("");
  EXPECT_THAT(memberships_.ListSegmentMembers(context_, request),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(MembershipManagerTest, CustomerSegmentsComeWithTheScore) {
  const std::string cn = CreateSegment("China", "country = \"CN\"");
  const std::string prospects =
      CreateSegment("Prospects", "lifecycle = PROSPECT");
  CreateSegment("Germany", "country = \"DE\"");
  Apply(Created("c1", "CN"));
  v1::ListCustomerSegmentsRequest request;
  request.set_parent("customers/c1");
  absl::StatusOr<v1::ListCustomerSegmentsResponse> response =
      memberships_.ListCustomerSegments(context_, request);
  ASSERT_THAT(response, IsOk());
  std::vector<std::string> segments;
  for (const v1::SegmentMember& member : response->segment_members()) {
    segments.push_back(member.segment());
  }
  std::vector<std::string> expected = {"segments/" + cn,
                                       "segments/" + prospects};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(segments, expected);
  EXPECT_EQ(response->customer_score().name(), "customers/c1/score");
  EXPECT_EQ(response->customer_score().lifecycle_stage(),
            v1::CustomerScore::PROSPECT);

  request.set_parent("customers/unknown");
  response = memberships_.ListCustomerSegments(context_, request);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->segment_members_size(), 0);
  EXPECT_FALSE(response->has_customer_score());
}

TEST_F(MembershipManagerTest, PreviewCountsAndSamplesWithoutWriting) {
  for (const char* id : {"a", "b", "c", "d"}) Apply(Created(id, "CN"));
  Apply(Created("e", "DE"));
  const size_t changes = membership_repository_.changes().size();
  v1::PreviewSegmentRequest request;
  request.set_rule(" country = \"CN\" ");
  request.set_sample_size(2);
  absl::StatusOr<v1::PreviewSegmentResponse> preview =
      memberships_.PreviewSegment(context_, request);
  ASSERT_THAT(preview, IsOk());
  EXPECT_EQ(preview->member_count(), 4);
  EXPECT_EQ(preview->customer_count(), 5);
  EXPECT_THAT(preview->sample(), ElementsAre("customers/a", "customers/b"));
  EXPECT_EQ(membership_repository_.changes().size(), changes);
  EXPECT_TRUE(segments_.segments().empty());
}

TEST_F(MembershipManagerTest, PreviewErrorsNameTheRuleAndThePosition) {
  v1::PreviewSegmentRequest request;
  request.set_rule("country = \"CN\" AND nonsense > 3");
  absl::Status unknown =
      memberships_.PreviewSegment(context_, request).status();
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(unknown), crm::type::v1::FILTER_INVALID);
  EXPECT_EQ(ErrorMetadataOf(unknown)["field"], "rule");
  EXPECT_EQ(ErrorMetadataOf(unknown)["position"], "20");

  request.set_rule("   ");
  absl::Status blank = memberships_.PreviewSegment(context_, request).status();
  EXPECT_EQ(ReasonOf(blank), crm::type::v1::FIELD_REQUIRED);
  request.set_rule("country = \"CN\"");
  request.set_sample_size(-1);
  absl::Status negative =
      memberships_.PreviewSegment(context_, request).status();
  EXPECT_EQ(ErrorMetadataOf(negative)["field"], "sample_size");
}

TEST_F(MembershipManagerTest, MergeFoldsTheDuplicateIntoTheSurvivor) {
  const std::string repeat = CreateSegment("Repeat", "order_count >= 2");
  const std::string cn = CreateSegment("China", "country = \"CN\"");
  Apply(Created("survivor", "CN"));
  Apply(Created("duplicate", "CN"));
  Apply(Ordered("survivor", "s1", kStart, 100));
  Apply(Ordered("duplicate", "d1", kStart + absl::Hours(48), 300));
  EXPECT_THAT(Members(repeat), IsEmpty());

  clock_.Advance(absl::Hours(72));
  Apply(Merged("survivor", "duplicate"));
  EXPECT_THAT(Members(repeat), ElementsAre("customers/survivor"));
  EXPECT_THAT(Members(cn), ElementsAre("customers/survivor"));
  EXPECT_THAT(History("duplicate"),
              ElementsAre(Pair(cn, MembershipChangeKind::kEntered),
                          Pair(cn, MembershipChangeKind::kLeft)));
  EXPECT_EQ(membership_repository_.changes().back().customer_id, "survivor");
  bool merged_reason = false;
  for (const MembershipChangeRecord& change :
       membership_repository_.changes()) {
    if (change.customer_id == "duplicate" &&
        change.kind == MembershipChangeKind::kLeft) {
      merged_reason = change.reason == MembershipChangeReason::kMerged;
    }
  }
  EXPECT_TRUE(merged_reason);

  // A late order of the duplicate counts for the survivor; a late facts
  // event of the duplicate changes nothing.
  Apply(Ordered("duplicate", "d2", kStart + absl::Hours(70), 50));
  Apply(Created("duplicate", "DE", cp::ChangeEvent::CUSTOMER_UPDATED));
  absl::StatusOr<v1::CustomerSegmentationData> data =
      exporter_.ExportCustomerSegmentationData(context_, [] {
        v1::ExportCustomerSegmentationDataRequest request;
        request.set_name("customers/survivor");
        return request;
      }());
  ASSERT_THAT(data, IsOk());
  EXPECT_EQ(data->aggregate().order_count(), 3);
  ASSERT_EQ(data->aggregate().net_spend_size(), 1);
  EXPECT_EQ(data->aggregate().net_spend(0).amount_minor(), 450);
  EXPECT_THAT(data->merged_customers(), ElementsAre("customers/duplicate"));
  EXPECT_EQ(data->facts().country_code(), "CN");
  EXPECT_EQ(data->orders_size(), 3);
  EXPECT_EQ(data->memberships_size(), 2);
  // The survivor's history and the duplicate's, in time order.
  EXPECT_GE(data->membership_changes_size(), 4);

  // Applying the same merge again (a repeated event) changes nothing.
  const size_t changes = membership_repository_.changes().size();
  Apply(Merged("survivor", "duplicate"));
  EXPECT_EQ(membership_repository_.changes().size(), changes);
  EXPECT_THAT(Members(repeat), ElementsAre("customers/survivor"));
}

TEST_F(MembershipManagerTest, ErasureForgetsTheCustomerAndTheirDuplicates) {
  const std::string cn = CreateSegment("China", "country = \"CN\"");
  Apply(Created("keep", "CN"));
  Apply(Created("survivor", "CN"));
  Apply(Created("duplicate", "CN"));
  Apply(Ordered("duplicate", "d1", kStart, 300));
  Apply(Merged("survivor", "duplicate"));
  Apply(Erased("survivor"));

  EXPECT_THAT(Members(cn), ElementsAre("customers/keep"));
  EXPECT_THAT(History("survivor"), IsEmpty());
  EXPECT_THAT(History("duplicate"), IsEmpty());
  EXPECT_EQ(membership_repository_.membership_count(), 1);
  // Only "keep" remains: its facts, its score and its first transition.
  EXPECT_EQ(read_model_.row_count(), 1);
  EXPECT_EQ(scores_.row_count(), 2);
  v1::ExportCustomerSegmentationDataRequest request;
  request.set_name("customers/survivor");
  absl::StatusOr<v1::CustomerSegmentationData> data =
      exporter_.ExportCustomerSegmentationData(context_, request);
  ASSERT_THAT(data, IsOk());
  v1::CustomerSegmentationData empty;
  empty.set_customer("customers/survivor");
  EXPECT_EQ(data->SerializeAsString(), empty.SerializeAsString());

  // Erasing a merged-away id erases its survivor, as customer-profile does.
  Apply(Created("s2", "CN"));
  Apply(Created("d2", "CN"));
  Apply(Merged("s2", "d2"));
  Apply(Erased("d2"));
  EXPECT_THAT(Members(cn), ElementsAre("customers/keep"));
  EXPECT_EQ(read_model_.row_count(), 1);
  EXPECT_EQ(scores_.row_count(), 2);
}

TEST_F(MembershipManagerTest, ARecomputeMovesTimeDependentMemberships) {
  const std::string fresh = CreateSegment("New buyers", "lifecycle = NEW");
  Apply(Created("c1", "CN"));
  Apply(Ordered("c1", "o1", kStart, 100));
  EXPECT_THAT(Members(fresh), ElementsAre("customers/c1"));
  // A year without orders: the stage moves only when scored again.
  clock_.Advance(absl::Hours(24 * 365));
  EXPECT_THAT(Members(fresh), ElementsAre("customers/c1"));
  ASSERT_THAT(scoring_.RecomputeScores(context_, v1::RecomputeScoresRequest()),
              IsOk());
  EXPECT_THAT(Members(fresh), IsEmpty());
  EXPECT_EQ(membership_repository_.changes().back().time,
            kStart + absl::Hours(24 * 365));
}

TEST(MembershipDeltaTest, EnteredAndLeftAreTheSetDifferences) {
  MembershipDelta delta =
      DiffMemberships({"a", "b", "d"}, {"b", "c", "d", "e"});
  EXPECT_THAT(delta.entered, ElementsAre("c", "e"));
  EXPECT_THAT(delta.left, ElementsAre("a"));
  delta = DiffMemberships({"a"}, {"a"});
  EXPECT_THAT(delta.entered, IsEmpty());
  EXPECT_THAT(delta.left, IsEmpty());
}

TEST_F(MembershipManagerTest, AFailedEventLeavesNoMembershipBehind) {
  const std::string cn = CreateSegment("China", "country = \"CN\"");
  unit_of_work_.FailNextCommit(absl::UnavailableError("connection lost"));
  EXPECT_FALSE(unit_of_work_
                   .Run(context_,
                        [&](Transaction& tx) {
                          return applier_.Apply(tx, Created("c1", "CN"));
                        })
                   .ok());
  EXPECT_THAT(Members(cn), IsEmpty());
  EXPECT_THAT(History("c1"), IsEmpty());
}

TEST_F(MembershipManagerTest, SizeHistoryAndTransitionsOverTheFakes) {
  const std::string cn = CreateSegment("China", "country = \"CN\"");
  Apply(Created("c1", "CN"));
  clock_.Advance(absl::Hours(24));
  Apply(Created("c2", "CN"));
  clock_.Advance(absl::Hours(24));
  Apply(Created("c1", "DE", cp::ChangeEvent::CUSTOMER_UPDATED));
  v1::GetSegmentSizeHistoryRequest request;
  request.set_name("segments/" + cn + "/sizeHistory");
  request.set_days(4);
  absl::StatusOr<v1::SegmentSizeHistory> history =
      memberships_.GetSegmentSizeHistory(context_, request);
  ASSERT_THAT(history, IsOk());
  std::vector<int64_t> sizes;
  for (const auto& day : history->daily_sizes()) {
    sizes.push_back(day.member_count());
  }
  EXPECT_THAT(sizes, ElementsAre(0, 1, 2, 1));  // Dec 31 .. Jan 3.
  EXPECT_EQ(
      crm::common::FromProtoTimestamp(history->daily_sizes(3).day_start_time()),
      kStart + absl::Hours(48));
  request.set_name("segments/missing/sizeHistory");
  EXPECT_THAT(memberships_.GetSegmentSizeHistory(context_, request),
              StatusIs(absl::StatusCode::kNotFound));

  v1::ListLifecycleTransitionsRequest transitions;
  transitions.set_parent("customers/c1");
  transitions.set_page_size(1);
  absl::StatusOr<v1::ListLifecycleTransitionsResponse> page =
      scoring_.ListLifecycleTransitions(context_, transitions);
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->lifecycle_transitions_size(), 1);
  EXPECT_EQ(page->lifecycle_transitions(0).to_stage(),
            v1::CustomerScore::PROSPECT);
  EXPECT_TRUE(page->next_page_token().empty());
}

}  // namespace
}  // namespace crm::segmentation
