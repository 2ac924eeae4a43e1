#include "gateway/auth/api_keys.h"

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace crm::gateway::auth {
namespace {

constexpr size_t kMinKeyLength = 16;
constexpr char kDigestPrefix[] = "sha256:";

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

absl::Status EntryError(int line, absl::string_view id, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("API key entry ", line,
                   id.empty() ? "" : absl::StrCat(" (", id, ")"), ": ", why));
}

// The digest a configured key stands for: decoded from `sha256:<hex>`, or
// computed from the key itself.
absl::StatusOr<std::string> DigestOf(absl::string_view key, int line,
                                     absl::string_view id) {
  if (absl::ConsumePrefix(&key, kDigestPrefix)) {
    if (key.size() != 64) {
      return EntryError(line, id, "sha256: needs 64 hex digits");
    }
    for (char c : key) {
      if (!absl::ascii_isxdigit(c)) {
        return EntryError(line, id, "sha256: needs 64 hex digits");
      }
    }
    return absl::HexStringToBytes(absl::AsciiStrToLower(key));
  }
  if (key.size() < kMinKeyLength) {
    return EntryError(
        line, id,
        absl::StrCat("a key needs at least ", kMinKeyLength, " characters"));
  }
  return Sha256(key);
}

}  // namespace

std::string Sha256(absl::string_view data) {
  // Fetched once (EVP_sha256() looks the implementation up on every
  // digest), with one context per thread: a digest per request.
  static const EVP_MD* const kSha256 = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
      EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (context == nullptr ||
      EVP_DigestInit_ex(context.get(), kSha256, nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest, &size) != 1) {
    EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string HexOf(absl::string_view bytes) {
  return absl::BytesToHexString(bytes);
}

absl::StatusOr<ApiKeyStore> ApiKeyStore::Parse(absl::string_view text) {
  ApiKeyStore store;
  if (absl::Status added = store.Add(text); !added.ok()) return added;
  return store;
}

absl::Status ApiKeyStore::Add(absl::string_view text) {
  int line = 0;
  for (absl::string_view entry : absl::StrSplit(text, absl::ByAnyChar("\n;"))) {
    ++line;
    if (size_t hash = entry.find('#'); hash != absl::string_view::npos) {
      entry = entry.substr(0, hash);
    }
    std::vector<absl::string_view> fields =
        absl::StrSplit(entry, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (fields.empty()) continue;
    if (fields.size() < 3 || fields.size() > 4) {
      return EntryError(line, "", "expected <id> <role> <key> [<methods>]");
    }
    const absl::string_view id = fields[0];
    if (!IsValidId(id)) {
      return EntryError(line, "", "the id must be 1-64 of [A-Za-z0-9._-]");
    }
    if (ids_.count(id) > 0) return EntryError(line, id, "duplicate id");
    ApiKey key;
    key.id = std::string(id);
    if (!ParseRole(fields[1], &key.role)) {
      return EntryError(line, id,
                        "the role must be admin, agent, analyst or service");
    }
    absl::StatusOr<std::string> digest = DigestOf(fields[2], line, id);
    if (!digest.ok()) return digest.status();
    if (key.role == Role::kService) {
      if (fields.size() < 4) {
        return EntryError(line, id, "a service key needs its methods");
      }
      for (absl::string_view method :
           absl::StrSplit(fields[3], ',', absl::SkipEmpty())) {
        if (FindAccessRule(method) == nullptr) {
          return EntryError(line, id,
                            absl::StrCat("no method ", method, " is served"));
        }
        key.methods.emplace(method);
      }
    } else if (fields.size() == 4) {
      return EntryError(line, id, "only service keys name methods");
    }
    if (by_digest_.count(*digest) > 0) {
      return EntryError(line, id, "the same key is configured twice");
    }
    ids_.insert(key.id);
    by_digest_.emplace(*std::move(digest), std::move(key));
  }
  return absl::OkStatus();
}

const ApiKey* ApiKeyStore::Find(absl::string_view presented) const {
  if (presented.empty() || by_digest_.empty()) return nullptr;
  auto it = by_digest_.find(Sha256(presented));
  return it == by_digest_.end() ? nullptr : &it->second;
}

}  // namespace crm::gateway::auth
