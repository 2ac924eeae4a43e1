// CSV rows -> Customer messages for bulk import (the columns of the file
// that crm-import and the gateway's POST /v1/customers:import accept, both
// through ImportCustomersFromCsv in csv_import.h).
//
//   std::ifstream file(path, std::ios::binary);
//   CRM_RETURN_IF_ERROR(ReadCustomerCsv(
//       file, /*strict_phone=*/false,
//       [&](const v1::ImportCustomersRequest& row) { return writer->Write(row);
//       },
//       [&](const v1::ImportRowResult& rejected) { local.push_back(rejected);
//       }));
//
// Columns (header names are trimmed and compared case-insensitively; the
// order is free; every column is optional but at least one must be known):
//   given_name, family_name, display_name, email, phone, birth_date
//   (YYYY-MM-DD), gender (female|f|女, male|m|男, other|o; empty = not
//   stated), locale, country_code, region, city, postal_code, address_line,
//   tags (separated by ';'), source_channel, customer_type (individual|i|
//   个人, business|b|企业; empty = not stated), company_name, tax_id,
//   identity:<channel>   an external identity in <channel>, e.g.
//                        identity:wechat_openid
//   attribute:<key>      a string attribute, e.g. attribute:member_level
//   consent:<purpose>    email_marketing | sms_marketing | data_processing |
//                        profiling; the value is granted | denied | revoked
// An empty cell means "no value". A header with an unknown or repeated column
// is rejected as a whole (so a typo never silently drops data). Values are
// not standardised here: the service standardises and validates them exactly
// as for CreateCustomer.
//
// Row errors (wrong field count, invalid UTF-8, oversized field, an invalid
// gender, customer type or consent value, a row with no value at all) become
// REJECTED results with the row's line number; such rows are never sent. Error
// texts name the column, never the value (it may be personal data).
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clients/customer_profile/csv_reader.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"

namespace crm::customer_profile_client {

namespace v1 = ::crm::customerprofile::v1;

// The mapping of one header's columns to Customer fields.
class CustomerCsvMapping {
 public:
  // INVALID_ARGUMENT naming the offending columns when a column is unknown
  // (reason FIELD_INVALID, ErrorInfo metadata `field` = the first unknown
  // column, and a BadRequest field violation for each), or when no column is
  // known.
  static absl::StatusOr<CustomerCsvMapping> FromHeader(const CsvHeader& header);

  // The customer of one record (which has header.size() fields).
  // INVALID_ARGUMENT "<column>: <reason>" for a value that cannot be mapped,
  // or "row has no values" when every cell is empty.
  absl::StatusOr<v1::Customer> ToCustomer(const CsvRecord& record) const;

 private:
  enum class Field {
    kGivenName,
    kFamilyName,
    kDisplayName,
    kEmail,
    kPhone,
    kBirthDate,
    kGender,
    kLocale,
    kCountryCode,
    kRegion,
    kCity,
    kPostalCode,
    kAddressLine,
    kTags,
    kSourceChannel,
    kCustomerType,
    kCompanyName,
    kTaxId,
    kIdentity,   // argument: channel
    kAttribute,  // argument: key
    kConsent,    // argument: purpose
  };
  struct Column {
    Field field;
    std::string name;      // As in the header (lower-cased).
    std::string argument;  // Channel, attribute key or purpose name.
    int purpose = 0;       // For kConsent: v1::Consent::Purpose.
  };
  std::vector<Column> columns_;  // One per header column, in order.
};

// Reads a whole CSV document (header + rows). For each row that maps, calls
// `send` with an ImportCustomersRequest (customer, line_number, strict_phone);
// when `send` returns false (the transport failed), reading stops and
// CANCELLED is returned. For each row that does not map, calls `reject` with
// a REJECTED result. Returns INVALID_ARGUMENT when the header is missing or
// invalid, or the input is not UTF-8 (nothing was sent then).
absl::Status ReadCustomerCsv(
    std::istream& input, bool strict_phone,
    const std::function<bool(const v1::ImportCustomersRequest&)>& send,
    const std::function<void(const v1::ImportRowResult&)>& reject);

// The server's response with the locally rejected rows merged in, ordered by
// line number, counts included.
v1::ImportCustomersResponse MergeImportResults(
    const v1::ImportCustomersResponse& server,
    const std::vector<v1::ImportRowResult>& local_rejections);

}  // namespace crm::customer_profile_client
