#include "services/customer_profile/customer_validation.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include <google/protobuf/util/field_mask_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "services/common/error_details.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/core/standardizer.h"

namespace crm::customer_profile {
namespace {

// Decodes the code point starting at `text[i]` of valid UTF-8 text.
uint32_t DecodeAt(absl::string_view text, size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return c;
  size_t length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
  uint32_t code_point = c & (0xFF >> (length + 1));
  for (size_t k = 1; k < length && i + k < text.size(); ++k) {
    code_point = (code_point << 6) | (text[i + k] & 0x3F);
  }
  return code_point;
}

uint32_t FirstCodePoint(absl::string_view text) {
  return text.empty() ? 0 : DecodeAt(text, 0);
}

uint32_t LastCodePoint(absl::string_view text) {
  if (text.empty()) return 0;
  size_t i = text.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
  return DecodeAt(text, i);
}

// Scripts whose names are written without a space between family and given
// name: Han ideographs, kana, Hangul.
bool IsCjk(uint32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}

// The first `max_chars` code points of valid UTF-8 `text`, without a
// trailing space.
std::string TruncateToCharacters(absl::string_view text, size_t max_chars) {
  size_t chars = 0;
  size_t end = 0;
  while (end < text.size()) {
    if ((static_cast<unsigned char>(text[end]) & 0xC0) != 0x80) {
      if (chars == max_chars) break;
      ++chars;
    }
    ++end;
  }
  return std::string(absl::StripTrailingAsciiWhitespace(text.substr(0, end)));
}

}  // namespace

absl::Status ValidateLocale(absl::string_view locale, absl::string_view field) {
  if (locale.empty()) return absl::OkStatus();
  auto invalid = [&] {
    return crm::common::InvalidFieldError(
        field, "must be a BCP 47 language tag such as zh-CN");
  };
  if (locale.size() > kMaxLocaleLength) return invalid();
  std::vector<absl::string_view> subtags = absl::StrSplit(locale, '-');
  for (size_t i = 0; i < subtags.size(); ++i) {
    absl::string_view subtag = subtags[i];
    if (subtag.empty() || subtag.size() > 8) return invalid();
    for (char c : subtag) {
      const unsigned char u = static_cast<unsigned char>(c);
      if (i == 0 ? !absl::ascii_isalpha(u) : !absl::ascii_isalnum(u)) {
        return invalid();
      }
    }
    if (i == 0 && subtag.size() < 2) return invalid();
  }
  return absl::OkStatus();
}

std::string DefaultDisplayName(absl::string_view family_name,
                               absl::string_view given_name) {
  if (family_name.empty()) return std::string(given_name);
  if (given_name.empty()) return std::string(family_name);
  const bool join_tight =
      IsCjk(LastCodePoint(family_name)) && IsCjk(FirstCodePoint(given_name));
  return absl::StrCat(family_name, join_tight ? "" : " ", given_name);
}

namespace {

using ::crm::common::InvalidFieldError;

// Free text of at most `max_chars` (names, address lines, sources).
absl::StatusOr<std::string> Text(absl::string_view input,
                                 absl::string_view field, size_t max_chars) {
  return StandardizeName(input, field, max_chars);
}

absl::Status StandardizeTags(const v1::Customer& input, v1::Customer* out) {
  if (static_cast<size_t>(input.tags_size()) > kMaxTags) {
    return InvalidFieldError("customer.tags",
                             absl::StrCat("at most ", kMaxTags, " tags"));
  }
  std::set<std::string> tags;
  for (int i = 0; i < input.tags_size(); ++i) {
    const std::string field = absl::StrCat("customer.tags[", i, "]");
    CRM_ASSIGN_OR_RETURN(std::string tag,
                         Text(input.tags(i), field, kMaxTagLength));
    if (tag.empty()) return InvalidFieldError(field, "must not be empty");
    tags.insert(std::move(tag));
  }
  for (const std::string& tag : tags) out->add_tags(tag);
  return absl::OkStatus();
}

absl::Status StandardizeAttributes(const v1::Customer& input,
                                   v1::Customer* out) {
  if (input.attributes_size() > static_cast<int>(kMaxAttributes)) {
    return InvalidFieldError(
        "customer.attributes",
        absl::StrCat("at most ", kMaxAttributes, " entries"));
  }
  for (const auto& [key, value] : input.attributes()) {
    if (key.empty() || key.size() > kMaxAttributeKeyLength) {
      return InvalidFieldError("customer.attributes",
                               "keys must be 1 to 64 characters");
    }
    for (char c : key) {
      if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
            absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_' ||
            c == '.' || c == '-')) {
        return InvalidFieldError("customer.attributes",
                                 "keys must be characters of [a-z0-9_.-]");
      }
    }
    const std::string field = absl::StrCat("customer.attributes[", key, "]");
    if (!crm::common::IsValidUtf8(value)) {
      return InvalidFieldError(field, "not valid UTF-8");
    }
    if (crm::common::Utf8Length(value) > kMaxAttributeValueLength) {
      return InvalidFieldError(
          field, absl::StrCat("longer than ", kMaxAttributeValueLength,
                              " characters"));
    }
    (*out->mutable_attributes())[key] = value;
  }
  return absl::OkStatus();
}

absl::Status StandardizeConsents(const v1::Customer& input,
                                 const StandardizeOptions& options,
                                 v1::Customer* out) {
  std::set<int> purposes;
  for (int i = 0; i < input.consents_size(); ++i) {
    const v1::Consent& in = input.consents(i);
    const std::string field = absl::StrCat("customer.consents[", i, "]");
    // An unset purpose or status is rejected by CheckRequiredFields().
    if (!v1::Consent::Purpose_IsValid(in.purpose())) {
      return InvalidFieldError(absl::StrCat(field, ".purpose"),
                               "must be a known purpose");
    }
    if (!v1::Consent::Status_IsValid(in.status())) {
      return InvalidFieldError(absl::StrCat(field, ".status"),
                               "must be GRANTED, DENIED or REVOKED");
    }
    if (!purposes.insert(in.purpose()).second) {
      return InvalidFieldError(absl::StrCat(field, ".purpose"),
                               "at most one consent per purpose");
    }
    v1::Consent* consent = out->add_consents();
    consent->set_purpose(in.purpose());
    consent->set_status(in.status());
    if (in.has_update_time()) {
      if (in.update_time().seconds() < -62135596800 ||
          in.update_time().seconds() > 253402300799 ||
          in.update_time().nanos() < 0 ||
          in.update_time().nanos() > 999999999) {
        return InvalidFieldError(absl::StrCat(field, ".update_time"),
                                 "not a valid timestamp");
      }
      *consent->mutable_update_time() =
          crm::common::ToProtoTimestamp(crm::common::TruncateToMicros(
              crm::common::FromProtoTimestamp(in.update_time())));
    } else {
      *consent->mutable_update_time() = crm::common::ToProtoTimestamp(
          crm::common::TruncateToMicros(options.now));
    }
    CRM_ASSIGN_OR_RETURN(std::string source,
                         Text(in.source(), absl::StrCat(field, ".source"),
                              kMaxConsentSourceLength));
    consent->set_source(std::move(source));
  }
  std::sort(out->mutable_consents()->begin(), out->mutable_consents()->end(),
            [](const v1::Consent& a, const v1::Consent& b) {
              return a.purpose() < b.purpose();
            });
  return absl::OkStatus();
}

absl::Status StandardizeIdentities(const v1::Customer& input,
                                   v1::Customer* out) {
  if (input.external_identities_size() > static_cast<int>(kMaxIdentities)) {
    return InvalidFieldError(
        "customer.external_identities",
        absl::StrCat("at most ", kMaxIdentities, " entries"));
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (int i = 0; i < input.external_identities_size(); ++i) {
    const v1::ExternalIdentity& in = input.external_identities(i);
    const std::string field =
        absl::StrCat("customer.external_identities[", i, "]");
    const std::string channel =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(in.channel()));
    if (channel.empty() || channel.size() > kMaxChannelLength) {
      return InvalidFieldError(absl::StrCat(field, ".channel"),
                               "must be 1 to 32 characters");
    }
    for (char c : channel) {
      if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
            absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_')) {
        return InvalidFieldError(absl::StrCat(field, ".channel"),
                                 "must be characters of [a-z0-9_]");
      }
    }
    CRM_ASSIGN_OR_RETURN(
        std::string id,
        Text(in.id(), absl::StrCat(field, ".id"), kMaxIdentityIdLength));
    if (id.empty()) {
      return InvalidFieldError(absl::StrCat(field, ".id"), "must not be empty");
    }
    if (seen.emplace(channel, id).second) {
      v1::ExternalIdentity* identity = out->add_external_identities();
      identity->set_channel(channel);
      identity->set_id(id);
    }
  }
  return absl::OkStatus();
}

// Cuts `text` (valid UTF-8) to at most `max_chars` code points.
std::string CutToCharacters(absl::string_view text, size_t max_chars) {
  return TruncateToCharacters(text, max_chars);
}

struct ScalarAccessor {
  const char* path;
  std::string (*get)(const v1::Customer&);
  void (*set)(v1::Customer*, const std::string&);
};

#define CRM_STRING_FIELD(path, getter)                                    \
  ScalarAccessor {                                                        \
    path, [](const v1::Customer& c) { return std::string(c.getter()); },  \
        [](v1::Customer* c, const std::string& v) { c->set_##getter(v); } \
  }
#define CRM_ADDRESS_FIELD(path, getter)             \
  ScalarAccessor {                                  \
    path,                                           \
        [](const v1::Customer& c) {                 \
          return std::string(c.address().getter()); \
        },                                          \
        [](v1::Customer* c, const std::string& v) { \
          c->mutable_address()->set_##getter(v);    \
        }                                           \
  }

const std::vector<ScalarAccessor>& Accessors() {
  static const auto* const accessors = new std::vector<ScalarAccessor>{
      CRM_STRING_FIELD("given_name", given_name),
      CRM_STRING_FIELD("family_name", family_name),
      CRM_STRING_FIELD("display_name", display_name),
      CRM_STRING_FIELD("email", email),
      CRM_STRING_FIELD("phone", phone),
      CRM_STRING_FIELD("locale", locale),
      CRM_STRING_FIELD("birth_date", birth_date),
      ScalarAccessor{"gender",
                     [](const v1::Customer& c) {
                       return c.gender() == v1::Customer::GENDER_UNSPECIFIED
                                  ? std::string()
                                  : std::to_string(c.gender());
                     },
                     [](v1::Customer* c, const std::string& v) {
                       int number = 0;
                       if (!v.empty() && absl::SimpleAtoi(v, &number)) {
                         c->set_gender(
                             static_cast<v1::Customer::Gender>(number));
                       } else {
                         c->set_gender(v1::Customer::GENDER_UNSPECIFIED);
                       }
                     }},
      CRM_STRING_FIELD("source_channel", source_channel),
      ScalarAccessor{
          "customer_type",
          [](const v1::Customer& c) {
            return c.customer_type() == v1::Customer::CUSTOMER_TYPE_UNSPECIFIED
                       ? std::string()
                       : std::to_string(c.customer_type());
          },
          [](v1::Customer* c, const std::string& v) {
            int number = 0;
            if (!v.empty() && absl::SimpleAtoi(v, &number)) {
              c->set_customer_type(
                  static_cast<v1::Customer::CustomerType>(number));
            } else {
              c->set_customer_type(v1::Customer::CUSTOMER_TYPE_UNSPECIFIED);
            }
          }},
      CRM_STRING_FIELD("company_name", company_name),
      CRM_STRING_FIELD("tax_id", tax_id),
      CRM_ADDRESS_FIELD("address.country_code", country_code),
      CRM_ADDRESS_FIELD("address.region", region),
      CRM_ADDRESS_FIELD("address.city", city),
      CRM_ADDRESS_FIELD("address.postal_code", postal_code),
      CRM_ADDRESS_FIELD("address.address_line", address_line),
  };
  return *accessors;
}

#undef CRM_STRING_FIELD
#undef CRM_ADDRESS_FIELD

const ScalarAccessor* FindAccessor(absl::string_view path) {
  for (const ScalarAccessor& accessor : Accessors()) {
    if (path == accessor.path) return &accessor;
  }
  return nullptr;
}

}  // namespace

namespace {

// customer_type, company_name and tax_id: the type a known value, the
// company name collapsed like other text, the tax id trimmed and checked
// for its shape (letters upper-cased), then CheckCustomerTypeFields.
absl::Status StandardizeBusiness(const v1::Customer& input, v1::Customer* out) {
  if (!v1::Customer::CustomerType_IsValid(input.customer_type())) {
    return InvalidFieldError("customer.customer_type", "must be a known value");
  }
  out->set_customer_type(input.customer_type());
  CRM_ASSIGN_OR_RETURN(std::string company,
                       Text(input.company_name(), "customer.company_name",
                            kMaxCompanyNameLength));
  out->set_company_name(std::move(company));
  std::string tax_id(absl::StripAsciiWhitespace(input.tax_id()));
  for (char& c : tax_id) {
    if (c != '-' && !absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      return InvalidFieldError("customer.tax_id",
                               "only letters, digits and '-'");
    }
    c = absl::ascii_toupper(static_cast<unsigned char>(c));
  }
  if (!tax_id.empty() &&
      (tax_id.size() < kMinTaxIdLength || tax_id.size() > kMaxTaxIdLength)) {
    return InvalidFieldError(
        "customer.tax_id",
        absl::StrCat("must have ", kMinTaxIdLength, " to ", kMaxTaxIdLength,
                     " letters, digits or '-'"));
  }
  out->set_tax_id(std::move(tax_id));
  return CheckCustomerTypeFields(*out);
}

}  // namespace

absl::Status CheckCustomerTypeFields(const v1::Customer& customer) {
  if (customer.customer_type() == v1::Customer::BUSINESS) {
    if (customer.company_name().empty()) {
      return crm::common::RequiredFieldError("customer.company_name");
    }
    return absl::OkStatus();
  }
  if (!customer.company_name().empty()) {
    return InvalidFieldError("customer.company_name",
                             "allowed only on a BUSINESS customer");
  }
  if (!customer.tax_id().empty()) {
    return InvalidFieldError("customer.tax_id",
                             "allowed only on a BUSINESS customer");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Customer> StandardizeCustomer(
    const v1::Customer& input, const StandardizeOptions& options) {
  v1::Customer out;
  CRM_ASSIGN_OR_RETURN(
      std::string given,
      Text(input.given_name(), "customer.given_name", kMaxGivenNameLength));
  CRM_ASSIGN_OR_RETURN(
      std::string family,
      Text(input.family_name(), "customer.family_name", kMaxFamilyNameLength));
  CRM_ASSIGN_OR_RETURN(std::string display,
                       Text(input.display_name(), "customer.display_name",
                            kMaxDisplayNameLength));
  if (display.empty()) {
    display = CutToCharacters(DefaultDisplayName(family, given),
                              kMaxDisplayNameLength);
  }
  out.set_given_name(std::move(given));
  out.set_family_name(std::move(family));
  out.set_display_name(std::move(display));
  CRM_ASSIGN_OR_RETURN(std::string email,
                       StandardizeEmail(input.email(), "customer.email"));
  out.set_email(std::move(email));
  CRM_ASSIGN_OR_RETURN(
      StandardizedPhone phone,
      StandardizePhone(
          input.phone(),
          PhoneOptions{.default_region = options.phone_default_region,
                       .strict = options.strict_phone},
          "customer.phone"));
  out.set_phone(std::move(phone.value));
  if (!crm::common::IsValidUtf8(input.locale())) {
    return InvalidFieldError("customer.locale", "not valid UTF-8");
  }
  const std::string locale(absl::StripAsciiWhitespace(input.locale()));
  CRM_RETURN_IF_ERROR(ValidateLocale(locale, "customer.locale"));
  out.set_locale(locale);
  if (!absl::StripAsciiWhitespace(input.birth_date()).empty()) {
    CRM_ASSIGN_OR_RETURN(
        absl::CivilDay day,
        ParseBirthDate(input.birth_date(), "customer.birth_date", options.now));
    out.set_birth_date(FormatIsoDate(day));
  }
  if (!v1::Customer::Gender_IsValid(input.gender())) {
    return InvalidFieldError("customer.gender", "must be a known value");
  }
  out.set_gender(input.gender());
  if (input.has_address()) {
    const v1::PostalAddress& in = input.address();
    v1::PostalAddress* address = out.mutable_address();
    CRM_ASSIGN_OR_RETURN(
        std::string country,
        StandardizeCountryCode(in.country_code(),
                               "customer.address.country_code"));
    address->set_country_code(std::move(country));
    CRM_ASSIGN_OR_RETURN(std::string region,
                         Text(in.region(), "customer.address.region", 100));
    address->set_region(std::move(region));
    CRM_ASSIGN_OR_RETURN(std::string city,
                         Text(in.city(), "customer.address.city", 100));
    address->set_city(std::move(city));
    CRM_ASSIGN_OR_RETURN(
        std::string postal,
        Text(in.postal_code(), "customer.address.postal_code", 20));
    address->set_postal_code(std::move(postal));
    CRM_ASSIGN_OR_RETURN(
        std::string line,
        Text(in.address_line(), "customer.address.address_line", 300));
    address->set_address_line(std::move(line));
  }
  CRM_RETURN_IF_ERROR(StandardizeTags(input, &out));
  CRM_RETURN_IF_ERROR(StandardizeAttributes(input, &out));
  CRM_RETURN_IF_ERROR(StandardizeConsents(input, options, &out));
  CRM_RETURN_IF_ERROR(StandardizeIdentities(input, &out));
  CRM_ASSIGN_OR_RETURN(std::string source,
                       Text(input.source_channel(), "customer.source_channel",
                            kMaxSourceChannelLength));
  out.set_source_channel(std::move(source));
  CRM_RETURN_IF_ERROR(StandardizeBusiness(input, &out));
  return out;
}

const std::vector<std::string>& ScalarPaths() {
  static const auto* const paths = [] {
    auto* result = new std::vector<std::string>();
    for (const ScalarAccessor& accessor : Accessors()) {
      result->push_back(accessor.path);
    }
    return result;
  }();
  return *paths;
}

std::string ScalarValue(const v1::Customer& customer, absl::string_view path) {
  const ScalarAccessor* accessor = FindAccessor(path);
  return accessor == nullptr ? std::string() : accessor->get(customer);
}

const std::vector<std::string>& UpdatablePaths() {
  static const auto* const paths = [] {
    auto* result = new std::vector<std::string>(ScalarPaths());
    for (const char* path :
         {"tags", "attributes", "consents", "external_identities"}) {
      result->push_back(path);
    }
    return result;
  }();
  return *paths;
}

namespace {

// Paths that are never written by a client (AIP-203): ignored in masks.
bool IsOutputOnlyPath(absl::string_view path) {
  for (absl::string_view output_only :
       {"name", "state", "create_time", "update_time", "etag", "merged_into",
        "purchase_summary"}) {
    if (path == output_only ||
        (absl::StartsWith(path, output_only) &&
         path.size() > output_only.size() && path[output_only.size()] == '.')) {
      return true;
    }
  }
  return false;
}

// The updatable paths named by `paths` ("*" and "address" expanded,
// duplicates removed, output-only paths dropped); INVALID_ARGUMENT naming
// `field` for any other path.
absl::StatusOr<std::vector<std::string>> ExpandPaths(
    const google::protobuf::RepeatedPtrField<std::string>& paths,
    absl::string_view field) {
  std::vector<std::string> result;
  auto add = [&result](const std::string& path) {
    if (std::find(result.begin(), result.end(), path) == result.end()) {
      result.push_back(path);
    }
  };
  for (const std::string& path : paths) {
    if (path == "*") {
      for (const std::string& p : UpdatablePaths()) add(p);
    } else if (path == "address") {
      for (const std::string& p : ScalarPaths()) {
        if (absl::StartsWith(p, "address.")) add(p);
      }
    } else if (std::find(UpdatablePaths().begin(), UpdatablePaths().end(),
                         path) != UpdatablePaths().end()) {
      add(path);
    } else if (!IsOutputOnlyPath(path)) {
      const bool printable =
          path.size() <= 64 &&
          std::all_of(path.begin(), path.end(), [](char c) {
            return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                   c == '_' || c == '.';
          });
      return InvalidFieldError(
          field, printable ? absl::StrCat("unknown path \"", path, "\"")
                           : std::string("contains an unknown path"));
    }
  }
  return result;
}

}  // namespace

std::vector<std::string> PathsSetIn(const v1::Customer& body) {
  std::vector<std::string> paths;
  for (const std::string& path : ScalarPaths()) {
    if (!ScalarValue(body, path).empty()) paths.push_back(path);
  }
  if (body.tags_size() > 0) paths.push_back("tags");
  if (body.attributes_size() > 0) paths.push_back("attributes");
  if (body.consents_size() > 0) paths.push_back("consents");
  if (body.external_identities_size() > 0) {
    paths.push_back("external_identities");
  }
  return paths;
}

absl::StatusOr<std::vector<std::string>> UpdatePaths(
    const google::protobuf::FieldMask& mask, const v1::Customer& body) {
  if (mask.paths_size() == 0) return PathsSetIn(body);
  return ExpandPaths(mask.paths(), "update_mask");
}

absl::StatusOr<std::vector<std::string>> ValidatePinnedFields(
    const google::protobuf::RepeatedPtrField<std::string>& paths) {
  return ExpandPaths(paths, "pinned_fields");
}

void CopyFields(const v1::Customer& from, const std::vector<std::string>& paths,
                v1::Customer* to) {
  for (const std::string& path : paths) {
    if (const ScalarAccessor* accessor = FindAccessor(path)) {
      accessor->set(to, accessor->get(from));
    } else if (path == "tags") {
      *to->mutable_tags() = from.tags();
    } else if (path == "attributes") {
      *to->mutable_attributes() = from.attributes();
    } else if (path == "consents") {
      *to->mutable_consents() = from.consents();
    } else if (path == "external_identities") {
      *to->mutable_external_identities() = from.external_identities();
    }
  }
}

absl::StatusOr<CustomerOrder> ParseCustomerOrder(absl::string_view order_by) {
  const std::string normalized =
      absl::AsciiStrToLower(CollapseWhitespace(order_by));
  if (normalized.empty() || normalized == "create_time desc") {
    return CustomerOrder::kCreateTimeDesc;
  }
  if (normalized == "create_time" || normalized == "create_time asc") {
    return CustomerOrder::kCreateTimeAsc;
  }
  if (normalized == "update_time desc") return CustomerOrder::kUpdateTimeDesc;
  if (normalized == "update_time" || normalized == "update_time asc") {
    return CustomerOrder::kUpdateTimeAsc;
  }
  return crm::common::InvalidFieldError(
      "order_by",
      "must be \"create_time desc\", \"create_time\", \"update_time desc\" "
      "or \"update_time\"");
}

absl::StatusOr<CustomerReadMask> ParseCustomerReadMask(
    const google::protobuf::FieldMask& mask) {
  CustomerReadMask read_mask;
  if (mask.paths_size() == 0) return read_mask;
  for (const std::string& path : mask.paths()) {
    if (!google::protobuf::util::FieldMaskUtil::GetFieldDescriptors(
            v1::Customer::descriptor(), path, nullptr)) {
      return crm::common::InvalidFieldError(
          "read_mask", absl::StrCat("\"", path, "\" is not a Customer field"));
    }
  }
  read_mask.name_only =
      std::all_of(mask.paths().begin(), mask.paths().end(),
                  [](const std::string& path) { return path == "name"; });
  read_mask.mask = mask;
  return read_mask;
}

std::string ExternalIdentityKey(const v1::ExternalIdentity& identity) {
  return absl::StrCat(identity.channel(), ":", identity.id());
}

absl::StatusOr<std::string> ParseCustomerName(absl::string_view name,
                                              absl::string_view field) {
  if (name.empty()) return crm::common::RequiredFieldError(field);
  absl::StatusOr<std::string> id =
      crm::common::ParseResourceName(name, kCustomersCollection, field);
  if (!id.ok()) {
    return crm::common::InvalidFieldError(
        field, "must have the form customers/{customer}");
  }
  return id;
}

std::string CustomerName(absl::string_view id) {
  return crm::common::FormatResourceName(kCustomersCollection, id);
}

}  // namespace crm::customer_profile
