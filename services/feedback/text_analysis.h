// Local, explainable analysis of a feedback text in Chinese, English or both:
// a sentiment score and label, a category of the lexicon's taxonomy, key
// phrases, and for each result the words that decided it. Pure: the text
// and the lexicon (text_lexicon.h) in, crm.feedback.v1.TextAnalysis out.
//
//   v1::TextAnalysis analysis = AnalyzeText(DefaultLexicon(),
//   "送货非常慢，不满意");
//   // sentiment NEGATIVE (score -0.8...), category "delivery",
//   // evidence: 送货 (category delivery), 慢 (-0.6 x 1.6, modifiers 非常),
//   //           满意 (+0.7 negated: -0.56, modifiers 不)
//
// Method:
//  1. Words come from TokenizeText (ICU word breaks); clause punctuation
//     splits clauses.
//  2. Terms are matched greedily, longest first: a run of up to
//     `longest_term_words` words whose text (Chinese words joined without a
//     space, others with one) is a lexicon term; inside a Chinese word that
//     is no term, the longest terms by characters, left to right.
//  3. A negation word flips the sign of the next sentiment term of its
//     clause and scales it by 0.8 (so "not bad" is mildly positive); two
//     negations cancel. A degree word multiplies it by its factor ("非常"
//     1.6, "a bit" 0.6). Modifiers apply to a sentiment term at most three
//     words later in the same clause, and are used up by the next sentiment
//     or category term ("不打折就太贵" stays negative).
//  4. After a contrast word ("but", "但是") the rest of the text weighs 1.5
//     times as much.
//  5. The sentiment score is s / sqrt(s * s + 1) for s the sum of the
//     weights: in (-1, 1), 0 without sentiment terms. Labels: NEGATIVE
//     below -0.1, POSITIVE above 0.1, NEUTRAL between.
//  6. The category is the one whose terms' weights sum highest (ties: the
//     earlier in the taxonomy); "other" when none occurs.
//  7. Key phrases: the distinct terms with evidence, by absolute weight,
//     at most five.
#pragma once

#include "absl/strings/string_view.h"
#include "crm/feedback/v1/text_analysis.pb.h"
#include "services/feedback/text_lexicon.h"

namespace crm::feedback {

inline constexpr double kNegationFactor = -0.8;
inline constexpr double kContrastFactor = 1.5;
inline constexpr int kModifierReach = 3;
inline constexpr double kNeutralBand = 0.1;
inline constexpr int kMaxKeyPhrases = 5;

crm::feedback::v1::TextAnalysis AnalyzeText(const Lexicon& lexicon,
                                            absl::string_view text);

}  // namespace crm::feedback
