// MySqlConsentRepository on a fresh MariaDB database of each service that
// keeps consents (loyalty's and feedback's own `customer_consents`, built by
// their own migrations), each call inside a MySqlUnitOfWork: answers read
// back in purpose order with their answer times, a stale event changing
// nothing, purposes left out forgotten, and Forget.
#include "services/consents/mysql_consent_repository.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/migrations.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/feedback/migrations.h"
#include "services/loyalty/migrations.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::consents {
namespace {

namespace cp = ::crm::customerprofile::v1;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOkAndHolds;

using Answers = std::vector<ConsentAnswer>;

// Whole microseconds: what DATETIME(6) keeps.
const absl::Time kAnswered = absl::FromUnixMicros(1767225600123456);

// A service whose database keeps consents: its name and its migrations.
struct ConsentSchema {
  std::string service;
  std::function<const crm::common::MigrationSet&()> migrations;
};

ConsentAnswer Answer(cp::Consent::Purpose purpose, cp::Consent::Status status,
                     std::optional<absl::Time> answer_time) {
  ConsentAnswer answer;
  answer.purpose = purpose;
  answer.status = status;
  answer.answer_time = answer_time;
  return answer;
}

class MySqlConsentRepositoryTest
    : public ::testing::TestWithParam<ConsentSchema> {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(
        database_, crm::testing::TestDatabase::Create(GetParam().service));
    CRM_ASSERT_OK_AND_ASSIGN(
        pool_, database_->NewMigratedPool(GetParam().migrations()));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
  }

  absl::StatusOr<std::vector<ConsentAnswer>> Find(const std::string& id) {
    return unit_of_work_->Read<std::vector<ConsentAnswer>>(
        RequestContext(),
        [&](Transaction& tx) { return consents_.Find(tx, id); });
  }

  absl::StatusOr<bool> Replace(const std::string& id,
                               const std::vector<ConsentAnswer>& answers,
                               int64_t feed_sequence) {
    return unit_of_work_->Run<bool>(RequestContext(), [&](Transaction& tx) {
      return consents_.Replace(tx, id, answers, feed_sequence);
    });
  }

  absl::Status Forget(const std::string& id) {
    return unit_of_work_->Run(RequestContext(), [&](Transaction& tx) {
      return consents_.Forget(tx, id);
    });
  }

  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlConsentRepository consents_;
};

TEST_P(MySqlConsentRepositoryTest, ReadsAnswersBackInPurposeOrder) {
  EXPECT_THAT(Find("c1"), IsOkAndHolds(Answers{}));
  const ConsentAnswer sms =
      Answer(cp::Consent::SMS_MARKETING, cp::Consent::REVOKED, kAnswered);
  const ConsentAnswer email =
      Answer(cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED, std::nullopt);
  EXPECT_THAT(Replace("c1", {sms, email}, 5), IsOkAndHolds(true));
  EXPECT_THAT(Find("c1"), IsOkAndHolds(Answers{email, sms}));
  EXPECT_THAT(Find("c2"), IsOkAndHolds(Answers{}));
}

TEST_P(MySqlConsentRepositoryTest, StaleEventsChangeNothing) {
  const ConsentAnswer granted =
      Answer(cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED, kAnswered);
  const ConsentAnswer revoked =
      Answer(cp::Consent::EMAIL_MARKETING, cp::Consent::REVOKED,
             kAnswered + absl::Hours(1));
  ASSERT_THAT(Replace("c1", {revoked}, 7), IsOkAndHolds(true));
  EXPECT_THAT(Replace("c1", {granted}, 6), IsOkAndHolds(false));
  EXPECT_THAT(Find("c1"), IsOkAndHolds(Answers{revoked}));
  // The same event again stores the same rows.
  EXPECT_THAT(Replace("c1", {revoked}, 7), IsOkAndHolds(true));
  EXPECT_THAT(Find("c1"), IsOkAndHolds(Answers{revoked}));
}

TEST_P(MySqlConsentRepositoryTest, PurposesLeftOutAndForgottenCustomersGo) {
  const ConsentAnswer email =
      Answer(cp::Consent::EMAIL_MARKETING, cp::Consent::GRANTED, kAnswered);
  const ConsentAnswer sms =
      Answer(cp::Consent::SMS_MARKETING, cp::Consent::GRANTED, kAnswered);
  ASSERT_THAT(Replace("c1", {email, sms}, 1), IsOkAndHolds(true));
  ASSERT_THAT(Replace("c2", {email}, 1), IsOkAndHolds(true));
  ASSERT_THAT(Replace("c1", {sms}, 2), IsOkAndHolds(true));
  EXPECT_THAT(Find("c1"), IsOkAndHolds(Answers{sms}));
  CRM_ASSERT_OK(Forget("c1"));
  EXPECT_THAT(Find("c1"), IsOkAndHolds(Answers{}));
  EXPECT_THAT(Find("c2"), IsOkAndHolds(Answers{email}));
  // A forgotten customer's next event is stored whatever its sequence.
  EXPECT_THAT(Replace("c1", {email}, 1), IsOkAndHolds(true));
  EXPECT_THAT(Find("c1"), IsOkAndHolds(Answers{email}));
}

INSTANTIATE_TEST_SUITE_P(
    EachServiceSchema, MySqlConsentRepositoryTest,
    ::testing::Values(ConsentSchema{"loyalty", &crm::loyalty::Migrations},
                      ConsentSchema{"feedback", &crm::feedback::Migrations}),
    [](const ::testing::TestParamInfo<ConsentSchema>& info) {
      return info.param.service;
    });

}  // namespace
}  // namespace crm::consents
