// An in-memory TicketRepository (services/feedback/ticket_repository.h) for
// unit tests of the ticket manager and the escalation job; rolled back with
// the FakeUnitOfWork it enlists in.
//
//   crm::testing::FakeUnitOfWork unit_of_work{clock};
//   crm::testing::InMemoryTicketRepository tickets(&unit_of_work);
//   TicketManager manager(unit_of_work, tickets, feedback, keys, ...);
//
// Follows the interface's contracts: ALREADY_EXISTS for a repeated id or a
// second ticket of one feedback item, NOT_FOUND for an unknown ticket; List
// filters (TicketFilterView), orders and pages as the MySQL implementation
// does. Locks are not modelled: ClaimDueForEscalation returns every due
// ticket.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/error_details.h"
#include "services/common/filter/filter_predicate.h"
#include "services/common/keyset_page.h"
#include "services/feedback/ticket_filter.h"
#include "services/feedback/ticket_repository.h"
#include "services/feedback/ticket_resources.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryTicketRepository final : public crm::feedback::TicketRepository {
 public:
  using TicketRecord = crm::feedback::TicketRecord;
  using TicketEventRecord = crm::feedback::TicketEventRecord;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryTicketRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        std::vector<TicketRecord> tickets = tickets_;
        std::vector<TicketEventRecord> events = events_;
        return [this, tickets, events] {
          tickets_ = tickets;
          events_ = events;
        };
      });
    }
  }

  absl::Status Insert(crm::common::Transaction& /*tx*/,
                      const TicketRecord& ticket) override {
    for (const TicketRecord& stored : tickets_) {
      if (stored.id == ticket.id ||
          (!ticket.feedback_id.empty() &&
           stored.feedback_id == ticket.feedback_id)) {
        return absl::AlreadyExistsError("ticket exists");
      }
    }
    tickets_.push_back(ticket);
    return absl::OkStatus();
  }

  absl::StatusOr<TicketRecord> Get(crm::common::Transaction& /*tx*/,
                                   const std::string& id,
                                   bool /*for_update*/) override {
    for (const TicketRecord& ticket : tickets_) {
      if (ticket.id == id) return ticket;
    }
    return crm::common::NotFoundError(crm::feedback::TicketName(id));
  }

  absl::Status Save(crm::common::Transaction& /*tx*/,
                    const TicketRecord& ticket) override {
    for (TicketRecord& stored : tickets_) {
      if (stored.id != ticket.id) continue;
      const std::string feedback_id = stored.feedback_id;
      const absl::Time create_time = stored.create_time;
      stored = ticket;
      stored.feedback_id = feedback_id;
      stored.create_time = create_time;
      return absl::OkStatus();
    }
    return crm::common::NotFoundError(crm::feedback::TicketName(ticket.id));
  }

  absl::StatusOr<crm::common::Page<TicketRecord>> List(
      crm::common::Transaction& /*tx*/,
      const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) override {
    std::vector<TicketRecord> rows;
    for (const TicketRecord& ticket : tickets_) {
      if (!crm::common::filter::Matches(
              filter, crm::feedback::TicketFilterView(ticket))) {
        continue;
      }
      if (page.after.has_value() &&
          !ComesAfter(ticket.create_time, ticket.id, *page.after)) {
        continue;
      }
      rows.push_back(ticket);
    }
    SortNewestFirst(rows);
    if (rows.size() > static_cast<size_t>(page.page_size) + 1) {
      rows.resize(page.page_size + 1);
    }
    return crm::common::MakePage<TicketRecord>(
        std::move(rows), page.page_size, [](const TicketRecord& ticket) {
          return crm::common::KeysetPosition{ticket.create_time, ticket.id};
        });
  }

  absl::StatusOr<std::vector<TicketRecord>> ListByCustomer(
      crm::common::Transaction& /*tx*/, const std::string& customer_id,
      bool /*for_update*/) override {
    std::vector<TicketRecord> rows;
    for (const TicketRecord& ticket : tickets_) {
      if (ticket.customer_id == customer_id) rows.push_back(ticket);
    }
    SortNewestFirst(rows);
    return rows;
  }

  absl::StatusOr<std::vector<TicketRecord>> ClaimDueForEscalation(
      crm::common::Transaction& /*tx*/, absl::Time now, int limit) override {
    std::vector<TicketRecord> due;
    for (const TicketRecord& ticket : tickets_) {
      if (ticket.next_escalation_time.has_value() &&
          *ticket.next_escalation_time <= now) {
        due.push_back(ticket);
      }
    }
    std::sort(due.begin(), due.end(),
              [](const TicketRecord& a, const TicketRecord& b) {
                return *a.next_escalation_time < *b.next_escalation_time;
              });
    if (due.size() > static_cast<size_t>(limit)) due.resize(limit);
    return due;
  }

  absl::Status InsertEvent(crm::common::Transaction& /*tx*/,
                           const TicketEventRecord& event) override {
    if (std::none_of(tickets_.begin(), tickets_.end(),
                     [&](const TicketRecord& ticket) {
                       return ticket.id == event.ticket_id;
                     })) {
      return crm::common::NotFoundError(
          crm::feedback::TicketName(event.ticket_id));
    }
    for (const TicketEventRecord& stored : events_) {
      if (stored.id == event.id) {
        return absl::AlreadyExistsError("ticket event exists");
      }
    }
    events_.push_back(event);
    return absl::OkStatus();
  }

  absl::StatusOr<crm::common::Page<TicketEventRecord>> ListEvents(
      crm::common::Transaction& /*tx*/, const std::string& ticket_id,
      const crm::common::PageRequest& page) override {
    std::vector<TicketEventRecord> rows;
    for (const TicketEventRecord& event : events_) {
      if (event.ticket_id != ticket_id) continue;
      if (page.after.has_value() &&
          !ComesAfter(event.create_time, event.id, *page.after)) {
        continue;
      }
      rows.push_back(event);
    }
    std::sort(rows.begin(), rows.end(),
              [](const TicketEventRecord& a, const TicketEventRecord& b) {
                return ComesAfter(b.create_time, b.id, {a.create_time, a.id});
              });
    if (rows.size() > static_cast<size_t>(page.page_size) + 1) {
      rows.resize(page.page_size + 1);
    }
    return crm::common::MakePage<TicketEventRecord>(
        std::move(rows), page.page_size, [](const TicketEventRecord& event) {
          return crm::common::KeysetPosition{event.create_time, event.id};
        });
  }

  absl::Status RewriteEvent(crm::common::Transaction& /*tx*/,
                            const TicketEventRecord& event) override {
    for (TicketEventRecord& stored : events_) {
      if (stored.ticket_id == event.ticket_id && stored.id == event.id) {
        stored.author = event.author;
        stored.text = event.text;
        stored.compensation_entry = event.compensation_entry;
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> ReassignCustomer(
      crm::common::Transaction& /*tx*/, const std::string& from_customer_id,
      const std::string& to_customer_id) override {
    int64_t moved = 0;
    for (TicketRecord& ticket : tickets_) {
      if (ticket.customer_id != from_customer_id) continue;
      ticket.customer_id = to_customer_id;
      ticket.version += 1;
      ++moved;
    }
    return moved;
  }

  // The committed tickets and events, in order of insertion.
  const std::vector<TicketRecord>& tickets() const { return tickets_; }
  const std::vector<TicketEventRecord>& events() const { return events_; }

 private:
  // True if (time, id) comes after `position` in descending order.
  static bool ComesAfter(absl::Time time, const std::string& id,
                         const crm::common::KeysetPosition& position) {
    return time < position.create_time ||
           (time == position.create_time && id < position.id);
  }

  static void SortNewestFirst(std::vector<TicketRecord>& rows) {
    std::sort(rows.begin(), rows.end(),
              [](const TicketRecord& a, const TicketRecord& b) {
                return ComesAfter(b.create_time, b.id, {a.create_time, a.id});
              });
  }

  std::vector<TicketRecord> tickets_;
  std::vector<TicketEventRecord> events_;
};

}  // namespace crm::testing
