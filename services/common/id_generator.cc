#include "services/common/id_generator.h"

#include <openssl/rand.h>

#include <random>
#include <string>

#include "absl/strings/str_format.h"

namespace crm::common {
namespace {

constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr int kAlphabetSize = 36;
constexpr int kIdLength = 20;
// Bytes at or above this are rejected so that every character is equally
// likely (252 = 7 * 36).
constexpr int kUnbiasedLimit = 252;

// Fills `buffer` with cryptographically secure random bytes.
void SecureRandomBytes(unsigned char* buffer, int size) {
  if (RAND_bytes(buffer, size) == 1) return;
  // OpenSSL could not seed itself; std::random_device reads the kernel's
  // CSPRNG on Linux.
  thread_local std::random_device device;
  for (int i = 0; i < size; ++i) {
    buffer[i] = static_cast<unsigned char>(device() & 0xff);
  }
}

}  // namespace

std::string RandomIdGenerator::NewId() const {
  std::string id;
  id.reserve(kIdLength);
  unsigned char buffer[32];
  while (static_cast<int>(id.size()) < kIdLength) {
    SecureRandomBytes(buffer, sizeof(buffer));
    for (unsigned char byte : buffer) {
      if (byte >= kUnbiasedLimit) continue;
      id.push_back(kAlphabet[byte % kAlphabetSize]);
      if (static_cast<int>(id.size()) == kIdLength) break;
    }
  }
  return id;
}

const RandomIdGenerator& RandomIdGenerator::Instance() {
  static const RandomIdGenerator* const instance = new RandomIdGenerator();
  return *instance;
}

std::string SequentialIdGenerator::NewId() const {
  long long n;
  {
    absl::MutexLock lock(&mu_);
    n = next_++;
  }
  return absl::StrFormat("%s%010d", prefix_, n);
}

}  // namespace crm::common
