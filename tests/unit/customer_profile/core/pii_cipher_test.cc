#include "services/customer_profile/core/pii_cipher.h"

#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

// Test keys: 32 bytes each, written in hex and in base64.
const std::string kKeyA = std::string(32, '\x11');
const std::string kKeyB = std::string(32, '\x22');

std::string Hex(const std::string& raw) { return absl::BytesToHexString(raw); }
std::string Base64(const std::string& raw) { return absl::Base64Escape(raw); }

KeyRing RingOf(absl::string_view spec) {
  absl::StatusOr<KeyRing> ring = KeyRing::Parse(spec);
  EXPECT_THAT(ring, IsOk());
  return *std::move(ring);
}

bool IsTamperStatus(const absl::Status& status) {
  return status.code() == absl::StatusCode::kDataLoss ||
         status.code() == absl::StatusCode::kFailedPrecondition;
}

TEST(MasterKeyTest, AcceptsBase64AndHexOf32Bytes) {
  EXPECT_THAT(MasterKey::FromText("k1", Base64(kKeyA)), IsOk());
  EXPECT_THAT(MasterKey::FromText("k1", absl::WebSafeBase64Escape(kKeyA)),
              IsOk());
  EXPECT_THAT(MasterKey::FromText("k1", " " + Hex(kKeyA) + "\n"), IsOk());
  CRM_ASSERT_OK_AND_ASSIGN(MasterKey key,
                           MasterKey::FromText("2024-06.a_b", Hex(kKeyA)));
  EXPECT_EQ(key.id(), "2024-06.a_b");
}

TEST(MasterKeyTest, RejectsWrongLengthWithoutEchoingTheSecret) {
  const std::string short_key = Base64(std::string(16, '\x5A'));
  absl::StatusOr<MasterKey> key = MasterKey::FromText("k1", short_key);
  EXPECT_THAT(key, StatusIs(absl::StatusCode::kInvalidArgument,
                            HasSubstr("must be 32 bytes, got 16")));
  EXPECT_THAT(std::string(key.status().message()), Not(HasSubstr(short_key)));
  EXPECT_THAT(MasterKey::FromText("k1", "not base64 !!"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      MasterKey::FromText("bad id", Hex(kKeyA)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key id")));
  EXPECT_THAT(MasterKey::FromBytes("k1", std::string(31, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(KeyRingTest, ParsesSpecsAndRejectsBadOnes) {
  KeyRing ring =
      RingOf(absl::StrCat("k2:", Base64(kKeyB), ", k1:", Hex(kKeyA)));
  EXPECT_EQ(ring.primary_key_id(), "k2");
  EXPECT_THAT(KeyRing::Parse(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("none")));
  EXPECT_THAT(KeyRing::Parse(Hex(kKeyA)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("#1: expected <key id>:<secret>")));
  EXPECT_THAT(
      KeyRing::Parse(absl::StrCat("k1:", Hex(kKeyA), ",k1:", Hex(kKeyB))),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate")));
  absl::StatusOr<KeyRing> bad =
      KeyRing::Parse(absl::StrCat("k1:", Hex(kKeyA), ",k2:abcd"));
  EXPECT_THAT(bad,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("#2")));
  EXPECT_THAT(std::string(bad.status().message()), Not(HasSubstr(Hex(kKeyA))));
}

TEST(DataKeyTest, WrapUnwrapRoundTrip) {
  KeyRing ring = RingOf("k1:" + Hex(kKeyA));
  CRM_ASSERT_OK_AND_ASSIGN(DataKey key, NewDataKey());
  CRM_ASSERT_OK_AND_ASSIGN(std::string wrapped, ring.WrapDataKey(key));
  EXPECT_EQ(wrapped.size(), 1 + 1 + 2 + 12 + 32 + 16u);
  EXPECT_THAT(WrappedKeyId(wrapped), IsOk());
  EXPECT_EQ(*WrappedKeyId(wrapped), "k1");
  CRM_ASSERT_OK_AND_ASSIGN(DataKey unwrapped, ring.UnwrapDataKey(wrapped));
  ASSERT_EQ(unwrapped.bytes().size(), 32u);
  EXPECT_TRUE(std::equal(key.bytes().data(), key.bytes().data() + 32,
                         unwrapped.bytes().data()));
  // The wrapped form does not contain the key in the clear.
  const std::string raw(reinterpret_cast<const char*>(key.bytes().data()), 32);
  EXPECT_EQ(wrapped.find(raw), std::string::npos);
}

TEST(DataKeyTest, NewKeysAreRandom) {
  CRM_ASSERT_OK_AND_ASSIGN(DataKey a, NewDataKey());
  CRM_ASSERT_OK_AND_ASSIGN(DataKey b, NewDataKey());
  EXPECT_FALSE(
      std::equal(a.bytes().data(), a.bytes().data() + 32, b.bytes().data()));
}

TEST(DataKeyTest, AnyTamperedByteOfAWrappedKeyFailsCleanly) {
  KeyRing ring = RingOf("k1:" + Hex(kKeyA));
  CRM_ASSERT_OK_AND_ASSIGN(DataKey key, NewDataKey());
  CRM_ASSERT_OK_AND_ASSIGN(std::string wrapped, ring.WrapDataKey(key));
  for (size_t i = 0; i < wrapped.size(); ++i) {
    for (unsigned char flip : {0x01, 0x80}) {
      std::string tampered = wrapped;
      tampered[i] = static_cast<char>(tampered[i] ^ flip);
      absl::StatusOr<DataKey> result = ring.UnwrapDataKey(tampered);
      ASSERT_FALSE(result.ok()) << "byte " << i;
      EXPECT_TRUE(IsTamperStatus(result.status())) << result.status();
    }
  }
  EXPECT_THAT(ring.UnwrapDataKey(wrapped.substr(0, wrapped.size() - 1)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(ring.UnwrapDataKey(wrapped + "x"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(ring.UnwrapDataKey(""), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(DataKeyTest, WrongMasterKeyCannotUnwrap) {
  KeyRing ring_a = RingOf("k1:" + Hex(kKeyA));
  KeyRing ring_b = RingOf("k1:" + Hex(kKeyB));  // same id, other secret
  KeyRing ring_c = RingOf("k9:" + Hex(kKeyA));  // other id
  CRM_ASSERT_OK_AND_ASSIGN(DataKey key, NewDataKey());
  CRM_ASSERT_OK_AND_ASSIGN(std::string wrapped, ring_a.WrapDataKey(key));
  EXPECT_THAT(ring_b.UnwrapDataKey(wrapped),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("authentication failed")));
  EXPECT_THAT(ring_c.UnwrapDataKey(wrapped),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("'k1' is not configured")));
}

TEST(DataKeyTest, RotationKeepsOldBlobsReadable) {
  KeyRing old_ring = RingOf("k1:" + Hex(kKeyA));
  KeyRing new_ring = RingOf("k2:" + Hex(kKeyB) + ",k1:" + Hex(kKeyA));
  CRM_ASSERT_OK_AND_ASSIGN(DataKey key, NewDataKey());
  CRM_ASSERT_OK_AND_ASSIGN(std::string old_blob, old_ring.WrapDataKey(key));
  CRM_ASSERT_OK_AND_ASSIGN(DataKey recovered, new_ring.UnwrapDataKey(old_blob));
  CRM_ASSERT_OK_AND_ASSIGN(std::string new_blob,
                           new_ring.WrapDataKey(recovered));
  EXPECT_EQ(*WrappedKeyId(new_blob), "k2");
  EXPECT_THAT(old_ring.UnwrapDataKey(new_blob),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(FieldCipherTest, RoundTripIncludingChineseAndEmpty) {
  CRM_ASSERT_OK_AND_ASSIGN(DataKey key, NewDataKey());
  const std::string aad = FieldAssociatedData("c-123", "given_name");
  for (const std::string& plaintext :
       {std::string("alice@example.com"), std::string("\xE7\x8E\x8B"),
        std::string(), std::string(100000, 'z'), std::string("a\0b", 3)}) {
    CRM_ASSERT_OK_AND_ASSIGN(std::string ciphertext,
                             EncryptField(key, plaintext, aad));
    EXPECT_EQ(ciphertext.size(), plaintext.size() + 29);
    if (!plaintext.empty()) {
      EXPECT_EQ(ciphertext.find(plaintext), std::string::npos);
    }
    CRM_ASSERT_OK_AND_ASSIGN(std::string decrypted,
                             DecryptField(key, ciphertext, aad));
    EXPECT_EQ(decrypted, plaintext);
  }
}

TEST(FieldCipherTest, EqualPlaintextsGiveDifferentCiphertexts) {
  CRM_ASSERT_OK_AND_ASSIGN(DataKey key, NewDataKey());
  const std::string aad = FieldAssociatedData("c-1", "email");
  CRM_ASSERT_OK_AND_ASSIGN(std::string a, EncryptField(key, "x@y.cn", aad));
  CRM_ASSERT_OK_AND_ASSIGN(std::string b, EncryptField(key, "x@y.cn", aad));
  EXPECT_NE(a, b);
  EXPECT_NE(a.substr(1, 12), b.substr(1, 12));  // different nonces
}

TEST(FieldCipherTest, WrongAssociatedDataFails) {
  CRM_ASSERT_OK_AND_ASSIGN(DataKey key, NewDataKey());
  CRM_ASSERT_OK_AND_ASSIGN(
      std::string ciphertext,
      EncryptField(key, "13800138000", FieldAssociatedData("c-1", "phone")));
  // Moved to another customer's row or another column.
  EXPECT_THAT(
      DecryptField(key, ciphertext, FieldAssociatedData("c-2", "phone")),
      StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(
      DecryptField(key, ciphertext, FieldAssociatedData("c-1", "email")),
      StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(DecryptField(key, ciphertext, ""),
              StatusIs(absl::StatusCode::kDataLoss));
  // The encoding is unambiguous: shifting bytes between the parts changes it.
  EXPECT_NE(FieldAssociatedData("ab", "c"), FieldAssociatedData("a", "bc"));
}

TEST(FieldCipherTest, AnyTamperedByteFails) {
  CRM_ASSERT_OK_AND_ASSIGN(DataKey key, NewDataKey());
  const std::string aad = FieldAssociatedData("c-1", "email");
  CRM_ASSERT_OK_AND_ASSIGN(std::string ciphertext,
                           EncryptField(key, "li.lei@example.cn", aad));
  for (size_t i = 0; i < ciphertext.size(); ++i) {
    std::string tampered = ciphertext;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x04);
    EXPECT_THAT(DecryptField(key, tampered, aad),
                StatusIs(absl::StatusCode::kDataLoss))
        << "byte " << i;
  }
  for (size_t length = 0; length < ciphertext.size(); ++length) {
    EXPECT_THAT(DecryptField(key, ciphertext.substr(0, length), aad),
                StatusIs(absl::StatusCode::kDataLoss))
        << "length " << length;
  }
}

TEST(FieldCipherTest, OtherDataKeyFails) {
  CRM_ASSERT_OK_AND_ASSIGN(DataKey key, NewDataKey());
  CRM_ASSERT_OK_AND_ASSIGN(DataKey other, NewDataKey());
  const std::string aad = FieldAssociatedData("c-1", "email");
  CRM_ASSERT_OK_AND_ASSIGN(std::string ciphertext,
                           EncryptField(key, "a@b.cn", aad));
  absl::StatusOr<std::string> result = DecryptField(other, ciphertext, aad);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(std::string(result.status().message()), Not(HasSubstr("a@b")));
}

TEST(CryptoShreddingTest, DestroyedKeyMakesFieldsUnreadable) {
  KeyRing ring = RingOf("k1:" + Hex(kKeyA));
  const std::string aad = FieldAssociatedData("c-7", "email");
  std::string wrapped;
  std::string ciphertext;
  {
    CRM_ASSERT_OK_AND_ASSIGN(DataKey key, NewDataKey());
    CRM_ASSERT_OK_AND_ASSIGN(wrapped, ring.WrapDataKey(key));
    CRM_ASSERT_OK_AND_ASSIGN(ciphertext,
                             EncryptField(key, "erase.me@example.cn", aad));
    key.Destroy();
    EXPECT_TRUE(key.destroyed());
    EXPECT_EQ(key.bytes().size(), 0u);
    EXPECT_THAT(EncryptField(key, "x", aad),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(DecryptField(key, ciphertext, aad),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(ring.WrapDataKey(key),
                StatusIs(absl::StatusCode::kFailedPrecondition));
  }
  // Before erasure the stored blob still opens the field.
  {
    CRM_ASSERT_OK_AND_ASSIGN(DataKey key, ring.UnwrapDataKey(wrapped));
    EXPECT_THAT(DecryptField(key, ciphertext, aad), IsOk());
  }
  // Erasure deletes the wrapped key: nothing the service still holds (the
  // ring, a fresh key, the master key itself used as a data key) opens it.
  wrapped.clear();
  EXPECT_THAT(ring.UnwrapDataKey(wrapped),
              StatusIs(absl::StatusCode::kDataLoss));
  CRM_ASSERT_OK_AND_ASSIGN(DataKey fresh, NewDataKey());
  EXPECT_THAT(DecryptField(fresh, ciphertext, aad),
              StatusIs(absl::StatusCode::kDataLoss));
  CRM_ASSERT_OK_AND_ASSIGN(DataKey master_as_data, DataKey::FromBytes(kKeyA));
  EXPECT_THAT(DecryptField(master_as_data, ciphertext, aad),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(SecretBytesTest, ClearWipesAndMoveEmptiesTheSource) {
  SecretBytes secret(reinterpret_cast<const unsigned char*>("abcd"), 4);
  SecretBytes copy = secret;
  SecretBytes moved = std::move(secret);
  EXPECT_EQ(secret.size(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(moved.size(), 4u);
  copy.Clear();
  EXPECT_TRUE(copy.empty());
  EXPECT_EQ(moved.data()[0], 'a');
}

TEST(BlindIndexTest, DeterministicPerKeyAndPurpose) {
  KeyRing ring_a = RingOf("k1:" + Hex(kKeyA));
  KeyRing ring_b = RingOf("k1:" + Hex(kKeyB));
  CRM_ASSERT_OK_AND_ASSIGN(BlindIndexKey email_a,
                           ring_a.DeriveBlindIndexKey("email"));
  CRM_ASSERT_OK_AND_ASSIGN(BlindIndexKey email_a2,
                           ring_a.DeriveBlindIndexKey("email"));
  CRM_ASSERT_OK_AND_ASSIGN(BlindIndexKey phone_a,
                           ring_a.DeriveBlindIndexKey("phone"));
  CRM_ASSERT_OK_AND_ASSIGN(BlindIndexKey email_b,
                           ring_b.DeriveBlindIndexKey("email"));
  EXPECT_EQ(email_a.master_key_id(), "k1");
  EXPECT_EQ(email_a.purpose(), "email");

  CRM_ASSERT_OK_AND_ASSIGN(std::string x1, BlindIndex(email_a, "a@b.cn"));
  CRM_ASSERT_OK_AND_ASSIGN(std::string x2, BlindIndex(email_a2, "a@b.cn"));
  CRM_ASSERT_OK_AND_ASSIGN(std::string other_value,
                           BlindIndex(email_a, "a@c.cn"));
  CRM_ASSERT_OK_AND_ASSIGN(std::string other_purpose,
                           BlindIndex(phone_a, "a@b.cn"));
  CRM_ASSERT_OK_AND_ASSIGN(std::string other_key,
                           BlindIndex(email_b, "a@b.cn"));
  EXPECT_EQ(x1, x2);
  EXPECT_EQ(x1.size(), 64u);
  EXPECT_EQ(x1.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(x1, other_value);
  EXPECT_NE(x1, other_purpose);
  EXPECT_NE(x1, other_key);
}

TEST(BlindIndexTest, IndexKeyIsNotTheMasterOrWrappingKey) {
  // HMAC under the raw master key must differ from the blind index: the
  // index key is derived (HKDF) rather than the master key itself.
  KeyRing ring = RingOf("k1:" + Hex(kKeyA));
  CRM_ASSERT_OK_AND_ASSIGN(BlindIndexKey index,
                           ring.DeriveBlindIndexKey("email"));
  ASSERT_EQ(index.bytes().size(), 32u);
  const std::string derived(reinterpret_cast<const char*>(index.bytes().data()),
                            32);
  EXPECT_NE(derived, kKeyA);
  // Known answer, computed independently (Python hmac/hashlib) from the
  // documented derivation: HKDF-SHA256(master, salt "", info
  // "crm.blind-index.v1:email") then HMAC-SHA256 of the value.
  EXPECT_EQ(*BlindIndex(index, "a@b.cn"),
            "8d0bf743e1f9b0fe236383852cb26be8a399e16130407dbdcf0e2aff082c5298");
  KeyRing same = RingOf("other:" + Base64(kKeyA));
  CRM_ASSERT_OK_AND_ASSIGN(BlindIndexKey again,
                           same.DeriveBlindIndexKey("email"));
  EXPECT_EQ(*BlindIndex(index, "v"), *BlindIndex(again, "v"));
}

TEST(BlindIndexTest, CopiesOfAKeyIndexAlikeFromManyThreads) {
  // A key and its copies share one keyed HMAC state, which every index
  // starts from and none may change.
  KeyRing ring = RingOf("k1:" + Hex(kKeyA));
  CRM_ASSERT_OK_AND_ASSIGN(BlindIndexKey index,
                           ring.DeriveBlindIndexKey("email"));
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    CRM_ASSERT_OK_AND_ASSIGN(std::string one,
                             BlindIndex(index, absl::StrCat("v", i)));
    expected.push_back(one);
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t, copy = index]() {
      for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 200; ++i) {
          absl::StatusOr<std::string> again =
              BlindIndex(t % 2 == 0 ? copy : index, absl::StrCat("v", i));
          if (!again.ok() || *again != expected[i]) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(mismatches, ::testing::Each(0));
  EXPECT_EQ(expected[0], *BlindIndex(index, "v0"));
  EXPECT_NE(expected[0], expected[1]);
}

TEST(BlindIndexTest, PinnedKeySurvivesRotation) {
  KeyRing before = RingOf("k1:" + Hex(kKeyA));
  KeyRing after = RingOf("k2:" + Hex(kKeyB) + ",k1:" + Hex(kKeyA));
  CRM_ASSERT_OK_AND_ASSIGN(BlindIndexKey old_index,
                           before.DeriveBlindIndexKey("email"));
  CRM_ASSERT_OK_AND_ASSIGN(BlindIndexKey pinned,
                           after.DeriveBlindIndexKey("email", "k1"));
  CRM_ASSERT_OK_AND_ASSIGN(BlindIndexKey primary,
                           after.DeriveBlindIndexKey("email"));
  EXPECT_EQ(*BlindIndex(old_index, "a@b.cn"), *BlindIndex(pinned, "a@b.cn"));
  EXPECT_NE(*BlindIndex(old_index, "a@b.cn"), *BlindIndex(primary, "a@b.cn"));
  EXPECT_THAT(after.DeriveBlindIndexKey("email", "k7"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(after.DeriveBlindIndexKey(""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace crm::customer_profile
