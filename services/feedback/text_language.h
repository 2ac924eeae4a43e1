// Which language a feedback text is in, from the scripts of its letters.
//
//   DetectTextLanguage("配送太慢了")        // CHINESE
//   DetectTextLanguage("App keeps crashing") // ENGLISH
//   DetectTextLanguage("客服 very rude")     // MIXED
//
// Counts the letters (ICU's u_isalpha) by script: Han counts as Chinese,
// Latin as English. No letters: LANGUAGE_UNSPECIFIED. Both Chinese and
// English at least a fifth of the letters each: MIXED. Otherwise the
// language of the larger count if it is at least half of the letters, else
// OTHER. Invalid UTF-8 is skipped byte by byte (callers validate first).
#pragma once

#include "absl/strings/string_view.h"
#include "crm/feedback/v1/feedback.pb.h"

namespace crm::feedback {

crm::feedback::v1::Feedback::Language DetectTextLanguage(
    absl::string_view text);

}  // namespace crm::feedback
