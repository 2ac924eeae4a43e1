#include "gateway/json_body_parser.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "crm/loyalty/v1/loyalty_service.pb.h"
#include "crm/segmentation/v1/segmentation_service.pb.h"

namespace crm::gateway {
namespace {

using ::crm::customerprofile::v1::Customer;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// protobuf's own parse of `body`, as the gateway calls it; nullptr if it
// refuses the body.
std::unique_ptr<Message> ProtobufParse(const Descriptor& type,
                                       const std::string& body) {
  std::unique_ptr<Message> message(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(&type)
          ->New());
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (!google::protobuf::util::JsonStringToMessage(body, message.get(), options)
           .ok()) {
    return nullptr;
  }
  return message;
}

// What the fast parser gives for `body`, or nullptr where it steps aside.
std::unique_ptr<Message> FastParse(const Descriptor& type,
                                   const std::string& body) {
  std::unique_ptr<Message> message(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(&type)
          ->New());
  if (!ParsePlainJsonObject(body, message.get())) return nullptr;
  return message;
}

// The contract: whatever the fast parser accepts, protobuf accepts with the
// same result. Returns true if the fast parser took `body`.
bool ExpectAgreesWithProtobuf(const Descriptor& type, const std::string& body) {
  std::unique_ptr<Message> fast = FastParse(type, body);
  if (fast == nullptr) return false;
  std::unique_ptr<Message> reference = ProtobufParse(type, body);
  EXPECT_NE(reference, nullptr)
      << type.full_name() << ": accepted what protobuf refuses: " << body;
  if (reference == nullptr) return true;
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  EXPECT_TRUE(differencer.Compare(*reference, *fast))
      << type.full_name() << ": " << body << "\n"
      << difference;
  return true;
}

TEST(ParsePlainJsonObjectTest, ParsesACustomerAsProtobufDoes) {
  const std::string body =
      R"({"givenName":"Mei","family_name":"Li","displayName":"李 \"梅\"\n",)"
      R"("address":{"countryCode":"CN","city":"上海","addressLine":"南京西路 1 号"},)"
      R"("tags":["vip","a\u00e9\ud83d\ude00"],"attributes":{"tier":"gold","k":""},)"
      R"("consents":[{"purpose":"EMAIL_MARKETING","status":"GRANTED"}]})";
  std::unique_ptr<Message> fast = FastParse(*Customer::descriptor(), body);
  ASSERT_NE(fast, nullptr);
  const auto& customer = static_cast<const Customer&>(*fast);
  EXPECT_EQ(customer.given_name(), "Mei");
  EXPECT_EQ(customer.display_name(), "李 \"梅\"\n");
  EXPECT_EQ(customer.address().city(), "上海");
  ASSERT_EQ(customer.tags_size(), 2);
  EXPECT_EQ(customer.tags(1), "a\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(customer.attributes().at("tier"), "gold");
  ASSERT_EQ(customer.consents_size(), 1);
  EXPECT_TRUE(ExpectAgreesWithProtobuf(*Customer::descriptor(), body));
}

TEST(ParsePlainJsonObjectTest, StepsAsideForWhatProtobufMustDecide) {
  for (const char* body : {
           "",
           "[]",
           R"({"givenName":"Mei"} x)",
           R"({"givenName":"Mei",})",
           R"({"givenName":null})",
           R"({"unknownField":1})",
           R"({"givenName":"a","given_name":"b"})",
           R"({"tags":"vip"})",
           R"({"givenName":1})",
           R"({"givenName":"\ud800"})",
           R"({"givenName":"\u0000"})",
           "{\"givenName\":\"\xff\"}",
           "{\"givenName\":\"a\x01\"}",
           R"({"consents":[{"purpose":"NO_SUCH_PURPOSE"}]})",
           R"({"consents":[{"purpose":1}]})",
           R"({"createTime":"2026-01-01T00:00:00Z"})",
       }) {
    EXPECT_EQ(FastParse(*Customer::descriptor(), body), nullptr) << body;
  }
}

// Random messages of every request type the services take, printed by
// protobuf and parsed back by both parsers.
class RandomMessages {
 public:
  explicit RandomMessages(uint32_t seed) : random_(seed) {}

  void Fill(Message* message, int depth) {
    const Descriptor& type = *message->GetDescriptor();
    const Reflection& reflection = *message->GetReflection();
    for (int i = 0; i < type.field_count(); ++i) {
      const FieldDescriptor* field = type.field(i);
      if (!Chance(0.6)) continue;
      if (field->real_containing_oneof() != nullptr &&
          reflection.HasOneof(*message, field->real_containing_oneof())) {
        continue;
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth >= 3) {
        continue;
      }
      const int count = field->is_repeated() ? Uniform(0, 3) : 1;
      for (int k = 0; k < count; ++k) SetRandom(message, field, depth);
    }
  }

  bool Chance(double p) { return std::bernoulli_distribution(p)(random_); }
  int Uniform(int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random_);
  }

  std::string Text() {
    static const std::vector<std::string> kPieces = {
        "a",  "Z",    "0",    " ", "\"",   "\\", "/", "\n",
        "\t", "\x01", "\x7f", "é", "上海", "😀",  "-", "1"};
    std::string text;
    for (int n = Uniform(0, 6); n > 0; --n) {
      text += kPieces[Uniform(0, kPieces.size() - 1)];
    }
    return text;
  }

  std::string Mutate(const std::string& json) {
    static const std::string kInserted = "{}[]\",:0-9.eE+naul\\ tfu";
    std::string out = json;
    switch (Uniform(0, 3)) {
      case 0:
        if (!out.empty()) out.erase(Uniform(0, out.size() - 1), 1);
        break;
      case 1:
        out.insert(out.begin() + Uniform(0, out.size()),
                   kInserted[Uniform(0, kInserted.size() - 1)]);
        break;
      case 2:
        if (!out.empty()) {
          out[Uniform(0, out.size() - 1)] =
              kInserted[Uniform(0, kInserted.size() - 1)];
        }
        break;
      default: {
        if (out.size() < 2) break;
        const size_t start = Uniform(0, out.size() - 1);
        const size_t length = Uniform(1, out.size() - start);
        out.insert(Uniform(0, out.size()), out.substr(start, length));
      }
    }
    return out;
  }

 private:
  template <typename T>
  T Integer() {
    switch (Uniform(0, 3)) {
      case 0:
        return std::numeric_limits<T>::max();
      case 1:
        return std::numeric_limits<T>::min();
      case 2:
        return static_cast<T>(Uniform(-3, 3));
      default:
        return static_cast<T>(random_());
    }
  }

  double Real() {
    switch (Uniform(0, 3)) {
      case 0:
        return 0.1 * Uniform(-100, 100);
      case 1:
        return std::ldexp(Uniform(1, 1000), Uniform(-1070, 1000));
      case 2:
        return -0.0;
      default:
        return std::uniform_real_distribution<double>(-1e9, 1e9)(random_);
    }
  }

  void SetRandom(Message* message, const FieldDescriptor* field, int depth) {
    const Reflection& r = *message->GetReflection();
    const bool rep = field->is_repeated();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: {
        auto v = Integer<int32_t>();
        rep ? r.AddInt32(message, field, v) : r.SetInt32(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        auto v = Integer<int64_t>();
        rep ? r.AddInt64(message, field, v) : r.SetInt64(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        auto v = Integer<uint32_t>();
        rep ? r.AddUInt32(message, field, v) : r.SetUInt32(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        auto v = Integer<uint64_t>();
        rep ? r.AddUInt64(message, field, v) : r.SetUInt64(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        double v = Real();
        rep ? r.AddDouble(message, field, v) : r.SetDouble(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_FLOAT: {
        auto v = static_cast<float>(Chance(0.5) ? Real() : 1.5);
        if (!std::isfinite(v)) v = 2.5f;
        rep ? r.AddFloat(message, field, v) : r.SetFloat(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool v = Chance(0.5);
        rep ? r.AddBool(message, field, v) : r.SetBool(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* type = field->enum_type();
        int v = type->value(Uniform(0, type->value_count() - 1))->number();
        rep ? r.AddEnumValue(message, field, v)
            : r.SetEnumValue(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string v = Text();
        rep ? r.AddString(message, field, v) : r.SetString(message, field, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* child = rep ? r.AddMessage(message, field)
                             : r.MutableMessage(message, field);
        if (field->message_type()->full_name().rfind("google.protobuf.", 0) !=
            0) {
          Fill(child, depth + 1);
        }
        break;
      }
    }
  }

  std::mt19937 random_;
};

// Every request message of the four services.
std::vector<const Descriptor*> RequestTypes() {
  std::set<const Descriptor*> types;
  for (const char* name :
       {"crm.customerprofile.v1.CustomerProfileService",
        "crm.segmentation.v1.SegmentationService",
        "crm.loyalty.v1.LoyaltyService", "crm.feedback.v1.FeedbackService"}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      types.insert(service->method(i)->input_type());
    }
  }
  return {types.begin(), types.end()};
}

TEST(ParsePlainJsonObjectTest, AgreesWithProtobufOnRandomAndDamagedBodies) {
  RandomMessages random(20261204);
  int printed = 0;
  int taken = 0;
  int damaged_taken = 0;
  for (const Descriptor* type : RequestTypes()) {
    for (int sample = 0; sample < 12; ++sample) {
      std::unique_ptr<Message> message(
          google::protobuf::MessageFactory::generated_factory()
              ->GetPrototype(type)
              ->New());
      random.Fill(message.get(), 0);
      google::protobuf::util::JsonPrintOptions options;
      options.preserve_proto_field_names = random.Chance(0.5);
      options.always_print_primitive_fields = random.Chance(0.5);
      options.add_whitespace = random.Chance(0.3);
      std::string json;
      if (!google::protobuf::util::MessageToJsonString(*message, &json, options)
               .ok()) {
        continue;
      }
      ++printed;
      if (ExpectAgreesWithProtobuf(*type, json)) ++taken;
      for (int edit = 0; edit < 12; ++edit) {
        if (ExpectAgreesWithProtobuf(*type, random.Mutate(json))) {
          ++damaged_taken;
        }
      }
    }
  }
  // Most printed bodies are plain (no well-known types, bytes or numbers
  // protobuf prints in forms the fast parser leaves to it).
  EXPECT_GT(printed, 500);
  EXPECT_GT(taken, printed / 3);
  EXPECT_GT(damaged_taken, 0);
  std::printf("printed %d, taken by the fast parser %d, damaged taken %d\n",
              printed, taken, damaged_taken);
}

}  // namespace
}  // namespace crm::gateway
