// Ledger costs, printed (a benchmark, not a test):
//  1. write throughput of a small insert with and without a ledger entry appended in the same
//     transaction (8 writer threads, SQLite, durability "process");
//  2. inclusion-proof generation time against a tree of N entries (median of 2,000 proofs).
//   build/sl_bench_ledger [DIR] [N] [SECONDS]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "modules/ledger/ledger.h"
#include "storage/database.h"
#include "storage/migrations.h"

using namespace sl;
using namespace sl::storage;
using Clk = std::chrono::steady_clock;

struct Env {
  std::unique_ptr<Database> db;
  std::unique_ptr<ledger::Ledger> ledger;
};

static SystemClock clock_;
static SecureRandom random_;

static Env open_env(const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  DatabaseOptions o;
  o.url = "sqlite:" + dir + "/bench.db";
  Env e;
  e.db = std::move(open_database(o)).value();
  (void)migrate(*e.db);
  (void)e.db->write([](Conn& c) -> Status {
    SL_TRY(c.exec("CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER, body TEXT, at INTEGER)"));
    return Ok();
  });
  ledger::Keys k;
  random_.fill(k.signing_seed.data(), 32);
  k.actor_key = "bench";
  e.ledger = std::make_unique<ledger::Ledger>(*e.db, clock_, random_, k, "bench.local/ledger");
  return e;
}

static double writes_per_second(Env& e, bool with_ledger, int threads, double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0};
  std::vector<std::thread> ts;
  auto start = Clk::now();
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      access::Caller actor;
      actor.person_id = t + 1;
      std::string body(300, 'x');
      std::string salt = e.ledger->new_salt();
      while (!stop.load(std::memory_order_relaxed)) {
        Status s = e.db->write([&](Conn& c) -> Status {
          SL_ASSIGN(auto rows, c.query("INSERT INTO posts (author, body, at) VALUES (?, ?, ?) RETURNING id",
                                       {int64_t{t}, body, int64_t{42}}));
          if (with_ledger)
            SL_TRY(e.ledger->append(c, actor, ledger::Change{"post.created", "post", rows.front().i64(0), body, salt}));
          return Ok();
        });
        if (s.ok()) done++;
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : ts) t.join();
  return static_cast<double>(done.load()) / std::chrono::duration<double>(Clk::now() - start).count();
}

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "/tmp/sl-ledger-bench";
  uint64_t n = argc > 2 ? std::stoull(argv[2]) : 1'000'000;
  double seconds = argc > 3 ? std::stod(argv[3]) : 3.0;

  // 1. Append overhead, interleaved runs.
  std::vector<double> plain, with;
  for (int round = 0; round < 3; ++round) {
    Env a = open_env(dir + "/a");
    plain.push_back(writes_per_second(a, false, 8, seconds));
    a.db->close();
    Env b = open_env(dir + "/b");
    with.push_back(writes_per_second(b, true, 8, seconds));
    b.ledger->stop();
    b.db->close();
  }
  std::sort(plain.begin(), plain.end());
  std::sort(with.begin(), with.end());
  std::printf("writes/s, 8 threads, median of 3: without ledger %.0f, with ledger %.0f (cost %.1f%%)\n", plain[1],
              with[1], 100.0 * (1 - with[1] / plain[1]));

  // 2. Proof generation at N entries (appended in large transactions, then checkpointed).
  Env e = open_env(dir + "/p");
  auto t0 = Clk::now();
  access::Caller sys;
  for (uint64_t done = 0; done < n;) {
    uint64_t chunk = std::min<uint64_t>(20000, n - done);
    (void)e.db->write([&](Conn& c) -> Status {
      for (uint64_t i = 0; i < chunk; ++i)
        SL_TRY(e.ledger->append(c, sys, ledger::Change{"post.created", "post", static_cast<int64_t>(done + i + 1), "x", "s"}));
      return Ok();
    });
    done += chunk;
  }
  double fill = std::chrono::duration<double>(Clk::now() - t0).count();
  t0 = Clk::now();
  uint64_t size = 0;
  while (size < n) size = *e.ledger->checkpoint_now();
  double cp = std::chrono::duration<double>(Clk::now() - t0).count();
  std::vector<double> us;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 2000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    auto s = Clk::now();
    auto p = e.ledger->inclusion(x % n, n);
    us.push_back(std::chrono::duration<double, std::micro>(Clk::now() - s).count());
    if (!p.ok()) {
      std::printf("proof failed: %s\n", p.error().message.c_str());
      return 1;
    }
  }
  std::sort(us.begin(), us.end());
  std::printf("tree of %llu entries (filled in %.1f s, tree built and signed in %.1f s)\n",
              static_cast<unsigned long long>(n), fill, cp);
  std::printf("inclusion proof incl. entry and checkpoint, median %.1f us, p99 %.1f us\n", us[us.size() / 2],
              us[us.size() * 99 / 100]);
  e.ledger->stop();
  e.db->close();
  std::filesystem::remove_all(dir);
}
