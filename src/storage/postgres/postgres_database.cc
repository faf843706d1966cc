// PostgreSQL backend on libpq. See postgres_database.h for the behaviour.
#include "storage/postgres/postgres_database.h"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "storage/dialect.h"
#include "storage/postgres/sql_scan.h"

namespace sl::storage {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Type OIDs (server/catalog/pg_type_d.h, stable across versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

constexpr int kMaxRetries = 5;                 // retries after the first attempt
constexpr size_t kMaxCachedStatements = 512;   // per connection; then DEALLOCATE ALL
constexpr milliseconds kPingTimeout{2000};
constexpr milliseconds kCloseDrainTimeout{10000};
constexpr const char* kUnavailableMessage = "数据库暂时不可用";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// A pooled connection and its prepared statements.
struct Slot {
  PGconn* pg = nullptr;
  bool broken = false;  // reconnect before the next use
  std::unordered_map<std::string, std::string> statements;  // (types, SQL) key → name
  uint64_t next_statement = 0;

  void disconnect() {
    if (pg != nullptr) PQfinish(pg);
    pg = nullptr;
    broken = false;
    statements.clear();
  }
  bool usable() const { return pg != nullptr && !broken && PQstatus(pg) == CONNECTION_OK; }
};

void notice_to_log(void* /*arg*/, const char* message) {
  std::string_view m(message);
  while (!m.empty() && m.back() == '\n') m.remove_suffix(1);
  spdlog::debug("postgres: server notice: {}", m);
}

bool starts_with(const char* s, std::string_view prefix) {
  return s != nullptr && std::string_view(s).substr(0, prefix.size()) == prefix;
}
bool equals(const char* s, std::string_view v) { return s != nullptr && std::string_view(s) == v; }

// Error classes whose server messages may quote values (data exceptions, constraint
// violations): only their SQLSTATE and object names are logged.
bool message_may_hold_data(const char* sqlstate) {
  return starts_with(sqlstate, "22") || starts_with(sqlstate, "23") || starts_with(sqlstate, "P0");
}

std::string field(const PGresult* r, int code) {
  const char* f = r != nullptr ? PQresultErrorField(r, code) : nullptr;
  return f != nullptr ? std::string(f) : std::string();
}

// Turns a failed result (or a null one) into an Error; marks the slot broken when the
// connection is gone. Never puts SQL text or parameter values into the message.
Error map_failure(Slot& slot, const PGresult* r, std::string_view sql) {
  const char* sqlstate = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const bool conn_bad = slot.pg == nullptr || PQstatus(slot.pg) == CONNECTION_BAD;
  const std::string state = sqlstate != nullptr ? sqlstate : "";

  if (message_may_hold_data(sqlstate)) {
    spdlog::debug("postgres: statement failed sqlstate={} table={} constraint={} column={} sql={}", state,
                  field(r, PG_DIAG_TABLE_NAME), field(r, PG_DIAG_CONSTRAINT_NAME), field(r, PG_DIAG_COLUMN_NAME),
                  sql);
  } else {
    std::string msg = r != nullptr ? field(r, PG_DIAG_MESSAGE_PRIMARY)
                                   : (slot.pg != nullptr ? PQerrorMessage(slot.pg) : "no connection");
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    spdlog::debug("postgres: statement failed sqlstate={} message={} sql={}", state, msg, sql);
  }

  if (conn_bad || (state.starts_with("08") && state != "08P01") || state == "57P01" || state == "57P02" ||
      state == "57P03" || state == "53300") {
    slot.broken = true;
    spdlog::warn("postgres: connection lost (sqlstate={})", state.empty() ? "none" : state);
    return Error::Unavailable(kUnavailableMessage);
  }
  if (state == "23505") {
    const std::string c = field(r, PG_DIAG_CONSTRAINT_NAME);
    return Error::Conflict("conflict", c.empty() ? "记录已存在（违反唯一约束）" : "记录已存在（违反唯一约束 " + c + "）");
  }
  if (state == "23503") {
    const std::string c = field(r, PG_DIAG_CONSTRAINT_NAME);
    return Error::Conflict("foreign_key", c.empty() ? "引用的记录不存在或仍被引用（违反外键约束）"
                                                    : "引用的记录不存在或仍被引用（违反外键约束 " + c + "）");
  }
  if (state == "23502") {
    const std::string col = field(r, PG_DIAG_COLUMN_NAME);
    return Error::Invalid("not_null", col.empty() ? "必填字段为空" : "字段 " + col + " 不能为空");
  }
  if (state == "23514") {
    const std::string c = field(r, PG_DIAG_CONSTRAINT_NAME);
    return Error::Invalid("check_violation", c.empty() ? "数据不满足约束条件" : "数据不满足约束条件 " + c);
  }
  if (state.starts_with("22")) {
    return Error::Invalid("invalid_value", "数据格式或取值无效（SQLSTATE " + state + "）");
  }
  if (state == "40001" || state == "40P01") {
    return Error::Retry("数据库并发冲突，请重试");
  }
  if (state == "57014") {
    return Error::Unavailable("数据库操作超时");
  }
  spdlog::warn("postgres: unexpected error sqlstate={} (statement text is logged at debug level)",
               state.empty() ? "none" : state);
  return Error::Internal(state.empty() ? "数据库内部错误" : "数据库内部错误（SQLSTATE " + state + "）");
}

bool is_retryable(const PGresult* r) {
  const char* s = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return equals(s, "40001") || equals(s, "40P01");
}

// Parameters in libpq's arrays; the strings live in `text` or in the caller's Params.
struct Bound {
  std::vector<std::string> text;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  std::vector<Oid> types;
  std::string signature;  // one char per parameter type, part of the statement cache key
};

Result<Bound> bind(const Params& params) {
  Bound b;
  const size_t n = params.size();
  b.text.reserve(n);  // no reallocation: values point into it
  b.values.resize(n, nullptr);
  b.lengths.resize(n, 0);
  b.formats.resize(n, 0);
  b.types.resize(n, 0);
  b.signature.resize(n, 'u');
  for (size_t i = 0; i < n; ++i) {
    const Value& v = params[i];
    if (const auto* x = std::get_if<int64_t>(&v)) {
      b.text.push_back(std::to_string(*x));
      b.values[i] = b.text.back().c_str();
      b.types[i] = kInt8Oid;
      b.signature[i] = 'i';
    } else if (const auto* d = std::get_if<double>(&v)) {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);
      if (ec != std::errc()) return Error::Invalid("invalid_value", "无法表示的浮点数参数");
      b.text.emplace_back(buf, end);
      b.values[i] = b.text.back().c_str();
      b.types[i] = kFloat8Oid;
      b.signature[i] = 'd';
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      // Text-format parameters end at the first NUL; PostgreSQL text cannot hold one anyway.
      if (s->find('\0') != std::string::npos) {
        return Error::Invalid("invalid_value", "文本中含有不允许的 NUL 字符");
      }
      b.values[i] = s->c_str();
    } else if (const auto* blob = std::get_if<Blob>(&v)) {
      b.values[i] = blob->bytes.data();
      b.lengths[i] = static_cast<int>(blob->bytes.size());
      b.formats[i] = 1;
      b.types[i] = kByteaOid;
      b.signature[i] = 'b';
    }
    // Null: values[i] stays nullptr, type left to the server.
  }
  return b;
}

Result<Value> convert_cell(const PGresult* r, int row, int col, Oid type) {
  if (PQgetisnull(r, row, col)) return Value{Null{}};
  const char* text = PQgetvalue(r, row, col);
  const int len = PQgetlength(r, row, col);
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(text, text + len, v);
      if (ec != std::errc() || p != text + len) return Error::Internal("数据库返回了无法解析的整数");
      return Value{v};
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid: {
      double v = 0;
      auto [p, ec] = std::from_chars(text, text + len, v);
      if (ec == std::errc::result_out_of_range) {
        v = std::strtod(text, nullptr);  // very large numeric: ±HUGE_VAL
      } else if (ec != std::errc() || p != text + len) {
        return Error::Internal("数据库返回了无法解析的数值");
      }
      return Value{v};
    }
    case kBoolOid:
      return Value{int64_t{len > 0 && text[0] == 't' ? 1 : 0}};
    case kByteaOid: {
      size_t n = 0;
      unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &n);
      if (bytes == nullptr) return Error::Internal("内存不足");
      Blob blob{std::string(reinterpret_cast<const char*>(bytes), n)};
      PQfreemem(bytes);
      return Value{std::move(blob)};
    }
    default:
      return Value{std::string(text, static_cast<size_t>(len))};
  }
}

Result<Rows> convert_rows(const PGresult* r) {
  const int nrows = PQntuples(r);
  const int ncols = PQnfields(r);
  std::vector<Oid> types(static_cast<size_t>(ncols));
  for (int c = 0; c < ncols; ++c) types[static_cast<size_t>(c)] = PQftype(r, c);
  Rows rows;
  rows.reserve(static_cast<size_t>(nrows));
  for (int i = 0; i < nrows; ++i) {
    std::vector<Value> values;
    values.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      SL_ASSIGN(Value v, convert_cell(r, i, c, types[static_cast<size_t>(c)]));
      values.push_back(std::move(v));
    }
    rows.emplace_back(std::move(values));
  }
  return rows;
}

// The Conn handed to fn: one pooled connection inside one transaction.
class PgConn final : public Conn {
 public:
  explicit PgConn(Slot& slot) : slot_(slot) {}

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    SL_ASSIGN(PgResult r, run(sql, params));
    return convert_rows(r.get());
  }

  Result<int64_t> exec(std::string_view sql, const Params& params) override {
    SL_ASSIGN(PgResult r, run(sql, params));
    const char* n = PQcmdTuples(r.get());
    int64_t count = 0;
    if (n != nullptr && *n != '\0') std::from_chars(n, n + std::strlen(n), count);
    return count;
  }

  // The whole script in one simple-protocol round trip, inside the unit's transaction: no
  // splitting, so dollar-quoted bodies and semicolons in literals are safe.
  Status exec_script(std::string_view sql) override {
    if (detail::sql_statement_count(sql) == 0) return Ok();
    SL_TRY(run_simple(sql));
    return Ok();
  }

  bool saw_retryable() const { return saw_retryable_; }
  const std::optional<Error>& last_error() const { return last_error_; }

 private:
  Result<PgResult> fail(const PGresult* r, std::string_view sql) {
    if (is_retryable(r)) saw_retryable_ = true;
    Error e = map_failure(slot_, r, sql);
    last_error_ = e;
    return e;
  }

  // Several statements without parameters: the simple protocol runs them all and returns
  // the last one's result.
  Result<PgResult> run_simple(std::string_view sql) {
    if (!slot_.usable()) {
      slot_.broken = true;
      return Error::Unavailable(kUnavailableMessage);
    }
    PgResult r(PQexec(slot_.pg, std::string(sql).c_str()));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || st == PGRES_EMPTY_QUERY) return r;
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
      slot_.broken = true;
      last_error_ = Error::Internal("不支持 COPY 语句");
      return *last_error_;
    }
    return fail(r.get(), sql);
  }

  Result<PgResult> run(std::string_view sql, const Params& params) {
    if (!slot_.usable()) {
      slot_.broken = true;
      return Error::Unavailable(kUnavailableMessage);
    }
    if (params.empty() && detail::sql_statement_count(sql) > 1) return run_simple(sql);
    SL_ASSIGN(Bound b, bind(params));
    std::string key;
    key.reserve(b.signature.size() + 1 + sql.size());
    key.append(b.signature).push_back('\x1f');
    key.append(sql);

    auto it = slot_.statements.find(key);
    if (it == slot_.statements.end()) {
      if (slot_.statements.size() >= kMaxCachedStatements) {
        PgResult d(PQexec(slot_.pg, "DEALLOCATE ALL"));
        if (!d || PQresultStatus(d.get()) != PGRES_COMMAND_OK) return fail(d.get(), "DEALLOCATE ALL");
        slot_.statements.clear();
      }
      const std::string name = "sl_" + std::to_string(slot_.next_statement++);
      const std::string pg_sql = to_postgres_placeholders(sql);
      PgResult p(PQprepare(slot_.pg, name.c_str(), pg_sql.c_str(), static_cast<int>(params.size()),
                           b.types.data()));
      if (!p || PQresultStatus(p.get()) != PGRES_COMMAND_OK) return fail(p.get(), sql);
      it = slot_.statements.emplace(std::move(key), name).first;
    }

    PgResult r(PQexecPrepared(slot_.pg, it->second.c_str(), static_cast<int>(params.size()), b.values.data(),
                              b.lengths.data(), b.formats.data(), /*resultFormat=*/0));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || st == PGRES_EMPTY_QUERY) return r;
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
      slot_.broken = true;  // the connection is now in COPY mode: drop it
      last_error_ = Error::Internal("不支持 COPY 语句");
      return *last_error_;
    }
    // "cached plan must not change result type" after a schema change: prepare afresh next time.
    if (equals(r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr, "0A000")) {
      slot_.statements.erase(it);
    }
    return fail(r.get(), sql);
  }

  Slot& slot_;
  bool saw_retryable_ = false;
  std::optional<Error> last_error_;
};

void backoff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  const int base = 5 << std::min(attempt, 4);  // 5, 10, 20, 40, 80 ms
  std::uniform_int_distribution<int> jitter(0, base);
  std::this_thread::sleep_for(milliseconds(base + jitter(rng)));
}

}  // namespace

struct PostgresDatabase::Impl {
  DatabaseOptions opts;
  milliseconds acquire_timeout{5000};

  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<Slot*> idle;
  int in_use = 0;
  int64_t waits = 0;
  bool closed = false;

  ~Impl() {
    for (auto& s : slots) s->disconnect();
  }

  // A borrowed slot, returned to the pool when it goes out of scope.
  class Lease {
   public:
    Lease(Impl& db, Slot* s) : db_(db), s_(s) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { db_.release(s_); }
    Slot& slot() { return *s_; }

   private:
    Impl& db_;
    Slot* s_;
  };

  Result<std::unique_ptr<Lease>> acquire(milliseconds timeout) {
    std::unique_lock lk(mu);
    if (closed) return Error::Unavailable("数据库已关闭");
    if (idle.empty()) {
      ++waits;
      if (!cv.wait_for(lk, timeout, [&] { return closed || !idle.empty(); })) {
        spdlog::warn("postgres: no free connection after {} ms (pool size {})", timeout.count(), slots.size());
        return Error::Unavailable("数据库繁忙，请稍后重试");
      }
      if (closed) return Error::Unavailable("数据库已关闭");
    }
    Slot* s = idle.back();
    idle.pop_back();
    ++in_use;
    return std::make_unique<Lease>(*this, s);
  }

  void release(Slot* s) {
    // A connection left inside a transaction (a failed ROLLBACK) is not reused as is.
    if (s->pg != nullptr && PQtransactionStatus(s->pg) != PQTRANS_IDLE) s->broken = true;
    std::lock_guard lk(mu);
    if (closed || s->broken) s->disconnect();
    idle.push_back(s);
    --in_use;
    cv.notify_all();
  }

  Status connect(Slot& s) {
    if (s.usable()) return Ok();
    s.disconnect();
    // Earlier entries are defaults: whatever the URL (expanded from dbname) says wins.
    const char* keys[] = {"application_name", "connect_timeout", "client_encoding", "dbname", nullptr};
    const char* vals[] = {"shangliang", "5", "UTF8", opts.url.c_str(), nullptr};
    s.pg = PQconnectdbParams(keys, vals, /*expand_dbname=*/1);
    if (s.pg == nullptr || PQstatus(s.pg) != CONNECTION_OK) {
      std::string msg = s.pg != nullptr ? PQerrorMessage(s.pg) : "out of memory";
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      std::replace(msg.begin(), msg.end(), '\n', ' ');
      spdlog::warn("postgres: cannot connect: {}", msg);
      s.disconnect();
      return Error::Unavailable(kUnavailableMessage);
    }
    PQsetNoticeProcessor(s.pg, notice_to_log, nullptr);
    return Ok();
  }

  static void rollback(Slot& s) {
    if (!s.usable()) {
      s.broken = true;
      return;
    }
    if (PQtransactionStatus(s.pg) == PQTRANS_IDLE) return;
    PgResult r(PQexec(s.pg, "ROLLBACK"));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) s.broken = true;
  }

  // BEGIN on a usable connection. A pooled connection may have died while idle (server
  // restart): then nothing has run yet, so connect afresh and try once more.
  Status begin(Slot& s, const char* begin_sql) {
    for (int attempt = 0;; ++attempt) {
      SL_TRY(connect(s));
      PgResult r(PQexec(s.pg, begin_sql));
      if (r && PQresultStatus(r.get()) == PGRES_COMMAND_OK) return Ok();
      Error e = map_failure(s, r.get(), begin_sql);
      if (!s.broken || attempt > 0) return e;
    }
  }

  // One attempt at a unit of work. *retryable tells whether a retry may succeed.
  Status run_once(const char* begin_sql, const std::function<Status(Conn&)>& fn, bool* retryable) {
    *retryable = false;
    SL_ASSIGN(auto lease, acquire(acquire_timeout));
    Slot& s = lease->slot();
    SL_TRY(begin(s, begin_sql));
    PgConn conn(s);
    Status st = fn(conn);
    if (!st.ok()) {
      rollback(s);
      *retryable = st.error().code == Code::kRetry || conn.saw_retryable();
      return st;
    }
    if (!s.usable()) return Error::Unavailable(kUnavailableMessage);
    if (PQtransactionStatus(s.pg) == PQTRANS_INERROR) {
      // fn ignored a failed statement: the server has aborted the transaction anyway.
      rollback(s);
      *retryable = conn.saw_retryable();
      if (conn.last_error()) return *conn.last_error();
      return Error::Internal("事务已中止");
    }
    PgResult r(PQexec(s.pg, "COMMIT"));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      *retryable = is_retryable(r.get());  // e.g. SERIALIZABLE conflicts detected at commit
      Error e = map_failure(s, r.get(), "COMMIT");
      rollback(s);
      return e;
    }
    if (!equals(PQcmdStatus(r.get()), "COMMIT")) {
      return Error::Internal("事务已回滚");
    }
    return Ok();
  }

  Status run_unit(const char* begin_sql, const std::function<Status(Conn&)>& fn) {
    for (int attempt = 0;; ++attempt) {
      bool retryable = false;
      Status st = run_once(begin_sql, fn, &retryable);
      if (st.ok() || !retryable) return st;
      if (attempt >= kMaxRetries) {
        spdlog::warn("postgres: giving up after {} attempts (serialization failure or deadlock)", attempt + 1);
        return Error::Retry("数据库并发冲突，请重试");
      }
      spdlog::debug("postgres: retrying unit of work (attempt {})", attempt + 2);
      backoff(attempt);
    }
  }

  // SELECT 1 with a deadline, without blocking on a hung server.
  static bool select_one(Slot& s, milliseconds timeout) {
    if (PQsendQuery(s.pg, "SELECT 1") == 0) {
      s.broken = true;
      return false;
    }
    const auto deadline = Clock::now() + timeout;
    while (true) {
      if (PQconsumeInput(s.pg) == 0) {
        s.broken = true;
        return false;
      }
      if (PQisBusy(s.pg) == 0) break;
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        s.broken = true;  // the query is still running: drop the connection
        return false;
      }
      pollfd p{PQsocket(s.pg), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) < 0 && errno != EINTR) {
        s.broken = true;
        return false;
      }
    }
    bool ok = false;
    while (PGresult* raw = PQgetResult(s.pg)) {
      PgResult r(raw);
      if (PQresultStatus(raw) == PGRES_TUPLES_OK) {
        ok = true;
      } else {
        (void)map_failure(s, raw, "SELECT 1");
      }
    }
    if (PQstatus(s.pg) == CONNECTION_BAD) s.broken = true;
    return ok;
  }
};

PostgresDatabase::PostgresDatabase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PostgresDatabase::~PostgresDatabase() { close(); }

Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::open(const DatabaseOptions& opts) {
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(opts.url.c_str(), &err);
  if (parsed == nullptr) {
    std::string msg = err != nullptr ? err : "out of memory";
    if (err != nullptr) PQfreemem(err);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    // libpq quotes the URL, which may hold a password: keep the reason, drop the URL.
    for (size_t at = msg.find(opts.url); !opts.url.empty() && at != std::string::npos; at = msg.find(opts.url)) {
      msg.replace(at, opts.url.size(), "<url>");
    }
    spdlog::error("postgres: invalid connection URL: {}", msg);
    return Error::Invalid("invalid_database_url", "PostgreSQL 连接串无效");
  }
  PQconninfoFree(parsed);

  auto impl = std::make_unique<Impl>();
  impl->opts = opts;
  impl->acquire_timeout = milliseconds(opts.busy_timeout_ms > 0 ? opts.busy_timeout_ms : 5000);
  const int n = std::max(1, opts.pool_size);
  for (int i = 0; i < n; ++i) {
    impl->slots.push_back(std::make_unique<Slot>());
    impl->idle.push_back(impl->slots.back().get());
  }
  return std::unique_ptr<PostgresDatabase>(new PostgresDatabase(std::move(impl)));
}

Status PostgresDatabase::read(const std::function<Status(Conn&)>& fn) {
  return impl_->run_unit("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", fn);
}

Status PostgresDatabase::write(const std::function<Status(Conn&)>& fn) { return impl_->run_unit("BEGIN", fn); }

bool PostgresDatabase::ping() {
  auto lease = impl_->acquire(std::min(impl_->acquire_timeout, kPingTimeout));
  if (!lease.ok()) return false;
  Slot& s = (*lease)->slot();
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->connect(s).ok()) return false;
    if (Impl::select_one(s, kPingTimeout)) return true;
    if (!s.broken) return false;
    s.disconnect();  // a stale pooled connection: try a fresh one once
  }
  return false;
}

PoolStats PostgresDatabase::pool_stats() const {
  std::lock_guard lk(impl_->mu);
  return PoolStats{static_cast<int>(impl_->slots.size()), impl_->in_use, impl_->waits};
}

void PostgresDatabase::close() {
  std::unique_lock lk(impl_->mu);
  if (!impl_->closed) {
    impl_->closed = true;
    for (Slot* s : impl_->idle) s->disconnect();
    impl_->cv.notify_all();
  }
  if (!impl_->cv.wait_for(lk, kCloseDrainTimeout, [&] { return impl_->in_use == 0; })) {
    spdlog::warn("postgres: close() with {} units of work still running", impl_->in_use);
  }
}

Result<std::unique_ptr<Database>> open_postgres(const DatabaseOptions& opts) {
  SL_ASSIGN(auto db, PostgresDatabase::open(opts));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace sl::storage
