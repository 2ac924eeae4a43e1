// The stored shape of customer records, shared by CustomerManagerImpl (which
// encrypts, hashes and decides) and mysql_customer_repository.h (which holds
// all the SQL). Nothing here is plaintext personal data: `pii` is ciphertext
// and the *_bidx fields are HMAC blind indexes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/customerprofile/v1/customer.pb.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"

namespace crm::customer_profile {

namespace v1 = ::crm::customerprofile::v1;

// One row of `customers`.
struct CustomerRecord {
  std::string id;
  v1::Customer::State state = v1::Customer::ACTIVE;
  std::string merged_into;  // Survivor id when MERGED, else empty.
  // The data key wrapped by the master key ring; nullopt once erased.
  std::optional<std::string> wrapped_key;
  // AES-256-GCM ciphertext of a serialized Customer holding only the personal
  // fields; empty once erased.
  std::string pii;
  // Serialized Customer holding the non-personal fields.
  std::string profile;
  // Blind indexes (64 hex digits); empty = none (stored as NULL).
  std::string email_bidx;
  std::string phone_bidx;
  std::string name_birth_bidx;
  std::string country_code;  // Indexed copy of address.country_code.
  absl::Time create_time;
  absl::Time update_time;
  int64_t version = 1;
};

// Kinds of identifiers that resolve a write to a customer.
enum class IdentifierKind { kEmail, kPhone, kExternal };

// "email", "phone", "external".
absl::string_view IdentifierKindName(IdentifierKind kind);

// A time-range condition of a filter.
struct TimeBound {
  bool update_time = false;  // false: create_time.
  std::string op;            // One of "<", "<=", ">", ">=".
  absl::Time value;
};

// A parsed ListCustomers filter, with values already standardised and
// hashed. Conditions are ANDed.
struct CustomerFilter {
  std::optional<std::string> email_bidx;
  std::optional<std::string> phone_bidx;
  // Hash of an external identity: matched through customer_identifiers.
  std::optional<std::string> external_hash;
  std::vector<std::string> tags;
  std::optional<std::string> country_code;
  // Empty: ACTIVE only.
  std::vector<v1::Customer::State> states;
  std::vector<TimeBound> times;
};

enum class CustomerOrder {
  kCreateTimeDesc,
  kCreateTimeAsc,
  kUpdateTimeDesc,
  kUpdateTimeAsc,
};

// A likely duplicate pair found by blind-index equality.
struct DuplicatePair {
  std::string older_id;
  std::string newer_id;
  bool same_email = false;
  bool same_phone = false;
  bool same_name_and_birth_date = false;
};

}  // namespace crm::customer_profile
