// customer-profile end to end below the binary: the real service class and
// MySQL repository on a fresh database, called through a gRPC stub over an
// in-process channel.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/grpc_status.h"
#include "services/common/id_generator.h"
#include "services/common/migrations.h"
#include "services/common/timestamps.h"
#include "services/common/transaction.h"
#include "services/customer_profile/customer_profile_service.h"
#include "services/customer_profile/migrations.h"
#include "services/customer_profile/mysql_customer_repository.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::customer_profile {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

class CustomerProfileServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("customers"));
    pool_ = database_->NewPool(8);
    ASSERT_THAT(crm::common::ApplyMigrations(
                    *pool_, {&crm::common::CommonMigrations(), &Migrations()}),
                IsOk());
    service_ = std::make_unique<CustomerProfileServiceImpl>(
        std::make_unique<MySqlCustomerRepository>(*pool_, clock_, ids_));
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::CustomerProfileService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  absl::StatusOr<v1::Customer> Create(
      const v1::CreateCustomerRequest& request) {
    grpc::ClientContext context;
    v1::Customer response;
    grpc::Status status = stub_->CreateCustomer(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  }

  absl::StatusOr<v1::Customer> Get(const std::string& name) {
    grpc::ClientContext context;
    v1::GetCustomerRequest request;
    request.set_name(name);
    v1::Customer response;
    grpc::Status status = stub_->GetCustomer(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  }

  absl::StatusOr<v1::ListCustomersResponse> List(int page_size,
                                                 const std::string& token) {
    grpc::ClientContext context;
    v1::ListCustomersRequest request;
    request.set_page_size(page_size);
    request.set_page_token(token);
    v1::ListCustomersResponse response;
    grpc::Status status = stub_->ListCustomers(&context, request, &response);
    if (!status.ok()) return crm::common::FromGrpcStatus(status);
    return response;
  }

  // The single integer a constant query returns.
  absl::StatusOr<int64_t> QueryInt(const std::string& query) {
    return crm::common::WithConnection<int64_t>(
        *pool_, [&](sql::Connection& connection) -> absl::StatusOr<int64_t> {
          std::unique_ptr<sql::Statement> statement(
              connection.createStatement());
          std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(query));
          if (!rows->next()) return absl::NotFoundError("no row");
          return rows->getInt64(1);
        });
  }

  int64_t CountCustomers() {
    return QueryInt("SELECT COUNT(*) FROM customers").value_or(-1);
  }

  static v1::CreateCustomerRequest NewRequest(const std::string& given,
                                              const std::string& family,
                                              const std::string& request_id) {
    v1::CreateCustomerRequest request;
    request.mutable_customer()->set_given_name(given);
    request.mutable_customer()->set_family_name(family);
    request.set_request_id(request_id);
    return request;
  }

  crm::common::FakeClock clock_{kStart};
  crm::common::SequentialIdGenerator ids_{"cust"};
  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<CustomerProfileServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::CustomerProfileService::Stub> stub_;
};

TEST_F(CustomerProfileServiceTest, CreateAndGetRoundTripAChineseName) {
  v1::CreateCustomerRequest request = NewRequest("小明", "王", "r-1");
  request.mutable_customer()->set_email("  Xiao.Ming@Example.COM ");
  request.mutable_customer()->set_phone("+86 138 0000 0000");
  request.mutable_customer()->set_locale("zh-CN");
  clock_.Set(kStart + absl::Microseconds(123456) + absl::Nanoseconds(789));

  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer created, Create(request));
  EXPECT_EQ(created.name(), "customers/cust0000000001");
  EXPECT_EQ(created.given_name(), "小明");
  EXPECT_EQ(created.family_name(), "王");
  EXPECT_EQ(created.display_name(), "王小明");
  EXPECT_EQ(created.email(), "xiao.ming@example.com");
  EXPECT_EQ(created.locale(), "zh-CN");
  EXPECT_EQ(created.state(), v1::Customer::ACTIVE);
  EXPECT_EQ(crm::common::FromProtoTimestamp(created.create_time()),
            kStart + absl::Microseconds(123456));
  EXPECT_EQ(created.update_time().seconds(), created.create_time().seconds());
  EXPECT_FALSE(created.etag().empty());

  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer fetched, Get(created.name()));
  EXPECT_TRUE(MessageDifferencer::Equals(fetched, created))
      << "fetched: " << fetched.DebugString()
      << "\ncreated: " << created.DebugString();
}

TEST_F(CustomerProfileServiceTest, DefaultsDisplayNameAndCollapsesWhitespace) {
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer latin,
                           Create(NewRequest("  Anna \t Maria ", "Smith", "")));
  EXPECT_EQ(latin.given_name(), "Anna Maria");
  EXPECT_EQ(latin.display_name(), "Smith Anna Maria");

  v1::CreateCustomerRequest explicit_name = NewRequest("A", "B", "");
  explicit_name.mutable_customer()->set_display_name("Boss");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer named, Create(explicit_name));
  EXPECT_EQ(named.display_name(), "Boss");
}

TEST_F(CustomerProfileServiceTest, LimitsCountCharactersNotBytes) {
  std::string hundred_han;
  for (int i = 0; i < 100; ++i) hundred_han += "龍";  // 3 bytes each.
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer created,
                           Create(NewRequest(hundred_han, hundred_han, "")));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer fetched, Get(created.name()));
  EXPECT_EQ(fetched.given_name(), hundred_han);
  // 200 characters of default display name still fit.
  EXPECT_EQ(fetched.display_name(), hundred_han + hundred_han);

  EXPECT_THAT(
      Create(NewRequest(hundred_han + "龍", "", "")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("given_name")));
  EXPECT_THAT(
      Create(NewRequest("", std::string(101, 'x'), "")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("family_name")));
}

TEST_F(CustomerProfileServiceTest, RejectsInvalidFieldsNamingThem) {
  for (const char* email : {"no-at-sign", "a@b", "two@@example.com",
                            "sp ace@example.com", "@example.com"}) {
    v1::CreateCustomerRequest request = NewRequest("A", "B", "");
    request.mutable_customer()->set_email(email);
    EXPECT_THAT(Create(request), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("customer.email")))
        << email;
  }
  v1::CreateCustomerRequest long_phone = NewRequest("A", "B", "");
  long_phone.mutable_customer()->set_phone(std::string(33, '1'));
  EXPECT_THAT(Create(long_phone), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("customer.phone")));
  v1::CreateCustomerRequest bad_locale = NewRequest("A", "B", "");
  bad_locale.mutable_customer()->set_locale("zh_CN!");
  EXPECT_THAT(Create(bad_locale), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("customer.locale")));
  EXPECT_THAT(
      Create(NewRequest("A", "B", std::string(65, 'r'))),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request_id")));

  // Invalid UTF-8 cannot cross the wire in a proto3 string; the service
  // rejects it from in-process callers too.
  EXPECT_THAT(service_->Create(NewRequest("bad \xC3\x28", "B", "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customer.given_name")));
  EXPECT_EQ(CountCustomers(), 0);
}

TEST_F(CustomerProfileServiceTest, GetRejectsMalformedNamesAndReportsMissing) {
  for (const char* name : {"", "customer/abc", "customers/", "customers/a/b",
                           "customers/a b", "abc"}) {
    EXPECT_THAT(Get(name),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")))
        << name;
  }
  EXPECT_THAT(Get("customers/nobody"), StatusIs(absl::StatusCode::kNotFound,
                                                HasSubstr("customers/nobody")));
}

TEST_F(CustomerProfileServiceTest, RepeatedRequestIdReturnsFirstResponse) {
  v1::CreateCustomerRequest request = NewRequest("Lei", "Li", "import-42");
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer first, Create(request));
  clock_.Advance(absl::Seconds(5));
  CRM_ASSERT_OK_AND_ASSIGN(v1::Customer second, Create(request));
  EXPECT_TRUE(MessageDifferencer::Equals(first, second))
      << second.DebugString();
  EXPECT_EQ(CountCustomers(), 1);

  v1::CreateCustomerRequest changed = NewRequest("Lei", "Wang", "import-42");
  EXPECT_THAT(Create(changed), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("request_id")));
  EXPECT_EQ(CountCustomers(), 1);

  // Without a request id every call creates.
  ASSERT_THAT(Create(NewRequest("Lei", "Li", "")), IsOk());
  ASSERT_THAT(Create(NewRequest("Lei", "Li", "")), IsOk());
  EXPECT_EQ(CountCustomers(), 3);
}

TEST_F(CustomerProfileServiceTest, ListsNewestFirstAcrossPages) {
  // Seven customers; some share a create time so the id breaks the tie.
  std::vector<std::string> created_names;
  for (int i = 0; i < 7; ++i) {
    if (i % 2 == 0) clock_.Advance(absl::Milliseconds(1));
    CRM_ASSERT_OK_AND_ASSIGN(v1::Customer c,
                             Create(NewRequest(absl::StrCat("n", i), "F", "")));
    created_names.push_back(c.name());
  }

  std::vector<std::string> listed;
  std::vector<int> page_sizes;
  std::string token;
  do {
    CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse page, List(3, token));
    page_sizes.push_back(page.customers_size());
    for (const v1::Customer& c : page.customers()) listed.push_back(c.name());
    token = page.next_page_token();
    ASSERT_LE(page_sizes.size(), 4u) << "pagination does not end";
  } while (!token.empty());

  EXPECT_THAT(page_sizes, ::testing::ElementsAre(3, 3, 1));
  // Newest first: the reverse of creation (ids grow within a timestamp).
  std::vector<std::string> expected(created_names.rbegin(),
                                    created_names.rend());
  EXPECT_EQ(listed, expected);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(), 7u);

  CRM_ASSERT_OK_AND_ASSIGN(v1::ListCustomersResponse all, List(0, ""));
  EXPECT_EQ(all.customers_size(), 7);
  EXPECT_TRUE(all.next_page_token().empty());
}

TEST_F(CustomerProfileServiceTest, ListRejectsBadPaging) {
  EXPECT_THAT(List(-1, ""), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("page_size")));
  EXPECT_THAT(
      List(10, "not-a-token"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

}  // namespace
}  // namespace crm::customer_profile
