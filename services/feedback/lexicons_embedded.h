// The lexicon files of services/feedback/lexicons/, compiled into the binary
// by EmbedLexicons.cmake (the generated lexicons_embedded.cc). Read them
// through DefaultLexicon() (text_lexicon.h).
#pragma once

#include "absl/strings/string_view.h"

namespace crm::feedback {

struct EmbeddedLexiconFiles {
  absl::string_view sentiment;
  absl::string_view modifiers;
  absl::string_view categories;
};

const EmbeddedLexiconFiles& EmbeddedLexicons();

}  // namespace crm::feedback
