#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/config.h"
#include "services/common/idempotency_retention.h"
#include "tests/testing/status_matchers.h"

namespace crm::common {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

// The settings read from the environment `env` (prefix LOYALTY).
absl::StatusOr<IdempotencyRetentionSettings> SettingsFrom(
    std::map<std::string, std::string> env) {
  const char* argv[] = {"crm-loyalty"};
  absl::StatusOr<Config> config = Config::Load(
      IdempotencyRetentionOptions("LOYALTY"), 1, argv,
      [env](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
      });
  if (!config.ok()) return config.status();
  return ReadIdempotencyRetentionSettings(*config);
}

TEST(IdempotencyRetentionSettingsTest, OptionsUseTheServicePrefix) {
  EXPECT_THAT(
      IdempotencyRetentionOptions("LOYALTY"),
      ElementsAre(
          AllOf(Field(&ConfigOption::flag, "idempotency_retention"),
                Field(&ConfigOption::env, "LOYALTY_IDEMPOTENCY_RETENTION"),
                Field(&ConfigOption::default_value, "168h")),
          AllOf(Field(&ConfigOption::flag, "idempotency_purge_interval"),
                Field(&ConfigOption::env, "LOYALTY_IDEMPOTENCY_PURGE_INTERVAL"),
                Field(&ConfigOption::default_value, "1h"))));
}

TEST(IdempotencyRetentionSettingsTest, DefaultsAreSevenDaysPurgedHourly) {
  absl::StatusOr<IdempotencyRetentionSettings> settings = SettingsFrom({});
  ASSERT_THAT(settings, IsOk());
  EXPECT_EQ(settings->retention, absl::Hours(168));
  EXPECT_EQ(settings->purge_interval, absl::Hours(1));
}

TEST(IdempotencyRetentionSettingsTest, ReadsTheEnvironment) {
  absl::StatusOr<IdempotencyRetentionSettings> settings =
      SettingsFrom({{"LOYALTY_IDEMPOTENCY_RETENTION", "720h"},
                    {"LOYALTY_IDEMPOTENCY_PURGE_INTERVAL", "15m"}});
  ASSERT_THAT(settings, IsOk());
  EXPECT_EQ(settings->retention, absl::Hours(720));
  EXPECT_EQ(settings->purge_interval, absl::Minutes(15));
}

TEST(IdempotencyRetentionSettingsTest, ZeroRetentionDisablesThePurge) {
  absl::StatusOr<IdempotencyRetentionSettings> settings =
      SettingsFrom({{"LOYALTY_IDEMPOTENCY_RETENTION", "0s"}});
  ASSERT_THAT(settings, IsOk());
  EXPECT_EQ(settings->retention, absl::ZeroDuration());
}

TEST(IdempotencyRetentionSettingsTest, BadValuesNameTheFlag) {
  for (const char* bad : {"7d", "seven days", "-1h", "30m", "59m59s"}) {
    EXPECT_THAT(SettingsFrom({{"LOYALTY_IDEMPOTENCY_RETENTION", bad}}),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("idempotency_retention")))
        << bad;
  }
  for (const char* bad : {"0s", "59s", "-1m", "hourly", "1"}) {
    EXPECT_THAT(SettingsFrom({{"LOYALTY_IDEMPOTENCY_PURGE_INTERVAL", bad}}),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("idempotency_purge_interval")))
        << bad;
  }
  EXPECT_THAT(SettingsFrom({{"LOYALTY_IDEMPOTENCY_RETENTION", "1h"},
                            {"LOYALTY_IDEMPOTENCY_PURGE_INTERVAL", "1m"}}),
              IsOk());
}

}  // namespace
}  // namespace crm::common
