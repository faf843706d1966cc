// The job runner: jobs that must run on exactly one node of the cluster (the cases module's
// deadline sweep, the clean-up of old deliveries), registered by the modules that own them.
//
// Which node runs them is decided by a storage::LeaderLock (PostgreSQL: a session advisory
// lock on a connection of its own; SQLite: the one node). Every node's scheduler thread calls
// tick() every scheduler.tick_ms: the lock is tried (standby) or confirmed (holder) every
// scheduler.lock_retry_ms, and the holder runs each job whose interval has passed since it last
// started. When the holder dies, its session ends, the lock is free, and the first standby to
// try takes it and carries on: a stopped node's jobs move within about lock_retry_ms.
//
// When each job last ran (and where, and how it ended) is kept in the database (scheduler_jobs),
// not in memory, so a node that takes over knows what is due. A job is run at most once per
// interval by the holder; two nodes could only both run one if the holder lost its database
// connection in the middle of a job (see storage/leader_lock.h), so jobs are written to be
// idempotent (the deadline sweep records each card once; the clean-up deletes what is old).
//
// Thread-safety: add_job before start(); everything else may be called from any thread.
#pragma once

#include <boost/json/object.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "modules/access/access.h"
#include "modules/accounts/accounts.h"
#include "net/router.h"
#include "storage/database.h"
#include "storage/leader_lock.h"

namespace sl::scheduler {

struct Options {
  std::string node;          // this node's name in job records
  int lock_retry_ms = 3000;  // scheduler.lock_retry_ms
  int tick_ms = 1000;        // scheduler.tick_ms
};

// The key of the cluster lock of the job runner ("SLSCHED1").
inline constexpr int64_t kLockKey = 0x534C534348454431;

class Scheduler {
 public:
  Scheduler(storage::Database& db, const Clock& clock, std::unique_ptr<storage::LeaderLock> lock, Options options);
  ~Scheduler();

  // A job that runs every interval_ms on the node holding the lock. `fn` gets the time it was
  // started at; an error is logged and recorded, and the job runs again after its interval.
  void add_job(std::string name, int64_t interval_ms, std::function<Status(TimeMs now)> fn);
  // The same, with fn run inside one write transaction (e.g. cases::sweep(Conn&, TimeMs)).
  void add_write_job(std::string name, int64_t interval_ms, std::function<Status(storage::Conn&, TimeMs)> fn);

  // One step: keep or try the lock (at most every lock_retry_ms), then, as holder, run the
  // jobs that are due. The thread calls it; tests call it with a FakeClock.
  void tick();
  bool leader() const { return leader_.load(); }
  const std::string& node() const { return opts_.node; }

  void start();
  void stop();  // finishes the job in progress, then lets the lock go

  // {"node", "leader", "jobs": [{"name","interval_ms","last_started_at","last_finished_at",
  //  "last_node","last_status","last_error","runs"}]}; platform administrators only.
  Result<boost::json::object> status(const access::Caller& caller);

 private:
  struct Job {
    std::string name;
    int64_t interval_ms;
    std::function<Status(TimeMs)> fn;
  };
  void run_due(TimeMs now);

  storage::Database& db_;
  const Clock& clock_;
  std::unique_ptr<storage::LeaderLock> lock_;
  const Options opts_;
  std::vector<Job> jobs_;
  std::atomic<bool> leader_{false};
  TimeMs lock_checked_at_ = 0;  // only the ticking thread touches it
  bool registered_ = false;     // job rows exist

  std::mutex tick_mu_;  // one tick at a time
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
};

// The default node name: host name:process id.
std::string default_node_name();

// GET /api/v1/admin/scheduler.
void register_routes(net::Router& router, Scheduler& s, accounts::AccountsService& accounts);

}  // namespace sl::scheduler
