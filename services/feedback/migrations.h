// The feedback schema, compiled into the binary from migrations/*.sql by
// crm_embed_migrations() (library crm_feedback_migrations).
#pragma once

#include "services/common/migrations.h"

namespace crm::feedback {

const crm::common::MigrationSet& Migrations();

}  // namespace crm::feedback
