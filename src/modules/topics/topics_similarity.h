// Near-duplicate topics: MinHash over character shingles of folded text.
//
// A topic's text (title and body) is folded with search::fold (繁→简, full-width→half-width,
// lower case), so 「村口路燈壞了」 and 「村口路灯坏了」 are the same text. Of the folded text only
// letters, digits and CJK characters are kept (punctuation and spaces go), and its shingles
// are the overlapping pairs of characters (character bigrams: Chinese has no spaces, and two
// characters are about a word). The Jaccard similarity of two shingle sets,
// |A ∩ B| / |A ∪ B|, is estimated by a MinHash signature of kMinHashSize slots: slot i holds
// the least h_i(s) over the shingles s, for kMinHashSize independent 32-bit hash functions h_i;
// the fraction of slots on which two signatures agree estimates their Jaccard similarity
// (standard error about sqrt(J(1-J)/128) ≤ 0.045).
//
// Signatures are stored with each topic (hex, topics.minhash), so finding the topics similar
// to a draft is one pass over the organisation's open topics' signatures — thousands of
// comparisons of 128 integers, well under a millisecond per thousand topics. Should an
// organisation gather hundreds of thousands of topics, LSH banding over the same signatures
// would narrow the candidates first.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sl::topics {

inline constexpr int kMinHashSize = 128;
using Signature = std::array<uint32_t, kMinHashSize>;

// At or above: shown as similar while typing and at screening.
inline constexpr double kSimilarThreshold = 0.2;
// At or above: marked as a likely duplicate.
inline constexpr double kDuplicateThreshold = 0.5;

// The shingle hashes of a text (folded here), distinct, unordered. A text of a single kept
// character has that character as its one shingle; an empty one has none.
std::vector<uint64_t> shingles(std::string_view text);
// The signature of a text; an empty text's signature is all 0xFFFFFFFF (similar to nothing).
Signature minhash(std::string_view text);
// Estimated Jaccard similarity in [0, 1]; 0 when either text was empty.
double similarity(const Signature& a, const Signature& b);
// Exact Jaccard similarity of two texts' shingle sets (tests compare the estimate with it).
double jaccard(std::string_view a, std::string_view b);

std::string encode(const Signature& s);  // 1024 hex digits
std::optional<Signature> decode(std::string_view hex);

}  // namespace sl::topics
