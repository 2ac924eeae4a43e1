#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/migrations.h"

namespace crm::common {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(SplitSqlStatements, SplitsAtSemicolonsEndingALine) {
  const std::string sql =
      "CREATE TABLE a (\n"
      "  id INT,\n"
      "  note VARCHAR(10) DEFAULT 'x;y'\n"
      ");\n"
      "\n"
      "CREATE INDEX a_id ON a (id);  \n"
      "INSERT INTO a VALUES (1, 'z')";
  EXPECT_THAT(SplitSqlStatements(sql),
              ElementsAre("CREATE TABLE a (\n  id INT,\n  note VARCHAR(10) "
                          "DEFAULT 'x;y'\n)",
                          "CREATE INDEX a_id ON a (id)",
                          "INSERT INTO a VALUES (1, 'z')"));
}

TEST(SplitSqlStatements, DropsCommentLinesAndBlankStatements) {
  const std::string sql =
      "-- header comment; with a semicolon;\n"
      "  -- indented comment\n"
      "SELECT 1;\n"
      ";\n"
      "-- trailing comment\n";
  EXPECT_THAT(SplitSqlStatements(sql), ElementsAre("SELECT 1"));
}

TEST(SplitSqlStatements, HandlesCrLfAndEmptyInput) {
  EXPECT_THAT(SplitSqlStatements("SELECT 1;\r\nSELECT 2;\r\n"),
              ElementsAre("SELECT 1", "SELECT 2"));
  EXPECT_THAT(SplitSqlStatements(""), IsEmpty());
  EXPECT_THAT(SplitSqlStatements("-- only a comment\n\n"), IsEmpty());
}

TEST(SplitSqlStatements, KeepsASemicolonInsideALine) {
  EXPECT_THAT(SplitSqlStatements("SELECT ';' AS x, 2;\n"),
              ElementsAre("SELECT ';' AS x, 2"));
}

}  // namespace
}  // namespace crm::common
