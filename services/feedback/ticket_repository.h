// Storage of complaint tickets and their history: the records as stored, and
// the interface the ticket manager (ticket_manager.h), the escalation job
// (ticket_escalation.h) and the customer-profile feed handler
// (customer_profile_events.h) use inside a unit of work. The MySQL
// implementation is MySqlTicketRepository (mysql_ticket_repository.h); unit
// tests use the in-memory fake in tests/testing/fakes/feedback/.
//
//   CRM_ASSIGN_OR_RETURN(TicketRecord ticket, tickets.Get(tx, id, true));
//   ... the rules of ticket_rules.h ...
//   CRM_RETURN_IF_ERROR(tickets.Save(tx, ticket));
//   CRM_RETURN_IF_ERROR(tickets.InsertEvent(tx, event));
//
// The repository stores what it is given: it validates nothing, makes no id
// and knows no resource name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/feedback/v1/ticket.pb.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/keyset_page.h"
#include "services/common/unit_of_work.h"

namespace crm::feedback {

// One ticket as stored (its fields as in crm.feedback.v1.Ticket, the
// customer and feedback item as bare ids), with what the SLA and the
// escalation job need.
struct TicketRecord {
  std::string id;
  std::string customer_id;  // Empty: anonymous (or erased).
  std::string feedback_id;  // Empty: opened directly.
  std::string title;
  std::string description;
  std::string category;
  v1::Ticket::State state = v1::Ticket::NEW;
  v1::Ticket::Priority priority = v1::Ticket::P3;
  std::string assignee;
  std::string team;
  double sentiment_score = 0;
  int32_t escalation_level = 0;
  absl::Time create_time;
  absl::Time update_time;
  std::optional<absl::Time> first_response_time;
  std::optional<absl::Time> resolve_time;
  std::optional<absl::Time> close_time;
  absl::Time first_response_deadline;
  absl::Time resolution_deadline;
  // When the SLA job (ticket_escalation.h) should look at the ticket next:
  // the earlier of NextEscalationCheck and the next SLA warning
  // (NextSlaWarningCheck, ticket_rules.h); unset when neither can come.
  std::optional<absl::Time> next_escalation_time;
  // Starts at 1, one up per change; the etag.
  int64_t version = 1;
  // The loyalty compensation recorded on resolution (at most one per
  // ticket): points (0: none), the ledger entry's name and when.
  int64_t compensation_points = 0;
  std::string compensation_entry;
  std::optional<absl::Time> compensation_time;
};

// One entry of a ticket's history.
struct TicketEventRecord {
  std::string ticket_id;
  std::string id;
  v1::TicketEvent::Kind kind = v1::TicketEvent::KIND_UNSPECIFIED;
  std::string author;
  std::string text;
  v1::Ticket::State from_state = v1::Ticket::STATE_UNSPECIFIED;
  v1::Ticket::State to_state = v1::Ticket::STATE_UNSPECIFIED;
  std::string assignee;
  std::string team;
  int32_t escalation_level = 0;
  absl::Time create_time;
  // For COMPENSATED: the points credited and the loyalty ledger entry.
  int64_t compensation_points = 0;
  std::string compensation_entry;
};

class TicketRepository {
 public:
  TicketRepository(const TicketRepository&) = delete;
  TicketRepository& operator=(const TicketRepository&) = delete;
  virtual ~TicketRepository() = default;

  // Stores a new ticket (times with microsecond precision). ALREADY_EXISTS
  // if a ticket with the same id, or another ticket of the same non-empty
  // feedback_id, exists; nothing is written then.
  virtual absl::Status Insert(crm::common::Transaction& tx,
                              const TicketRecord& ticket) = 0;

  // The ticket with `id`, locked until the transaction ends when
  // `for_update`; NOT_FOUND if there is none.
  virtual absl::StatusOr<TicketRecord> Get(crm::common::Transaction& tx,
                                           const std::string& id,
                                           bool for_update) = 0;

  // Overwrites the stored ticket `ticket.id` with `ticket` (every field but
  // id, feedback_id and create_time). NOT_FOUND if there is
  // none. Callers hold the row lock (Get with for_update).
  virtual absl::Status Save(crm::common::Transaction& tx,
                            const TicketRecord& ticket) = 0;

  // Tickets matching `filter` (over TicketFilterSchema(), ticket_filter.h,
  // with the meaning TicketFilterView gives it), create_time then id
  // descending, strictly after `page.after`, at most `page.page_size`;
  // `next` set when more may follow.
  virtual absl::StatusOr<crm::common::Page<TicketRecord>> List(
      crm::common::Transaction& tx, const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) = 0;

  // Every ticket of `customer_id`, newest first, locked when `for_update`.
  virtual absl::StatusOr<std::vector<TicketRecord>> ListByCustomer(
      crm::common::Transaction& tx, const std::string& customer_id,
      bool for_update) = 0;

  // Up to `limit` tickets whose next_escalation_time is at or before `now`,
  // earliest first, each locked until the transaction ends; rows another
  // transaction holds locked are skipped (SKIP LOCKED), so replicas running
  // the job at once share the work instead of waiting for each other.
  virtual absl::StatusOr<std::vector<TicketRecord>> ClaimDueForEscalation(
      crm::common::Transaction& tx, absl::Time now, int limit) = 0;

  // Appends an event to the history of ticket event.ticket_id. NOT_FOUND if
  // there is no such ticket; ALREADY_EXISTS if the event's id exists.
  virtual absl::Status InsertEvent(crm::common::Transaction& tx,
                                   const TicketEventRecord& event) = 0;

  // Events of `ticket_id`, create_time then id descending, strictly after
  // `page.after`, at most `page.page_size`.
  virtual absl::StatusOr<crm::common::Page<TicketEventRecord>> ListEvents(
      crm::common::Transaction& tx, const std::string& ticket_id,
      const crm::common::PageRequest& page) = 0;

  // Replaces the author, text and compensation_entry of the stored event
  // (event.ticket_id, event.id) with event's (the erasure's scrubbing);
  // nothing when there is no such event.
  virtual absl::Status RewriteEvent(crm::common::Transaction& tx,
                                    const TicketEventRecord& event) = 0;

  // Moves every ticket of `from_customer_id` to `to_customer_id` (a merge),
  // each one version up. Returns how many moved.
  virtual absl::StatusOr<int64_t> ReassignCustomer(
      crm::common::Transaction& tx, const std::string& from_customer_id,
      const std::string& to_customer_id) = 0;

 protected:
  TicketRepository() = default;
};

}  // namespace crm::feedback
