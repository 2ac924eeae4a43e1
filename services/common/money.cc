#include "services/common/money.h"

#include <string>

namespace crm::common {

crm::type::v1::Money MoneyOf(absl::string_view currency_code,
                             int64_t amount_minor) {
  crm::type::v1::Money money;
  money.set_currency_code(std::string(currency_code));
  money.set_amount_minor(amount_minor);
  return money;
}

}  // namespace crm::common
