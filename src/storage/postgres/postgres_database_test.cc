// Tests of the PostgreSQL backend against a real, throwaway server (pg_test_server.h) started
// with scripts/services.sh on a free loopback port. The server starts on the first test that
// needs it and stops when the test binary ends. If it cannot start, the tests fail (never skip).
#include "storage/postgres/postgres_database.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "storage/dialect.h"
#include "storage/leader_lock.h"
#include "storage/migrations.h"
#include "storage/postgres/pg_test_server.h"

namespace sl::storage {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

using pgtest::free_loopback_port;
using pgtest::PgServer;

// --- fixture --------------------------------------------------------------------------------

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PgServer& server = PgServer::get();
    ASSERT_TRUE(server.ok()) << "PostgreSQL did not start: " << server.error();
    url_ = server.url();
    db_ = open(4);
    ASSERT_NE(db_, nullptr);
    // A clean schema for every test.
    Status s = db_->write([](Conn& c) -> Status {
      SL_TRY(c.exec("DROP SCHEMA IF EXISTS public CASCADE"));
      SL_TRY(c.exec("CREATE SCHEMA public"));
      return Ok();
    });
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  std::unique_ptr<Database> open(int pool_size, int busy_timeout_ms = 5000) {
    DatabaseOptions o;
    o.url = url_;
    o.pool_size = pool_size;
    o.busy_timeout_ms = busy_timeout_ms;
    auto r = open_postgres(o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : nullptr;
  }

  Status exec(std::string_view sql, Params params = {}) {
    return db_->write([&](Conn& c) -> Status {
      SL_TRY(c.exec(sql, params));
      return Ok();
    });
  }

  Result<Rows> query(std::string_view sql, Params params = {}) {
    return db_->read_value<Rows>([&](Conn& c) { return c.query(sql, params); });
  }

  Result<int64_t> count(std::string_view table) {
    SL_ASSIGN(Rows rows, query("SELECT count(*) FROM " + std::string(table)));
    return rows.at(0).i64(0);
  }

  std::string url_;
  std::unique_ptr<Database> db_;
};

#define ASSERT_OK(expr)                                                 \
  do {                                                                  \
    auto&& r_ = (expr);                                                 \
    ASSERT_TRUE(r_.ok()) << #expr << ": " << r_.error().message;        \
  } while (0)

// --- tests ----------------------------------------------------------------------------------

TEST_F(PostgresTest, DialectDdlAndEveryValueTypeRoundTrips) {
  const std::string ddl = expand_migration(
      "CREATE TABLE items (id {{ID}}, n {{BIGINT}}, f DOUBLE PRECISION, s TEXT, b {{BLOB}}, "
      "flag BOOLEAN, small SMALLINT, num NUMERIC(20, 4), born DATE);\n"
      "CREATE INDEX items_n ON items (n);\n",
      Dialect::kPostgres);
  ASSERT_OK(exec(ddl));  // two statements, no parameters: the simple protocol

  const std::string bytes("\x00\x01\xff'\\?\"", 7);
  const std::string text = "养老 'quoted' \"q\" ? \\ 繁體";
  auto id1 = db_->write_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(Rows rows, c.query("INSERT INTO items (n, f, s, b, flag, small, num, born) "
                                 "VALUES (?, ?, ?, ?, TRUE, ?, ?, ?) RETURNING id",
                                 {int64_t{9'000'000'000'000'000'000}, 3.25, text, Blob{bytes}, int64_t{-7},
                                  1234.5, std::string("2024-02-29")}));
    return rows.at(0).i64(0);
  });
  ASSERT_OK(id1);
  auto id2 = db_->write_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(Rows rows, c.query("INSERT INTO items (n, f, s, b, flag, small, num, born) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                 {Null{}, Null{}, Null{}, Null{}, Null{}, Null{}, Null{}, Null{}}));
    return rows.at(0).i64(0);
  });
  ASSERT_OK(id2);
  EXPECT_GT(*id2, *id1);

  auto rows = query("SELECT id, n, f, s, b, flag, small, num, born FROM items ORDER BY id");
  ASSERT_OK(rows);
  ASSERT_EQ(rows->size(), 2u);
  const Row& r = rows->at(0);
  EXPECT_EQ(std::get<int64_t>(r.at(0)), *id1);
  EXPECT_EQ(std::get<int64_t>(r.at(1)), 9'000'000'000'000'000'000);
  EXPECT_EQ(std::get<double>(r.at(2)), 3.25);
  EXPECT_EQ(std::get<std::string>(r.at(3)), text);
  EXPECT_EQ(std::get<Blob>(r.at(4)).bytes, bytes);
  EXPECT_EQ(std::get<int64_t>(r.at(5)), 1);
  EXPECT_EQ(std::get<int64_t>(r.at(6)), -7);
  EXPECT_EQ(std::get<double>(r.at(7)), 1234.5);
  EXPECT_EQ(std::get<std::string>(r.at(8)), "2024-02-29");
  const Row& nulls = rows->at(1);
  for (size_t i = 1; i < nulls.size(); ++i) EXPECT_TRUE(nulls.is_null(i)) << "column " << i;

  // Parameter types reach the server: a bare ? comes back with the type it went in with.
  // (An untyped NULL in `? IS NULL` cannot be typed by the server: write CAST(? AS ...).)
  auto untyped = query("SELECT ? IS NULL", {Null{}});
  ASSERT_FALSE(untyped.ok());
  EXPECT_EQ(untyped.error().code, Code::kInternal);
  auto typed = query("SELECT ?, ?, ?, ?, CAST(? AS TEXT) IS NULL, 1 = 0",
                     {int64_t{42}, 0.5, std::string("x"), Blob{std::string("\x00z", 2)}, Null{}});
  ASSERT_OK(typed);
  const Row& t = typed->at(0);
  EXPECT_EQ(std::get<int64_t>(t.at(0)), 42);
  EXPECT_EQ(std::get<double>(t.at(1)), 0.5);
  EXPECT_EQ(std::get<std::string>(t.at(2)), "x");
  EXPECT_EQ(std::get<Blob>(t.at(3)).bytes, std::string("\x00z", 2));
  EXPECT_EQ(std::get<int64_t>(t.at(4)), 1);
  EXPECT_EQ(std::get<int64_t>(t.at(5)), 0);

  // exec() counts rows; prepared statements are reused (same SQL, same types).
  for (int i = 0; i < 3; ++i) {
    auto n = db_->write_value<int64_t>(
        [&](Conn& c) { return c.exec("UPDATE items SET small = ? WHERE id >= ?", {int64_t{i}, *id1}); });
    ASSERT_OK(n);
    EXPECT_EQ(*n, 2);
  }
  // A string with a NUL cannot reach PostgreSQL text: refused, not silently cut.
  auto nul = exec("UPDATE items SET s = ?", {std::string("a\0b", 3)});
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().code, Code::kInvalidArgument);
}

TEST_F(PostgresTest, ExecScriptRunsAWholeMigrationInsideTheUnit) {
  const std::string script = expand_migration(
      "-- a migration file\n"
      "CREATE TABLE a (id {{ID}}, note TEXT DEFAULT 'x;\ny');\n"
      "CREATE FUNCTION a_touch() RETURNS trigger LANGUAGE plpgsql AS $$\n"
      "BEGIN\n"
      "  NEW.note := 'touched';\n"
      "  RETURN NEW;\n"
      "END $$;\n"
      "CREATE TRIGGER a_touch BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION a_touch();\n",
      Dialect::kPostgres);
  ASSERT_OK(db_->write([&](Conn& c) -> Status { return c.exec_script(script); }));
  ASSERT_OK(exec("INSERT INTO a DEFAULT VALUES"));
  auto rows = query("SELECT note FROM a");
  ASSERT_OK(rows);
  EXPECT_EQ(rows->at(0).str(0), "touched");

  // A failing script leaves nothing behind.
  Status bad = db_->write([&](Conn& c) -> Status {
    return c.exec_script("CREATE TABLE b (id BIGINT);\nCREATE TABLE a (id BIGINT);\n");
  });
  ASSERT_FALSE(bad.ok());
  auto b = query("SELECT count(*) FROM pg_tables WHERE tablename = 'b'");
  ASSERT_OK(b);
  EXPECT_EQ(b->at(0).i64(0), 0);
}

TEST_F(PostgresTest, EmbeddedMigrationsApplyOnce) {
  auto ran = migrate(*db_);
  ASSERT_OK(ran);
  EXPECT_EQ(*ran, static_cast<int>(embedded_migrations().size()));
  auto again = migrate(*db_);
  ASSERT_OK(again);
  EXPECT_EQ(*again, 0);
  auto current = migrations_current(*db_);
  ASSERT_OK(current);
  EXPECT_TRUE(*current);
}

TEST_F(PostgresTest, ConstraintViolationsMapToCodesWithoutLeakingValues) {
  ASSERT_OK(exec(expand_migration(
      "CREATE TABLE users (id {{ID}}, login TEXT NOT NULL CONSTRAINT users_login_key UNIQUE, "
      "age INTEGER CHECK (age >= 0));"
      "CREATE TABLE posts (id {{ID}}, user_id BIGINT NOT NULL REFERENCES users (id));",
      Dialect::kPostgres)));
  ASSERT_OK(exec("INSERT INTO users (login) VALUES (?)", {std::string("zhang.san@example.cn")}));

  auto dup = exec("INSERT INTO users (login) VALUES (?)", {std::string("zhang.san@example.cn")});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Code::kConflict);
  EXPECT_EQ(dup.error().slug, "conflict");
  EXPECT_NE(dup.error().message.find("users_login_key"), std::string::npos) << dup.error().message;
  EXPECT_EQ(dup.error().message.find("zhang.san"), std::string::npos) << dup.error().message;
  EXPECT_EQ(dup.error().message.find("INSERT"), std::string::npos) << dup.error().message;

  auto fk = exec("INSERT INTO posts (user_id) VALUES (?)", {int64_t{999}});
  ASSERT_FALSE(fk.ok());
  EXPECT_EQ(fk.error().code, Code::kConflict);
  EXPECT_EQ(fk.error().slug, "foreign_key");

  auto not_null = exec("INSERT INTO users (login) VALUES (?)", {Null{}});
  ASSERT_FALSE(not_null.ok());
  EXPECT_EQ(not_null.error().code, Code::kInvalidArgument);

  auto check = exec("INSERT INTO users (login, age) VALUES (?, ?)", {std::string("li.si"), int64_t{-1}});
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.error().code, Code::kInvalidArgument);

  auto bad = exec("INSERT INTO users (login, age) VALUES (?, ?)", {std::string("li.si"), std::string("身份证 1234")});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Code::kInvalidArgument);
  EXPECT_EQ(bad.error().message.find("1234"), std::string::npos) << bad.error().message;

  auto syntax = exec("SELEC nonsense FROM users WHERE login = ?", {std::string("secret")});
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code, Code::kInternal);
  EXPECT_EQ(syntax.error().message.find("SELEC"), std::string::npos) << syntax.error().message;

  // The connection is fine afterwards.
  auto n = count("users");
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1);
}

TEST_F(PostgresTest, WriteRollsBackOnError) {
  ASSERT_OK(exec("CREATE TABLE t (id BIGINT PRIMARY KEY)"));
  Status s = db_->write([](Conn& c) -> Status {
    SL_TRY(c.exec("INSERT INTO t (id) VALUES (?)", {int64_t{1}}));
    SL_TRY(c.exec("INSERT INTO t (id) VALUES (?)", {int64_t{2}}));
    return Error::Invalid("nope", "业务规则拒绝");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().slug, "nope");

  // fn ignores a failed statement and returns Ok: the transaction is aborted all the same.
  Status swallowed = db_->write([](Conn& c) -> Status {
    SL_TRY(c.exec("INSERT INTO t (id) VALUES (?)", {int64_t{3}}));
    (void)c.exec("INSERT INTO t (id) VALUES (?)", {int64_t{3}});  // unique violation, ignored
    return Ok();
  });
  ASSERT_FALSE(swallowed.ok());
  EXPECT_EQ(swallowed.error().code, Code::kConflict);

  auto n = count("t");
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0);

  // read() is read-only.
  Status ro = db_->read([](Conn& c) -> Status {
    SL_TRY(c.exec("INSERT INTO t (id) VALUES (?)", {int64_t{4}}));
    return Ok();
  });
  EXPECT_FALSE(ro.ok());
  EXPECT_EQ(*count("t"), 0);
}

TEST_F(PostgresTest, ConcurrentWritesFromFourThreadsAllCommit) {
  ASSERT_OK(exec(expand_migration("CREATE TABLE t (id {{ID}}, worker BIGINT, k BIGINT)", Dialect::kPostgres)));
  ASSERT_OK(exec("CREATE TABLE counter (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)"));
  ASSERT_OK(exec("INSERT INTO counter VALUES (1, 0)"));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      for (int k = 0; k < kPerThread; ++k) {
        Status s = db_->write([&](Conn& c) -> Status {
          SL_TRY(c.exec("INSERT INTO t (worker, k) VALUES (?, ?)", {int64_t{w}, int64_t{k}}));
          SL_TRY(c.exec("UPDATE counter SET v = v + 1 WHERE id = 1"));
          return Ok();
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*count("t"), kThreads * kPerThread);
  auto v = query("SELECT v FROM counter WHERE id = 1");
  ASSERT_OK(v);
  EXPECT_EQ(v->at(0).i64(0), kThreads * kPerThread);
  const PoolStats st = db_->pool_stats();
  EXPECT_EQ(st.size, 4);
  EXPECT_EQ(st.in_use, 0);
}

TEST_F(PostgresTest, InjectedSerializationFailureIsRetried) {
  ASSERT_OK(exec("CREATE TABLE t (id BIGINT PRIMARY KEY)"));
  int attempts = 0;
  Status s = db_->write([&](Conn& c) -> Status {
    ++attempts;
    SL_TRY(c.exec("INSERT INTO t (id) VALUES (?)", {int64_t{attempts}}));
    if (attempts == 1) {
      SL_TRY(c.exec("DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '40001'; END $$"));
    }
    return Ok();
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(attempts, 2);
  auto rows = query("SELECT id FROM t");
  ASSERT_OK(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).i64(0), 2);  // the first attempt was rolled back

  // Always failing: gives up after 1 + 5 attempts with kRetry.
  attempts = 0;
  Status never = db_->write([&](Conn& c) -> Status {
    ++attempts;
    SL_TRY(c.exec("DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '40P01'; END $$"));
    return Ok();
  });
  ASSERT_FALSE(never.ok());
  EXPECT_EQ(never.error().code, Code::kRetry);
  EXPECT_EQ(attempts, 6);
}

TEST_F(PostgresTest, RealSerializableConflictIsRetried) {
  ASSERT_OK(exec("CREATE TABLE counter (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)"));
  ASSERT_OK(exec("INSERT INTO counter VALUES (1, 0)"));
  // Both transactions read v before either writes: the second writer must fail with 40001
  // and succeed on its retry, so no increment is lost.
  std::latch both_read(2);
  std::atomic<int> attempts{0};
  auto increment = [&] {
    bool first = true;
    return db_->write([&](Conn& c) -> Status {
      ++attempts;
      SL_TRY(c.exec("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"));
      SL_ASSIGN(Rows rows, c.query("SELECT v FROM counter WHERE id = ?", {int64_t{1}}));
      if (first) {
        first = false;
        both_read.arrive_and_wait();
      }
      SL_TRY(c.exec("UPDATE counter SET v = ? WHERE id = ?", {rows.at(0).i64(0) + 1, int64_t{1}}));
      return Ok();
    });
  };
  Status a, b;
  std::thread ta([&] { a = increment(); });
  std::thread tb([&] { b = increment(); });
  ta.join();
  tb.join();
  EXPECT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE(b.ok()) << b.error().message;
  EXPECT_GE(attempts.load(), 3);
  auto v = query("SELECT v FROM counter");
  ASSERT_OK(v);
  EXPECT_EQ(v->at(0).i64(0), 2);
}

TEST_F(PostgresTest, PoolWaitsThenTimesOut) {
  auto db = open(1, /*busy_timeout_ms=*/300);
  ASSERT_NE(db, nullptr);
  std::latch holding(1);
  std::latch done(1);
  std::thread holder([&] {
    Status s = db->read([&](Conn&) -> Status {
      holding.count_down();
      done.wait();
      return Ok();
    });
    EXPECT_TRUE(s.ok());
  });
  holding.wait();
  const auto t0 = steady_clock::now();
  Status s = db->read([](Conn&) -> Status { return Ok(); });
  const auto waited = steady_clock::now() - t0;
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kUnavailable);
  EXPECT_GE(waited, milliseconds(250));
  PoolStats st = db->pool_stats();
  EXPECT_EQ(st.size, 1);
  EXPECT_EQ(st.in_use, 1);
  EXPECT_EQ(st.waits, 1);
  done.count_down();
  holder.join();
  EXPECT_EQ(db->pool_stats().in_use, 0);
  EXPECT_TRUE(db->read([](Conn&) -> Status { return Ok(); }).ok());
}

TEST_F(PostgresTest, CloseIsIdempotentAndLaterCallsAreUnavailable) {
  auto db = open(2);
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(db->ping());
  db->close();
  db->close();
  EXPECT_FALSE(db->ping());
  Status s = db->read([](Conn&) -> Status { return Ok(); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kUnavailable);
  Status w = db->write([](Conn&) -> Status { return Ok(); });
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Code::kUnavailable);
}

TEST_F(PostgresTest, BadUrlIsRejectedAndUnreachableServerIsUnavailable) {
  DatabaseOptions o;
  o.url = "postgresql://[::1";
  auto bad = open_postgres(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Code::kInvalidArgument);

  o.url = "postgresql://nobody@127.0.0.1:" + std::to_string(free_loopback_port()) + "/x";
  auto db = open_postgres(o);
  ASSERT_OK(db);
  EXPECT_FALSE((*db)->ping());
  Status s = (*db)->read([](Conn&) -> Status { return Ok(); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kUnavailable);
  EXPECT_EQ(s.error().message, "数据库暂时不可用");
}

// Last: stops and restarts the shared server.
TEST_F(PostgresTest, ZzOutageIsUnavailableAndThePoolReconnects) {
  ASSERT_OK(exec("CREATE TABLE t (id BIGINT PRIMARY KEY)"));
  ASSERT_OK(exec("INSERT INTO t VALUES (1)"));
  // Warm every pooled connection so they all go stale across the restart.
  {
    std::latch all(4);
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; ++i) {
      ts.emplace_back([&] {
        Status s = db_->read([&](Conn& c) -> Status {
          SL_TRY(c.query("SELECT id FROM t"));
          all.arrive_and_wait();
          return Ok();
        });
        EXPECT_TRUE(s.ok());
      });
    }
    for (auto& t : ts) t.join();
  }
  EXPECT_TRUE(db_->ping());

  ASSERT_TRUE(PgServer::get().pause());
  EXPECT_FALSE(db_->ping());
  Status down = db_->read([](Conn& c) -> Status {
    SL_TRY(c.query("SELECT id FROM t"));
    return Ok();
  });
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, Code::kUnavailable);
  EXPECT_EQ(down.error().message, "数据库暂时不可用");
  Status down_w = exec("INSERT INTO t VALUES (2)");
  ASSERT_FALSE(down_w.ok());
  EXPECT_EQ(down_w.error().code, Code::kUnavailable);

  ASSERT_TRUE(PgServer::get().resume());
  // Every connection in the pool is re-opened on first use; no call fails.
  std::atomic<int> failures{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i) {
    ts.emplace_back([&, i] {
      for (int k = 0; k < 5; ++k) {
        Status s = db_->write([&](Conn& c) -> Status {
          SL_TRY(c.exec("INSERT INTO t VALUES (?)", {int64_t{100 + i * 10 + k}}));
          return Ok();
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(db_->ping());
  EXPECT_EQ(*count("t"), 21);
}

// The scheduler's cluster lock: one session holds it; a second waits; when the holder's
// session ends (its process died: here the server terminates it) the next try takes it.
TEST_F(PostgresTest, LeaderLockIsHeldByOneSessionAndMovesWhenItEnds) {
  DatabaseOptions o;
  o.url = url_;
  auto a = make_leader_lock(o, 4242);
  auto b = make_leader_lock(o, 4242);
  auto other = make_leader_lock(o, 4343);
  EXPECT_TRUE(a->hold());
  EXPECT_FALSE(b->hold());
  EXPECT_TRUE(a->hold());  // the holder confirms
  EXPECT_TRUE(other->hold());  // another key is another lock
  EXPECT_FALSE(b->hold());
  // The holder's session ends as if its process were killed.
  ASSERT_OK(query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND granted"));
  bool taken = false;
  for (auto until = steady_clock::now() + std::chrono::seconds(10); !taken && steady_clock::now() < until;) {
    taken = b->hold();
    if (!taken) std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(taken);
  EXPECT_FALSE(a->hold());  // a notices its session is gone, and the lock is b's now
  // A graceful release hands it over at the next try.
  b->release();
  EXPECT_TRUE(a->hold());
  EXPECT_FALSE(b->hold());
  EXPECT_TRUE(other->hold());
}

}  // namespace
}  // namespace sl::storage
