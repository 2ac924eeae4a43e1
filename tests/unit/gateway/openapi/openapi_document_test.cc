// The OpenAPI generator over a small test service that uses every mapping
// rule, and over the crm services (descriptions from proto comments).
#include "gateway/openapi/openapi_document.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/timestamp.pb.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "gateway/openapi/crm_api_services.h"
#include "google/api/annotations.pb.h"
#include "google/api/field_behavior.pb.h"
#include "google/api/resource.pb.h"
#include "tests/unit/gateway/openapi/openapi_test_document.h"

namespace crm::gateway::openapi {
namespace {

using ::crm::testing::Find;
using ::crm::testing::ParseDocument;
using google::protobuf::Value;

constexpr char kShopProto[] = R"pb(
  name: "test/v1/shop.proto"
  package: "test.v1"
  syntax: "proto3"
  dependency: "google/protobuf/timestamp.proto"
  dependency: "google/protobuf/field_mask.proto"
  enum_type {
    name: "Genre"
    value { name: "GENRE_UNSPECIFIED" number: 0 }
    value { name: "FICTION" number: 1 }
  }
  message_type {
    name: "Shelf"
    options {
      [google.api.resource] { type: "test/Shelf" pattern: "shelves/{shelf}" }
    }
    field { name: "name" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
    field {
      name: "create_time"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Timestamp"
      options {
        [google.api.field_behavior]: OUTPUT_ONLY
      }
    }
    field {
      name: "book_count"
      number: 3
      type: TYPE_INT64
      label: LABEL_OPTIONAL
    }
    field {
      name: "labels"
      number: 4
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".test.v1.Shelf.LabelsEntry"
    }
    field {
      name: "genre"
      number: 5
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".test.v1.Genre"
    }
    field {
      name: "theme"
      number: 6
      type: TYPE_STRING
      label: LABEL_OPTIONAL
      options {
        [google.api.field_behavior]: REQUIRED
      }
    }
    field {
      name: "isbn"
      number: 7
      type: TYPE_STRING
      label: LABEL_OPTIONAL
      oneof_index: 0
    }
    field {
      name: "title"
      number: 8
      type: TYPE_STRING
      label: LABEL_OPTIONAL
      oneof_index: 0
    }
    oneof_decl { name: "key" }
    nested_type {
      name: "LabelsEntry"
      options { map_entry: true }
      field { name: "key" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
      field { name: "value" number: 2 type: TYPE_STRING label: LABEL_OPTIONAL }
    }
  }
  message_type {
    name: "GetShelfRequest"
    field { name: "name" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
  }
  message_type {
    name: "Filter"
    field {
      name: "genre"
      number: 1
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".test.v1.Genre"
    }
    field { name: "min_books" number: 2 type: TYPE_INT64 label: LABEL_OPTIONAL }
  }
  message_type {
    name: "ListShelvesRequest"
    field { name: "page_size" number: 1 type: TYPE_INT32 label: LABEL_OPTIONAL }
    field { name: "tags" number: 2 type: TYPE_STRING label: LABEL_REPEATED }
    field {
      name: "filter"
      number: 3
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".test.v1.Filter"
    }
    field {
      name: "read_mask"
      number: 4
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.FieldMask"
    }
    field {
      name: "since"
      number: 5
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Timestamp"
    }
    field {
      name: "shelves"
      number: 6
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".test.v1.Shelf"
    }
  }
  message_type {
    name: "ListShelvesResponse"
    field {
      name: "shelves"
      number: 1
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".test.v1.Shelf"
    }
    field {
      name: "next_page_token"
      number: 2
      type: TYPE_STRING
      label: LABEL_OPTIONAL
    }
  }
  message_type {
    name: "UpdateShelfRequest"
    field {
      name: "shelf"
      number: 1
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".test.v1.Shelf"
      options {
        [google.api.field_behavior]: REQUIRED
      }
    }
    field {
      name: "update_mask"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.FieldMask"
    }
  }
  message_type {
    name: "MoveShelfRequest"
    field {
      name: "name"
      number: 1
      type: TYPE_STRING
      label: LABEL_OPTIONAL
      options {
        [google.api.field_behavior]: REQUIRED
      }
    }
    field {
      name: "destination"
      number: 2
      type: TYPE_STRING
      label: LABEL_OPTIONAL
      options {
        [google.api.field_behavior]: REQUIRED
      }
    }
  }
  service {
    name: "ShopService"
    method {
      name: "GetShelf"
      input_type: ".test.v1.GetShelfRequest"
      output_type: ".test.v1.Shelf"
      options {
        [google.api.http] {
          get: "/v1/{name=shelves/*}"
          additional_bindings { get: "/v1/shop/{name=shelves/*}" }
        }
      }
    }
    method {
      name: "GetBook"
      input_type: ".test.v1.GetShelfRequest"
      output_type: ".test.v1.Shelf"
      options {
        [google.api.http] { get: "/v1/{name=libraries/*/books/*}" }
      }
    }
    method {
      name: "ListShelves"
      input_type: ".test.v1.ListShelvesRequest"
      output_type: ".test.v1.ListShelvesResponse"
      options {
        [google.api.http] { get: "/v1/shelves" response_body: "shelves" }
      }
    }
    method {
      name: "UpdateShelf"
      input_type: ".test.v1.UpdateShelfRequest"
      output_type: ".test.v1.Shelf"
      options {
        [google.api.http] { patch: "/v1/{shelf.name=shelves/*}" body: "shelf" }
      }
    }
    method {
      name: "MoveShelf"
      input_type: ".test.v1.MoveShelfRequest"
      output_type: ".test.v1.Shelf"
      options {
        [google.api.http] { post: "/v1/{name=shelves/*}:move" body: "*" }
      }
    }
    method {
      name: "WatchShelves"
      input_type: ".test.v1.GetShelfRequest"
      output_type: ".test.v1.Shelf"
      server_streaming: true
      options {
        [google.api.http] { get: "/v1/shelves:watch" }
      }
    }
    method {
      name: "UploadShelves"
      input_type: ".test.v1.Shelf"
      output_type: ".test.v1.Shelf"
      client_streaming: true
      options {
        [google.api.http] { post: "/v1/shelves:upload" body: "*" }
      }
    }
    method {
      name: "Internal"
      input_type: ".test.v1.GetShelfRequest"
      output_type: ".test.v1.Shelf"
    }
  }
)pb";

class OpenApiDocumentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const google::protobuf::FileDescriptor* file :
         {google::protobuf::Timestamp::descriptor()->file(),
          google::protobuf::FieldMask::descriptor()->file()}) {
      google::protobuf::FileDescriptorProto proto;
      file->CopyTo(&proto);
      ASSERT_TRUE(database_.Add(proto));
    }
    google::protobuf::FileDescriptorProto shop;
    ASSERT_TRUE(
        google::protobuf::TextFormat::ParseFromString(kShopProto, &shop));
    ASSERT_TRUE(database_.Add(shop));
    pool_ = std::make_unique<google::protobuf::DescriptorPool>(&database_);
    const google::protobuf::ServiceDescriptor* service =
        pool_->FindServiceByName("test.v1.ShopService");
    ASSERT_NE(service, nullptr);
    json_ = BuildOpenApiDocument({service}, OpenApiOptions());
    document_ = ParseDocument(json_);
  }

  const Value& At(std::initializer_list<std::string> keys) {
    const Value* value = Find(document_, keys);
    if (value == nullptr) {
      ADD_FAILURE() << "missing member";
      return missing_;
    }
    return *value;
  }

  // The parameter of `operation` named `name`, or a null Value.
  const Value& Parameter(const Value& operation, const std::string& name) {
    const Value* parameters = Find(operation, {"parameters"});
    if (parameters != nullptr) {
      for (const Value& parameter : parameters->list_value().values()) {
        if (Find(parameter, {"name"})->string_value() == name) return parameter;
      }
    }
    return missing_;
  }

  std::vector<std::string> ParameterNames(const Value& operation) {
    std::vector<std::string> names;
    const Value* parameters = Find(operation, {"parameters"});
    if (parameters == nullptr) return names;
    for (const Value& parameter : parameters->list_value().values()) {
      names.push_back(Find(parameter, {"name"})->string_value());
    }
    return names;
  }

  google::protobuf::SimpleDescriptorDatabase database_;
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  std::string json_;
  Value document_;
  Value missing_;
};

TEST_F(OpenApiDocumentTest, DeclaresTheGatewaysCredentials) {
  EXPECT_EQ(
      At({"components", "securitySchemes", "ApiKey", "type"}).string_value(),
      "apiKey");
  EXPECT_EQ(
      At({"components", "securitySchemes", "ApiKey", "in"}).string_value(),
      "header");
  EXPECT_EQ(
      At({"components", "securitySchemes", "ApiKey", "name"}).string_value(),
      "X-API-Key");
  EXPECT_EQ(At({"components", "securitySchemes", "CustomerToken", "scheme"})
                .string_value(),
            "bearer");
  const Value& security = At({"security"});
  ASSERT_EQ(security.list_value().values_size(), 2);
  EXPECT_TRUE(Find(security.list_value().values(0), {"ApiKey"}) != nullptr);
  EXPECT_TRUE(Find(security.list_value().values(1), {"CustomerToken"}) !=
              nullptr);
}

TEST_F(OpenApiDocumentTest, PathTemplatesBecomeOpenApiPathsNamedByResource) {
  EXPECT_EQ(At({"openapi"}).string_value(), "3.1.0");
  EXPECT_EQ(
      At({"paths", "/v1/shelves/{shelf}", "get", "operationId"}).string_value(),
      "ShopService_GetShelf");
  const Value& parameter =
      Parameter(At({"paths", "/v1/shelves/{shelf}", "get"}), "shelf");
  EXPECT_EQ(Find(parameter, {"in"})->string_value(), "path");
  EXPECT_TRUE(Find(parameter, {"required"})->bool_value());
  EXPECT_NE(Find(parameter, {"description"})->string_value().find("`name`"),
            std::string::npos);
  // Without a resource pattern, a wildcard is named after the literal before.
  EXPECT_EQ(At({"paths", "/v1/libraries/{library}/books/{book}", "get",
                "operationId"})
                .string_value(),
            "ShopService_GetBook");
}

TEST_F(OpenApiDocumentTest, AdditionalBindingsGetNumberedOperationIds) {
  EXPECT_EQ(At({"paths", "/v1/shop/shelves/{shelf}", "get", "operationId"})
                .string_value(),
            "ShopService_GetShelf_2");
  EXPECT_EQ(At({"paths", "/v1/shop/shelves/{shelf}", "get", "x-crm-rpc"})
                .string_value(),
            "test.v1.ShopService.GetShelf");
}

TEST_F(OpenApiDocumentTest, NonBodyFieldsAreQueryParametersInLowerCamel) {
  const Value& list = At({"paths", "/v1/shelves", "get"});
  // Repeated messages (shelves) cannot be written in a query string.
  EXPECT_EQ(ParameterNames(list),
            (std::vector<std::string>{"pageSize", "tags", "filter.genre",
                                      "filter.minBooks", "readMask", "since"}));
  EXPECT_EQ(Find(Parameter(list, "tags"), {"schema", "type"})->string_value(),
            "array");
  EXPECT_EQ(
      Find(Parameter(list, "filter.genre"), {"schema", "$ref"})->string_value(),
      "#/components/schemas/test.v1.Genre");
  EXPECT_EQ(Find(Parameter(list, "filter.minBooks"), {"schema", "type"})
                ->string_value(),
            "string");
  EXPECT_EQ(
      Find(Parameter(list, "readMask"), {"schema", "type"})->string_value(),
      "string");
  EXPECT_EQ(
      Find(Parameter(list, "since"), {"schema", "format"})->string_value(),
      "date-time");
  EXPECT_EQ(Find(Parameter(list, "pageSize"), {"in"})->string_value(), "query");
}

TEST_F(OpenApiDocumentTest, ResponseBodySelectsOneField) {
  const Value& schema = At({"paths", "/v1/shelves", "get", "responses", "200",
                            "content", "application/json", "schema"});
  EXPECT_EQ(Find(schema, {"type"})->string_value(), "array");
  EXPECT_EQ(Find(schema, {"items", "$ref"})->string_value(),
            "#/components/schemas/test.v1.Shelf");
}

TEST_F(OpenApiDocumentTest, BodyFieldIsTheRequestBodyAndNotAQueryParameter) {
  const Value& update = At({"paths", "/v1/shelves/{shelf}", "patch"});
  EXPECT_EQ(ParameterNames(update),
            (std::vector<std::string>{"shelf", "updateMask"}));
  EXPECT_EQ(Find(update, {"requestBody", "content", "application/json",
                          "schema", "$ref"})
                ->string_value(),
            "#/components/schemas/test.v1.Shelf");
  EXPECT_TRUE(Find(update, {"requestBody", "required"})->bool_value());
}

TEST_F(OpenApiDocumentTest, StarBodyLeavesOutPathFieldsAndQuery) {
  const Value& move = At({"paths", "/v1/shelves/{shelf}:move", "post"});
  EXPECT_EQ(ParameterNames(move), (std::vector<std::string>{"shelf"}));
  const Value& schema =
      *Find(move, {"requestBody", "content", "application/json", "schema"});
  EXPECT_EQ(Find(schema, {"properties", "name"}), nullptr);
  EXPECT_NE(Find(schema, {"properties", "destination"}), nullptr);
  ASSERT_NE(Find(schema, {"required"}), nullptr);
  ASSERT_EQ(Find(schema, {"required"})->list_value().values_size(), 1);
  EXPECT_EQ(Find(schema, {"required"})->list_value().values(0).string_value(),
            "destination");
}

TEST_F(OpenApiDocumentTest, ServerStreamingRpcsAreEventStreams) {
  // Served as server-sent events or NDJSON (transcoding/transcoder.h).
  const Value* watch = Find(document_, {"paths", "/v1/shelves:watch", "get"});
  ASSERT_NE(watch, nullptr);
  EXPECT_EQ(Find(*watch, {"operationId"})->string_value(),
            "ShopService_WatchShelves");
  const Value* content = Find(*watch, {"responses", "200", "content"});
  ASSERT_NE(content, nullptr);
  EXPECT_EQ(Find(*content, {"application/json"}), nullptr);
  EXPECT_EQ(
      Find(*content, {"text/event-stream", "schema", "type"})->string_value(),
      "string");
  EXPECT_NE(Find(*content, {"application/x-ndjson", "schema", "$ref"}),
            nullptr);
}

TEST_F(OpenApiDocumentTest, UnannotatedAndClientStreamingRpcsAreLeftOut) {
  EXPECT_EQ(Find(document_, {"paths", "/v1/shelves:upload"}), nullptr);
  EXPECT_EQ(json_.find("ShopService_Internal"), std::string::npos);
  EXPECT_EQ(json_.find("ShopService_UploadShelves"), std::string::npos);
}

TEST_F(OpenApiDocumentTest, MessageSchemasFollowTheProto3JsonMapping) {
  const Value& shelf = At({"components", "schemas", "test.v1.Shelf"});
  EXPECT_EQ(Find(shelf, {"properties", "bookCount", "type"})->string_value(),
            "string");
  EXPECT_EQ(Find(shelf, {"properties", "bookCount", "format"})->string_value(),
            "int64");
  EXPECT_EQ(Find(shelf, {"properties", "createTime", "format"})->string_value(),
            "date-time");
  EXPECT_TRUE(
      Find(shelf, {"properties", "createTime", "readOnly"})->bool_value());
  EXPECT_EQ(
      Find(shelf, {"properties", "labels", "additionalProperties", "type"})
          ->string_value(),
      "string");
  EXPECT_EQ(Find(shelf, {"properties", "genre", "$ref"})->string_value(),
            "#/components/schemas/test.v1.Genre");
  ASSERT_EQ(Find(shelf, {"required"})->list_value().values_size(), 1);
  EXPECT_EQ(Find(shelf, {"required"})->list_value().values(0).string_value(),
            "theme");
  EXPECT_NE(Find(shelf, {"properties", "isbn", "description"})
                ->string_value()
                .find("oneof `key`"),
            std::string::npos);
  const Value& genre = At({"components", "schemas", "test.v1.Genre"});
  EXPECT_EQ(Find(genre, {"type"})->string_value(), "string");
  ASSERT_EQ(Find(genre, {"enum"})->list_value().values_size(), 2);
  EXPECT_EQ(Find(genre, {"enum"})->list_value().values(1).string_value(),
            "FICTION");
  // Only reachable messages: request messages read from the query are not.
  EXPECT_EQ(Find(document_, {"components", "schemas", "test.v1.Filter"}),
            nullptr);
}

TEST_F(OpenApiDocumentTest, ErrorsShareGooglesJsonErrorShape) {
  const Value& operation = At({"paths", "/v1/shelves/{shelf}", "get"});
  EXPECT_EQ(Find(operation, {"responses", "default", "$ref"})->string_value(),
            "#/components/responses/Error");
  EXPECT_EQ(At({"components", "responses", "Error", "content",
                "application/json", "schema", "$ref"})
                .string_value(),
            "#/components/schemas/Status");
  const Value& error = At(
      {"components", "schemas", "Status", "properties", "error", "properties"});
  for (const char* member : {"code", "message", "status", "details"}) {
    EXPECT_NE(Find(error, {member}), nullptr) << member;
  }
  EXPECT_EQ(
      Find(error, {"details", "items", "oneOf"})->list_value().values_size(),
      2);
  EXPECT_EQ(At({"components", "schemas", "google.rpc.ErrorInfo", "properties",
                "reason", "$ref"})
                .string_value(),
            "#/components/schemas/crm.type.v1.ErrorReason");
  EXPECT_EQ(At({"components", "schemas", "google.rpc.BadRequest", "properties",
                "@type", "const"})
                .string_value(),
            "type.googleapis.com/google.rpc.BadRequest");
}

TEST_F(OpenApiDocumentTest, OutputIsDeterministicWithSortedKeys) {
  const google::protobuf::ServiceDescriptor* service =
      pool_->FindServiceByName("test.v1.ShopService");
  EXPECT_EQ(BuildOpenApiDocument({service}, OpenApiOptions()), json_);
  const size_t components = json_.find("\"components\"");
  const size_t info = json_.find("\"info\"");
  const size_t paths = json_.find("\"paths\"");
  EXPECT_LT(components, info);
  EXPECT_LT(info, paths);
}

TEST(CrmOpenApiDocumentTest, DescriptionsComeFromProtoComments) {
  OpenApiOptions options;
  options.descriptor_set_with_comments = CrmApiDescriptorSet();
  Value document =
      ParseDocument(BuildOpenApiDocument(CrmApiServices(), options));
  const Value* get =
      Find(document, {"paths", "/v1/customers/{customer}", "get"});
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(Find(*get, {"operationId"})->string_value(),
            "CustomerProfileService_GetCustomer");
  EXPECT_EQ(Find(*get, {"summary"})->string_value(), "Returns one customer.");
  const Value* customer = Find(
      document, {"components", "schemas", "crm.customerprofile.v1.Customer"});
  ASSERT_NE(customer, nullptr);
  EXPECT_FALSE(Find(*customer, {"description"})->string_value().empty());
  EXPECT_TRUE(
      Find(*customer, {"properties", "createTime", "readOnly"})->bool_value());
}

}  // namespace
}  // namespace crm::gateway::openapi
