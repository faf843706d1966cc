// The upper levels of the ledger's Merkle tree in memory, so a proof reads only a handful of
// low nodes from storage (in one query) instead of ~2·log2(n) rows one by one.
//
// Holds every complete node at level >= kMinLevel of the tree [0, size()): at 10 million
// entries about 78,000 hashes (2.5 MB); size/4 bytes in general. A complete node's hash never
// changes once its leaves are committed (entries are append-only), so nothing is ever
// invalidated: the cache only grows, either from a checkpointer run that has committed
// (extend) or from storage inside a read transaction that sees a checkpoint (top_up).
//
// Thread-safety: all methods may be called from any thread. Lookups share a reader lock;
// growing is serialised and takes the writer lock only to append.
#pragma once

#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "modules/ledger/merkle.h"
#include "storage/database.h"

namespace sl::ledger {

class NodeCache {
 public:
  static constexpr int kMinLevel = 8;  // one tlog tile: 256 leaves below the lowest cached node

  // The cached hash of a complete node, if it is cached.
  std::optional<Hash> find(const NodeId& id) const;
  // Tree size covered: every complete node at level >= kMinLevel below it is cached.
  uint64_t size() const;

  // A checkpointer run that grew the tree from `from` to `to` leaves has committed; `nodes` are
  // the complete nodes it created (any level, in creation order). Ignored unless the cache
  // covers exactly `from` (otherwise top_up() fills it from storage when a proof needs it).
  void extend(uint64_t from, uint64_t to, const std::vector<CompactRange::Node>& nodes);

  // Loads the missing nodes for a tree of `tree_size` leaves from storage, inside a read
  // transaction that sees a checkpoint of that size (so those nodes are stored). Does nothing
  // if the cache already covers it, or if another thread is growing the cache right now (the
  // caller then reads the nodes it needs from storage).
  Status top_up(storage::Conn& c, uint64_t tree_size);

 private:
  // Appends one level's nodes [first, first + hashes.size()); false if not contiguous.
  bool append_level(int level, uint64_t first, const std::vector<Hash>& hashes);

  std::mutex grow_mu_;  // held by whoever grows the cache (before mu_)
  mutable std::shared_mutex mu_;
  uint64_t size_ = 0;                       // guarded by mu_
  std::vector<std::vector<Hash>> levels_;   // levels_[l - kMinLevel][index]; guarded by mu_
};

}  // namespace sl::ledger
