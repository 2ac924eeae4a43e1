#include "services/common/logging.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace crm::common {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// Parses one line as a JSON object (protobuf's parser is strict).
google::protobuf::Struct ParseLine(const std::string& line) {
  google::protobuf::Struct parsed;
  auto status = google::protobuf::util::JsonStringToMessage(line, &parsed);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in: " << line;
  return parsed;
}

std::string Field(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  if (it == s.fields().end()) return "<absent>";
  return it->second.string_value();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  EXPECT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "") << "output must end with a newline";
  lines.pop_back();
  return lines;
}

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitLogging("crm-test", LogLevel::kInfo);
    SetLogSinkForTesting(&out_);
  }
  void TearDown() override {
    SetLogSinkForTesting(nullptr);
    InitLogging("unknown", LogLevel::kInfo);
  }
  std::ostringstream out_;
};

TEST_F(LoggingTest, WritesOneJsonObjectPerLine) {
  LogInfo("started", {{"port", "50053"}}, "req-1");
  std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 1u);
  google::protobuf::Struct line = ParseLine(lines[0]);
  EXPECT_EQ(Field(line, "level"), "INFO");
  EXPECT_EQ(Field(line, "service"), "crm-test");
  EXPECT_EQ(Field(line, "request_id"), "req-1");
  EXPECT_EQ(Field(line, "message"), "started");
  EXPECT_EQ(Field(line, "port"), "50053");
  EXPECT_THAT(lines[0], MatchesRegex("\\{\"time\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}"
                                     "T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z\""
                                     ",.*"));
  absl::Time parsed;
  std::string error;
  EXPECT_TRUE(
      absl::ParseTime(absl::RFC3339_full, Field(line, "time"), &parsed, &error))
      << error;
  EXPECT_LT(absl::AbsDuration(absl::Now() - parsed), absl::Minutes(1));
}

TEST_F(LoggingTest, OmitsEmptyRequestId) {
  LogInfo("no id");
  EXPECT_EQ(Field(ParseLine(Lines(out_.str())[0]), "request_id"), "<absent>");
}

TEST_F(LoggingTest, LevelFilter) {
  InitLogging("crm-test", LogLevel::kWarning);
  LogInfo("dropped");
  Log(LogLevel::kDebug, "dropped too");
  LogWarning("kept");
  LogError("kept too");
  std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(Field(ParseLine(lines[0]), "level"), "WARNING");
  EXPECT_EQ(Field(ParseLine(lines[1]), "level"), "ERROR");
}

TEST_F(LoggingTest, EscapesMessageAndFields) {
  const std::string nasty = "quote\" backslash\\ newline\n tab\t bell\x07 end";
  LogInfo(nasty, {{"key\"with\nnewline", nasty}});
  std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 1u);
  google::protobuf::Struct line = ParseLine(lines[0]);
  EXPECT_EQ(Field(line, "message"), nasty);
  EXPECT_EQ(Field(line, "key\"with\nnewline"), nasty);
}

TEST_F(LoggingTest, FieldsCannotShadowStandardKeys) {
  LogInfo("real", {{"message", "fake"}, {"level", "fake"}});
  google::protobuf::Struct line = ParseLine(Lines(out_.str())[0]);
  EXPECT_EQ(Field(line, "message"), "real");
  EXPECT_EQ(Field(line, "level"), "INFO");
  EXPECT_EQ(Field(line, "field_message"), "fake");
}

TEST_F(LoggingTest, ConcurrentWritersProduceWholeLines) {
  constexpr int kThreads = 8;
  constexpr int kLinesPerThread = 1000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLinesPerThread; ++i) {
        LogInfo("concurrent", {{"thread", std::to_string(t)},
                               {"i", std::to_string(i)},
                               {"padding", std::string(200, 'x')}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLinesPerThread));
  std::set<std::pair<std::string, std::string>> seen;
  for (const std::string& text : lines) {
    google::protobuf::Struct line = ParseLine(text);
    seen.emplace(Field(line, "thread"), Field(line, "i"));
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kLinesPerThread));
}

TEST(JsonEscapeTest, ControlCharacters) {
  EXPECT_EQ(JsonEscape("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(JsonEscape("\n\r\t\b\f"), "\\n\\r\\t\\b\\f");
  EXPECT_EQ(JsonEscape(std::string("\x00\x01\x1f\x7f", 4)),
            "\\u0000\\u0001\\u001f\\u007f");
}

TEST(JsonEscapeTest, Utf8PassesThrough) {
  EXPECT_EQ(JsonEscape("价格 café 😀"), "价格 café 😀");
}

TEST(JsonEscapeTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(JsonEscape("a\xff"
                       "b"),
            "a\\ufffdb");
  EXPECT_EQ(JsonEscape("\xe4\xbb"), "\\ufffd\\ufffd");  // Truncated sequence.
  EXPECT_EQ(JsonEscape("\xc0\xaf"), "\\ufffd\\ufffd");  // Overlong '/'.
  EXPECT_EQ(JsonEscape("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");  // Surrogate.
}

TEST(ParseLogLevelTest, Names) {
  LogLevel level;
  ASSERT_TRUE(ParseLogLevel("DEBUG", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  ASSERT_TRUE(ParseLogLevel("info", &level));
  EXPECT_EQ(level, LogLevel::kInfo);
  ASSERT_TRUE(ParseLogLevel("Warning", &level));
  EXPECT_EQ(level, LogLevel::kWarning);
  ASSERT_TRUE(ParseLogLevel("error", &level));
  EXPECT_EQ(level, LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("verbose", &level));
}

}  // namespace
}  // namespace crm::common
