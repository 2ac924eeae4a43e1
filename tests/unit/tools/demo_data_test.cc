// The demo generator is deterministic and produces what the demo promises.
#include "tools/demo_data/demo_generator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace crm::tools {
namespace {

DemoOptions Small(uint64_t seed) {
  DemoOptions options;
  options.seed = seed;
  options.customers = 600;
  return options;
}

TEST(DemoDataTest, SameSeedSameRequests) {
  const uint64_t first = PlanFingerprint(GenerateDemoPlan(Small(42)));
  EXPECT_EQ(first, PlanFingerprint(GenerateDemoPlan(Small(42))));
  EXPECT_NE(first, PlanFingerprint(GenerateDemoPlan(Small(43))));
}

// Pins the stream for the default options, so that an accidental change of
// the generator (or a platform whose libm differs) is noticed.
TEST(DemoDataTest, DefaultPlanIsPinned) {
  DemoPlan plan = GenerateDemoPlan(DemoOptions{});
  EXPECT_EQ(plan.customers.size(), 3060u);
  EXPECT_EQ(PlanFingerprint(plan), 0x8c24398c56a90bfaULL);
}

TEST(DemoDataTest, RandomSourceIsTheStandardEngine) {
  // std::mt19937_64's 10000th output is fixed by the C++ standard.
  DemoRandom rng(5489);
  uint64_t x = 0;
  for (int i = 0; i < 10000; ++i) x = rng.Next();
  EXPECT_EQ(x, 9981545732273789042ULL);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_LT(rng.Below(7), 7u);
    double u = rng.Uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(DemoDataTest, PlanHasTheRealisticShape) {
  DemoPlan plan = GenerateDemoPlan(Small(7));
  int chinese = 0;
  std::set<std::string> channels;
  std::set<std::string> request_ids;
  for (const auto& write : plan.customers) {
    const auto& c = write.request.customer();
    if (c.locale() == "zh-CN") ++chinese;
    channels.insert(c.source_channel());
    EXPECT_EQ(c.external_identities_size(), 1);
    EXPECT_TRUE(request_ids.insert(write.request.request_id()).second);
  }
  EXPECT_GT(chinese, 300);
  EXPECT_LT(chinese, 550);
  EXPECT_EQ(channels, (std::set<std::string>{"web", "app", "store", "wechat",
                                             "call_center"}));
  EXPECT_EQ(plan.customers.size(), 612u);  // 600 + 2% look-alikes
  EXPECT_GE(plan.resolution_writes.size(), 20u);
  for (const auto& write : plan.resolution_writes) {
    EXPECT_GE(write.target, 0);
    EXPECT_TRUE(request_ids.insert(write.request.request_id()).second);
  }

  // Orders: unique ids, most in CNY, Singles' Day busier than an ordinary
  // November day, a long tail of spend.
  std::set<std::string> order_ids;
  int cny = 0, singles_day = 0, november_10 = 0;
  std::vector<int64_t> amounts;
  for (const auto& demo : plan.orders) {
    const auto& o = demo.order;
    EXPECT_TRUE(order_ids.insert(o.channel_order_id()).second);
    if (o.amount().currency_code() == "CNY") {
      ++cny;
      amounts.push_back(o.amount().amount_minor());
    }
    absl::CivilDay day = absl::ToCivilDay(
        absl::FromUnixSeconds(o.order_time().seconds()), absl::UTCTimeZone());
    if (day.month() == 11 && day.day() == 11) ++singles_day;
    if (day.month() == 11 && day.day() == 9) ++november_10;
    EXPECT_GE(day, absl::CivilDay(2024, 11, 1));
    EXPECT_LT(day, absl::CivilDay(2026, 11, 1));
  }
  EXPECT_GT(plan.orders.size(), 800u);
  EXPECT_GT(cny, static_cast<int>(plan.orders.size()) * 6 / 10);
  EXPECT_GT(singles_day, 2 * november_10);
  std::sort(amounts.begin(), amounts.end());
  const int64_t median = amounts[amounts.size() / 2];
  const int64_t p99 = amounts[amounts.size() * 99 / 100];
  EXPECT_GT(p99, 5 * median);
  EXPECT_FALSE(plan.refunds.empty());
  EXPECT_FALSE(plan.events.empty());
}

}  // namespace
}  // namespace crm::tools
