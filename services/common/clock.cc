#include "services/common/clock.h"

namespace crm::common {

const SystemClock& SystemClock::Instance() {
  static const SystemClock* const instance = new SystemClock();
  return *instance;
}

}  // namespace crm::common
