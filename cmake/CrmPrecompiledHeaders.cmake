# Precompiled headers shared by every C++ target of the project.
#
# Nearly every translation unit includes gRPC, protobuf and Abseil, and every
# test also GoogleTest and GoogleMock; parsing those headers is most of a
# compile. Two headers are precompiled once per build tree, and every target
# reuses one of them (REUSE_FROM):
#   crm_pch_runtime  the runtime headers (libraries, services, tools, bench)
#   crm_pch_test     the runtime headers plus GoogleTest and GoogleMock, for
#                    targets that link GTest
# crm_precompile_headers_everywhere() must run after every target is defined.
# CMake compiles every user of a precompiled header with -Winvalid-pch, so a
# header that cannot be reused is reported rather than silently parsed again.
# Configure with -DCRM_PRECOMPILED_HEADERS=OFF to compile without them (for
# example to check that each file includes what it uses).

set(crm_pch_runtime_headers
  <algorithm> <cstdint> <functional> <map> <memory> <optional> <string>
  <utility> <vector>
  <grpcpp/grpcpp.h>
  <google/protobuf/message.h>
  <google/protobuf/util/json_util.h>
  <absl/container/flat_hash_map.h>
  <absl/status/status.h>
  <absl/status/statusor.h>
  <absl/strings/str_cat.h>
  <absl/strings/string_view.h>
  <absl/synchronization/mutex.h>
  <absl/time/time.h>)

add_library(crm_pch_runtime OBJECT "${CMAKE_CURRENT_LIST_DIR}/pch/anchor.cc")
target_link_libraries(crm_pch_runtime PRIVATE gRPC::grpc++ protobuf::libprotobuf
  absl::status absl::statusor absl::strings absl::synchronization absl::time
  absl::flat_hash_map)
target_precompile_headers(crm_pch_runtime PRIVATE ${crm_pch_runtime_headers})

if(CRM_BUILD_TESTS)
  find_package(GTest REQUIRED)
  add_library(crm_pch_test OBJECT "${CMAKE_CURRENT_LIST_DIR}/pch/anchor.cc")
  target_link_libraries(crm_pch_test PRIVATE gRPC::grpc++ protobuf::libprotobuf
    absl::status absl::statusor absl::strings absl::synchronization absl::time
    absl::flat_hash_map GTest::gtest GTest::gmock)
  target_precompile_headers(crm_pch_test PRIVATE ${crm_pch_runtime_headers}
    <gtest/gtest.h> <gmock/gmock.h>)
endif()

include("${CMAKE_CURRENT_LIST_DIR}/CrmTargets.cmake")

function(crm_precompile_headers_everywhere)
  crm_collect_targets("${PROJECT_SOURCE_DIR}" targets)
  foreach(target ${targets})
    if(target MATCHES "^crm_pch_")
      continue()
    endif()
    get_target_property(type ${target} TYPE)
    if(NOT type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$")
      continue()
    endif()
    get_target_property(sources ${target} SOURCES)
    if(NOT sources)
      continue()
    endif()
    get_target_property(libraries ${target} LINK_LIBRARIES)
    if(TARGET crm_pch_test AND libraries MATCHES "GTest::")
      target_precompile_headers(${target} REUSE_FROM crm_pch_test)
    else()
      target_precompile_headers(${target} REUSE_FROM crm_pch_runtime)
    endif()
  endforeach()
endfunction()
