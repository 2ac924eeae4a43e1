// The segment manager over in-memory fakes (no database): what it stores,
// idempotency, the unique display name, not-found and validation reasons,
// and paging.
#include "services/segmentation/segment_manager.h"

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/etag.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/timestamps.h"
#include "tests/testing/fakes/fake_unit_of_work.h"
#include "tests/testing/fakes/in_memory_idempotency_repository.h"
#include "tests/testing/fakes/segmentation/in_memory_segment_repository.h"
#include "tests/testing/status_matchers.h"

namespace crm::segmentation {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::common::RequestContext;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
namespace reason = ::crm::type::v1;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

class SegmentManagerTest : public ::testing::Test {
 protected:
  static v1::CreateSegmentRequest NewRequest(const std::string& display_name,
                                             const std::string& request_id) {
    v1::CreateSegmentRequest request;
    request.mutable_segment()->set_display_name(display_name);
    request.mutable_segment()->set_description(" 需要挽回 ");
    request.mutable_segment()->set_rule(" rfm.monetary >= 4 ");
    request.set_request_id(request_id);
    return request;
  }

  absl::StatusOr<v1::Segment> Create(const v1::CreateSegmentRequest& r) {
    return manager_.CreateSegment(context_, r);
  }

  absl::StatusOr<v1::Segment> Get(const std::string& name) {
    v1::GetSegmentRequest request;
    request.set_name(name);
    return manager_.GetSegment(context_, request);
  }

  absl::StatusOr<v1::ListSegmentsResponse> List(int page_size,
                                                const std::string& token) {
    v1::ListSegmentsRequest request;
    request.set_page_size(page_size);
    request.set_page_token(token);
    return manager_.ListSegments(context_, request);
  }

  absl::StatusOr<v1::Segment> Update(const v1::UpdateSegmentRequest& r) {
    return manager_.UpdateSegment(context_, r);
  }

  absl::StatusOr<google::protobuf::Empty> Delete(const std::string& name,
                                                 const std::string& etag,
                                                 const std::string& id) {
    v1::DeleteSegmentRequest request;
    request.set_name(name);
    request.set_etag(etag);
    request.set_request_id(id);
    return manager_.DeleteSegment(context_, request);
  }

  static v1::UpdateSegmentRequest UpdateRequest(
      const v1::Segment& segment, std::initializer_list<const char*> paths,
      const std::string& request_id) {
    v1::UpdateSegmentRequest request;
    *request.mutable_segment() = segment;
    for (const char* path : paths)
      request.mutable_update_mask()->add_paths(path);
    request.set_request_id(request_id);
    return request;
  }

  // The hooks' calls, as "<hook> <segment id>".
  std::vector<std::string> hook_calls_;
  SegmentHooks Hooks() {
    SegmentHooks hooks;
    hooks.created = [this](crm::common::Transaction&,
                           const SegmentRecord& segment) {
      hook_calls_.push_back("created " + segment.id);
      return absl::OkStatus();
    };
    hooks.rule_changed = [this](crm::common::Transaction&,
                                const SegmentRecord& segment) {
      hook_calls_.push_back("rule_changed " + segment.id);
      return absl::OkStatus();
    };
    hooks.deleted = [this](crm::common::Transaction&,
                           absl::string_view segment_id) {
      hook_calls_.push_back(absl::StrCat("deleted ", segment_id));
      return absl::OkStatus();
    };
    return hooks;
  }

  RequestContext context_;
  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"seg"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemorySegmentRepository segments_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  SegmentManager manager_{unit_of_work_, segments_, keys_,
                          clock_,        ids_,      Hooks()};
};

TEST_F(SegmentManagerTest, StoresTheNormalisedSegmentUnderANewName) {
  v1::CreateSegmentRequest request = NewRequest("  At   risk ", "s-1");
  request.mutable_segment()->set_name("segments/forged");
  request.mutable_segment()->set_etag("forged");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment created, Create(request));
  EXPECT_EQ(created.name(), "segments/seg0000000001");
  EXPECT_EQ(created.display_name(), "At risk");
  EXPECT_EQ(created.description(), "需要挽回");
  EXPECT_EQ(created.rule(), "rfm.monetary >= 4");
  EXPECT_EQ(crm::common::FromProtoTimestamp(created.create_time()), kStart);
  EXPECT_EQ(crm::common::FromProtoTimestamp(created.update_time()), kStart);
  EXPECT_EQ(created.etag(), crm::common::EncodeEtag(1));

  ASSERT_EQ(segments_.segments().size(), 1u);
  EXPECT_EQ(segments_.segments()[0].id, "seg0000000001");
  EXPECT_EQ(segments_.segments()[0].version, 1);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment fetched, Get(created.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(fetched, created))
      << fetched.DebugString();
}

TEST_F(SegmentManagerTest, DisplayNameIsUniqueIgnoringCase) {
  ASSERT_THAT(Create(NewRequest("Champions", "")), IsOk());
  absl::StatusOr<v1::Segment> taken = Create(NewRequest("champions", "k"));
  EXPECT_THAT(taken, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(ReasonOf(taken.status()), reason::RESOURCE_ALREADY_EXISTS);
  EXPECT_EQ(ErrorMetadataOf(taken.status())["field"], "segment.display_name");
  EXPECT_EQ(segments_.segments().size(), 1u);
  // The refused request stored no response: its id is free for a new try.
  EXPECT_EQ(keys_.size(), 0u);
  EXPECT_THAT(Create(NewRequest("Champions 2", "k")), IsOk());
}

TEST_F(SegmentManagerTest, RepeatedRequestIdReturnsTheFirstResponse) {
  const v1::CreateSegmentRequest request = NewRequest("VIP", "k1");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment first, Create(request));
  clock_.Advance(absl::Seconds(1));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment second, Create(request));
  EXPECT_TRUE(MessageDifferencer::Equals(first, second));
  EXPECT_EQ(segments_.segments().size(), 1u);

  absl::StatusOr<v1::Segment> reused = Create(NewRequest("VIP 2", "k1"));
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(reused.status()), reason::REQUEST_ID_REUSED);
  EXPECT_EQ(segments_.segments().size(), 1u);
}

TEST_F(SegmentManagerTest, ReportsMissingAndMalformedNames) {
  absl::StatusOr<v1::Segment> missing = Get("segments/none");
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(ReasonOf(missing.status()), reason::RESOURCE_NOT_FOUND);
  EXPECT_EQ(ErrorMetadataOf(missing.status())["resource"], "segments/none");

  for (const char* name : {"", "segment/x", "segments/", "segments/a/b"}) {
    absl::StatusOr<v1::Segment> malformed = Get(name);
    EXPECT_THAT(malformed, StatusIs(absl::StatusCode::kInvalidArgument))
        << name;
    EXPECT_EQ(ErrorMetadataOf(malformed.status())["field"], "name") << name;
  }
}

TEST_F(SegmentManagerTest, InvalidRequestsNameTheFieldAndStoreNothing) {
  absl::StatusOr<v1::Segment> no_name = Create(NewRequest(" ", "r"));
  EXPECT_THAT(no_name, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(no_name.status()), reason::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(no_name.status())["field"], "segment.display_name");

  v1::CreateSegmentRequest no_rule = NewRequest("ok", "r");
  no_rule.mutable_segment()->set_rule("");
  absl::StatusOr<v1::Segment> missing_rule = Create(no_rule);
  EXPECT_EQ(ReasonOf(missing_rule.status()), reason::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(missing_rule.status())["field"], "segment.rule");

  absl::StatusOr<v1::Segment> long_id =
      Create(NewRequest("ok", std::string(65, 'q')));
  EXPECT_EQ(ReasonOf(long_id.status()), reason::FIELD_INVALID);
  EXPECT_EQ(ErrorMetadataOf(long_id.status())["field"], "request_id");

  EXPECT_TRUE(segments_.segments().empty());
  EXPECT_EQ(unit_of_work_.runs(), 0);
}

TEST_F(SegmentManagerTest, RequiredFieldsComeFromTheAnnotations) {
  absl::StatusOr<v1::Segment> no_segment = Create(v1::CreateSegmentRequest());
  EXPECT_THAT(no_segment, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(no_segment.status()), reason::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(no_segment.status())["field"], "segment");

  absl::StatusOr<v1::Segment> no_name = Get("");
  EXPECT_EQ(ReasonOf(no_name.status()), reason::FIELD_REQUIRED);
  EXPECT_EQ(ErrorMetadataOf(no_name.status())["field"], "name");
  EXPECT_TRUE(segments_.segments().empty());
  EXPECT_EQ(unit_of_work_.runs(), 0);
}

TEST_F(SegmentManagerTest, OutputOnlyValuesAreIgnoredAlsoOnARetry) {
  v1::CreateSegmentRequest request = NewRequest("VIP", "k1");
  request.mutable_segment()->mutable_create_time()->set_seconds(1);
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment first, Create(request));
  EXPECT_EQ(crm::common::FromProtoTimestamp(first.create_time()), kStart);
  // A retry differing only in an ignored value is the same request.
  request.mutable_segment()->mutable_update_time()->set_seconds(2);
  request.mutable_segment()->set_etag("forged");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment second, Create(request));
  EXPECT_TRUE(MessageDifferencer::Equals(first, second));
  EXPECT_EQ(segments_.segments().size(), 1u);
}

TEST_F(SegmentManagerTest, ListsNewestFirstAcrossPages) {
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) {
    if (i % 2 == 0) clock_.Advance(absl::Microseconds(1));
    CRM_ASSERT_OK_AND_ASSIGN(
        v1::Segment s, Create(NewRequest(absl::StrCat("segment ", i), "")));
    created.insert(created.begin(), s.name());
  }
  std::vector<std::string> listed;
  std::vector<int> sizes;
  std::string token;
  do {
    CRM_ASSERT_OK_AND_ASSIGN(v1::ListSegmentsResponse page, List(2, token));
    sizes.push_back(page.segments_size());
    for (const v1::Segment& s : page.segments()) listed.push_back(s.name());
    token = page.next_page_token();
  } while (!token.empty() && sizes.size() < 10);
  EXPECT_THAT(sizes, ElementsAre(2, 2, 1));
  EXPECT_EQ(listed, created);

  EXPECT_THAT(List(-1, ""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(List(2, "garbage"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SegmentManagerTest, UpdateReplacesTheMaskedFieldsWithANewEtag) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment created, Create(NewRequest("VIP", "")));
  clock_.Advance(absl::Seconds(5));
  v1::Segment change;
  change.set_name(created.name());
  change.set_etag(created.etag());
  change.set_display_name("  Very   important ");
  change.set_rule("country = \"DE\"");  // Not in the mask: ignored.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment updated,
                           Update(UpdateRequest(change, {"display_name"}, "")));
  EXPECT_EQ(updated.display_name(), "Very important");
  EXPECT_EQ(updated.rule(), created.rule());
  EXPECT_EQ(updated.description(), created.description());
  EXPECT_EQ(crm::common::FromProtoTimestamp(updated.create_time()), kStart);
  EXPECT_EQ(crm::common::FromProtoTimestamp(updated.update_time()),
            kStart + absl::Seconds(5));
  EXPECT_EQ(updated.etag(), crm::common::EncodeEtag(2));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment fetched, Get(created.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(fetched, updated));
  // The rule did not change: memberships were not re-evaluated.
  EXPECT_THAT(hook_calls_, ElementsAre("created seg0000000001"));

  // No mask: the fields set are replaced; a new rule re-evaluates.
  change.clear_etag();
  change.clear_display_name();
  CRM_ASSERT_OK_AND_ASSIGN(updated, Update(UpdateRequest(change, {}, "")));
  EXPECT_EQ(updated.display_name(), "Very important");
  EXPECT_EQ(updated.rule(), "country = \"DE\"");
  EXPECT_EQ(updated.etag(), crm::common::EncodeEtag(3));
  EXPECT_THAT(hook_calls_, ElementsAre("created seg0000000001",
                                       "rule_changed seg0000000001"));

  // "*" replaces every field: an empty description clears it.
  change.set_display_name("VIP");
  CRM_ASSERT_OK_AND_ASSIGN(updated, Update(UpdateRequest(change, {"*"}, "")));
  EXPECT_EQ(updated.description(), "");
  EXPECT_EQ(hook_calls_.size(), 2u);

  // A mask naming only ignored fields changes nothing.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment same,
                           Update(UpdateRequest(change, {"etag"}, "")));
  EXPECT_TRUE(MessageDifferencer::Equals(same, updated));
}

TEST_F(SegmentManagerTest, UpdateChecksTheEtag) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment created, Create(NewRequest("VIP", "")));
  v1::Segment change = created;
  change.set_display_name("VIP 2");
  ASSERT_THAT(Update(UpdateRequest(change, {"display_name"}, "")), IsOk());
  // `change` still carries the first etag.
  change.set_display_name("VIP 3");
  absl::StatusOr<v1::Segment> stale =
      Update(UpdateRequest(change, {"display_name"}, ""));
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(ReasonOf(stale.status()), reason::ETAG_MISMATCH);
  EXPECT_EQ(ErrorMetadataOf(stale.status())["resource"], created.name());
  EXPECT_EQ(Get(created.name())->display_name(), "VIP 2");

  change.set_etag("garbage");
  absl::StatusOr<v1::Segment> malformed =
      Update(UpdateRequest(change, {"display_name"}, ""));
  EXPECT_THAT(malformed, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ErrorMetadataOf(malformed.status())["field"], "segment.etag");
}

TEST_F(SegmentManagerTest, UpdateErrorsNameTheFieldAndChangeNothing) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment created, Create(NewRequest("VIP", "")));
  ASSERT_THAT(Create(NewRequest("Champions", "")), IsOk());
  const int runs = unit_of_work_.runs();
  auto field_of = [](const absl::StatusOr<v1::Segment>& result) {
    return std::make_pair(ReasonOf(result.status()),
                          ErrorMetadataOf(result.status())["field"]);
  };
  v1::Segment change;
  change.set_display_name("x");
  EXPECT_EQ(
      field_of(Update(UpdateRequest(change, {}, ""))),
      std::make_pair(reason::FIELD_REQUIRED, std::string("segment.name")));
  change.set_name("segment/x");
  EXPECT_EQ(field_of(Update(UpdateRequest(change, {}, ""))),
            std::make_pair(reason::FIELD_INVALID, std::string("segment.name")));
  change.set_name(created.name());
  EXPECT_EQ(field_of(Update(
                UpdateRequest(change, {"create_time.seconds", "id"}, ""))),
            std::make_pair(reason::FIELD_INVALID, std::string("update_mask")));
  // "*" enforces the REQUIRED fields.
  EXPECT_EQ(
      field_of(Update(UpdateRequest(change, {"*"}, ""))),
      std::make_pair(reason::FIELD_REQUIRED, std::string("segment.rule")));
  EXPECT_EQ(unit_of_work_.runs(), runs);

  // Checked against the stored segment.
  change.set_rule("rfm.monetary >= ");
  absl::StatusOr<v1::Segment> bad_rule =
      Update(UpdateRequest(change, {"rule"}, ""));
  EXPECT_THAT(bad_rule, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(field_of(bad_rule), std::make_pair(reason::FILTER_INVALID,
                                               std::string("segment.rule")));
  EXPECT_FALSE(ErrorMetadataOf(bad_rule.status())["position"].empty());
  change.set_display_name("CHAMPIONS");
  absl::StatusOr<v1::Segment> taken =
      Update(UpdateRequest(change, {"display_name"}, ""));
  EXPECT_THAT(taken, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(field_of(taken),
            std::make_pair(reason::RESOURCE_ALREADY_EXISTS,
                           std::string("segment.display_name")));
  change.set_name("segments/none");
  absl::StatusOr<v1::Segment> missing =
      Update(UpdateRequest(change, {"display_name"}, ""));
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(ErrorMetadataOf(missing.status())["resource"], "segments/none");

  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment after, Get(created.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(after, created));
  EXPECT_EQ(hook_calls_.size(), 2u);  // The two creates.
}

TEST_F(SegmentManagerTest, RepeatedUpdateRequestIdReturnsTheFirstResponse) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment created, Create(NewRequest("VIP", "")));
  v1::Segment change = created;
  change.set_rule("country = \"DE\"");
  const v1::UpdateSegmentRequest request =
      UpdateRequest(change, {"rule"}, "u1");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment first, Update(request));
  clock_.Advance(absl::Seconds(1));
  // The etag in the request is stale now, but the repeat is answered from
  // the first response without running again.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment second, Update(request));
  EXPECT_TRUE(MessageDifferencer::Equals(first, second));
  EXPECT_EQ(Get(created.name())->etag(), crm::common::EncodeEtag(2));
  EXPECT_EQ(hook_calls_.size(), 2u);

  change.set_rule("country = \"FR\"");
  absl::StatusOr<v1::Segment> reused =
      Update(UpdateRequest(change, {"rule"}, "u1"));
  EXPECT_EQ(ReasonOf(reused.status()), reason::REQUEST_ID_REUSED);
}

TEST_F(SegmentManagerTest, DeleteRemovesTheSegmentOnce) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment created, Create(NewRequest("VIP", "")));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment other,
                           Create(NewRequest("Champions", "")));
  absl::StatusOr<google::protobuf::Empty> stale =
      Delete(created.name(), crm::common::EncodeEtag(9), "");
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(ReasonOf(stale.status()), reason::ETAG_MISMATCH);
  EXPECT_EQ(ErrorMetadataOf(Delete("segment/x", "", "").status())["field"],
            "name");
  EXPECT_EQ(
      ErrorMetadataOf(Delete(created.name(), "garbage", "").status())["field"],
      "etag");
  EXPECT_EQ(segments_.segments().size(), 2u);

  ASSERT_THAT(Delete(created.name(), created.etag(), "d1"), IsOk());
  EXPECT_THAT(Get(created.name()), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Get(other.name()), IsOk());
  EXPECT_THAT(hook_calls_,
              ElementsAre("created seg0000000001", "created seg0000000002",
                          "deleted seg0000000001"));
  // The same request id answers as the first time; a new request finds
  // nothing.
  EXPECT_THAT(Delete(created.name(), created.etag(), "d1"), IsOk());
  absl::StatusOr<google::protobuf::Empty> again =
      Delete(created.name(), "", "d2");
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(ReasonOf(again.status()), reason::RESOURCE_NOT_FOUND);
  EXPECT_EQ(hook_calls_.size(), 3u);
  // The display name is free again.
  EXPECT_THAT(Create(NewRequest("VIP", "")), IsOk());
}

}  // namespace
}  // namespace crm::segmentation
