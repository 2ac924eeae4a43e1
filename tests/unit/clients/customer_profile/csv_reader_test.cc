#include "clients/customer_profile/csv_reader.h"

#include <cstdint>
#include <istream>
#include <optional>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile_client {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

// Reads every record; record errors are collected and reading continues.
struct ReadAll {
  std::vector<CsvRecord> records;
  std::vector<absl::Status> errors;
};

ReadAll ReadRemaining(CsvReader& reader) {
  ReadAll out;
  for (int guard = 0; guard < 1000; ++guard) {
    absl::StatusOr<std::optional<CsvRecord>> next = reader.Next();
    if (!next.ok()) {
      out.errors.push_back(next.status());
      continue;
    }
    if (!next->has_value()) break;
    out.records.push_back(**next);
  }
  return out;
}

TEST(CsvReaderTest, HeaderIsTrimmedAndCaseInsensitive) {
  std::istringstream in(" Email ,PHONE,given_name\na@b.cn,138,Li\n");
  CsvReader reader(in);
  CRM_ASSERT_OK_AND_ASSIGN(CsvHeader header, reader.ReadHeader());
  EXPECT_THAT(header.names(), ElementsAre("email", "phone", "given_name"));
  EXPECT_EQ(header.Find("EMAIL"), 0u);
  EXPECT_EQ(header.Find(" Given_Name "), 2u);
  EXPECT_EQ(header.Find("city"), std::nullopt);
  ReadAll all = ReadRemaining(reader);
  ASSERT_TRUE(all.errors.empty());
  ASSERT_EQ(all.records.size(), 1u);
  EXPECT_EQ(all.records[0].line, 2);
  EXPECT_EQ(all.records[0].Get(header, "Phone"), "138");
  EXPECT_EQ(all.records[0].Get(header, "city"), "");
}

TEST(CsvReaderTest, Utf8BomIsSkippedAndChineseKept) {
  std::istringstream in(
      "\xEF\xBB\xBFname,city\n\xE7\x8E\x8B\xE5\xB0\x8F\xE6\x98\x8E,"
      "\xE5\x8C\x97\xE4\xBA\xAC\n");
  CsvReader reader(in);
  CRM_ASSERT_OK_AND_ASSIGN(CsvHeader header, reader.ReadHeader());
  EXPECT_THAT(header.names(), ElementsAre("name", "city"));
  ReadAll all = ReadRemaining(reader);
  ASSERT_EQ(all.records.size(), 1u);
  EXPECT_EQ(all.records[0].Get(header, "name"),
            "\xE7\x8E\x8B\xE5\xB0\x8F\xE6\x98\x8E");
}

TEST(CsvReaderTest, CrlfAndLfAndNoFinalNewline) {
  std::istringstream in("a,b\r\n1,2\r\n3,4\n5,6");
  CsvReader reader(in);
  CRM_ASSERT_OK(reader.ReadHeader().status());
  ReadAll all = ReadRemaining(reader);
  ASSERT_TRUE(all.errors.empty());
  ASSERT_EQ(all.records.size(), 3u);
  EXPECT_THAT(all.records[0].fields, ElementsAre("1", "2"));
  EXPECT_THAT(all.records[1].fields, ElementsAre("3", "4"));
  EXPECT_THAT(all.records[2].fields, ElementsAre("5", "6"));
  EXPECT_EQ(all.records[2].line, 4);
  EXPECT_TRUE(reader.done());
}

TEST(CsvReaderTest, QuotedFieldsWithCommasQuotesAndNewlines) {
  std::istringstream in(
      "id,note,address\r\n"
      "1,\"He said \"\"hi\"\", then left\",\"Line 1\r\nLine 2\"\r\n"
      "2,\"\",\"a\nb\nc\"\n"
      "3,plain \"quote\" inside,x\n");
  CsvReader reader(in);
  CRM_ASSERT_OK(reader.ReadHeader().status());
  ReadAll all = ReadRemaining(reader);
  ASSERT_TRUE(all.errors.empty()) << all.errors[0];
  ASSERT_EQ(all.records.size(), 3u);
  EXPECT_THAT(
      all.records[0].fields,
      ElementsAre("1", "He said \"hi\", then left", "Line 1\r\nLine 2"));
  EXPECT_EQ(all.records[0].line, 2);
  EXPECT_THAT(all.records[1].fields, ElementsAre("2", "", "a\nb\nc"));
  EXPECT_EQ(all.records[1].line, 4);  // record 1 spans lines 2-3
  EXPECT_THAT(all.records[2].fields,
              ElementsAre("3", "plain \"quote\" inside", "x"));
  EXPECT_EQ(all.records[2].line, 7);  // record 2 spans lines 4-6
}

TEST(CsvReaderTest, EmptyFieldsAndBlankLines) {
  std::istringstream in("a,b,c\n\n,,\n1,,\n\r\n,2,\n\n");
  CsvReader reader(in);
  CRM_ASSERT_OK(reader.ReadHeader().status());
  ReadAll all = ReadRemaining(reader);
  ASSERT_TRUE(all.errors.empty());
  ASSERT_EQ(all.records.size(), 3u);
  EXPECT_THAT(all.records[0].fields, ElementsAre("", "", ""));
  EXPECT_EQ(all.records[0].line, 3);
  EXPECT_THAT(all.records[1].fields, ElementsAre("1", "", ""));
  EXPECT_THAT(all.records[2].fields, ElementsAre("", "2", ""));
  EXPECT_EQ(all.records[2].line, 6);
}

TEST(CsvReaderTest, UnterminatedQuoteIsFatalAndNamesTheLine) {
  std::istringstream in("a,b\n1,2\n3,\"never\nclosed,4\n5,6\n");
  CsvReader reader(in);
  CRM_ASSERT_OK(reader.ReadHeader().status());
  ReadAll all = ReadRemaining(reader);
  ASSERT_EQ(all.records.size(), 1u);
  ASSERT_EQ(all.errors.size(), 1u);
  EXPECT_THAT(all.errors[0],
              StatusIs(kInvalid, HasSubstr("line 3: unterminated quoted "
                                           "field")));
  EXPECT_EQ(reader.record_line(), 3);
  EXPECT_TRUE(reader.done());
}

TEST(CsvReaderTest, WrongFieldCountRejectsOnlyThatRecord) {
  std::istringstream in("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n");
  CsvReader reader(in);
  CRM_ASSERT_OK(reader.ReadHeader().status());
  ReadAll all = ReadRemaining(reader);
  ASSERT_EQ(all.records.size(), 2u);
  EXPECT_EQ(all.records[1].line, 5);
  ASSERT_EQ(all.errors.size(), 2u);
  EXPECT_THAT(all.errors[0],
              StatusIs(kInvalid, "line 3: expected 3 fields, found 2"));
  EXPECT_THAT(all.errors[1],
              StatusIs(kInvalid, "line 4: expected 3 fields, found 4"));
}

TEST(CsvReaderTest, InvalidUtf8NamesLineAndColumnNotTheValue) {
  std::istringstream in("email,name\nok@x.cn,Li\nbad@x.cn,Wang\xFF\xFE\nz,Z\n");
  CsvReader reader(in);
  CRM_ASSERT_OK(reader.ReadHeader().status());
  ReadAll all = ReadRemaining(reader);
  ASSERT_EQ(all.records.size(), 2u);
  ASSERT_EQ(all.errors.size(), 1u);
  EXPECT_THAT(all.errors[0],
              StatusIs(kInvalid, "line 3: column 'name' is not valid UTF-8"));
  EXPECT_THAT(std::string(all.errors[0].message()), Not(HasSubstr("bad@")));
}

TEST(CsvReaderTest, TextAfterClosingQuoteRejectsTheRecord) {
  std::istringstream in("a,b\n\"x\"y,2\n3,4\n");
  CsvReader reader(in);
  CRM_ASSERT_OK(reader.ReadHeader().status());
  ReadAll all = ReadRemaining(reader);
  ASSERT_EQ(all.errors.size(), 1u);
  EXPECT_THAT(all.errors[0],
              StatusIs(kInvalid, HasSubstr("line 2: column 'a' has text "
                                           "after its closing quote")));
  ASSERT_EQ(all.records.size(), 1u);
  EXPECT_THAT(all.records[0].fields, ElementsAre("3", "4"));
}

TEST(CsvReaderTest, FieldRecordAndFieldCountLimits) {
  CsvOptions options;
  options.max_field_bytes = 8;
  options.max_record_bytes = 20;
  options.max_fields = 4;
  std::istringstream in(absl::StrCat(
      "a,b,c\n", "12345678,x,y\n", "123456789,x,y\n", "\"12345678\n9\",x,y\n",
      "1234567,1234567,1234567\n", "1,2,3,4,5\n", "ok,ok,ok\n"));
  CsvReader reader(in, options);
  CRM_ASSERT_OK(reader.ReadHeader().status());
  ReadAll all = ReadRemaining(reader);
  ASSERT_EQ(all.records.size(), 2u);
  EXPECT_EQ(all.records[0].line, 2);
  EXPECT_EQ(all.records[1].line, 8);
  ASSERT_EQ(all.errors.size(), 4u);
  EXPECT_THAT(all.errors[0], StatusIs(kInvalid,
                                      "line 3: column 'a' is longer "
                                      "than 8 bytes"));
  EXPECT_THAT(all.errors[1], StatusIs(kInvalid, HasSubstr("line 4: column "
                                                          "'a' is longer")));
  EXPECT_THAT(all.errors[2],
              StatusIs(kInvalid, "line 6: record is longer than 20 bytes"));
  EXPECT_THAT(all.errors[3],
              StatusIs(kInvalid, "line 7: record has more than 4 fields"));
}

TEST(CsvReaderTest, HeaderErrors) {
  {
    std::istringstream in("");
    CsvReader reader(in);
    EXPECT_THAT(reader.ReadHeader(),
                StatusIs(kInvalid, HasSubstr("expected a header row")));
    EXPECT_TRUE(reader.done());
    CRM_ASSERT_OK_AND_ASSIGN(std::optional<CsvRecord> none, reader.Next());
    EXPECT_FALSE(none.has_value());
  }
  {
    std::istringstream in("email,EMAIL\n");
    CsvReader reader(in);
    EXPECT_THAT(reader.ReadHeader(),
                StatusIs(kInvalid, "line 1: header: duplicate column 'email'"));
  }
  {
    std::istringstream in("\n\nemail,,phone\n");
    CsvReader reader(in);
    EXPECT_THAT(reader.ReadHeader(),
                StatusIs(kInvalid, "line 3: header: column 2 has no name"));
  }
  {
    std::istringstream in(
        "\xFF\xFE"
        "e\0m\0",
        std::ios::binary);
    CsvReader reader(in);
    EXPECT_THAT(reader.ReadHeader(), StatusIs(kInvalid, HasSubstr("UTF-16")));
  }
  {
    std::istringstream in("a,b\n1,2\n");
    CsvReader reader(in);
    CRM_ASSERT_OK(reader.ReadHeader().status());
    EXPECT_THAT(reader.ReadHeader(),
                StatusIs(absl::StatusCode::kFailedPrecondition));
  }
}

TEST(CsvReaderTest, WithoutHeaderAnyFieldCount) {
  std::istringstream in(
      "\xEF\xBB\xBF"
      "1\n2,3\n");
  CsvReader reader(in);
  ReadAll all = ReadRemaining(reader);
  ASSERT_TRUE(all.errors.empty());
  ASSERT_EQ(all.records.size(), 2u);
  EXPECT_THAT(all.records[0].fields, ElementsAre("1"));
  EXPECT_THAT(all.records[1].fields, ElementsAre("2", "3"));
}

TEST(CsvReaderTest, TrailingDelimiterGivesEmptyLastField) {
  std::istringstream in("a,b\n1,");
  CsvReader reader(in);
  CRM_ASSERT_OK(reader.ReadHeader().status());
  ReadAll all = ReadRemaining(reader);
  ASSERT_TRUE(all.errors.empty());
  ASSERT_EQ(all.records.size(), 1u);
  EXPECT_THAT(all.records[0].fields, ElementsAre("1", ""));
}

TEST(CsvReaderTest, OtherDelimiter) {
  CsvOptions options;
  options.delimiter = ';';
  std::istringstream in("a;b\n\"x;y\";2,5\n");
  CsvReader reader(in, options);
  CRM_ASSERT_OK(reader.ReadHeader().status());
  ReadAll all = ReadRemaining(reader);
  ASSERT_EQ(all.records.size(), 1u);
  EXPECT_THAT(all.records[0].fields, ElementsAre("x;y", "2,5"));
}

// A stream buffer that produces `rows` CSV rows on demand, so the test can
// also show the reader never needs the whole input in memory.
class GeneratedCsv : public std::streambuf {
 public:
  explicit GeneratedCsv(int64_t rows) : rows_(rows) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    chunk_.clear();
    while (chunk_.size() < 4096 && next_ <= rows_) {
      if (next_ == 0) {
        chunk_ =
            "\xEF\xBB\xBF"
            "id,email,given_name,note\r\n";
      } else {
        absl::StrAppend(
            &chunk_, next_, ",user", next_,
            "@example.cn,\xE7\x8E\x8B,\"multi\nline, \"\"quoted\"\"\"\r\n");
      }
      ++next_;
    }
    if (chunk_.empty()) return traits_type::eof();
    setg(chunk_.data(), chunk_.data(), chunk_.data() + chunk_.size());
    return traits_type::to_int_type(*gptr());
  }

 private:
  int64_t rows_;
  int64_t next_ = 0;
  std::string chunk_;
};

TEST(CsvReaderTest, StreamsOneHundredThousandRows) {
  constexpr int64_t kRows = 100000;
  GeneratedCsv source(kRows);
  std::istream in(&source);
  CsvReader reader(in);
  CRM_ASSERT_OK_AND_ASSIGN(CsvHeader header, reader.ReadHeader());
  const size_t email = header.Find("email").value();
  int64_t count = 0;
  int64_t last_line = 0;
  while (true) {
    absl::StatusOr<std::optional<CsvRecord>> next = reader.Next();
    ASSERT_THAT(next, IsOk());
    if (!next->has_value()) break;
    ++count;
    const CsvRecord& record = **next;
    ASSERT_EQ(record.fields.size(), 4u);
    ASSERT_EQ(record.fields[email], absl::StrCat("user", count, "@example.cn"));
    ASSERT_EQ(record.fields[3], "multi\nline, \"quoted\"");
    last_line = record.line;
  }
  EXPECT_EQ(count, kRows);
  // Each record spans two physical lines, after the one-line header.
  EXPECT_EQ(last_line, 2 + 2 * (kRows - 1));
}

}  // namespace
}  // namespace crm::customer_profile_client
