#include "storage/sqlite/sqlite_database.h"

#include <sqlite3.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

namespace sl::storage {

namespace {

Error map_error(sqlite3* db, int rc) {
  int ext = db ? sqlite3_extended_errcode(db) : rc;
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (ext) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Error::Conflict("conflict", "记录已存在（唯一约束冲突）: " + msg);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Error::Conflict("foreign_key", "引用的记录不存在或仍被引用");
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_CHECK:
      return Error::Invalid("constraint", "数据不满足约束: " + msg);
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::Retry("数据库忙，请重试");
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return Error::Unavailable("数据库暂时不可用");
    default:
      return Error::Internal("数据库错误: " + msg);
  }
}

// One connection with its prepared-statement cache. Owned by one thread at a time.
class SqliteConn final : public Conn {
 public:
  explicit SqliteConn(sqlite3* db) : db_(db) {}
  ~SqliteConn() override {
    for (auto& [_, st] : cache_) sqlite3_finalize(st);
    sqlite3_close_v2(db_);
  }
  Dialect dialect() const override { return Dialect::kSqlite; }
  uint64_t write_epoch() const override { return epoch_; }
  // The writer's connection: a new epoch at each BEGIN and after each rollback (run_batch).
  void new_epoch() {
    static std::atomic<uint64_t> next{1};
    epoch_ = next.fetch_add(1, std::memory_order_relaxed);
  }

  PreCommit* pre_commit(const void* key, const std::function<std::unique_ptr<PreCommit>()>& make) override {
    if (!in_batch_) return nullptr;
    for (auto& p : pre_)
      if (p.first == key) return p.second.get();
    pre_.emplace_back(key, make());
    return pre_.back().second.get();
  }
  // The writer's group commit (run_batch): between its BEGIN and its COMMIT or ROLLBACK.
  void set_in_batch(bool v) {
    in_batch_ = v;
    pre_.clear();
    own_.clear();
  }
  void unit_done() { own_.clear(); }
  // Sizes of the PreCommits before a unit, to forget what it added if it fails.
  std::vector<uint64_t> pre_marks() const {
    std::vector<uint64_t> m;
    m.reserve(pre_.size());
    for (auto& p : pre_) m.push_back(p.second->mark());
    return m;
  }
  void pre_rollback(const std::vector<uint64_t>& marks) {
    for (size_t i = 0; i < pre_.size(); ++i) pre_[i].second->rollback_to(i < marks.size() ? marks[i] : 0);
  }
  Status pre_flush() {
    for (auto& p : pre_) SL_TRY(p.second->flush(*this));
    return Ok();
  }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    SL_ASSIGN(sqlite3_stmt * st, prepare(sql, params));
    Rows rows;
    int rc;
    int ncol = sqlite3_column_count(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::vector<Value> vals;
      vals.reserve(ncol);
      for (int i = 0; i < ncol; ++i) {
        switch (sqlite3_column_type(st, i)) {
          case SQLITE_INTEGER: vals.emplace_back(static_cast<int64_t>(sqlite3_column_int64(st, i))); break;
          case SQLITE_FLOAT: vals.emplace_back(sqlite3_column_double(st, i)); break;
          case SQLITE_TEXT:
            vals.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i)),
                                          sqlite3_column_bytes(st, i)));
            break;
          case SQLITE_BLOB: {
            const char* p = static_cast<const char*>(sqlite3_column_blob(st, i));
            vals.emplace_back(Blob{std::string(p ? p : "", sqlite3_column_bytes(st, i))});
            break;
          }
          default: vals.emplace_back(Null{}); break;
        }
      }
      rows.emplace_back(std::move(vals));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return map_error(db_, rc);
    return rows;
  }

  Result<int64_t> exec(std::string_view sql, const Params& params) override {
    SL_ASSIGN(sqlite3_stmt * st, prepare(sql, params));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return map_error(db_, rc);
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Status exec_script(std::string_view sql) override {
    if (epoch_ != 0) new_epoch();
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (err) sqlite3_free(err);
    if (rc != SQLITE_OK) return map_error(db_, rc);
    return Ok();
  }

  // Plain statements outside the cache (BEGIN/COMMIT/SAVEPOINT...).
  Status raw(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return map_error(db_, rc);
    return Ok();
  }

  sqlite3* handle() { return db_; }

 private:
  Result<sqlite3_stmt*> prepare(std::string_view sql, const Params& params) {
    // A statement of the caller's own that may undo part of the transaction (ROLLBACK TO a
    // savepoint of its own, RELEASE): values derived from it are no longer to be trusted.
    if (epoch_ != 0 && !sql.empty() && (sql[0] == 'R' || sql[0] == 'r')) new_epoch();
    if (in_batch_ && !sql.empty() && (sql[0] == 'R' || sql[0] == 'r' || sql[0] == 'S' || sql[0] == 's'))
      own_savepoint(sql);
    sqlite3_stmt* st = nullptr;
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) {
      st = it->second;
    } else {
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st,
                                  nullptr);
      if (rc != SQLITE_OK) {
        spdlog::error("sqlite prepare failed: {} in: {}", sqlite3_errmsg(db_), sql);
        return map_error(db_, rc);
      }
      cache_.emplace(std::string(sql), st);
    }
    sqlite3_clear_bindings(st);
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(st))
      return Error::Internal("SQL 参数数量不符");
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, Null>) return sqlite3_bind_null(st, idx);
            else if constexpr (std::is_same_v<T, int64_t>) return sqlite3_bind_int64(st, idx, v);
            else if constexpr (std::is_same_v<T, double>) return sqlite3_bind_double(st, idx, v);
            else if constexpr (std::is_same_v<T, std::string>)
              return sqlite3_bind_text64(st, idx, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
            else return sqlite3_bind_blob64(st, idx, v.bytes.data(), v.bytes.size(), SQLITE_TRANSIENT);
          },
          params[i]);
      if (rc != SQLITE_OK) return map_error(db_, rc);
    }
    return st;
  }

  // A unit's savepoints of its own (SAVEPOINT / ROLLBACK TO / RELEASE through query or exec):
  // the PreCommits' marks follow them, so ROLLBACK TO forgets what was added after SAVEPOINT.
  void own_savepoint(std::string_view sql) {
    std::vector<std::string> w;
    for (size_t i = 0; i < sql.size() && w.size() < 5;) {
      while (i < sql.size() && (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == ';')) ++i;
      size_t j = i;
      while (j < sql.size() && !std::isspace(static_cast<unsigned char>(sql[j])) && sql[j] != ';') ++j;
      if (j > i) {
        std::string t(sql.substr(i, j - i));
        for (auto& ch : t) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        w.push_back(std::move(t));
      }
      i = j;
    }
    if (w.size() < 2) return;
    auto name_after = [&](size_t k) -> std::string {  // skips the optional SAVEPOINT / TRANSACTION keywords
      while (k < w.size() && (w[k] == "SAVEPOINT" || w[k] == "TRANSACTION" || w[k] == "TO")) ++k;
      return k < w.size() ? w[k] : std::string();
    };
    auto find = [&](const std::string& name) -> long {
      for (long k = static_cast<long>(own_.size()) - 1; k >= 0; --k)
        if (own_[static_cast<size_t>(k)].first == name) return k;
      return -1;
    };
    if (w[0] == "SAVEPOINT") {
      own_.emplace_back(w[1], pre_marks());
    } else if (w[0] == "ROLLBACK") {
      long k = find(name_after(1));
      if (k >= 0) {
        own_.resize(static_cast<size_t>(k) + 1);
        pre_rollback(own_[static_cast<size_t>(k)].second);
      }
    } else if (w[0] == "RELEASE") {
      long k = find(name_after(1));
      if (k >= 0) own_.resize(static_cast<size_t>(k));
    }
  }

  sqlite3* db_;
  std::vector<std::pair<std::string, std::vector<uint64_t>>> own_;  // a unit's own savepoints, innermost last
  uint64_t epoch_ = 0;  // 0 on read connections (they never write)
  bool in_batch_ = false;
  std::vector<std::pair<const void*, std::unique_ptr<PreCommit>>> pre_;  // this transaction's
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(DatabaseOptions opts) : opts_(std::move(opts)) { path_ = opts_.url.substr(7); }
  ~SqliteDatabase() override { close(); }

  Status init() {
    if (path_.empty()) return Error::Invalid("bad_database_url", "sqlite: 后需要文件路径");
    std::error_code ec;
    auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    SL_ASSIGN(writer_conn_, connect(true));
    SL_ASSIGN(checkpoint_conn_, connect(false));
    // A connection learns that the database is in WAL mode (and opens the WAL) on its first
    // read; until then sqlite3_wal_checkpoint_v2 on it is a silent no-op. Without this read the
    // checkpointer never copied anything back and the -wal file grew for as long as the server
    // ran (bench/deliberation.sh: 576 MB after a few minutes of replies, the database file still
    // its first 4 KB, and every page lookup walking the whole WAL index).
    SL_TRY(checkpoint_conn_->raw("SELECT count(*) FROM sqlite_master"));
    writer_ = std::thread([this] { writer_loop(); });
    checkpointer_ = std::thread([this] { checkpoint_loop(); });
    return Ok();
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Status read(const std::function<Status(Conn&)>& fn) override {
    if (closed_) return Error::Unavailable("数据库已关闭");
    std::unique_ptr<SqliteConn> c;
    {
      std::unique_lock lk(pool_mu_);
      if (!pool_.empty()) {
        c = std::move(pool_.back());
        pool_.pop_back();
      }
      in_use_++;
    }
    if (!c) {
      auto r = connect(false);
      if (!r.ok()) {
        std::lock_guard lk(pool_mu_);
        in_use_--;
        return r.take_error();
      }
      c = std::move(r).value();
    }
    // BEGIN/COMMIT through the statement cache: parsing them each time cost 13% of a small read.
    Status s = c->exec("BEGIN", {}).ok() ? Ok() : Error::Unavailable("数据库暂时不可用");
    if (s.ok()) {
      try {
        s = fn(*c);
      } catch (const std::exception& e) {
        s = Error::Internal(e.what());
      }
      (void)c->exec("COMMIT", {});
    }
    std::lock_guard lk(pool_mu_);
    in_use_--;
    if (static_cast<int>(pool_.size()) < std::max(opts_.pool_size, 1) * 4) pool_.push_back(std::move(c));
    return s;
  }

  Status write(const std::function<Status(Conn&)>& fn) override {
    if (std::this_thread::get_id() == writer_id_) return Error::Internal("nested write() on the writer thread");
    Job job{&fn, {}};
    auto fut = job.done.get_future();
    {
      std::lock_guard lk(q_mu_);
      if (closed_) return Error::Unavailable("数据库已关闭");
      queue_.push_back(&job);
    }
    q_cv_.notify_one();
    return fut.get();
  }

  bool ping() override {
    if (closed_) return false;
    return read([](Conn& c) -> Status { return c.query("SELECT 1").ok() ? Ok() : Error::Internal("ping"); }).ok();
  }

  PoolStats pool_stats() const override {
    std::lock_guard lk(pool_mu_);
    return PoolStats{static_cast<int>(pool_.size()) + in_use_, in_use_, 0};
  }

  void close() override {
    {
      std::lock_guard lk(q_mu_);
      if (closed_) return;
      closed_ = true;
    }
    q_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    {
      std::lock_guard lk(cp_mu_);
      cp_stop_ = true;
    }
    cp_cv_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
    writer_conn_.reset();
    checkpoint_conn_.reset();
    std::lock_guard lk(pool_mu_);
    pool_.clear();
  }

 private:
  struct Job {
    const std::function<Status(Conn&)>* fn;
    std::promise<Status> done;
  };

  Result<std::unique_ptr<SqliteConn>> connect(bool writer) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path_.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      Error e = map_error(db, rc);
      sqlite3_close_v2(db);
      return e;
    }
    auto c = std::make_unique<SqliteConn>(db);
    sqlite3_busy_timeout(db, opts_.busy_timeout_ms);
    sqlite3_extended_result_codes(db, 1);
    SL_TRY(c->raw("PRAGMA foreign_keys=ON"));
    if (writer) {
      SL_TRY(c->raw("PRAGMA journal_mode=WAL"));
      SL_TRY(c->raw(opts_.power_durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
      // Checkpoints are done by the background thread, not inside a commit.
      SL_TRY(c->raw("PRAGMA wal_autocheckpoint=0"));
    }
    return c;
  }

  // Takes batches of queued writes, runs each in its own savepoint inside one transaction,
  // commits once, then acknowledges them all. An acknowledgement always follows the commit.
  void writer_loop() {
    writer_id_ = std::this_thread::get_id();
    std::vector<Job*> batch;
    for (;;) {
      {
        std::unique_lock lk(q_mu_);
        q_cv_.wait(lk, [&] { return closed_ || !queue_.empty(); });
        if (queue_.empty() && closed_) return;
        size_t n = std::min(queue_.size(), static_cast<size_t>(std::max(opts_.group_commit_max, 1)));
        batch.assign(queue_.begin(), queue_.begin() + static_cast<long>(n));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
      }
      run_batch(batch);
      if (restart_wanted_.exchange(false))
        sqlite3_wal_checkpoint_v2(writer_conn_->handle(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
      writes_since_checkpoint_ += batch.size();
      if (writes_since_checkpoint_ > 256) cp_cv_.notify_one();
      batch.clear();
    }
  }

  void run_batch(std::vector<Job*>& batch) {
    SqliteConn& c = *writer_conn_;
    std::vector<Status> results(batch.size());
    c.new_epoch();
    Status begin = c.raw("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (auto* j : batch) j->done.set_value(begin);
      return;
    }
    c.set_in_batch(true);
    bool any_ok = false;
    for (size_t i = 0; i < batch.size(); ++i) {
      Status s = c.raw("SAVEPOINT w");
      if (s.ok()) {
        std::vector<uint64_t> marks = c.pre_marks();
        try {
          s = (*batch[i]->fn)(c);
        } catch (const std::exception& e) {
          s = Error::Internal(e.what());
        }
        c.unit_done();
        if (!s.ok()) {
          (void)c.raw("ROLLBACK TO w");
          c.new_epoch();
          c.pre_rollback(marks);
        }
        (void)c.raw("RELEASE w");
      }
      any_ok = any_ok || s.ok();
      results[i] = std::move(s);
    }
    // The batch's deferred work (PreCommit), once for all its units, inside the transaction.
    Status commit = Ok();
    if (any_ok) {
      try {
        commit = c.pre_flush();
      } catch (const std::exception& e) {
        commit = Error::Internal(e.what());
      }
    }
    c.set_in_batch(false);
    if (commit.ok()) commit = c.raw("COMMIT");
    if (!commit.ok()) {
      (void)c.raw("ROLLBACK");
      c.new_epoch();
      for (auto& r : results)
        if (r.ok()) r = commit;
    }
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(results[i]));
  }

  void checkpoint_loop() {
    std::unique_lock lk(cp_mu_);
    while (!cp_stop_) {
      cp_cv_.wait_for(lk, std::chrono::seconds(1));
      if (cp_stop_) break;
      if (writes_since_checkpoint_ == 0) continue;
      writes_since_checkpoint_ = 0;
      lk.unlock();
      int log_frames = 0, copied = 0;
      sqlite3_wal_checkpoint_v2(checkpoint_conn_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
      // A passive checkpoint copies frames back but never lets the WAL start again from its
      // beginning while writes keep coming (a writer restarts it only when everything was
      // copied and no reader is in it): under steady writes it grew without end. Past a size
      // the writer thread itself runs a RESTART checkpoint between two batches (from this
      // thread it would wait for a write lock the writer takes again at once).
      if (log_frames >= kRestartFrames) restart_wanted_ = true;
      lk.lock();
    }
    // Final full checkpoint so the database file is complete after a clean shutdown.
    sqlite3_wal_checkpoint_v2(checkpoint_conn_->handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }

  static constexpr int kRestartFrames = 8192;  // WAL frames (32 MiB of 4 KiB pages) before a RESTART checkpoint

  DatabaseOptions opts_;
  std::string path_;
  std::unique_ptr<SqliteConn> writer_conn_, checkpoint_conn_;
  std::thread writer_, checkpointer_;
  std::thread::id writer_id_;

  std::mutex q_mu_;
  std::condition_variable q_cv_;
  std::deque<Job*> queue_;  // guarded by q_mu_
  std::atomic<bool> closed_{false};

  mutable std::mutex pool_mu_;
  std::vector<std::unique_ptr<SqliteConn>> pool_;  // guarded by pool_mu_
  int in_use_ = 0;                                 // guarded by pool_mu_

  std::mutex cp_mu_;
  std::condition_variable cp_cv_;
  bool cp_stop_ = false;
  std::atomic<size_t> writes_since_checkpoint_{0};
  std::atomic<bool> restart_wanted_{false};  // the WAL is long: the writer restarts it between batches
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const DatabaseOptions& opts) {
  // No global memory statistics: they take a mutex on every allocation inside SQLite.
  static const int configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sqlite3_initialize();
  }();
  if (configured != SQLITE_OK) return Error::Internal("SQLite 初始化失败");
  auto db = std::make_unique<SqliteDatabase>(opts);
  SL_TRY(db->init());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace sl::storage
