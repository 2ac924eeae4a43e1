#include "services/feedback/text_tokenizer.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace crm::feedback {
namespace {

// This thread's word break iterator (creating one loads ICU's dictionaries'
// rules, far slower than reusing it).
icu::BreakIterator& WordIterator() {
  thread_local std::unique_ptr<icu::BreakIterator> iterator = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> created(
        icu::BreakIterator::createWordInstance(icu::Locale("zh"), status));
    // ICU's data is part of the library; failing here is a broken install.
    if (U_FAILURE(status) || created == nullptr) std::abort();
    return created;
  }();
  return *iterator;
}

bool IsHan(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  return uscript_getScript(c, &status) == USCRIPT_HAN && U_SUCCESS(status);
}

}  // namespace

bool IsClauseBreak(char32_t c) {
  switch (c) {
    case '.':
    case ',':
    case '!':
    case '?':
    case ';':
    case ':':
    case '\n':
    case U'\u3002':  // 。
    case U'\uFF0C':  // ，
    case U'\u3001':  // 、
    case U'\uFF01':  // ！
    case U'\uFF1F':  // ？
    case U'\uFF1B':  // ；
    case U'\uFF1A':  // ：
    case U'\uFF0E':  // ．
    case U'\u2026':  // …
      return true;
    default:
      return false;
  }
}

std::vector<TextToken> TokenizeText(absl::string_view text) {
  std::vector<TextToken> tokens;
  icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::BreakIterator& words = WordIterator();
  words.setText(unicode);
  int32_t start = words.first();
  for (int32_t end = words.next(); end != icu::BreakIterator::DONE;
       start = end, end = words.next()) {
    const int32_t status = words.getRuleStatus();
    if (status >= UBRK_WORD_NONE && status < UBRK_WORD_NONE_LIMIT) {
      // Spaces and punctuation: keep only a clause break (once in a row).
      for (int32_t i = start; i < end; i = unicode.moveIndex32(i, 1)) {
        if (IsClauseBreak(static_cast<char32_t>(unicode.char32At(i)))) {
          if (!tokens.empty() && !tokens.back().clause_end) {
            tokens.push_back(
                TextToken{.text = {}, .han = false, .clause_end = true});
          }
          break;
        }
      }
      continue;
    }
    icu::UnicodeString word(unicode, start, end - start);
    TextToken token;
    token.han = IsHan(word.char32At(0));
    word.toLower(icu::Locale::getRoot());
    word.toUTF8String(token.text);
    tokens.push_back(std::move(token));
  }
  return tokens;
}

}  // namespace crm::feedback
