// MySqlReadModelRepository::ForEachCustomerPurchases on a real MariaDB: the
// server-side filter gives exactly what the interface's default (every
// order through ClvPurchaseOf) gives, at every edge of the filter
// (currencies, refunds, zero-value orders, the last day's boundary, days
// before 1970), and stops at the visitor's first error.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/segmentation/clv_model.h"
#include "services/segmentation/customer_aggregate.h"
#include "services/segmentation/migrations.h"
#include "services/segmentation/mysql_read_model_repository.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::segmentation {
namespace {

using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;

// Purchases per customer, each customer's sorted (day, then amount).
using PurchasesByCustomer =
    std::map<std::string, std::vector<std::pair<int64_t, int64_t>>>;

absl::Time At(int y, int m, int d, int hh, int mm, int ss, int micros = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss),
                         absl::UTCTimeZone()) +
         absl::Microseconds(micros);
}

class ClvInputsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto database = crm::testing::TestDatabase::Create("seg_clv_inputs");
    ASSERT_THAT(database, IsOk());
    database_ = database->release();
    auto pool = database_->NewMigratedPool(Migrations());
    ASSERT_THAT(pool, IsOk());
    pool_ = pool->release();
  }
  static void TearDownTestSuite() {
    delete pool_;
    delete database_;
  }

  void SetUp() override {
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
  }

  void Add(const std::string& customer, const std::string& order,
           absl::Time time, int64_t amount, int64_t refunded = 0,
           const std::string& currency = "CNY") {
    OrderFact fact;
    fact.customer_id = customer;
    fact.order_id = order;
    fact.order_time = time;
    fact.currency_code = currency;
    fact.amount_minor = amount;
    fact.refunded_minor = refunded;
    ASSERT_THAT(unit_of_work_->Run(RequestContext(),
                                   [&](Transaction& tx) {
                                     return read_model_.UpsertOrder(tx, fact);
                                   }),
                IsOk());
  }

  // What ForEachCustomerPurchases visits; `server_side` false takes the
  // interface's default (ForEachCustomerOrders and ClvPurchaseOf).
  PurchasesByCustomer Visit(bool server_side, const std::string& currency,
                            int64_t last_day) {
    PurchasesByCustomer seen;
    auto visit = [&](absl::string_view customer,
                     const std::vector<ClvPurchase>& purchases) {
      auto& mine = seen[std::string(customer)];
      EXPECT_TRUE(mine.empty()) << customer << " visited twice";
      for (const ClvPurchase& p : purchases) {
        mine.emplace_back(p.utc_day, p.net_minor);
      }
      std::sort(mine.begin(), mine.end());
      return absl::OkStatus();
    };
    EXPECT_THAT(
        unit_of_work_->Read(
            RequestContext(),
            [&](Transaction& tx) {
              return server_side
                         ? read_model_.ForEachCustomerPurchases(tx, currency,
                                                                last_day, visit)
                         : read_model_
                               .ReadModelRepository::ForEachCustomerPurchases(
                                   tx, currency, last_day, visit);
            }),
        IsOk());
    return seen;
  }

  static crm::testing::TestDatabase* database_;
  static crm::common::MySqlPool* pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlReadModelRepository read_model_;
};

crm::testing::TestDatabase* ClvInputsTest::database_ = nullptr;
crm::common::MySqlPool* ClvInputsTest::pool_ = nullptr;

TEST_F(ClvInputsTest, ServerSideFilterMatchesClvPurchaseOf) {
  const absl::Time end = At(2026, 3, 31, 12, 0, 0);
  const int64_t last_day = UtcDayNumber(end);
  Add("a", "o1", At(2026, 1, 1, 0, 0, 0), 1000);
  Add("a", "o2", At(2026, 1, 1, 23, 59, 59, 999999), 500);
  Add("a", "o3", At(2026, 2, 1, 10, 0, 0), 800, 300);  // Partly refunded.
  Add("a", "o4", At(2026, 2, 2, 10, 0, 0), 800, 800);  // Fully refunded.
  Add("a", "o5", At(2026, 2, 3, 10, 0, 0), 0);         // Zero-value.
  Add("a", "o6", At(2026, 2, 4, 10, 0, 0), 900, 0, "USD");
  Add("a", "o7", At(2026, 3, 31, 23, 59, 59, 999999), 70);  // Last day.
  Add("a", "o8", At(2026, 4, 1, 0, 0, 0), 60);              // The day after.
  Add("b", "o1", At(1969, 12, 31, 23, 0, 0), 40);           // Day −1.
  Add("b", "o2", At(1970, 1, 1, 0, 0, 0), 30);              // Day 0.
  Add("c", "o1", At(2026, 2, 2, 10, 0, 0), 800, 800);       // Nothing counts.
  Add("d", "o1", At(2026, 5, 1, 10, 0, 0), 100);  // Only after the end.
  Add("e", "o1", At(2026, 1, 5, 10, 0, 0), 100, 0, "USD");

  const PurchasesByCustomer server = Visit(true, "CNY", last_day);
  EXPECT_EQ(server, Visit(false, "CNY", last_day));
  const int64_t jan1 = UtcDayNumber(At(2026, 1, 1, 0, 0, 0));
  EXPECT_EQ(server, (PurchasesByCustomer{{"a",
                                          {{jan1, 500},
                                           {jan1, 1000},
                                           {jan1 + 31, 500},
                                           {jan1 + 33, 0},
                                           {last_day, 70}}},
                                         {"b", {{-1, 40}, {0, 30}}}}));
  EXPECT_EQ(Visit(true, "USD", last_day), Visit(false, "USD", last_day));
  EXPECT_EQ(Visit(true, "CNY", last_day + 1).at("a").back(),
            std::make_pair(last_day + 1, int64_t{60}));
}

TEST_F(ClvInputsTest, StopsAtTheFirstErrorAndChecksTheCurrency) {
  Add("s1", "o1", At(2026, 1, 1, 0, 0, 0), 1000);
  Add("s2", "o1", At(2026, 1, 1, 0, 0, 0), 1000);
  int visits = 0;
  EXPECT_THAT(unit_of_work_->Read(RequestContext(),
                                  [&](Transaction& tx) {
                                    return read_model_.ForEachCustomerPurchases(
                                        tx, "CNY", 100000,
                                        [&](absl::string_view,
                                            const std::vector<ClvPurchase>&) {
                                          ++visits;
                                          return absl::CancelledError("stop");
                                        });
                                  }),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(visits, 1);
  EXPECT_THAT(unit_of_work_->Read(RequestContext(),
                                  [&](Transaction& tx) {
                                    return read_model_.ForEachCustomerPurchases(
                                        tx, "cn'", 100000,
                                        [](absl::string_view,
                                           const std::vector<ClvPurchase>&) {
                                          return absl::OkStatus();
                                        });
                                  }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace crm::segmentation
