// The segmentation schema, compiled into the binary from migrations/*.sql
// by crm_embed_migrations() (library crm_segmentation_migrations).
#pragma once

#include "services/common/migrations.h"

namespace crm::segmentation {

const crm::common::MigrationSet& Migrations();

}  // namespace crm::segmentation
