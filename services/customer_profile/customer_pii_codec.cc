#include "services/customer_profile/customer_pii_codec.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/etag.h"
#include "services/common/status_macros.h"
#include "services/common/timestamps.h"
#include "services/customer_profile/customer_validation.h"

namespace crm::customer_profile {

v1::Customer PersonalPart(const v1::Customer& customer) {
  v1::Customer pii;
  pii.set_given_name(customer.given_name());
  pii.set_family_name(customer.family_name());
  pii.set_display_name(customer.display_name());
  pii.set_email(customer.email());
  pii.set_phone(customer.phone());
  pii.set_birth_date(customer.birth_date());
  const v1::PostalAddress& address = customer.address();
  if (!address.region().empty() || !address.city().empty() ||
      !address.postal_code().empty() || !address.address_line().empty()) {
    v1::PostalAddress* out = pii.mutable_address();
    out->set_region(address.region());
    out->set_city(address.city());
    out->set_postal_code(address.postal_code());
    out->set_address_line(address.address_line());
  }
  *pii.mutable_external_identities() = customer.external_identities();
  pii.set_company_name(customer.company_name());
  pii.set_tax_id(customer.tax_id());
  return pii;
}

v1::Customer ProfilePart(const v1::Customer& customer) {
  v1::Customer profile;
  profile.set_locale(customer.locale());
  profile.set_gender(customer.gender());
  if (!customer.address().country_code().empty()) {
    profile.mutable_address()->set_country_code(
        customer.address().country_code());
  }
  *profile.mutable_tags() = customer.tags();
  *profile.mutable_attributes() = customer.attributes();
  *profile.mutable_consents() = customer.consents();
  profile.set_source_channel(customer.source_channel());
  profile.set_customer_type(customer.customer_type());
  return profile;
}

std::optional<std::string> BirthdayMonthDay(absl::string_view birth_date) {
  if (birth_date.size() != 10 || birth_date[4] != '-') return std::nullopt;
  std::string month_day(birth_date.substr(5));
  if (!IsMonthDay(month_day)) return std::nullopt;
  return month_day;
}

bool IsMonthDay(absl::string_view text) {
  if (text.size() != 5 || text[2] != '-' || !absl::ascii_isdigit(text[0]) ||
      !absl::ascii_isdigit(text[1]) || !absl::ascii_isdigit(text[3]) ||
      !absl::ascii_isdigit(text[4])) {
    return false;
  }
  const int month = (text[0] - '0') * 10 + (text[1] - '0');
  const int day = (text[3] - '0') * 10 + (text[4] - '0');
  // Days of each month in a leap year: every month-day some year has.
  static constexpr int kDays[12] = {31, 29, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31};
  return month >= 1 && month <= 12 && day >= 1 && day <= kDays[month - 1];
}

absl::StatusOr<CustomerPiiCodec> CustomerPiiCodec::Create(KeyRing key_ring) {
  CRM_ASSIGN_OR_RETURN(BlindIndexKey email,
                       key_ring.DeriveBlindIndexKey("email"));
  CRM_ASSIGN_OR_RETURN(BlindIndexKey phone,
                       key_ring.DeriveBlindIndexKey("phone"));
  CRM_ASSIGN_OR_RETURN(BlindIndexKey external,
                       key_ring.DeriveBlindIndexKey("external_identity"));
  CRM_ASSIGN_OR_RETURN(BlindIndexKey name_birth,
                       key_ring.DeriveBlindIndexKey("name_birth_date"));
  CRM_ASSIGN_OR_RETURN(BlindIndexKey birthday,
                       key_ring.DeriveBlindIndexKey("birthday"));
  CRM_ASSIGN_OR_RETURN(BlindIndexKey query,
                       key_ring.DeriveBlindIndexKey("list_query"));
  return CustomerPiiCodec(std::move(key_ring), std::move(email),
                          std::move(phone), std::move(external),
                          std::move(name_birth), std::move(birthday),
                          std::move(query));
}

CustomerPiiCodec::CustomerPiiCodec(KeyRing key_ring, BlindIndexKey email,
                                   BlindIndexKey phone, BlindIndexKey external,
                                   BlindIndexKey name_birth,
                                   BlindIndexKey birthday, BlindIndexKey query)
    : ring_(std::move(key_ring)),
      email_key_(std::move(email)),
      phone_key_(std::move(phone)),
      external_key_(std::move(external)),
      name_birth_key_(std::move(name_birth)),
      birthday_key_(std::move(birthday)),
      query_key_(std::move(query)) {}

absl::StatusOr<std::string> CustomerPiiCodec::EmailIndex(
    absl::string_view email) const {
  return BlindIndex(email_key_, email);
}

absl::StatusOr<std::string> CustomerPiiCodec::PhoneIndex(
    absl::string_view phone) const {
  return BlindIndex(phone_key_, phone);
}

absl::StatusOr<std::string> CustomerPiiCodec::ExternalIdentityIndex(
    const v1::ExternalIdentity& identity) const {
  return BlindIndex(external_key_, ExternalIdentityKey(identity));
}

absl::StatusOr<std::string> CustomerPiiCodec::ExternalKeyIndex(
    absl::string_view key) const {
  return BlindIndex(external_key_, key);
}

absl::StatusOr<std::string> CustomerPiiCodec::BirthdayIndex(
    absl::string_view month_day) const {
  return BlindIndex(birthday_key_, month_day);
}

absl::StatusOr<std::string> CustomerPiiCodec::QueryFingerprint(
    absl::string_view text) const {
  return BlindIndex(query_key_, text);
}

absl::StatusOr<std::vector<std::string>> CustomerPiiCodec::IdentifierIndexes(
    IdentifierKind kind, const v1::Customer& customer) const {
  std::vector<std::string> indexes;
  switch (kind) {
    case IdentifierKind::kExternal:
      for (const v1::ExternalIdentity& identity :
           customer.external_identities()) {
        CRM_ASSIGN_OR_RETURN(std::string index,
                             ExternalIdentityIndex(identity));
        indexes.push_back(std::move(index));
      }
      break;
    case IdentifierKind::kEmail:
      if (!customer.email().empty()) {
        CRM_ASSIGN_OR_RETURN(std::string index, EmailIndex(customer.email()));
        indexes.push_back(std::move(index));
      }
      break;
    case IdentifierKind::kPhone:
      if (!customer.phone().empty()) {
        CRM_ASSIGN_OR_RETURN(std::string index, PhoneIndex(customer.phone()));
        indexes.push_back(std::move(index));
      }
      break;
  }
  return indexes;
}

absl::StatusOr<WrappedDataKey> CustomerPiiCodec::NewKey() const {
  CRM_ASSIGN_OR_RETURN(DataKey key, NewDataKey());
  CRM_ASSIGN_OR_RETURN(std::string wrapped, ring_.WrapDataKey(key));
  return WrappedDataKey{std::move(key), std::move(wrapped)};
}

absl::Status CustomerPiiCodec::Encode(const v1::Customer& customer,
                                      const DataKey& key,
                                      CustomerRecord* record) const {
  CRM_ASSIGN_OR_RETURN(
      record->pii, EncryptField(key, PersonalPart(customer).SerializeAsString(),
                                FieldAssociatedData(record->id, "pii")));
  record->profile = ProfilePart(customer).SerializeAsString();
  record->email_bidx.clear();
  record->phone_bidx.clear();
  record->name_birth_bidx.clear();
  if (!customer.email().empty()) {
    CRM_ASSIGN_OR_RETURN(record->email_bidx, EmailIndex(customer.email()));
  }
  if (!customer.phone().empty()) {
    CRM_ASSIGN_OR_RETURN(record->phone_bidx, PhoneIndex(customer.phone()));
  }
  if (!customer.display_name().empty() && !customer.birth_date().empty()) {
    CRM_ASSIGN_OR_RETURN(
        record->name_birth_bidx,
        BlindIndex(name_birth_key_,
                   absl::StrCat(absl::AsciiStrToLower(customer.display_name()),
                                "\n", customer.birth_date())));
  }
  record->birthday_bidx.emplace();
  if (std::optional<std::string> month_day =
          BirthdayMonthDay(customer.birth_date())) {
    CRM_ASSIGN_OR_RETURN(*record->birthday_bidx, BirthdayIndex(*month_day));
  }
  record->country_code = customer.address().country_code();
  record->source_channel = customer.source_channel();
  record->tags.assign(customer.tags().begin(), customer.tags().end());
  return absl::OkStatus();
}

absl::StatusOr<v1::Customer> CustomerPiiCodec::Decode(
    const CustomerRecord& record, std::optional<DataKey>* key) const {
  v1::Customer customer;
  if (!customer.ParseFromString(record.profile)) {
    return absl::InternalError("stored customer profile is corrupt");
  }
  if (record.wrapped_key.has_value()) {
    CRM_ASSIGN_OR_RETURN(DataKey data_key,
                         ring_.UnwrapDataKey(*record.wrapped_key));
    CRM_ASSIGN_OR_RETURN(std::string plain,
                         DecryptField(data_key, record.pii,
                                      FieldAssociatedData(record.id, "pii")));
    v1::Customer pii;
    if (!pii.ParseFromString(plain)) {
      return absl::InternalError("stored personal data is corrupt");
    }
    const std::string country = customer.address().country_code();
    customer.MergeFrom(pii);
    if (!country.empty()) customer.mutable_address()->set_country_code(country);
    if (key != nullptr) key->emplace(std::move(data_key));
  }
  customer.set_name(CustomerName(record.id));
  customer.set_state(record.state);
  if (!record.merged_into.empty()) {
    customer.set_merged_into(CustomerName(record.merged_into));
  }
  *customer.mutable_create_time() =
      crm::common::ToProtoTimestamp(record.create_time);
  *customer.mutable_update_time() =
      crm::common::ToProtoTimestamp(record.update_time);
  customer.set_etag(crm::common::EncodeEtag(record.version));
  return customer;
}

}  // namespace crm::customer_profile
