// Write throughput of the SQLite backend: single-row commits from N threads, with
// durability "process" (synchronous=NORMAL) and "power" (synchronous=FULL, fsync per grouped
// commit). Prints commits/s per configuration. A benchmark, not a test.
//   build/sl_bench_storage [DIR] [SECONDS]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.h"

using namespace sl;
using namespace sl::storage;

static double run(const std::string& dir, bool power, int threads, double seconds) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  DatabaseOptions o;
  o.url = "sqlite:" + dir + "/bench.db";
  o.power_durable = power;
  auto db = open_database(o);
  if (!db.ok()) {
    std::fprintf(stderr, "open: %s\n", db.error().message.c_str());
    return 0;
  }
  (void)(*db)->write([](Conn& c) -> Status {
    SL_TRY(c.exec("CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER, body TEXT, at INTEGER)"));
    return Ok();
  });
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0};
  std::vector<std::thread> ts;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      std::string body(300, 'x');
      while (!stop.load(std::memory_order_relaxed)) {
        Status s = (*db)->write([&](Conn& c) -> Status {
          SL_TRY(c.exec("INSERT INTO posts (author, body, at) VALUES (?, ?, ?)", {int64_t{t}, body, int64_t{42}}));
          return Ok();
        });
        if (s.ok()) done++;
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : ts) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  (*db)->close();
  std::filesystem::remove_all(dir);
  return static_cast<double>(done.load()) / secs;
}

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "/tmp/sl-storage-bench";
  double seconds = argc > 2 ? std::stod(argv[2]) : 3.0;
  std::printf("%-10s %8s %14s\n", "durability", "threads", "commits/s");
  for (bool power : {false, true})
    for (int threads : {1, 8, 32}) {
      double rate = run(dir, power, threads, seconds);
      std::printf("%-10s %8d %14.0f\n", power ? "power" : "process", threads, rate);
      std::fflush(stdout);
    }
}
