// The text analysis (tokenizer, lexicon, sentiment, category, evidence) and
// its accuracy on the labelled set in data/labelled_feedback.tsv, kept as
// thresholds. The measured figures are printed:
//   text_analysis_test --gtest_filter='*Labelled*'
#include "services/feedback/text_analysis.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "services/feedback/text_lexicon.h"
#include "services/feedback/text_tokenizer.h"
#include "tests/testing/status_matchers.h"

namespace crm::feedback {
namespace {

using ::crm::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using Evidence = v1::TextAnalysis::Evidence;

v1::TextAnalysis Analyze(const std::string& text) {
  return AnalyzeText(DefaultLexicon(), text);
}

// The sentiment evidence of `analysis` for `term`, or nullptr.
const Evidence* SentimentOf(const v1::TextAnalysis& analysis,
                            const std::string& term) {
  for (const Evidence& evidence : analysis.evidence()) {
    if (evidence.term() == term && evidence.effect() == Evidence::SENTIMENT) {
      return &evidence;
    }
  }
  return nullptr;
}

TEST(TokenizeText, ChineseByDictionaryEnglishByWordRulesClausesKept) {
  std::vector<std::string> words;
  int clause_ends = 0;
  for (const TextToken& token : TokenizeText("配送太慢了，Not HAPPY at all!")) {
    if (token.clause_end) {
      ++clause_ends;
    } else {
      words.push_back(token.text);
    }
  }
  EXPECT_THAT(words, Contains("配送"));
  EXPECT_THAT(words, Contains("not"));
  EXPECT_THAT(words, Contains("happy"));
  EXPECT_EQ(clause_ends, 2);
}

TEST(Lexicon, TheBuiltInOneParsesWithTheTaxonomyInOrder) {
  const Lexicon& lexicon = DefaultLexicon();
  EXPECT_THAT(lexicon.taxonomy,
              ElementsAre("delivery", "price", "product_quality",
                          "service_attitude", "app_website", "billing"));
  EXPECT_TRUE(lexicon.negations.contains("不"));
  EXPECT_TRUE(lexicon.degrees.contains("非常"));
  EXPECT_GE(lexicon.longest_term_words, 2);
}

TEST(Lexicon, MalformedLinesAreRejectedNamingTheFile) {
  EXPECT_THAT(ParseLexicon("好\t2\n", "", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseLexicon("好\n", "", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseLexicon("", "很\tdegree\t0\n", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseLexicon("", "很\tsometimes\n", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseLexicon("", "", "other\t杂\t1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  CRM_ASSERT_OK_AND_ASSIGN(Lexicon custom, ParseLexicon("# comment\nyay\t0.9\n",
                                                        "", "fun\tgame\t1\n"));
  v1::TextAnalysis analysis = AnalyzeText(custom, "Yay, a game");
  EXPECT_EQ(analysis.sentiment(), v1::TextAnalysis::POSITIVE);
  EXPECT_EQ(analysis.category(), "fun");
}

TEST(AnalyzeText, NegationAndDegreeWords) {
  const v1::TextAnalysis satisfied = Analyze("满意");
  const v1::TextAnalysis very_satisfied = Analyze("非常满意");
  const v1::TextAnalysis not_satisfied = Analyze("不满意");
  EXPECT_EQ(satisfied.sentiment(), v1::TextAnalysis::POSITIVE);
  EXPECT_GT(very_satisfied.sentiment_score(), satisfied.sentiment_score());
  EXPECT_EQ(not_satisfied.sentiment(), v1::TextAnalysis::NEGATIVE);

  const v1::TextAnalysis very_bad = Analyze("非常不好");
  EXPECT_EQ(very_bad.sentiment(), v1::TextAnalysis::NEGATIVE);
  const Evidence* good = SentimentOf(very_bad, "好");
  ASSERT_NE(good, nullptr);
  EXPECT_THAT(good->modifiers(), ElementsAre("非常", "不"));
  EXPECT_LT(good->weight(), 0);

  const v1::TextAnalysis not_happy = Analyze("I am not happy");
  EXPECT_EQ(not_happy.sentiment(), v1::TextAnalysis::NEGATIVE);
  ASSERT_NE(SentimentOf(not_happy, "happy"), nullptr);
  EXPECT_THAT(SentimentOf(not_happy, "happy")->modifiers(), ElementsAre("not"));

  const v1::TextAnalysis hardly = Analyze("The app is hardly working");
  EXPECT_EQ(hardly.sentiment(), v1::TextAnalysis::NEGATIVE);
  EXPECT_EQ(hardly.category(), "app_website");

  // Two negations cancel; "not bad" is mildly positive.
  EXPECT_EQ(Analyze("不是不好").sentiment(), v1::TextAnalysis::POSITIVE);
  EXPECT_EQ(Analyze("not bad").sentiment(), v1::TextAnalysis::POSITIVE);
  // A negation does not cross a clause, nor a category term.
  EXPECT_EQ(Analyze("No. Great").sentiment(), v1::TextAnalysis::POSITIVE);
  EXPECT_EQ(Analyze("不打折就太贵了").sentiment(), v1::TextAnalysis::NEGATIVE);
}

TEST(AnalyzeText, ContrastWeighsTheRestMore) {
  const v1::TextAnalysis analysis =
      Analyze("Great product, but the delivery was terribly slow");
  EXPECT_EQ(analysis.sentiment(), v1::TextAnalysis::NEGATIVE);
  const Evidence* slow = SentimentOf(analysis, "slow");
  ASSERT_NE(slow, nullptr);
  EXPECT_THAT(slow->modifiers(), Contains("terribly"));
}

TEST(AnalyzeText, ScoreIsBoundedAndNeutralWithoutSentiment) {
  const v1::TextAnalysis none = Analyze("请问几点开门？");
  EXPECT_EQ(none.sentiment(), v1::TextAnalysis::NEUTRAL);
  EXPECT_EQ(none.sentiment_score(), 0);
  EXPECT_EQ(none.category(), "other");
  EXPECT_EQ(none.key_phrases_size(), 0);
  std::string rant;
  for (int i = 0; i < 200; ++i) rant += "太差了！非常糟糕，terrible. ";
  const v1::TextAnalysis bounded = Analyze(rant);
  EXPECT_GT(bounded.sentiment_score(), -1);
  EXPECT_LT(bounded.sentiment_score(), -0.99);
  EXPECT_LE(bounded.key_phrases_size(), kMaxKeyPhrases);
}

TEST(AnalyzeText, CategoryAndKeyPhrasesComeWithTheirEvidence) {
  const v1::TextAnalysis analysis = Analyze("快递太慢了，包装也破了。");
  EXPECT_EQ(analysis.category(), "delivery");
  EXPECT_EQ(analysis.sentiment(), v1::TextAnalysis::NEGATIVE);
  std::set<std::string> category_terms;
  for (const Evidence& evidence : analysis.evidence()) {
    if (evidence.effect() == Evidence::CATEGORY) {
      EXPECT_EQ(evidence.category(), "delivery");
      category_terms.insert(evidence.term());
    }
  }
  EXPECT_THAT(category_terms, Contains("快递"));
  EXPECT_THAT(analysis.key_phrases(), Contains("慢"));
  // Mixed text: English words inside Chinese are found too.
  const v1::TextAnalysis mixed = Analyze("APP一直crash，根本没法用。");
  EXPECT_EQ(mixed.category(), "app_website");
  EXPECT_EQ(mixed.sentiment(), v1::TextAnalysis::NEGATIVE);
}

// Accuracy and macro-F1 over the labelled set.
struct Scores {
  int total = 0;
  double sentiment_accuracy = 0;
  double sentiment_macro_f1 = 0;
  double category_accuracy = 0;
  double category_macro_f1 = 0;
};

struct Example {
  std::string language;
  std::string sentiment;
  std::string category;
  std::string text;
};

std::vector<Example> LoadLabelledSet() {
  std::ifstream file(CRM_FEEDBACK_TEST_DATA_DIR "/labelled_feedback.tsv");
  std::vector<Example> examples;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> columns = absl::StrSplit(line, '\t');
    if (columns.size() != 4) continue;
    examples.push_back({columns[0], columns[1], columns[2], columns[3]});
  }
  return examples;
}

// Macro-F1 over the labels that occur in `expected` or `predicted`.
double MacroF1(const std::vector<std::string>& expected,
               const std::vector<std::string>& predicted) {
  std::set<std::string> labels(expected.begin(), expected.end());
  labels.insert(predicted.begin(), predicted.end());
  double sum = 0;
  for (const std::string& label : labels) {
    int tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      const bool is = expected[i] == label;
      const bool said = predicted[i] == label;
      tp += is && said;
      fp += !is && said;
      fn += is && !said;
    }
    sum += tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
  }
  return labels.empty() ? 0 : sum / labels.size();
}

Scores Evaluate(const std::vector<Example>& examples,
                const std::string& language) {
  std::vector<std::string> sentiment_expected, sentiment_predicted;
  std::vector<std::string> category_expected, category_predicted;
  for (const Example& example : examples) {
    if (!language.empty() && example.language != language) continue;
    const v1::TextAnalysis analysis = Analyze(example.text);
    std::string sentiment =
        v1::TextAnalysis::Sentiment_Name(analysis.sentiment());
    for (char& c : sentiment) c = static_cast<char>(std::tolower(c));
    sentiment_expected.push_back(example.sentiment);
    sentiment_predicted.push_back(sentiment);
    category_expected.push_back(example.category);
    category_predicted.push_back(analysis.category());
  }
  Scores scores;
  scores.total = static_cast<int>(sentiment_expected.size());
  int sentiment_right = 0, category_right = 0;
  for (int i = 0; i < scores.total; ++i) {
    sentiment_right += sentiment_expected[i] == sentiment_predicted[i];
    category_right += category_expected[i] == category_predicted[i];
  }
  if (scores.total == 0) return scores;
  scores.sentiment_accuracy = 1.0 * sentiment_right / scores.total;
  scores.category_accuracy = 1.0 * category_right / scores.total;
  scores.sentiment_macro_f1 = MacroF1(sentiment_expected, sentiment_predicted);
  scores.category_macro_f1 = MacroF1(category_expected, category_predicted);
  return scores;
}

TEST(LabelledSet, CoversEveryLanguageSentimentAndCategory) {
  const std::vector<Example> examples = LoadLabelledSet();
  EXPECT_GE(examples.size(), 300u);
  std::map<std::string, int> languages, sentiments, categories;
  for (const Example& example : examples) {
    ++languages[example.language];
    ++sentiments[example.sentiment];
    ++categories[example.category];
  }
  EXPECT_EQ(languages.size(), 3u);
  EXPECT_EQ(sentiments.size(), 3u);
  EXPECT_EQ(categories.size(), 7u);
  for (const auto& [language, count] : languages) EXPECT_GE(count, 50);
}

TEST(LabelledSet, AccuracyAndMacroF1StayAboveThresholds) {
  const std::vector<Example> examples = LoadLabelledSet();
  // Thresholds a little under the figures measured when the lexicon was
  // written (printed below; zh 0.984 / 0.982 / 1.000 / 1.000, en 0.967 /
  // 0.959 / 0.992 / 0.990, mixed all 1.000), so a lexicon change that loses
  // ground fails. In-sample figures: the lexicon was written with this set.
  struct Threshold {
    const char* language;
    double sentiment_accuracy, sentiment_f1, category_accuracy, category_f1;
  };
  const Threshold thresholds[] = {
      {"zh", 0.95, 0.95, 0.97, 0.97},
      {"en", 0.93, 0.93, 0.97, 0.97},
      {"mixed", 0.95, 0.95, 0.97, 0.97},
      {"", 0.95, 0.95, 0.97, 0.97},
  };
  for (const Threshold& threshold : thresholds) {
    const Scores scores = Evaluate(examples, threshold.language);
    std::printf(
        "labelled set %-5s n=%3d  sentiment accuracy %.3f macro-F1 %.3f  "
        "category accuracy %.3f macro-F1 %.3f\n",
        *threshold.language ? threshold.language : "all", scores.total,
        scores.sentiment_accuracy, scores.sentiment_macro_f1,
        scores.category_accuracy, scores.category_macro_f1);
    EXPECT_GE(scores.sentiment_accuracy, threshold.sentiment_accuracy)
        << threshold.language;
    EXPECT_GE(scores.sentiment_macro_f1, threshold.sentiment_f1)
        << threshold.language;
    EXPECT_GE(scores.category_accuracy, threshold.category_accuracy)
        << threshold.language;
    EXPECT_GE(scores.category_macro_f1, threshold.category_f1)
        << threshold.language;
  }
}

// Lists the misclassified examples (not a check): run with
// --gtest_also_run_disabled_tests --gtest_filter='*DISABLED_PrintMisses*'.
TEST(LabelledSet, DISABLED_PrintMisses) {
  for (const Example& example : LoadLabelledSet()) {
    const v1::TextAnalysis analysis = Analyze(example.text);
    std::string sentiment =
        v1::TextAnalysis::Sentiment_Name(analysis.sentiment());
    for (char& c : sentiment) c = static_cast<char>(std::tolower(c));
    if (sentiment != example.sentiment ||
        analysis.category() != example.category) {
      std::printf("%s/%s -> %s/%s %.2f  %s\n", example.sentiment.c_str(),
                  example.category.c_str(), sentiment.c_str(),
                  analysis.category().c_str(), analysis.sentiment_score(),
                  example.text.c_str());
    }
  }
}

}  // namespace
}  // namespace crm::feedback
