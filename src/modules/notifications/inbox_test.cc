#include "modules/notifications/inbox.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/json.h"
#include "modules/common/test_fixture.h"

namespace sl::notifications {
namespace {

class InboxTest : public testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    svc_ = std::make_unique<InboxService>(*db_, clock_);
    alice_ = person("王伟");
    bob_ = person("李娜");
  }
  int64_t person(const char* name) {
    return db_->write_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
      SL_ASSIGN(auto rows, c.query("INSERT INTO people (display_name, created_at, updated_at) VALUES (?, 0, 0) RETURNING id",
                                   {std::string(name)}));
      return rows.front().i64(0);
    }).value();
  }
  Status send(int64_t to, std::string title, std::string body = "", std::string link = "", std::string kind = "test") {
    return db_->write([&](storage::Conn& c) { return notify_at(c, clock_.now_ms(), to, kind, title, body, link); });
  }
  Caller as(int64_t id) {
    Caller c;
    c.person_id = id;
    return c;
  }
  std::vector<std::string> titles(const bj::object& page) {
    std::vector<std::string> out;
    for (const auto& v : page.at("items").as_array()) out.emplace_back(v.as_object().at("title").as_string());
    return out;
  }

  std::unique_ptr<InboxService> svc_;
  int64_t alice_ = 0, bob_ = 0;
};

TEST_F(InboxTest, NotifyThenListNewestFirstWithUnreadCount) {
  ASSERT_TRUE(send(alice_, "你被提及", "李娜在「养老服务」中提到了你", "/deliberations/3", "mention").ok());
  clock_.advance_ms(1000);
  ASSERT_TRUE(send(alice_, "你已加入江南省政协").ok());
  ASSERT_TRUE(send(bob_, "给李娜的").ok());

  auto page = svc_->list(as(alice_), false, 0, 20);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(titles(*page), (std::vector<std::string>{"你已加入江南省政协", "你被提及"}));
  EXPECT_EQ(page->at("unread_count").as_int64(), 2);
  EXPECT_TRUE(page->at("next_cursor").is_null());
  const auto& first = page->at("items").as_array()[1].as_object();
  EXPECT_EQ(first.at("kind").as_string(), "mention");
  EXPECT_EQ(first.at("body").as_string(), "李娜在「养老服务」中提到了你");
  EXPECT_EQ(first.at("link").as_string(), "/deliberations/3");
  EXPECT_EQ(first.at("created_at").as_string(), format_iso8601(1'700'000'000'000));
  EXPECT_TRUE(first.at("read_at").is_null());
  EXPECT_FALSE(first.at("read").as_bool());
}

TEST_F(InboxTest, CursorPagination) {
  for (int i = 1; i <= 7; ++i) ASSERT_TRUE(send(alice_, "第" + std::to_string(i) + "条").ok());
  std::vector<std::string> all;
  int64_t before = 0;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = svc_->list(as(alice_), false, before, 3);
    ASSERT_TRUE(page.ok());
    for (auto& t : titles(*page)) all.push_back(t);
    if (page->at("next_cursor").is_null()) break;
    before = json::decode_cursor(page->at("next_cursor").as_string()).value();
  }
  EXPECT_EQ(all, (std::vector<std::string>{"第7条", "第6条", "第5条", "第4条", "第3条", "第2条", "第1条"}));
}

TEST_F(InboxTest, MarkReadOnlyOwnAndUnreadFilter) {
  ASSERT_TRUE(send(alice_, "一").ok());
  ASSERT_TRUE(send(alice_, "二").ok());
  auto page = svc_->list(as(alice_), false, 0, 20);
  int64_t newest = page->at("items").as_array()[0].as_object().at("id").as_int64();

  // Bob cannot mark (or learn about) Alice's notification.
  auto other = svc_->mark_read(as(bob_), newest);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Code::kNotFound);
  EXPECT_EQ(svc_->unread_count(as(alice_)).value(), 2);

  clock_.advance_ms(5000);
  auto r = svc_->mark_read(as(alice_), newest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("unread_count").as_int64(), 1);
  EXPECT_TRUE(r->at("item").as_object().at("read").as_bool());
  std::string read_at(r->at("item").as_object().at("read_at").as_string());
  // Marking again keeps the first time.
  clock_.advance_ms(5000);
  auto again = svc_->mark_read(as(alice_), newest);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->at("item").as_object().at("read_at").as_string(), read_at);

  auto unread = svc_->list(as(alice_), true, 0, 20);
  EXPECT_EQ(titles(*unread), (std::vector<std::string>{"一"}));
  EXPECT_EQ(unread->at("unread_count").as_int64(), 1);

  EXPECT_EQ(svc_->mark_read(as(alice_), 999999).error().code, Code::kNotFound);
}

TEST_F(InboxTest, MarkAllReadTouchesOnlyTheCaller) {
  ASSERT_TRUE(send(alice_, "一").ok());
  ASSERT_TRUE(send(alice_, "二").ok());
  ASSERT_TRUE(send(bob_, "三").ok());
  auto r = svc_->mark_all_read(as(alice_));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("marked").as_int64(), 2);
  EXPECT_EQ(svc_->unread_count(as(alice_)).value(), 0);
  EXPECT_EQ(svc_->unread_count(as(bob_)).value(), 1);
  EXPECT_EQ(svc_->mark_all_read(as(alice_))->at("marked").as_int64(), 0);
}

TEST_F(InboxTest, NobodyWithoutAPersonHasAnInbox) {
  EXPECT_EQ(svc_->list(Caller::system(), false, 0, 20).error().code, Code::kUnauthenticated);
  EXPECT_EQ(svc_->mark_all_read(Caller{}).error().code, Code::kUnauthenticated);
}

TEST_F(InboxTest, ArgumentsAreChecked) {
  EXPECT_EQ(send(alice_, "标题", "", "", "Bad Kind").error().slug, "invalid_kind");
  EXPECT_EQ(send(alice_, "标题", "", "", "").error().slug, "invalid_kind");
  EXPECT_EQ(send(alice_, "  \n").error().slug, "invalid_title");
  EXPECT_EQ(send(alice_, "标题", "", "https://evil.example/").error().slug, "invalid_link");
  EXPECT_EQ(send(alice_, "标题", "", "//evil.example/").error().slug, "invalid_link");
  EXPECT_EQ(send(alice_, "标题", "", "/\\evil.example/").error().slug, "invalid_link");
  EXPECT_EQ(send(alice_, "标题", "", "javascript:alert(1)").error().slug, "invalid_link");
  EXPECT_EQ(send(alice_, "标题", "", "/a b").error().slug, "invalid_link");
  EXPECT_EQ(send(alice_, "\xff").error().slug, "invalid_text");
  EXPECT_EQ(send(0, "标题").error().slug, "invalid_person");
  EXPECT_FALSE(send(alice_ + 1000, "标题").ok());  // no such person (foreign key)
  EXPECT_EQ(svc_->unread_count(as(alice_)).value(), 0);
}

TEST_F(InboxTest, LongTitlesAndBodiesAreCut) {
  std::string title, body;
  for (int i = 0; i < 300; ++i) title += "议";
  for (int i = 0; i < 1500; ++i) body += "商";
  ASSERT_TRUE(send(alice_, title, body).ok());
  auto page = svc_->list(as(alice_), false, 0, 1);
  const auto& item = page->at("items").as_array()[0].as_object();
  EXPECT_EQ(json::utf8_length(item.at("title").as_string()).value(), kMaxTitleChars);
  EXPECT_EQ(json::utf8_length(item.at("body").as_string()).value(), kMaxBodyChars);
  EXPECT_TRUE(std::string_view(item.at("title").as_string()).ends_with("…"));
}

TEST_F(InboxTest, EachPersonKeepsTheNewestCapNotifications) {
  ASSERT_TRUE(db_->write([&](storage::Conn& c) -> Status {
    for (int i = 1; i <= kInboxCap + 25; ++i)
      SL_TRY(notify_at(c, clock_.now_ms(), alice_, "test", "第" + std::to_string(i) + "条", "", ""));
    return notify_at(c, clock_.now_ms(), bob_, "test", "李娜的", "", "");
  }).ok());
  auto count = [&](int64_t p) {
    return db_->read_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
      SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM notifications WHERE person_id = ?", {p}));
      return r->i64(0);
    }).value();
  };
  EXPECT_EQ(count(alice_), kInboxCap);
  EXPECT_EQ(count(bob_), 1);
  auto page = svc_->list(as(alice_), false, 0, 1);
  EXPECT_EQ(titles(*page), (std::vector<std::string>{"第" + std::to_string(kInboxCap + 25) + "条"}));
  // The oldest kept is number 26.
  auto oldest = db_->read_value<std::string>([&](storage::Conn& c) -> Result<std::string> {
    SL_ASSIGN(auto r, c.query_one("SELECT title FROM notifications WHERE person_id = ? ORDER BY id LIMIT 1", {alice_}));
    return r->str(0);
  });
  EXPECT_EQ(oldest.value(), "第26条");
}

TEST_F(InboxTest, NotifyRollsBackWithTheCallersTransaction) {
  Status s = db_->write([&](storage::Conn& c) -> Status {
    SL_TRY(notify(c, alice_, "test", "不会留下", "", ""));
    return Error::Conflict("later_step_failed", "后面的步骤失败");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(svc_->unread_count(as(alice_)).value(), 0);
}

}  // namespace
}  // namespace sl::notifications
