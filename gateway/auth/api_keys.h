// The staff and machine API keys the gateway accepts (header X-API-Key),
// each with its role; kept only as SHA-256 digests.
//
//   absl::StatusOr<ApiKeyStore> keys = ApiKeyStore::Parse(
//       "ops    admin   sha256:5e88...42d8\n"
//       "crm-ui agent   a-long-random-key-of-16+-chars\n"
//       "etl    service sha256:9b74...       "
//       "crm.customerprofile.v1.CustomerProfileService.RecordOrder");
//   const ApiKey* key = keys->Find(header_value);  // null: unknown key
//
// Text format: one key per line (or per `;`-separated entry), `#` starts a
// comment; fields separated by blanks:
//   <id> <role> <key> [<method>,<method>...]
// - id: 1-64 of [A-Za-z0-9._-], unique; what logs and metrics name (the key
//   itself is never logged);
// - role: admin, agent, analyst or service (access_rules.h);
// - key: `sha256:` and the 64 hex digits of the key's SHA-256 (what
//   configuration should hold), or the key itself, at least 16 characters
//   (hashed when parsed);
// - methods: for role service only, and required there: the full names of
//   the methods the key may call, each one with an access rule.
// An entry that breaks a rule is INVALID_ARGUMENT naming its line and id,
// never the key.
#pragma once

#include <set>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/auth/access_rules.h"

namespace crm::gateway::auth {

struct ApiKey {
  std::string id;
  Role role = Role::kAdmin;
  std::set<std::string, std::less<>> methods;  // Role service only.
};

class ApiKeyStore {
 public:
  ApiKeyStore() = default;

  static absl::StatusOr<ApiKeyStore> Parse(absl::string_view text);

  // Adds the entries of `text` (same format); an id or key already present
  // is INVALID_ARGUMENT.
  absl::Status Add(absl::string_view text);

  // The key whose digest is SHA-256(presented), or null.
  const ApiKey* Find(absl::string_view presented) const;

  bool empty() const { return by_digest_.empty(); }
  size_t size() const { return by_digest_.size(); }

 private:
  std::unordered_map<std::string, ApiKey> by_digest_;  // Raw 32 bytes.
  std::set<std::string, std::less<>> ids_;
};

// The 32-byte SHA-256 digest of `data`.
std::string Sha256(absl::string_view data);
// Lower-case hex of `bytes`.
std::string HexOf(absl::string_view bytes);

}  // namespace crm::gateway::auth
