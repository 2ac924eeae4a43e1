# cmake -DOUT=<file.cc> -DDIR=<lexicon dir> -P EmbedLexicons.cmake
# Writes lexicons_embedded.cc: the three lexicon files as raw string literals
# behind crm::feedback::EmbeddedLexicons() (lexicons_embedded.h).
set(delimiter "crm_lexicon")
set(body "// Generated from ${DIR} by EmbedLexicons.cmake; do not edit.\n")
string(APPEND body "#include \"services/feedback/lexicons_embedded.h\"\n\n")
string(APPEND body "namespace crm::feedback {\n\n")
string(APPEND body "const EmbeddedLexiconFiles& EmbeddedLexicons() {\n")
string(APPEND body "  static const EmbeddedLexiconFiles files{\n")
foreach(name sentiment modifiers categories)
  file(READ "${DIR}/${name}.tsv" contents)
  string(FIND "${contents}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${name}.tsv contains the raw string delimiter")
  endif()
  string(APPEND body "      R\"${delimiter}(${contents})${delimiter}\",\n")
endforeach()
string(APPEND body "  };\n  return files;\n}\n\n}  // namespace crm::feedback\n")
file(WRITE "${OUT}" "${body}")
