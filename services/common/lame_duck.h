// The lame-duck phase of a shutting-down server: after a termination signal
// and before the gRPC server stops accepting calls, work on behalf of a
// caller is refused with UNAVAILABLE (reason INSTANCE_SHUTTING_DOWN) before
// any statement runs, so the caller retries on
// another instance while this one still answers; calls already running
// finish. Background work (no caller) is not refused.
//
// Process-wide: RunServiceMain() enters it on SIGTERM/SIGINT; the units of
// work check it (MySqlUnitOfWork, GroupCommitUnitOfWork), and the server
// interceptor answers every unary call that arrived in it UNAVAILABLE too
// (also those served without the database), which is safe because every
// write went through a unit of work that refused it. There is no way out: a
// process that entered it is shutting down.
#pragma once

#include "absl/status/status.h"

namespace crm::common {

void EnterLameDuck();
bool InLameDuck();

// UNAVAILABLE, reason INSTANCE_SHUTTING_DOWN, while in the lame-duck phase and
// `context_has_caller`; OK otherwise.
absl::Status RefuseWhenLameDuck(bool context_has_caller);

}  // namespace crm::common
