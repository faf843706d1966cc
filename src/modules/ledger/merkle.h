// RFC 9162 (Certificate Transparency v2) Merkle tree: hashes, proofs and their verification.
//
// Pure code: the tree's node hashes come from the caller through a NodeSource, which is asked
// only for hashes of complete, aligned subtrees (the ones storage keeps). Proof generation
// asks it for O(log n) nodes; nothing here iterates over leaves.
//
// Node naming: (level, index) is the complete subtree of 2^level leaves
// [index * 2^level, (index + 1) * 2^level). Level 0 nodes are leaf hashes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sl::ledger {

using Hash = std::array<uint8_t, 32>;

Hash leaf_hash(std::string_view entry);               // SHA-256(0x00 || entry)
Hash node_hash(const Hash& left, const Hash& right);  // SHA-256(0x01 || left || right)
Hash empty_root();                                    // SHA-256("") (root of the empty tree)
// SHA-256(a || b || c), thread-safe and without OpenSSL's per-call algorithm lookup.
Hash sha256_of(std::string_view a, std::string_view b = {}, std::string_view c = {});

std::string to_base64(const Hash&);                       // standard base64 (RFC 4648 §4), padded
Result<Hash> hash_from_base64(std::string_view);          // exactly 32 bytes, canonical encoding
std::string to_hex(const Hash&);                          // lowercase

// Standard base64 (RFC 4648 §4, with padding), as signed notes and checkpoints use it.
// Decoding is strict: length a multiple of 4, padding only at the end, no whitespace, and
// unused trailing bits must be zero (so every byte string has exactly one accepted encoding).
std::string base64_encode(std::span<const uint8_t> bytes);
std::string base64_encode(std::string_view bytes);
Result<std::vector<uint8_t>> base64_decode(std::string_view text);

// Hash of the complete, aligned subtree of 2^level leaves starting at leaf index*2^level.
// Provided by the caller (from storage); only asked for subtrees fully inside the tree.
using NodeSource = std::function<Result<Hash>(int level, uint64_t index)>;

// A complete, aligned subtree, named as above.
struct NodeId {
  int level;
  uint64_t index;
  bool operator==(const NodeId&) const = default;
};

// MTH(D[0:size]); empty_root() for size 0. Fetches popcount(size) nodes.
Result<Hash> root_at(uint64_t size, const NodeSource& nodes);

// MTH(D[begin:end]) for a range that is an RFC 9162 subtree: begin must be a multiple of the
// largest power of two <= end - begin (every subtree that appears in a proof or in the
// recursive definition of MTH has this form). begin == end gives empty_root().
Result<Hash> range_hash(uint64_t begin, uint64_t end, const NodeSource& nodes);

// RFC 9162 §2.1.3.1 PATH(index, D[0:size]), ordered from the leaf's sibling upward.
// Error if index >= size.
Result<std::vector<Hash>> inclusion_proof(uint64_t index, uint64_t size, const NodeSource& nodes);

// RFC 9162 §2.1.4.1 PROOF(size1, D[0:size2]). Empty for size1 == size2 (> 0).
// Error if size1 == 0 (a proof from the empty tree is meaningless) or size1 > size2.
Result<std::vector<Hash>> consistency_proof(uint64_t size1, uint64_t size2, const NodeSource& nodes);

// Exactly the nodes inclusion_proof / consistency_proof ask their NodeSource for, in the order
// they ask (same errors), so a caller can fetch them all at once before building the proof.
// About 2·log2(size) nodes.
Result<std::vector<NodeId>> inclusion_nodes(uint64_t index, uint64_t size);
Result<std::vector<NodeId>> consistency_nodes(uint64_t size1, uint64_t size2);

// RFC 9162 §2.1.3.2. Error if index >= size, the proof has the wrong length, or the
// computed root differs from `root`.
Status verify_inclusion(uint64_t index, uint64_t size, const Hash& leaf, const std::vector<Hash>& proof,
                        const Hash& root);

// RFC 9162 §2.1.4.2 for 0 < size1 < size2. For size1 == size2 the proof must be empty and the
// roots equal. size1 == 0 and size1 > size2 are always errors (as in transparency-dev/merkle).
Status verify_consistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                          const std::vector<Hash>& proof);

// Incremental building: the right edge of the tree (one hash per set bit of size).
class CompactRange {
 public:
  struct Node {
    int level;
    uint64_t index;
    Hash hash;
  };

  CompactRange() = default;

  // Appends a leaf hash; returns every complete subtree node that became complete, leaf first
  // (level 0), then upward.
  std::vector<Node> append(const Hash& leaf);

  uint64_t size() const { return size_; }
  Hash root() const;  // root of [0,size) (empty_root() for 0)

  // The right-edge hashes, largest subtree first (one per set bit of size()).
  const std::vector<Hash>& edge() const { return edge_; }

  // Rebuilds the right edge for `size` from stored complete nodes (popcount(size) fetches).
  static Result<CompactRange> from_nodes(uint64_t size, const NodeSource& nodes);

 private:
  uint64_t size_ = 0;
  std::vector<Hash> edge_;
};

}  // namespace sl::ledger
