// RedisBus against a real redis-server started by the test on a free loopback port (no
// persistence, no config file); tests that cannot start it fail.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "pubsub/bus.h"

namespace sl::pubsub {
namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

bool wait_for(const std::function<bool()>& cond, int ms = 10000) {
  for (int i = 0; i < ms / 20 && !cond(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return cond();
}

// One redis-server process on 127.0.0.1:port.
class RedisServer {
 public:
  explicit RedisServer(int port) : port_(port) {}
  ~RedisServer() { stop(); }
  bool start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string p = std::to_string(port_);
      ::execlp("redis-server", "redis-server", "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return pid_ > 0 && wait_for([&] { return port_open(port_); });
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

// What one subscriber received, and the ready calls of its bus.
struct Inbox {
  std::mutex mu;
  std::vector<Message> got;
  std::vector<std::string> ready;
  size_t size() {
    std::lock_guard lk(mu);
    return got.size();
  }
  size_t readies(const std::string& room) {
    std::lock_guard lk(mu);
    return static_cast<size_t>(std::count(ready.begin(), ready.end(), room));
  }
};

class RedisBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = free_port();
    server_ = std::make_unique<RedisServer>(port_);
    ASSERT_TRUE(server_->start()) << "redis-server did not start (Debian package redis-server)";
  }
  std::unique_ptr<Bus> bus(size_t queue_max = 10000, Inbox* readies = nullptr) {
    RedisBusOptions o;
    o.url = "redis://127.0.0.1:" + std::to_string(port_);
    o.queue_max = queue_max;
    o.reconnect_max_ms = 200;
    auto b = make_redis_bus(o);
    EXPECT_TRUE(b.ok());
    if (readies) {
      (*b)->set_ready_handler([readies](const std::string& room) {
        std::lock_guard lk(readies->mu);
        readies->ready.push_back(room);
      });
    }
    (*b)->start();
    return std::move(b).value();
  }
  static Bus::Handler into(Inbox& in) {
    return [&in](const Message& m) {
      std::lock_guard lk(in.mu);
      in.got.push_back(m);
    };
  }

  int port_ = 0;
  std::unique_ptr<RedisServer> server_;
};

TEST(RedisBusConfig, RejectsUrlsThatAreNotRedis) {
  RedisBusOptions o;
  for (const char* bad : {"", "http://x", "redis://", "redis://h:0", "redis://h:99999", "redis://h:x", "redis://[::1"}) {
    o.url = bad;
    EXPECT_FALSE(make_redis_bus(o).ok()) << bad;
  }
  for (const char* good : {"redis://127.0.0.1", "redis://h:6380/0", "redis://:secret@h:6379", "redis://[::1]:6379"}) {
    o.url = good;
    EXPECT_TRUE(make_redis_bus(o).ok()) << good;
  }
}

TEST_F(RedisBusTest, MessagesReachOtherNodesInOrderAndTheOwnNodeOnce) {
  Inbox a_in, b_in, b_ready;
  auto a = bus();
  auto b = bus(10000, &b_ready);
  a->subscribe("deliberation:1", into(a_in));
  b->subscribe("deliberation:1", into(b_in));
  ASSERT_TRUE(wait_for([&] { return b_ready.readies("deliberation:1") == 1; })) << "B's SUBSCRIBE was confirmed";
  ASSERT_TRUE(wait_for([&] { return a->stats().rooms == 1; }));
  for (int i = 1; i <= 200; ++i) a->publish(Message{"deliberation:1", i, "{\"n\":" + std::to_string(i) + "}"});
  a->publish(Message{"deliberation:2", 1, "{}"});  // nobody on B watches room 2
  ASSERT_TRUE(wait_for([&] { return b_in.size() >= 200; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // anything extra would show now
  {
    std::lock_guard lk(b_in.mu);
    ASSERT_EQ(b_in.got.size(), 200u);
    for (int i = 0; i < 200; ++i) {
      EXPECT_EQ(b_in.got[i].room, "deliberation:1");
      EXPECT_EQ(b_in.got[i].seq, i + 1);
      EXPECT_EQ(b_in.got[i].payload, "{\"n\":" + std::to_string(i + 1) + "}");
    }
  }
  // A's own subscriber got each message exactly once (locally; its Redis echo is skipped).
  EXPECT_EQ(a_in.size(), 200u);
  EXPECT_EQ(b->stats().received, 200u);
  EXPECT_EQ(a->stats().received, 0u);
  EXPECT_TRUE(wait_for([&] { return a->stats().published == 201; }));
  EXPECT_EQ(a->stats().dropped, 0u);
}

TEST_F(RedisBusTest, SubscribesWhileARoomHasSubscribersOnly) {
  Inbox in1, in2, ready;
  auto a = bus();
  auto b = bus(10000, &ready);
  auto s1 = b->subscribe("deliberation:5", into(in1));
  auto s2 = b->subscribe("deliberation:5", into(in2));
  ASSERT_TRUE(wait_for([&] { return b->stats().rooms == 1; }));
  EXPECT_EQ(ready.readies("deliberation:5"), 1u) << "one SUBSCRIBE for two local subscribers";
  b->unsubscribe(s1);
  a->publish(Message{"deliberation:5", 1, "x"});
  ASSERT_TRUE(wait_for([&] { return in2.size() == 1; }));
  EXPECT_EQ(in1.size(), 0u);
  b->unsubscribe(s2);
  ASSERT_TRUE(wait_for([&] { return b->stats().rooms == 0; })) << "UNSUBSCRIBE after the last one left";
  a->publish(Message{"deliberation:5", 2, "y"});
  ASSERT_TRUE(wait_for([&] { return a->stats().published == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(in2.size(), 1u);
  EXPECT_EQ(b->stats().received, 1u);
}

TEST_F(RedisBusTest, RedisRestartReconnectsResubscribesAndSaysSo) {
  Inbox a_in, b_in, b_ready;
  auto a = bus();
  auto b = bus(10000, &b_ready);
  a->subscribe("deliberation:9", into(a_in));
  b->subscribe("deliberation:9", into(b_in));
  ASSERT_TRUE(wait_for([&] { return b_ready.readies("deliberation:9") == 1; }));
  a->publish(Message{"deliberation:9", 1, "one"});
  ASSERT_TRUE(wait_for([&] { return b_in.size() == 1; }));

  server_->stop();
  ASSERT_TRUE(wait_for([&] { return !b->stats().connected; })) << "B noticed Redis went away";
  // Publishing never blocks and the own node still gets its events while Redis is down.
  for (int i = 2; i <= 50; ++i) a->publish(Message{"deliberation:9", i, "lost"});
  EXPECT_EQ(a_in.size(), 50u);
  EXPECT_EQ(b_in.size(), 1u);
  EXPECT_EQ(b->stats().rooms, 0);

  ASSERT_TRUE(server_->start());
  ASSERT_TRUE(wait_for([&] { return b_ready.readies("deliberation:9") == 2; })) << "resubscribed, and said so";
  EXPECT_TRUE(b->stats().connected);
  EXPECT_GE(b->stats().reconnects, 1u);
  a->publish(Message{"deliberation:9", 51, "after"});
  ASSERT_TRUE(wait_for([&] { return b_in.size() == 2; }));
  {
    std::lock_guard lk(b_in.mu);
    EXPECT_EQ(b_in.got.back().seq, 51);
  }
  EXPECT_GE(a->stats().dropped + a->stats().published, 51u);
}

TEST_F(RedisBusTest, AFullQueueDropsAndCountsInsteadOfWaiting) {
  server_->stop();  // nothing drains the queue
  auto a = bus(/*queue_max=*/5);
  Inbox in;
  a->subscribe("deliberation:3", into(in));
  for (int i = 1; i <= 1000; ++i) a->publish(Message{"deliberation:3", i, "x"});
  EXPECT_EQ(in.size(), 1000u) << "local subscribers get everything";
  auto s = a->stats();
  EXPECT_LE(s.queued, 5);
  EXPECT_GE(s.dropped, 995u);
  EXPECT_EQ(s.published, 0u);
  EXPECT_FALSE(s.connected);
}

}  // namespace
}  // namespace sl::pubsub
