// The route/RPC cross-check: the OpenAPI operations are exactly the routes
// the gateway's transcoder serves (every google.api.http binding of every
// unary crm RPC), each documented as its RPC, plus the gateway's own routes
// (gateway_routes.h), which replace an RPC's binding on the same path.
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/backend_clients.h"
#include "gateway/gateway_config.h"
#include "gateway/openapi/crm_api_services.h"
#include "gateway/openapi/gateway_routes.h"
#include "gateway/openapi/openapi_document.h"
#include "gateway/openapi/proto_comments.h"
#include "gateway/transcoding/transcoder.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/gateway/openapi/openapi_test_document.h"

namespace crm::gateway::openapi {
namespace {

using ::crm::testing::Find;
using ::crm::testing::ParseDocument;

struct Binding {
  std::string method;  // "get"
  std::string path;    // Wildcards as "{}": "/v1/customers/{}:erase"
  std::string rpc;     // Full method name.
};

// "/v1/{name=customers/*}:erase" -> "/v1/customers/{}:erase", written
// independently of the generator: variables become their pattern and every
// wildcard "{}".
std::string NormalizeTemplate(std::string path) {
  path = std::regex_replace(path, std::regex(R"(\{[a-z_.]+\})"), "*");
  path = std::regex_replace(path, std::regex(R"(\{[a-z_.]+=([^}]*)\})"), "$1");
  return std::regex_replace(path, std::regex(R"(\*\*?)"), "{}");
}

// "/v1/customers/{customer}:erase" -> "/v1/customers/{}:erase".
std::string NormalizeOpenApiPath(const std::string& path) {
  return std::regex_replace(path, std::regex(R"(\{[^}]+\})"), "{}");
}

// The routes of a Transcoder over the services the gateway serves (the
// channels are never used: no request is sent).
std::vector<Binding> ServedRoutes() {
  BackendClients clients{GatewayConfig{}};
  absl::StatusOr<std::unique_ptr<transcoding::Transcoder>> transcoder =
      transcoding::Transcoder::Create(transcoding::CrmServiceBindings(clients),
                                      clients);
  EXPECT_THAT(transcoder.status(), crm::testing::IsOk());
  std::vector<Binding> routes;
  if (!transcoder.ok()) return routes;
  for (const auto& route : (*transcoder)->routes()) {
    routes.push_back({absl::AsciiStrToLower(route->http_method),
                      NormalizeTemplate(route->path.text()),
                      route->rpc->full_name()});
  }
  return routes;
}

// (method, normalized path) -> x-crm-rpc of every operation of `document`.
std::map<std::pair<std::string, std::string>, std::string> Operations(
    const google::protobuf::Value& document) {
  std::map<std::pair<std::string, std::string>, std::string> operations;
  const google::protobuf::Value* paths = Find(document, {"paths"});
  if (paths == nullptr) return operations;
  for (const auto& [path, item] : paths->struct_value().fields()) {
    for (const auto& [verb, operation] : item.struct_value().fields()) {
      const google::protobuf::Value* rpc = Find(operation, {"x-crm-rpc"});
      operations[{verb, NormalizeOpenApiPath(path)}] =
          rpc == nullptr ? "<no x-crm-rpc>" : rpc->string_value();
    }
  }
  return operations;
}

google::protobuf::Value CrmDocument() {
  OpenApiOptions options;
  options.descriptor_set_with_comments = CrmApiDescriptorSet();
  options.gateway_routes = CrmGatewayRoutes();
  return ParseDocument(BuildOpenApiDocument(CrmApiServices(), options));
}

// (method, normalized path) -> access method of each gateway route.
std::map<std::pair<std::string, std::string>, std::string> GatewayRoutes() {
  std::map<std::pair<std::string, std::string>, std::string> routes;
  for (const GatewayRoute& route : CrmGatewayRoutes()) {
    routes[{route.verb, NormalizeOpenApiPath(route.path)}] =
        route.access_method;
  }
  return routes;
}

TEST(OpenApiBindingsTest, NormalizeTemplateHandlesVariablesAndWildcards) {
  EXPECT_EQ(NormalizeTemplate("/v1/{name=customers/*/orders/*}:refund"),
            "/v1/customers/{}/orders/{}:refund");
  EXPECT_EQ(NormalizeTemplate("/v1/{name}"), "/v1/{}");
  EXPECT_EQ(NormalizeTemplate("/v1/customers:merge"), "/v1/customers:merge");
}

TEST(OpenApiBindingsTest, OperationsAreExactlyTheTranscodedRoutes) {
  std::map<std::pair<std::string, std::string>, std::string> served;
  for (const Binding& route : ServedRoutes()) {
    EXPECT_TRUE(served.insert({{route.method, route.path}, route.rpc}).second)
        << route.method << " " << route.path << " routed twice";
  }
  ASSERT_GT(served.size(), 10u);
  // The gateway serves its own routes first: they replace a binding on the
  // same path (customer-profile's ExportCustomerData at :export).
  for (const auto& [route, access_method] : GatewayRoutes()) {
    served[route] = access_method;
  }
  EXPECT_EQ(Operations(CrmDocument()), served);
}

TEST(OpenApiBindingsTest, TheGatewaysOwnRoutesAreDocumentedAsSuch) {
  const google::protobuf::Value document = CrmDocument();
  for (const auto& [verb, path, rpc] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"get", "/v1/customers/{customer}:export",
            "crm.gateway.v1.CustomerExport"},
           {"get", "/v1/customers/{customer}:view",
            "crm.gateway.v1.CustomerView"},
           {"get", "/v1/whoami", "crm.gateway.v1.WhoAmI"}}) {
    const google::protobuf::Value* operation =
        Find(document, {"paths", path, verb});
    ASSERT_NE(operation, nullptr) << path;
    EXPECT_EQ(Find(*operation, {"x-crm-rpc"})->string_value(), rpc);
    EXPECT_EQ(Find(*operation, {"tags"})->list_value().values(0).string_value(),
              "Gateway");
    EXPECT_NE(Find(*operation, {"responses", "200", "content",
                                "application/json", "schema"}),
              nullptr)
        << path;
  }
  // The view's parts, each described; their messages are in components.
  const google::protobuf::Value* view = Find(
      document, {"paths", "/v1/customers/{customer}:view", "get", "responses",
                 "200", "content", "application/json", "schema", "properties"});
  ASSERT_NE(view, nullptr);
  for (const char* part :
       {"customer", "score", "segments", "lifecycleHistory", "account",
        "tierProgress", "recentLedgerEntries", "coupons", "recentFeedback",
        "openTickets", "openAlerts", "latestNps", "latestCsat",
        "nextBestOffers", "missing"}) {
    EXPECT_NE(Find(*view, {part}), nullptr) << part;
  }
  for (const char* schema :
       {"crm.loyalty.v1.Coupon", "crm.segmentation.v1.LifecycleTransition",
        "crm.feedback.v1.Alert", "crm.loyalty.v1.AccountDataExport"}) {
    EXPECT_NE(Find(document, {"components", "schemas", schema}), nullptr)
        << schema;
  }
  // Nothing describes :export as customer-profile's export any more.
  EXPECT_EQ(Find(document, {"paths", "/v1/customers/{customer}:export", "get",
                            "operationId"})
                ->string_value(),
            "Gateway_ExportCustomer");
}

TEST(OpenApiBindingsTest, ServerStreamingRpcsAreDocumentedAsStreams) {
  const google::protobuf::Value document = CrmDocument();
  const google::protobuf::Value* watch =
      Find(document, {"paths", "/v1/changeEvents:watch", "get"});
  ASSERT_NE(watch, nullptr);
  const google::protobuf::Value* content =
      Find(*watch, {"responses", "200", "content"});
  ASSERT_NE(content, nullptr);
  EXPECT_NE(Find(*content, {"text/event-stream"}), nullptr);
  EXPECT_NE(Find(*content, {"application/x-ndjson"}), nullptr);
}

TEST(OpenApiBindingsTest, EveryOperationIsAServedRouteWithAUniqueId) {
  google::protobuf::Value document = CrmDocument();
  std::set<std::pair<std::string, std::string>> bindings;
  for (const Binding& binding : ServedRoutes()) {
    bindings.insert({binding.method, binding.path});
  }
  const google::protobuf::DescriptorPool* pool =
      google::protobuf::DescriptorPool::generated_pool();
  std::set<std::string> operation_ids;
  int operations = 0;
  for (const auto& [path, item] :
       Find(document, {"paths"})->struct_value().fields()) {
    for (const auto& [verb, operation] : item.struct_value().fields()) {
      ++operations;
      const std::string rpc = Find(operation, {"x-crm-rpc"})->string_value();
      const std::string id = Find(operation, {"operationId"})->string_value();
      EXPECT_TRUE(operation_ids.insert(id).second) << "duplicate " << id;
      if (rpc.rfind("crm.gateway.", 0) == 0) {  // A gateway route.
        EXPECT_EQ(GatewayRoutes().count({verb, NormalizeOpenApiPath(path)}), 1u)
            << verb << " " << path;
        EXPECT_EQ(id.rfind("Gateway_", 0), 0u) << id;
        continue;
      }
      EXPECT_EQ(bindings.count({verb, NormalizeOpenApiPath(path)}), 1u)
          << verb << " " << path << " is not served by the transcoder";
      const google::protobuf::MethodDescriptor* method =
          pool->FindMethodByName(rpc);
      ASSERT_NE(method, nullptr) << rpc;
      EXPECT_EQ(
          id.rfind(absl::StrCat(method->service()->name(), "_", method->name()),
                   0),
          0u)
          << id;
    }
  }
  // Gateway routes on a binding's path replace it; the others add one.
  std::set<std::pair<std::string, std::string>> all = bindings;
  for (const auto& entry : GatewayRoutes()) all.insert(entry.first);
  EXPECT_EQ(operations, static_cast<int>(all.size()));
}

TEST(OpenApiBindingsTest, NoClientStreamingRpcHasAnHttpBinding) {
  // A client stream cannot be transcoded, so the document leaves such RPCs
  // out; an annotation on one would promise a route nobody serves.
  for (const google::protobuf::ServiceDescriptor* service : CrmApiServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = service->method(i);
      if (method->client_streaming()) {
        EXPECT_FALSE(method->options().HasExtension(google::api::http))
            << method->full_name();
      }
    }
  }
}

TEST(OpenApiBindingsTest, CrmApiServicesListsEveryCrmService) {
  // A service added to protos/crm must reach the gateway's document too.
  ProtoComments sources(CrmApiDescriptorSet());
  std::set<std::string> in_sources;
  for (const std::string& name : sources.file_names()) {
    const google::protobuf::FileDescriptor* file = sources.FindFile(name);
    ASSERT_NE(file, nullptr) << name;
    if (file->package().rfind("crm.", 0) != 0) continue;
    for (int i = 0; i < file->service_count(); ++i) {
      in_sources.insert(file->service(i)->full_name());
    }
  }
  std::set<std::string> listed;
  for (const google::protobuf::ServiceDescriptor* service : CrmApiServices()) {
    ASSERT_NE(service, nullptr);
    listed.insert(service->full_name());
  }
  EXPECT_EQ(listed, in_sources);
}

}  // namespace
}  // namespace crm::gateway::openapi
