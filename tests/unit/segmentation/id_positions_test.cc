// IdPositions (mysql_id_lists.h): where each row of a read over a list of
// customer ids goes, walking an ascending list and falling back to a hash
// look-up for rows out of order or lists that are not ascending.
#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "services/segmentation/mysql_id_lists.h"

namespace crm::segmentation {
namespace {

TEST(IdPositionsTest, RowsInKeyOrderWalkTheList) {
  const std::vector<std::string> ids = {"b", "d", "f"};
  IdPositions positions(ids);
  // A range read also returns rows of ids between and around the listed.
  EXPECT_EQ(positions.Find("a"), std::nullopt);
  EXPECT_EQ(positions.Find("b"), 0u);
  EXPECT_EQ(positions.Find("b"), 0u);  // A second row of the same id.
  EXPECT_EQ(positions.Find("c"), std::nullopt);
  EXPECT_EQ(positions.Find("d"), 1u);
  EXPECT_EQ(positions.Find("e"), std::nullopt);
  EXPECT_EQ(positions.Find("f"), 2u);
  EXPECT_EQ(positions.Find("g"), std::nullopt);
}

TEST(IdPositionsTest, RowsOutOfOrderAndUnsortedListsAreFoundToo) {
  const std::vector<std::string> ascending = {"b", "d", "f"};
  IdPositions walked(ascending);
  EXPECT_EQ(walked.Find("f"), 2u);
  EXPECT_EQ(walked.Find("b"), 0u);  // Behind the walk.
  EXPECT_EQ(walked.Find("c"), std::nullopt);
  EXPECT_EQ(walked.Find("d"), 1u);

  const std::vector<std::string> unsorted = {"f", "b", "d"};
  IdPositions mapped(unsorted);
  EXPECT_EQ(mapped.Find("b"), 1u);
  EXPECT_EQ(mapped.Find("f"), 0u);
  EXPECT_EQ(mapped.Find("e"), std::nullopt);
  EXPECT_EQ(mapped.Find("d"), 2u);
}

TEST(IdPositionsTest, AgreesWithTheListOnRandomReads) {
  std::mt19937_64 random(5);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> universe;
    for (int i = 0; i < 60; ++i)
      universe.push_back(absl::StrCat("c", 1000 + i));
    std::vector<std::string> ids;
    for (const std::string& id : universe) {
      if (random() % 2 == 0) ids.push_back(id);
    }
    if (round % 3 == 0) std::shuffle(ids.begin(), ids.end(), random);
    // Rows: every id of the universe, some twice, mostly in key order.
    std::vector<std::string> rows;
    for (const std::string& id : universe) {
      rows.push_back(id);
      if (random() % 4 == 0) rows.push_back(id);
    }
    if (round % 5 == 0) std::shuffle(rows.begin(), rows.end(), random);
    IdPositions positions(ids);
    for (const std::string& row : rows) {
      auto at = std::find(ids.begin(), ids.end(), row);
      const std::optional<size_t> expected =
          at == ids.end() ? std::nullopt
                          : std::optional<size_t>(at - ids.begin());
      EXPECT_EQ(positions.Find(row), expected) << row;
    }
  }
}

}  // namespace
}  // namespace crm::segmentation
