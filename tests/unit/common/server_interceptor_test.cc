#include "services/common/server_interceptor.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "echo_test_server.h"
#include "services/common/logging.h"
#include "tests/testing/wait.h"

namespace crm::common {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr char kEchoMethod[] = "/crm.testing.v1.EchoTestService/Echo";

std::string Header(const std::multimap<grpc::string_ref, grpc::string_ref>& md,
                   const std::string& key) {
  auto it = md.find(key);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// The response's x-request-id: initial metadata, or trailing metadata when
// the server answered trailers-only.
std::string ResponseRequestId(const grpc::ClientContext& context) {
  std::string id = Header(context.GetServerInitialMetadata(), kRequestIdHeader);
  if (id.empty())
    id = Header(context.GetServerTrailingMetadata(), kRequestIdHeader);
  return id;
}

std::vector<google::protobuf::Struct> ParseLines(const std::string& text) {
  std::vector<google::protobuf::Struct> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    google::protobuf::Struct parsed;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(std::string(line), &parsed)
            .ok())
        << line;
    out.push_back(std::move(parsed));
  }
  return out;
}

std::string Field(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "<absent>" : it->second.string_value();
}

class ServerInterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitLogging("crm-test", LogLevel::kInfo);
    SetLogSinkForTesting(&log_);
  }
  void TearDown() override { SetLogSinkForTesting(nullptr); }

  grpc::Status Call(grpc::ClientContext* context, int code = 0,
                    crm::testing::v1::EchoResponse* response = nullptr,
                    int sleep_ms = 0) {
    crm::testing::v1::EchoRequest request;
    request.set_message("hello");
    request.set_code(code);
    request.set_sleep_ms(sleep_ms);
    crm::testing::v1::EchoResponse ignored;
    if (context->deadline() == std::chrono::system_clock::time_point::max()) {
      context->set_deadline(std::chrono::system_clock::now() +
                            std::chrono::seconds(5));
    }
    return server_.stub().Echo(context, request,
                               response != nullptr ? response : &ignored);
  }

  std::ostringstream log_;
  Metrics metrics_;
  crm::testing::EchoTestServer server_{metrics_};
};

TEST_F(ServerInterceptorTest, EchoesGivenRequestId) {
  grpc::ClientContext context;
  context.AddMetadata("x-request-id", "caller-id-1");
  crm::testing::v1::EchoResponse response;
  ASSERT_TRUE(Call(&context, 0, &response).ok());
  EXPECT_EQ(Header(context.GetServerInitialMetadata(), "x-request-id"),
            "caller-id-1");
  EXPECT_EQ(response.request_id(), "caller-id-1");
  EXPECT_EQ(response.message(), "hello");
}

TEST_F(ServerInterceptorTest, GeneratesRequestIdWhenAbsent) {
  grpc::ClientContext context;
  crm::testing::v1::EchoResponse response;
  ASSERT_TRUE(Call(&context, 0, &response).ok());
  const std::string id =
      Header(context.GetServerInitialMetadata(), "x-request-id");
  EXPECT_THAT(id, MatchesRegex("[0-9a-f]{32}"));
  // The handler sees the same id through RequestTraceFrom().
  EXPECT_EQ(response.request_id(), id);
}

TEST_F(ServerInterceptorTest, ReplacesOverlongRequestId) {
  grpc::ClientContext context;
  context.AddMetadata("x-request-id", std::string(300, 'a'));
  crm::testing::v1::EchoResponse response;
  ASSERT_TRUE(Call(&context, 0, &response).ok());
  const std::string id =
      Header(context.GetServerInitialMetadata(), "x-request-id");
  EXPECT_THAT(id, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(response.request_id(), id);
}

TEST_F(ServerInterceptorTest, FailedCallStillCarriesRequestId) {
  grpc::ClientContext context;
  context.AddMetadata("x-request-id", "failing-call");
  grpc::Status status = Call(&context, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ResponseRequestId(context), "failing-call");
}

TEST_F(ServerInterceptorTest, RecordsMetricsByMethodAndCode) {
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    ASSERT_TRUE(Call(&context).ok());
  }
  grpc::ClientContext failing;
  EXPECT_EQ(Call(&failing, grpc::StatusCode::INVALID_ARGUMENT).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  const std::string text = metrics_.Render();
  EXPECT_THAT(text,
              HasSubstr(std::string("crm_grpc_server_handled_total{code=\"OK\","
                                    "method=\"") +
                        kEchoMethod + "\"} 2\n"));
  EXPECT_THAT(text, HasSubstr(std::string("crm_grpc_server_handled_total{code="
                                          "\"INVALID_ARGUMENT\",method=\"") +
                              kEchoMethod + "\"} 1\n"));
  EXPECT_THAT(text, HasSubstr(std::string("crm_grpc_server_handling_seconds_"
                                          "count{method=\"") +
                              kEchoMethod + "\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE crm_grpc_server_handling_seconds "
                              "histogram\n"));
}

TEST_F(ServerInterceptorTest, DeadlineExceededIsRecordedAsSuch) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(50));
  EXPECT_EQ(Call(&context, 0, nullptr, /*sleep_ms=*/300).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  // The handler finishes after the client gave up; wait for it.
  crm::testing::WaitUntil([&] {
    return metrics_.Render().find("DEADLINE_EXCEEDED") != std::string::npos;
  });
  EXPECT_THAT(metrics_.Render(), HasSubstr("crm_grpc_server_handled_total{code="
                                           "\"DEADLINE_EXCEEDED\""));
}

TEST_F(ServerInterceptorTest, WritesOneAccessLogLinePerCall) {
  grpc::ClientContext context;
  context.AddMetadata("x-request-id", "logged-id");
  context.AddMetadata(
      "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(Call(&context).ok());
  grpc::ClientContext failing;
  failing.AddMetadata("x-request-id", "failed-id");
  Call(&failing, grpc::StatusCode::INTERNAL);

  std::vector<google::protobuf::Struct> lines = ParseLines(log_.str());
  ASSERT_EQ(lines.size(), 2u) << log_.str();
  EXPECT_EQ(Field(lines[0], "message"), "rpc");
  EXPECT_EQ(Field(lines[0], "level"), "INFO");
  EXPECT_EQ(Field(lines[0], "method"), kEchoMethod);
  EXPECT_EQ(Field(lines[0], "code"), "OK");
  EXPECT_EQ(Field(lines[0], "request_id"), "logged-id");
  EXPECT_THAT(Field(lines[0], "duration_ms"),
              MatchesRegex("[0-9]+\\.[0-9]{3}"));
  EXPECT_THAT(Field(lines[0], "peer"), HasSubstr("127.0.0.1"));
  EXPECT_EQ(Field(lines[0], "traceparent"),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(Field(lines[1], "code"), "INTERNAL");
  EXPECT_EQ(Field(lines[1], "level"), "ERROR");
  EXPECT_EQ(Field(lines[1], "request_id"), "failed-id");
  EXPECT_THAT(log_.str(), Not(HasSubstr("hello")));  // No payloads logged.
}

}  // namespace
}  // namespace crm::common
