// Database: the one storage interface, with two backends (storage/sqlite, storage/postgres).
//
// SQL is written once, with `?` placeholders; the PostgreSQL backend rewrites them to $n.
// Dialect differences (id columns, blobs, "now") live in storage/dialect.cc and nowhere else.
// Every statement is prepared and bound; nothing is ever interpolated into SQL text.
//
// Units of work:
//   read(fn):  fn runs on a pooled read connection (SQLite: one reader per thread, WAL
//              snapshot per call; PostgreSQL: a pooled connection, REPEATABLE READ).
//   write(fn): fn runs inside one transaction. SQLite: on the single writer thread, never on
//              the caller's; several writes may share one commit (group commit), each in its
//              own savepoint so one failing write does not affect the others. PostgreSQL: a
//              pooled connection, retried on serialization failure / deadlock.
//   When write() returns Ok, the transaction is committed (and durable per config).
// fn returning an error rolls back that unit. fn may run more than once (retries), so it
// must only touch the database and its own captured outputs.
//
// Thread-safety: Database is shared by all threads; a Conn belongs to one call of fn.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace sl::storage {

struct Null {};
struct Blob {
  std::string bytes;
};
using Value = std::variant<Null, int64_t, double, std::string, Blob>;
// A nullable id or number as a statement parameter: NULL when absent.
inline Value opt(const std::optional<int64_t>& v) { return v ? Value(*v) : Value(Null{}); }

enum class Dialect { kSqlite, kPostgres };

// One result row. Columns by index, in SELECT order.
class Row {
 public:
  explicit Row(std::vector<Value> values) : v_(std::move(values)) {}
  size_t size() const { return v_.size(); }
  bool is_null(size_t i) const { return std::holds_alternative<Null>(v_.at(i)); }
  int64_t i64(size_t i) const;            // 0 for NULL
  double f64(size_t i) const;             // 0 for NULL
  const std::string& str(size_t i) const; // "" for NULL; blob bytes for blobs
  std::optional<int64_t> opt_i64(size_t i) const;
  std::optional<std::string> opt_str(size_t i) const;
  const Value& at(size_t i) const { return v_.at(i); }

 private:
  std::vector<Value> v_;
};

using Rows = std::vector<Row>;
using Params = std::vector<Value>;

class Conn;

// Work a module collects during a write transaction and does once for the whole transaction,
// just before it commits. SQLite's writer runs a group commit's units (one per write()) in one
// transaction, each in its own savepoint; some work costs far more done once per unit than once
// per batch (FTS5 writes a new index segment at every savepoint). The backend keeps one
// instance per key and transaction, makes it on first use, and:
//   - before each unit, notes mark() (its own opaque state, e.g. how many items it holds); when
//     the unit fails (its savepoint rolled back), calls rollback_to(noted mark): what that unit
//     added (or wrote early) is forgotten, the others' stays; an instance made during a failed
//     unit gets rollback_to(0);
//   - just before COMMIT calls flush(c), in the order the instances were made; an error there
//     fails the whole transaction (every unit in it);
//   - drops the instance after the transaction, committed or not.
// A unit's own savepoints (SAVEPOINT, ROLLBACK TO, RELEASE run through query/exec) move the
// marks the same way. Where the backend has no such point (PostgreSQL, read connections),
// Conn::pre_commit returns nullptr and the caller does the work at once.
class PreCommit {
 public:
  virtual ~PreCommit() = default;
  virtual uint64_t mark() const = 0;
  virtual void rollback_to(uint64_t mark) = 0;
  virtual Status flush(Conn& c) = 0;
};

class Conn {
 public:
  virtual ~Conn() = default;
  virtual Dialect dialect() const = 0;
  // Runs a statement, returns all rows (use RETURNING for ids).
  virtual Result<Rows> query(std::string_view sql, const Params& params = {}) = 0;
  // Runs a statement, returns the number of affected rows.
  virtual Result<int64_t> exec(std::string_view sql, const Params& params = {}) = 0;

  // Runs a script of several statements without parameters (migrations only). The default
  // splits on ';' at line ends; backends may override with a native multi-statement call.
  virtual Status exec_script(std::string_view sql);

  // Conveniences built on query().
  Result<std::optional<Row>> query_one(std::string_view sql, const Params& params = {});

  // For caches of values derived from the current write transaction (the ledger's next
  // sequence number): a number that the backend changes whenever a write transaction begins
  // and whenever anything in it is rolled back (a failed write's savepoint included), unique
  // within the process. 0 means no such guarantee: derive the value again every time.
  virtual uint64_t write_epoch() const { return 0; }

  // This transaction's PreCommit under `key` (any address unique to its user, e.g. of a
  // static), made with make() on first use; nullptr where there is none (see PreCommit).
  virtual PreCommit* pre_commit(const void* key, const std::function<std::unique_ptr<PreCommit>()>& make) {
    (void)key;
    (void)make;
    return nullptr;
  }
  template <typename T>
  T* pre_commit() {
    static const char key = 0;
    return static_cast<T*>(pre_commit(&key, [] { return std::unique_ptr<PreCommit>(new T()); }));
  }
};

struct PoolStats {
  int size = 0;
  int in_use = 0;
  int64_t waits = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  virtual Status read(const std::function<Status(Conn&)>& fn) = 0;
  virtual Status write(const std::function<Status(Conn&)>& fn) = 0;
  // Is the database reachable right now? (for /readyz)
  virtual bool ping() = 0;
  virtual PoolStats pool_stats() const = 0;
  // Finishes queued writes and closes connections. Idempotent.
  virtual void close() = 0;

  // Typed conveniences: the value fn produces, or its error.
  template <typename T>
  Result<T> read_value(const std::function<Result<T>(Conn&)>& fn) {
    std::optional<Result<T>> out;
    Status s = read([&](Conn& c) -> Status {
      out.emplace(fn(c));
      if (!out->ok()) return out->error();
      return Ok();
    });
    if (!s.ok()) return s.take_error();
    return std::move(*out);
  }
  template <typename T>
  Result<T> write_value(const std::function<Result<T>(Conn&)>& fn) {
    std::optional<Result<T>> out;
    Status s = write([&](Conn& c) -> Status {
      out.emplace(fn(c));
      if (!out->ok()) return out->error();
      return Ok();
    });
    if (!s.ok()) return s.take_error();
    return std::move(*out);
  }
};

struct DatabaseOptions {
  std::string url;            // sqlite:PATH | postgresql://...
  int pool_size = 4;
  bool power_durable = false; // fsync per (grouped) commit
  int busy_timeout_ms = 5000;
  int group_commit_max = 64;
};

// Opens the backend named by the URL scheme.
Result<std::unique_ptr<Database>> open_database(const DatabaseOptions& opts);

}  // namespace sl::storage
