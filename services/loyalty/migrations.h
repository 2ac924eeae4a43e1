// The loyalty schema, compiled into the binary from migrations/*.sql by
// crm_embed_migrations() (library crm_loyalty_migrations).
#pragma once

#include "services/common/migrations.h"

namespace crm::loyalty {

const crm::common::MigrationSet& Migrations();

}  // namespace crm::loyalty
