// How a customer is stored without plaintext personal data: envelope
// encryption of the personal fields and HMAC blind indexes for equality
// lookups, over core/pii_cipher.h.
//
//   CRM_ASSIGN_OR_RETURN(CustomerPiiCodec codec,
//                        CustomerPiiCodec::Create(std::move(key_ring)));
//   CRM_ASSIGN_OR_RETURN(NewDataKey key, codec.NewKey());
//   record.wrapped_key = key.wrapped;
//   CRM_RETURN_IF_ERROR(codec.Encode(customer, key.key, &record));
//   ...
//   CRM_ASSIGN_OR_RETURN(v1::Customer read, codec.Decode(record, nullptr));
//
// Each customer has its own AES-256 data key, stored only wrapped by the
// master key ring. Names, email, phone, birth date, street address (region,
// city, postal code, line), external identities, company name and tax id
// are one ciphertext under that key, bound to the customer's id; everything
// else (locale, gender, country, tags, attributes, consents, source channel,
// customer type) is the plaintext profile. Blind indexes: email, phone,
// external identity ("<channel>:<id>"), display name + birth date and the
// birthday (the birth date's "MM-DD"), each under its own key derived from
// the ring.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/customerprofile/v1/customer.pb.h"
#include "services/customer_profile/core/pii_cipher.h"
#include "services/customer_profile/customer_repository.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

// The personal fields of a standardised customer (encrypted at rest).
v1::Customer PersonalPart(const v1::Customer& customer);
// The non-personal writable fields (the plaintext profile).
v1::Customer ProfilePart(const v1::Customer& customer);

// The month and day ("MM-DD") of a standardised birth date ("YYYY-MM-DD");
// nullopt for an empty or malformed one.
std::optional<std::string> BirthdayMonthDay(absl::string_view birth_date);

// Whether `text` is exactly "MM-DD" naming a day that exists in some year
// ("02-29" included, "02-30" and "13-01" not).
bool IsMonthDay(absl::string_view text);

// A fresh data key and its wrapped form (for CustomerRecord::wrapped_key).
struct WrappedDataKey {
  DataKey key;
  std::string wrapped;
};

class CustomerPiiCodec {
 public:
  // Derives the blind-index keys from `key_ring`.
  static absl::StatusOr<CustomerPiiCodec> Create(KeyRing key_ring);

  CustomerPiiCodec(CustomerPiiCodec&&) = default;
  CustomerPiiCodec& operator=(CustomerPiiCodec&&) = delete;
  CustomerPiiCodec(const CustomerPiiCodec&) = delete;
  CustomerPiiCodec& operator=(const CustomerPiiCodec&) = delete;

  // Blind indexes of standardised values.
  absl::StatusOr<std::string> EmailIndex(absl::string_view email) const;
  absl::StatusOr<std::string> PhoneIndex(absl::string_view phone) const;
  absl::StatusOr<std::string> ExternalIdentityIndex(
      const v1::ExternalIdentity& identity) const;
  // Of "<channel>:<id>" (ExternalIdentityKey of customer_validation.h).
  absl::StatusOr<std::string> ExternalKeyIndex(absl::string_view key) const;
  // Of a birthday "MM-DD" (IsMonthDay), under the "birthday" key.
  absl::StatusOr<std::string> BirthdayIndex(absl::string_view month_day) const;
  // A keyed fingerprint of `text` (for page tokens that must not carry
  // filter values).
  absl::StatusOr<std::string> QueryFingerprint(absl::string_view text) const;
  // The index of `kind` for `customer`'s value(s): zero or one for email
  // and phone, one per identity for kExternal.
  absl::StatusOr<std::vector<std::string>> IdentifierIndexes(
      IdentifierKind kind, const v1::Customer& customer) const;

  // A new random data key, wrapped by the ring's primary key.
  absl::StatusOr<WrappedDataKey> NewKey() const;

  // Fills the stored columns of `record` (pii, profile, blind indexes,
  // country_code, tags) from standardised `customer`, encrypting under `key`
  // for `record->id`. `birthday_bidx` is always set ("" without a birth
  // date).
  absl::Status Encode(const v1::Customer& customer, const DataKey& key,
                      CustomerRecord* record) const;

  // The customer stored in `record`: the profile, the decrypted personal
  // fields when the record still has a key, and name, state, merged_into,
  // times and etag. The purchase summary is not the codec's (left empty).
  // `key` (may be null) receives the data key when the record has one.
  // INTERNAL when stored data does not decrypt or parse.
  absl::StatusOr<v1::Customer> Decode(const CustomerRecord& record,
                                      std::optional<DataKey>* key) const;

 private:
  CustomerPiiCodec(KeyRing key_ring, BlindIndexKey email, BlindIndexKey phone,
                   BlindIndexKey external, BlindIndexKey name_birth,
                   BlindIndexKey birthday, BlindIndexKey query);

  KeyRing ring_;
  BlindIndexKey email_key_;
  BlindIndexKey phone_key_;
  BlindIndexKey external_key_;
  BlindIndexKey name_birth_key_;
  BlindIndexKey birthday_key_;
  BlindIndexKey query_key_;
};

}  // namespace crm::customer_profile
