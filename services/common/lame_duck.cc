#include "services/common/lame_duck.h"

#include <atomic>

#include "services/common/error_details.h"

namespace crm::common {
namespace {

std::atomic<bool> lame_duck{false};

}  // namespace

void EnterLameDuck() { lame_duck.store(true, std::memory_order_release); }

bool InLameDuck() { return lame_duck.load(std::memory_order_acquire); }

absl::Status RefuseWhenLameDuck(bool context_has_caller) {
  if (!context_has_caller || !InLameDuck()) return absl::OkStatus();
  return ErrorWithReason(
      absl::UnavailableError(
          "the instance is shutting down; retry on another instance"),
      ::crm::type::v1::INSTANCE_SHUTTING_DOWN);
}

}  // namespace crm::common
