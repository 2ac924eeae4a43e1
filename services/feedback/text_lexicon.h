// The data of the text analysis (text_analysis.h): sentiment words, negation,
// degree and contrast words, and the category taxonomy with its terms, in
// Chinese and English. Read from three tab-separated files of our own
// (services/feedback/lexicons/, embedded into the binary; `#` starts a
// comment line):
//
//   sentiment.tsv   <term> TAB <weight in [-1, 1]>
//   modifiers.tsv   <term> TAB negation|contrast
//                   <term> TAB degree TAB <factor in (0, 3]>
//   categories.tsv  <category> TAB <term> TAB <weight in (0, 3]>
//
// The taxonomy is the categories of categories.tsv in their order of first
// appearance, plus "other" (no category term found). English terms are
// lower case and may be phrases ("customer service"); Chinese terms have no
// spaces. A term may be in sentiment.tsv and categories.tsv at once ("慢":
// negative, and delivery).
//
//   CRM_ASSIGN_OR_RETURN(Lexicon lexicon, LoadLexiconDirectory(dir));
//   const Lexicon& builtin = DefaultLexicon();
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::feedback {

inline constexpr char kOtherCategory[] = "other";

struct CategoryTerm {
  std::string category;
  double weight = 1;
};

struct Lexicon {
  absl::flat_hash_map<std::string, double> sentiment;
  absl::flat_hash_set<std::string> negations;
  absl::flat_hash_set<std::string> contrasts;
  absl::flat_hash_map<std::string, double> degrees;
  absl::flat_hash_map<std::string, std::vector<CategoryTerm>> categories;
  // The taxonomy, in file order, without "other".
  std::vector<std::string> taxonomy;
  // The most tokens a term spans (for phrase matching), at least 1.
  int longest_term_words = 1;
  // The most characters of a Chinese term (for matching inside a word).
  int longest_han_term_chars = 1;

  // Whether `term` is in any table.
  bool Knows(absl::string_view term) const;
};

// Parses the three files' contents. INVALID_ARGUMENT naming the file and
// line for a malformed line (wrong column count, unknown modifier kind,
// weight out of range, empty term, a category named "other").
absl::StatusOr<Lexicon> ParseLexicon(absl::string_view sentiment_tsv,
                                     absl::string_view modifiers_tsv,
                                     absl::string_view categories_tsv);

// ParseLexicon of `directory`/{sentiment,modifiers,categories}.tsv;
// NOT_FOUND naming a file that cannot be read.
absl::StatusOr<Lexicon> LoadLexiconDirectory(const std::string& directory);

// The lexicon built into the binary (services/feedback/lexicons/). Parsed
// once; aborts if the embedded files are malformed (a unit test parses
// them).
const Lexicon& DefaultLexicon();

}  // namespace crm::feedback
