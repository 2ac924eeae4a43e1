// Opaque etags derived from a row's version counter (AIP-154).
//
//   customer.set_etag(EncodeEtag(version));
//   CRM_ASSIGN_OR_RETURN(int64_t expected, DecodeEtag(request.etag()));
//   ... UPDATE ... WHERE id = ? AND version = ?   (0 rows -> ABORTED)
//
// Clients must treat etags as opaque strings and only send them back.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::common {

std::string EncodeEtag(int64_t version);

// The version inside an etag made by EncodeEtag(); INVALID_ARGUMENT naming
// `etag` for anything else.
absl::StatusOr<int64_t> DecodeEtag(absl::string_view etag);

}  // namespace crm::common
