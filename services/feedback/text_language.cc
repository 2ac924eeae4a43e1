#include "services/feedback/text_language.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <cstdint>

namespace crm::feedback {

v1::Feedback::Language DetectTextLanguage(absl::string_view text) {
  int64_t han = 0;
  int64_t latin = 0;
  int64_t letters = 0;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t offset = 0;
  while (offset < length) {
    UChar32 c;
    U8_NEXT(bytes, offset, length, c);
    if (c < 0 || !u_isalpha(c)) continue;
    ++letters;
    UErrorCode error = U_ZERO_ERROR;
    const UScriptCode script = uscript_getScript(c, &error);
    if (U_FAILURE(error)) continue;
    if (script == USCRIPT_HAN) ++han;
    if (script == USCRIPT_LATIN) ++latin;
  }
  if (letters == 0) return v1::Feedback::LANGUAGE_UNSPECIFIED;
  if (han * 5 >= letters && latin * 5 >= letters) return v1::Feedback::MIXED;
  if (han >= latin && han * 2 >= letters) return v1::Feedback::CHINESE;
  if (latin > han && latin * 2 >= letters) return v1::Feedback::ENGLISH;
  return v1::Feedback::OTHER;
}

}  // namespace crm::feedback
