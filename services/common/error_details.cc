#include "services/common/error_details.h"

#include <optional>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/rpc/error_details.pb.h"

namespace crm::common {
namespace {

namespace v1t = ::crm::type::v1;

constexpr absl::string_view kTypeUrlPrefix = "type.googleapis.com/";

std::string TypeUrlOf(const google::protobuf::Message& message) {
  return absl::StrCat(kTypeUrlPrefix, message.GetDescriptor()->full_name());
}

template <typename Message>
std::optional<Message> PayloadOf(const absl::Status& status) {
  Message message;
  absl::optional<absl::Cord> payload = status.GetPayload(TypeUrlOf(message));
  if (!payload.has_value()) return std::nullopt;
  if (!message.ParseFromString(std::string(*payload))) return std::nullopt;
  return message;
}

void SetPayloadMessage(absl::Status& status,
                       const google::protobuf::Message& message) {
  status.SetPayload(TypeUrlOf(message),
                    absl::Cord(message.SerializeAsString()));
}

absl::Mutex domain_mu(absl::kConstInit);
std::string* domain ABSL_GUARDED_BY(domain_mu) = nullptr;

absl::Status FieldError(absl::StatusCode code, ErrorReason reason,
                        absl::string_view field,
                        absl::string_view description) {
  absl::Status status(code, absl::StrCat(field, ": ", description));
  status = ErrorWithReason(std::move(status), reason, {{"field", field}});
  return WithFieldViolation(std::move(status), field, description);
}

}  // namespace

absl::Status ErrorWithReason(absl::Status status, ErrorReason reason,
                             ErrorMetadata metadata) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(v1t::ErrorReason_Name(reason));
  for (const auto& [key, value] : metadata) {
    (*info.mutable_metadata())[std::string(key)] = std::string(value);
  }
  SetPayloadMessage(status, info);
  return status;
}

absl::Status WithFieldViolation(absl::Status status, absl::string_view field,
                                absl::string_view description) {
  if (status.ok()) return status;
  google::rpc::BadRequest request =
      PayloadOf<google::rpc::BadRequest>(status).value_or(
          google::rpc::BadRequest());
  google::rpc::BadRequest::FieldViolation* violation =
      request.add_field_violations();
  violation->set_field(std::string(field));
  violation->set_description(std::string(description));
  SetPayloadMessage(status, request);
  return status;
}

ErrorReason ReasonOf(const absl::Status& status) {
  if (status.ok()) return v1t::ERROR_REASON_UNSPECIFIED;
  std::optional<google::rpc::ErrorInfo> info =
      PayloadOf<google::rpc::ErrorInfo>(status);
  ErrorReason reason = v1t::ERROR_REASON_UNSPECIFIED;
  if (info.has_value() && v1t::ErrorReason_Parse(info->reason(), &reason)) {
    return reason;
  }
  return v1t::ERROR_REASON_UNSPECIFIED;
}

std::map<std::string, std::string> ErrorMetadataOf(const absl::Status& status) {
  std::map<std::string, std::string> metadata;
  std::optional<google::rpc::ErrorInfo> info =
      PayloadOf<google::rpc::ErrorInfo>(status);
  if (info.has_value()) {
    metadata.insert(info->metadata().begin(), info->metadata().end());
  }
  return metadata;
}

std::vector<std::pair<std::string, std::string>> FieldViolationsOf(
    const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> violations;
  std::optional<google::rpc::BadRequest> request =
      PayloadOf<google::rpc::BadRequest>(status);
  if (!request.has_value()) return violations;
  for (const auto& violation : request->field_violations()) {
    violations.emplace_back(violation.field(), violation.description());
  }
  return violations;
}

ErrorReason DefaultReasonFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return v1t::FIELD_INVALID;
    case absl::StatusCode::kNotFound:
      return v1t::RESOURCE_NOT_FOUND;
    case absl::StatusCode::kAlreadyExists:
      return v1t::RESOURCE_ALREADY_EXISTS;
    case absl::StatusCode::kAborted:
      return v1t::CONCURRENCY_CONFLICT;
    case absl::StatusCode::kFailedPrecondition:
      return v1t::RESOURCE_STATE_CONFLICT;
    case absl::StatusCode::kUnavailable:
      return v1t::DATABASE_UNAVAILABLE;
    case absl::StatusCode::kDeadlineExceeded:
      return v1t::REQUEST_DEADLINE_EXCEEDED;
    case absl::StatusCode::kCancelled:
      return v1t::REQUEST_CANCELLED;
    default:
      return v1t::INTERNAL_ERROR;
  }
}

absl::Status InvalidFieldError(absl::string_view field,
                               absl::string_view description) {
  return FieldError(absl::StatusCode::kInvalidArgument, v1t::FIELD_INVALID,
                    field, description);
}

absl::Status RequiredFieldError(absl::string_view field) {
  return FieldError(absl::StatusCode::kInvalidArgument, v1t::FIELD_REQUIRED,
                    field, "required");
}

absl::Status ImmutableFieldError(absl::string_view field,
                                 absl::string_view description) {
  return FieldError(absl::StatusCode::kInvalidArgument, v1t::FIELD_IMMUTABLE,
                    field, description);
}

absl::Status NotFoundError(absl::string_view resource) {
  return ErrorWithReason(
      absl::NotFoundError(absl::StrCat(resource, " not found")),
      v1t::RESOURCE_NOT_FOUND, {{"resource", resource}});
}

absl::Status AlreadyExistsError(absl::string_view resource,
                                absl::string_view message) {
  return ErrorWithReason(absl::AlreadyExistsError(message),
                         v1t::RESOURCE_ALREADY_EXISTS,
                         {{"resource", resource}});
}

absl::Status EtagMismatchError(absl::string_view resource) {
  absl::Status status = ErrorWithReason(
      absl::AbortedError(absl::StrCat(
          resource, ": etag does not match the stored resource; re-read it")),
      v1t::ETAG_MISMATCH, {{"resource", resource}, {"field", "etag"}});
  return WithFieldViolation(std::move(status), "etag",
                            "does not match the stored resource");
}

absl::Status StateConflictError(absl::string_view resource,
                                absl::string_view message, ErrorReason reason) {
  return ErrorWithReason(absl::FailedPreconditionError(message), reason,
                         {{"resource", resource}});
}

void SetErrorDomain(absl::string_view new_domain) {
  absl::MutexLock lock(&domain_mu);
  delete domain;
  domain = new std::string(new_domain);
}

absl::string_view ErrorDomain() {
  absl::MutexLock lock(&domain_mu);
  // The string is replaced only before serving, so the view stays valid.
  return domain == nullptr ? absl::string_view("crm") : *domain;
}

google::rpc::Status ToRpcStatus(const absl::Status& status) {
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(std::string(status.message()));
  if (status.ok()) return rpc_status;

  google::rpc::ErrorInfo info =
      PayloadOf<google::rpc::ErrorInfo>(status).value_or(
          google::rpc::ErrorInfo());
  ErrorReason reason = v1t::ERROR_REASON_UNSPECIFIED;
  if (!v1t::ErrorReason_Parse(info.reason(), &reason) ||
      reason == v1t::ERROR_REASON_UNSPECIFIED) {
    info.set_reason(v1t::ErrorReason_Name(DefaultReasonFor(status.code())));
  }
  if (info.domain().empty()) info.set_domain(std::string(ErrorDomain()));
  rpc_status.add_details()->PackFrom(info);

  std::optional<google::rpc::BadRequest> request =
      PayloadOf<google::rpc::BadRequest>(status);
  if (request.has_value() && request->field_violations_size() > 0) {
    rpc_status.add_details()->PackFrom(*request);
  }
  return rpc_status;
}

absl::Status FromRpcStatus(const google::rpc::Status& rpc_status) {
  if (rpc_status.code() == 0) return absl::OkStatus();
  int code = rpc_status.code();
  if (code < 0 || code > 16)
    code = static_cast<int>(absl::StatusCode::kUnknown);
  absl::Status status(static_cast<absl::StatusCode>(code),
                      rpc_status.message());
  for (const google::protobuf::Any& detail : rpc_status.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest request;
    if (detail.UnpackTo(&info)) {
      SetPayloadMessage(status, info);
    } else if (detail.UnpackTo(&request)) {
      SetPayloadMessage(status, request);
    }
  }
  return status;
}

absl::Status CanonicalStatus(const absl::Status& status) {
  const int code = static_cast<int>(status.code());
  if (code > 0 && code <= kMaxCanonicalCode) return status;
  absl::Status canonical(absl::StatusCode::kUnknown, status.message());
  status.ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& payload) {
        canonical.SetPayload(type_url, payload);
      });
  return canonical;
}

}  // namespace crm::common
