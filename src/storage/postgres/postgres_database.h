// PostgreSQL backend of storage::Database (see storage/database.h), on libpq.
//
// - A pool of DatabaseOptions::pool_size connections, opened lazily and re-opened when one
//   breaks (server restart, network). A caller waits for a free connection at most
//   DatabaseOptions::busy_timeout_ms, then gets kUnavailable.
// - Statements are prepared once per connection and per distinct (SQL text, parameter types)
//   and then run with PQexecPrepared. `?` placeholders are rewritten to $n
//   (storage/dialect.cc). Parameter types: int64 → int8, double → float8, Blob → bytea (sent
//   in binary), string and NULL → left for the server to infer. So `?` may not be used as
//   the jsonb `?` operator: call jsonb_exists() instead. An int64 does not convert to
//   BOOLEAN: shared migrations keep flags in INTEGER columns. Text holding several statements
//   and no parameters (a migration file) runs through the simple protocol instead.
// - Result columns by type: int2/int4/int8/oid → int64, float4/float8/numeric → double,
//   bytea → Blob, bool → int64 0/1, NULL → Null, anything else → its text form.
// - read(fn): BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY. write(fn): BEGIN (READ
//   COMMITTED; fn may start with SET TRANSACTION ISOLATION LEVEL SERIALIZABLE). Both are
//   rolled back when fn fails and retried (up to 5 times, with a short jittered backoff) on
//   serialization failure (40001) or deadlock (40P01). A unit whose first statement finds the
//   pooled connection dead is re-run once on a fresh connection. fn must not issue
//   BEGIN/COMMIT/ROLLBACK itself. If fn ignores a failed statement and returns Ok, the
//   transaction is aborted all the same and the unit fails.
// - Errors by SQLSTATE: 23505 → kConflict "conflict"; 23503 → kConflict "foreign_key";
//   23502, 23514, 22xxx → kInvalidArgument; 40001/40P01 → kRetry (after the retries);
//   class 08, 57P01..57P03, a dead connection → kUnavailable; the rest → kInternal. Messages
//   name constraints or columns but never carry SQL text or parameter values; the SQL text
//   (never the parameters) and the server's message are logged at debug level only.
// - Connection: the URL is handed to libpq as is (a postgresql:// URI or key=value string);
//   application_name=shangliang and connect_timeout=5 are set unless the URL sets them.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "storage/database.h"

namespace sl::storage {

class PostgresDatabase final : public Database {
 public:
  // Does not connect (connections open on first use); fails only on a malformed URL.
  static Result<std::unique_ptr<PostgresDatabase>> open(const DatabaseOptions& opts);
  ~PostgresDatabase() override;

  Dialect dialect() const override { return Dialect::kPostgres; }
  Status read(const std::function<Status(Conn&)>& fn) override;
  Status write(const std::function<Status(Conn&)>& fn) override;
  bool ping() override;
  // size: the pool's capacity (pool_size); in_use: connections lent out now; waits: how many
  // callers have had to wait for a free connection.
  PoolStats pool_stats() const override;
  // Closes idle connections at once, waits (up to 10 s) for units in flight, closes the rest.
  // Afterwards every call fails with kUnavailable. Idempotent.
  void close() override;

  struct Impl;

 private:
  explicit PostgresDatabase(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

Result<std::unique_ptr<Database>> open_postgres(const DatabaseOptions& opts);

class LeaderLock;
// The session advisory lock `key` on its own connection (storage/leader_lock.h).
std::unique_ptr<LeaderLock> make_postgres_leader_lock(const std::string& url, int64_t key);

}  // namespace sl::storage
