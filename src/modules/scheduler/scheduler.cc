// The job runner (see scheduler.h).
#include "modules/scheduler/scheduler.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

#include <boost/json.hpp>

#include "modules/common/route_util.h"
#include "modules/scheduler/scheduler_store.h"

namespace sl::scheduler {

namespace bj = boost::json;
using storage::Conn;

std::string default_node_name() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "node");
  return std::string(host) + ":" + std::to_string(::getpid());
}

Scheduler::Scheduler(storage::Database& db, const Clock& clock, std::unique_ptr<storage::LeaderLock> lock,
                     Options options)
    : db_(db), clock_(clock), lock_(std::move(lock)), opts_(std::move(options)) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::add_job(std::string name, int64_t interval_ms, std::function<Status(TimeMs)> fn) {
  std::lock_guard lk(tick_mu_);
  jobs_.push_back(Job{std::move(name), std::max<int64_t>(1, interval_ms), std::move(fn)});
  registered_ = false;
}

void Scheduler::add_write_job(std::string name, int64_t interval_ms, std::function<Status(Conn&, TimeMs)> fn) {
  add_job(std::move(name), interval_ms, [this, fn = std::move(fn)](TimeMs now) {
    return db_.write([&](Conn& c) { return fn(c, now); });
  });
}

void Scheduler::tick() {
  std::lock_guard lk(tick_mu_);
  TimeMs now = clock_.now_ms();
  if (lock_checked_at_ == 0 || now - lock_checked_at_ >= opts_.lock_retry_ms) {
    bool was = leader_.load();
    bool is = lock_->hold();
    leader_ = is;
    lock_checked_at_ = now;
    if (is && !was) spdlog::info("scheduler: {} holds the cluster lock; it runs the scheduled jobs", opts_.node);
    if (!is && was) spdlog::warn("scheduler: {} no longer holds the cluster lock", opts_.node);
  }
  if (!leader_) return;
  run_due(now);
}

void Scheduler::run_due(TimeMs now) {
  if (!registered_) {
    auto s = db_.write([&](Conn& c) -> Status {
      for (const auto& j : jobs_) SL_TRY(store::ensure_job(c, j.name, j.interval_ms));
      return Ok();
    });
    if (!s.ok()) {
      spdlog::warn("scheduler: cannot register the jobs: {}", s.error().message);
      return;
    }
    registered_ = true;
  }
  bool confirmed = lock_checked_at_ == now;
  for (const auto& j : jobs_) {
    auto last = db_.read_value<std::optional<TimeMs>>([&](Conn& c) { return store::last_started(c, j.name); });
    if (!last.ok()) {
      spdlog::warn("scheduler: cannot read job {}: {}", j.name, last.error().message);
      return;
    }
    if (*last && now - **last < j.interval_ms) continue;
    // Just before a job: are we still the holder? (a round trip on the lock's own session)
    if (!confirmed) {
      if (!lock_->hold()) {
        leader_ = false;
        spdlog::warn("scheduler: {} lost the cluster lock; not running {}", opts_.node, j.name);
        return;
      }
      lock_checked_at_ = now;
      confirmed = true;
    }
    TimeMs start = clock_.now_ms();
    if (auto s = db_.write([&](Conn& c) { return store::started(c, j.name, opts_.node, start); }); !s.ok()) {
      spdlog::warn("scheduler: cannot record the start of {}: {}", j.name, s.error().message);
      return;
    }
    Status r = Error::Internal("job threw");
    try {
      r = j.fn(start);
    } catch (const std::exception& e) {
      r = Error::Internal(std::string("job threw: ") + e.what());
    }
    if (!r.ok()) spdlog::warn("scheduler: job {} failed: {}", j.name, r.error().message);
    std::string err = r.ok() ? "" : r.error().message;
    auto f = db_.write([&](Conn& c) { return store::finished(c, j.name, r.ok(), err, clock_.now_ms()); });
    if (!f.ok()) spdlog::warn("scheduler: cannot record the end of {}: {}", j.name, f.error().message);
  }
}

void Scheduler::start() {
  std::lock_guard lk(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lk(mu_);
    while (!stopping_) {
      lk.unlock();
      tick();
      lk.lock();
      cv_.wait_for(lk, std::chrono::milliseconds(opts_.tick_ms), [this] { return stopping_; });
    }
  });
}

void Scheduler::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lk(tick_mu_);
  if (lock_) lock_->release();
  leader_ = false;
  lock_checked_at_ = 0;
}

Result<bj::object> Scheduler::status(const access::Caller& caller) {
  if (caller.person_id <= 0) return Error::Unauthenticated();
  if (!caller.superadmin) return Error::Forbidden("只有平台管理员可以查看定时任务");
  SL_ASSIGN(bj::array jobs, db_.read_value<bj::array>([](Conn& c) { return store::list(c); }));
  return bj::object{{"node", opts_.node}, {"leader", leader_.load()}, {"jobs", std::move(jobs)}};
}

void register_routes(net::Router& router, Scheduler& s, accounts::AccountsService& accounts) {
  router.get("/api/v1/admin/scheduler", routes::handler([&](net::HttpRequest& req) -> Result<net::HttpResponse> {
    SL_ASSIGN(auto caller, accounts.authenticate(req));
    SL_ASSIGN(auto out, s.status(caller));
    net::HttpResponse r = routes::json(out);
    r.set_header("Cache-Control", "no-store");
    return r;
  }));
}

}  // namespace sl::scheduler
