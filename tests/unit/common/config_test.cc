#include "services/common/config.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace crm::common {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<ConfigOption> Options() {
  return {
      {.flag = "grpc_port",
       .env = "LOYALTY_GRPC_PORT",
       .default_value = "50053",
       .help = "gRPC port"},
      {.flag = "db_user",
       .env = "LOYALTY_DB_USER",
       .default_value = "",
       .help = "user"},
      {.flag = "db_password",
       .env = "LOYALTY_DB_PASSWORD",
       .default_value = "",
       .required = true,
       .secret = true,
       .help = "password"},
      {.flag = "migrate",
       .env = "LOYALTY_MIGRATE",
       .default_value = "true",
       .help = "migrate"},
      {.flag = "grace",
       .env = "LOYALTY_GRACE",
       .default_value = "10s",
       .help = "grace"},
  };
}

// An injected environment.
EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](
             const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

absl::StatusOr<Config> LoadArgs(std::vector<const char*> args,
                                std::map<std::string, std::string> env = {
                                    {"LOYALTY_DB_PASSWORD", "pw"}}) {
  args.insert(args.begin(), "crm-loyalty");
  return Config::Load(Options(), static_cast<int>(args.size()), args.data(),
                      Env(std::move(env)));
}

TEST(ConfigTest, DefaultsApplyWhenNothingIsSet) {
  CRM_ASSERT_OK_AND_ASSIGN(Config config, LoadArgs({}));
  EXPECT_EQ(config.GetString("grpc_port"), "50053");
  EXPECT_EQ(config.GetString("db_user"), "");
  EXPECT_EQ(*config.GetInt("grpc_port"), 50053);
  EXPECT_EQ(*config.GetBool("migrate"), true);
  EXPECT_EQ(*config.GetDuration("grace"), absl::Seconds(10));
}

TEST(ConfigTest, FlagBeatsEnvBeatsDefault) {
  std::map<std::string, std::string> env = {{"LOYALTY_DB_PASSWORD", "pw"},
                                            {"LOYALTY_GRPC_PORT", "6000"},
                                            {"LOYALTY_DB_USER", "env_user"}};
  CRM_ASSERT_OK_AND_ASSIGN(Config from_env, LoadArgs({}, env));
  EXPECT_EQ(*from_env.GetInt("grpc_port"), 6000);
  EXPECT_EQ(from_env.GetString("db_user"), "env_user");

  CRM_ASSERT_OK_AND_ASSIGN(
      Config from_flags,
      LoadArgs({"--grpc_port=7000", "--db_user", "flag_user"}, env));
  EXPECT_EQ(*from_flags.GetInt("grpc_port"), 7000);
  EXPECT_EQ(from_flags.GetString("db_user"), "flag_user");
}

TEST(ConfigTest, EmptyEnvironmentVariableCountsAsUnset) {
  CRM_ASSERT_OK_AND_ASSIGN(
      Config config,
      LoadArgs({}, {{"LOYALTY_DB_PASSWORD", "pw"}, {"LOYALTY_GRPC_PORT", ""}}));
  EXPECT_EQ(config.GetString("grpc_port"), "50053");
}

TEST(ConfigTest, LastRepeatedFlagWins) {
  CRM_ASSERT_OK_AND_ASSIGN(Config config,
                           LoadArgs({"--grpc_port=1", "--grpc_port=2"}));
  EXPECT_EQ(config.GetString("grpc_port"), "2");
}

TEST(ConfigTest, FlagValueMayContainEqualsSign) {
  CRM_ASSERT_OK_AND_ASSIGN(Config config, LoadArgs({"--db_user=a=b"}));
  EXPECT_EQ(config.GetString("db_user"), "a=b");
}

TEST(ConfigTest, MissingRequiredNamesFlagAndEnv) {
  EXPECT_THAT(LoadArgs({}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "missing required setting: --db_password (or env "
                       "LOYALTY_DB_PASSWORD)"));
}

TEST(ConfigTest, RequiredSatisfiedByFlag) {
  CRM_ASSERT_OK_AND_ASSIGN(Config config, LoadArgs({"--db_password=x"}, {}));
  EXPECT_EQ(config.GetString("db_password"), "x");
}

TEST(ConfigTest, RequiredNotSatisfiedByEmptyFlag) {
  EXPECT_THAT(
      LoadArgs({"--db_password="}, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--db_password")));
}

TEST(ConfigTest, UnknownFlagIsNamed) {
  EXPECT_THAT(LoadArgs({"--grpc_prot=1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown flag --grpc_prot")));
}

TEST(ConfigTest, PositionalArgumentIsRejected) {
  EXPECT_THAT(LoadArgs({"serve"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("serve")));
}

TEST(ConfigTest, FlagWithoutValueIsNamed) {
  EXPECT_THAT(LoadArgs({"--grpc_port"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--grpc_port needs a value")));
  EXPECT_THAT(LoadArgs({"--db_user", "--grpc_port=1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--db_user needs a value")));
}

TEST(ConfigTest, BoolFlagAlone) {
  std::map<std::string, std::string> env = {{"LOYALTY_DB_PASSWORD", "pw"},
                                            {"LOYALTY_MIGRATE", "false"}};
  CRM_ASSERT_OK_AND_ASSIGN(Config config, LoadArgs({"--migrate"}, env));
  EXPECT_EQ(*config.GetBool("migrate"), true);
}

TEST(ConfigTest, BoolFlagValues) {
  for (const auto& [text, expected] :
       std::vector<std::pair<const char*, bool>>{{"true", true},
                                                 {"false", false},
                                                 {"1", true},
                                                 {"0", false},
                                                 {"FALSE", false}}) {
    CRM_ASSERT_OK_AND_ASSIGN(
        Config with_equals,
        LoadArgs({(std::string("--migrate=") + text).c_str()}));
    EXPECT_EQ(*with_equals.GetBool("migrate"), expected) << text;
    CRM_ASSERT_OK_AND_ASSIGN(Config separate, LoadArgs({"--migrate", text}));
    EXPECT_EQ(*separate.GetBool("migrate"), expected) << text;
  }
}

TEST(ConfigTest, BoolFlagAloneFollowedByOtherFlag) {
  CRM_ASSERT_OK_AND_ASSIGN(Config config,
                           LoadArgs({"--migrate", "--grpc_port=9"}));
  EXPECT_EQ(*config.GetBool("migrate"), true);
  EXPECT_EQ(*config.GetInt("grpc_port"), 9);
}

TEST(ConfigTest, TypedGettersNameTheFlag) {
  CRM_ASSERT_OK_AND_ASSIGN(
      Config config,
      LoadArgs({"--grpc_port=abc", "--migrate=maybe", "--grace=soon"}));
  EXPECT_THAT(config.GetInt("grpc_port"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("--grpc_port"), HasSubstr("abc"))));
  EXPECT_THAT(
      config.GetBool("migrate"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--migrate")));
  EXPECT_THAT(
      config.GetDuration("grace"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--grace")));
}

TEST(ConfigTest, DurationsUseAbslSyntax) {
  CRM_ASSERT_OK_AND_ASSIGN(Config config, LoadArgs({"--grace=500ms"}));
  EXPECT_EQ(*config.GetDuration("grace"), absl::Milliseconds(500));
}

TEST(ConfigTest, SecretValueNeverInErrors) {
  CRM_ASSERT_OK_AND_ASSIGN(Config config,
                           LoadArgs({"--db_password=hunter2"}, {}));
  absl::StatusOr<int> as_int = config.GetInt("db_password");
  ASSERT_FALSE(as_int.ok());
  EXPECT_THAT(std::string(as_int.status().message()),
              AllOf(HasSubstr("--db_password"), Not(HasSubstr("hunter2"))));
}

TEST(ConfigTest, DescribeMasksSecrets) {
  CRM_ASSERT_OK_AND_ASSIGN(
      Config config, LoadArgs({"--db_password=hunter2", "--db_user=app"}, {}));
  const std::string described = config.Describe();
  EXPECT_THAT(described, Not(HasSubstr("hunter2")));
  EXPECT_THAT(described, HasSubstr("db_password=<set>"));
  EXPECT_THAT(described, HasSubstr("db_user=app"));
  EXPECT_THAT(described, HasSubstr("grpc_port=50053"));
}

TEST(ConfigTest, HelpIsNotAValueForLoad) {
  EXPECT_THAT(LoadArgs({"--help"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ConfigDeathTest, HelpPrintsUsageAndExitsZero) {
  const char* argv[] = {"crm-loyalty", "--help"};
  EXPECT_EXIT(Config::LoadOrExit("crm-loyalty", Options(), 2, argv),
              ::testing::ExitedWithCode(0), "");
}

TEST(ConfigDeathTest, LoadOrExitExitsTwoOnError) {
  const char* argv[] = {"crm-loyalty", "--nope=1"};
  EXPECT_EXIT(Config::LoadOrExit("crm-loyalty", Options(), 2, argv),
              ::testing::ExitedWithCode(2), "unknown flag --nope");
}

TEST(ConfigDeathTest, UndeclaredOptionAborts) {
  CRM_ASSERT_OK_AND_ASSIGN(Config config, LoadArgs({}));
  EXPECT_DEATH(config.GetString("not_declared"), "not_declared");
}

TEST(ConfigTest, ProcessEnvReadsEnvironment) {
  setenv("CRM_CONFIG_TEST_VAR", "value", 1);
  EXPECT_EQ(ProcessEnv("CRM_CONFIG_TEST_VAR"), "value");
  unsetenv("CRM_CONFIG_TEST_VAR");
  EXPECT_EQ(ProcessEnv("CRM_CONFIG_TEST_VAR"), std::nullopt);
}

}  // namespace
}  // namespace crm::common
