#include "services/feedback/feedback_validation.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/error_details.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"

namespace crm::feedback {

using ::crm::common::InvalidFieldError;
using ::crm::common::RequiredFieldError;

namespace {

bool IsKnownChannel(absl::string_view channel) {
  for (const char* known : kFeedbackChannels) {
    if (channel == known) return true;
  }
  return false;
}

// An absolute http or https URI with a host, no white space or control
// characters, at most kMaxAttachmentUriLength bytes (ASCII only, so bytes
// are characters; non-ASCII must be percent-encoded).
bool IsAcceptableUri(absl::string_view uri) {
  if (uri.size() > kMaxAttachmentUriLength) return false;
  for (char c : uri) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) return false;
  }
  absl::string_view rest = uri;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://")) {
    return false;
  }
  return !rest.empty() && rest.front() != '/';
}

// The `{order}` of `customers/{customer_id}/orders/{order}`.
absl::StatusOr<std::string> OrderIdOf(absl::string_view order,
                                      absl::string_view customer_id) {
  constexpr char kField[] = "feedback.order";
  std::vector<absl::string_view> parts = absl::StrSplit(order, '/');
  if (parts.size() != 4 || parts[0] != kCustomersCollection ||
      parts[2] != kOrdersCollection ||
      !crm::common::ValidateResourceId(parts[1], kField).ok() ||
      !crm::common::ValidateResourceId(parts[3], kField).ok()) {
    return InvalidFieldError(kField,
                             "must be customers/{customer}/orders/{order}");
  }
  if (customer_id.empty() || parts[1] != customer_id) {
    return InvalidFieldError(kField,
                             "must be an order of the feedback's customer");
  }
  return std::string(parts[3]);
}

}  // namespace

absl::StatusOr<NewFeedback> NormalizeNewFeedback(const v1::Feedback& input) {
  NewFeedback item;
  const absl::string_view customer =
      absl::StripAsciiWhitespace(input.customer());
  if (!customer.empty()) {
    CRM_ASSIGN_OR_RETURN(item.customer_id,
                         CustomerIdOf(customer, "feedback.customer"));
  }
  item.channel =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(input.channel()));
  if (item.channel.empty()) return RequiredFieldError("feedback.channel");
  if (!IsKnownChannel(item.channel)) {
    return InvalidFieldError(
        "feedback.channel",
        "must be one of web, app, store, call_center, email, social, "
        "wechat, other");
  }
  if (input.type() == v1::Feedback::TYPE_UNSPECIFIED) {
    return RequiredFieldError("feedback.type");
  }
  if (!v1::Feedback::Type_IsValid(input.type())) {
    return InvalidFieldError("feedback.type", "is not a known type");
  }
  item.type = input.type();
  if (input.rating() < 0 || input.rating() > kMaxRating) {
    return InvalidFieldError(
        "feedback.rating",
        absl::StrCat("must be between 0 (none) and ", kMaxRating));
  }
  item.rating = input.rating();
  if (!crm::common::ValidateText(input.text(), "feedback.text", kMaxTextLength,
                                 crm::common::Presence::kOptional)
           .ok()) {
    return InvalidFieldError("feedback.text",
                             absl::StrCat("must be valid UTF-8 of at most ",
                                          kMaxTextLength, " characters"));
  }
  item.text = input.text();
  const absl::string_view order = absl::StripAsciiWhitespace(input.order());
  if (!order.empty()) {
    CRM_ASSIGN_OR_RETURN(item.order_id, OrderIdOf(order, item.customer_id));
  }
  if (static_cast<size_t>(input.attachment_uris_size()) > kMaxAttachments) {
    return InvalidFieldError(
        "feedback.attachment_uris",
        absl::StrCat("must hold at most ", kMaxAttachments, " URIs"));
  }
  for (int i = 0; i < input.attachment_uris_size(); ++i) {
    const absl::string_view uri =
        absl::StripAsciiWhitespace(input.attachment_uris(i));
    if (!IsAcceptableUri(uri)) {
      return InvalidFieldError(
          absl::StrCat("feedback.attachment_uris[", i, "]"),
          absl::StrCat("must be an absolute http or https URI of at most ",
                       kMaxAttachmentUriLength,
                       " characters without white space"));
    }
    item.attachment_uris.emplace_back(uri);
  }
  return item;
}

absl::StatusOr<std::string> CustomerIdOf(absl::string_view customer,
                                         absl::string_view field) {
  return crm::common::ParseResourceName(customer, kCustomersCollection, field);
}

std::string CustomerName(absl::string_view customer_id) {
  return crm::common::FormatResourceName(kCustomersCollection, customer_id);
}

std::string OrderName(absl::string_view customer_id,
                      absl::string_view order_id) {
  return absl::StrCat(CustomerName(customer_id), "/", kOrdersCollection, "/",
                      order_id);
}

std::string FeedbackName(absl::string_view id) {
  return crm::common::FormatResourceName(kFeedbackCollection, id);
}

absl::StatusOr<std::string> FeedbackIdOf(absl::string_view name,
                                         absl::string_view field) {
  return crm::common::ParseResourceName(name, kFeedbackCollection, field);
}

}  // namespace crm::feedback
