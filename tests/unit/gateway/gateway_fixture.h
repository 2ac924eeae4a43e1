// The gateway over HTTP against in-process fake backends: the fixture of
// gateway_test.cc and gateway_auth_test.cc. Call() sends the admin key
// (kAdminKey) unless send_admin_key_ is false.
#pragma once

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "crm/segmentation/v1/segment.pb.h"
#include "gateway/gateway.h"
#include "gateway/gateway_config.h"
#include "gateway/http_errors.h"
#include "services/common/error_details.h"
#include "services/common/http_server.h"
#include "services/common/logging.h"
#include "services/common/metrics.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"
#include "tests/unit/gateway/error_body.h"
#include "tests/unit/gateway/fake_backends.h"
#include "tests/unit/gateway/test_http_client.h"

namespace crm::gateway {

namespace cp = ::crm::customerprofile::v1;
using ::crm::testing::ErrorBody;
using ::crm::testing::TestHttpResponse;

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kAdminKey[] = "test-admin-key-0123456789";

template <typename Message>
inline Message FromJson(const std::string& json) {
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << json;
  return message;
}

inline ErrorBody ParseError(const std::string& json) {
  return crm::testing::ParseErrorBody(json);
}

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    common::SetLogSinkForTesting(&log_);
    common::SetErrorDomain(kGatewayErrorDomain);  // As main.cc does.
    customer_server_ = std::make_unique<crm::testing::FakeServer>(&customers_);
    segment_server_ = std::make_unique<crm::testing::FakeServer>(&segments_);
    loyalty_server_ = std::make_unique<crm::testing::FakeServer>(&loyalty_);
    feedback_server_ = std::make_unique<crm::testing::FakeServer>(&feedback_);
    config_.bind_address = "127.0.0.1";
    config_.http_port = 0;
    config_.customer_profile_addr = customer_server_->address();
    config_.segmentation_addr = segment_server_->address();
    config_.loyalty_addr = loyalty_server_->address();
    config_.feedback_addr = feedback_server_->address();
    config_.backend_timeout = absl::Seconds(5);
    config_.readiness_timeout = absl::Seconds(1);
    config_.max_body_bytes = 64 << 10;
    config_.max_import_body_bytes = 512 << 10;
    config_.api_keys =
        *auth::ApiKeyStore::Parse(absl::StrCat("test-admin admin ", kAdminKey));
    // Rate limits are tested on their own (gateway_access_test).
    config_.rate_limit_per_key = 0;
    config_.rate_limit_per_address = 0;
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(1));
    server_.reset();
    gateway_.reset();
    common::SetLogSinkForTesting(nullptr);
  }

  void StartGateway() {
    gateway_ = std::make_unique<Gateway>(config_, metrics_);
    common::HttpServerOptions options;
    options.address = config_.bind_address;
    options.port = 0;
    options.threads = http_threads_;
    // As in main.cc: the server admits the import limit, the gateway
    // enforces max_body_bytes on every other route.
    options.max_body_bytes =
        std::max(config_.max_body_bytes, config_.max_import_body_bytes);
    auto server = common::HttpServer::StartAsync(
        options, [this](const common::HttpRequest& request,
                        std::shared_ptr<common::HttpResponder> responder) {
          gateway_->HandleAsync(request, std::move(responder));
        });
    ASSERT_THAT(server, crm::testing::IsOk());
    server_ = *std::move(server);
  }

  TestHttpResponse Call(const std::string& method, const std::string& target,
                        const std::string& body = "",
                        const Headers& headers = {}) {
    if (server_ == nullptr) StartGateway();
    Headers with_key = headers;
    if (send_admin_key_) with_key.emplace_back("X-API-Key", kAdminKey);
    std::optional<TestHttpResponse> response =
        crm::testing::HttpCall(server_->port(), method, target, body, with_key);
    if (!response.has_value()) {
      ADD_FAILURE() << method << " " << target << ": no response";
      return TestHttpResponse{};
    }
    return *std::move(response);
  }

  cp::Customer CreateCustomer(const std::string& given_name) {
    TestHttpResponse response =
        Call("POST", "/v1/customers",
             absl::StrCat(R"({"givenName":")", given_name, R"("})"));
    EXPECT_EQ(response.status, 200) << response.body;
    return FromJson<cp::Customer>(response.body);
  }

  // Call() sends the admin key unless a test turns this off.
  bool send_admin_key_ = true;
  // The HTTP server's threads (set before the first Call()).
  int http_threads_ = 4;
  std::ostringstream log_;
  common::Metrics metrics_;
  crm::testing::FakeCustomerProfile customers_;
  crm::testing::FakeSegmentation segments_;
  crm::testing::FakeLoyalty loyalty_;
  crm::testing::FakeFeedback feedback_;
  std::unique_ptr<crm::testing::FakeServer> customer_server_;
  std::unique_ptr<crm::testing::FakeServer> segment_server_;
  std::unique_ptr<crm::testing::FakeServer> loyalty_server_;
  std::unique_ptr<crm::testing::FakeServer> feedback_server_;
  GatewayConfig config_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<common::HttpServer> server_;
};

}  // namespace crm::gateway
