#include "services/feedback/text_lexicon.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/status_macros.h"
#include "services/common/text_validation.h"
#include "services/feedback/lexicons_embedded.h"
#include "services/feedback/text_tokenizer.h"

namespace crm::feedback {
namespace {

absl::Status LineError(absl::string_view file, int line,
                       absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("lexicon ", file, " line ", line, ": ", problem));
}

// Calls `handle(line_number, columns)` for every non-comment, non-empty
// line of `text`.
absl::Status ForEachLine(
    absl::string_view text, absl::string_view file,
    const std::function<absl::Status(int, const std::vector<std::string>&)>&
        handle) {
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> columns;
    for (absl::string_view column : absl::StrSplit(line, '\t')) {
      columns.emplace_back(absl::StripAsciiWhitespace(column));
    }
    if (columns[0].empty() || !crm::common::IsValidUtf8(columns[0])) {
      return LineError(file, number, "empty or invalid term");
    }
    CRM_RETURN_IF_ERROR(handle(number, columns));
  }
  return absl::OkStatus();
}

absl::StatusOr<double> Number(absl::string_view file, int line,
                              const std::string& text, double low, double high,
                              bool low_inclusive) {
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || value > high ||
      (low_inclusive ? value < low : value <= low)) {
    return LineError(file, line, "weight out of range");
  }
  return value;
}

// Records how long `term` is, in words and in Han characters.
void Measure(Lexicon& lexicon, const std::string& term) {
  std::vector<TextToken> tokens = TokenizeText(term);
  lexicon.longest_term_words =
      std::max(lexicon.longest_term_words, static_cast<int>(tokens.size()));
  lexicon.longest_han_term_chars =
      std::max(lexicon.longest_han_term_chars,
               static_cast<int>(crm::common::Utf8Length(term)));
}

}  // namespace

bool Lexicon::Knows(absl::string_view term) const {
  const std::string key(term);
  return sentiment.contains(key) || negations.contains(key) ||
         contrasts.contains(key) || degrees.contains(key) ||
         categories.contains(key);
}

absl::StatusOr<Lexicon> ParseLexicon(absl::string_view sentiment_tsv,
                                     absl::string_view modifiers_tsv,
                                     absl::string_view categories_tsv) {
  Lexicon lexicon;
  CRM_RETURN_IF_ERROR(ForEachLine(
      sentiment_tsv, "sentiment.tsv",
      [&](int line, const std::vector<std::string>& columns) -> absl::Status {
        if (columns.size() != 2) return LineError("sentiment.tsv", line, "");
        CRM_ASSIGN_OR_RETURN(double weight, Number("sentiment.tsv", line,
                                                   columns[1], -1, 1, true));
        lexicon.sentiment[columns[0]] = weight;
        Measure(lexicon, columns[0]);
        return absl::OkStatus();
      }));
  CRM_RETURN_IF_ERROR(ForEachLine(
      modifiers_tsv, "modifiers.tsv",
      [&](int line, const std::vector<std::string>& columns) -> absl::Status {
        if (columns.size() == 2 && columns[1] == "negation") {
          lexicon.negations.insert(columns[0]);
        } else if (columns.size() == 2 && columns[1] == "contrast") {
          lexicon.contrasts.insert(columns[0]);
        } else if (columns.size() == 3 && columns[1] == "degree") {
          CRM_ASSIGN_OR_RETURN(
              lexicon.degrees[columns[0]],
              Number("modifiers.tsv", line, columns[2], 0, 3, false));
        } else {
          return LineError("modifiers.tsv", line,
                           "expected negation, contrast or degree <factor>");
        }
        Measure(lexicon, columns[0]);
        return absl::OkStatus();
      }));
  CRM_RETURN_IF_ERROR(ForEachLine(
      categories_tsv, "categories.tsv",
      [&](int line, const std::vector<std::string>& columns) -> absl::Status {
        if (columns.size() != 3 || columns[1].empty()) {
          return LineError("categories.tsv", line,
                           "expected <category> <term> <weight>");
        }
        const std::string& category = columns[0];
        if (category == kOtherCategory) {
          return LineError("categories.tsv", line, "\"other\" is implicit");
        }
        CRM_ASSIGN_OR_RETURN(double weight, Number("categories.tsv", line,
                                                   columns[2], 0, 3, false));
        if (std::find(lexicon.taxonomy.begin(), lexicon.taxonomy.end(),
                      category) == lexicon.taxonomy.end()) {
          lexicon.taxonomy.push_back(category);
        }
        lexicon.categories[columns[1]].push_back({category, weight});
        Measure(lexicon, columns[1]);
        return absl::OkStatus();
      }));
  return lexicon;
}

absl::StatusOr<Lexicon> LoadLexiconDirectory(const std::string& directory) {
  std::string contents[3];
  const char* names[3] = {"sentiment.tsv", "modifiers.tsv", "categories.tsv"};
  for (int i = 0; i < 3; ++i) {
    const std::string path = absl::StrCat(directory, "/", names[i]);
    std::ifstream file(path);
    if (!file) {
      return absl::NotFoundError(absl::StrCat("cannot read lexicon ", path));
    }
    std::ostringstream buffer;
    buffer << file.rdbuf();
    contents[i] = buffer.str();
  }
  return ParseLexicon(contents[0], contents[1], contents[2]);
}

const Lexicon& DefaultLexicon() {
  static const Lexicon* const lexicon = [] {
    const EmbeddedLexiconFiles& files = EmbeddedLexicons();
    absl::StatusOr<Lexicon> parsed =
        ParseLexicon(files.sentiment, files.modifiers, files.categories);
    if (!parsed.ok()) std::abort();
    return new Lexicon(*std::move(parsed));
  }();
  return *lexicon;
}

}  // namespace crm::feedback
