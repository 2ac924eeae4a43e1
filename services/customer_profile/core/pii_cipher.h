// Privacy primitives for personal data at rest (OpenSSL EVP only):
// envelope encryption with per-customer data keys, and blind indexes for
// equality lookups.
//
//   // Start-up: CRM_PII_MASTER_KEYS="k2:<base64 32 bytes>,k1:<hex 32 bytes>"
//   CRM_ASSIGN_OR_RETURN(KeyRing ring, KeyRing::Parse(config_text));
//   CRM_ASSIGN_OR_RETURN(BlindIndexKey email_index,
//                        ring.DeriveBlindIndexKey("email"));
//
//   // New customer: one data key, stored only in wrapped form.
//   CRM_ASSIGN_OR_RETURN(DataKey key, NewDataKey());
//   CRM_ASSIGN_OR_RETURN(std::string wrapped, ring.WrapDataKey(key));
//   CRM_ASSIGN_OR_RETURN(std::string email_ct,
//       EncryptField(key, email, FieldAssociatedData(customer_id, "email")));
//   CRM_ASSIGN_OR_RETURN(std::string email_bidx,
//                        BlindIndex(email_index, email));
//
//   // Read: unwrap, then decrypt with the same (customer id, field).
//   CRM_ASSIGN_OR_RETURN(DataKey key, ring.UnwrapDataKey(wrapped));
//   CRM_ASSIGN_OR_RETURN(std::string email,
//       DecryptField(key, email_ct, FieldAssociatedData(customer_id,
//       "email")));
//
// Key hierarchy. A master key (32 bytes from configuration, with a key id) is
// never used directly: HKDF-SHA256 (RFC 5869, empty salt) derives
//   - the key-wrapping key, info "crm.key-wrap.v1", and
//   - one blind-index key per purpose, info "crm.blind-index.v1:<purpose>",
// so wrapping and indexing keys are independent of each other.
//
// Crypto-shredding. Field ciphertexts can only be decrypted with the
// customer's data key, and that key exists at rest only as the wrapped blob
// from WrapDataKey(). Deleting the wrapped blob (and every backup holding it)
// makes all of the customer's encrypted fields permanently unreadable, even
// to holders of the master key. Blind indexes are keyed hashes of normalised
// values and must be deleted with the record (they allow confirming a guessed
// value, not recovering it). Unwrapped DataKeys must never be persisted or
// logged; they wipe themselves on destruction.
//
// Key rotation. The ring's primary (first) key wraps new data keys; every
// key in the ring unwraps blobs that name its id, so old blobs stay readable
// and can be re-wrapped (WrappedKeyId() != primary_key_id()). Blind indexes
// depend on the key they are derived from: pin it with the `key_id` argument
// of DeriveBlindIndexKey() or recompute indexes after rotating.
//
// Formats (binary; store in VARBINARY/BLOB):
//   wrapped data key: 0x01 | id length (1 byte) | key id | nonce (12) |
//                     encrypted key (32) | tag (16); the bytes before the
//                     nonce are authenticated as associated data.
//   encrypted field:  0x01 | nonce (12) | ciphertext | tag (16); associated
//                     data = 0x01 | caller's associated data.
// Nonces are random (96 bits) for every encryption, so equal plaintexts give
// different ciphertexts.
//
// Errors: INVALID_ARGUMENT for bad configuration or arguments;
// DATA_LOSS when a blob is malformed or fails authentication (tampered, wrong
// key, wrong associated data); FAILED_PRECONDITION for a wrapped key naming a
// key id the ring does not hold, or a destroyed data key; INTERNAL when
// OpenSSL fails. Messages never contain key material or plaintext.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/customer_profile/core/secret_bytes.h"

namespace crm::customer_profile {

inline constexpr size_t kPiiKeyBytes = 32;
inline constexpr size_t kMaxKeyIdLength = 32;
inline constexpr size_t kMaxFieldPlaintextBytes = 16 * 1024 * 1024;

// A per-customer AES-256 key. Move-only; wiped on destruction or Destroy().
class DataKey {
 public:
  // A key from exactly 32 raw bytes (tests, migrations).
  static absl::StatusOr<DataKey> FromBytes(absl::string_view raw);

  DataKey(DataKey&&) noexcept = default;
  DataKey& operator=(DataKey&&) noexcept = default;
  DataKey(const DataKey&) = delete;
  DataKey& operator=(const DataKey&) = delete;

  // Wipes the key now; later use fails with FAILED_PRECONDITION.
  void Destroy() { bytes_.Clear(); }
  bool destroyed() const { return bytes_.size() != kPiiKeyBytes; }

  // Raw key bytes, for this library's own use.
  const SecretBytes& bytes() const { return bytes_; }

 private:
  friend absl::StatusOr<DataKey> NewDataKey();
  explicit DataKey(SecretBytes bytes) : bytes_(std::move(bytes)) {}
  SecretBytes bytes_;
};

// 32 bytes from OpenSSL's CSPRNG.
absl::StatusOr<DataKey> NewDataKey();

// A master key with its id, e.g. "k1" or "2024-06". Copyable; every copy
// wipes its own buffers.
class MasterKey {
 public:
  // `key_id`: 1..32 characters of [A-Za-z0-9._-]. `secret`: 32 bytes written
  // as standard or URL-safe base64 (padding optional) or as 64 hex digits;
  // surrounding whitespace is ignored.
  static absl::StatusOr<MasterKey> FromText(absl::string_view key_id,
                                            absl::string_view secret);
  static absl::StatusOr<MasterKey> FromBytes(absl::string_view key_id,
                                             absl::string_view raw);

  const std::string& id() const { return id_; }

 private:
  friend class KeyRing;
  MasterKey(std::string id, SecretBytes key)
      : id_(std::move(id)), key_(std::move(key)) {}
  std::string id_;
  SecretBytes key_;
};

// HMAC-SHA256 key for one blind index (e.g. "email").
class BlindIndexKey {
 public:
  const std::string& master_key_id() const { return master_key_id_; }
  const std::string& purpose() const { return purpose_; }
  const SecretBytes& bytes() const { return key_; }

 private:
  friend class KeyRing;
  friend absl::StatusOr<std::string> BlindIndex(const BlindIndexKey& key,
                                                absl::string_view value);
  BlindIndexKey(std::string master_key_id, std::string purpose, SecretBytes key,
                std::shared_ptr<const EVP_MAC_CTX> keyed_hmac)
      : master_key_id_(std::move(master_key_id)),
        purpose_(std::move(purpose)),
        key_(std::move(key)),
        keyed_hmac_(std::move(keyed_hmac)) {}
  std::string master_key_id_;
  std::string purpose_;
  SecretBytes key_;
  // HMAC-SHA256 already keyed with key_: each index starts from a copy of
  // it (copies of the key share it; it is never changed).
  std::shared_ptr<const EVP_MAC_CTX> keyed_hmac_;
};

// The configured master keys; the first is the primary. Immutable and
// thread-safe once built.
class KeyRing {
 public:
  // `spec` is a comma-separated list of `<key id>:<secret>` (see
  // MasterKey::FromText), primary first. INVALID_ARGUMENT naming the entry
  // (by position and id, never the secret) when one is malformed, and on
  // duplicate ids or an empty list.
  static absl::StatusOr<KeyRing> Parse(absl::string_view spec);
  static absl::StatusOr<KeyRing> Create(std::vector<MasterKey> keys);

  const std::string& primary_key_id() const { return keys_.front().id; }

  // Wraps `data_key` with AES-256-GCM under the primary key.
  absl::StatusOr<std::string> WrapDataKey(const DataKey& data_key) const;

  // Recovers a data key from WrapDataKey()'s output with whichever ring key
  // the blob names.
  absl::StatusOr<DataKey> UnwrapDataKey(absl::string_view wrapped) const;

  // The blind-index key for `purpose` (1..64 characters, e.g. "email",
  // "phone"), derived from master key `key_id` (empty: the primary).
  absl::StatusOr<BlindIndexKey> DeriveBlindIndexKey(
      absl::string_view purpose, absl::string_view key_id = "") const;

 private:
  struct Entry {
    std::string id;
    SecretBytes master;
    SecretBytes wrapping;
  };
  explicit KeyRing(std::vector<Entry> keys) : keys_(std::move(keys)) {}
  const Entry* Find(absl::string_view key_id) const;

  std::vector<Entry> keys_;
};

// The master key id a wrapped data key names (for rotation); DATA_LOSS if
// the blob is malformed.
absl::StatusOr<std::string> WrappedKeyId(absl::string_view wrapped);

// An unambiguous encoding of (customer id, field name) for use as associated
// data, so a ciphertext only decrypts in the row and column it was written
// for: "crm.pii.v1" then each part preceded by its 4-byte big-endian length.
std::string FieldAssociatedData(absl::string_view customer_id,
                                absl::string_view field_name);

// AES-256-GCM encryption of `plaintext` (at most 16 MiB) under `data_key`.
absl::StatusOr<std::string> EncryptField(const DataKey& data_key,
                                         absl::string_view plaintext,
                                         absl::string_view associated_data);

// The plaintext of EncryptField()'s output; DATA_LOSS unless the key and the
// associated data are the ones it was encrypted with and no byte changed.
absl::StatusOr<std::string> DecryptField(const DataKey& data_key,
                                         absl::string_view ciphertext,
                                         absl::string_view associated_data);

// HMAC-SHA256 of `normalized_value` under `key` as 64 lower-case hex digits.
// Deterministic for a key; normalise values first (StandardizeEmail, E.164)
// so that equal values index equally.
absl::StatusOr<std::string> BlindIndex(const BlindIndexKey& key,
                                       absl::string_view normalized_value);

}  // namespace crm::customer_profile
