#include "modules/deliberation/deliberation_page_cache.h"

#include <vector>

namespace sl::deliberation::detail {

size_t PageKeyHash::operator()(const PageKey& k) const {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
    h ^= h >> 29;
  };
  mix(static_cast<uint64_t>(k.deliberation_id));
  mix(static_cast<uint64_t>(k.seq));
  mix(static_cast<uint64_t>(k.directory));
  mix(static_cast<uint64_t>(k.subtopic));
  mix(k.ascending ? 1 : 0);
  mix(static_cast<uint64_t>(k.cursor));
  mix(static_cast<uint64_t>(k.limit));
  return static_cast<size_t>(h);
}

std::shared_ptr<const RenderedPage> PageCache::get(const PageKey& k) {
  std::lock_guard lk(mu_);
  auto it = index_.find(k);
  if (it == index_.end()) {
    misses_++;
    return nullptr;
  }
  hits_++;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void PageCache::erase(std::list<Entry>::iterator it) {
  bytes_ -= it->second->body.size() + it->second->etag.size();
  index_.erase(it->first);
  lru_.erase(it);
}

void PageCache::put(const PageKey& k, std::shared_ptr<const RenderedPage> page) {
  size_t size = page->body.size() + page->etag.size();
  if (size > max_bytes_) return;
  std::lock_guard lk(mu_);
  // Pages of this deliberation rendered from an older state can never be asked for again (the
  // numbers only grow); a page from an older state than one already here is not worth keeping.
  std::vector<std::list<Entry>::iterator> stale;
  for (auto it = lru_.begin(); it != lru_.end(); ++it) {
    const PageKey& o = it->first;
    if (o.deliberation_id != k.deliberation_id) continue;
    if (o.seq > k.seq || o.directory > k.directory) return;
    if (o.seq < k.seq || o.directory < k.directory) stale.push_back(it);
  }
  for (auto it : stale) erase(it);
  if (auto it = index_.find(k); it != index_.end()) erase(it->second);
  lru_.emplace_front(k, std::move(page));
  index_.emplace(k, lru_.begin());
  bytes_ += size;
  while (bytes_ > max_bytes_ && !lru_.empty()) erase(std::prev(lru_.end()));
}

PageCache::Stats PageCache::stats() const {
  std::lock_guard lk(mu_);
  return Stats{hits_, misses_, index_.size(), bytes_};
}

}  // namespace sl::deliberation::detail
