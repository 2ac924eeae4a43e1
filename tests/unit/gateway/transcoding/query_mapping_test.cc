#include "gateway/transcoding/query_mapping.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/strip.h"
#include "services/common/error_details.h"
#include "tests/testing/status_matchers.h"

namespace crm::gateway::transcoding {
namespace {

namespace pb = ::google::protobuf;

// A request with a field of every kind the query string can set, built at
// run time (so the mapping is also exercised on dynamic messages).
constexpr char kTestProto[] = R"pb(
  name: "transcoding_test.proto"
  package: "transcodingtest"
  syntax: "proto3"
  dependency: "google/protobuf/field_mask.proto"
  dependency: "google/protobuf/timestamp.proto"
  dependency: "google/protobuf/duration.proto"
  dependency: "google/protobuf/wrappers.proto"
  enum_type {
    name: "Color"
    value { name: "COLOR_UNSPECIFIED" number: 0 }
    value { name: "RED" number: 1 }
    value { name: "GREEN" number: 2 }
  }
  message_type {
    name: "Inner"
    field {
      name: "city_name"
      number: 1
      type: TYPE_STRING
      json_name: "cityName"
      label: LABEL_OPTIONAL
    }
    field {
      name: "depth"
      number: 2
      type: TYPE_INT32
      json_name: "depth"
      label: LABEL_OPTIONAL
    }
  }
  message_type {
    name: "Request"
    field {
      name: "text"
      number: 1
      type: TYPE_STRING
      json_name: "text"
      label: LABEL_OPTIONAL
    }
    field {
      name: "page_size"
      number: 2
      type: TYPE_INT32
      json_name: "pageSize"
      label: LABEL_OPTIONAL
    }
    field {
      name: "big"
      number: 3
      type: TYPE_INT64
      json_name: "big"
      label: LABEL_OPTIONAL
    }
    field {
      name: "unsigned_value"
      number: 4
      type: TYPE_UINT32
      json_name: "unsignedValue"
      label: LABEL_OPTIONAL
    }
    field {
      name: "ratio"
      number: 5
      type: TYPE_DOUBLE
      json_name: "ratio"
      label: LABEL_OPTIONAL
    }
    field {
      name: "flag"
      number: 6
      type: TYPE_BOOL
      json_name: "flag"
      label: LABEL_OPTIONAL
    }
    field {
      name: "color"
      number: 7
      type: TYPE_ENUM
      type_name: ".transcodingtest.Color"
      json_name: "color"
      label: LABEL_OPTIONAL
    }
    field {
      name: "colors"
      number: 8
      type: TYPE_ENUM
      type_name: ".transcodingtest.Color"
      json_name: "colors"
      label: LABEL_REPEATED
    }
    field {
      name: "tags"
      number: 9
      type: TYPE_STRING
      json_name: "tags"
      label: LABEL_REPEATED
    }
    field {
      name: "data"
      number: 10
      type: TYPE_BYTES
      json_name: "data"
      label: LABEL_OPTIONAL
    }
    field {
      name: "inner"
      number: 11
      type: TYPE_MESSAGE
      type_name: ".transcodingtest.Inner"
      json_name: "inner"
      label: LABEL_OPTIONAL
    }
    field {
      name: "update_mask"
      number: 12
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.FieldMask"
      json_name: "updateMask"
      label: LABEL_OPTIONAL
    }
    field {
      name: "since"
      number: 13
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Timestamp"
      json_name: "since"
      label: LABEL_OPTIONAL
    }
    field {
      name: "wait"
      number: 14
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Duration"
      json_name: "wait"
      label: LABEL_OPTIONAL
    }
    field {
      name: "limit"
      number: 15
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Int32Value"
      json_name: "limit"
      label: LABEL_OPTIONAL
    }
    field {
      name: "body"
      number: 16
      type: TYPE_MESSAGE
      type_name: ".transcodingtest.Inner"
      json_name: "body"
      label: LABEL_OPTIONAL
    }
    field {
      name: "name"
      number: 17
      type: TYPE_STRING
      json_name: "name"
      label: LABEL_OPTIONAL
    }
  }
)pb";

class QueryMappingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const pb::FileDescriptor* file :
         {pb::FieldMask::descriptor()->file(),
          pb::Timestamp::descriptor()->file(),
          pb::Duration::descriptor()->file(),
          pb::Int32Value::descriptor()->file()}) {
      pb::FileDescriptorProto proto;
      file->CopyTo(&proto);
      ASSERT_NE(pool_.BuildFile(proto), nullptr);
    }
    pb::FileDescriptorProto proto;
    ASSERT_TRUE(pb::TextFormat::ParseFromString(kTestProto, &proto));
    ASSERT_NE(pool_.BuildFile(proto), nullptr);
    request_type_ = pool_.FindMessageTypeByName("transcodingtest.Request");
    ASSERT_NE(request_type_, nullptr);
    mapping_ = QueryMapping::ForRequest(*request_type_, {"body", "name"});
    request_.reset(factory_.GetPrototype(request_type_)->New());
  }

  absl::Status Apply(const std::string& query) {
    absl::StatusOr<QueryParams> params = ParseQueryString("/x?" + query);
    if (!params.ok()) return params.status();
    return mapping_.Apply(*params, request_.get());
  }

  std::string Text() const {
    std::string text;
    pb::TextFormat::Printer printer;
    printer.SetSingleLineMode(true);
    printer.PrintToString(*request_, &text);
    return std::string(absl::StripTrailingAsciiWhitespace(text));
  }

  static std::string FieldOf(const absl::Status& status) {
    return common::ErrorMetadataOf(status)["field"];
  }

  pb::DescriptorPool pool_;
  pb::DynamicMessageFactory factory_;
  const pb::Descriptor* request_type_ = nullptr;
  QueryMapping mapping_;
  std::unique_ptr<pb::Message> request_;
};

TEST_F(QueryMappingTest, SetsScalarsBySnakeOrCamelName) {
  ASSERT_THAT(Apply("text=caf%C3%A9+au+lait&pageSize=20&big=-9000000000&"
                    "unsigned_value=7&ratio=0.25&flag=true"),
              crm::testing::IsOk());
  EXPECT_EQ(Text(),
            "text: \"caf\\303\\251 au lait\" page_size: 20 big: -9000000000 "
            "unsigned_value: 7 ratio: 0.25 flag: true");
}

TEST_F(QueryMappingTest, EnumsByNameRepeatedAndNestedFields) {
  ASSERT_THAT(Apply("color=GREEN&colors=RED&colors=2&tags=a&tags=b&"
                    "inner.cityName=Lyon&inner.depth=3&data=aGk%3D"),
              crm::testing::IsOk());
  EXPECT_EQ(Text(),
            "color: GREEN colors: RED colors: GREEN tags: \"a\" tags: \"b\" "
            "data: \"hi\" inner { city_name: \"Lyon\" depth: 3 }");
}

TEST_F(QueryMappingTest, WellKnownTypes) {
  ASSERT_THAT(Apply("update_mask=givenName,%20address.city,&"
                    "since=2026-11-11T02:00:00.5Z&wait=1.5s&limit=0"),
              crm::testing::IsOk());
  EXPECT_EQ(Text(),
            "update_mask { paths: \"given_name\" paths: \"address.city\" } "
            "since { seconds: 1794362400 nanos: 500000000 } "
            "wait { seconds: 1 nanos: 500000000 } limit { }");
}

TEST_F(QueryMappingTest, EmptyNumbersAndBoolsKeepTheirDefaults) {
  ASSERT_THAT(Apply("page_size=&flag=&text="), crm::testing::IsOk());
  EXPECT_EQ(Text(), "");
}

TEST_F(QueryMappingTest, BadValuesAreFieldInvalidNamingTheParameter) {
  for (const char* bad :
       {"pageSize=ten", "pageSize=99999999999", "flag=maybe", "color=BLUE",
        "since=yesterday", "wait=5", "data=%25%25", "unsigned_value=-1",
        "text=%FF", "limit=x"}) {
    request_->Clear();
    absl::Status status = Apply(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(common::ReasonOf(status), crm::type::v1::FIELD_INVALID) << bad;
    std::string param = std::string(bad).substr(0, std::string(bad).find('='));
    EXPECT_EQ(FieldOf(status), param) << bad;
  }
}

TEST_F(QueryMappingTest, SingularGivenTwiceIsInvalid) {
  absl::Status status = Apply("page_size=1&pageSize=2");
  EXPECT_EQ(common::ReasonOf(status), crm::type::v1::FIELD_INVALID);
  EXPECT_EQ(FieldOf(status), "pageSize");
}

TEST_F(QueryMappingTest, UnknownAndExcludedParametersAreNamed) {
  // `body` and `name` are bound elsewhere (the body, the path).
  absl::Status status = Apply("name=x&page_size=1&body.depth=2&shoe=1");
  EXPECT_EQ(common::ReasonOf(status), crm::type::v1::FIELD_INVALID);
  EXPECT_EQ(FieldOf(status), "name");
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("shoe"));
  EXPECT_THAT(std::string(status.message()),
              ::testing::HasSubstr("body.depth"));
  EXPECT_THAT(mapping_.names(), ::testing::Contains("inner.city_name"));
  EXPECT_THAT(mapping_.names(), ::testing::Not(::testing::Contains("name")));
}

TEST(ParseQueryStringTest, KeepsOrderAndRepeatsAndDecodes) {
  absl::StatusOr<QueryParams> params =
      ParseQueryString("/v1/x?a=1&b=%2F+x&a=2&flag&#frag");
  ASSERT_THAT(params, crm::testing::IsOk());
  EXPECT_THAT(*params, ::testing::ElementsAre(::testing::Pair("a", "1"),
                                              ::testing::Pair("b", "/ x"),
                                              ::testing::Pair("a", "2"),
                                              ::testing::Pair("flag", "")));
  EXPECT_FALSE(ParseQueryString("/v1/x?a=%G1").ok());
  EXPECT_TRUE(ParseQueryString("/v1/x")->empty());
}

}  // namespace
}  // namespace crm::gateway::transcoding
