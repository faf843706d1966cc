// RedisBus: the live-events bus of a cluster (see bus.h), on Redis pub/sub through hiredis.
//
// Threads and connections (each node):
//   - publish() runs on the caller's thread: it hands the message to this node's own
//     subscribers at once (as LocalBus does) and appends it to a bounded queue. It never waits
//     on the network; when the queue is full the message is dropped and counted (receivers see
//     the gap in the room's sequence numbers and resync from storage).
//   - the publisher thread owns one connection and PUBLISHes what is queued, pipelined.
//   - the subscriber thread owns one connection in subscribe mode. A Redis channel
//     (prefix + room) is SUBSCRIBEd while the room has local subscribers and UNSUBSCRIBEd when
//     the last one leaves; the thread reconciles "rooms wanted" with "channels subscribed"
//     whenever subscribe()/unsubscribe() wake it.
// A Redis message is "<origin node id, 16 hex> <seq> <payload>"; a node skips its own (it
// delivered them locally already), so nothing arrives twice and local viewers keep getting
// their node's events while Redis is down.
// When a connection is lost: the node keeps serving (local delivery goes on), both threads
// reconnect with exponential backoff (50 ms doubling up to reconnect_max_ms), the subscriber
// resubscribes every wanted room, and each confirmed SUBSCRIBE calls the ready handler, which
// tells the room's viewers to resync (they fetch what they missed from storage).
#include <hiredis/hiredis.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pubsub/bus.h"

namespace sl::pubsub {
namespace {

struct Endpoint {
  std::string host;
  int port = 6379;
  std::string password;
};

Result<Endpoint> parse_url(const std::string& url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.rfind(kScheme, 0) != 0) return Error::Invalid("bad_config", "bus.redis_url 必须以 redis:// 开头");
  std::string rest = url.substr(kScheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);  // db: pub/sub ignores it
  Endpoint e;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string auth = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = auth.find(':'); colon != std::string::npos) auth = auth.substr(colon + 1);
    e.password = auth;
  }
  std::string host = rest;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:6379
    auto close = rest.find(']');
    if (close == std::string::npos) return Error::Invalid("bad_config", "bus.redis_url 的主机地址不完整");
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() == ':') rest = rest.substr(1);
    else rest.clear();
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    rest = rest.substr(colon + 1);
  } else {
    rest.clear();
  }
  if (!rest.empty()) {
    int port = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), port);
    if (ec != std::errc() || p != rest.data() + rest.size() || port <= 0 || port > 65535)
      return Error::Invalid("bad_config", "bus.redis_url 的端口无效");
    e.port = port;
  }
  if (host.empty()) return Error::Invalid("bad_config", "bus.redis_url 缺少主机地址");
  e.host = host;
  return e;
}

struct ContextFree {
  void operator()(redisContext* c) const {
    if (c) redisFree(c);
  }
};
using Context = std::unique_ptr<redisContext, ContextFree>;
struct ReplyFree {
  void operator()(redisReply* r) const {
    if (r) freeReplyObject(r);
  }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

// Connects (and authenticates); null on failure, with the reason in `why`.
Context connect(const Endpoint& e, std::string& why) {
  timeval tv{1, 0};
  Context c(redisConnectWithTimeout(e.host.c_str(), e.port, tv));
  if (!c) {
    why = "out of memory";
    return nullptr;
  }
  if (c->err) {
    why = c->errstr;
    return nullptr;
  }
  redisEnableKeepAlive(c.get());
  timeval io{2, 0};
  redisSetTimeout(c.get(), io);
  if (!e.password.empty()) {
    Reply r(static_cast<redisReply*>(redisCommand(c.get(), "AUTH %b", e.password.data(), e.password.size())));
    if (!r || r->type == REDIS_REPLY_ERROR) {
      why = r ? std::string(r->str, r->len) : std::string(c->errstr);
      return nullptr;
    }
  }
  return c;
}

std::string node_id() {
  std::random_device rd;
  uint64_t v = (uint64_t{rd()} << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

class RedisBus final : public Bus {
 public:
  RedisBus(Endpoint e, RedisBusOptions o) : ep_(std::move(e)), opts_(std::move(o)), origin_(node_id()) {
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    // hiredis writes with write(2): a connection Redis closed must not kill the process.
    ::signal(SIGPIPE, SIG_IGN);
  }
  ~RedisBus() override {
    stop();
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  void publish(Message m) override {
    deliver(m);
    {
      std::lock_guard lk(q_mu_);
      if (queue_.size() >= opts_.queue_max) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      queue_.push_back(std::move(m));
    }
    q_cv_.notify_one();
  }

  Id subscribe(const std::string& room, Handler h) override {
    bool first = false;
    Id id;
    {
      std::lock_guard lk(mu_);
      id = ++next_;
      auto& subs = rooms_[room];
      first = subs.empty();
      subs.emplace_back(id, std::make_shared<Handler>(std::move(h)));
      room_of_[id] = room;
    }
    if (first) wake();
    return id;
  }

  void unsubscribe(Id id) override {
    bool last = false;
    {
      std::lock_guard lk(mu_);
      auto r = room_of_.find(id);
      if (r == room_of_.end()) return;
      auto& subs = rooms_[r->second];
      std::erase_if(subs, [id](const auto& p) { return p.first == id; });
      if (subs.empty()) {
        rooms_.erase(r->second);
        last = true;
      }
      room_of_.erase(r);
    }
    if (last) wake();
  }

  void set_ready_handler(ReadyHandler fn) override {
    std::lock_guard lk(ready_mu_);  // also waits for a call in progress
    ready_ = std::move(fn);
  }
  bool immediate() const override { return false; }

  void start() override {
    if (started_.exchange(true)) return;
    sub_thread_ = std::thread([this] { subscriber_loop(); });
    pub_thread_ = std::thread([this] { publisher_loop(); });
  }

  void stop() override {
    if (!started_.load() || stopping_.exchange(true)) return;
    wake();
    q_cv_.notify_all();
    if (sub_thread_.joinable()) sub_thread_.join();
    if (pub_thread_.joinable()) pub_thread_.join();
  }

  Stats stats() const override {
    Stats s;
    s.connected = sub_connected_.load();
    s.publisher_connected = pub_connected_.load();
    s.rooms = sub_rooms_.load();
    s.published = published_.load();
    s.dropped = dropped_.load();
    s.received = received_.load();
    s.reconnects = reconnects_.load();
    {
      std::lock_guard lk(q_mu_);
      s.queued = static_cast<int64_t>(queue_.size());
    }
    return s;
  }

 private:
  void wake() {
    uint64_t one = 1;
    if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
  }

  // Hands `m` to this node's subscribers of m.room (handlers only queue work).
  void deliver(const Message& m) {
    std::vector<std::shared_ptr<Handler>> targets;
    {
      std::lock_guard lk(mu_);
      auto it = rooms_.find(m.room);
      if (it == rooms_.end()) return;
      targets.reserve(it->second.size());
      for (auto& [id, h] : it->second) targets.push_back(h);
    }
    for (auto& h : targets) (*h)(m);
  }

  // Waits up to `ms` (less if stop() is called); false when stopping.
  bool pause(int ms) {
    pollfd p{wake_fd_, POLLIN, 0};
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stopping_.load()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
      if (left <= 0) return true;
      ::poll(&p, 1, static_cast<int>(left));
      drain_wake();
    }
    return false;
  }
  void drain_wake() {
    uint64_t v;
    while (::read(wake_fd_, &v, sizeof v) > 0) {
    }
  }

  void subscriber_loop() {
    Context c;
    std::set<std::string> subscribed;  // channels asked for on this connection (room names)
    int backoff = 50;
    bool was_connected = false;
    while (!stopping_.load()) {
      if (!c) {
        std::string why;
        c = connect(ep_, why);
        if (!c) {
          if (backoff == 50 || backoff >= opts_.reconnect_max_ms)
            spdlog::warn("bus: cannot reach Redis at {}:{} ({}); retrying", ep_.host, ep_.port, why);
          if (!pause(backoff)) break;
          backoff = std::min(backoff * 2, opts_.reconnect_max_ms);
          continue;
        }
        // Reads are driven by poll below; no read timeout on this connection.
        timeval none{0, 0};
        redisSetTimeout(c.get(), none);
        backoff = 50;
        subscribed.clear();
        sub_rooms_.store(0);
        sub_connected_.store(true);
        if (was_connected) {
          reconnects_.fetch_add(1);
          spdlog::info("bus: Redis subscriber reconnected; resubscribing");
        }
        was_connected = true;
      }
      auto lost = [&](const char* what) {
        spdlog::warn("bus: Redis subscriber connection lost ({}: {})", what, c->errstr);
        c.reset();
        sub_connected_.store(false);
        sub_rooms_.store(0);
      };

      // Reconcile the channels with the rooms wanted.
      std::vector<std::string> add, remove;
      {
        std::lock_guard lk(mu_);
        for (auto& [room, subs] : rooms_)
          if (!subscribed.count(room)) add.push_back(room);
        for (auto& room : subscribed)
          if (!rooms_.count(room)) remove.push_back(room);
      }
      for (auto& room : add) {
        std::string ch = opts_.channel_prefix + room;
        redisAppendCommand(c.get(), "SUBSCRIBE %b", ch.data(), ch.size());
        subscribed.insert(room);
      }
      for (auto& room : remove) {
        std::string ch = opts_.channel_prefix + room;
        redisAppendCommand(c.get(), "UNSUBSCRIBE %b", ch.data(), ch.size());
        subscribed.erase(room);
      }
      if (!add.empty() || !remove.empty()) {
        int done = 0;
        bool ok = true;
        while (!done) {
          if (redisBufferWrite(c.get(), &done) == REDIS_ERR) {
            ok = false;
            break;
          }
        }
        if (!ok) {
          lost("write");
          continue;
        }
      }

      pollfd fds[2] = {{c->fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      int n = ::poll(fds, 2, 1000);
      if (n < 0) continue;
      if (fds[1].revents) drain_wake();
      if (fds[0].revents == 0) continue;
      if (redisBufferRead(c.get()) == REDIS_ERR) {
        lost("read");
        continue;
      }
      bool broken = false;
      for (;;) {
        void* raw = nullptr;
        if (redisReaderGetReply(c->reader, &raw) == REDIS_ERR) {
          broken = true;
          break;
        }
        if (!raw) break;
        Reply r(static_cast<redisReply*>(raw));
        handle_reply(*r);
      }
      if (broken) lost("protocol");
    }
    sub_connected_.store(false);
  }

  void handle_reply(const redisReply& r) {
    if (r.type != REDIS_REPLY_ARRAY || r.elements < 3 || r.element[0]->type != REDIS_REPLY_STRING) return;
    std::string_view kind(r.element[0]->str, r.element[0]->len);
    const redisReply* ch = r.element[1];
    if (ch->type != REDIS_REPLY_STRING) return;
    std::string_view channel(ch->str, ch->len);
    if (channel.substr(0, opts_.channel_prefix.size()) != opts_.channel_prefix) return;
    std::string room(channel.substr(opts_.channel_prefix.size()));
    if (kind == "subscribe") {
      {
        std::lock_guard lk(ready_mu_);
        if (ready_) ready_(room);
      }
      // Counted once the room's viewers have been told (the metric means "in effect").
      if (r.element[2]->type == REDIS_REPLY_INTEGER) sub_rooms_.store(r.element[2]->integer);
      return;
    }
    if (kind == "unsubscribe") {
      if (r.element[2]->type == REDIS_REPLY_INTEGER) sub_rooms_.store(r.element[2]->integer);
      return;
    }
    if (kind != "message" || r.element[2]->type != REDIS_REPLY_STRING) return;
    std::string_view body(r.element[2]->str, r.element[2]->len);
    // "<origin> <seq> <payload>"
    auto sp1 = body.find(' ');
    if (sp1 == std::string_view::npos) return;
    if (body.substr(0, sp1) == origin_) return;  // ours: delivered locally already
    auto sp2 = body.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return;
    Message m;
    auto seq_text = body.substr(sp1 + 1, sp2 - sp1 - 1);
    if (std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), m.seq).ec != std::errc()) return;
    m.room = std::move(room);
    m.payload = std::string(body.substr(sp2 + 1));
    received_.fetch_add(1, std::memory_order_relaxed);
    deliver(m);
  }

  void publisher_loop() {
    Context c;
    int backoff = 50;
    bool was_connected = false;
    std::vector<Message> batch;
    while (true) {
      {
        std::unique_lock lk(q_mu_);
        q_cv_.wait(lk, [&] { return stopping_.load() || !queue_.empty(); });
        if (stopping_.load()) break;
      }
      if (!c) {
        std::string why;
        c = connect(ep_, why);
        if (!c) {
          // Nothing can go out: what waits is dropped (receivers resync on the gap, or
          // when their own connection comes back).
          {
            std::lock_guard lk(q_mu_);
            dropped_.fetch_add(queue_.size());
            queue_.clear();
          }
          {
            std::unique_lock lk(q_mu_);
            q_cv_.wait_for(lk, std::chrono::milliseconds(backoff), [&] { return stopping_.load(); });
          }
          if (stopping_.load()) break;
          backoff = std::min(backoff * 2, opts_.reconnect_max_ms);
          continue;
        }
        backoff = 50;
        pub_connected_.store(true);
        if (was_connected) reconnects_.fetch_add(1);
        was_connected = true;
      }
      batch.clear();
      {
        std::lock_guard lk(q_mu_);
        while (!queue_.empty() && batch.size() < 256) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      std::string body;
      for (const Message& m : batch) {
        std::string ch = opts_.channel_prefix + m.room;
        body.clear();
        body += origin_;
        body += ' ';
        body += std::to_string(m.seq);
        body += ' ';
        body += m.payload;
        redisAppendCommand(c.get(), "PUBLISH %b %b", ch.data(), ch.size(), body.data(), body.size());
      }
      size_t ok = 0;
      for (; ok < batch.size(); ++ok) {
        void* raw = nullptr;
        if (redisGetReply(c.get(), &raw) != REDIS_OK) break;
        Reply r(static_cast<redisReply*>(raw));
      }
      published_.fetch_add(ok);
      if (ok < batch.size()) {
        dropped_.fetch_add(batch.size() - ok);
        spdlog::warn("bus: Redis publisher connection lost ({})", c->errstr);
        c.reset();
        pub_connected_.store(false);
      }
    }
    pub_connected_.store(false);
  }

  const Endpoint ep_;
  const RedisBusOptions opts_;
  const std::string origin_;
  std::mutex ready_mu_;
  ReadyHandler ready_;  // GUARDED_BY(ready_mu_), held during calls
  int wake_fd_ = -1;

  std::mutex mu_;
  Id next_ = 0;
  std::unordered_map<std::string, std::vector<std::pair<Id, std::shared_ptr<Handler>>>> rooms_;  // GUARDED_BY(mu_)
  std::unordered_map<Id, std::string> room_of_;                                                // GUARDED_BY(mu_)

  mutable std::mutex q_mu_;
  std::condition_variable q_cv_;
  std::deque<Message> queue_;  // GUARDED_BY(q_mu_)

  std::atomic<bool> started_{false}, stopping_{false};
  std::atomic<bool> sub_connected_{false}, pub_connected_{false};
  std::atomic<int64_t> sub_rooms_{0};
  std::atomic<uint64_t> published_{0}, dropped_{0}, received_{0}, reconnects_{0};
  std::thread sub_thread_, pub_thread_;
};

}  // namespace

Result<std::unique_ptr<Bus>> make_redis_bus(const RedisBusOptions& options) {
  SL_ASSIGN(Endpoint e, parse_url(options.url));
  if (options.queue_max == 0) return Error::Invalid("bad_config", "bus.queue_max 至少为 1");
  return std::unique_ptr<Bus>(std::make_unique<RedisBus>(std::move(e), options));
}

}  // namespace sl::pubsub
