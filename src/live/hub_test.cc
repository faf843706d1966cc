// The live hub with fake sessions and a counting in-process bus: fan-out, gaps, overflow,
// presence, authorisation, room lifetime, client messages.
#include "live/hub.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <deque>
#include <thread>

namespace sl::live {
namespace {

namespace bj = boost::json;

// A send queue without a socket: records what the hub hands it, bounded like the real one.
class FakeSession final : public net::WsSession {
 public:
  explicit FakeSession(size_t max_frames = 10000) : max_(max_frames) {}
  Send send(std::shared_ptr<const std::string> text) override {
    std::lock_guard lk(mu_);
    if (closed_) return Send::kClosed;
    if (frames_.size() >= max_) {
      frames_.clear();
      ++overflows_;
      return Send::kOverflow;
    }
    frames_.push_back(std::move(text));
    peak_ = std::max(peak_, frames_.size());
    return Send::kQueued;
  }
  void close(uint16_t, std::string_view) override {
    std::lock_guard lk(mu_);
    closed_ = true;
  }
  uint64_t id() const override { return 1; }
  const std::string& remote_addr() const override { return addr_; }

  // Everything queued so far, parsed, and the queue emptied (as if written).
  std::vector<bj::object> take() {
    std::lock_guard lk(mu_);
    std::vector<bj::object> out;
    for (auto& f : frames_) out.push_back(bj::parse(*f).as_object());
    frames_.clear();
    return out;
  }
  std::vector<std::shared_ptr<const std::string>> raw() {
    std::lock_guard lk(mu_);
    return {frames_.begin(), frames_.end()};
  }
  size_t peak() {
    std::lock_guard lk(mu_);
    return peak_;
  }
  int overflows() {
    std::lock_guard lk(mu_);
    return overflows_;
  }

 private:
  std::mutex mu_;
  std::deque<std::shared_ptr<const std::string>> frames_;
  size_t max_, peak_ = 0;
  int overflows_ = 0;
  bool closed_ = false;
  std::string addr_ = "127.0.0.1";
};

// LocalBus that counts live subscriptions per room.
class CountingBus final : public pubsub::Bus {
 public:
  void publish(pubsub::Message m) override { inner_->publish(std::move(m)); }
  Id subscribe(const std::string& room, Handler h) override {
    std::lock_guard lk(mu_);
    ++subs_[room];
    Id id = inner_->subscribe(room, std::move(h));
    room_of_[id] = room;
    return id;
  }
  void unsubscribe(Id id) override {
    std::lock_guard lk(mu_);
    --subs_[room_of_[id]];
    inner_->unsubscribe(id);
  }
  int subscriptions(const std::string& room) {
    std::lock_guard lk(mu_);
    return subs_[room];
  }

 private:
  std::unique_ptr<pubsub::Bus> inner_ = pubsub::make_local_bus();
  std::mutex mu_;
  std::map<std::string, int> subs_;
  std::map<Id, std::string> room_of_;
};

std::string event(int64_t seq, std::string_view type = "post.created") {
  return "{\"type\":\"" + std::string(type) + "\",\"seq\":" + std::to_string(seq) +
         ",\"at\":\"2026-11-22T08:00:00.000Z\",\"data\":{\"id\":" + std::to_string(seq * 10) + "}}";
}

std::string op_of(const bj::object& o) { return std::string(o.at("op").as_string()); }

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HubOptions o;
    o.presence_interval_ms = 1000;
    hub_ = std::make_unique<Hub>(bus_, clock_, o);
    hub_->add_room_type("deliberation", [this](const access::Caller& caller, int64_t id) -> Result<int64_t> {
      ++checks_;
      if (id == 7) return Error::Forbidden("没有权限查看该协商");
      if (id == 8) return Error::NotFound("deliberation_not_found", "协商不存在");
      if (id == 9 && caller.person_id == 0) return Error::Unauthenticated();
      return latest_.load();
    });
  }

  struct Conn {
    std::shared_ptr<FakeSession> session;
    std::shared_ptr<Client> client;
  };

  Conn connect(int64_t person = 0, std::string name = {}, size_t max_frames = 10000) {
    Conn c;
    c.session = std::make_shared<FakeSession>(max_frames);
    Viewer v;
    v.caller.person_id = person;
    v.name = std::move(name);
    c.client = hub_->connect(c.session, v);
    return c;
  }

  void send(Conn& c, const std::string& text) { hub_->receive(*c.client, text); }
  void subscribe(Conn& c, const std::string& room, int64_t after = 0) {
    send(c, R"({"op":"subscribe","room":")" + room + R"(","after_seq":)" + std::to_string(after) + "}");
  }

  void publish(const std::string& room, int64_t seq, std::string payload = {}) {
    bus_.publish(pubsub::Message{room, seq, payload.empty() ? event(seq) : payload});
  }

  CountingBus bus_;
  FakeClock clock_;
  std::unique_ptr<Hub> hub_;
  std::atomic<int64_t> latest_{5};
  std::atomic<int> checks_{0};
};

TEST_F(HubTest, FanOutSharesOneSerialisedFrame) {
  std::vector<Conn> viewers;
  for (int i = 0; i < 3; ++i) {
    viewers.push_back(connect());
    subscribe(viewers.back(), "deliberation:42", 2);
    auto got = viewers.back().session->take();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(op_of(got[0]), "subscribed");
    EXPECT_EQ(got[0].at("room").as_string(), "deliberation:42");
    EXPECT_EQ(got[0].at("seq").as_int64(), 5);
  }
  EXPECT_EQ(bus_.subscriptions("deliberation:42"), 1);
  publish("deliberation:42", 6);

  std::vector<std::shared_ptr<const std::string>> frames;
  for (auto& v : viewers) {
    auto raw = v.session->raw();
    ASSERT_EQ(raw.size(), 1u);
    frames.push_back(raw[0]);
    auto got = v.session->take();
    EXPECT_EQ(op_of(got[0]), "event");
    EXPECT_EQ(got[0].at("room").as_string(), "deliberation:42");
    EXPECT_EQ(got[0].at("seq").as_int64(), 6);
    EXPECT_EQ(got[0].at("event").as_object().at("type").as_string(), "post.created");
    EXPECT_EQ(got[0].at("event").as_object().at("data").as_object().at("id").as_int64(), 60);
  }
  // One serialisation, shared by every session.
  EXPECT_EQ(frames[0].get(), frames[1].get());
  EXPECT_EQ(frames[1].get(), frames[2].get());
  // Another room's events do not reach them.
  publish("deliberation:43", 1);
  for (auto& v : viewers) EXPECT_TRUE(v.session->take().empty());
  EXPECT_EQ(hub_->stats().connections, 3);
  EXPECT_EQ(hub_->stats().rooms, 1);
}

// Writes committed together publish from different threads: 8 may reach the hub before 7.
// The hub holds 8 until 7 comes and sends both in order; nobody resyncs.
TEST_F(HubTest, MessagesPublishedOutOfOrderGoOutInOrder) {
  Conn a = connect(), b = connect();
  subscribe(a, "deliberation:42");
  subscribe(b, "deliberation:42");
  a.session->take();
  b.session->take();

  publish("deliberation:42", 6);
  publish("deliberation:42", 8);  // ahead of 7
  publish("deliberation:42", 8);  // duplicate
  publish("deliberation:42", 10);
  publish("deliberation:42", 7);  // 7 arrives: 7 and 8 go out
  publish("deliberation:42", 9);  // 9 arrives: 9 and 10 go out
  publish("deliberation:42", 9);  // stale
  for (Conn* c : {&a, &b}) {
    auto got = c->session->take();
    ASSERT_EQ(got.size(), 5u);
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(op_of(got[i]), "event");
      EXPECT_EQ(got[i].at("seq").as_int64(), static_cast<int64_t>(6 + i));
    }
  }
  hub_->flush_held();
  EXPECT_TRUE(a.session->take().empty());
  EXPECT_EQ(hub_->stats().resyncs, 0u);
}

// A number that never comes (lost on the bus): after reorder_ms every viewer resyncs, then gets
// what was held, in order; the lost one arriving later is dropped.
TEST_F(HubTest, AGapThatStaysMakesEveryViewerResync) {
  Conn a = connect(), b = connect();
  subscribe(a, "deliberation:42");
  subscribe(b, "deliberation:42");
  a.session->take();
  b.session->take();

  publish("deliberation:42", 6);
  publish("deliberation:42", 8);  // 7 was lost on the bus
  publish("deliberation:42", 9);
  hub_->flush_held();  // not yet: 7 may still come
  for (Conn* c : {&a, &b}) {
    auto got = c->session->take();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].at("seq").as_int64(), 6);
  }
  clock_.advance_ms(200);
  hub_->flush_held();
  publish("deliberation:42", 7);  // too late: viewers were told to resync
  publish("deliberation:42", 10);
  for (Conn* c : {&a, &b}) {
    auto got = c->session->take();
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(op_of(got[0]), "resync");
    EXPECT_EQ(got[0].at("room").as_string(), "deliberation:42");
    EXPECT_EQ(got[1].at("seq").as_int64(), 8);
    EXPECT_EQ(got[2].at("seq").as_int64(), 9);
    EXPECT_EQ(got[3].at("seq").as_int64(), 10);
  }
  EXPECT_EQ(hub_->stats().resyncs, 2u);
}

// A newcomer's checker may already see an event the bus has not delivered yet: the viewers
// already in the room must still get it, and the newcomer is told to fetch up to it.
TEST_F(HubTest, NewcomerAheadOfTheBusDoesNotHideEventsFromOthers) {
  Conn early = connect();
  subscribe(early, "deliberation:42");
  early.session->take();
  latest_ = 6;  // event 6 is committed, its bus message still on the way
  Conn late = connect();
  subscribe(late, "deliberation:42");
  auto got = late.session->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("seq").as_int64(), 6);
  publish("deliberation:42", 6);
  publish("deliberation:42", 7);
  got = early.session->take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].at("seq").as_int64(), 6);
  EXPECT_EQ(got[1].at("seq").as_int64(), 7);
  EXPECT_EQ(late.session->take().size(), 2u);  // 6 again (ignored by the client), then 7
  EXPECT_EQ(hub_->stats().resyncs, 0u);
}

TEST_F(HubTest, UnsequencedEventsPassWithoutGapChecks) {
  Conn a = connect();
  subscribe(a, "deliberation:42");
  a.session->take();
  publish("deliberation:42", 0, R"({"type":"viewers","seq":0,"at":"2026-11-22T08:00:00.000Z","data":{"count":3}})");
  publish("deliberation:42", 6);
  auto got = a.session->take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].at("seq").as_int64(), 0);
  EXPECT_EQ(got[0].at("event").as_object().at("type").as_string(), "viewers");
  EXPECT_EQ(got[1].at("seq").as_int64(), 6);
  EXPECT_EQ(hub_->stats().resyncs, 0u);
}

TEST_F(HubTest, OverflowDropsTheQueueAndSendsOneResyncPerWatchedRoom) {
  Conn slow = connect(0, {}, /*max_frames=*/4);
  Conn fast = connect();
  subscribe(slow, "deliberation:42");
  subscribe(slow, "deliberation:43");
  subscribe(fast, "deliberation:42");
  slow.session->take();
  fast.session->take();

  for (int64_t seq = 6; seq < 6 + 20; ++seq) publish("deliberation:42", seq);
  // The slow viewer never held more than its bound; it overflowed and was told to resync both rooms.
  EXPECT_LE(slow.session->peak(), 4u);
  EXPECT_GE(slow.session->overflows(), 1);
  auto got = slow.session->take();
  std::set<std::string> resynced;
  for (auto& o : got)
    if (op_of(o) == "resync") resynced.insert(std::string(o.at("room").as_string()));
  EXPECT_EQ(resynced, (std::set<std::string>{"deliberation:42", "deliberation:43"}));
  // The events after the last resync are in order.
  int64_t last = 0;
  for (auto& o : got) {
    if (op_of(o) == "resync") {
      last = 0;
      continue;
    }
    if (last) {
      EXPECT_EQ(o.at("seq").as_int64(), last + 1);
    }
    last = o.at("seq").as_int64();
  }
  // The fast one got all 20 and no resync.
  auto all = fast.session->take();
  ASSERT_EQ(all.size(), 20u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].at("seq").as_int64(), 6 + static_cast<int64_t>(i));
  EXPECT_GE(hub_->stats().resyncs, 2u);
}

TEST_F(HubTest, PresenceIsCoalescedToOncePerInterval) {
  Conn a1 = connect(1, "张三"), a2 = connect(1, "张三"), b = connect(2, "李四"), anon = connect();
  for (Conn* c : {&a1, &b, &a2, &anon}) subscribe(*c, "deliberation:42");
  for (Conn* c : {&a1, &b, &a2, &anon}) c->session->take();

  hub_->flush_presence();
  auto got = anon.session->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(op_of(got[0]), "presence");
  EXPECT_EQ(got[0].at("online").as_int64(), 3);  // two people (one on two connections) and a visitor
  const auto& people = got[0].at("people").as_array();
  ASSERT_EQ(people.size(), 2u);
  EXPECT_EQ(people[0].as_object().at("id").as_int64(), 1);
  EXPECT_EQ(people[0].as_object().at("name").as_string(), "张三");
  EXPECT_EQ(people[1].as_object().at("name").as_string(), "李四");
  EXPECT_EQ(a2.session->take().size(), 1u);

  // Nothing changed: nothing sent.
  clock_.advance_ms(5000);
  hub_->flush_presence();
  EXPECT_TRUE(anon.session->take().empty());

  // Changes within the interval wait for it, and go out as one frame.
  hub_->flush_presence();
  hub_->receive(*a1.client, R"({"op":"unsubscribe","room":"deliberation:42"})");
  Conn c = connect(3, "王五");
  subscribe(c, "deliberation:42");
  c.session->take();
  hub_->flush_presence();  // sent at once: the last presence was long ago
  got = anon.session->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("online").as_int64(), 4);
  hub_->disconnect(*b.client);
  clock_.advance_ms(300);
  hub_->flush_presence();
  EXPECT_TRUE(anon.session->take().empty());
  hub_->disconnect(*c.client);
  clock_.advance_ms(700);
  hub_->flush_presence();
  got = anon.session->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("online").as_int64(), 2);  // 张三 (second connection) and the visitor
  ASSERT_EQ(got[0].at("people").as_array().size(), 1u);
  EXPECT_EQ(got[0].at("people").as_array()[0].as_object().at("name").as_string(), "张三");
}

TEST_F(HubTest, PresenceListsTheFirstFiftyPeople) {
  std::vector<Conn> conns;
  for (int i = 1; i <= 60; ++i) {
    conns.push_back(connect(i, "代表" + std::to_string(i)));
    subscribe(conns.back(), "deliberation:42");
  }
  conns[0].session->take();
  hub_->flush_presence();
  auto got = conns[0].session->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("online").as_int64(), 60);
  const auto& people = got[0].at("people").as_array();
  ASSERT_EQ(people.size(), 50u);
  EXPECT_EQ(people[0].as_object().at("id").as_int64(), 1);
  EXPECT_EQ(people[49].as_object().at("id").as_int64(), 50);
  // A newcomer gets the latest presence right after `subscribed`.
  Conn late = connect(99, "迟到者");
  subscribe(late, "deliberation:42");
  got = late.session->take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(op_of(got[0]), "subscribed");
  EXPECT_EQ(op_of(got[1]), "presence");
}

TEST_F(HubTest, RefusedSubscriptionsLeaveNoRoomBehind) {
  Conn c = connect();
  subscribe(c, "deliberation:7");
  subscribe(c, "deliberation:8");
  subscribe(c, "deliberation:9");
  subscribe(c, "poll:1");
  subscribe(c, "deliberation:0x1");
  auto got = c.session->take();
  ASSERT_EQ(got.size(), 5u);
  for (auto& o : got) EXPECT_EQ(op_of(o), "error");
  EXPECT_EQ(got[0].at("code").as_string(), "forbidden");
  EXPECT_EQ(got[0].at("room").as_string(), "deliberation:7");
  EXPECT_EQ(got[1].at("code").as_string(), "not_found");
  EXPECT_EQ(got[2].at("code").as_string(), "unauthenticated");
  EXPECT_EQ(got[3].at("code").as_string(), "unknown_room");
  EXPECT_EQ(got[4].at("code").as_string(), "invalid_room");
  EXPECT_EQ(hub_->stats().rooms, 0);
  EXPECT_EQ(bus_.subscriptions("deliberation:7"), 0);
  publish("deliberation:7", 6);
  EXPECT_TRUE(c.session->take().empty());

  // A signed-in person may watch room 9.
  Conn p = connect(5, "赵六");
  subscribe(p, "deliberation:9");
  got = p.session->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(op_of(got[0]), "subscribed");
}

TEST_F(HubTest, BusSubscriptionLivesFromFirstToLastViewer) {
  Conn a = connect(), b = connect();
  EXPECT_EQ(bus_.subscriptions("deliberation:42"), 0);
  subscribe(a, "deliberation:42");
  EXPECT_EQ(bus_.subscriptions("deliberation:42"), 1);
  subscribe(b, "deliberation:42");
  EXPECT_EQ(bus_.subscriptions("deliberation:42"), 1);
  send(a, R"({"op":"unsubscribe","room":"deliberation:42"})");
  EXPECT_EQ(bus_.subscriptions("deliberation:42"), 1);
  a.session->take();
  publish("deliberation:42", 6);
  EXPECT_TRUE(a.session->take().empty());
  b.session->take();
  hub_->disconnect(*b.client);
  EXPECT_EQ(bus_.subscriptions("deliberation:42"), 0);
  EXPECT_EQ(hub_->stats().rooms, 0);
  EXPECT_EQ(hub_->stats().connections, 1);
  publish("deliberation:42", 7);
  EXPECT_TRUE(b.session->take().empty());
  // A new first viewer makes a new subscription; the room starts from the checker's seq.
  latest_ = 7;
  subscribe(a, "deliberation:42");
  EXPECT_EQ(bus_.subscriptions("deliberation:42"), 1);
  auto got = a.session->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("seq").as_int64(), 7);
  hub_->disconnect(*a.client);
  hub_->disconnect(*a.client);  // twice is harmless
  EXPECT_EQ(hub_->stats().connections, 0);
  EXPECT_EQ(bus_.subscriptions("deliberation:42"), 0);
}

TEST_F(HubTest, ClientMessagesAreCheckedAndAnswered) {
  Conn c = connect();
  send(c, R"({"op":"ping"})");
  send(c, "not json");
  send(c, R"(["op","ping"])");
  send(c, R"({"op":"dance"})");
  send(c, R"({"op":"subscribe","room":"deliberation:42","after_seq":-1})");
  send(c, R"({"op":"subscribe","room":42})");
  send(c, R"({"op":"unsubscribe","room":"deliberation:42"})");  // not watched: ignored
  auto got = c.session->take();
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(op_of(got[0]), "pong");
  EXPECT_EQ(got[1].at("code").as_string(), "bad_message");
  EXPECT_EQ(got[2].at("code").as_string(), "bad_message");
  EXPECT_EQ(got[3].at("code").as_string(), "unknown_op");
  EXPECT_EQ(got[4].at("code").as_string(), "invalid_after_seq");
  EXPECT_EQ(got[5].at("code").as_string(), "invalid_room");

  // Subscribing twice answers with where the room stands, once subscribed.
  subscribe(c, "deliberation:42");
  subscribe(c, "deliberation:42");
  got = c.session->take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(op_of(got[1]), "subscribed");
  EXPECT_EQ(hub_->stats().rooms, 1);
}

TEST_F(HubTest, RoomAndMessageLimits) {
  Conn c = connect();
  for (int i = 1; i <= 17; ++i) subscribe(c, "deliberation:" + std::to_string(100 + i));
  auto got = c.session->take();
  ASSERT_EQ(got.size(), 17u);
  EXPECT_EQ(op_of(got[15]), "subscribed");
  EXPECT_EQ(got[16].at("code").as_string(), "too_many_rooms");

  // 20 messages a second, bursts of 100: the 101st at once is refused, then time refills.
  Conn d = connect();
  for (int i = 0; i < 101; ++i) send(d, R"({"op":"ping"})");
  got = d.session->take();
  ASSERT_EQ(got.size(), 101u);
  EXPECT_EQ(op_of(got[99]), "pong");
  EXPECT_EQ(got[100].at("code").as_string(), "rate_limited");
  clock_.advance_ms(1000);
  send(d, R"({"op":"ping"})");
  got = d.session->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(op_of(got[0]), "pong");
}

TEST_F(HubTest, VisitHookCountsSuccessfulSubscriptions) {
  std::vector<std::pair<int64_t, int64_t>> visits;  // (person, deliberation)
  hub_->set_visit_hook("deliberation", [&](const Viewer& v, int64_t id) { visits.emplace_back(v.caller.person_id, id); });
  Conn a = connect(3, "王五"), b = connect();
  subscribe(a, "deliberation:42");
  subscribe(b, "deliberation:42");
  subscribe(b, "deliberation:7");  // refused: not a visit
  ASSERT_EQ(visits.size(), 2u);
  EXPECT_EQ(visits[0], std::make_pair(int64_t{3}, int64_t{42}));
  EXPECT_EQ(visits[1], std::make_pair(int64_t{0}, int64_t{42}));
}

TEST_F(HubTest, RoomNames) {
  std::string type;
  int64_t id = -1;
  EXPECT_TRUE(Hub::parse_room("deliberation:42", type, id));
  EXPECT_EQ(type, "deliberation");
  EXPECT_EQ(id, 42);
  EXPECT_TRUE(Hub::parse_room("ledger", type, id));
  EXPECT_EQ(type, "ledger");
  EXPECT_EQ(id, 0);
  for (const char* bad : {"", ":1", "deliberation:", "deliberation:0", "deliberation:-1", "deliberation:01",
                          "Deliberation:1", "deliberation:1:2", "deliberation:99999999999999999999", "a b",
                          "deliberation:1\""}) {
    EXPECT_FALSE(Hub::parse_room(bad, type, id)) << bad;
  }
}

// Publishers, subscribers and leavers on several threads at once: every viewer still sees its
// room's events in order (gaps only as resyncs), and nothing is left behind.
TEST_F(HubTest, ConcurrentPublishSubscribeAndLeave) {
  constexpr int kRooms = 4, kViewers = 8, kEvents = 300;
  std::vector<Conn> steady;
  for (int r = 0; r < kRooms; ++r) {
    steady.push_back(connect());
    subscribe(steady.back(), "deliberation:" + std::to_string(200 + r));
  }
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int r = 0; r < kRooms; ++r) {
    threads.emplace_back([&, r] {
      for (int64_t s = 6; s < 6 + kEvents; ++s) publish("deliberation:" + std::to_string(200 + r), s);
    });
  }
  threads.emplace_back([&] {
    while (!done) {
      for (int i = 0; i < kViewers; ++i) {
        Conn c = connect(i + 1, "观众");
        subscribe(c, "deliberation:" + std::to_string(200 + i % kRooms));
        hub_->flush_presence();
        hub_->disconnect(*c.client);
      }
    }
  });
  for (int r = 0; r < kRooms; ++r) threads[static_cast<size_t>(r)].join();
  done = true;
  threads.back().join();
  for (int r = 0; r < kRooms; ++r) {
    int64_t last = 5;
    for (auto& o : steady[static_cast<size_t>(r)].session->take()) {
      if (op_of(o) != "event") continue;
      EXPECT_EQ(o.at("seq").as_int64(), last + 1);
      last = o.at("seq").as_int64();
    }
    EXPECT_EQ(last, 5 + kEvents);
  }
  for (auto& c : steady) hub_->disconnect(*c.client);
  EXPECT_EQ(hub_->stats().rooms, 0);
  EXPECT_EQ(hub_->stats().connections, 0);
}

}  // namespace
}  // namespace sl::live

namespace sl::live {
namespace {

// A cluster bus stand-in: subscriptions take effect when the test says so (ready()).
class DelayedBus final : public pubsub::Bus {
 public:
  void publish(pubsub::Message m) override { inner_->publish(std::move(m)); }
  Id subscribe(const std::string& room, Handler h) override { return inner_->subscribe(room, std::move(h)); }
  void unsubscribe(Id id) override { inner_->unsubscribe(id); }
  void set_ready_handler(ReadyHandler fn) override { ready_ = std::move(fn); }
  bool immediate() const override { return false; }
  void ready(const std::string& room) {
    if (ready_) ready_(room);
  }
  bool has_handler() const { return static_cast<bool>(ready_); }

 private:
  std::unique_ptr<pubsub::Bus> inner_ = pubsub::make_local_bus();
  ReadyHandler ready_;
};

TEST(HubClusterBusTest, ViewersResyncWhenTheSubscriptionTakesEffectAndAfterEachReconnect) {
  DelayedBus bus;
  FakeClock clock;
  auto hub = std::make_unique<Hub>(bus, clock, HubOptions{});
  ASSERT_TRUE(bus.has_handler());
  std::atomic<int64_t> latest{5};
  hub->add_room_type("deliberation", [&](const access::Caller&, int64_t) -> Result<int64_t> { return latest.load(); });
  auto session = std::make_shared<FakeSession>();
  auto client = hub->connect(session, Viewer{});
  hub->receive(*client, R"({"op":"subscribe","room":"deliberation:1","after_seq":0})");
  auto got = session->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(op_of(got[0]), "subscribed");

  // The subscription takes effect: what was published before may be lost, so resync.
  bus.ready("deliberation:1");
  got = session->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(op_of(got[0]), "resync");
  // Events 6 and 7 were published while the bus was cut off; 8 is the new baseline, at once.
  bus.publish(pubsub::Message{"deliberation:1", 6, event(6)});
  got = session->take();
  ASSERT_EQ(got.size(), 1u);
  bus.ready("deliberation:1");  // a reconnection
  got = session->take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(op_of(got[0]), "resync");
  bus.publish(pubsub::Message{"deliberation:1", 9, event(9)});
  bus.publish(pubsub::Message{"deliberation:1", 10, event(10)});
  got = session->take();
  ASSERT_EQ(got.size(), 2u) << "no hold and no second resync after the resync";
  EXPECT_EQ(got[0].at("seq").as_int64(), 9);
  EXPECT_EQ(got[1].at("seq").as_int64(), 10);
  // A gap after the baseline is a gap again.
  bus.publish(pubsub::Message{"deliberation:1", 12, event(12)});
  EXPECT_TRUE(session->take().empty());
  // Ready for a room nobody watches here is ignored.
  bus.ready("deliberation:99");
  EXPECT_EQ(hub->stats().bus_readies, 2u);
  hub.reset();
  EXPECT_FALSE(bus.has_handler()) << "the hub unregisters itself";
}

}  // namespace
}  // namespace sl::live
