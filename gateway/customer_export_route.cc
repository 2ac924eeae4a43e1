#include "gateway/customer_export_route.h"

namespace crm::gateway {

void AddCustomerExportRoute(Router& /*router*/,
                            const BackendClients& /*clients*/) {
  // Registers nothing until the route is built; the transcoded per-service
  // export routes answer meanwhile.
}

}  // namespace crm::gateway
