#include "core/random.h"

#include <sodium.h>

#include <stdexcept>
#include <vector>

#include "core/encoding.h"

namespace sl {

namespace {
struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
  }
};
}  // namespace

void SecureRandom::fill(void* buf, size_t n) {
  static SodiumInit init;
  randombytes_buf(buf, n);
}

std::string Random::token(size_t n) {
  std::string b(n, '\0');
  fill(b.data(), n);
  return base64url_encode(b);
}

uint32_t Random::uniform(uint32_t upper_bound) {
  if (upper_bound < 2) return 0;
  // Rejection sampling for an unbiased result.
  uint32_t min = static_cast<uint32_t>(-upper_bound) % upper_bound;
  for (;;) {
    uint32_t r;
    fill(&r, sizeof r);
    if (r >= min) return r % upper_bound;
  }
}

std::string Random::digits(int digits) {
  std::string s;
  s.reserve(digits);
  for (int i = 0; i < digits; ++i) s.push_back(static_cast<char>('0' + uniform(10)));
  return s;
}

}  // namespace sl
