# Unity builds of the project's libraries.
#
# A library's sources are compiled in batches: CMake writes one file per
# batch that includes CRM_UNITY_BATCH_SIZE of them, so the headers, templates
# and inline functions they share are parsed, instantiated and code-generated
# once per batch instead of once per file. On the sanitizer tree, loyalty's
# eight largest sources took a third of their file-by-file compile CPU time
# as one batch (bench/README.md, "Build time").
#
# The sources of one batch share a translation unit, so names at namespace
# scope (anonymous namespaces included) must not repeat across the files of
# one library; the build fails when they do. Configure with
# -DCRM_UNITY_BUILD=OFF to compile file by file (for example to check that
# each file includes what it uses). Executables, and libraries of generated
# protobuf code (protoc defines the same file-scope names in every file), stay
# file by file.
# crm_unity_build_libraries() must run after every target is defined.

include("${CMAKE_CURRENT_LIST_DIR}/CrmTargets.cmake")

set(CRM_UNITY_BATCH_SIZE 8 CACHE STRING
    "Source files per unity batch of a library")

function(crm_unity_build_libraries)
  crm_collect_targets("${PROJECT_SOURCE_DIR}" targets)
  foreach(target ${targets})
    if(target MATCHES "^crm_pch_")
      continue()
    endif()
    get_target_property(type ${target} TYPE)
    if(NOT type MATCHES "^(STATIC_LIBRARY|OBJECT_LIBRARY)$")
      continue()
    endif()
    get_target_property(sources ${target} SOURCES)
    # protoc's output defines the same file-scope names in every file.
    if(sources MATCHES "\\.pb\\.cc")
      continue()
    endif()
    list(FILTER sources INCLUDE REGEX "\\.cc$")
    list(LENGTH sources source_count)
    if(source_count LESS 3)
      continue()
    endif()
    set_target_properties(${target} PROPERTIES
      UNITY_BUILD ON
      UNITY_BUILD_BATCH_SIZE ${CRM_UNITY_BATCH_SIZE})
  endforeach()
endfunction()
