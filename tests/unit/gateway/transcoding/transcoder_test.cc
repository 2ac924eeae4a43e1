// Route building from the annotations. Requests through the routes (body,
// query, path, Idempotency-Key, If-Match/ETag, errors) are tested end to end
// against fake backends in tests/unit/gateway/gateway_test.cc.
#include "gateway/transcoding/transcoder.h"

#include <gmock/gmock.h>
#include <google/api/annotations.pb.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/testing/status_matchers.h"

namespace crm::gateway::transcoding {
namespace {

namespace pb = ::google::protobuf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class TranscoderTest : public ::testing::Test {
 protected:
  TranscoderTest() : clients_(GatewayConfig{}) {}

  // A service "t.S" whose methods M0, M1, ... take t.Req {string name = 1;
  // t.Inner inner = 2; string request_id = 3;} with the given bindings.
  const pb::ServiceDescriptor* Service(
      const std::vector<google::api::HttpRule>& rules,
      bool server_streaming = false) {
    pb::FileDescriptorProto file;
    file.set_name("t" + std::to_string(files_++) + ".proto");
    file.set_package("t" + std::to_string(files_));
    file.set_syntax("proto3");
    pb::DescriptorProto* inner = file.add_message_type();
    inner->set_name("Inner");
    auto* etag = inner->add_field();
    etag->set_name("etag");
    etag->set_number(1);
    etag->set_type(pb::FieldDescriptorProto::TYPE_STRING);
    etag->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
    pb::DescriptorProto* req = file.add_message_type();
    req->set_name("Req");
    int number = 1;
    for (const char* name : {"name", "request_id"}) {
      auto* field = req->add_field();
      field->set_name(name);
      field->set_number(number++);
      field->set_type(pb::FieldDescriptorProto::TYPE_STRING);
      field->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
    }
    auto* field = req->add_field();
    field->set_name("inner");
    field->set_number(number++);
    field->set_type(pb::FieldDescriptorProto::TYPE_MESSAGE);
    field->set_type_name("Inner");
    field->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
    pb::ServiceDescriptorProto* service = file.add_service();
    service->set_name("S");
    for (size_t i = 0; i < rules.size(); ++i) {
      pb::MethodDescriptorProto* method = service->add_method();
      method->set_name("M" + std::to_string(i));
      method->set_input_type("Req");
      method->set_output_type("Inner");
      method->set_server_streaming(server_streaming);
      *method->mutable_options()->MutableExtension(google::api::http) =
          rules[i];
    }
    const pb::FileDescriptor* built = pool_.BuildFile(file);
    EXPECT_NE(built, nullptr);
    return built == nullptr ? nullptr : built->service(0);
  }

  static google::api::HttpRule Rule(const std::string& get,
                                    const std::string& body = "") {
    google::api::HttpRule rule;
    rule.set_get(get);
    rule.set_body(body);
    return rule;
  }

  absl::StatusOr<std::unique_ptr<Transcoder>> Create(
      const pb::ServiceDescriptor* service) {
    return Transcoder::Create(
        {{service, "test", clients_.channels()[0].channel}}, clients_);
  }

  BackendClients clients_;
  pb::DescriptorPool pool_{pb::DescriptorPool::generated_pool()};
  int files_ = 0;
};

TEST_F(TranscoderTest, BuildsARouteForEveryAnnotatedCrmMethod) {
  absl::StatusOr<std::unique_ptr<Transcoder>> transcoder =
      Transcoder::Create(CrmServiceBindings(clients_), clients_);
  ASSERT_THAT(transcoder, crm::testing::IsOk());
  std::set<std::string> rpcs;
  for (const auto& route : (*transcoder)->routes()) {
    rpcs.insert(std::string(route->rpc->name()));
  }
  for (const char* rpc : {"CreateCustomer",
                          "GetCustomer",
                          "ListCustomers",
                          "UpdateCustomer",
                          "FindDuplicateCandidates",
                          "MergeCustomers",
                          "ResolveCustomer",
                          "RecordOrder",
                          "RefundOrder",
                          "ListOrders",
                          "RecordEvents",
                          "EraseCustomer",
                          "ExportCustomerData",
                          "CreateSegment",
                          "GetSegment",
                          "ListSegments",
                          "GetAccount",
                          "AdjustPoints",
                          "SubmitFeedback",
                          "ListFeedback",
                          "WatchChanges"}) {
    EXPECT_EQ(rpcs.count(rpc), 1u) << rpc;
  }

  Transcoder::Match get = (*transcoder)->Find("GET", "/v1/customers/c1");
  ASSERT_EQ(get.result, Transcoder::Match::kFound);
  EXPECT_EQ(get.route->rpc->name(), "GetCustomer");
  EXPECT_THAT(get.values, ElementsAre("customers/c1"));
  Transcoder::Match wrong = (*transcoder)->Find("DELETE", "/v1/customers");
  EXPECT_EQ(wrong.result, Transcoder::Match::kMethodNotAllowed);
  EXPECT_THAT(wrong.allowed_methods, ElementsAre("GET", "POST"));
  EXPECT_EQ((*transcoder)->Find("GET", "/v1/nothing").result,
            Transcoder::Match::kNotFound);
}

TEST_F(TranscoderTest, ResolvesBodyQueryRequestIdAndEtagOnce) {
  google::api::HttpRule patch;
  patch.set_patch("/v1/{name=things/*}");
  patch.set_body("inner");
  google::api::HttpRule extra = Rule("/v1/things/{name}:peek");
  *patch.add_additional_bindings() = extra;
  absl::StatusOr<std::unique_ptr<Transcoder>> transcoder =
      Create(Service({patch}));
  ASSERT_THAT(transcoder, crm::testing::IsOk());
  ASSERT_EQ((*transcoder)->routes().size(), 2u);
  const Transcoder::Route& route = *(*transcoder)->routes()[0];
  EXPECT_EQ(route.http_method, "PATCH");
  EXPECT_EQ(route.body, Transcoder::Route::Body::kField);
  EXPECT_EQ(route.body_field->name(), "inner");
  EXPECT_THAT(route.query.names(), ElementsAre("request_id"));
  ASSERT_NE(route.request_id_field, nullptr);
  ASSERT_EQ(route.if_match_field.size(), 2u);
  EXPECT_EQ(route.if_match_field[1]->name(), "etag");
  ASSERT_NE(route.response_etag_field, nullptr);
  const Transcoder::Route& peek = *(*transcoder)->routes()[1];
  EXPECT_EQ(peek.http_method, "GET");
  EXPECT_EQ(peek.body, Transcoder::Route::Body::kNone);
  EXPECT_THAT(peek.query.names(), ElementsAre("inner.etag", "request_id"));
}

TEST_F(TranscoderTest, AmbiguousTemplatesFailLoudly) {
  absl::StatusOr<std::unique_ptr<Transcoder>> transcoder =
      Create(Service({Rule("/v1/{name=things/*}"), Rule("/v1/things/{name}")}));
  EXPECT_THAT(transcoder,
              crm::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(transcoder.status().message()),
              HasSubstr("ambiguous"));
  // Different methods or verbs do not conflict.
  google::api::HttpRule post;
  post.set_post("/v1/{name=things/*}");
  EXPECT_THAT(Create(Service({Rule("/v1/{name=things/*}"), post,
                              Rule("/v1/{name=things/*}:peek")})),
              crm::testing::IsOk());
}

TEST_F(TranscoderTest, BadBindingsFailLoudly) {
  for (const google::api::HttpRule& bad :
       {Rule("/v1/{missing=things/*}"), Rule("/v1/{inner=things/*}"),
        Rule("/v1/things", "name"), Rule("/v1/things", "nope"),
        Rule("v1/things"), google::api::HttpRule()}) {
    EXPECT_THAT(Create(Service({bad})),
                crm::testing::StatusIs(absl::StatusCode::kInvalidArgument))
        << bad.ShortDebugString();
  }
  google::api::HttpRule response_body = Rule("/v1/things");
  response_body.set_response_body("missing");
  EXPECT_FALSE(Create(Service({response_body})).ok());
}

TEST_F(TranscoderTest, ServerStreamingMethodsAreStreamRoutes) {
  absl::StatusOr<std::unique_ptr<Transcoder>> transcoder =
      Create(Service({Rule("/v1/things:watch")}, /*server_streaming=*/true));
  ASSERT_THAT(transcoder, crm::testing::IsOk());
  ASSERT_EQ((*transcoder)->routes().size(), 1u);
  const Transcoder::Route& route = *(*transcoder)->routes().front();
  EXPECT_TRUE(route.server_streaming);
  EXPECT_EQ(route.rpc_method->method_type(),
            grpc::internal::RpcMethod::SERVER_STREAMING);
  EXPECT_EQ((*transcoder)->Find("GET", "/v1/things:watch").result,
            Transcoder::Match::kFound);
}

}  // namespace
}  // namespace crm::gateway::transcoding
