#include "services/common/page_token.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/error_details.h"
#include "services/common/sha256.h"

namespace crm::common {
namespace {

// Token bytes (before base64url without padding):
//   version (1 byte, kTokenVersion)
//   varint length + sort_key
//   varint length + id
//   8 bytes: SHA-256 prefix of the query fingerprint
//   4 bytes: SHA-256 prefix of all the bytes above (detects corruption)
constexpr char kTokenVersion = 1;
constexpr size_t kQueryHashBytes = 8;
constexpr size_t kCheckBytes = 4;
constexpr size_t kMaxTokenLength = 4096;
constexpr uint64_t kMaxFieldLength = 1024;

std::string HashPrefix(absl::string_view data, size_t bytes) {
  return absl::HexStringToBytes(internal::Sha256Hex(data).substr(0, 2 * bytes));
}

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// Reads a varint from the front of `in`; nullopt if truncated or too long.
std::optional<uint64_t> ReadVarint(absl::string_view* in) {
  uint64_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (in->empty()) return std::nullopt;
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

std::optional<std::string> ReadField(absl::string_view* in) {
  std::optional<uint64_t> length = ReadVarint(in);
  if (!length.has_value() || *length > kMaxFieldLength ||
      *length > in->size()) {
    return std::nullopt;
  }
  std::string field(in->substr(0, *length));
  in->remove_prefix(*length);
  return field;
}

absl::Status PageTokenError(absl::string_view description) {
  return ErrorWithReason(InvalidFieldError("page_token", description),
                         ::crm::type::v1::PAGE_TOKEN_INVALID,
                         {{"field", "page_token"}});
}

absl::Status Malformed() {
  return PageTokenError(
      "is invalid; pass the next_page_token of a previous response "
      "unchanged");
}

}  // namespace

absl::StatusOr<int> NormalizePageSize(int requested, int default_size,
                                      int max_size) {
  if (requested < 0) {
    return InvalidFieldError("page_size", "must not be negative");
  }
  if (requested == 0) return default_size < max_size ? default_size : max_size;
  return requested > max_size ? max_size : requested;
}

std::string EncodePageToken(const PageCursor& cursor,
                            absl::string_view query_fingerprint) {
  std::string bytes(1, kTokenVersion);
  AppendVarint(cursor.sort_key.size(), &bytes);
  bytes.append(cursor.sort_key);
  AppendVarint(cursor.id.size(), &bytes);
  bytes.append(cursor.id);
  bytes.append(HashPrefix(query_fingerprint, kQueryHashBytes));
  bytes.append(HashPrefix(bytes, kCheckBytes));
  std::string token;
  absl::WebSafeBase64Escape(bytes, &token);
  return token;
}

absl::StatusOr<PageCursor> DecodePageToken(
    absl::string_view token, absl::string_view query_fingerprint) {
  if (token.empty() || token.size() > kMaxTokenLength) return Malformed();
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(token, &bytes)) return Malformed();
  // Only the canonical spelling is accepted (no padding, no stray bits).
  if (absl::WebSafeBase64Escape(bytes) != token) return Malformed();
  if (bytes.size() < 1 + kQueryHashBytes + kCheckBytes) return Malformed();

  absl::string_view body(bytes.data(), bytes.size() - kCheckBytes);
  if (HashPrefix(body, kCheckBytes) !=
      absl::string_view(bytes).substr(body.size())) {
    return Malformed();
  }
  if (body.front() != kTokenVersion) return Malformed();
  body.remove_prefix(1);
  std::optional<std::string> sort_key = ReadField(&body);
  if (!sort_key.has_value()) return Malformed();
  std::optional<std::string> id = ReadField(&body);
  if (!id.has_value()) return Malformed();
  if (body.size() != kQueryHashBytes) return Malformed();
  if (body != HashPrefix(query_fingerprint, kQueryHashBytes)) {
    return PageTokenError(
        "was issued for a different query; keep the filter, order and parent "
        "of the request that returned it");
  }
  return PageCursor{*std::move(sort_key), *std::move(id)};
}

}  // namespace crm::common
