#include "services/feedback/feedback_validation.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "crm/type/v1/error_reason.pb.h"
#include "services/common/error_details.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"

namespace crm::feedback {

using ::crm::common::InvalidFieldError;
using ::crm::common::Presence;
using ::crm::common::RequiredFieldError;
using ::crm::common::ValidateText;

namespace {

// `text` (normalised) checked as ValidateText() does, with the error naming
// `field` and carrying its reason. A REQUIRED field the client sent as only
// whitespace is empty here and counts as unset.
absl::Status CheckText(absl::string_view text, absl::string_view field,
                       size_t max_chars, Presence presence) {
  if (presence == Presence::kRequired && text.empty()) {
    return RequiredFieldError(field);
  }
  if (!ValidateText(text, field, max_chars, presence).ok()) {
    return InvalidFieldError(
        field, absl::StrCat("must be valid UTF-8 of at most ", max_chars,
                            " characters"));
  }
  return absl::OkStatus();
}

absl::Status FilterError() {
  return crm::common::ErrorWithReason(
      crm::common::WithFieldViolation(
          absl::InvalidArgumentError(
              "filter: must be empty or customer = \"customers/{id}\" "
              "(alias: customer_id = \"{id}\") with an id of 1 to 64 "
              "letters, digits and \"-_.~\""),
          "filter",
          "must be empty or customer = \"customers/{id}\" (alias: "
          "customer_id = \"{id}\")"),
      crm::type::v1::FILTER_INVALID, {{"field", "filter"}});
}

}  // namespace

absl::StatusOr<v1::Feedback> NormalizeNewFeedback(const v1::Feedback& input) {
  v1::Feedback feedback;
  feedback.set_customer(
      std::string(absl::StripAsciiWhitespace(input.customer())));
  feedback.set_channel(
      std::string(absl::StripAsciiWhitespace(input.channel())));
  feedback.set_type(input.type());
  feedback.set_rating(input.rating());
  feedback.set_text(input.text());
  feedback.set_order_id(
      std::string(absl::StripAsciiWhitespace(input.order_id())));

  CRM_RETURN_IF_ERROR(
      CustomerIdOf(feedback.customer(), "feedback.customer").status());
  CRM_RETURN_IF_ERROR(CheckText(feedback.channel(), "feedback.channel",
                                kMaxChannelLength, Presence::kRequired));
  if (!v1::Feedback::Type_IsValid(feedback.type())) {
    return InvalidFieldError("feedback.type", "is not a known type");
  }
  if (feedback.rating() < 0 || feedback.rating() > kMaxRating) {
    return InvalidFieldError(
        "feedback.rating",
        absl::StrCat("must be between 0 (none) and ", kMaxRating));
  }
  CRM_RETURN_IF_ERROR(CheckText(feedback.text(), "feedback.text",
                                kMaxTextLength, Presence::kOptional));
  CRM_RETURN_IF_ERROR(CheckText(feedback.order_id(), "feedback.order_id",
                                kMaxOrderIdLength, Presence::kOptional));
  return feedback;
}

std::string FeedbackFilter::QueryFingerprint() const {
  if (!customer_id.has_value()) return "feedback";
  return absl::StrCat("feedback?customer_id=", *customer_id);
}

absl::StatusOr<std::string> CustomerIdOf(absl::string_view customer,
                                         absl::string_view field) {
  return crm::common::ParseResourceName(customer, kCustomersCollection, field);
}

std::string CustomerName(absl::string_view customer_id) {
  return crm::common::FormatResourceName(kCustomersCollection, customer_id);
}

absl::StatusOr<FeedbackFilter> ParseFeedbackFilter(absl::string_view filter) {
  FeedbackFilter parsed;
  absl::string_view rest = absl::StripAsciiWhitespace(filter);
  if (rest.empty()) return parsed;
  // `customer_id` is tried first: `customer` is its prefix.
  const bool by_id = absl::ConsumePrefix(&rest, "customer_id");
  if (!by_id && !absl::ConsumePrefix(&rest, "customer")) return FilterError();
  rest = absl::StripLeadingAsciiWhitespace(rest);
  if (!absl::ConsumePrefix(&rest, "=")) return FilterError();
  rest = absl::StripLeadingAsciiWhitespace(rest);
  if (!absl::ConsumePrefix(&rest, "\"") || !absl::ConsumeSuffix(&rest, "\"")) {
    return FilterError();
  }
  if (by_id) {
    if (!crm::common::ValidateResourceId(rest, "filter").ok()) {
      return FilterError();
    }
    parsed.customer_id = std::string(rest);
    return parsed;
  }
  absl::StatusOr<std::string> id = CustomerIdOf(rest, "filter");
  if (!id.ok()) return FilterError();
  parsed.customer_id = *std::move(id);
  return parsed;
}

std::string FeedbackName(absl::string_view id) {
  return crm::common::FormatResourceName(kFeedbackCollection, id);
}

}  // namespace crm::feedback
