// The input rules of tickets, as pure functions (no database), following
// crm/feedback/v1/ticket.proto and the ticket requests of
// feedback_service.proto.
//
//   CRM_ASSIGN_OR_RETURN(NewTicket ticket,
//                        NormalizeNewTicket(request.ticket(), lexicon));
//
// Errors are INVALID_ARGUMENT naming the field path (e.g. "ticket.title")
// with reason FIELD_REQUIRED or FIELD_INVALID; messages never echo the value.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "crm/feedback/v1/ticket.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "services/feedback/text_lexicon.h"
#include "services/feedback/ticket_rules.h"

namespace crm::feedback {

inline constexpr size_t kMaxTicketTitleLength = 200;
inline constexpr size_t kMaxTicketDescriptionLength = 10000;
inline constexpr size_t kMaxTicketNoteLength = 5000;
inline constexpr size_t kMaxStaffIdLength = 128;
// A title made from a feedback item's text keeps this many characters.
inline constexpr size_t kDefaultTitleLength = 60;

// A new ticket's own fields, validated; defaults from a feedback item are
// the manager's.
struct NewTicket {
  std::string customer_id;  // Empty: none given.
  std::string feedback_id;  // Empty: opened directly.
  std::string title;        // Whitespace collapsed; empty only with feedback.
  std::string description;
  std::string category;  // Empty: none given.
  v1::Ticket::Priority priority = v1::Ticket::PRIORITY_UNSPECIFIED;
};

// Validates `input` (output-only fields ignored): customer
// `customers/{customer}` if set; feedback `feedback/{feedback}` if set;
// title at most 200 characters, required (FIELD_REQUIRED) without feedback;
// description at most 10000; category, if set, in `lexicon`'s taxonomy or
// "other"; priority a known value.
absl::StatusOr<NewTicket> NormalizeNewTicket(const v1::Ticket& input,
                                             const Lexicon& lexicon);

// FIELD_INVALID naming `field` unless `category` is in `lexicon`'s taxonomy
// or is "other".
absl::Status ValidateTicketCategory(absl::string_view category,
                                    absl::string_view field,
                                    const Lexicon& lexicon);

// The fields UpdateTicket changes for `mask`: a subset of "title",
// "description", "category", "priority" ("*" is all four). FIELD_REQUIRED
// naming update_mask when empty, FIELD_INVALID for any other path.
absl::StatusOr<std::vector<std::string>> TicketUpdatePaths(
    const google::protobuf::FieldMask& mask);

// FIELD_INVALID naming `field` unless `value` is UTF-8 of at most 128
// characters.
absl::Status ValidateStaffId(absl::string_view value, absl::string_view field);

// The rules' action of an API action; FIELD_REQUIRED naming `action` when
// unspecified, FIELD_INVALID when unknown.
absl::StatusOr<TicketAction> TicketActionOf(
    v1::TransitionTicketRequest::Action action);

// A title from a complaint's text: whitespace collapsed, at most
// kDefaultTitleLength characters (cut at a character boundary, "…" added
// when cut); "Complaint" when the text is empty.
std::string DefaultTicketTitle(absl::string_view text);

}  // namespace crm::feedback
