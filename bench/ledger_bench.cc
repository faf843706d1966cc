// Ledger costs, printed (a benchmark, not a test):
//  1. write throughput with and without a ledger entry appended in the same transaction
//     (8 writer threads, SQLite, durability "process"), against two ordinary writes:
//       bare:      one 300-byte row inserted (the smallest write there is);
//       realistic: what a post or a membership change does in one transaction: insert the row
//                  (with an index by thread), bump the thread's counter row, store the
//                  idempotency record with the response body;
//       keyed POST: the same write as the server runs a POST with an Idempotency-Key
//                  (src/app/middleware.cc): a transaction claims the key, the handler's
//                  transaction bumps the counter and inserts the row (and appends the entry),
//                  a third stores the response. The middleware deletes expired keys at most
//                  once a minute (through an index, migration 0014): here once, at the start.
//     The six variants run interleaved, ROUNDS times each; medians are printed.
//  2. inclusion-proof generation against a tree of N entries: with the database reopened and a
//     fresh Ledger (as after a restart), 2,000 random proofs through Ledger::inclusion (entry,
//     proof, checkpoint note), then 2,000 more while other writes commit; the first call is
//     reported separately (it loads the in-memory upper tree).
//   build/sl_bench_ledger [DIR] [N] [SECONDS] [ROUNDS] [WHAT]
//   WHAT: all (default) | append | proof | proof-reuse (keeps DIR's tree for the next run) |
//         one variant for a profiler: bare, realistic, keyed-post, each with +ledger (once;
//         a 6th argument sets the client threads) |
//         services: the platform's own writes through the services, see svcbench below |
//         services-callgrind-OP (OP: post, reply, like, org; N = writes), under callgrind
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/random.h"
#include "modules/accounts/accounts.h"
#include "modules/deliberation/deliberation.h"
#include "modules/ledger/ledger.h"
#include "modules/notifications/sms.h"
#include "modules/orgs/orgs.h"
#include "modules/orgs/orgs_store.h"
#include "pubsub/bus.h"
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
static ledger::Keys keys_;
constexpr int kThreads = 8;

static std::unique_ptr<ledger::Ledger> make_ledger(Database& db) {
  return std::make_unique<ledger::Ledger>(db, clock_, random_, keys_, "bench.local/ledger");
}

static Env open_env(const std::string& dir, bool reuse = false) {
  if (reuse && std::filesystem::exists(dir + "/bench.db")) {
    DatabaseOptions o;
    o.url = "sqlite:" + dir + "/bench.db";
    Env e;
    e.db = std::move(open_database(o)).value();
    auto t0 = Clk::now();
    auto ran = migrate(*e.db);
    if (ran.ok() && *ran > 0)
      std::printf("%d migration(s) applied to the kept database in %.1f s\n", *ran,
                  std::chrono::duration<double>(Clk::now() - t0).count());
    e.ledger = make_ledger(*e.db);
    return e;
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  DatabaseOptions o;
  o.url = "sqlite:" + dir + "/bench.db";
  Env e;
  e.db = std::move(open_database(o)).value();
  if (auto m = migrate(*e.db); !m.ok()) {
    std::fprintf(stderr, "migrations failed: %s\n", m.error().message.c_str());
    std::exit(1);
  }
  // Tables of their own (bench_*): the application's migrations have a posts table of their own.
  Status made = e.db->write([](Conn& c) -> Status {
    SL_TRY(c.exec("CREATE TABLE bench_posts (id INTEGER PRIMARY KEY, author INTEGER, body TEXT, at INTEGER)"));
    SL_TRY(c.exec("CREATE TABLE bench_threads (id INTEGER PRIMARY KEY, post_count INTEGER NOT NULL, updated_at INTEGER)"));
    SL_TRY(c.exec("CREATE TABLE bench_thread_posts (id INTEGER PRIMARY KEY, thread_id INTEGER NOT NULL, seq INTEGER NOT NULL, "
                  "author INTEGER, body TEXT, at INTEGER)"));
    SL_TRY(c.exec("CREATE INDEX bench_thread_posts_thread ON bench_thread_posts (thread_id, seq)"));
    for (int64_t t = 1; t <= kThreads; ++t)
      SL_TRY(c.exec("INSERT INTO bench_threads (id, post_count, updated_at) VALUES (?, 0, 0)", {t}));
    return Ok();
  });
  if (!made.ok()) {
    std::fprintf(stderr, "bench tables not created: %s\n", made.error().message.c_str());
    std::exit(1);
  }
  e.ledger = make_ledger(*e.db);
  return e;
}

enum class Write { kBare, kRealistic, kKeyedPost };

struct Run {
  double per_second = 0;    // committed writes per second (wall clock)
  double cpu_us = 0;        // process CPU time (user + system, all threads) per write
  double writer_us = 0;     // CPU time of the busiest thread (SQLite's writer thread) per write
  int64_t writes = 0;
};

static double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU time (ns) of every thread of this process, by thread id. Linux encodes a thread's CPU
// clock as ((~tid) << 3) | CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED.
static std::map<int, int64_t> thread_cpu_ns();
static int g_threads = kThreads;  // client threads of run_writes (1 = a single writer, one write per commit)

static std::map<int, int64_t> thread_cpu_ns() {
  std::map<int, int64_t> out;
  for (const auto& d : std::filesystem::directory_iterator("/proc/self/task")) {
    int tid = std::stoi(d.path().filename().string());
    timespec ts{};
    if (clock_gettime(static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6), &ts) == 0)
      out[tid] = int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
  }
  return out;
}

static Run run_writes(Env& e, Write kind, bool with_ledger, double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0};
  std::vector<std::thread> ts;
  auto start = Clk::now();
  double cpu0 = cpu_seconds();
  auto threads0 = thread_cpu_ns();
  for (int t = 0; t < g_threads; ++t)
    ts.emplace_back([&, t] {
      access::Caller actor;
      actor.person_id = t + 1;
      std::string body(300, 'x');
      std::string salt = e.ledger->new_salt();
      std::string scope = "s:" + sha256_hex("session" + std::to_string(t)) + " /api/v1/deliberations/1/posts";
      std::string request_hash = sha256_hex(body);
      std::string response = "{\"id\":0,\"seq\":0,\"author\":{\"id\":" + std::to_string(t) + ",\"name\":\"张三\"},\"body\":\"" +
                             body + "\",\"created_at\":\"2026-11-22T05:00:00.000Z\"}";
      int64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        ++n;
        std::string key = "key-" + std::to_string(n);
        if (kind == Write::kKeyedPost) {
          Status claimed = e.db->write([&](Conn& c) -> Status {
            SL_ASSIGN(auto row, c.query_one("SELECT request_hash, status, content_type, headers, body, created_at "
                                            "FROM idempotency_keys WHERE scope = ? AND idem_key = ?",
                                            {scope, key}));
            if (row) return Error::Conflict("reused", "key reused");
            if (t == 0 && n == 1)
              SL_TRY(c.exec("DELETE FROM idempotency_keys WHERE created_at < ?", {clock_.now_ms() - 86'400'000}));
            SL_TRY(c.exec("INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, created_at) "
                          "VALUES (?, ?, ?, 0, ?)",
                          {scope, key, request_hash, clock_.now_ms()}));
            return Ok();
          });
          if (!claimed.ok()) continue;
        }
        Status s = e.db->write([&](Conn& c) -> Status {
          int64_t id = 0;
          if (kind == Write::kBare) {
            SL_ASSIGN(auto rows, c.query("INSERT INTO bench_posts (author, body, at) VALUES (?, ?, ?) RETURNING id",
                                         {int64_t{t}, body, int64_t{42}}));
            id = rows.front().i64(0);
          } else {
            int64_t now = clock_.now_ms();
            SL_ASSIGN(auto th, c.query("UPDATE bench_threads SET post_count = post_count + 1, updated_at = ? WHERE id = ? "
                                       "RETURNING post_count",
                                       {now, int64_t{t + 1}}));
            SL_ASSIGN(auto rows, c.query("INSERT INTO bench_thread_posts (thread_id, seq, author, body, at) VALUES (?, ?, ?, ?, ?) "
                                         "RETURNING id",
                                         {int64_t{t + 1}, th.front().i64(0), int64_t{t}, body, now}));
            id = rows.front().i64(0);
            if (kind == Write::kRealistic)
              SL_TRY(c.exec("INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, content_type, headers, "
                            "body, created_at) VALUES (?, ?, ?, 201, 'application/json', '{}', ?, ?)",
                            {scope, key, request_hash, response, now}));
          }
          if (with_ledger)
            SL_TRY(e.ledger->append(c, actor, ledger::Change{"post.created", "post", id, body, salt}));
          return Ok();
        });
        if (s.ok() && kind == Write::kKeyedPost) {
          s = e.db->write([&](Conn& c) -> Status {
            SL_TRY(c.exec("UPDATE idempotency_keys SET status = ?, content_type = ?, headers = ?, body = ? WHERE scope = ? "
                          "AND idem_key = ?",
                          {int64_t{201}, std::string("application/json"), std::string("{}"), response, scope, key}));
            return Ok();
          });
        }
        if (s.ok()) done++;
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : ts) t.join();
  auto threads1 = thread_cpu_ns();
  int64_t busiest = 0;
  for (const auto& [tid, ns] : threads0)
    if (threads1.count(tid)) busiest = std::max(busiest, threads1[tid] - ns);
  Run r;
  r.writes = done.load();
  r.writer_us = r.writes ? static_cast<double>(busiest) / 1e3 / static_cast<double>(r.writes) : 0;
  r.per_second = static_cast<double>(r.writes) / std::chrono::duration<double>(Clk::now() - start).count();
  r.cpu_us = r.writes ? (cpu_seconds() - cpu0) * 1e6 / static_cast<double>(r.writes) : 0;
  return r;
}

static Run run_variant(const std::string& dir, Write kind, bool with_ledger, double seconds) {
  Env e = open_env(dir);
  Run r = run_writes(e, kind, with_ledger, seconds);
  e.ledger->stop();
  e.db->close();
  return r;
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

static void append_costs(const std::string& dir, double seconds, int rounds) {
  constexpr int kVariants = 6;
  std::vector<double> rate[kVariants], cpu[kVariants], writer[kVariants];
  const char* names[kVariants] = {"bare", "bare+ledger", "realistic", "realistic+ledger", "keyed-post", "keyed-post+ledger"};
  const Write kinds[3] = {Write::kBare, Write::kRealistic, Write::kKeyedPost};
  for (int round = 0; round < rounds; ++round) {
    std::printf("round %d:", round + 1);
    for (int v = 0; v < kVariants; ++v) {
      Run r = run_variant(dir + "/a", kinds[v / 2], v % 2 == 1, seconds);
      rate[v].push_back(r.per_second);
      cpu[v].push_back(r.cpu_us);
      writer[v].push_back(r.writer_us);
      std::printf("  %s %.0f/s %.1f/%.1f us", names[v], r.per_second, r.writer_us, r.cpu_us);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  std::printf("%d client threads, median of %d interleaved rounds: writes/s; CPU time per write of SQLite's writer "
              "thread / of all threads\n",
              g_threads, rounds);
  for (int v = 0; v < kVariants; v += 2) {
    double a = median(rate[v]), b = median(rate[v + 1]);
    double wa = median(writer[v]), wb = median(writer[v + 1]), ca = median(cpu[v]), cb = median(cpu[v + 1]);
    std::printf("  %-10s without ledger %6.0f/s %5.2f/%5.2f us, with ledger %6.0f/s %5.2f/%5.2f us: throughput "
                "-%.1f%%, writer CPU +%.1f%%, all CPU +%.1f%%\n",
                names[v], a, wa, ca, b, wb, cb, 100.0 * (1 - b / a), 100.0 * (wb / wa - 1), 100.0 * (cb / ca - 1));
  }
}

static int proof_latency(const std::string& dir, uint64_t n, bool reuse) {
  Env e = open_env(dir + "/p", reuse);
  uint64_t done = 0;
  (void)e.db->read([&](Conn& c) -> Status {
    SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM ledger_entries"));
    done = static_cast<uint64_t>(r->i64(0));
    return Ok();
  });
  if (done > n) {
    std::printf("%s holds %llu entries, more than %llu\n", dir.c_str(), static_cast<unsigned long long>(done),
                static_cast<unsigned long long>(n));
    return 1;
  }
  auto t0 = Clk::now();
  access::Caller sys;
  while (done < n) {
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
  std::printf("tree of %llu entries (filled in %.1f s, tree built and signed in %.1f s)\n",
              static_cast<unsigned long long>(n), fill, cp);
  // As after a restart: the database closed (its WAL checkpointed into the file) and opened
  // again, a fresh Ledger with nothing of the tree in memory yet.
  e.ledger->stop();
  e.ledger.reset();
  e.db->close();
  e = open_env(dir + "/p", /*reuse=*/true);
  uint64_t x = 88172645463325252ull;
  auto next_index = [&] {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x % n;
  };
  auto s0 = Clk::now();
  auto first = e.ledger->inclusion(next_index(), n);
  double first_us = std::chrono::duration<double, std::micro>(Clk::now() - s0).count();
  if (!first.ok()) {
    std::printf("proof failed: %s\n", first.error().message.c_str());
    return 1;
  }
  auto thread_cpu_us = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  };
  std::vector<double> cpu;  // CPU time per proof (robust to other load on the machine)
  auto measure = [&](int count, std::vector<double>& us) -> bool {
    for (int i = 0; i < count; ++i) {
      auto s = Clk::now();
      double c0 = thread_cpu_us();
      auto p = e.ledger->inclusion(next_index(), n);
      cpu.push_back(thread_cpu_us() - c0);
      us.push_back(std::chrono::duration<double, std::micro>(Clk::now() - s).count());
      if (!p.ok()) {
        std::printf("proof failed: %s\n", p.error().message.c_str());
        return false;
      }
    }
    return true;
  };
  std::vector<double> us, busy, cons;
  if (!measure(2000, us)) return 1;
  // The same while other writes commit (about 1,000 a second): in WAL mode every commit makes
  // each read connection drop its page cache, so proofs then read their pages from the OS.
  {
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      while (!stop.load()) {
        (void)e.db->write([&](Conn& c) -> Status {
          SL_TRY(c.exec("INSERT INTO bench_posts (author, body, at) VALUES (1, 'x', 42)"));
          return Ok();
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    bool ok = measure(2000, busy);
    stop = true;
    writer.join();
    if (!ok) return 1;
  }
  // Consistency proofs need checkpoints at both sizes; the fill made one per 50,000 entries.
  std::vector<uint64_t> sizes;
  (void)e.db->read([&](Conn& c) -> Status {
    SL_ASSIGN(auto rows, c.query("SELECT size FROM ledger_checkpoints WHERE size > 0 ORDER BY size"));
    for (auto& r : rows) sizes.push_back(static_cast<uint64_t>(r.i64(0)));
    return Ok();
  });
  for (int i = 0; i < 500 && sizes.size() > 1; ++i) {
    uint64_t a = sizes[next_index() % (sizes.size() - 1)];
    auto s = Clk::now();
    auto p = e.ledger->consistency(a, n);
    cons.push_back(std::chrono::duration<double, std::micro>(Clk::now() - s).count());
    if (!p.ok()) {
      std::printf("consistency proof failed: %s\n", p.error().message.c_str());
      return 1;
    }
  }
  std::sort(us.begin(), us.end());
  std::sort(busy.begin(), busy.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf("inclusion proof incl. entry and checkpoint: first call after start %.0f us; then median %.1f us, p99 %.1f us"
              " (CPU time median %.1f us)\n",
              first_us, us[us.size() / 2], us[us.size() * 99 / 100], cpu[cpu.size() / 2]);
  std::printf("  while ~1,000 other writes/s commit: median %.1f us, p99 %.1f us\n", busy[busy.size() / 2],
              busy[busy.size() * 99 / 100]);
  if (!cons.empty()) {
    std::sort(cons.begin(), cons.end());
    std::printf("consistency proof (from a random checkpoint to %llu): median %.1f us, p99 %.1f us\n",
                static_cast<unsigned long long>(n), cons[cons.size() / 2], cons[cons.size() * 99 / 100]);
  }
  e.ledger->stop();
  e.db->close();
  return 0;
}

// ---- 3. The platform's real writes, through the services (as the unit-test fixture builds them) ----
// One client thread, so one writer and one write per commit. Each write appends its ledger entry
// exactly as the service does (nothing is switched off): the entry's share is measured (a) in
// instructions under callgrind (`services-callgrind`: the inclusive cost of the services'
// record() — loading the record's canonical content, then Ledger::record/append — against all
// instructions of all threads per write) and (b) natively in writer CPU, the entry's marginal
// cost taken from the synthetic write with and without an entry at one client thread, interleaved.
namespace svcbench {

namespace bj = boost::json;

struct NoSms final : notifications::SmsSender {
  Status send(const notifications::SmsMessage&) override { return Ok(); }
};

enum class Op { kPost, kReply, kLike, kOrg };
constexpr const char* kOpNames[] = {"post", "reply", "like", "org"};

struct Platform {
  std::unique_ptr<Database> db;
  std::unique_ptr<ledger::Ledger> ledger;
  NoSms sms;
  AuthConfig auth;
  std::unique_ptr<accounts::AccountsService> accounts;
  std::unique_ptr<orgs::OrgsService> orgs;
  std::unique_ptr<pubsub::Bus> bus;
  std::unique_ptr<deliberation::DeliberationService> delib;
  access::Caller sys = access::Caller::system(), staff, member, member_b;
  int64_t prov = 0, dept = 0, delib_id = 0, top_post = 0, liked_post = 0;
  int64_t n = 0;
  bool liked = false;

  static void need(bool ok, const char* what) {
    if (!ok) {
      std::fprintf(stderr, "services setup failed: %s\n", what);
      std::exit(1);
    }
  }
  access::Caller caller_of(int64_t person_id) {
    access::Caller c;
    c.person_id = person_id;
    c.memberships = db->read_value<std::vector<access::Membership>>(
                          [&](Conn& cn) { return orgs::store::memberships_of(cn, person_id); })
                        .value();
    return c;
  }
  int64_t make_org(std::optional<int64_t> parent, const char* name, const char* kind) {
    bj::object body{{"name", name}, {"level", "province"}, {"kind", kind}};
    if (parent) body["parent_id"] = *parent;
    auto o = orgs->create_org(sys, body);
    need(o.ok(), "org");
    return o->at("id").as_int64();
  }
  access::Caller person(int64_t org, const char* role, const char* name) {
    auto m = orgs->add_member(sys, org, bj::object{{"display_name", name}, {"login", "user" + std::to_string(++n)}, {"role", role}});
    need(m.ok(), "member");
    return caller_of(m->at("person").as_object().at("id").as_int64());
  }

  explicit Platform(const std::string& dir) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    DatabaseOptions o;
    o.url = "sqlite:" + dir + "/platform.db";
    db = std::move(open_database(o)).value();
    need(migrate(*db).ok(), "migrations");
    auth.argon2_opslimit = 1;
    auth.argon2_memlimit_kib = 8;
    ledger = make_ledger(*db);
    accounts = std::make_unique<accounts::AccountsService>(*db, clock_, random_, sms, *ledger, auth);
    orgs = std::make_unique<orgs::OrgsService>(*db, clock_, *accounts, *ledger);
    bus = pubsub::make_local_bus();
    delib = std::make_unique<deliberation::DeliberationService>(*db, clock_, *ledger, *bus, deliberation::Options{30});
    prov = make_org(std::nullopt, "江南省政协", "cppcc");
    dept = make_org(prov, "江南省民政厅", "department");
    staff = person(prov, "staff", "周晓云");
    member = person(prov, "member", "陈志远");
    member_b = person(prov, "member", "王秀英");
    for (int i = 0; i < 20; ++i) person(prov, "member", "委员");  // others to notify, as in a real committee
    bj::object body{{"org_id", prov},
                    {"theme", "推进养老服务体系建设"},
                    {"description", "围绕**居家养老**建言"},
                    {"subtopics", bj::array{bj::object{{"title", "居家养老"}}, bj::object{{"title", "医养结合"}}}},
                    {"phases", bj::array{bj::object{{"kind", "speaking"}, {"name", "委员发言"}},
                                         bj::object{{"kind", "summary"}, {"name", "总结"}}}},
                    {"department_ids", bj::array{dept}}};
    auto d = delib->create(staff, body);
    need(d.ok(), "deliberation");
    delib_id = d->at("id").as_int64();
    need(delib->set_state(staff, delib_id, "open").ok(), "open");
    auto p = delib->create_post(member, delib_id, bj::object{{"body", "建议加快社区嵌入式养老服务设施建设。"}});
    need(p.ok(), "first post");
    top_post = liked_post = p->at("id").as_int64();
  }
  ~Platform() {
    ledger->stop();
    db->close();
  }

  // ~200 characters of Chinese, as a member's speech is (varied so search indexes new terms).
  std::string text(int64_t i) {
    return "关于第" + std::to_string(i) +
           "条建议：建议在城乡社区推进嵌入式养老服务设施建设，统筹居家社区机构养老资源，完善老年助餐、助浴、"
           "助医服务网络，加大财政投入和政策支持力度，鼓励社会力量参与，培养专业护理人才队伍，提高服务质量和水平，"
           "让老年人就近享受便捷的养老服务。";
  }
  bool write(Op op) {
    ++n;
    switch (op) {
      case Op::kPost:
        return delib->create_post(member, delib_id, bj::object{{"body", text(n)}}).ok();
      case Op::kReply:
        return delib->create_post(member_b, delib_id, bj::object{{"body", text(n)}, {"parent_id", top_post}}).ok();
      case Op::kLike:  // on, off, on, ...: each one a like.created or like.deleted entry
        liked = !liked;
        return delib->like(member_b, liked_post, liked).ok();
      case Op::kOrg:
        return orgs->update_org(sys, dept, bj::object{{"name", "江南省民政厅" + std::to_string(n)}}, std::nullopt).ok();
    }
    return false;
  }
};

struct OpRun {
  double writer_us = 0, per_second = 0;
  int64_t writes = 0;
  double client_us = 0, all_us = 0;  // the calling thread's CPU, all threads' CPU, per write
};

static OpRun run_op(const std::string& dir, Op op, double seconds) {
  Platform pf(dir);
  for (int i = 0; i < 50; ++i) pf.write(op);  // warm the caches and statements
  auto threads0 = thread_cpu_ns();
  double cpu0 = cpu_seconds();
  auto start = Clk::now();
  int64_t done = 0;
  while (std::chrono::duration<double>(Clk::now() - start).count() < seconds)
    if (pf.write(op)) ++done;
  double wall = std::chrono::duration<double>(Clk::now() - start).count();
  auto threads1 = thread_cpu_ns();
  double all = cpu_seconds() - cpu0;
  // The writer: the busiest thread but this one (which calls the services and builds replies).
  int64_t busiest = 0, self = 0;
  for (const auto& [tid, ns] : threads0)
    if (threads1.count(tid)) {
      if (tid == ::getpid()) self = threads1[tid] - ns;
      else busiest = std::max(busiest, threads1[tid] - ns);
    }
  double n = static_cast<double>(std::max<int64_t>(done, 1));
  return OpRun{static_cast<double>(busiest) / 1e3 / n, static_cast<double>(done) / wall, done,
               static_cast<double>(self) / 1e3 / n, all * 1e6 / n};
}

// Under callgrind: setup, then COUNT writes of one kind, then one checkpointer run. bench/ledger.sh runs it twice with
// different counts and divides the difference, so the setup cancels out (callgrind's zero/dump
// requests act on the calling thread only, not on the writer).
static int callgrind_op(const std::string& dir, Op op, int count) {
  Platform pf(dir);
  int ok = 0;
  for (int i = 0; i < count; ++i) ok += pf.write(op);
  // The checkpointer's share: one run over everything (the server runs it every 2 s, on the
  // same single writer): extending the tree by these entries' leaves and nodes, one signature.
  if (!pf.ledger->checkpoint_now().ok()) return 1;
  std::printf("%s: %d of %d writes ok\n", kOpNames[static_cast<int>(op)], ok, count);
  return ok == count ? 0 : 1;
}

// Native: the four service writes and the synthetic realistic write with and without its entry,
// all at one client thread, interleaved ROUNDS times; medians of writer CPU per write.
static void services(const std::string& dir, double seconds, int rounds) {
  g_threads = 1;
  std::vector<double> writer[4], rate[4], client[4], all[4], synth[2];
  for (int round = 0; round < rounds; ++round) {
    std::printf("round %d:", round + 1);
    for (int o = 0; o < 4; ++o) {
      OpRun r = run_op(dir + "/s", static_cast<Op>(o), seconds);
      writer[o].push_back(r.writer_us);
      rate[o].push_back(r.per_second);
      client[o].push_back(r.client_us);
      all[o].push_back(r.all_us);
      std::printf("  %s %.0f/s %.1f us", kOpNames[o], r.per_second, r.writer_us);
    }
    for (int v = 0; v < 2; ++v) {
      Run r = run_variant(dir + "/a", Write::kRealistic, v == 1, seconds);
      synth[v].push_back(r.writer_us);
      std::printf("  realistic%s %.1f us", v ? "+ledger" : "", r.writer_us);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  double entry = median(synth[1]) - median(synth[0]);
  std::printf("one client thread (single writer, one write per commit), median of %d interleaved rounds, writer CPU per write:\n",
              rounds);
  std::printf("  entry's marginal cost (synthetic realistic write %.2f -> %.2f us): %.2f us\n", median(synth[0]),
              median(synth[1]), entry);
  for (int o = 0; o < 4; ++o)
    std::printf("entry_share_%s_cpu=%.1f%%  (%s: %.0f writes/s; CPU per write: writer %.2f us, of which the entry ~%.2f us; "
                "calling thread %.2f us, all threads %.2f us)\n",
                kOpNames[o], 100.0 * entry / median(writer[o]), kOpNames[o], median(rate[o]), median(writer[o]), entry,
                median(client[o]), median(all[o]));
}

}  // namespace svcbench

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "/tmp/sl-ledger-bench";
  uint64_t n = argc > 2 ? std::stoull(argv[2]) : 1'000'000;
  double seconds = argc > 3 ? std::stod(argv[3]) : 3.0;
  int rounds = argc > 4 ? std::stoi(argv[4]) : 5;
  std::string what = argc > 5 ? argv[5] : "all";
  random_.fill(keys_.signing_seed.data(), 32);
  keys_.actor_key = "bench";

  int rc = 0;
  if (what == "all" || what == "append") append_costs(dir, seconds, rounds);
  if (what == "services") svcbench::services(dir, seconds, rounds);
  // services-callgrind-OP (OP: post, reply, like, org), under callgrind; N = the number of writes.
  if (what.rfind("services-callgrind-", 0) == 0) {
    std::string op = what.substr(19);
    for (int o = 0; o < 4; ++o)
      if (op == svcbench::kOpNames[o]) rc = svcbench::callgrind_op(dir, static_cast<svcbench::Op>(o), static_cast<int>(n));
  }
  // proof-reuse: keep the filled database in DIR and use it again next time (for profiling).
  if (what == "all" || what == "proof" || what == "proof-reuse") rc = proof_latency(dir, n, what == "proof-reuse");
  if (what.rfind("bare", 0) == 0 || what.rfind("realistic", 0) == 0 || what.rfind("keyed-post", 0) == 0) {
    Write kind = what.rfind("bare", 0) == 0 ? Write::kBare
                 : what.rfind("realistic", 0) == 0 ? Write::kRealistic
                                                   : Write::kKeyedPost;
    if (argc > 6) g_threads = std::stoi(argv[6]);  // client threads (default 8)
    Run r = run_variant(dir + "/a", kind, what.find("+ledger") != std::string::npos, seconds);
    std::printf("%s: %.0f writes/s, CPU per write %.2f us writer thread, %.2f us all threads (%lld writes)\n",
                what.c_str(), r.per_second, r.writer_us, r.cpu_us, static_cast<long long>(r.writes));
  }
  if (what != "proof-reuse") std::filesystem::remove_all(dir);
  return rc;
}
