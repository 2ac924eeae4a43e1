#include "services/feedback/feedback_validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"

namespace crm::feedback {

using ::crm::common::Presence;
using ::crm::common::ValidateText;

absl::StatusOr<v1::Feedback> NormalizeNewFeedback(const v1::Feedback& input) {
  v1::Feedback feedback;
  feedback.set_customer_id(
      std::string(absl::StripAsciiWhitespace(input.customer_id())));
  feedback.set_channel(
      std::string(absl::StripAsciiWhitespace(input.channel())));
  feedback.set_type(input.type());
  feedback.set_rating(input.rating());
  feedback.set_text(input.text());
  feedback.set_order_id(
      std::string(absl::StripAsciiWhitespace(input.order_id())));

  CRM_RETURN_IF_ERROR(crm::common::ValidateResourceId(feedback.customer_id(),
                                                      "feedback.customer_id"));
  CRM_RETURN_IF_ERROR(ValidateText(feedback.channel(), "feedback.channel",
                                   kMaxChannelLength, Presence::kRequired));
  if (feedback.type() == v1::Feedback::TYPE_UNSPECIFIED) {
    return absl::InvalidArgumentError("feedback.type is required");
  }
  if (!v1::Feedback::Type_IsValid(feedback.type())) {
    return absl::InvalidArgumentError("feedback.type is not a known type");
  }
  if (feedback.rating() < 0 || feedback.rating() > kMaxRating) {
    return absl::InvalidArgumentError(absl::StrCat(
        "feedback.rating must be between 0 (none) and ", kMaxRating));
  }
  CRM_RETURN_IF_ERROR(ValidateText(feedback.text(), "feedback.text",
                                   kMaxTextLength, Presence::kOptional));
  CRM_RETURN_IF_ERROR(ValidateText(feedback.order_id(), "feedback.order_id",
                                   kMaxOrderIdLength, Presence::kOptional));
  return feedback;
}

std::string FeedbackFilter::QueryFingerprint() const {
  if (!customer_id.has_value()) return "feedback";
  return absl::StrCat("feedback?customer_id=", *customer_id);
}

absl::StatusOr<FeedbackFilter> ParseFeedbackFilter(absl::string_view filter) {
  FeedbackFilter parsed;
  absl::string_view rest = absl::StripAsciiWhitespace(filter);
  if (rest.empty()) return parsed;
  const auto unsupported = [] {
    return absl::InvalidArgumentError(
        "filter must be empty or of the form customer_id = \"<id>\"");
  };
  if (!absl::ConsumePrefix(&rest, "customer_id")) return unsupported();
  rest = absl::StripLeadingAsciiWhitespace(rest);
  if (!absl::ConsumePrefix(&rest, "=")) return unsupported();
  rest = absl::StripLeadingAsciiWhitespace(rest);
  if (!absl::ConsumePrefix(&rest, "\"") || !absl::ConsumeSuffix(&rest, "\"")) {
    return unsupported();
  }
  if (!crm::common::ValidateResourceId(rest, "filter").ok()) {
    return absl::InvalidArgumentError(
        "filter customer_id must be 1 to 64 characters of letters, digits "
        "and \"-_.~\"");
  }
  parsed.customer_id = std::string(rest);
  return parsed;
}

std::string FeedbackName(absl::string_view id) {
  return crm::common::FormatResourceName(kFeedbackCollection, id);
}

}  // namespace crm::feedback
