#include "modules/ledger/merkle.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>

#include "core/encoding.h"

namespace sl::ledger {

namespace {

// SHA-256 over an optional prefix byte and up to three byte ranges (core's sha256_into: the
// digest fetched once, one context per thread).
Hash sha256_parts(uint8_t prefix, bool with_prefix, std::string_view a, std::string_view b = {},
                  std::string_view c = {}) {
  Hash out{};
  std::string_view p = with_prefix ? std::string_view(reinterpret_cast<const char*>(&prefix), 1) : std::string_view();
  sha256_into({p, a, b, c}, out.data());
  return out;
}

std::string_view bytes_of(const Hash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

Error bad(std::string slug, std::string msg) { return Error::Invalid(std::move(slug), std::move(msg)); }

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Largest power of two strictly less than n (n >= 2).
uint64_t split_point(uint64_t n) { return std::bit_floor(n - 1); }

}  // namespace

Hash leaf_hash(std::string_view entry) { return sha256_parts(0x00, true, entry); }

Hash node_hash(const Hash& left, const Hash& right) { return sha256_parts(0x01, true, bytes_of(left), bytes_of(right)); }

Hash empty_root() { return sha256_parts(0, false, {}); }

Hash sha256_of(std::string_view a, std::string_view b, std::string_view c) { return sha256_parts(0, false, a, b, c); }

std::string base64_encode(std::span<const uint8_t> in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint32_t(in[i]) << 16) | (uint32_t(in[i + 1]) << 8) | uint32_t(in[i + 2]);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint32_t(in[i]) << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint32_t(in[i]) << 16) | (uint32_t(in[i + 1]) << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  return base64_encode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

Result<std::vector<uint8_t>> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return bad("bad_base64", "base64 length is not a multiple of 4");
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') pad = (in.size() >= 2 && in[in.size() - 2] == '=') ? 2 : 1;
  std::vector<uint8_t> out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    bool last = i + 4 == in.size();
    int v[4];
    for (int j = 0; j < 4; ++j) {
      if (last && j >= 4 - int(pad)) {
        v[j] = 0;
        continue;
      }
      v[j] = b64_value(in[i + j]);
      if (v[j] < 0) return bad("bad_base64", "invalid base64 character");
    }
    uint32_t acc = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out.push_back(uint8_t(acc >> 16));
    if (last && pad == 2) {
      if (acc & 0xffff) return bad("bad_base64", "non-canonical base64 padding bits");
      break;
    }
    out.push_back(uint8_t(acc >> 8));
    if (last && pad == 1) {
      if (acc & 0xff) return bad("bad_base64", "non-canonical base64 padding bits");
      break;
    }
    out.push_back(uint8_t(acc));
  }
  return out;
}

std::string to_base64(const Hash& h) { return base64_encode(std::span<const uint8_t>(h)); }

Result<Hash> hash_from_base64(std::string_view text) {
  SL_ASSIGN(auto bytes, base64_decode(text));
  if (bytes.size() != 32) return bad("bad_hash", "hash must be 32 bytes");
  Hash h;
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

std::string to_hex(const Hash& h) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint8_t c : h) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

namespace {

// A range of leaves [begin, end) that is an RFC 9162 subtree (see range_hash).
struct Range {
  uint64_t begin, end;
};

// Calls f(NodeId) for each complete, aligned subtree [begin, end) splits into, largest first
// (one per set bit of end - begin); MTH folds their hashes from the right.
template <typename F>
Status for_each_subtree(uint64_t begin, uint64_t end, F&& f) {
  if (begin > end) return bad("bad_range", "range begin is after its end");
  if (begin == end) return Ok();
  uint64_t n = end - begin;
  if (begin % std::bit_floor(n) != 0) return bad("bad_range", "range is not a Merkle subtree");
  uint64_t pos = begin;
  for (int level = 63; level >= 0; --level) {
    uint64_t width = uint64_t{1} << level;
    if ((n & width) == 0) continue;
    SL_TRY(f(NodeId{level, pos >> level}));
    pos += width;
  }
  return Ok();
}

// RFC 9162 PATH(index, D[0:size]) as the subtree ranges whose hashes it holds, leaf's sibling
// first. Walks down the recursion; only the first step that goes left (if any) has the
// incomplete right edge as its sibling, every other sibling is a single complete subtree.
Result<std::vector<Range>> inclusion_ranges(uint64_t index, uint64_t size) {
  if (index >= size) return bad("bad_index", "leaf index is not inside the tree");
  std::vector<Range> path;
  uint64_t begin = 0, end = size;
  while (end - begin > 1) {
    uint64_t k = split_point(end - begin);
    if (index - begin < k) {
      path.push_back({begin + k, end});
      end = begin + k;
    } else {
      path.push_back({begin, begin + k});
      begin += k;
    }
  }
  std::reverse(path.begin(), path.end());
  return path;
}

// RFC 9162 PROOF(size1, D[0:size2]) as subtree ranges, in proof order.
Result<std::vector<Range>> consistency_ranges(uint64_t size1, uint64_t size2) {
  if (size1 == 0) return bad("bad_size", "a consistency proof from the empty tree is meaningless");
  if (size1 > size2) return bad("bad_size", "first tree is larger than the second");
  std::vector<Range> proof;
  uint64_t begin = 0, end = size2;
  bool whole_old_tree = true;  // RFC 9162's `b`: the subtree is the whole first tree so far
  while (true) {
    uint64_t m = size1 - begin, n = end - begin;
    if (m == n) {
      if (!whole_old_tree) proof.push_back({begin, end});
      break;
    }
    uint64_t k = split_point(n);
    if (m <= k) {
      proof.push_back({begin + k, end});
      end = begin + k;
    } else {
      proof.push_back({begin, begin + k});
      begin += k;
      whole_old_tree = false;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

Result<std::vector<Hash>> hashes_of(const std::vector<Range>& ranges, const NodeSource& nodes) {
  std::vector<Hash> out;
  out.reserve(ranges.size());
  for (const Range& r : ranges) {
    SL_ASSIGN(Hash h, range_hash(r.begin, r.end, nodes));
    out.push_back(h);
  }
  return out;
}

Result<std::vector<NodeId>> nodes_of(const std::vector<Range>& ranges) {
  std::vector<NodeId> out;
  out.reserve(2 * ranges.size());
  for (const Range& r : ranges) {
    SL_TRY(for_each_subtree(r.begin, r.end, [&out](const NodeId& id) -> Status {
      out.push_back(id);
      return Ok();
    }));
  }
  return out;
}

}  // namespace

Result<Hash> range_hash(uint64_t begin, uint64_t end, const NodeSource& nodes) {
  std::array<Hash, 64> parts;
  size_t n = 0;
  SL_TRY(for_each_subtree(begin, end, [&](const NodeId& id) -> Status {
    SL_ASSIGN(parts[n], nodes(id.level, id.index));
    ++n;
    return Ok();
  }));
  if (n == 0) return empty_root();
  Hash h = parts[n - 1];
  for (size_t i = n - 1; i-- > 0;) h = node_hash(parts[i], h);
  return h;
}

Result<Hash> root_at(uint64_t size, const NodeSource& nodes) { return range_hash(0, size, nodes); }

Result<std::vector<Hash>> inclusion_proof(uint64_t index, uint64_t size, const NodeSource& nodes) {
  SL_ASSIGN(auto ranges, inclusion_ranges(index, size));
  return hashes_of(ranges, nodes);
}

Result<std::vector<NodeId>> inclusion_nodes(uint64_t index, uint64_t size) {
  SL_ASSIGN(auto ranges, inclusion_ranges(index, size));
  return nodes_of(ranges);
}

Result<std::vector<Hash>> consistency_proof(uint64_t size1, uint64_t size2, const NodeSource& nodes) {
  SL_ASSIGN(auto ranges, consistency_ranges(size1, size2));
  return hashes_of(ranges, nodes);
}

Result<std::vector<NodeId>> consistency_nodes(uint64_t size1, uint64_t size2) {
  SL_ASSIGN(auto ranges, consistency_ranges(size1, size2));
  return nodes_of(ranges);
}

Status verify_inclusion(uint64_t index, uint64_t size, const Hash& leaf, const std::vector<Hash>& proof,
                        const Hash& root) {
  if (index >= size) return bad("inclusion_invalid", "leaf index is not inside the tree");
  // RFC 9162 §2.1.3.2, step by step.
  uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return bad("inclusion_invalid", "inclusion proof is too long");
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return bad("inclusion_invalid", "inclusion proof is too short");
  if (r != root) return bad("inclusion_invalid", "inclusion proof does not lead to the root");
  return Ok();
}

Status verify_consistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                          const std::vector<Hash>& proof) {
  if (size1 > size2) return bad("consistency_invalid", "first tree is larger than the second");
  if (size1 == 0) return bad("consistency_invalid", "a consistency proof from the empty tree is meaningless");
  if (size1 == size2) {
    if (!proof.empty()) return bad("consistency_invalid", "proof must be empty for equal sizes");
    if (root1 != root2) return bad("consistency_invalid", "roots differ for equal sizes");
    return Ok();
  }
  // RFC 9162 §2.1.4.2, step by step (0 < size1 < size2).
  if (proof.empty()) return bad("consistency_invalid", "consistency proof is empty");
  // Step 2: if size1 is a power of two, root1 is implicitly the first element.
  bool prepend = std::has_single_bit(size1);
  size_t count = proof.size() + (prepend ? 1 : 0);
  auto element = [&](size_t i) -> const Hash& { return prepend ? (i == 0 ? root1 : proof[i - 1]) : proof[i]; };
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = element(0), sr = element(0);
  for (size_t i = 1; i < count; ++i) {
    const Hash& c = element(i);
    if (sn == 0) return bad("consistency_invalid", "consistency proof is too long");
    if ((fn & 1) != 0 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return bad("consistency_invalid", "consistency proof is too short");
  if (fr != root1) return bad("consistency_invalid", "consistency proof does not lead to the first root");
  if (sr != root2) return bad("consistency_invalid", "consistency proof does not lead to the second root");
  return Ok();
}

std::vector<CompactRange::Node> CompactRange::append(const Hash& leaf) {
  std::vector<Node> out;
  uint64_t index = size_;
  int level = 0;
  Hash h = leaf;
  out.push_back({0, index, h});
  // Each set low bit of the old size is a complete left sibling waiting on the edge.
  while ((index & 1) != 0) {
    h = node_hash(edge_.back(), h);
    edge_.pop_back();
    index >>= 1;
    ++level;
    out.push_back({level, index, h});
  }
  edge_.push_back(h);
  ++size_;
  return out;
}

Hash CompactRange::root() const {
  if (edge_.empty()) return empty_root();
  Hash h = edge_.back();
  for (size_t i = edge_.size() - 1; i-- > 0;) h = node_hash(edge_[i], h);
  return h;
}

Result<CompactRange> CompactRange::from_nodes(uint64_t size, const NodeSource& nodes) {
  CompactRange cr;
  uint64_t pos = 0;
  for (int level = 63; level >= 0; --level) {
    uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) continue;
    SL_ASSIGN(Hash h, nodes(level, pos >> level));
    cr.edge_.push_back(h);
    pos += width;
  }
  cr.size_ = size;
  return cr;
}

}  // namespace sl::ledger
