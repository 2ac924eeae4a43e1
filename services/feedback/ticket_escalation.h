// The SLA job: raises the escalation level of every ticket whose next
// check (ticket_rules.h, NextEscalationCheck) has come, recording an
// ESCALATED event, reports the deadlines that have come within the warning
// lead (ImminentDeadlines: the SLA_BREACH_IMMINENT alerts), and schedules
// the ticket's next check (the earlier of the next escalation and the next
// warning). Safe to run
// twice and on several replicas at once: each batch claims its tickets with
// row locks that skip rows another replica holds (SKIP LOCKED), and levels
// only rise (EscalationUpdate), so a ticket is escalated once per level.
// Give it a unit of work at READ COMMITTED (no gap locks next to the
// claimed rows).
//
//   TicketEscalation escalation(unit_of_work, tickets, ids, clock, settings);
//   CRM_ASSIGN_OR_RETURN(EscalationRun run, escalation.EscalateDue(ctx));
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "absl/status/statusor.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/ticket_manager.h"
#include "services/feedback/ticket_repository.h"

namespace crm::feedback {

// What one run did.
struct EscalationRun {
  int64_t examined = 0;   // Tickets whose check had come.
  int64_t escalated = 0;  // Tickets whose level rose.
  int64_t imminent = 0;   // Imminent deadlines reported (OnImminent calls).
};

// A check that finds nothing to raise (a clock tie) is repeated this much
// later, so a ticket never spins in the job.
inline constexpr absl::Duration kEscalationRecheckDelay = absl::Minutes(1);

class TicketEscalation {
 public:
  // Called inside the escalating transaction for every ticket whose level
  // rose (with the ticket as saved); its error rolls the batch back.
  using OnEscalated = std::function<absl::Status(crm::common::Transaction& tx,
                                                 const TicketRecord& ticket)>;
  // Called inside the transaction for every deadline of a claimed ticket
  // that is within settings.sla_warning_lead (it must deduplicate: a ticket
  // can be claimed again before its deadline passes); its error rolls the
  // batch back.
  using OnImminent = std::function<absl::Status(
      crm::common::Transaction& tx, const TicketRecord& ticket,
      const ImminentDeadline& deadline, absl::Time now)>;

  // Every argument must outlive this object.
  TicketEscalation(crm::common::UnitOfWork& unit_of_work,
                   TicketRepository& tickets,
                   const crm::common::IdGenerator& ids,
                   const crm::common::Clock& clock,
                   const TicketSettings& settings,
                   OnEscalated on_escalated = nullptr,
                   OnImminent on_imminent = nullptr)
      : unit_of_work_(unit_of_work),
        tickets_(tickets),
        ids_(ids),
        clock_(clock),
        settings_(settings),
        on_escalated_(std::move(on_escalated)),
        on_imminent_(std::move(on_imminent)) {}
  TicketEscalation(const TicketEscalation&) = delete;
  TicketEscalation& operator=(const TicketEscalation&) = delete;

  // Handles every ticket due at the clock's now, `batch` per transaction,
  // until a batch comes back short. Stops at the first failing transaction
  // (a later run picks up what is left).
  absl::StatusOr<EscalationRun> EscalateDue(
      const crm::common::RequestContext& context, int batch = 100);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  TicketRepository& tickets_;
  const crm::common::IdGenerator& ids_;
  const crm::common::Clock& clock_;
  const TicketSettings& settings_;
  const OnEscalated on_escalated_;
  const OnImminent on_imminent_;
};

}  // namespace crm::feedback
