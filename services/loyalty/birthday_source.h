// Where loyalty learns whose birthday a day is: customer-profile, the only
// holder of birth dates (encrypted; found by their birthday blind index
// through ListCustomers' `birthday = "MM-DD"` filter). Only customer ids
// come back: no birth date or other personal data is kept by loyalty. Every
// call has a deadline. The gRPC implementation is GrpcBirthdaySource
// (grpc_birthday_source.h); tests use a fake.
//
//   absl::StatusOr<BirthdayPage> page =
//       source.CustomersBornOn("12-04", "", now + absl::Seconds(5));
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crm::loyalty {

// One page of the customers born on a month and day.
struct BirthdayPage {
  std::vector<std::string> customer_ids;
  std::string next_page_token;  // Empty on the last page.
};

class BirthdaySource {
 public:
  BirthdaySource(const BirthdaySource&) = delete;
  BirthdaySource& operator=(const BirthdaySource&) = delete;
  virtual ~BirthdaySource() = default;

  // A page of the ACTIVE customers whose birth date has `month_day`
  // ("MM-DD") after `page_token` (empty: from the first).
  // DEADLINE_EXCEEDED or UNAVAILABLE when customer-profile does not answer
  // by `deadline`; any other error as it reported it.
  virtual absl::StatusOr<BirthdayPage> CustomersBornOn(
      absl::string_view month_day, absl::string_view page_token,
      absl::Time deadline) = 0;

 protected:
  BirthdaySource() = default;
};

}  // namespace crm::loyalty
