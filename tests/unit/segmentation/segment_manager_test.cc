// The segment manager over in-memory fakes (no database): what it stores,
// idempotency, the unique display name, not-found and validation reasons,
// and paging.
#include "services/segmentation/segment_manager.h"

#include <string>
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

  RequestContext context_;
  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"seg"};
  crm::testing::FakeUnitOfWork unit_of_work_{clock_};
  crm::testing::InMemorySegmentRepository segments_{&unit_of_work_};
  crm::testing::InMemoryIdempotencyRepository keys_{&unit_of_work_};
  SegmentManager manager_{unit_of_work_, segments_, keys_, clock_, ids_};
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

}  // namespace
}  // namespace crm::segmentation
