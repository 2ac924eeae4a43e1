// An in-memory CustomerRepository (services/customer_profile/
// customer_repository.h) for unit tests of CustomerManager and the identity
// resolver; rolled back with the FakeUnitOfWork it enlists in, so a refused
// write leaves no record, identifier, tag or audit entry behind.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::InMemoryCustomerRepository customers(&unit_of_work);
//   ... manager over `customers` ...
//   EXPECT_EQ(customers.Record(id)->state, v1::Customer::ERASED);
//
// Follows the interface's contracts; locks need no modelling (FakeUnitOfWork
// runs one unit of work at a time). List evaluates the filter in memory
// (filter_predicate.h) with the keyset paging of the MySQL implementation.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/error_details.h"
#include "services/common/filter/filter_ast.h"
#include "services/common/filter/filter_predicate.h"
#include "services/common/resource_name.h"
#include "services/common/status_macros.h"
#include "services/customer_profile/customer_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryCustomerRepository final
    : public crm::customer_profile::CustomerRepository {
 public:
  using CustomerRecord = crm::customer_profile::CustomerRecord;
  using IdentifierKind = crm::customer_profile::IdentifierKind;
  using RowLock = crm::customer_profile::RowLock;

  // One audit entry of a merge.
  struct MergeAudit {
    std::string survivor_id;
    std::string duplicate_id;
    absl::Time merge_time;
    std::string fields_taken;
  };

  explicit InMemoryCustomerRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        State saved = state_;
        return [this, saved] { state_ = saved; };
      });
    }
  }

  // --- Inspection by tests ---

  std::optional<CustomerRecord> Record(absl::string_view id) const {
    auto it = state_.records.find(std::string(id));
    if (it == state_.records.end()) return std::nullopt;
    return it->second;
  }
  size_t size() const { return state_.records.size(); }
  // The owner of identifier (kind, hash), if any.
  std::optional<std::string> OwnerOf(IdentifierKind kind,
                                     absl::string_view hash) const {
    auto it = state_.identifiers.find({kind, std::string(hash)});
    if (it == state_.identifiers.end()) return std::nullopt;
    return it->second;
  }
  // Every identifier owned by `customer_id`.
  std::vector<std::pair<IdentifierKind, std::string>> IdentifiersOf(
      absl::string_view customer_id) const {
    std::vector<std::pair<IdentifierKind, std::string>> result;
    for (const auto& [key, owner] : state_.identifiers) {
      if (owner == customer_id) result.push_back(key);
    }
    return result;
  }
  const std::vector<MergeAudit>& merge_audits() const {
    return state_.merge_audits;
  }

  // --- CustomerRepository ---

  absl::StatusOr<std::optional<CustomerRecord>> Load(
      crm::common::Transaction& /*tx*/, absl::string_view id,
      RowLock /*lock*/) override {
    std::optional<CustomerRecord> record = Record(id);
    if (record.has_value()) record->tags.clear();  // Not read back.
    return record;
  }

  absl::StatusOr<std::optional<CustomerRecord>> LoadMergeLink(
      crm::common::Transaction& /*tx*/, absl::string_view id,
      RowLock /*lock*/) override {
    std::optional<CustomerRecord> record = Record(id);
    if (!record.has_value()) return record;
    CustomerRecord link;
    link.id = record->id;
    link.state = record->state;
    link.merged_into = record->merged_into;
    return std::optional<CustomerRecord>(std::move(link));
  }

  absl::StatusOr<std::vector<CustomerRecord>> LoadMany(
      crm::common::Transaction& tx,
      const std::vector<std::string>& ids) override {
    return LoadEach(ids, [&](const std::string& id) {
      return Load(tx, id, RowLock::kNone);
    });
  }

  absl::StatusOr<std::vector<CustomerRecord>> LoadMergeLinks(
      crm::common::Transaction& tx, const std::vector<std::string>& ids,
      RowLock lock) override {
    return LoadEach(ids, [&](const std::string& id) {
      return LoadMergeLink(tx, id, lock);
    });
  }

  absl::Status Insert(crm::common::Transaction& /*tx*/,
                      const CustomerRecord& record) override {
    if (!state_.records.emplace(record.id, record).second) {
      return crm::common::AlreadyExistsError(Name(record.id),
                                             "customer id is taken");
    }
    return absl::OkStatus();
  }

  absl::Status InsertMany(crm::common::Transaction& tx,
                          const std::vector<CustomerRecord>& records) override {
    for (const CustomerRecord& record : records) {
      if (absl::Status status = Insert(tx, record); !status.ok()) {
        return status;
      }
    }
    return absl::OkStatus();
  }

  absl::Status Update(crm::common::Transaction& /*tx*/,
                      const CustomerRecord& record) override {
    auto it = state_.records.find(record.id);
    if (it == state_.records.end()) {
      return crm::common::NotFoundError(Name(record.id));
    }
    const absl::Time create_time = it->second.create_time;
    it->second = record;
    it->second.create_time = create_time;
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<std::string>> FindIdentifierOwner(
      crm::common::Transaction& /*tx*/, IdentifierKind kind,
      absl::string_view value_hash, bool /*lock*/) override {
    return OwnerOf(kind, value_hash);
  }

  absl::StatusOr<std::vector<std::optional<std::string>>> FindIdentifierOwners(
      crm::common::Transaction& /*tx*/,
      const std::vector<crm::customer_profile::IdentifierClaim>& identifiers)
      override {
    std::vector<std::optional<std::string>> owners;
    for (const auto& identifier : identifiers) {
      owners.push_back(OwnerOf(identifier.kind, identifier.value_hash));
    }
    return owners;
  }

  absl::StatusOr<int64_t> ClaimNewIdentifiers(
      crm::common::Transaction& /*tx*/,
      const std::vector<crm::customer_profile::IdentifierClaim>& claims)
      override {
    int64_t claimed = 0;
    for (const auto& claim : claims) {
      claimed += state_.identifiers
                     .emplace(std::make_pair(claim.kind, claim.value_hash),
                              claim.customer_id)
                     .second;
    }
    return claimed;
  }

  absl::StatusOr<std::string> ClaimIdentifier(
      crm::common::Transaction& /*tx*/, IdentifierKind kind,
      absl::string_view value_hash, absl::string_view customer_id) override {
    auto [it, inserted] = state_.identifiers.emplace(
        std::make_pair(kind, std::string(value_hash)),
        std::string(customer_id));
    return it->second;
  }

  absl::Status ReleaseIdentifiers(
      crm::common::Transaction& /*tx*/, absl::string_view customer_id,
      IdentifierKind kind, const std::vector<std::string>& keep) override {
    for (auto it = state_.identifiers.begin();
         it != state_.identifiers.end();) {
      const bool release =
          it->second == customer_id && it->first.first == kind &&
          std::find(keep.begin(), keep.end(), it->first.second) == keep.end();
      it = release ? state_.identifiers.erase(it) : std::next(it);
    }
    return absl::OkStatus();
  }

  absl::Status ReleaseAllIdentifiers(crm::common::Transaction& /*tx*/,
                                     absl::string_view customer_id) override {
    for (auto it = state_.identifiers.begin();
         it != state_.identifiers.end();) {
      it = it->second == customer_id ? state_.identifiers.erase(it)
                                     : std::next(it);
    }
    return absl::OkStatus();
  }

  absl::Status MoveIdentifiers(crm::common::Transaction& /*tx*/,
                               absl::string_view from_id,
                               absl::string_view to_id) override {
    for (auto& [key, owner] : state_.identifiers) {
      if (owner == from_id) owner = std::string(to_id);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<crm::common::Page<CustomerRecord>> List(
      crm::common::Transaction& /*tx*/,
      const crm::common::filter::Filter& filter,
      crm::customer_profile::CustomerOrder order,
      const crm::common::PageRequest& page) override {
    using crm::customer_profile::CustomerOrder;
    const bool by_update = order == CustomerOrder::kUpdateTimeDesc ||
                           order == CustomerOrder::kUpdateTimeAsc;
    const bool descending = order == CustomerOrder::kCreateTimeDesc ||
                            order == CustomerOrder::kUpdateTimeDesc;
    auto key_of = [by_update](const CustomerRecord& record) {
      return std::make_tuple(
          by_update ? record.update_time : record.create_time, record.id);
    };
    std::vector<CustomerRecord> rows;
    for (const auto& [id, record] : state_.records) {
      if (!Matches(record, filter)) continue;
      if (page.after.has_value()) {
        const auto after =
            std::make_tuple(page.after->create_time, page.after->id);
        if (descending ? !(key_of(record) < after)
                       : !(after < key_of(record))) {
          continue;
        }
      }
      rows.push_back(record);
      rows.back().tags.clear();
    }
    std::sort(rows.begin(), rows.end(),
              [&](const CustomerRecord& a, const CustomerRecord& b) {
                return descending ? key_of(b) < key_of(a)
                                  : key_of(a) < key_of(b);
              });
    if (rows.size() > static_cast<size_t>(page.page_size) + 1) {
      rows.resize(page.page_size + 1);
    }
    return crm::common::MakePage<CustomerRecord>(
        std::move(rows), page.page_size,
        [by_update](const CustomerRecord& record) {
          return crm::common::KeysetPosition{
              by_update ? record.update_time : record.create_time, record.id};
        });
  }

  absl::StatusOr<std::vector<crm::customer_profile::DuplicatePair>>
  FindDuplicatePairs(
      crm::common::Transaction& /*tx*/,
      const std::optional<std::pair<std::string, std::string>>& after,
      int limit) override {
    std::vector<crm::customer_profile::DuplicatePair> pairs;
    for (const auto& [a_id, a] : state_.records) {
      for (const auto& [b_id, b] : state_.records) {
        if (a.state != crm::customerprofile::v1::Customer::ACTIVE ||
            b.state != crm::customerprofile::v1::Customer::ACTIVE ||
            a_id == b_id) {
          continue;
        }
        if (!(std::tie(a.create_time, a_id) < std::tie(b.create_time, b_id))) {
          continue;
        }
        crm::customer_profile::DuplicatePair pair{
            a_id, b_id, Same(a.email_bidx, b.email_bidx),
            Same(a.phone_bidx, b.phone_bidx),
            Same(a.name_birth_bidx, b.name_birth_bidx)};
        if (!pair.same_email && !pair.same_phone &&
            !pair.same_name_and_birth_date) {
          continue;
        }
        if (after.has_value() &&
            !(*after < std::make_pair(pair.older_id, pair.newer_id))) {
          continue;
        }
        pairs.push_back(pair);
      }
    }
    std::sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) {
      return std::tie(x.older_id, x.newer_id) <
             std::tie(y.older_id, y.newer_id);
    });
    if (pairs.size() > static_cast<size_t>(limit)) pairs.resize(limit);
    return pairs;
  }

  absl::StatusOr<std::vector<crm::customer_profile::ChannelCount>>
  CountActiveByChannel(crm::common::Transaction& /*tx*/) override {
    std::map<std::string, int64_t> by_channel;
    for (const auto& [id, record] : state_.records) {
      if (record.state == crm::customerprofile::v1::Customer::ACTIVE) {
        ++by_channel[record.source_channel];
      }
    }
    std::vector<crm::customer_profile::ChannelCount> channels;
    for (const auto& [channel, count] : by_channel) {
      channels.push_back({channel, count});
    }
    std::stable_sort(
        channels.begin(), channels.end(),
        [](const auto& a, const auto& b) { return a.count > b.count; });
    return channels;
  }

  absl::StatusOr<std::vector<crm::customer_profile::MonthCount>>
  CountActiveCreatedByMonth(crm::common::Transaction& /*tx*/,
                            absl::Time since) override {
    std::map<absl::CivilMonth, int64_t> by_month;
    for (const auto& [id, record] : state_.records) {
      if (record.state == crm::customerprofile::v1::Customer::ACTIVE &&
          record.create_time >= since) {
        ++by_month[absl::ToCivilMonth(record.create_time, absl::UTCTimeZone())];
      }
    }
    std::vector<crm::customer_profile::MonthCount> months;
    for (const auto& [month, count] : by_month)
      months.push_back({month, count});
    return months;
  }

  absl::Status RepointMerged(crm::common::Transaction& /*tx*/,
                             absl::string_view from_id,
                             absl::string_view to_id) override {
    for (auto& [id, record] : state_.records) {
      if (record.merged_into == from_id)
        record.merged_into = std::string(to_id);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> MergedInto(
      crm::common::Transaction& /*tx*/,
      absl::string_view survivor_id) override {
    std::vector<const CustomerRecord*> merged;
    for (const auto& [id, record] : state_.records) {
      if (record.merged_into == survivor_id) merged.push_back(&record);
    }
    std::sort(merged.begin(), merged.end(), [](const auto* a, const auto* b) {
      return std::tie(a->create_time, a->id) < std::tie(b->create_time, b->id);
    });
    std::vector<std::string> ids;
    for (const CustomerRecord* record : merged) ids.push_back(record->id);
    return ids;
  }

  absl::Status InsertMergeAudit(crm::common::Transaction& /*tx*/,
                                absl::string_view survivor_id,
                                absl::string_view duplicate_id,
                                absl::Time merge_time,
                                absl::string_view fields_taken) override {
    state_.merge_audits.push_back({std::string(survivor_id),
                                   std::string(duplicate_id), merge_time,
                                   std::string(fields_taken)});
    return absl::OkStatus();
  }

 private:
  // `load` of each distinct id of `ids`, keeping the records found.
  template <typename Load>
  static absl::StatusOr<std::vector<CustomerRecord>> LoadEach(
      const std::vector<std::string>& ids, const Load& load) {
    std::vector<CustomerRecord> records;
    std::set<std::string> seen;
    for (const std::string& id : ids) {
      if (!seen.insert(id).second) continue;
      CRM_ASSIGN_OR_RETURN(std::optional<CustomerRecord> record, load(id));
      if (record.has_value()) records.push_back(*std::move(record));
    }
    return records;
  }
  struct State {
    std::map<std::string, CustomerRecord> records;
    std::map<std::pair<IdentifierKind, std::string>, std::string> identifiers;
    std::vector<MergeAudit> merge_audits;
  };

  static std::string Name(absl::string_view id) {
    return crm::common::FormatResourceName("customers", id);
  }
  static bool Same(const std::string& a, const std::string& b) {
    return !a.empty() && a == b;
  }

  // The record as the filter sees it: stored values (blind indexes, tags,
  // country code, state name, times), as MySqlCustomerRepository's columns.
  class RecordView final : public crm::common::filter::FilterRecord {
   public:
    RecordView(const InMemoryCustomerRepository& repository,
               const CustomerRecord& record)
        : repository_(repository), record_(record) {}

    std::vector<crm::common::filter::FilterValue> Values(
        const crm::common::filter::FieldSpec& field) const override {
      using crm::customerprofile::v1::Customer;
      std::vector<crm::common::filter::FilterValue> values;
      const std::string& path = field.path;
      if (path == "email" || path == "phone") {
        const std::string& index =
            path == "email" ? record_.email_bidx : record_.phone_bidx;
        if (!index.empty()) values.push_back(index);
      } else if (path == "birthday") {
        if (record_.birthday_bidx.has_value() &&
            !record_.birthday_bidx->empty()) {
          values.push_back(*record_.birthday_bidx);
        }
      } else if (path == "external_identities") {
        for (const auto& [kind, hash] : repository_.IdentifiersOf(record_.id)) {
          if (kind == IdentifierKind::kExternal) values.push_back(hash);
        }
      } else if (path == "tags") {
        for (const std::string& tag : record_.tags) values.push_back(tag);
      } else if (path == "address.country_code") {
        values.push_back(record_.country_code);
      } else if (path == "state") {
        values.push_back(Customer::State_Name(record_.state));
      } else if (path == "create_time") {
        values.push_back(record_.create_time);
      } else if (path == "update_time") {
        values.push_back(record_.update_time);
      }
      return values;
    }

   private:
    const InMemoryCustomerRepository& repository_;
    const CustomerRecord& record_;
  };

  bool Matches(const CustomerRecord& record,
               const crm::common::filter::Filter& filter) const {
    if (!crm::common::filter::MentionsField(filter, "state") &&
        record.state != crm::customerprofile::v1::Customer::ACTIVE) {
      return false;
    }
    return crm::common::filter::Matches(filter, RecordView(*this, record));
  }

  State state_;
};

}  // namespace crm::testing
