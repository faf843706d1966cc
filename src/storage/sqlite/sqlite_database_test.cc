#include "storage/sqlite/sqlite_database.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "storage/migrations.h"

namespace sl::storage {
namespace {

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sl-sqlite-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = open(false);
    ASSERT_TRUE(db_->write([](Conn& c) -> Status {
      SL_TRY(c.exec("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, n INTEGER, f REAL, b BLOB)"));
      return Ok();
    }).ok());
  }
  void TearDown() override {
    if (db_) db_->close();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<Database> open(bool power) {
    DatabaseOptions o;
    o.url = "sqlite:" + (dir_ / "t.db").string();
    o.power_durable = power;
    auto r = open_sqlite(o);
    EXPECT_TRUE(r.ok());
    return std::move(r).value();
  }
  int64_t count() {
    return db_->read_value<int64_t>([](Conn& c) -> Result<int64_t> {
                 SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM t"));
                 return r->i64(0);
               })
        .value();
  }
  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(SqliteTest, ValuesRoundTrip) {
  auto id = db_->write_value<int64_t>([](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto rows, c.query("INSERT INTO t (name, n, f, b) VALUES (?, ?, ?, ?) RETURNING id",
                                 {std::string("委员"), int64_t{42}, 2.5, Blob{std::string("\0\1\2", 3)}}));
    return rows.front().i64(0);
  });
  ASSERT_TRUE(id.ok());
  auto row = db_->read_value<std::optional<Row>>([&](Conn& c) {
    return c.query_one("SELECT name, n, f, b, NULL FROM t WHERE id = ?", {*id});
  });
  ASSERT_TRUE(row.ok() && row->has_value());
  const Row& r = **row;
  EXPECT_EQ(r.str(0), "委员");
  EXPECT_EQ(r.i64(1), 42);
  EXPECT_DOUBLE_EQ(r.f64(2), 2.5);
  EXPECT_EQ(r.str(3), std::string("\0\1\2", 3));
  EXPECT_TRUE(r.is_null(4));
}

TEST_F(SqliteTest, UniqueViolationIsConflictAndRollsBackTheUnit) {
  ASSERT_TRUE(db_->write([](Conn& c) { return c.exec("INSERT INTO t (name) VALUES ('a')").ok() ? Ok() : Error::Internal("x"); }).ok());
  Status s = db_->write([](Conn& c) -> Status {
    SL_TRY(c.exec("INSERT INTO t (name) VALUES ('b')"));
    SL_TRY(c.exec("INSERT INTO t (name) VALUES ('a')"));
    return Ok();
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kConflict);
  EXPECT_EQ(count(), 1);  // 'b' was rolled back with its unit
}

TEST_F(SqliteTest, ConcurrentWritesAllCommitAndOneFailureDoesNotSpoilTheGroup) {
  constexpr int kThreads = 8, kEach = 200;
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        bool poison = i % 50 == 0;  // fails after inserting: its insert must vanish
        Status s = db_->write([&](Conn& c) -> Status {
          SL_TRY(c.exec("INSERT INTO t (name, n) VALUES (?, ?)", {std::to_string(t) + ":" + std::to_string(i), int64_t{i}}));
          if (poison) return Error::Invalid("poison", "deliberate");
          return Ok();
        });
        (s.ok() ? ok : failed)++;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(failed.load(), kThreads * (kEach / 50));
  EXPECT_EQ(count(), ok.load());
}

// The background checkpointer copies committed pages from the -wal file into the database
// file while the database is open (it used to be a silent no-op until the last connection
// closed: its connection had never read, so it did not know the database was in WAL mode).
// A PreCommit that inserts the names its units collected into t, once, before COMMIT.
class CollectNames final : public PreCommit {
 public:
  std::vector<std::string> names;
  uint64_t mark() const override { return names.size(); }
  void rollback_to(uint64_t n) override { names.resize(n); }
  Status flush(Conn& c) override {
    for (auto& n : names) {
      if (n == "poison") return Error::Internal("poisoned flush");
      SL_TRY(c.exec("INSERT INTO t (name, n) VALUES (?, ?)", {n, int64_t{static_cast<int64_t>(names.size())}}));
    }
    names.clear();
    return Ok();
  }
};

TEST_F(SqliteTest, PreCommitWorkKeepsOnlyTheSuccessfulUnitsOfAGroupCommit) {
  constexpr int kThreads = 8, kPer = 40;
  std::vector<std::thread> ts;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        const bool fail = (i % 3) == 1;
        Status s = db_->write([&](Conn& c) -> Status {
          auto* p = c.pre_commit<CollectNames>();
          if (!p) return Error::Internal("no pre-commit on the SQLite writer");
          p->names.push_back("w" + std::to_string(t) + "-" + std::to_string(i));
          p->names.push_back("x" + std::to_string(t) + "-" + std::to_string(i));
          if (fail) return Error::Invalid("no", "this unit fails after adding its names");
          return Ok();
        });
        if (s.ok()) ok++;
        else EXPECT_EQ(s.error().slug, "no");
      }
    });
  for (auto& th : ts) th.join();
  EXPECT_EQ(ok.load(), kThreads * (kPer - kPer / 3));
  EXPECT_EQ(count(), 2 * ok.load());
  auto failed = db_->read_value<int64_t>([](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM t WHERE CAST(substr(name, instr(name, '-') + 1) AS INTEGER) % 3 = 1"));
    return r->i64(0);
  });
  EXPECT_EQ(*failed, 0);
  // Reads and other connections have no pre-commit point: the caller does its work at once.
  EXPECT_TRUE(db_->read([](Conn& c) -> Status {
    return c.pre_commit<CollectNames>() == nullptr ? Ok() : Error::Internal("a read has a pre-commit");
  }).ok());
}

TEST_F(SqliteTest, PreCommitWorkFollowsTheUnitsOwnSavepoints) {
  ASSERT_TRUE(db_->write([](Conn& c) -> Status {
    c.pre_commit<CollectNames>()->names.push_back("before");
    SL_TRY(c.exec("SAVEPOINT mine"));
    c.pre_commit<CollectNames>()->names.push_back("undone");
    SL_TRY(c.exec("SAVEPOINT inner"));
    c.pre_commit<CollectNames>()->names.push_back("undone too");
    SL_TRY(c.exec("ROLLBACK TO mine"));
    SL_TRY(c.exec("RELEASE mine"));
    c.pre_commit<CollectNames>()->names.push_back("after");
    SL_TRY(c.exec("savepoint kept"));
    c.pre_commit<CollectNames>()->names.push_back("kept");
    SL_TRY(c.exec("release savepoint kept"));
    return Ok();
  }).ok());
  auto names = db_->read_value<std::string>([](Conn& c) -> Result<std::string> {
    SL_ASSIGN(auto r, c.query_one("SELECT group_concat(name, ',') FROM (SELECT name FROM t ORDER BY id)"));
    return r->str(0);
  });
  EXPECT_EQ(*names, "before,after,kept");
}

TEST_F(SqliteTest, AFailingPreCommitFailsTheWholeTransaction) {
  Status s = db_->write([](Conn& c) -> Status {
    SL_TRY(c.exec("INSERT INTO t (name) VALUES ('direct')"));
    c.pre_commit<CollectNames>()->names.push_back("poison");
    return Ok();
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(count(), 0);
  // The writer goes on: the next transaction starts without the failed one's work.
  ASSERT_TRUE(db_->write([](Conn& c) -> Status {
    c.pre_commit<CollectNames>()->names.push_back("fine");
    return Ok();
  }).ok());
  EXPECT_EQ(count(), 1);
}

TEST_F(SqliteTest, CheckpointerCopiesTheWalIntoTheDatabaseWhileOpen) {
  auto main_size = [&] { return std::filesystem::file_size(dir_ / "t.db"); };
  uintmax_t before = main_size();
  std::string filler(2000, 'x');
  for (int i = 0; i < 300; ++i)
    ASSERT_TRUE(db_->write([&](Conn& c) -> Status {
      SL_TRY(c.exec("INSERT INTO t (name, b) VALUES (?, ?)", {"r" + std::to_string(i), Blob{filler}}));
      return Ok();
    }).ok());
  // 300 rows of 2 KB are ~600 KB of pages; the checkpointer runs at least once a second.
  for (int i = 0; i < 600 && main_size() < before + 500'000; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_GE(main_size(), before + 500'000) << "the database file did not receive the WAL's pages";
  EXPECT_EQ(count(), 300);
}

TEST_F(SqliteTest, ClosedDatabaseIsUnavailable) {
  db_->close();
  Status s = db_->write([](Conn&) { return Ok(); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kUnavailable);
  EXPECT_FALSE(db_->ping());
  db_.reset();
}

TEST_F(SqliteTest, MigrationsApplyOnceAndReportCurrent) {
  auto ran = migrate(*db_);
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_EQ(*ran, static_cast<int>(embedded_migrations().size()));
  auto again = migrate(*db_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  auto cur = migrations_current(*db_);
  ASSERT_TRUE(cur.ok());
  EXPECT_TRUE(*cur);
}

// kill -9 of a writing process must never lose a write that was acknowledged.
void crash_test(const std::filesystem::path& dir, bool power) {
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    DatabaseOptions o;
    o.url = "sqlite:" + (dir / "t.db").string();
    o.power_durable = power;
    auto db = open_sqlite(o);
    if (!db.ok()) ::_exit(3);
    for (int i = 0;; ++i) {
      Status s = (*db)->write([&](Conn& c) -> Status {
        SL_TRY(c.exec("INSERT INTO t (name) VALUES (?)", {"crash" + std::to_string(i)}));
        return Ok();
      });
      if (!s.ok()) ::_exit(4);
      int32_t acked = i + 1;
      if (::write(pipefd[1], &acked, sizeof acked) != sizeof acked) ::_exit(5);
    }
  }
  ::close(pipefd[1]);
  int32_t last = 0, v = 0;
  while (last < 300 && ::read(pipefd[0], &v, sizeof v) == sizeof v) last = v;
  ::kill(pid, SIGKILL);
  // Drain acknowledgements that were already sent before the kill.
  while (::read(pipefd[0], &v, sizeof v) == sizeof v) last = v;
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  DatabaseOptions o;
  o.url = "sqlite:" + (dir / "t.db").string();
  auto db = open_sqlite(o);
  ASSERT_TRUE(db.ok());
  auto n = (*db)->read_value<int64_t>([](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM t WHERE name LIKE 'crash%'"));
    return r->i64(0);
  });
  ASSERT_TRUE(n.ok());
  EXPECT_GE(*n, last) << "acknowledged writes were lost";
  EXPECT_GE(last, 300);
  (*db)->close();
}

TEST_F(SqliteTest, KillNineLosesNoAcknowledgedWrite) {
  db_->close();
  db_.reset();
  crash_test(dir_, false);
}

TEST_F(SqliteTest, KillNineLosesNoAcknowledgedWritePowerDurable) {
  db_->close();
  db_.reset();
  crash_test(dir_, true);
}

}  // namespace
}  // namespace sl::storage
