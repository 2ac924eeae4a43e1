// An in-memory FeedbackRepository (services/feedback/feedback_repository.h)
// for unit tests of the feedback manager; rolled back with the
// FakeUnitOfWork it enlists in.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::InMemoryFeedbackRepository feedback(&unit_of_work);
//   FeedbackManager manager(unit_of_work, feedback, keys, clock, ids);
//   ... manager.SubmitFeedback(...) ...
//   EXPECT_EQ(feedback.items().size(), 1);
//
// Follows the interface's contracts: ALREADY_EXISTS for a repeated id,
// NOT_FOUND for an unknown one; List filters (FeedbackFilterView), orders
// (create_time, id descending) and pages as the MySQL implementation does.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/error_details.h"
#include "services/common/filter/filter_predicate.h"
#include "services/common/keyset_page.h"
#include "services/feedback/feedback_filter.h"
#include "services/feedback/feedback_repository.h"
#include "services/feedback/feedback_validation.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemoryFeedbackRepository final
    : public crm::feedback::FeedbackRepository {
 public:
  using FeedbackRecord = crm::feedback::FeedbackRecord;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemoryFeedbackRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        std::vector<FeedbackRecord> saved = items_;
        return [this, saved] { items_ = saved; };
      });
    }
  }

  absl::Status Insert(crm::common::Transaction& /*tx*/,
                      const FeedbackRecord& feedback) override {
    for (const FeedbackRecord& item : items_) {
      if (item.id == feedback.id) {
        return absl::AlreadyExistsError("feedback id exists");
      }
    }
    items_.push_back(feedback);
    return absl::OkStatus();
  }

  absl::StatusOr<FeedbackRecord> Get(crm::common::Transaction& /*tx*/,
                                     const std::string& id) override {
    for (const FeedbackRecord& item : items_) {
      if (item.id == id) return item;
    }
    return crm::common::NotFoundError(crm::feedback::FeedbackName(id));
  }

  absl::StatusOr<crm::common::Page<FeedbackRecord>> List(
      crm::common::Transaction& /*tx*/,
      const crm::common::filter::Filter& filter,
      const crm::common::PageRequest& page) override {
    std::vector<FeedbackRecord> rows;
    for (const FeedbackRecord& item : items_) {
      if (!crm::common::filter::Matches(
              filter, crm::feedback::FeedbackFilterView(item))) {
        continue;
      }
      if (page.after.has_value() && !ComesAfter(item, *page.after)) continue;
      rows.push_back(item);
    }
    std::sort(rows.begin(), rows.end(),
              [](const FeedbackRecord& a, const FeedbackRecord& b) {
                return ComesAfter(b, {a.create_time, a.id});
              });
    if (rows.size() > static_cast<size_t>(page.page_size) + 1) {
      rows.resize(page.page_size + 1);
    }
    return crm::common::MakePage<FeedbackRecord>(
        std::move(rows), page.page_size, [](const FeedbackRecord& item) {
          return crm::common::KeysetPosition{item.create_time, item.id};
        });
  }

  absl::StatusOr<int64_t> AnonymizeCustomer(
      crm::common::Transaction& /*tx*/,
      const std::string& customer_id) override {
    int64_t changed = 0;
    for (FeedbackRecord& item : items_) {
      if (item.customer_id != customer_id) continue;
      item.customer_id.clear();
      item.order_id.clear();
      item.attachment_uris.clear();
      ++changed;
    }
    return changed;
  }

  absl::StatusOr<std::vector<FeedbackRecord>> ListByCustomer(
      crm::common::Transaction& /*tx*/,
      const std::string& customer_id) override {
    std::vector<FeedbackRecord> found;
    for (const FeedbackRecord& item : items_) {
      if (item.customer_id == customer_id) found.push_back(item);
    }
    std::sort(found.begin(), found.end(),
              [](const FeedbackRecord& a, const FeedbackRecord& b) {
                return ComesAfter(b, {a.create_time, a.id});
              });
    return found;
  }

  absl::Status RewriteText(crm::common::Transaction& /*tx*/,
                           const std::string& id,
                           const std::string& text) override {
    for (FeedbackRecord& item : items_) {
      if (item.id == id) item.text = text;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> ReassignCustomer(
      crm::common::Transaction& /*tx*/, const std::string& from_customer_id,
      const std::string& to_customer_id) override {
    int64_t moved = 0;
    for (FeedbackRecord& item : items_) {
      if (item.customer_id != from_customer_id) continue;
      item.customer_id = to_customer_id;
      ++moved;
    }
    return moved;
  }

  // The committed items, in order of insertion.
  const std::vector<FeedbackRecord>& items() const { return items_; }

 private:
  // True if `item` comes after `position` in (create_time, id) descending
  // order.
  static bool ComesAfter(const FeedbackRecord& item,
                         const crm::common::KeysetPosition& position) {
    return item.create_time < position.create_time ||
           (item.create_time == position.create_time && item.id < position.id);
  }

  std::vector<FeedbackRecord> items_;
};

}  // namespace crm::testing
