// Rendered pages of posts for anonymous readers (GET /api/v1/deliberations/{id}/posts), the
// public audience that reads a deliberation far more often than anyone writes in it.
//
// Why a cached page is never stale: it is stored under the deliberation's latest event seq and
// the directory version (modules/common/directory_version.h), both read in the read
// transaction that rendered it, before its rows. Everything an anonymous reader's page shows
// changes one of them in the same transaction: posts, replies' counts, likes, hiding, edits,
// erasure, points and answers each append an event to the deliberation (next seq), and names
// (people, organisations) bump the directory version. A request reads both again and only a
// page with exactly those numbers is served. Nothing is invalidated by hand, and nodes sharing
// one database agree without telling each other.
//
// Signed-in readers are not served from here: their pages show their own likes and their own
// held or hidden posts.
//
// Thread-safety: every method may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sl::deliberation {

// A page as sent: the JSON text and its ETag, shared by every response that sends it.
struct RenderedPage {
  std::string body;
  std::string etag;
};

namespace detail {

struct PageKey {
  int64_t deliberation_id = 0;
  int64_t seq = 0;        // the deliberation's last_seq in the snapshot that rendered the page
  int64_t directory = 0;  // the directory version in that snapshot
  int64_t subtopic = -1;  // -1: all sub-topics
  bool ascending = false;
  int64_t cursor = 0;
  int limit = 0;
  bool operator==(const PageKey&) const = default;
};

struct PageKeyHash {
  size_t operator()(const PageKey& k) const;
};

class PageCache {
 public:
  explicit PageCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // The page stored under exactly this key, or null.
  std::shared_ptr<const RenderedPage> get(const PageKey& k);
  // Stores a page. Pages of the same deliberation under an older seq or directory version can
  // never be asked for again and go; beyond max_bytes the least recently used go.
  void put(const PageKey& k, std::shared_ptr<const RenderedPage> page);

  struct Stats {
    uint64_t hits = 0, misses = 0;
    size_t entries = 0, bytes = 0;
  };
  Stats stats() const;

 private:
  using Entry = std::pair<PageKey, std::shared_ptr<const RenderedPage>>;
  void erase(std::list<Entry>::iterator it);  // under mu_

  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // GUARDED_BY(mu_): most recently used first
  std::unordered_map<PageKey, std::list<Entry>::iterator, PageKeyHash> index_;  // GUARDED_BY(mu_)
  size_t bytes_ = 0;                                                             // GUARDED_BY(mu_)
  uint64_t hits_ = 0, misses_ = 0;                                               // GUARDED_BY(mu_)
};

}  // namespace detail
}  // namespace sl::deliberation
