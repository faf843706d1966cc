// LeaderLock: "am I the one node of the cluster that runs the once-per-cluster jobs?"
//
// PostgreSQL: a session advisory lock (pg_try_advisory_lock) held on a connection of its own,
// outside the pool. The lock lives exactly as long as that session: when the holding process
// dies, its socket closes, the server ends the session and releases the lock, and the next
// node to try takes it. hold() is called every few seconds (scheduler.lock_retry_ms): a standby
// node tries to take the lock; the holder checks that its session is still alive (while it is,
// nobody else can have the lock). The connection uses TCP keepalives and a TCP user timeout,
// and asks the server for the same, so a holder cut off by the network stops believing it
// holds the lock within about ten seconds, about when the server lets the lock go.
// SQLite: one node by construction; hold() is always true.
//
// Thread-safety: one thread uses a LeaderLock (the scheduler's).
#pragma once

#include <cstdint>
#include <memory>

#include "storage/database.h"

namespace sl::storage {

class LeaderLock {
 public:
  virtual ~LeaderLock() = default;
  // Takes the lock if it is free, or confirms this node still holds it. false: another node
  // holds it, or the database cannot be reached (then nobody here may act as the holder).
  virtual bool hold() = 0;
  // Lets the lock go (closing the session); hold() may take it again.
  virtual void release() = 0;
};

// The lock named `key` (one per purpose) on the database of `opts.url`.
std::unique_ptr<LeaderLock> make_leader_lock(const DatabaseOptions& opts, int64_t key);

}  // namespace sl::storage
