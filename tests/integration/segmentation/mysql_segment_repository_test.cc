// MySqlSegmentRepository on a fresh MariaDB database, each call inside a
// MySqlUnitOfWork: what it stores and reads back, the unique display name
// (case-insensitive), keyset paging, updates and deletes.
#include "services/segmentation/mysql_segment_repository.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/keyset_page.h"
#include "services/common/mysql_unit_of_work.h"
#include "services/common/request_context.h"
#include "services/common/status_macros.h"
#include "services/segmentation/migrations.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace crm::segmentation {
namespace {

using ::crm::common::Page;
using ::crm::common::PageRequest;
using ::crm::common::RequestContext;
using ::crm::common::Transaction;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;

// Whole microseconds: what DATETIME(6) keeps.
const absl::Time kStart = absl::FromUnixMicros(1767225600123456);

class MySqlSegmentRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRM_ASSERT_OK_AND_ASSIGN(database_,
                             crm::testing::TestDatabase::Create("segments"));
    CRM_ASSERT_OK_AND_ASSIGN(pool_, database_->NewMigratedPool(Migrations()));
    unit_of_work_ = std::make_unique<crm::common::MySqlUnitOfWork>(*pool_);
  }

  absl::Status Insert(const SegmentRecord& record) {
    return unit_of_work_->Run(RequestContext(), [&](Transaction& tx) {
      return segments_.Insert(tx, record);
    });
  }

  absl::StatusOr<std::optional<SegmentRecord>> Find(const std::string& id) {
    return unit_of_work_->Read<std::optional<SegmentRecord>>(
        RequestContext(),
        [&](Transaction& tx) { return segments_.Find(tx, id); });
  }

  absl::StatusOr<Page<SegmentRecord>> List(const PageRequest& page) {
    return unit_of_work_->Read<Page<SegmentRecord>>(
        RequestContext(),
        [&](Transaction& tx) { return segments_.List(tx, page); });
  }

  static SegmentRecord Record(const std::string& id,
                              const std::string& display_name,
                              absl::Time create_time) {
    SegmentRecord record;
    record.id = id;
    record.display_name = display_name;
    record.description = "需要挽回的高价值客户";
    record.rule = "rfm.monetary >= 4";
    record.create_time = create_time;
    record.update_time = create_time + absl::Seconds(1);
    record.version = 7;
    return record;
  }

  static std::vector<std::string> Ids(const Page<SegmentRecord>& page) {
    std::vector<std::string> ids;
    for (const SegmentRecord& segment : page.items) ids.push_back(segment.id);
    return ids;
  }

  std::unique_ptr<crm::testing::TestDatabase> database_;
  std::unique_ptr<crm::common::MySqlPool> pool_;
  std::unique_ptr<crm::common::MySqlUnitOfWork> unit_of_work_;
  MySqlSegmentRepository segments_;
};

TEST_F(MySqlSegmentRepositoryTest, StoresEveryFieldAndFindsById) {
  CRM_ASSERT_OK_AND_ASSIGN(std::optional<SegmentRecord> none, Find("s1"));
  EXPECT_FALSE(none.has_value());

  ASSERT_THAT(Insert(Record("s1", "高价值 流失风险", kStart)), IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(std::optional<SegmentRecord> found, Find("s1"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "s1");
  EXPECT_EQ(found->display_name, "高价值 流失风险");
  EXPECT_EQ(found->description, "需要挽回的高价值客户");
  EXPECT_EQ(found->rule, "rfm.monetary >= 4");
  EXPECT_EQ(found->create_time, kStart);
  EXPECT_EQ(found->update_time, kStart + absl::Seconds(1));
  EXPECT_EQ(found->version, 7);
}

TEST_F(MySqlSegmentRepositoryTest, DisplayNamesAndIdsAreUnique) {
  ASSERT_THAT(Insert(Record("s1", "Champions", kStart)), IsOk());
  EXPECT_THAT(Insert(Record("s2", "champions", kStart)),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(Insert(Record("s1", "Loyal", kStart)),
              StatusIs(absl::StatusCode::kAlreadyExists));
  CRM_ASSERT_OK_AND_ASSIGN(Page<SegmentRecord> page, List(PageRequest{10, {}}));
  EXPECT_THAT(Ids(page), ElementsAre("s1"));
}

TEST_F(MySqlSegmentRepositoryTest, PagesNewestFirst) {
  // Two segments share a create time: the id breaks the tie.
  ASSERT_THAT(Insert(Record("a", "A", kStart)), IsOk());
  ASSERT_THAT(Insert(Record("b", "B", kStart + absl::Seconds(1))), IsOk());
  ASSERT_THAT(Insert(Record("c", "C", kStart + absl::Seconds(1))), IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(Page<SegmentRecord> first, List(PageRequest{2, {}}));
  EXPECT_THAT(Ids(first), ElementsAre("c", "b"));
  ASSERT_TRUE(first.next.has_value());
  CRM_ASSERT_OK_AND_ASSIGN(Page<SegmentRecord> second,
                           List(PageRequest{2, first.next}));
  EXPECT_THAT(Ids(second), ElementsAre("a"));
  EXPECT_FALSE(second.next.has_value());
}

TEST_F(MySqlSegmentRepositoryTest, UpdatesAndDeletesById) {
  ASSERT_THAT(Insert(Record("s1", "Champions", kStart)), IsOk());
  ASSERT_THAT(Insert(Record("s2", "Loyal", kStart)), IsOk());
  SegmentRecord changed = Record("s1", "Champions 2026", kStart);
  changed.description = "";
  changed.rule = "lifecycle = \"AT_RISK\"";
  changed.create_time = kStart + absl::Hours(1);  // Never changes.
  changed.update_time = kStart + absl::Hours(2);
  changed.version = 8;
  ASSERT_THAT(unit_of_work_->Run(RequestContext(),
                                 [&](Transaction& tx) -> absl::Status {
                                   CRM_ASSIGN_OR_RETURN(
                                       std::optional<SegmentRecord> locked,
                                       segments_.FindForUpdate(tx, "s1"));
                                   EXPECT_TRUE(locked.has_value());
                                   return segments_.Update(tx, changed);
                                 }),
              IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(std::optional<SegmentRecord> found, Find("s1"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->display_name, "Champions 2026");
  EXPECT_EQ(found->description, "");
  EXPECT_EQ(found->rule, "lifecycle = \"AT_RISK\"");
  EXPECT_EQ(found->create_time, kStart);
  EXPECT_EQ(found->update_time, kStart + absl::Hours(2));
  EXPECT_EQ(found->version, 8);

  changed.display_name = "LOYAL";
  changed.version = 9;
  auto update = [&](const SegmentRecord& record) {
    return unit_of_work_->Run(RequestContext(), [&](Transaction& tx) {
      return segments_.Update(tx, record);
    });
  };
  EXPECT_THAT(update(changed), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(update(Record("none", "Nobody", kStart)),
              StatusIs(absl::StatusCode::kNotFound));

  auto remove = [&](const std::string& id) {
    return unit_of_work_->Run(RequestContext(), [&](Transaction& tx) {
      return segments_.Delete(tx, id);
    });
  };
  ASSERT_THAT(remove("s1"), IsOk());
  EXPECT_THAT(remove("s1"), StatusIs(absl::StatusCode::kNotFound));
  CRM_ASSERT_OK_AND_ASSIGN(found, Find("s1"));
  EXPECT_FALSE(found.has_value());
  CRM_ASSERT_OK_AND_ASSIGN(Page<SegmentRecord> page, List(PageRequest{10, {}}));
  EXPECT_THAT(Ids(page), ElementsAre("s2"));
}

}  // namespace
}  // namespace crm::segmentation
