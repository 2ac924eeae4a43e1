// FilterError for the fuzz build: the same code and message as
// services/common/filter/filter_error.cc without the google.rpc details, so
// the fuzzer needs neither protobuf nor the generated protos.
#include "absl/strings/str_cat.h"
#include "services/common/filter/filter_error.h"

namespace crm::common::filter {

absl::Status FilterError(int column, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("filter: at column ", column, ": ", message));
}

}  // namespace crm::common::filter
