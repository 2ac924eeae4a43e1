// segmentation end to end below the binary: the gRPC adapter, the segment
// manager and the MySQL repositories in a MySQL unit of work on a fresh
// database, called through a gRPC stub over an in-process channel. Errors are
// checked by code and reason.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/clock.h"
#include "services/common/error_details.h"
#include "services/common/grpc_status.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/migrations.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/segmentation/customer_data_exporter.h"
#include "services/segmentation/membership_manager.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_membership_repository.h"
#include "services/segmentation/mysql_read_model_repository.h"
#include "services/segmentation/mysql_score_repository.h"
#include "services/segmentation/mysql_segment_repository.h"
#include "services/segmentation/scoring_manager.h"
#include "services/segmentation/segment_manager.h"
#include "services/segmentation/segmentation_service.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::segmentation {
namespace {

using ::crm::common::ErrorMetadataOf;
using ::crm::common::ReasonOf;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::google::protobuf::util::MessageDifferencer;
namespace reason = ::crm::type::v1;

// The reason and the field named by the error of `result`.
template <typename T>
std::pair<reason::ErrorReason, std::string> ReasonAndField(
    const absl::StatusOr<T>& result) {
  return {ReasonOf(result.status()), ErrorMetadataOf(result.status())["field"]};
}

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

class SegmentationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("segments"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_,
                             database_->NewMigratedPool(Migrations(), 8));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
    manager_ = std::make_unique<SegmentManager>(*unit_of_work_, segments_,
                                                idempotency_, clock_, ids_);
    scoring_ = std::make_unique<ScoringManager>(*unit_of_work_, read_model_,
                                                scores_, idempotency_, clock_,
                                                ids_, ScoringPolicy{});
    memberships_ = std::make_unique<MembershipManager>(
        *unit_of_work_, segments_, membership_repository_, read_model_, scores_,
        clock_, "CNY");
    exporter_ = std::make_unique<CustomerDataExporter>(
        *unit_of_work_, read_model_, scores_, membership_repository_, segments_,
        "CNY");
    service_ = std::make_unique<SegmentationServiceImpl>(
        *manager_, *scoring_, *memberships_, *exporter_);
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

  absl::StatusOr<v1::Segment> Create(const v1::CreateSegmentRequest& request) {
    grpc::ClientContext context;
    v1::Segment response;
    grpc::Status status = stub_->CreateSegment(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  }

  absl::StatusOr<v1::Segment> Get(const std::string& name) {
    grpc::ClientContext context;
    v1::GetSegmentRequest request;
    request.set_name(name);
    v1::Segment response;
    grpc::Status status = stub_->GetSegment(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  }

  absl::StatusOr<v1::ListSegmentsResponse> List(int page_size,
                                                const std::string& token) {
    grpc::ClientContext context;
    v1::ListSegmentsRequest request;
    request.set_page_size(page_size);
    request.set_page_token(token);
    v1::ListSegmentsResponse response;
    grpc::Status status = stub_->ListSegments(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  }

  int64_t CountSegments() {
    return crm::common::WithConnection<int64_t>(
               *pool_,
               [&](sql::Connection& connection) -> absl::StatusOr<int64_t> {
                 std::unique_ptr<sql::Statement> statement(
                     connection.createStatement());
                 std::unique_ptr<sql::ResultSet> rows(
                     statement->executeQuery("SELECT COUNT(*) FROM segments"));
                 if (!rows->next()) return absl::NotFoundError("no row");
                 return rows->getInt64(1);
               })
        .value_or(-1);
  }

  static v1::CreateSegmentRequest NewRequest(const std::string& display_name,
                                             const std::string& rule,
                                             const std::string& request_id) {
    v1::CreateSegmentRequest request;
    request.mutable_segment()->set_display_name(display_name);
    request.mutable_segment()->set_rule(rule);
    request.set_request_id(request_id);
    return request;
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"seg"};
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlSegmentRepository segments_;
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<SegmentManager> manager_;
  MySqlReadModelRepository read_model_;
  MySqlScoreRepository scores_;
  std::unique_ptr<ScoringManager> scoring_;
  MySqlMembershipRepository membership_repository_;
  std::unique_ptr<MembershipManager> memberships_;
  std::unique_ptr<CustomerDataExporter> exporter_;
  std::unique_ptr<SegmentationServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::SegmentationService::Stub> stub_;
};

TEST_F(SegmentationServiceTest, CreateAndGetRoundTrip) {
  v1::CreateSegmentRequest request =
      NewRequest(" 高价值  流失风险 ",
                 "rfm.monetary >= 4 AND lifecycle = \"AT_RISK\"", "s-1");
  request.mutable_segment()->set_description("需要挽回的高价值客户");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment created, Create(request));
  EXPECT_EQ(created.name(), "segments/seg0000000001");
  EXPECT_EQ(created.display_name(), "高价值 流失风险");
  EXPECT_EQ(created.description(), "需要挽回的高价值客户");
  EXPECT_EQ(created.rule(), "rfm.monetary >= 4 AND lifecycle = \"AT_RISK\"");
  EXPECT_EQ(crm::common::FromProtoTimestamp(created.create_time()), kStart);
  EXPECT_FALSE(created.etag().empty());

  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment fetched, Get(created.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(fetched, created))
      << fetched.DebugString();
}

TEST_F(SegmentationServiceTest, RejectsInvalidFieldsNamingThem) {
  struct Case {
    std::string field;
    reason::ErrorReason reason;
    v1::CreateSegmentRequest request;
  };
  std::vector<Case> cases = {
      {"segment.display_name", reason::FIELD_REQUIRED,
       NewRequest("", "country = \"CN\"", "")},
      {"segment.display_name", reason::FIELD_REQUIRED,
       NewRequest("   ", "country = \"CN\"", "")},
      {"segment.display_name", reason::FIELD_INVALID,
       NewRequest(std::string(201, 'd'), "country = \"CN\"", "")},
      {"segment.rule", reason::FIELD_REQUIRED, NewRequest("ok", "", "")},
      {"segment.rule", reason::FIELD_INVALID,
       NewRequest("ok", std::string(4001, 'r'), "")},
      {"segment.description", reason::FIELD_INVALID,
       NewRequest("ok", "country = \"CN\"", "")},
      {"request_id", reason::FIELD_INVALID,
       NewRequest("ok", "country = \"CN\"", std::string(65, 'q'))},
      {"segment.rule", reason::FILTER_INVALID, NewRequest("ok", "x = 1", "")},
  };
  cases[5].request.mutable_segment()->set_description(std::string(2001, 'd'));
  for (const Case& c : cases) {
    absl::StatusOr<v1::Segment> result = Create(c.request);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument))
        << c.field;
    EXPECT_EQ(ReasonAndField(result), std::make_pair(c.reason, c.field));
  }
  EXPECT_EQ(CountSegments(), 0);

  // The limits are in characters: 200 Han characters are 600 bytes.
  std::string two_hundred_han;
  for (int i = 0; i < 200; ++i) two_hundred_han += "段";
  EXPECT_THAT(Create(NewRequest(two_hundred_han, "country = \"CN\"", "")),
              IsOk());
}

TEST_F(SegmentationServiceTest, DisplayNameIsUnique) {
  ASSERT_THAT(Create(NewRequest("Champions", "rfm.recency >= 4", "")), IsOk());
  for (const char* display_name : {"Champions", "champions"}) {
    absl::StatusOr<v1::Segment> taken =
        Create(NewRequest(display_name, "rfm.frequency >= 4", ""));
    EXPECT_THAT(taken, StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_EQ(ReasonAndField(taken),
              std::make_pair(reason::RESOURCE_ALREADY_EXISTS,
                             std::string("segment.display_name")));
  }
  EXPECT_EQ(CountSegments(), 1);
}

TEST_F(SegmentationServiceTest, GetRejectsMalformedNamesAndReportsMissing) {
  for (const char* name : {"", "segment/x", "segments/", "segments/a/b"}) {
    absl::StatusOr<v1::Segment> result = Get(name);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument)) << name;
    EXPECT_EQ(ErrorMetadataOf(result.status())["field"], "name") << name;
  }
  absl::StatusOr<v1::Segment> missing = Get("segments/none");
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(ReasonOf(missing.status()), reason::RESOURCE_NOT_FOUND);
  EXPECT_EQ(ErrorMetadataOf(missing.status())["resource"], "segments/none");
}

TEST_F(SegmentationServiceTest, RepeatedRequestIdReturnsFirstResponse) {
  v1::CreateSegmentRequest request =
      NewRequest("VIP", "value_tier = \"HIGH\"", "k1");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment first, Create(request));
  clock_.Advance(absl::Seconds(1));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Segment second, Create(request));
  EXPECT_TRUE(MessageDifferencer::Equals(first, second));
  EXPECT_EQ(CountSegments(), 1);

  absl::StatusOr<v1::Segment> reused =
      Create(NewRequest("VIP 2", "value_tier = \"HIGH\"", "k1"));
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(reused.status()), reason::REQUEST_ID_REUSED);
  EXPECT_EQ(CountSegments(), 1);
}

TEST_F(SegmentationServiceTest, ListsNewestFirstAcrossPages) {
  std::vector<std::string> created_names;
  for (int i = 0; i < 8; ++i) {
    if (i % 3 == 0) clock_.Advance(absl::Microseconds(1));
    CRM_ASSERT_OK_AND_ASSIGN(
        v1::Segment s,
        Create(NewRequest(absl::StrCat("segment ", i), "country = \"CN\"",
                          absl::StrCat("create-", i))));
    created_names.push_back(s.name());
  }
  std::vector<std::string> listed;
  std::vector<int> page_sizes;
  std::string token;
  do {
    CRM_ASSERT_OK_AND_ASSIGN(v1::ListSegmentsResponse page, List(3, token));
    page_sizes.push_back(page.segments_size());
    for (const v1::Segment& s : page.segments()) listed.push_back(s.name());
    token = page.next_page_token();
    ASSERT_LE(page_sizes.size(), 4u) << "pagination does not end";
  } while (!token.empty());
  EXPECT_THAT(page_sizes, ::testing::ElementsAre(3, 3, 2));
  EXPECT_EQ(listed, std::vector<std::string>(created_names.rbegin(),
                                             created_names.rend()));
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(), 8u);

  EXPECT_THAT(List(-5, ""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(List(3, "garbage"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace crm::segmentation
