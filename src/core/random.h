// Cryptographically secure randomness (libsodium) behind an interface.
#pragma once

#include <cstdint>
#include <string>

namespace sl {

class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(void* buf, size_t n) = 0;
  // n random bytes, base64url without padding.
  std::string token(size_t n = 32);
  // A decimal code of `digits` digits, uniform.
  std::string digits(int digits);
  uint32_t uniform(uint32_t upper_bound);
};

class SecureRandom final : public Random {
 public:
  void fill(void* buf, size_t n) override;
};

}  // namespace sl
