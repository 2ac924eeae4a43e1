// An in-memory SegmentRepository (services/segmentation/segment_repository.h)
// for unit tests of the segment manager; rolled back with the
// FakeUnitOfWork it enlists in.
//
//   crm::testing::FakeUnitOfWork unit_of_work;
//   crm::testing::InMemorySegmentRepository segments(&unit_of_work);
//   SegmentManager manager(unit_of_work, segments, keys, clock, ids);
//   ... manager.CreateSegment(...) ...
//   EXPECT_EQ(segments.segments().size(), 1);
//
// Follows the interface's contracts: ALREADY_EXISTS for a repeated id or a
// display name (on insert and update) equal ignoring ASCII case (MariaDB's
// collation also folds other scripts); NOT_FOUND for updating or deleting a
// missing id; List orders (create_time, id descending) and pages as the
// MySQL implementation does.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "services/common/keyset_page.h"
#include "services/segmentation/segment_repository.h"
#include "tests/testing/fakes/fake_unit_of_work.h"

namespace crm::testing {

class InMemorySegmentRepository final
    : public crm::segmentation::SegmentRepository {
 public:
  using SegmentRecord = crm::segmentation::SegmentRecord;

  // Enlists in `unit_of_work` (if not null) to be rolled back with it.
  explicit InMemorySegmentRepository(FakeUnitOfWork* unit_of_work) {
    if (unit_of_work != nullptr) {
      unit_of_work->Enlist([this] {
        std::vector<SegmentRecord> saved = segments_;
        return [this, saved] { segments_ = saved; };
      });
    }
  }

  absl::Status Insert(crm::common::Transaction& /*tx*/,
                      const SegmentRecord& segment) override {
    for (const SegmentRecord& existing : segments_) {
      if (existing.id == segment.id ||
          absl::EqualsIgnoreCase(existing.display_name, segment.display_name)) {
        return absl::AlreadyExistsError("segment exists");
      }
    }
    segments_.push_back(segment);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<SegmentRecord>> Find(
      crm::common::Transaction& /*tx*/, absl::string_view id) override {
    for (const SegmentRecord& segment : segments_) {
      if (segment.id == id) return segment;
    }
    return std::nullopt;
  }

  absl::StatusOr<std::optional<SegmentRecord>> FindForUpdate(
      crm::common::Transaction& tx, absl::string_view id) override {
    return Find(tx, id);
  }

  absl::Status Update(crm::common::Transaction& /*tx*/,
                      const SegmentRecord& segment) override {
    SegmentRecord* stored = nullptr;
    for (SegmentRecord& existing : segments_) {
      if (existing.id == segment.id) {
        stored = &existing;
      } else if (absl::EqualsIgnoreCase(existing.display_name,
                                        segment.display_name)) {
        return absl::AlreadyExistsError("display name taken");
      }
    }
    if (stored == nullptr) return absl::NotFoundError("no such segment");
    const absl::Time create_time = stored->create_time;
    *stored = segment;
    stored->create_time = create_time;
    return absl::OkStatus();
  }

  absl::Status Delete(crm::common::Transaction& /*tx*/,
                      absl::string_view id) override {
    const size_t removed = std::erase_if(
        segments_,
        [&](const SegmentRecord& segment) { return segment.id == id; });
    if (removed == 0) return absl::NotFoundError("no such segment");
    return absl::OkStatus();
  }

  absl::StatusOr<crm::common::Page<SegmentRecord>> List(
      crm::common::Transaction& /*tx*/,
      const crm::common::PageRequest& page) override {
    std::vector<SegmentRecord> rows;
    for (const SegmentRecord& segment : segments_) {
      if (page.after.has_value() && !ComesAfter(segment, *page.after)) {
        continue;
      }
      rows.push_back(segment);
    }
    std::sort(rows.begin(), rows.end(),
              [](const SegmentRecord& a, const SegmentRecord& b) {
                return ComesAfter(b, {a.create_time, a.id});
              });
    if (rows.size() > static_cast<size_t>(page.page_size) + 1) {
      rows.resize(page.page_size + 1);
    }
    return crm::common::MakePage<SegmentRecord>(
        std::move(rows), page.page_size, [](const SegmentRecord& segment) {
          return crm::common::KeysetPosition{segment.create_time, segment.id};
        });
  }

  absl::StatusOr<std::vector<SegmentRecord>> ListAll(
      crm::common::Transaction& /*tx*/) override {
    std::vector<SegmentRecord> rows = segments_;
    std::sort(rows.begin(), rows.end(),
              [](const SegmentRecord& a, const SegmentRecord& b) {
                return a.id < b.id;
              });
    return rows;
  }

  // The committed segments, in order of insertion.
  const std::vector<SegmentRecord>& segments() const { return segments_; }

 private:
  // True if `segment` comes after `position` in (create_time, id) descending
  // order.
  static bool ComesAfter(const SegmentRecord& segment,
                         const crm::common::KeysetPosition& position) {
    return segment.create_time < position.create_time ||
           (segment.create_time == position.create_time &&
            segment.id < position.id);
  }

  std::vector<SegmentRecord> segments_;
};

}  // namespace crm::testing
