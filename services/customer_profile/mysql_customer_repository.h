// CustomerRepository (customer_repository.h) on customer-profile's
// MySQL/MariaDB database: tables customers, customer_identifiers,
// customer_tags and customer_merges (migrations/0001_*.sql, 0002_*.sql).
// All SQL and row mapping, nothing else: every statement is prepared, runs
// on the connection of the caller's transaction (MySqlConnectionOf) and
// neither commits nor rolls back; errors of the driver propagate as
// sql::SQLException, which MySqlUnitOfWork maps to a status.
//
//   MySqlUnitOfWork unit_of_work(pool);
//   MySqlCustomerRepository customers;
//   CustomerManager manager(unit_of_work, customers, ...);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/keyset_page.h"
#include "services/customer_profile/customer_repository.h"

namespace crm::customer_profile {

class MySqlCustomerRepository final : public CustomerRepository {
 public:
  MySqlCustomerRepository() = default;

  absl::StatusOr<std::optional<CustomerRecord>> Load(
      crm::common::Transaction& tx, absl::string_view id,
      RowLock lock) override;
  absl::StatusOr<std::optional<CustomerRecord>> LoadMergeLink(
      crm::common::Transaction& tx, absl::string_view id,
      RowLock lock) override;
  absl::StatusOr<std::vector<CustomerRecord>> LoadMany(
      crm::common::Transaction& tx,
      const std::vector<std::string>& ids) override;
  absl::StatusOr<std::vector<CustomerRecord>> LoadMergeLinks(
      crm::common::Transaction& tx, const std::vector<std::string>& ids,
      RowLock lock) override;
  absl::Status Insert(crm::common::Transaction& tx,
                      const CustomerRecord& record) override;
  absl::Status InsertMany(crm::common::Transaction& tx,
                          const std::vector<CustomerRecord>& records) override;
  absl::Status Update(crm::common::Transaction& tx,
                      const CustomerRecord& record) override;
  absl::StatusOr<std::vector<std::optional<std::string>>> FindIdentifierOwners(
      crm::common::Transaction& tx,
      const std::vector<IdentifierClaim>& identifiers) override;
  absl::StatusOr<int64_t> ClaimNewIdentifiers(
      crm::common::Transaction& tx,
      const std::vector<IdentifierClaim>& claims) override;
  absl::StatusOr<std::optional<std::string>> FindIdentifierOwner(
      crm::common::Transaction& tx, IdentifierKind kind,
      absl::string_view value_hash, bool lock) override;
  absl::StatusOr<std::string> ClaimIdentifier(
      crm::common::Transaction& tx, IdentifierKind kind,
      absl::string_view value_hash, absl::string_view customer_id) override;
  absl::Status ReleaseIdentifiers(
      crm::common::Transaction& tx, absl::string_view customer_id,
      IdentifierKind kind, const std::vector<std::string>& keep) override;
  absl::Status ReleaseAllIdentifiers(crm::common::Transaction& tx,
                                     absl::string_view customer_id) override;
  absl::Status MoveIdentifiers(crm::common::Transaction& tx,
                               absl::string_view from_id,
                               absl::string_view to_id) override;
  absl::StatusOr<crm::common::Page<CustomerRecord>> List(
      crm::common::Transaction& tx, const crm::common::filter::Filter& filter,
      CustomerOrder order, const crm::common::PageRequest& page) override;
  absl::StatusOr<std::vector<DuplicatePair>> FindDuplicatePairs(
      crm::common::Transaction& tx,
      const std::optional<std::pair<std::string, std::string>>& after,
      int limit) override;
  absl::StatusOr<std::vector<ChannelCount>> CountActiveByChannel(
      crm::common::Transaction& tx) override;
  absl::StatusOr<std::vector<MonthCount>> CountActiveCreatedByMonth(
      crm::common::Transaction& tx, absl::Time since) override;
  absl::Status RepointMerged(crm::common::Transaction& tx,
                             absl::string_view from_id,
                             absl::string_view to_id) override;
  absl::StatusOr<std::vector<std::string>> MergedInto(
      crm::common::Transaction& tx, absl::string_view survivor_id) override;
  absl::Status InsertMergeAudit(crm::common::Transaction& tx,
                                absl::string_view survivor_id,
                                absl::string_view duplicate_id,
                                absl::Time merge_time,
                                absl::string_view fields_taken) override;
};

}  // namespace crm::customer_profile
