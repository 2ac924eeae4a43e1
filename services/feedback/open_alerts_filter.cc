#include "services/feedback/open_alerts_filter.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace crm::feedback {
namespace {

bool IsPlainTicketName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, "tickets/")) return false;
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

std::string OpenAlertsFilter(
    const google::protobuf::RepeatedPtrField<v1::Ticket>& tickets) {
  std::vector<std::string> terms;
  for (const v1::Ticket& ticket : tickets) {
    if (ticket.escalation_level() <= 0 || !IsPlainTicketName(ticket.name())) {
      continue;
    }
    terms.push_back(absl::StrCat("ticket = \"", ticket.name(), "\""));
  }
  if (terms.empty()) return "";
  return absl::StrCat("state = OPEN AND (", absl::StrJoin(terms, " OR "), ")");
}

}  // namespace crm::feedback
