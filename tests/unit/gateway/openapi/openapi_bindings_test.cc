// The route/RPC cross-check: every google.api.http binding of every crm
// service has its OpenAPI operation, and every operation is such a binding.
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/openapi/crm_api_services.h"
#include "gateway/openapi/openapi_document.h"
#include "gateway/openapi/proto_comments.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
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

std::vector<Binding> AnnotatedBindings() {
  std::vector<Binding> bindings;
  for (const google::protobuf::ServiceDescriptor* service : CrmApiServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = service->method(i);
      if (!method->options().HasExtension(google::api::http)) continue;
      const google::api::HttpRule& rule =
          method->options().GetExtension(google::api::http);
      std::vector<const google::api::HttpRule*> rules = {&rule};
      for (const auto& extra : rule.additional_bindings()) {
        rules.push_back(&extra);
      }
      for (const google::api::HttpRule* r : rules) {
        std::pair<std::string, std::string> verb_path;
        if (r->has_get()) verb_path = {"get", r->get()};
        if (r->has_post()) verb_path = {"post", r->post()};
        if (r->has_put()) verb_path = {"put", r->put()};
        if (r->has_patch()) verb_path = {"patch", r->patch()};
        if (r->has_delete_()) verb_path = {"delete", r->delete_()};
        if (r->has_custom()) {
          verb_path = {absl::AsciiStrToLower(r->custom().kind()),
                       r->custom().path()};
        }
        bindings.push_back({verb_path.first,
                            NormalizeTemplate(verb_path.second),
                            method->full_name()});
      }
    }
  }
  return bindings;
}

google::protobuf::Value CrmDocument() {
  OpenApiOptions options;
  options.descriptor_set_with_comments = CrmApiDescriptorSet();
  return ParseDocument(BuildOpenApiDocument(CrmApiServices(), options));
}

TEST(OpenApiBindingsTest, NormalizeTemplateHandlesVariablesAndWildcards) {
  EXPECT_EQ(NormalizeTemplate("/v1/{name=customers/*/orders/*}:refund"),
            "/v1/customers/{}/orders/{}:refund");
  EXPECT_EQ(NormalizeTemplate("/v1/{name}"), "/v1/{}");
  EXPECT_EQ(NormalizeTemplate("/v1/customers:merge"), "/v1/customers:merge");
}

TEST(OpenApiBindingsTest, EveryAnnotatedRpcHasItsOperation) {
  google::protobuf::Value document = CrmDocument();
  std::map<std::pair<std::string, std::string>, std::string> operations;
  const google::protobuf::Value* paths = Find(document, {"paths"});
  ASSERT_NE(paths, nullptr);
  for (const auto& [path, item] : paths->struct_value().fields()) {
    for (const auto& [verb, operation] : item.struct_value().fields()) {
      const google::protobuf::Value* rpc = Find(operation, {"x-crm-rpc"});
      ASSERT_NE(rpc, nullptr) << verb << " " << path;
      operations[{verb, NormalizeOpenApiPath(path)}] = rpc->string_value();
    }
  }
  std::vector<Binding> bindings = AnnotatedBindings();
  ASSERT_GT(bindings.size(), 10u);
  for (const Binding& binding : bindings) {
    auto found = operations.find({binding.method, binding.path});
    ASSERT_NE(found, operations.end())
        << binding.rpc << ": no OpenAPI operation for " << binding.method << " "
        << binding.path;
    EXPECT_EQ(found->second, binding.rpc)
        << binding.method << " " << binding.path
        << " is documented as another RPC (two RPCs on one route?)";
  }
}

TEST(OpenApiBindingsTest, EveryOperationIsAnAnnotatedRpc) {
  google::protobuf::Value document = CrmDocument();
  std::set<std::pair<std::string, std::string>> bindings;
  std::map<std::string, std::string> services_of_rpcs;
  for (const Binding& binding : AnnotatedBindings()) {
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
      EXPECT_EQ(bindings.count({verb, NormalizeOpenApiPath(path)}), 1u)
          << verb << " " << path << " is no google.api.http binding";
      const std::string rpc = Find(operation, {"x-crm-rpc"})->string_value();
      const google::protobuf::MethodDescriptor* method =
          pool->FindMethodByName(rpc);
      ASSERT_NE(method, nullptr) << rpc;
      const std::string id = Find(operation, {"operationId"})->string_value();
      EXPECT_EQ(
          id.rfind(absl::StrCat(method->service()->name(), "_", method->name()),
                   0),
          0u)
          << id;
      EXPECT_TRUE(operation_ids.insert(id).second) << "duplicate " << id;
    }
  }
  EXPECT_EQ(operations, static_cast<int>(bindings.size()));
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
