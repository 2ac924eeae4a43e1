# Script mode helper for crm_generate_migrations: writes OUT from FILES.
set(body "")
foreach(file ${FILES})
  get_filename_component(name "${file}" NAME_WE)
  string(SUBSTRING "${name}" 0 4 version)
  string(SUBSTRING "${name}" 5 -1 description)
  file(READ "${file}" sql)
  if(sql MATCHES "\\)crm_sql\"")
    message(FATAL_ERROR "${file} contains the embedding delimiter )crm_sql\"")
  endif()
  string(APPEND body "          {\"${version}\", \"${description}\", R\"crm_sql(${sql})crm_sql\"},\n")
endforeach()
string(REGEX MATCH "^(.*)::([A-Za-z_0-9]+)$" _ "${FUNCTION}")
set(namespace "${CMAKE_MATCH_1}")
set(name "${CMAKE_MATCH_2}")
file(WRITE "${OUT}.tmp"
"// Generated from migrations/*.sql by cmake/GenerateMigrations.cmake.\n"
"#include \"services/common/migrations.h\"\n\n"
"namespace ${namespace} {\n\n"
"const crm::common::MigrationSet& ${name}() {\n"
"  static const auto* const kSet = new crm::common::MigrationSet{\n"
"      \"${SET_NAME}\",\n"
"      {\n${body}      }};\n"
"  return *kSet;\n"
"}\n\n"
"}  // namespace ${namespace}\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
