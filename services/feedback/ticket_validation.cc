#include "services/feedback/ticket_validation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"
#include "services/feedback/feedback_validation.h"
#include "services/feedback/ticket_resources.h"

namespace crm::feedback {
namespace {

using ::crm::common::InvalidFieldError;
using ::crm::common::Presence;
using ::crm::common::ValidateText;

constexpr const char* kUpdatablePaths[] = {"title", "description", "category",
                                           "priority"};

// The byte length of the first `chars` code points of valid UTF-8 `text`.
size_t PrefixBytes(absl::string_view text, size_t chars) {
  size_t i = 0;
  while (i < text.size() && chars > 0) {
    ++i;
    while (i < text.size() &&
           (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) {
      ++i;
    }
    --chars;
  }
  return i;
}

}  // namespace

absl::Status ValidateTicketCategory(absl::string_view category,
                                    absl::string_view field,
                                    const Lexicon& lexicon) {
  if (category == kOtherCategory ||
      std::find(lexicon.taxonomy.begin(), lexicon.taxonomy.end(), category) !=
          lexicon.taxonomy.end()) {
    return absl::OkStatus();
  }
  return InvalidFieldError(field, "must be a category of the taxonomy");
}

absl::StatusOr<NewTicket> NormalizeNewTicket(const v1::Ticket& input,
                                             const Lexicon& lexicon) {
  NewTicket ticket;
  if (!input.customer().empty()) {
    CRM_ASSIGN_OR_RETURN(ticket.customer_id,
                         CustomerIdOf(input.customer(), "ticket.customer"));
  }
  if (!input.feedback().empty()) {
    CRM_ASSIGN_OR_RETURN(ticket.feedback_id,
                         FeedbackIdOf(input.feedback(), "ticket.feedback"));
  }
  ticket.title = crm::common::CollapseWhitespace(input.title());
  CRM_RETURN_IF_ERROR(ValidateText(
      ticket.title, "ticket.title", kMaxTicketTitleLength,
      ticket.feedback_id.empty() ? Presence::kRequired : Presence::kOptional));
  CRM_RETURN_IF_ERROR(ValidateText(input.description(), "ticket.description",
                                   kMaxTicketDescriptionLength,
                                   Presence::kOptional));
  ticket.description = input.description();
  if (!input.category().empty()) {
    CRM_RETURN_IF_ERROR(
        ValidateTicketCategory(input.category(), "ticket.category", lexicon));
    ticket.category = input.category();
  }
  if (!v1::Ticket::Priority_IsValid(input.priority())) {
    return InvalidFieldError("ticket.priority", "must be P1, P2, P3 or P4");
  }
  ticket.priority = input.priority();
  return ticket;
}

absl::StatusOr<std::vector<std::string>> TicketUpdatePaths(
    const google::protobuf::FieldMask& mask) {
  if (mask.paths_size() == 0) {
    return crm::common::RequiredFieldError("update_mask");
  }
  std::vector<std::string> paths;
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      return std::vector<std::string>(std::begin(kUpdatablePaths),
                                      std::end(kUpdatablePaths));
    }
    if (std::find(std::begin(kUpdatablePaths), std::end(kUpdatablePaths),
                  path) == std::end(kUpdatablePaths)) {
      return InvalidFieldError(
          "update_mask",
          "paths must be title, description, category or priority");
    }
    if (std::find(paths.begin(), paths.end(), path) == paths.end()) {
      paths.push_back(path);
    }
  }
  return paths;
}

absl::Status ValidateStaffId(absl::string_view value, absl::string_view field) {
  return ValidateText(value, field, kMaxStaffIdLength, Presence::kOptional);
}

absl::StatusOr<TicketAction> TicketActionOf(
    v1::TransitionTicketRequest::Action action) {
  switch (action) {
    case v1::TransitionTicketRequest::ACKNOWLEDGE:
      return TicketAction::kAcknowledge;
    case v1::TransitionTicketRequest::START:
      return TicketAction::kStart;
    case v1::TransitionTicketRequest::RESOLVE:
      return TicketAction::kResolve;
    case v1::TransitionTicketRequest::CLOSE:
      return TicketAction::kClose;
    case v1::TransitionTicketRequest::REOPEN:
      return TicketAction::kReopen;
    case v1::TransitionTicketRequest::ACTION_UNSPECIFIED:
      return crm::common::RequiredFieldError("action");
    default:
      return InvalidFieldError("action", "must be a known action");
  }
}

std::string DefaultTicketTitle(absl::string_view text) {
  const std::string collapsed = crm::common::CollapseWhitespace(text);
  if (collapsed.empty()) return "Complaint";
  const size_t cut = PrefixBytes(collapsed, kDefaultTitleLength);
  if (cut >= collapsed.size()) return collapsed;
  return absl::StrCat(collapsed.substr(0, cut), "…");
}

}  // namespace crm::feedback
