// The job runner: only the lock holder runs jobs, each at most once per interval whoever runs
// it, and a standby takes over at its next lock check when the holder is gone. The cluster
// lock is faked (one token shared by the two "nodes"); the real PostgreSQL lock is tested with
// two server processes in tests/integration/notify.test.mjs.
#include "modules/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "modules/common/test_fixture.h"

namespace sl::scheduler {
namespace {

using access::Caller;

// One lock token for the whole "cluster": whoever holds it, until it lets go (or "dies").
struct FakeCluster {
  std::string holder;
};

class FakeLock final : public storage::LeaderLock {
 public:
  FakeLock(FakeCluster& cl, std::string me) : cl_(cl), me_(std::move(me)) {}
  bool hold() override {
    ++calls;
    if (cl_.holder.empty()) cl_.holder = me_;
    return cl_.holder == me_;
  }
  void release() override {
    if (cl_.holder == me_) cl_.holder.clear();
  }
  int calls = 0;

 private:
  FakeCluster& cl_;
  std::string me_;
};

class SchedulerTest : public testing::ModuleTest {
 protected:
  std::unique_ptr<Scheduler> make(const std::string& node, FakeLock** lock_out = nullptr) {
    auto lock = std::make_unique<FakeLock>(cluster_, node);
    if (lock_out) *lock_out = lock.get();
    Options o;
    o.node = node;
    o.lock_retry_ms = 3000;
    o.tick_ms = 1000;
    auto s = std::make_unique<Scheduler>(*db_, clock_, std::move(lock), o);
    s->add_job("sweep", 60'000, [this, node](TimeMs now) {
      runs_.emplace_back(node, now);
      return Status(Ok());
    });
    s->add_write_job("write", 60'000, [this](storage::Conn& c, TimeMs) -> Status {
      SL_TRY(c.exec("UPDATE scheduler_jobs SET last_error = 'touched' WHERE name = 'write'"));
      return fail_write_ ? Status(Error::Conflict("boom", "失败")) : Status(Ok());
    });
    return s;
  }
  Caller admin() {
    Caller c;
    c.person_id = 1;
    c.superadmin = true;
    return c;
  }

  FakeCluster cluster_;
  std::vector<std::pair<std::string, TimeMs>> runs_;
  bool fail_write_ = false;
};

TEST_F(SchedulerTest, OnlyTheHolderRunsJobsOncePerInterval) {
  auto a = make("a");
  auto b = make("b");
  a->tick();
  b->tick();
  EXPECT_TRUE(a->leader());
  EXPECT_FALSE(b->leader());
  ASSERT_EQ(runs_.size(), 1u);
  EXPECT_EQ(runs_[0].first, "a");
  for (int i = 0; i < 59; ++i) {
    clock_.advance_ms(1000);
    a->tick();
    b->tick();
  }
  EXPECT_EQ(runs_.size(), 1u);  // the interval has not passed
  clock_.advance_ms(1000);
  a->tick();
  b->tick();
  ASSERT_EQ(runs_.size(), 2u);
  EXPECT_EQ(runs_[1].first, "a");
  auto st = a->status(admin());
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->at("leader").as_bool());
  const auto& jobs = st->at("jobs").as_array();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].at("name").as_string(), "sweep");
  EXPECT_EQ(jobs[0].at("runs").as_int64(), 2);
  EXPECT_EQ(jobs[0].at("last_node").as_string(), "a");
  EXPECT_EQ(jobs[0].at("last_status").as_string(), "ok");
  EXPECT_FALSE(b->status(admin())->at("leader").as_bool());
}

TEST_F(SchedulerTest, AStandbyTakesOverAtItsNextLockCheckAndKeepsTheSchedule) {
  FakeLock* la = nullptr;
  FakeLock* lb = nullptr;
  auto a = make("a", &la);
  auto b = make("b", &lb);
  a->tick();
  b->tick();
  clock_.advance_ms(30'000);
  a->tick();
  b->tick();
  // a dies: its session ends and the lock is free.
  la->release();
  a.reset();
  int b_checks = lb->calls;
  clock_.advance_ms(1000);
  b->tick();  // less than lock_retry_ms since b's last try: b does not ask yet
  EXPECT_EQ(lb->calls, b_checks);
  EXPECT_FALSE(b->leader());
  clock_.advance_ms(2000);
  b->tick();
  EXPECT_TRUE(b->leader());
  // b knows from the database that the jobs ran 33 s ago: not due until 60 s have passed.
  ASSERT_EQ(runs_.size(), 1u);
  clock_.advance_ms(27'000);
  b->tick();
  ASSERT_EQ(runs_.size(), 2u);
  EXPECT_EQ(runs_[1].first, "b");
  EXPECT_EQ(runs_[1].second - runs_[0].second, 60'000);
}

TEST_F(SchedulerTest, AHolderThatLosesTheLockStopsBeforeTheNextJob) {
  FakeLock* la = nullptr;
  auto a = make("a", &la);
  auto b = make("b");
  a->tick();
  EXPECT_TRUE(a->leader());
  // The lock moves to b behind a's back (a's session was cut by the network).
  cluster_.holder = "b";
  clock_.advance_ms(60'000);
  a->tick();
  EXPECT_FALSE(a->leader());
  b->tick();
  EXPECT_TRUE(b->leader());
  ASSERT_EQ(runs_.size(), 2u);
  EXPECT_EQ(runs_[1].first, "b");
}

TEST_F(SchedulerTest, AFailingJobIsRecordedAndRunsAgainNextInterval) {
  fail_write_ = true;
  auto a = make("a");
  a->tick();
  auto jobs = a->status(admin())->at("jobs").as_array();
  EXPECT_EQ(jobs[1].at("name").as_string(), "write");
  EXPECT_EQ(jobs[1].at("last_status").as_string(), "error");
  EXPECT_EQ(jobs[1].at("last_error").as_string(), "失败");  // the job's own write was rolled back
  fail_write_ = false;
  clock_.advance_ms(60'000);
  a->tick();
  jobs = a->status(admin())->at("jobs").as_array();
  EXPECT_EQ(jobs[1].at("last_status").as_string(), "ok");
  EXPECT_EQ(jobs[1].at("runs").as_int64(), 2);
}

TEST_F(SchedulerTest, StatusIsForPlatformAdministrators) {
  auto a = make("a");
  Caller member;
  member.person_id = 5;
  EXPECT_EQ(a->status(member).error().code, Code::kForbidden);
  EXPECT_EQ(a->status(Caller{}).error().code, Code::kUnauthenticated);
}

TEST_F(SchedulerTest, StopLetsTheLockGo) {
  FakeLock* la = nullptr;
  auto a = make("a", &la);
  a->tick();
  EXPECT_EQ(cluster_.holder, "a");
  a->stop();
  EXPECT_TRUE(cluster_.holder.empty());
  EXPECT_FALSE(a->leader());
}

}  // namespace
}  // namespace sl::scheduler
