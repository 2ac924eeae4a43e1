#include "services/feedback/customer_profile_events.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/keyset_page.h"
#include "services/common/status_macros.h"
#include "services/consents/consent_tracker.h"
#include "services/feedback/feedback_validation.h"
#include "services/feedback/identifier_scrubber.h"
#include "services/feedback/survey_invitation_rules.h"

namespace crm::feedback {
namespace {

namespace cp = ::crm::customerprofile::v1;

// Events of a ticket read per page while scrubbing.
constexpr int kEventPage = 500;

absl::StatusOr<std::string> EventCustomerId(absl::string_view name) {
  absl::StatusOr<std::string> id = CustomerIdOf(name, "customer_name");
  if (!id.ok()) {
    return absl::DataLossError("feed event names no valid customer");
  }
  return id;
}

absl::Status ScrubTicketHistory(TicketRepository& tickets,
                                crm::common::Transaction& tx,
                                const std::string& ticket_id,
                                const std::string& customer_id) {
  crm::common::PageRequest page;
  page.page_size = kEventPage;
  while (true) {
    CRM_ASSIGN_OR_RETURN(crm::common::Page<TicketEventRecord> events,
                         tickets.ListEvents(tx, ticket_id, page));
    for (TicketEventRecord& event : events.items) {
      const std::string text = ScrubIdentifiers(event.text, customer_id);
      // A compensation's ledger entry names the customer's account.
      if (text == event.text && event.compensation_entry.empty()) continue;
      event.text = text;
      event.compensation_entry.clear();
      CRM_RETURN_IF_ERROR(tickets.RewriteEvent(tx, event));
    }
    if (!events.next.has_value()) return absl::OkStatus();
    page.after = events.next;
  }
}

}  // namespace

std::vector<cp::ChangeEvent::Type> CustomerProfileEventTypes() {
  return {cp::ChangeEvent::CUSTOMER_ERASED, cp::ChangeEvent::CUSTOMER_MERGED,
          cp::ChangeEvent::CUSTOMER_CREATED, cp::ChangeEvent::CUSTOMER_UPDATED};
}

absl::Status EraseCustomerData(const CustomerDataStores& stores,
                               crm::common::Transaction& tx,
                               const std::string& customer_id) {
  // Stored responses naming the customer or one of their records.
  std::vector<std::string> subjects = {absl::StrCat("customers/", customer_id)};
  CRM_ASSIGN_OR_RETURN(std::vector<FeedbackRecord> items,
                       stores.feedback.ListByCustomer(tx, customer_id));
  for (const FeedbackRecord& item : items) {
    subjects.push_back(absl::StrCat("feedback/", item.id));
    const std::string text = ScrubIdentifiers(item.text, customer_id);
    if (text != item.text) {
      CRM_RETURN_IF_ERROR(stores.feedback.RewriteText(tx, item.id, text));
    }
  }
  CRM_RETURN_IF_ERROR(
      stores.feedback.AnonymizeCustomer(tx, customer_id).status());

  CRM_ASSIGN_OR_RETURN(std::vector<SurveyResponseRecord> responses,
                       stores.surveys.ListResponsesByCustomer(tx, customer_id));
  for (SurveyResponseRecord& response : responses) {
    subjects.push_back(absl::StrCat("surveys/", response.survey_id,
                                    "/responses/", response.id));
    bool changed = false;
    for (v1::SurveyAnswer& answer : response.answers) {
      const std::string text = ScrubIdentifiers(answer.text(), customer_id);
      if (text == answer.text()) continue;
      answer.set_text(text);
      changed = true;
    }
    if (changed) {
      CRM_RETURN_IF_ERROR(
          stores.surveys.RewriteAnswers(tx, response.id, response.answers));
    }
  }
  CRM_RETURN_IF_ERROR(
      stores.surveys.AnonymizeCustomer(tx, customer_id).status());
  if (stores.invitations != nullptr) {
    CRM_ASSIGN_OR_RETURN(std::vector<SurveyInvitationRecord> invitations,
                         stores.invitations->ListByCustomer(tx, customer_id));
    for (const SurveyInvitationRecord& invitation : invitations) {
      subjects.push_back(
          SurveyInvitationName(invitation.survey_id, invitation.id));
    }
    CRM_RETURN_IF_ERROR(
        stores.invitations->DeleteCustomer(tx, customer_id).status());
  }
  if (stores.consents != nullptr) {
    CRM_RETURN_IF_ERROR(stores.consents->Forget(tx, customer_id));
  }

  CRM_ASSIGN_OR_RETURN(std::vector<TicketRecord> tickets,
                       stores.tickets.ListByCustomer(tx, customer_id, true));
  for (TicketRecord& ticket : tickets) {
    subjects.push_back(absl::StrCat("tickets/", ticket.id));
    ticket.customer_id.clear();
    ticket.title = ScrubIdentifiers(ticket.title, customer_id);
    ticket.description = ScrubIdentifiers(ticket.description, customer_id);
    ticket.compensation_entry.clear();  // It names the customer's account.
    ticket.version += 1;
    CRM_RETURN_IF_ERROR(stores.tickets.Save(tx, ticket));
    CRM_RETURN_IF_ERROR(
        ScrubTicketHistory(stores.tickets, tx, ticket.id, customer_id));
  }
  if (stores.idempotency != nullptr) {
    CRM_RETURN_IF_ERROR(stores.idempotency->ForgetSubjects(tx, subjects));
  }
  if (stores.feed_events != nullptr) {
    const crm::common::IdGenerator& ids =
        stores.tombstone_ids != nullptr
            ? *stores.tombstone_ids
            : crm::common::RandomIdGenerator::Instance();
    CRM_RETURN_IF_ERROR(stores.feed_events->ReKeyCustomerEvents(
        tx, customer_id, absl::StrCat(kErasedIdPrefix, ids.NewId())));
  }
  return absl::OkStatus();
}

absl::Status ApplyCustomerProfileEvent(const CustomerDataStores& stores,
                                       crm::common::Transaction& tx,
                                       absl::string_view payload) {
  cp::ChangeEvent event;
  if (!event.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::DataLossError("feed event does not parse");
  }
  switch (event.type()) {
    case cp::ChangeEvent::CUSTOMER_ERASED: {
      CRM_ASSIGN_OR_RETURN(std::string customer_id,
                           EventCustomerId(event.customer_name()));
      return EraseCustomerData(stores, tx, customer_id);
    }
    case cp::ChangeEvent::CUSTOMER_MERGED: {
      CRM_ASSIGN_OR_RETURN(std::string survivor,
                           EventCustomerId(event.merge().survivor()));
      CRM_ASSIGN_OR_RETURN(std::string duplicate,
                           EventCustomerId(event.merge().duplicate()));
      if (survivor == duplicate) return absl::OkStatus();
      CRM_RETURN_IF_ERROR(
          stores.feedback.ReassignCustomer(tx, duplicate, survivor).status());
      CRM_RETURN_IF_ERROR(
          stores.surveys.ReassignCustomer(tx, duplicate, survivor).status());
      if (stores.invitations != nullptr) {
        CRM_RETURN_IF_ERROR(
            stores.invitations->ReassignCustomer(tx, duplicate, survivor)
                .status());
      }
      if (stores.consents != nullptr) {
        CRM_RETURN_IF_ERROR(
            crm::consents::ConsentTracker(*stores.consents).Apply(tx, event));
      }
      CRM_RETURN_IF_ERROR(
          stores.tickets.ReassignCustomer(tx, duplicate, survivor).status());
      if (stores.feed_events != nullptr) {
        CRM_RETURN_IF_ERROR(
            stores.feed_events->ReKeyCustomerEvents(tx, duplicate, survivor));
      }
      return absl::OkStatus();
    }
    case cp::ChangeEvent::CUSTOMER_CREATED:
    case cp::ChangeEvent::CUSTOMER_UPDATED:
      if (stores.consents == nullptr) return absl::OkStatus();
      return crm::consents::ConsentTracker(*stores.consents).Apply(tx, event);
    case cp::ChangeEvent::INTERACTION_RECORDED:
      // Interactions hold no feedback data.
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

}  // namespace crm::feedback
