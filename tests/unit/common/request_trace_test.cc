#include "services/common/request_trace.h"

#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "echo_test_server.h"

namespace crm::common {
namespace {

using ::testing::MatchesRegex;

TEST(RequestTraceTest, NewRequestIdIs32LowercaseHex) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRequestId();
    ASSERT_THAT(id, MatchesRegex("[0-9a-f]{32}"));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(RequestTraceTest, OutboundContextHasDeadline) {
  auto context = NewOutboundContext({}, absl::Seconds(2));
  const auto remaining = context->deadline() - std::chrono::system_clock::now();
  EXPECT_GT(remaining, std::chrono::milliseconds(1500));
  EXPECT_LE(remaining, std::chrono::seconds(2));
}

TEST(RequestTraceTest, OutboundContextCarriesHeadersToServer) {
  Metrics metrics;
  crm::testing::EchoTestServer server(metrics);
  RequestTrace trace{
      .request_id = "req-123",
      .traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"};
  auto context = NewOutboundContext(trace, absl::Seconds(5));
  crm::testing::v1::EchoRequest request;
  crm::testing::v1::EchoResponse response;
  grpc::Status status = server.stub().Echo(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.request_id(), "req-123");
  EXPECT_EQ(response.traceparent(), trace.traceparent);
}

TEST(RequestTraceTest, OutboundContextWithoutTraceSendsNoHeaders) {
  // The interceptor assigns an id when none is sent; traceparent stays empty.
  Metrics metrics;
  crm::testing::EchoTestServer server(metrics);
  auto context = NewOutboundContext({}, absl::Seconds(5));
  crm::testing::v1::EchoRequest request;
  crm::testing::v1::EchoResponse response;
  ASSERT_TRUE(server.stub().Echo(context.get(), request, &response).ok());
  EXPECT_THAT(response.request_id(), MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(response.traceparent(), "");
}

}  // namespace
}  // namespace crm::common
