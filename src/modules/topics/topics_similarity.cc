#include "modules/topics/topics_similarity.h"

#include <algorithm>
#include <unordered_set>

#include "modules/search/search.h"

namespace sl::topics {

namespace {

// Decodes one UTF-8 code point at s[i], advancing i; invalid bytes become U+FFFD (dropped later).
uint32_t next_cp(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += len;
  return cp;
}

// Letters, digits and CJK characters count; punctuation, symbols and spaces do not.
bool kept(uint32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  if (cp == 0xFFFD) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;  // general punctuation, arrows, symbols, boxes
  if (cp >= 0x3000 && cp <= 0x303F) return false;  // CJK punctuation
  if (cp >= 0xFE10 && cp <= 0xFE6F) return false;  // vertical and small forms
  if (cp >= 0xFF00 && cp <= 0xFF0F) return false;  // full-width punctuation (fold leaves few)
  if (cp >= 0x00A0 && cp <= 0x00BF) return false;  // Latin-1 punctuation
  return true;
}

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Seeds of the hash functions: fixed, so stored signatures stay comparable across releases.
const std::array<uint64_t, kMinHashSize>& seeds() {
  static const auto s = [] {
    std::array<uint64_t, kMinHashSize> a{};
    uint64_t x = 0x5348414E474C49ull;  // "SHANGLI"
    for (auto& v : a) v = x = splitmix(x);
    return a;
  }();
  return s;
}

}  // namespace

std::vector<uint64_t> shingles(std::string_view text) {
  const std::string folded = search::fold(text);
  std::vector<uint32_t> cps;
  for (size_t i = 0; i < folded.size();) {
    uint32_t cp = next_cp(folded, i);
    if (kept(cp)) cps.push_back(cp);
  }
  std::unordered_set<uint64_t> out;
  if (cps.size() == 1) out.insert(splitmix(cps[0]));
  for (size_t i = 0; i + 1 < cps.size(); ++i) out.insert(splitmix((uint64_t{cps[i]} << 32) | cps[i + 1]));
  return {out.begin(), out.end()};
}

Signature minhash(std::string_view text) {
  Signature sig;
  sig.fill(0xFFFFFFFFu);
  const auto& sd = seeds();
  for (uint64_t h : shingles(text))
    for (int i = 0; i < kMinHashSize; ++i) sig[i] = std::min(sig[i], static_cast<uint32_t>(splitmix(h ^ sd[i]) >> 32));
  return sig;
}

double similarity(const Signature& a, const Signature& b) {
  auto empty = [](const Signature& s) {
    return std::all_of(s.begin(), s.end(), [](uint32_t v) { return v == 0xFFFFFFFFu; });
  };
  if (empty(a) || empty(b)) return 0;
  int same = 0;
  for (int i = 0; i < kMinHashSize; ++i) same += a[i] == b[i];
  return static_cast<double>(same) / kMinHashSize;
}

double jaccard(std::string_view a, std::string_view b) {
  auto sa = shingles(a), sb = shingles(b);
  if (sa.empty() || sb.empty()) return 0;
  std::unordered_set<uint64_t> setb(sb.begin(), sb.end());
  size_t both = 0;
  for (uint64_t h : sa) both += setb.count(h);
  return static_cast<double>(both) / static_cast<double>(sa.size() + sb.size() - both);
}

std::string encode(const Signature& s) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(kMinHashSize * 8);
  for (uint32_t v : s)
    for (int k = 7; k >= 0; --k) out.push_back(kHex[(v >> (4 * k)) & 0xF]);
  return out;
}

std::optional<Signature> decode(std::string_view hex) {
  if (hex.size() != kMinHashSize * 8) return std::nullopt;
  Signature s{};
  for (int i = 0; i < kMinHashSize; ++i) {
    uint32_t v = 0;
    for (int k = 0; k < 8; ++k) {
      char c = hex[i * 8 + k];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = (v << 4) | static_cast<uint32_t>(d);
    }
    s[i] = v;
  }
  return s;
}

}  // namespace sl::topics
