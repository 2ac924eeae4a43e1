// crm-customer-profile: serves crm.customerprofile.v1.CustomerProfileService.
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "services/common/change_feed_outbox.h"
#include "services/common/change_feed_sequencer.h"
#include "services/common/change_feed_writer.h"
#include "services/common/group_commit_unit_of_work.h"
#include "services/common/id_generator.h"
#include "services/common/idempotency.h"
#include "services/common/logging.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/server_runner.h"
#include "services/customer_profile/birthday_index_backfill.h"
#include "services/customer_profile/change_feed_streamer_impl.h"
#include "services/customer_profile/core/pii_cipher.h"
#include "services/customer_profile/customer_identity_resolver.h"
#include "services/customer_profile/customer_importer_impl.h"
#include "services/customer_profile/customer_manager.h"
#include "services/customer_profile/customer_merge_chain.h"
#include "services/customer_profile/customer_pii_codec.h"
#include "services/customer_profile/customer_profile_feed.h"
#include "services/customer_profile/customer_profile_service.h"
#include "services/customer_profile/migrations.h"
#include "services/customer_profile/mysql_birthday_backfill_repository.h"
#include "services/customer_profile/mysql_customer_repository.h"
#include "services/customer_profile/mysql_order_repository.h"
#include "services/customer_profile/order_manager_impl.h"

namespace {

namespace cp = ::crm::customer_profile;

// Start-up configuration errors end the process with status 2, like the
// common settings; the message names the setting, never a secret value.
template <typename T>
T OrExit(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::cerr << "crm-customer-profile: " << value.status().message() << "\n";
    std::exit(2);
  }
  return std::move(value).value();
}

// Fills the birthday index of customers stored before migration 0005
// (birthday_index_backfill.h) on a background thread, once; stopped at
// shutdown after the batch in progress. A failed run is logged and left to
// the next start.
void StartBirthdayIndexBackfill(crm::common::ServiceContext& context,
                                crm::common::UnitOfWork& unit_of_work) {
  struct Backfill {
    Backfill(crm::common::UnitOfWork& unit_of_work, cp::CustomerPiiCodec codec)
        : codec(std::move(codec)), backfill(unit_of_work, rows, this->codec) {}
    cp::MySqlBirthdayBackfillRepository rows;
    const cp::CustomerPiiCodec codec;
    cp::BirthdayIndexBackfill backfill;
    std::atomic<bool> stop{false};
    std::thread thread;
  };
  // Lives until the process exits, like the handlers' components.
  auto* backfill = new Backfill(
      unit_of_work,
      OrExit(cp::CustomerPiiCodec::Create(OrExit(
          cp::KeyRing::Parse(context.config.GetString("pii_master_keys"))))));
  backfill->thread = std::thread([backfill] {
    crm::common::RequestContext run_context;
    run_context.set_cancellation([backfill] { return backfill->stop.load(); });
    absl::StatusOr<cp::BirthdayBackfillRun> run =
        backfill->backfill.Run(run_context);
    if (!run.ok()) {
      crm::common::LogWarning(
          "birthday index backfill stopped early; the next start continues",
          {{"error", std::string(run.status().message())}});
    } else if (run->filled > 0 || run->unreadable > 0) {
      crm::common::LogInfo("birthday index backfilled",
                           {{"customers", std::to_string(run->filled)},
                            {"unreadable", std::to_string(run->unreadable)}});
    }
  });
  context.at_shutdown([backfill] {
    backfill->stop = true;
    backfill->thread.join();
  });
}

std::vector<std::unique_ptr<grpc::Service>> MakeServices(
    crm::common::ServiceContext& context) {
  // `written`: notified by every writer after commit, wakes the sequencer.
  // `sequenced`: notified by the sequencer, wakes the streamers. Both live
  // until the process exits.
  static crm::common::FeedNotifier* const written =
      new crm::common::FeedNotifier();
  static crm::common::FeedNotifier* const sequenced =
      new crm::common::FeedNotifier();
  // Numbers the feed's committed events (change_feed_sequencer.h); every
  // replica runs one. Stopped on shutdown, before the pool closes.
  auto sequencer = std::make_shared<crm::common::ChangeFeedSequencer>(
      context.pool, std::string(cp::kCustomerProfileFeed), *written,
      *sequenced);
  sequencer->Start();
  context.at_shutdown([sequencer] { sequencer->Stop(); });
  const crm::common::IdGenerator& ids =
      crm::common::RandomIdGenerator::Instance();

  // The storage seam; stateless or process-lived, so owned by statics like
  // the notifiers above.
  static auto* const unit_of_work =
      new crm::common::MySqlUnitOfWork(context.pool, {}, context.clock);
  static auto* const customer_records = new cp::MySqlCustomerRepository();
  static auto* const order_records = new cp::MySqlOrderRepository();
  static auto* const idempotency_keys =
      new crm::common::MySqlIdempotencyRepository();
  static auto* const feed = new crm::common::MySqlChangeFeedWriter(
      std::string(cp::kCustomerProfileFeed), context.clock, written);
  static auto* const active_customers =
      new cp::CustomerMergeChainResolver(*customer_records);
  // Order writes (RecordOrder, RefundOrder, RecordEvents) from concurrent
  // calls share transactions (group_commit_unit_of_work.h); GetCustomer
  // reads of concurrent calls are read together (GetTogether in
  // customer_manager.h), in batches of the same limits.
  const crm::common::GroupCommitOptions group_commit =
      OrExit(crm::common::GroupCommitOptionsFrom(context.config));
  static auto* const order_writes = new crm::common::GroupCommitUnitOfWork(
      *unit_of_work, group_commit, context.clock);
  static auto* const customer_reads = new crm::common::GroupCommitUnitOfWork(
      *unit_of_work, group_commit, context.clock);

  StartBirthdayIndexBackfill(context, *unit_of_work);

  cp::CustomerManagerOptions options;
  options.phone_default_region =
      context.config.GetString("phone_default_region");
  options.resolution_order = OrExit(
      cp::ParseResolutionOrder(context.config.GetString("resolution_order")));
  std::unique_ptr<cp::CustomerManager> customers =
      OrExit(cp::CustomerManager::Create(
          {.unit_of_work = *unit_of_work,
           .customers = *customer_records,
           .orders = *order_records,
           .idempotency = *idempotency_keys,
           .feed = *feed,
           .clock = context.clock,
           .ids = ids,
           .reads = customer_reads},
          OrExit(cp::CustomerPiiCodec::Create(OrExit(cp::KeyRing::Parse(
              context.config.GetString("pii_master_keys"))))),
          std::move(options)));
  auto importer =
      std::make_unique<cp::CustomerImporterImpl>(*customers, context.clock);
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(std::make_unique<cp::CustomerProfileServiceImpl>(
      std::move(customers),
      std::make_unique<cp::OrderManagerImpl>(*order_writes, *order_records,
                                             *active_customers, *feed,
                                             context.clock, ids),
      std::move(importer),
      std::make_unique<cp::ChangeFeedStreamerImpl>(context.pool, *sequenced,
                                                   context.clock)));
  return services;
}

// `options` and the group-commit settings of the order writes.
std::vector<crm::common::ConfigOption> WithGroupCommitOptions(
    std::vector<crm::common::ConfigOption> options) {
  for (crm::common::ConfigOption& option :
       crm::common::GroupCommitConfigOptions("CUSTOMER_PROFILE")) {
    options.push_back(std::move(option));
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  return crm::common::RunServiceMain(
      {.binary_name = "crm-customer-profile",
       .env_prefix = "CUSTOMER_PROFILE",
       .database_name = "crm_customer_profile",
       .default_grpc_port = 50051,
       .default_admin_port = 9091,
       .migrations = &cp::Migrations(),
       .extra_options = WithGroupCommitOptions(
           {{.flag = "pii_master_keys",
             .env = "CUSTOMER_PROFILE_PII_MASTER_KEYS",
             .default_value = "",
             .required = true,
             .secret = true,
             .help = "master keys wrapping the per-customer data keys, "
                     "\"<id>:<base64 32 bytes>\" comma-separated, primary "
                     "first"},
            {.flag = "phone_default_region",
             .env = "CUSTOMER_PROFILE_PHONE_DEFAULT_REGION",
             .default_value = "CN",
             .help = "ISO 3166-1 region for phone numbers without a country "
                     "calling code"},
            {.flag = "resolution_order",
             .env = "CUSTOMER_PROFILE_RESOLUTION_ORDER",
             .default_value = "external_identity,email,phone",
             .help = "identifiers that resolve a write to an existing "
                     "customer, first match wins"}}),
       .make_services = MakeServices},
      argc, argv);
}
