// The rules of feedback items and of the ListFeedback filter, as pure
// functions (no database), following crm/feedback/v1/*.proto.
//
//   CRM_ASSIGN_OR_RETURN(v1::Feedback feedback,
//                        NormalizeNewFeedback(request.feedback()));
//   CRM_ASSIGN_OR_RETURN(FeedbackFilter filter,
//                        ParseFeedbackFilter(request.filter()));
//
// Errors are INVALID_ARGUMENT naming the field path (e.g. "feedback.rating")
// in their ErrorInfo and field violation, with reason FIELD_REQUIRED,
// FIELD_INVALID or (for the filter) FILTER_INVALID; messages never echo the
// value.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/feedback/v1/feedback.pb.h"

namespace crm::feedback {

namespace v1 = ::crm::feedback::v1;

inline constexpr char kFeedbackCollection[] = "feedback";
// The collection of the customers feedback refers to (customer-profile's
// `customers/{customer}`).
inline constexpr char kCustomersCollection[] = "customers";

inline constexpr size_t kMaxChannelLength = 32;
inline constexpr size_t kMaxTextLength = 10000;
inline constexpr size_t kMaxOrderIdLength = 64;
inline constexpr int kMaxRating = 5;

// The feedback as it is to be stored: customer, channel and order_id
// trimmed; output-only fields (name, create_time) cleared. Unset REQUIRED
// fields (customer, channel, type: the annotations) are the caller's check
// (CheckRequiredFields of services/common/field_behavior.h); here a customer
// or channel of only whitespace counts as unset (FIELD_REQUIRED).
// INVALID_ARGUMENT naming the field: FIELD_INVALID when customer is not a
// customer's resource name (`customers/{customer}`, ParseResourceName),
// channel is over 32 characters, type is unknown, rating is outside 0..5,
// text is over 10000 characters, order_id over 64, or any text is not valid
// UTF-8.
absl::StatusOr<v1::Feedback> NormalizeNewFeedback(const v1::Feedback& input);

// The `{customer}` id of a customer resource name `customers/{customer}`;
// INVALID_ARGUMENT (FIELD_REQUIRED or FIELD_INVALID) naming `field`
// otherwise.
absl::StatusOr<std::string> CustomerIdOf(absl::string_view customer,
                                         absl::string_view field);

// `customers/{customer_id}`.
std::string CustomerName(absl::string_view customer_id);

// A parsed ListFeedback filter.
struct FeedbackFilter {
  // The `{customer}` id of the customer whose items are listed; unset:
  // every customer.
  std::optional<std::string> customer_id;

  // Identifies the query in page tokens, so a token is only accepted with
  // the filter it was issued for.
  std::string QueryFingerprint() const;
};

// Accepts "" (everything), `customer = "customers/{customer}"`, or its
// alias `customer_id = "{customer}"` (the bare id), spaces around the tokens
// optional, with a valid id. INVALID_ARGUMENT with reason FILTER_INVALID
// naming `filter` for anything else.
absl::StatusOr<FeedbackFilter> ParseFeedbackFilter(absl::string_view filter);

// `feedback/{id}`.
std::string FeedbackName(absl::string_view id);

}  // namespace crm::feedback
