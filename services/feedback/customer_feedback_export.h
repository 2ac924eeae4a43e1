// ExportCustomerFeedback: everything feedback holds on one customer (the
// data-subject access request; the gateway's suite-wide export gathers it
// with every other service's part): the customer's feedback items, survey
// responses, survey invitations, tickets and the history of those tickets,
// read in one unit of work so the parts agree. No SQL, no gRPC.
//
//   CustomerFeedbackExporter exporter(unit_of_work, stores, clock, settings);
//   absl::StatusOr<v1::CustomerFeedbackExport> data =
//       exporter.Export(ctx, request);
#pragma once

#include "absl/status/statusor.h"
#include "crm/feedback/v1/feedback_service.pb.h"
#include "services/common/clock.h"
#include "services/common/request_context.h"
#include "services/common/unit_of_work.h"
#include "services/feedback/customer_profile_events.h"
#include "services/feedback/ticket_manager.h"

namespace crm::feedback {

class CustomerFeedbackExporter {
 public:
  // Every argument must outlive the exporter.
  CustomerFeedbackExporter(crm::common::UnitOfWork& unit_of_work,
                           const CustomerDataStores& stores,
                           const crm::common::Clock& clock,
                           const TicketSettings& settings)
      : unit_of_work_(unit_of_work),
        stores_(stores),
        clock_(clock),
        settings_(settings) {}
  CustomerFeedbackExporter(const CustomerFeedbackExporter&) = delete;
  CustomerFeedbackExporter& operator=(const CustomerFeedbackExporter&) = delete;

  // The customer's data, each list newest first; an unknown customer (or
  // an erased one) has empty lists. INVALID_ARGUMENT naming `customer` for
  // a name that is not `customers/{customer}`.
  absl::StatusOr<v1::CustomerFeedbackExport> Export(
      const crm::common::RequestContext& context,
      const v1::ExportCustomerFeedbackRequest& request);

 private:
  crm::common::UnitOfWork& unit_of_work_;
  const CustomerDataStores stores_;
  const crm::common::Clock& clock_;
  const TicketSettings& settings_;
};

}  // namespace crm::feedback
