// Splits feedback text into words with ICU's word break iterator: Chinese by
// ICU's dictionary-based segmentation, English (and other scripts) by the
// Unicode word rules. Local: no network service.
//
//   std::vector<TextToken> tokens = TokenizeText("配送太慢了, not happy");
//   // 配送 | 太 | 慢 | 了 | <clause end> | not | happy
//
// Words are lower-cased (ICU's root-locale case mapping). White space
// between words is dropped; punctuation that ends a clause (。，！？；,.!?;
// and the like, see IsClauseBreak) becomes a token with clause_end set;
// other punctuation and symbols are dropped. Invalid UTF-8 is replaced
// (U+FFFD) by ICU, so callers should validate first. Thread-safe (each
// thread keeps its own iterator).
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace crm::feedback {

struct TextToken {
  std::string text;         // UTF-8, lower case; empty for a clause end.
  bool han = false;         // The word is made of Han characters.
  bool clause_end = false;  // Punctuation ending a clause.
};

std::vector<TextToken> TokenizeText(absl::string_view text);

// True for the characters that end a clause: . , ! ? ; : and their
// full-width and CJK forms (。，、！？；：), and line breaks.
bool IsClauseBreak(char32_t code_point);

}  // namespace crm::feedback
