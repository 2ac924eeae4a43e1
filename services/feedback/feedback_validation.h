// The rules of new feedback items, as pure functions (no database),
// following crm/feedback/v1/feedback.proto.
//
//   CRM_ASSIGN_OR_RETURN(NewFeedback item,
//                        NormalizeNewFeedback(request.feedback()));
//   // item.customer_id is empty for anonymous feedback.
//
// Errors are INVALID_ARGUMENT naming the field path (e.g. "feedback.rating")
// in their ErrorInfo and field violation, with reason FIELD_REQUIRED or
// FIELD_INVALID; messages never echo the value.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/feedback/v1/feedback.pb.h"

namespace crm::feedback {

namespace v1 = ::crm::feedback::v1;

inline constexpr char kFeedbackCollection[] = "feedback";
// The collection of the customers feedback refers to (customer-profile's
// `customers/{customer}`).
inline constexpr char kCustomersCollection[] = "customers";
// Orders under a customer: `customers/{customer}/orders/{order}`.
inline constexpr char kOrdersCollection[] = "orders";

inline constexpr size_t kMaxTextLength = 10000;
inline constexpr size_t kMaxAttachments = 10;
inline constexpr size_t kMaxAttachmentUriLength = 2048;
inline constexpr int kMaxRating = 5;

// The channels feedback arrives through, as stored (lower case).
inline constexpr const char* kFeedbackChannels[] = {
    "web", "app", "store", "call_center", "email", "social", "wechat", "other"};

// A new item, validated and normalised, with names reduced to ids.
struct NewFeedback {
  std::string customer_id;  // Empty: anonymous.
  std::string channel;      // One of kFeedbackChannels.
  v1::Feedback::Type type = v1::Feedback::TYPE_UNSPECIFIED;
  int rating = 0;
  std::string text;
  std::string order_id;  // The `{order}` of `order`; empty if none.
  std::vector<std::string> attachment_uris;
};

// Validates and normalises `input` (output-only fields are ignored). Unset
// REQUIRED fields (channel, type: the annotations) are the caller's check
// (CheckRequiredFields of services/common/field_behavior.h); here a channel
// of only whitespace counts as unset (FIELD_REQUIRED). FIELD_INVALID naming
// the field when: customer is set but not `customers/{customer}`; channel is
// not one of kFeedbackChannels (compared case-insensitively after trimming);
// type is unknown; rating is outside 0..5; text is not UTF-8 or over 10000
// characters; order is set but not `customers/{customer}/orders/{order}` of
// the same customer (an anonymous item names no order); more than 10
// attachment URIs, or one that is not an absolute http(s) URI of at most
// 2048 characters without white space or control characters.
absl::StatusOr<NewFeedback> NormalizeNewFeedback(const v1::Feedback& input);

// The `{customer}` id of a customer resource name `customers/{customer}`;
// INVALID_ARGUMENT (FIELD_REQUIRED or FIELD_INVALID) naming `field`
// otherwise.
absl::StatusOr<std::string> CustomerIdOf(absl::string_view customer,
                                         absl::string_view field);

// `customers/{customer_id}`.
std::string CustomerName(absl::string_view customer_id);

// `customers/{customer_id}/orders/{order_id}`.
std::string OrderName(absl::string_view customer_id,
                      absl::string_view order_id);

// `feedback/{id}`.
std::string FeedbackName(absl::string_view id);

// The `{feedback}` id of `feedback/{feedback}`; INVALID_ARGUMENT naming
// `field` otherwise.
absl::StatusOr<std::string> FeedbackIdOf(absl::string_view name,
                                         absl::string_view field);

}  // namespace crm::feedback
