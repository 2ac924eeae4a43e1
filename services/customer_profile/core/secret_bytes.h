// A byte buffer for key material that is wiped (OPENSSL_cleanse) when it is
// destroyed, cleared or overwritten. Copies are independent and each wipes
// itself; moves leave the source empty. Never logged or printed.
//
//   SecretBytes key(32);
//   if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) ...;
//   key.Clear();  // wiped now rather than at scope exit
#pragma once

#include <openssl/crypto.h>

#include <cstddef>
#include <utility>
#include <vector>

namespace crm::customer_profile {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t size) : bytes_(size, 0) {}
  SecretBytes(const unsigned char* data, size_t size)
      : bytes_(data, data + size) {}

  SecretBytes(const SecretBytes& other) : bytes_(other.bytes_) {}
  SecretBytes(SecretBytes&& other) noexcept
      : bytes_(std::exchange(other.bytes_, {})) {}
  SecretBytes& operator=(const SecretBytes& other) {
    if (this != &other) {
      Clear();
      bytes_ = other.bytes_;
    }
    return *this;
  }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      Clear();
      bytes_ = std::exchange(other.bytes_, {});
    }
    return *this;
  }
  ~SecretBytes() { Clear(); }

  unsigned char* data() { return bytes_.data(); }
  const unsigned char* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

  // Wipes the bytes and releases the buffer; size() becomes 0.
  void Clear() {
    if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
    bytes_.clear();
    bytes_.shrink_to_fit();
  }

 private:
  std::vector<unsigned char> bytes_;
};

}  // namespace crm::customer_profile
