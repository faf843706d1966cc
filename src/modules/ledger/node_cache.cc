#include "modules/ledger/node_cache.h"

#include "modules/ledger/ledger_store.h"

namespace sl::ledger {

std::optional<Hash> NodeCache::find(const NodeId& id) const {
  if (id.level < kMinLevel) return std::nullopt;
  std::shared_lock lk(mu_);
  size_t l = static_cast<size_t>(id.level - kMinLevel);
  if (l >= levels_.size() || id.index >= levels_[l].size()) return std::nullopt;
  return levels_[l][id.index];
}

uint64_t NodeCache::size() const {
  std::shared_lock lk(mu_);
  return size_;
}

bool NodeCache::append_level(int level, uint64_t first, const std::vector<Hash>& hashes) {
  size_t l = static_cast<size_t>(level - kMinLevel);
  if (levels_.size() <= l) levels_.resize(l + 1);
  if (levels_[l].size() != first) return false;
  levels_[l].insert(levels_[l].end(), hashes.begin(), hashes.end());
  return true;
}

void NodeCache::extend(uint64_t from, uint64_t to, const std::vector<CompactRange::Node>& nodes) {
  std::lock_guard grow(grow_mu_);
  std::unique_lock lk(mu_);
  if (size_ != from || to < from) return;
  for (const auto& n : nodes) {
    if (n.level < kMinLevel) continue;
    if (!append_level(n.level, n.index, {n.hash})) {
      // Not the nodes of [from, to): drop everything rather than keep a wrong tree.
      levels_.clear();
      size_ = 0;
      return;
    }
  }
  size_ = to;
}

Status NodeCache::top_up(storage::Conn& c, uint64_t tree_size) {
  std::unique_lock grow(grow_mu_, std::try_to_lock);
  if (!grow.owns_lock()) return Ok();
  uint64_t from = size();
  if (tree_size <= from) return Ok();
  // Complete nodes at level l below n leaves: indices [0, n >> l). Read them outside mu_ so
  // lookups go on meanwhile; only this thread grows the cache (grow_mu_).
  std::vector<std::pair<int, std::vector<Hash>>> loaded;
  for (int level = kMinLevel; level < 64 && (tree_size >> level) > 0; ++level) {
    uint64_t first = from >> level, end = tree_size >> level;
    if (first == end) continue;
    SL_ASSIGN(auto rows, store::nodes_range(c, level, first, end - first));
    if (rows.size() != end - first) return Error::Internal("ledger nodes missing below a checkpoint");
    std::vector<Hash> hashes(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].first != first + i || rows[i].second.size() != 32) return Error::Internal("ledger nodes are not contiguous");
      std::copy(rows[i].second.begin(), rows[i].second.end(), hashes[i].begin());
    }
    loaded.emplace_back(level, std::move(hashes));
  }
  std::unique_lock lk(mu_);
  for (const auto& [level, hashes] : loaded) {
    if (!append_level(level, from >> level, hashes)) {
      levels_.clear();
      size_ = 0;
      return Error::Internal("ledger node cache out of step");
    }
  }
  size_ = tree_size;
  return Ok();
}

}  // namespace sl::ledger
