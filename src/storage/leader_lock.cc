#include "storage/leader_lock.h"

#include "storage/postgres/postgres_database.h"

namespace sl::storage {

namespace {

// SQLite: the database belongs to one process, which is the whole cluster.
class SingleNodeLock final : public LeaderLock {
 public:
  bool hold() override { return true; }
  void release() override {}
};

}  // namespace

std::unique_ptr<LeaderLock> make_leader_lock(const DatabaseOptions& opts, int64_t key) {
  if (opts.url.rfind("postgresql://", 0) == 0 || opts.url.rfind("postgres://", 0) == 0)
    return make_postgres_leader_lock(opts.url, key);
  return std::make_unique<SingleNodeLock>();
}

}  // namespace sl::storage
