# crm_generate_migrations(<out_var> <set_name> <function> <dir>)
#   Generates a .cc (path returned in <out_var>) that compiles every
#   <dir>/NNNN_description.sql into
#     const crm::common::MigrationSet& <function>();
#   where <function> is qualified, e.g. crm::loyalty::Migrations.
#
# crm_embed_migrations(<target> <set_name> <function> <dir>)
#   The same, as a static library <target> linked to crm_common.
#
# Binaries carry their schema with them: there are no files to ship beside
# them, and the Kubernetes migration Job runs the same binary.
function(crm_generate_migrations out_var set_name function dir)
  file(GLOB sql_files CONFIGURE_DEPENDS "${dir}/[0-9][0-9][0-9][0-9]_*.sql")
  list(SORT sql_files)
  string(MAKE_C_IDENTIFIER "${set_name}" id)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${id}_migrations_embedded.cc")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND}
      -DOUT=${out} -DSET_NAME=${set_name} -DFUNCTION=${function}
      "-DFILES=${sql_files}"
      -P "${PROJECT_SOURCE_DIR}/cmake/GenerateMigrations.cmake"
    DEPENDS ${sql_files} "${PROJECT_SOURCE_DIR}/cmake/GenerateMigrations.cmake"
    COMMENT "Embedding migrations of ${set_name}"
    VERBATIM)
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

function(crm_embed_migrations target set_name function dir)
  crm_generate_migrations(generated "${set_name}" "${function}" "${dir}")
  add_library(${target} STATIC "${generated}")
  target_link_libraries(${target} PUBLIC crm_common)
endfunction()
