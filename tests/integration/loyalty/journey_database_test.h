// The MariaDB fixture of the loyalty journey integration tests: one migrated
// database per test suite, named by the derived fixture's `kDatabase`; the
// loyalty repositories on it, and an OrderEarning, a MemberLifecycle, a
// JourneyManager (manager_) and a JourneyEngine (engine_) built afresh for
// every test on a FakeClock; every ACTIVE journey paused at each test's end,
// so that no journey of one test acts in the next. The protected hooks name
// what differs between the fixtures (the engine's outbox and options,
// whether SEND_SURVEY journeys are accepted, the earn rate):
//
//   class JourneysTest : public testing::JourneyDatabaseTest<JourneysTest> {
//    public:
//     static constexpr char kDatabase[] = "loyalty_journeys";
//
//    protected:
//     OutboundMessageRepository* Outbox() override { return &outbox_; }
//     RecordingOutbox outbox_;
//   };
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/change_feed_consumer.h"
#include "services/common/clock.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/consents/consent_tracker.h"
#include "services/consents/mysql_consent_repository.h"
#include "services/loyalty/coupon_codes.h"
#include "services/loyalty/journey_engine.h"
#include "services/loyalty/journey_manager.h"
#include "services/loyalty/member_lifecycle.h"
#include "services/loyalty/migrations.h"
#include "services/loyalty/mysql_account_repository.h"
#include "services/loyalty/mysql_campaign_repository.h"
#include "services/loyalty/mysql_journey_repository.h"
#include "services/loyalty/mysql_program_repository.h"
#include "services/loyalty/mysql_reward_repository.h"
#include "services/loyalty/order_earning.h"
#include "services/loyalty/outbound_message_repository.h"
#include "services/loyalty/profile_feed_apply.h"
#include "services/loyalty/program_manager.h"
#include "services/loyalty/survey_sender.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::loyalty::testing {

// The fixture clock's time at the start of every test unless the derived
// fixture passes another to the constructor.
inline constexpr absl::Time kJourneyStart =
    absl::FromUnixSeconds(1'800'000'000);

// `Derived` (CRTP) names its database with a public
// `static constexpr char kDatabase[]`; each derived fixture has its own
// database and pool.
template <typename Derived>
class JourneyDatabaseTest : public ::testing::Test {
 protected:
  explicit JourneyDatabaseTest(absl::Time start = kJourneyStart)
      : clock_(start) {}

  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<::crm::testing::TestDatabase>> database =
        ::crm::testing::TestDatabase::Create(Derived::kDatabase);
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value().release();
    absl::StatusOr<std::unique_ptr<crm::common::MySqlPool>> pool =
        database_->NewMigratedPool(Migrations(), 4);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(pool).value().release();
  }
  static void TearDownTestSuite() {
    delete pool_;
    pool_ = nullptr;
    delete database_;
    database_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(pool_, nullptr);
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(
        *pool_, crm::common::TransactionOptions{}, clock_);
    earning_ = std::make_unique<OrderEarning>(accounts_, programs_, campaigns_,
                                              consents_, ids_, clock_);
    lifecycle_ = std::make_unique<MemberLifecycle>(accounts_, rewards_,
                                                   programs_, ids_, clock_);
    manager_ =
        std::make_unique<JourneyManager>(*unit_of_work_, journeys_, rewards_,
                                         idempotency_, clock_, ids_, Surveys());
    engine_ = NewEngine(EngineOptions());
    if (EarnsOnePointPerCny()) {
      ProgramManager programs(*unit_of_work_, programs_, idempotency_, clock_);
      v1::UpdateProgramRequest request;
      request.mutable_program()->set_name("programs/default");
      v1::EarnRate* rate = request.mutable_program()->add_earn_rates();
      rate->set_currency_code("CNY");
      rate->set_points(1);
      rate->set_per_amount_minor(100);
      request.mutable_update_mask()->add_paths("earn_rates");
      ASSERT_THAT(programs.UpdateProgram({}, request).status(),
                  ::crm::testing::IsOk());
    }
  }

  // Pauses every ACTIVE journey (also callable within a test).
  void TearDown() override {
    if (manager_ == nullptr) return;
    v1::ListJourneysRequest list;
    list.set_page_size(1000);
    absl::StatusOr<v1::ListJourneysResponse> journeys =
        manager_->ListJourneys({}, list);
    ASSERT_THAT(journeys.status(), ::crm::testing::IsOk());
    for (const v1::Journey& journey : journeys->journeys()) {
      if (journey.state() != v1::Journey::ACTIVE) continue;
      v1::PauseJourneyRequest pause;
      pause.set_name(journey.name());
      ASSERT_THAT(manager_->PauseJourney({}, pause).status(),
                  ::crm::testing::IsOk());
    }
  }

  // Hooks, read by SetUp (Outbox also by NewEngine).
  // The outbox of the engines (null: messages are only recorded on runs).
  virtual OutboundMessageRepository* Outbox() { return nullptr; }
  // The options of engine_.
  virtual JourneyEngineOptions EngineOptions() { return {}; }
  // The feedback manager_ checks SEND_SURVEY journeys' surveys with (null:
  // none configured, SEND_SURVEY refused).
  virtual SurveySender* Surveys() { return nullptr; }
  // Whether programs/default earns 1 point per CNY (100 minor units).
  virtual bool EarnsOnePointPerCny() const { return false; }

  // An engine on the fixture's repositories, clock and Outbox().
  std::unique_ptr<JourneyEngine> NewEngine(JourneyEngineOptions options) {
    return std::make_unique<JourneyEngine>(
        *unit_of_work_, journeys_, accounts_, rewards_, consents_, programs_,
        ids_, CsprngCouponCodes::Instance(), clock_, Outbox(), options);
  }

  // A consumer of customer-profile's feed named `name`, fed by ApplyOne and
  // ApplyBatch only, its journey triggers handled by `engine`.
  crm::common::FeedConsumer ProfileConsumer(const std::string& name,
                                            JourneyEngine& engine) {
    crm::common::FeedConsumerOptions options;
    options.consumer = name;
    return crm::common::FeedConsumer(
        *pool_, NoStream(),
        MakeProfileFeedBatchApply(*earning_, *lifecycle_, consent_tracker_,
                                  &engine),
        options);
  }
  crm::common::FeedConsumer ProfileConsumer(const std::string& name) {
    return ProfileConsumer(name, *engine_);
  }

  // A stream opener for consumers fed by ApplyOne and ApplyBatch only.
  static crm::common::FeedStreamOpener NoStream() {
    return [](int64_t)
               -> absl::StatusOr<std::unique_ptr<crm::common::FeedStream>> {
      return absl::UnavailableError("not used");
    };
  }

  static crm::common::FeedItem Item(int64_t sequence, std::string payload) {
    crm::common::FeedItem item;
    item.sequence = sequence;
    item.payload = std::move(payload);
    return item;
  }

  // Creates `journey` through manager_ (an empty journey on failure).
  v1::Journey Create(v1::Journey journey) {
    v1::CreateJourneyRequest request;
    *request.mutable_journey() = std::move(journey);
    absl::StatusOr<v1::Journey> created = manager_->CreateJourney({}, request);
    EXPECT_THAT(created.status(), ::crm::testing::IsOk());
    return created.ok() ? *created : v1::Journey();
  }

  // The journey's runs (of `customer` unless empty), newest first.
  std::vector<v1::JourneyRun> Runs(const v1::Journey& journey,
                                   const std::string& customer = "") {
    v1::ListJourneyRunsRequest request;
    request.set_parent(journey.name());
    if (!customer.empty()) {
      request.set_customer(absl::StrCat("customers/", customer));
    }
    request.set_page_size(1000);
    absl::StatusOr<v1::ListJourneyRunsResponse> runs =
        manager_->ListJourneyRuns({}, request);
    EXPECT_THAT(runs.status(), ::crm::testing::IsOk());
    if (!runs.ok()) return {};
    return {runs->runs().begin(), runs->runs().end()};
  }

  std::optional<AccountRecord> Account(const std::string& customer) {
    absl::StatusOr<std::optional<AccountRecord>> account =
        unit_of_work_->Read<std::optional<AccountRecord>>(
            {}, [&](crm::common::Transaction& tx) {
              return accounts_.Find(tx, customer);
            });
    EXPECT_THAT(account.status(), ::crm::testing::IsOk());
    return account.ok() ? *account : std::nullopt;
  }

  // The member's points balance (0 without an account).
  int64_t Balance(const std::string& customer) {
    std::optional<AccountRecord> account = Account(customer);
    return account.has_value() ? account->points_balance : 0;
  }

  inline static ::crm::testing::TestDatabase* database_ = nullptr;
  inline static crm::common::MySqlPool* pool_ = nullptr;
  crm::common::FakeClock clock_;
  const crm::common::IdGenerator& ids_ =
      crm::common::RandomIdGenerator::Instance();
  MySqlAccountRepository accounts_;
  MySqlProgramRepository programs_;
  MySqlCampaignRepository campaigns_;
  MySqlRewardRepository rewards_;
  MySqlJourneyRepository journeys_;
  crm::consents::MySqlConsentRepository consents_;
  crm::consents::ConsentTracker consent_tracker_{consents_};
  crm::common::MySqlIdempotencyRepository idempotency_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  std::unique_ptr<OrderEarning> earning_;
  std::unique_ptr<MemberLifecycle> lifecycle_;
  std::unique_ptr<JourneyManager> manager_;
  std::unique_ptr<JourneyEngine> engine_;
};

}  // namespace crm::loyalty::testing
