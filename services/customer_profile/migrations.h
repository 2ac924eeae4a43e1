// The customer-profile schema, compiled into the binary from migrations/*.sql
// by crm_embed_migrations() (library crm_customer_profile_migrations).
#pragma once

#include "services/common/migrations.h"

namespace crm::customer_profile {

const crm::common::MigrationSet& Migrations();

}  // namespace crm::customer_profile
