#include "services/customer_profile/core/pii_cipher.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace crm::customer_profile {
namespace {

constexpr unsigned char kFormatVersion = 0x01;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr absl::string_view kWrapInfo = "crm.key-wrap.v1";
constexpr absl::string_view kBlindIndexInfo = "crm.blind-index.v1:";
constexpr absl::string_view kFieldContextLabel = "crm.pii.v1";

using CipherContext =
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status OpenSslError(absl::string_view what) {
  return absl::InternalError(absl::StrCat("OpenSSL ", what, " failed"));
}

absl::Status AuthenticationFailed(absl::string_view what) {
  return absl::DataLossError(absl::StrCat(
      what,
      ": authentication failed (wrong key, wrong associated data or "
      "corrupted data)"));
}

// The algorithms, fetched once: OpenSSL 3 looks an algorithm up by name on
// every initialisation given a legacy EVP_* constant or a name.
const EVP_CIPHER* Aes256Gcm() {
  static const EVP_CIPHER* const fetched =
      EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return fetched != nullptr ? fetched : EVP_aes_256_gcm();
}

EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* const fetched = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return fetched;
}

// An HMAC-SHA256 context keyed with `key`, for BlindIndexKey.
absl::StatusOr<std::shared_ptr<const EVP_MAC_CTX>> NewKeyedHmac(
    const SecretBytes& key) {
  if (HmacAlgorithm() == nullptr) return OpenSslError("HMAC fetch");
  std::shared_ptr<EVP_MAC_CTX> context(EVP_MAC_CTX_new(HmacAlgorithm()),
                                       &EVP_MAC_CTX_free);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  if (context == nullptr ||
      EVP_MAC_init(context.get(), key.data(), key.size(), params) != 1) {
    return OpenSslError("HMAC-SHA256 key");
  }
  return std::shared_ptr<const EVP_MAC_CTX>(std::move(context));
}

bool IsValidKeyId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxKeyIdLength) return false;
  for (char c : id) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!absl::ascii_isalnum(u) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

// HKDF-SHA256(key, salt = "", info) -> 32 bytes.
absl::StatusOr<SecretBytes> DeriveKey(const SecretBytes& key,
                                      absl::string_view info) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
      EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr), &EVP_PKEY_CTX_free);
  SecretBytes out(kPiiKeyBytes);
  size_t out_size = out.size();
  if (context == nullptr || EVP_PKEY_derive_init(context.get()) <= 0 ||
      EVP_PKEY_CTX_set_hkdf_md(context.get(), EVP_sha256()) <= 0 ||
      EVP_PKEY_CTX_set1_hkdf_key(context.get(), key.data(),
                                 static_cast<int>(key.size())) <= 0 ||
      EVP_PKEY_CTX_add1_hkdf_info(context.get(), Bytes(info),
                                  static_cast<int>(info.size())) <= 0 ||
      EVP_PKEY_derive(context.get(), out.data(), &out_size) <= 0 ||
      out_size != kPiiKeyBytes) {
    return OpenSslError("HKDF");
  }
  return out;
}

// Appends nonce | ciphertext | tag to `out`, authenticating `aad1` + `aad2`.
absl::Status SealGcm(const SecretBytes& key, absl::string_view aad1,
                     absl::string_view aad2, const unsigned char* plaintext,
                     size_t plaintext_size, std::string* out) {
  CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  unsigned char nonce[kNonceBytes];
  if (context == nullptr || RAND_bytes(nonce, sizeof(nonce)) != 1) {
    return OpenSslError("random nonce");
  }
  const size_t start = out->size();
  out->resize(start + kNonceBytes + plaintext_size + kTagBytes);
  unsigned char* dest = reinterpret_cast<unsigned char*>(out->data()) + start;
  std::copy(nonce, nonce + kNonceBytes, dest);
  unsigned char* cipher_text = dest + kNonceBytes;
  int length = 0;
  int final_length = 0;
  if (EVP_EncryptInit_ex(context.get(), Aes256Gcm(), nullptr, nullptr,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes,
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(context.get(), nullptr, nullptr, key.data(), nonce) !=
          1 ||
      (!aad1.empty() &&
       EVP_EncryptUpdate(context.get(), nullptr, &length, Bytes(aad1),
                         static_cast<int>(aad1.size())) != 1) ||
      (!aad2.empty() &&
       EVP_EncryptUpdate(context.get(), nullptr, &length, Bytes(aad2),
                         static_cast<int>(aad2.size())) != 1) ||
      EVP_EncryptUpdate(context.get(), cipher_text, &length, plaintext,
                        static_cast<int>(plaintext_size)) != 1 ||
      EVP_EncryptFinal_ex(context.get(), cipher_text + length, &final_length) !=
          1 ||
      static_cast<size_t>(length + final_length) != plaintext_size ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          cipher_text + plaintext_size) != 1) {
    out->resize(start);
    return OpenSslError("AES-256-GCM encryption");
  }
  return absl::OkStatus();
}

// Decrypts `sealed` (nonce | ciphertext | tag) into `plaintext`, which must
// hold sealed.size() - 28 bytes. `what` names the object in errors.
absl::Status OpenGcm(const SecretBytes& key, absl::string_view aad1,
                     absl::string_view aad2, absl::string_view sealed,
                     unsigned char* plaintext, absl::string_view what) {
  if (sealed.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError(absl::StrCat(what, ": truncated"));
  }
  const size_t text_size = sealed.size() - kNonceBytes - kTagBytes;
  const unsigned char* nonce = Bytes(sealed);
  const unsigned char* cipher_text = nonce + kNonceBytes;
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer; copy the tag.
  unsigned char tag[kTagBytes];
  std::copy(cipher_text + text_size, cipher_text + text_size + kTagBytes, tag);
  CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int length = 0;
  int final_length = 0;
  if (context == nullptr ||
      EVP_DecryptInit_ex(context.get(), Aes256Gcm(), nullptr, nullptr,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes,
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(context.get(), nullptr, nullptr, key.data(), nonce) !=
          1 ||
      (!aad1.empty() &&
       EVP_DecryptUpdate(context.get(), nullptr, &length, Bytes(aad1),
                         static_cast<int>(aad1.size())) != 1) ||
      (!aad2.empty() &&
       EVP_DecryptUpdate(context.get(), nullptr, &length, Bytes(aad2),
                         static_cast<int>(aad2.size())) != 1) ||
      EVP_DecryptUpdate(context.get(), plaintext, &length, cipher_text,
                        static_cast<int>(text_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                          tag) != 1) {
    OPENSSL_cleanse(plaintext, text_size);
    return OpenSslError("AES-256-GCM decryption");
  }
  if (EVP_DecryptFinal_ex(context.get(), plaintext + length, &final_length) !=
      1) {
    OPENSSL_cleanse(plaintext, text_size);
    return AuthenticationFailed(what);
  }
  return absl::OkStatus();
}

// Decodes 32 bytes of key material from base64 (standard or URL-safe) or
// 64 hex digits. The decoded temporary is wiped.
absl::StatusOr<SecretBytes> DecodeSecret(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  std::string decoded;
  bool ok = false;
  if (text.size() == 2 * kPiiKeyBytes &&
      std::all_of(text.begin(), text.end(), [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c));
      })) {
    decoded = absl::HexStringToBytes(text);
    ok = true;
  } else {
    ok = absl::Base64Unescape(text, &decoded) ||
         absl::WebSafeBase64Unescape(text, &decoded);
  }
  SecretBytes key;
  if (ok && decoded.size() == kPiiKeyBytes) {
    key = SecretBytes(Bytes(decoded), decoded.size());
  }
  const size_t decoded_size = decoded.size();
  if (!decoded.empty()) OPENSSL_cleanse(decoded.data(), decoded.size());
  if (!ok) {
    return absl::InvalidArgumentError(
        "master key: not valid base64 or 64 hex digits");
  }
  if (key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "master key: must be ", kPiiKeyBytes, " bytes, got ", decoded_size));
  }
  return key;
}

absl::Status CheckDataKey(const DataKey& key) {
  if (key.destroyed()) {
    return absl::FailedPreconditionError("data key has been destroyed");
  }
  return absl::OkStatus();
}

void AppendBigEndian32(uint32_t value, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

// The header of a wrapped key: version | id length | id. Returns the
// header's size, or an error if `wrapped` is malformed.
absl::StatusOr<size_t> ParseWrappedHeader(absl::string_view wrapped,
                                          absl::string_view* key_id) {
  if (wrapped.empty()) {
    return absl::DataLossError("wrapped data key: empty");
  }
  if (static_cast<unsigned char>(wrapped[0]) != kFormatVersion) {
    return absl::DataLossError("wrapped data key: unsupported format version");
  }
  if (wrapped.size() < 2)
    return absl::DataLossError("wrapped data key: truncated");
  const size_t id_size = static_cast<unsigned char>(wrapped[1]);
  const size_t header_size = 2 + id_size;
  if (wrapped.size() != header_size + kNonceBytes + kPiiKeyBytes + kTagBytes) {
    return absl::DataLossError("wrapped data key: wrong length");
  }
  *key_id = wrapped.substr(2, id_size);
  if (!IsValidKeyId(*key_id)) {
    return absl::DataLossError("wrapped data key: malformed key id");
  }
  return header_size;
}

}  // namespace

// ---------------------------------------------------------------- keys

absl::StatusOr<DataKey> NewDataKey() {
  SecretBytes bytes(kPiiKeyBytes);
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return OpenSslError("random data key");
  }
  return DataKey(std::move(bytes));
}

absl::StatusOr<DataKey> DataKey::FromBytes(absl::string_view raw) {
  if (raw.size() != kPiiKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data key: must be ", kPiiKeyBytes, " bytes, got ", raw.size()));
  }
  return DataKey(SecretBytes(Bytes(raw), raw.size()));
}

absl::StatusOr<MasterKey> MasterKey::FromText(absl::string_view key_id,
                                              absl::string_view secret) {
  if (!IsValidKeyId(key_id)) {
    return absl::InvalidArgumentError(
        "master key id: must be 1 to 32 characters of [A-Za-z0-9._-]");
  }
  absl::StatusOr<SecretBytes> key = DecodeSecret(secret);
  if (!key.ok()) return key.status();
  return MasterKey(std::string(key_id), *std::move(key));
}

absl::StatusOr<MasterKey> MasterKey::FromBytes(absl::string_view key_id,
                                               absl::string_view raw) {
  if (!IsValidKeyId(key_id)) {
    return absl::InvalidArgumentError(
        "master key id: must be 1 to 32 characters of [A-Za-z0-9._-]");
  }
  if (raw.size() != kPiiKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "master key: must be ", kPiiKeyBytes, " bytes, got ", raw.size()));
  }
  return MasterKey(std::string(key_id), SecretBytes(Bytes(raw), raw.size()));
}

absl::StatusOr<KeyRing> KeyRing::Parse(absl::string_view spec) {
  std::vector<MasterKey> keys;
  int position = 0;
  for (absl::string_view entry :
       absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    ++position;
    entry = absl::StripAsciiWhitespace(entry);
    const size_t colon = entry.find(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "master key #", position, ": expected <key id>:<secret>"));
    }
    absl::StatusOr<MasterKey> key =
        MasterKey::FromText(absl::StripAsciiWhitespace(entry.substr(0, colon)),
                            entry.substr(colon + 1));
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("master key #", position, ": ", key.status().message()));
    }
    keys.push_back(*std::move(key));
  }
  return Create(std::move(keys));
}

absl::StatusOr<KeyRing> KeyRing::Create(std::vector<MasterKey> keys) {
  if (keys.empty()) {
    return absl::InvalidArgumentError("master keys: none configured");
  }
  std::vector<Entry> entries;
  for (MasterKey& key : keys) {
    for (const Entry& existing : entries) {
      if (existing.id == key.id_) {
        return absl::InvalidArgumentError(
            absl::StrCat("master keys: duplicate key id '", key.id_, "'"));
      }
    }
    absl::StatusOr<SecretBytes> wrapping = DeriveKey(key.key_, kWrapInfo);
    if (!wrapping.ok()) return wrapping.status();
    entries.push_back(
        Entry{key.id_, std::move(key.key_), *std::move(wrapping)});
  }
  return KeyRing(std::move(entries));
}

const KeyRing::Entry* KeyRing::Find(absl::string_view key_id) const {
  for (const Entry& entry : keys_) {
    if (entry.id == key_id) return &entry;
  }
  return nullptr;
}

absl::StatusOr<std::string> KeyRing::WrapDataKey(
    const DataKey& data_key) const {
  if (absl::Status s = CheckDataKey(data_key); !s.ok()) return s;
  const Entry& primary = keys_.front();
  std::string out;
  out.push_back(static_cast<char>(kFormatVersion));
  out.push_back(static_cast<char>(primary.id.size()));
  out.append(primary.id);
  const std::string header = out;
  if (absl::Status s =
          SealGcm(primary.wrapping, header, "", data_key.bytes().data(),
                  data_key.bytes().size(), &out);
      !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<DataKey> KeyRing::UnwrapDataKey(
    absl::string_view wrapped) const {
  absl::string_view key_id;
  absl::StatusOr<size_t> header_size = ParseWrappedHeader(wrapped, &key_id);
  if (!header_size.ok()) return header_size.status();
  const Entry* entry = Find(key_id);
  if (entry == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "wrapped data key: master key '", key_id, "' is not configured"));
  }
  SecretBytes plain(kPiiKeyBytes);
  if (absl::Status s = OpenGcm(entry->wrapping, wrapped.substr(0, *header_size),
                               "", wrapped.substr(*header_size), plain.data(),
                               "wrapped data key");
      !s.ok()) {
    return s;
  }
  return DataKey::FromBytes(absl::string_view(
      reinterpret_cast<const char*>(plain.data()), plain.size()));
}

absl::StatusOr<BlindIndexKey> KeyRing::DeriveBlindIndexKey(
    absl::string_view purpose, absl::string_view key_id) const {
  if (purpose.empty() || purpose.size() > 64) {
    return absl::InvalidArgumentError(
        "blind index purpose: must be 1 to 64 characters");
  }
  const Entry* entry = key_id.empty() ? &keys_.front() : Find(key_id);
  if (entry == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "blind index: master key '", key_id, "' is not configured"));
  }
  absl::StatusOr<SecretBytes> key =
      DeriveKey(entry->master, absl::StrCat(kBlindIndexInfo, purpose));
  if (!key.ok()) return key.status();
  absl::StatusOr<std::shared_ptr<const EVP_MAC_CTX>> keyed = NewKeyedHmac(*key);
  if (!keyed.ok()) return keyed.status();
  return BlindIndexKey(entry->id, std::string(purpose), *std::move(key),
                       *std::move(keyed));
}

absl::StatusOr<std::string> WrappedKeyId(absl::string_view wrapped) {
  absl::string_view key_id;
  absl::StatusOr<size_t> header_size = ParseWrappedHeader(wrapped, &key_id);
  if (!header_size.ok()) return header_size.status();
  return std::string(key_id);
}

// ---------------------------------------------------------------- fields

std::string FieldAssociatedData(absl::string_view customer_id,
                                absl::string_view field_name) {
  std::string out(kFieldContextLabel);
  AppendBigEndian32(static_cast<uint32_t>(customer_id.size()), &out);
  out.append(customer_id.data(), customer_id.size());
  AppendBigEndian32(static_cast<uint32_t>(field_name.size()), &out);
  out.append(field_name.data(), field_name.size());
  return out;
}

absl::StatusOr<std::string> EncryptField(const DataKey& data_key,
                                         absl::string_view plaintext,
                                         absl::string_view associated_data) {
  if (absl::Status s = CheckDataKey(data_key); !s.ok()) return s;
  if (plaintext.size() > kMaxFieldPlaintextBytes) {
    return absl::InvalidArgumentError(
        "encrypted field: plaintext is larger than 16 MiB");
  }
  std::string out(1, static_cast<char>(kFormatVersion));
  const std::string version = out;
  if (absl::Status s = SealGcm(data_key.bytes(), version, associated_data,
                               Bytes(plaintext), plaintext.size(), &out);
      !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<std::string> DecryptField(const DataKey& data_key,
                                         absl::string_view ciphertext,
                                         absl::string_view associated_data) {
  if (absl::Status s = CheckDataKey(data_key); !s.ok()) return s;
  if (ciphertext.empty()) return absl::DataLossError("encrypted field: empty");
  if (static_cast<unsigned char>(ciphertext[0]) != kFormatVersion) {
    return absl::DataLossError("encrypted field: unsupported format version");
  }
  const absl::string_view sealed = ciphertext.substr(1);
  if (sealed.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError("encrypted field: truncated");
  }
  std::string plaintext(sealed.size() - kNonceBytes - kTagBytes, '\0');
  if (absl::Status s =
          OpenGcm(data_key.bytes(), ciphertext.substr(0, 1), associated_data,
                  sealed, reinterpret_cast<unsigned char*>(plaintext.data()),
                  "encrypted field");
      !s.ok()) {
    return s;
  }
  return plaintext;
}

// ---------------------------------------------------------------- index

absl::StatusOr<std::string> BlindIndex(const BlindIndexKey& key,
                                       absl::string_view normalized_value) {
  if (key.bytes().size() != kPiiKeyBytes || key.keyed_hmac_ == nullptr) {
    return absl::FailedPreconditionError("blind index key is empty");
  }
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> context(
      EVP_MAC_CTX_dup(key.keyed_hmac_.get()), &EVP_MAC_CTX_free);
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t out_size = 0;
  if (context == nullptr ||
      EVP_MAC_update(context.get(), Bytes(normalized_value),
                     normalized_value.size()) != 1 ||
      EVP_MAC_final(context.get(), out, &out_size, sizeof(out)) != 1) {
    return OpenSslError("HMAC-SHA256");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(out), out_size));
}

}  // namespace crm::customer_profile
