// TicketRepository on the service's MySQL/MariaDB database (tables `tickets`
// and `ticket_events`, migrations/0004_tickets.sql): all of the tickets' SQL
// and row mapping, prepared statements only, on the connection of the
// caller's unit of work (mysql_unit_of_work.h).
//
//   MySqlTicketRepository tickets;
//   TicketManager manager(unit_of_work, tickets, feedback, ...);
#pragma once

#include "services/feedback/ticket_repository.h"

namespace crm::feedback {

class MySqlTicketRepository final : public TicketRepository {
 public:
  MySqlTicketRepository() = default;

  absl::Status Insert(crm::common::Transaction& tx,
                      const TicketRecord& ticket) override;
  absl::StatusOr<TicketRecord> Get(crm::common::Transaction& tx,
                                   const std::string& id,
                                   bool for_update) override;
  absl::Status Save(crm::common::Transaction& tx,
                    const TicketRecord& ticket) override;
  absl::StatusOr<crm::common::Page<TicketRecord>> List(
      crm::common::Transaction& tx, const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) override;
  absl::StatusOr<std::vector<TicketRecord>> ListByCustomer(
      crm::common::Transaction& tx, const std::string& customer_id,
      bool for_update) override;
  absl::StatusOr<std::vector<TicketRecord>> ClaimDueForEscalation(
      crm::common::Transaction& tx, absl::Time now, int limit) override;
  absl::Status InsertEvent(crm::common::Transaction& tx,
                           const TicketEventRecord& event) override;
  absl::StatusOr<crm::common::Page<TicketEventRecord>> ListEvents(
      crm::common::Transaction& tx, const std::string& ticket_id,
      const crm::common::PageRequest& page) override;
  absl::Status RewriteEvent(crm::common::Transaction& tx,
                            const TicketEventRecord& event) override;
  absl::StatusOr<int64_t> ReassignCustomer(
      crm::common::Transaction& tx, const std::string& from_customer_id,
      const std::string& to_customer_id) override;
};

}  // namespace crm::feedback
