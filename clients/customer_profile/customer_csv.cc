#include "clients/customer_profile/customer_csv.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"

namespace crm::customer_profile_client {
namespace {

std::optional<v1::Customer::Gender> ParseGender(absl::string_view value) {
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  if (lower.empty()) return v1::Customer::GENDER_UNSPECIFIED;
  if (lower == "female" || lower == "f" || lower == "女") {
    return v1::Customer::FEMALE;
  }
  if (lower == "male" || lower == "m" || lower == "男") {
    return v1::Customer::MALE;
  }
  if (lower == "other" || lower == "o" || lower == "其他") {
    return v1::Customer::OTHER;
  }
  return std::nullopt;
}

std::optional<v1::Customer::CustomerType> ParseCustomerType(
    absl::string_view value) {
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  if (lower == "individual" || lower == "i" || lower == "个人") {
    return v1::Customer::INDIVIDUAL;
  }
  if (lower == "business" || lower == "b" || lower == "企业") {
    return v1::Customer::BUSINESS;
  }
  return std::nullopt;
}

std::optional<v1::Consent::Purpose> ParsePurpose(absl::string_view name) {
  if (name == "email_marketing") return v1::Consent::EMAIL_MARKETING;
  if (name == "sms_marketing") return v1::Consent::SMS_MARKETING;
  if (name == "data_processing") return v1::Consent::DATA_PROCESSING;
  if (name == "profiling") return v1::Consent::PROFILING;
  return std::nullopt;
}

std::optional<v1::Consent::Status> ParseConsentStatus(absl::string_view value) {
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  if (lower == "granted") return v1::Consent::GRANTED;
  if (lower == "denied") return v1::Consent::DENIED;
  if (lower == "revoked") return v1::Consent::REVOKED;
  return std::nullopt;
}

// "line 12: reason" -> "reason" (the line travels in line_number).
std::string WithoutLinePrefix(absl::string_view message) {
  if (absl::StartsWith(message, "line ")) {
    size_t colon = message.find(": ");
    if (colon != absl::string_view::npos) {
      return std::string(message.substr(colon + 2));
    }
  }
  return std::string(message);
}

}  // namespace

absl::StatusOr<CustomerCsvMapping> CustomerCsvMapping::FromHeader(
    const CsvHeader& header) {
  static constexpr std::pair<const char*, Field> kPlain[] = {
      {"given_name", Field::kGivenName},
      {"family_name", Field::kFamilyName},
      {"display_name", Field::kDisplayName},
      {"email", Field::kEmail},
      {"phone", Field::kPhone},
      {"birth_date", Field::kBirthDate},
      {"gender", Field::kGender},
      {"locale", Field::kLocale},
      {"country_code", Field::kCountryCode},
      {"region", Field::kRegion},
      {"city", Field::kCity},
      {"postal_code", Field::kPostalCode},
      {"address_line", Field::kAddressLine},
      {"tags", Field::kTags},
      {"source_channel", Field::kSourceChannel},
      {"customer_type", Field::kCustomerType},
      {"company_name", Field::kCompanyName},
      {"tax_id", Field::kTaxId},
  };
  CustomerCsvMapping mapping;
  std::vector<std::string> unknown;
  for (const std::string& name : header.names()) {
    Column column{Field::kGivenName, name, "", 0};
    bool known = false;
    for (const auto& [plain, field] : kPlain) {
      if (name == plain) {
        column.field = field;
        known = true;
        break;
      }
    }
    if (!known) {
      auto prefixed = [&](absl::string_view prefix, Field field) {
        if (!absl::StartsWith(name, prefix) || name.size() == prefix.size()) {
          return false;
        }
        column.field = field;
        column.argument = name.substr(prefix.size());
        return true;
      };
      if (prefixed("identity:", Field::kIdentity) ||
          prefixed("attribute:", Field::kAttribute)) {
        known = true;
      } else if (prefixed("consent:", Field::kConsent)) {
        std::optional<v1::Consent::Purpose> purpose =
            ParsePurpose(column.argument);
        known = purpose.has_value();
        if (known) column.purpose = *purpose;
      }
    }
    if (!known) {
      unknown.push_back(name);
      continue;
    }
    mapping.columns_.push_back(std::move(column));
  }
  if (!unknown.empty()) {
    absl::Status error = common::ErrorWithReason(
        absl::InvalidArgumentError(absl::StrCat(
            "header: unknown column", unknown.size() > 1 ? "s" : "", " '",
            absl::StrJoin(unknown, "', '"),
            "' (known: given_name, family_name, display_name, email, phone, "
            "birth_date, gender, locale, country_code, region, city, "
            "postal_code, address_line, tags, source_channel, customer_type, "
            "company_name, tax_id, identity:<channel>, attribute:<key>, "
            "consent:<purpose>)")),
        ::crm::type::v1::FIELD_INVALID, {{"field", unknown.front()}});
    for (const std::string& column : unknown) {
      error = common::WithFieldViolation(std::move(error), column,
                                         "unknown column");
    }
    return error;
  }
  if (mapping.columns_.empty()) {
    return absl::InvalidArgumentError("header: no columns");
  }
  return mapping;
}

absl::StatusOr<v1::Customer> CustomerCsvMapping::ToCustomer(
    const CsvRecord& record) const {
  if (record.fields.size() != columns_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected ", columns_.size(), " fields, found ", record.fields.size()));
  }
  v1::Customer customer;
  bool any_value = false;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Column& column = columns_[i];
    const std::string& value = record.fields[i];
    if (absl::StripAsciiWhitespace(value).empty()) continue;
    any_value = true;
    switch (column.field) {
      case Field::kGivenName:
        customer.set_given_name(value);
        break;
      case Field::kFamilyName:
        customer.set_family_name(value);
        break;
      case Field::kDisplayName:
        customer.set_display_name(value);
        break;
      case Field::kEmail:
        customer.set_email(value);
        break;
      case Field::kPhone:
        customer.set_phone(value);
        break;
      case Field::kBirthDate:
        customer.set_birth_date(value);
        break;
      case Field::kGender: {
        std::optional<v1::Customer::Gender> gender = ParseGender(value);
        if (!gender.has_value()) {
          return absl::InvalidArgumentError(
              "gender: must be female, male or other (or f, m, o)");
        }
        customer.set_gender(*gender);
        break;
      }
      case Field::kLocale:
        customer.set_locale(value);
        break;
      case Field::kCustomerType: {
        std::optional<v1::Customer::CustomerType> type =
            ParseCustomerType(value);
        if (!type.has_value()) {
          return absl::InvalidArgumentError(
              "customer_type: must be individual or business (or i, b)");
        }
        customer.set_customer_type(*type);
        break;
      }
      case Field::kCompanyName:
        customer.set_company_name(value);
        break;
      case Field::kTaxId:
        customer.set_tax_id(value);
        break;
      case Field::kCountryCode:
        customer.mutable_address()->set_country_code(value);
        break;
      case Field::kRegion:
        customer.mutable_address()->set_region(value);
        break;
      case Field::kCity:
        customer.mutable_address()->set_city(value);
        break;
      case Field::kPostalCode:
        customer.mutable_address()->set_postal_code(value);
        break;
      case Field::kAddressLine:
        customer.mutable_address()->set_address_line(value);
        break;
      case Field::kTags:
        for (absl::string_view tag : absl::StrSplit(value, ';')) {
          tag = absl::StripAsciiWhitespace(tag);
          if (!tag.empty()) customer.add_tags(std::string(tag));
        }
        break;
      case Field::kSourceChannel:
        customer.set_source_channel(value);
        break;
      case Field::kIdentity: {
        v1::ExternalIdentity* identity = customer.add_external_identities();
        identity->set_channel(column.argument);
        identity->set_id(std::string(absl::StripAsciiWhitespace(value)));
        break;
      }
      case Field::kAttribute:
        (*customer.mutable_attributes())[column.argument] = value;
        break;
      case Field::kConsent: {
        std::optional<v1::Consent::Status> status = ParseConsentStatus(value);
        if (!status.has_value()) {
          return absl::InvalidArgumentError(absl::StrCat(
              column.name, ": must be granted, denied or revoked"));
        }
        v1::Consent* consent = customer.add_consents();
        consent->set_purpose(static_cast<v1::Consent::Purpose>(column.purpose));
        consent->set_status(*status);
        consent->set_source("import");
        break;
      }
    }
  }
  if (!any_value) return absl::InvalidArgumentError("row has no values");
  return customer;
}

absl::Status ReadCustomerCsv(
    std::istream& input, bool strict_phone,
    const std::function<bool(const v1::ImportCustomersRequest&)>& send,
    const std::function<void(const v1::ImportRowResult&)>& reject) {
  CsvReader reader(input);
  absl::StatusOr<CsvHeader> header = reader.ReadHeader();
  if (!header.ok()) {
    return absl::InvalidArgumentError(header.status().message());
  }
  absl::StatusOr<CustomerCsvMapping> mapping =
      CustomerCsvMapping::FromHeader(*header);
  if (!mapping.ok()) return mapping.status();

  auto reject_row = [&](int64_t line, absl::string_view reason) {
    v1::ImportRowResult result;
    result.set_line_number(line);
    result.set_outcome(v1::ImportRowResult::REJECTED);
    result.set_error(WithoutLinePrefix(reason));
    reject(result);
  };
  v1::ImportCustomersRequest request;
  while (true) {
    absl::StatusOr<std::optional<CsvRecord>> next = reader.Next();
    if (!next.ok()) {
      reject_row(reader.record_line(), next.status().message());
      continue;
    }
    if (!next->has_value()) break;
    const CsvRecord& record = **next;
    absl::StatusOr<v1::Customer> customer = mapping->ToCustomer(record);
    if (!customer.ok()) {
      reject_row(record.line, customer.status().message());
      continue;
    }
    request.Clear();
    *request.mutable_customer() = *std::move(customer);
    request.set_line_number(record.line);
    request.set_strict_phone(strict_phone);
    if (!send(request)) {
      return absl::CancelledError("the import stream was closed");
    }
  }
  return absl::OkStatus();
}

v1::ImportCustomersResponse MergeImportResults(
    const v1::ImportCustomersResponse& server,
    const std::vector<v1::ImportRowResult>& local_rejections) {
  v1::ImportCustomersResponse merged;
  merged.set_created_count(server.created_count());
  merged.set_updated_count(server.updated_count());
  merged.set_rejected_count(server.rejected_count() +
                            static_cast<int64_t>(local_rejections.size()));
  auto by_line = [](const v1::ImportRowResult& a,
                    const v1::ImportRowResult& b) {
    return a.line_number() < b.line_number();
  };
  std::vector<v1::ImportRowResult> local = local_rejections;
  std::stable_sort(local.begin(), local.end(), by_line);
  auto results = merged.mutable_results();
  results->Reserve(server.results_size() + static_cast<int>(local.size()));
  size_t next_local = 0;
  for (const v1::ImportRowResult& result : server.results()) {
    while (next_local < local.size() && by_line(local[next_local], result)) {
      *results->Add() = local[next_local++];
    }
    *results->Add() = result;
  }
  while (next_local < local.size()) *results->Add() = local[next_local++];
  return merged;
}

}  // namespace crm::customer_profile_client
