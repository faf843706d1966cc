// Delivery: notify writes one delivery per wanted channel in the caller's transaction; the
// Dispatcher claims with a lease, sends, retries with backoff, survives a node that dies after
// its claim, and holds back non-urgent SMS and e-mail in quiet hours. Real SQLite, fake clock.
#include "modules/notifications/delivery.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "modules/common/test_fixture.h"
#include "modules/notifications/channels.h"
#include "modules/notifications/email.h"
#include "modules/notifications/inbox.h"
#include "modules/notifications/preferences.h"
#include "modules/notifications/templates.h"
#include "pubsub/bus.h"

namespace sl::notifications {
namespace {

namespace bj = boost::json;

class FakeChannel final : public Channel {
 public:
  SendResult send(const Outgoing& m, int timeout_ms) override {
    sent.push_back(m);
    last_timeout = timeout_ms;
    if (!script.empty()) {
      SendResult r = script.front();
      script.erase(script.begin());
      return r;
    }
    return {SendResult::kSent, "ok"};
  }
  std::vector<Outgoing> sent;
  std::vector<SendResult> script;  // outcomes to give, in order (then: sent)
  int last_timeout = 0;
};

// 2023-11-14 22:13:20 UTC is the fixture clock's start; these are set explicitly.
constexpr TimeMs kUtcMidnight = 1'700'006'400'000;  // 2023-11-15 00:00:00 UTC = 08:00 in China
constexpr TimeMs kHour = 3'600'000;

class DeliveryTest : public testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    clock_.set_ms(kUtcMidnight + 2 * kHour);  // 10:00 in China: not quiet
    opts_.node = "node-a";
    opts_.lease_ms = 60'000;
    opts_.send_timeout_ms = 15'000;
    opts_.retry_base_ms = 30'000;
    opts_.retry_max_ms = 3'600'000;
    opts_.max_attempts = 3;
    opts_.default_quiet = QuietHours{22 * 60, 7 * 60};
    make_dispatcher();
    alice_ = person("王伟", "13800000001");
    bob_ = person("李娜", "");
  }
  void make_dispatcher() {
    d_ = std::make_unique<Dispatcher>(*db_, clock_, opts_);
    d_->set_channel("inbox", &inbox_);
    d_->set_channel("sms", &sms_ch_);
    d_->set_channel("email", &email_);
  }
  int64_t person(const std::string& name, const std::string& mobile, const std::string& locale = "zh-CN") {
    return db_->write_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
      storage::Value m = mobile.empty() ? storage::Value(storage::Null{}) : storage::Value(mobile);
      SL_ASSIGN(auto rows, c.query("INSERT INTO people (display_name, mobile, locale, created_at, updated_at) "
                                   "VALUES (?, ?, ?, 0, 0) RETURNING id",
                                   {name, m, locale}));
      return rows.front().i64(0);
    }).value();
  }
  Status send(int64_t to, std::string kind, std::string title = "标题", std::string body = "") {
    return db_->write([&](storage::Conn& c) { return notify_at(c, clock_.now_ms(), to, kind, title, body, "/cases/1"); });
  }
  // channel → state of every delivery, in id order
  std::vector<std::pair<std::string, std::string>> deliveries(int64_t person_id) {
    return db_->read_value<std::vector<std::pair<std::string, std::string>>>(
        [&](storage::Conn& c) -> Result<std::vector<std::pair<std::string, std::string>>> {
          SL_ASSIGN(auto rows, c.query("SELECT channel, state FROM notification_deliveries WHERE person_id = ? ORDER BY id",
                                       {person_id}));
          std::vector<std::pair<std::string, std::string>> out;
          for (auto& r : rows) out.emplace_back(r.str(0), r.str(1));
          return out;
        }).value();
  }
  std::vector<std::string> attempt_outcomes(int64_t delivery_id) {
    return db_->read_value<std::vector<std::string>>([&](storage::Conn& c) -> Result<std::vector<std::string>> {
      SL_ASSIGN(auto rows, c.query("SELECT outcome FROM notification_attempts WHERE delivery_id = ? ORDER BY attempt",
                                   {delivery_id}));
      std::vector<std::string> out;
      for (auto& r : rows) out.push_back(r.str(0));
      return out;
    }).value();
  }
  int64_t sql_int(const std::string& sql, storage::Params p = {}) {
    return db_->read_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
      SL_ASSIGN(auto r, c.query_one(sql, p));
      return r ? r->i64(0) : -1;
    }).value();
  }
  Caller as(int64_t id) {
    Caller c;
    c.person_id = id;
    return c;
  }
  PreferencesService prefs() {
    PreferencesOptions po;
    po.default_quiet = opts_.default_quiet;
    return PreferencesService(*db_, clock_, po);
  }

  DispatcherOptions opts_;
  std::unique_ptr<Dispatcher> d_;
  FakeChannel inbox_, sms_ch_, email_;
  int64_t alice_ = 0, bob_ = 0;
};

TEST_F(DeliveryTest, NotifyWritesOneDeliveryPerWantedChannel) {
  // case.assigned wants SMS and e-mail by default; alice has a mobile but no e-mail address.
  ASSERT_TRUE(send(alice_, "case.assigned").ok());
  EXPECT_EQ(deliveries(alice_), (std::vector<std::pair<std::string, std::string>>{{"inbox", "pending"}, {"sms", "pending"}}));
  // bob has neither: the inbox only. Kinds without a template go to the inbox only.
  ASSERT_TRUE(send(bob_, "case.assigned").ok());
  ASSERT_TRUE(send(alice_, "membership.added").ok());
  EXPECT_EQ(deliveries(bob_), (std::vector<std::pair<std::string, std::string>>{{"inbox", "pending"}}));
  EXPECT_EQ(deliveries(alice_).size(), 3u);
  // With an e-mail address, e-mail too; a person who chose "inbox only" for the kind gets that.
  auto p = prefs();
  ASSERT_TRUE(p.update(as(alice_), bj::parse(R"({"email":"wang@example.cn","channels":{"case.overdue":["inbox"]}})").as_object()).ok());
  ASSERT_TRUE(send(alice_, "case.assigned").ok());
  ASSERT_TRUE(send(alice_, "case.overdue").ok());
  auto all = deliveries(alice_);
  ASSERT_EQ(all.size(), 7u);
  EXPECT_EQ(all[3].first, "inbox");
  EXPECT_EQ(all[4].first, "sms");
  EXPECT_EQ(all[5].first, "email");
  EXPECT_EQ(all[6].first, "inbox");
}

TEST_F(DeliveryTest, AFailedEventLeavesNoNotificationAndNoDelivery) {
  auto s = db_->write([&](storage::Conn& c) -> Status {
    SL_TRY(notify_at(c, clock_.now_ms(), alice_, "case.assigned", "会回滚", "", ""));
    return Error::Conflict("later_step_failed", "事件的后一步失败");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(deliveries(alice_).empty());
  EXPECT_EQ(sql_int("SELECT COUNT(*) FROM notifications WHERE person_id = ?", {alice_}), 0);
}

TEST_F(DeliveryTest, NotifyEventRendersInTheRecipientsLanguage) {
  int64_t en = person("Lee", "13800000003", "en");
  int64_t tw = person("陳", "13800000004", "zh-TW");
  Vars v{{"title", "加装电梯"}, {"unit", "民政厅"}, {"due", "2026-12-01"}};
  for (int64_t who : {alice_, en, tw})
    ASSERT_TRUE(db_->write([&](storage::Conn& c) { return notify_event_at(c, clock_.now_ms(), who, "case.assigned", v, "/cases/7"); }).ok());
  auto title = [&](int64_t who) {
    return db_->read_value<std::string>([&](storage::Conn& c) -> Result<std::string> {
      SL_ASSIGN(auto r, c.query_one("SELECT title || '|' || body FROM notifications WHERE person_id = ?", {who}));
      return r->str(0);
    }).value();
  };
  EXPECT_EQ(title(alice_), "新交办：「加装电梯」|「加装电梯」已交由民政厅办理，请于2026-12-01前答复。");
  EXPECT_EQ(title(en), "New case assigned: \"加装电梯\"|\"加装电梯\" has been assigned to 民政厅. Please answer by 2026-12-01.");
  EXPECT_EQ(title(tw), "新交辦：「加装电梯」|「加装电梯」已交由民政厅辦理，請於2026-12-01前答覆。");
  // The delivery keeps the language for the channel's own words.
  EXPECT_EQ(sql_int("SELECT COUNT(*) FROM notification_deliveries WHERE person_id = ? AND locale = 'en'", {en}), 2);
  // Unknown kinds and missing variables are programming errors, and write nothing.
  auto missing = db_->write([&](storage::Conn& c) {
    return notify_event_at(c, clock_.now_ms(), bob_, "case.assigned", Vars{{"title", "x"}}, "");
  });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().slug, "missing_variable");
  auto unknown = db_->write([&](storage::Conn& c) { return notify_event_at(c, clock_.now_ms(), bob_, "nope", Vars{}, ""); });
  EXPECT_EQ(unknown.error().slug, "unknown_kind");
  EXPECT_TRUE(deliveries(bob_).empty());
}

TEST_F(DeliveryTest, EveryKindRendersInEveryLanguageWithItsVariables) {
  // The variables templates.h documents per kind.
  std::map<std::string, std::vector<std::string>> documented = {
      {"case.assigned", {"title", "unit", "due"}},   {"case.due_soon", {"title", "due", "days"}},
      {"case.overdue", {"title", "due"}},            {"case.answered", {"title", "unit"}},
      {"case.rated", {"title", "rating"}},           {"case.returned", {"title", "reason"}},
      {"case.cosign", {"submitter", "kind", "title"}}, {"case.reviewed", {"kind", "title", "review", "note"}},
      {"case.request", {"unit", "request", "title", "reason"}},
      {"case.decision", {"request", "decision", "title", "due"}},
      {"case.escalated", {"title", "reason"}},        {"case.supervised", {"title", "note"}},
      {"mention", {"author", "where", "excerpt"}},   {"point.assigned", {"point", "where"}},
      {"point.answered", {"department", "excerpt"}},
  };
  ASSERT_EQ(kinds().size(), documented.size());
  for (const auto& k : kinds()) {
    ASSERT_TRUE(documented.count(std::string(k.kind))) << k.kind;
    Vars v;
    for (const auto& name : documented[std::string(k.kind)]) v[name] = "<" + name + ">";
    for (std::string_view l : {"zh-CN", "zh-TW", "en"}) {
      auto r = render(k.kind, l, v);
      ASSERT_TRUE(r.ok()) << k.kind << " " << l << ": " << r.error().message;
      EXPECT_FALSE(r->title.empty());
      EXPECT_EQ(r->title.find('{'), std::string::npos) << k.kind << " " << l;
      EXPECT_EQ(r->body.find('{'), std::string::npos) << k.kind << " " << l;
    }
  }
  // The deliberation's texts did not change in zh-CN.
  EXPECT_EQ(render("mention", "zh-CN", {{"author", "李娜"}, {"where", "养老"}, {"excerpt", "e"}})->title,
            "李娜 在「养老」中提到了您");
  EXPECT_EQ(render("point.answered", "zh-CN", {{"department", "民政厅"}, {"excerpt", "e"}})->title, "民政厅 回应了您的要点");
  EXPECT_EQ(render("point.assigned", "xx", {{"point", "p"}, {"where", "w"}})->title, "有一条要点交由贵部门回应");
  EXPECT_TRUE(find_kind("case.overdue")->urgent);
  // Term variables (kind, rating, request, decision, review) are written in the recipient's language.
  EXPECT_EQ(render("case.rated", "en", {{"title", "t"}, {"rating", "basically"}})->body, "Rating: basically satisfied");
  EXPECT_EQ(render("case.rated", "zh-TW", {{"title", "t"}, {"rating", "unsatisfied"}})->body, "評價：不滿意");
  EXPECT_EQ(render("case.cosign", "zh-CN", {{"submitter", "陈志远"}, {"kind", "motion"}, {"title", "t"}})->title,
            "陈志远 邀请您联名议案「t」");
  EXPECT_EQ(render("case.decision", "en", {{"request", "reassign"}, {"decision", "refused"}, {"title", "t"}, {"due", "d"}})->title,
            "Reassignment request refused: \"t\"");
  // A free-text variable that happens to equal a term key stays as written.
  EXPECT_EQ(render("case.returned", "en", {{"title", "t"}, {"reason", "approved"}})->body, "Reason: approved");
  // fill leaves JSON braces and unknown names alone.
  EXPECT_EQ(fill(R"({"to":"{to}","n":{x}})", {{"to", "138"}}), R"({"to":"138","n":{x}})");
}

TEST_F(DeliveryTest, DispatcherSendsAndRecordsEachAttempt) {
  ASSERT_TRUE(send(alice_, "case.assigned", "新交办", "请办理").ok());
  auto n = d_->run_once();
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 2);
  ASSERT_EQ(inbox_.sent.size(), 1u);
  ASSERT_EQ(sms_ch_.sent.size(), 1u);
  EXPECT_EQ(sms_ch_.sent[0].address, "13800000001");
  EXPECT_EQ(sms_ch_.sent[0].subject, "新交办");
  EXPECT_EQ(sms_ch_.sent[0].body, "请办理");
  EXPECT_EQ(sms_ch_.sent[0].link, "/cases/1");
  EXPECT_EQ(sms_ch_.sent[0].attempt, 1);
  EXPECT_EQ(sms_ch_.last_timeout, 15'000);
  EXPECT_EQ(deliveries(alice_), (std::vector<std::pair<std::string, std::string>>{{"inbox", "sent"}, {"sms", "sent"}}));
  EXPECT_EQ(attempt_outcomes(sms_ch_.sent[0].id), std::vector<std::string>{"sent"});
  // Nothing is due any more.
  EXPECT_EQ(*d_->run_once(), 0);
  EXPECT_EQ(sms_ch_.sent.size(), 1u);
  // The person sees how it went.
  int64_t nid = sms_ch_.sent[0].notification_id;
  auto p = prefs();
  auto log = p.deliveries(as(alice_), nid);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->at("items").as_array().size(), 2u);
  EXPECT_EQ(log->at("items").as_array()[1].at("state").as_string(), "sent");
  EXPECT_EQ(log->at("items").as_array()[1].at("attempt_log").as_array().size(), 1u);
  EXPECT_EQ(p.deliveries(as(bob_), nid).error().code, Code::kNotFound);
}

TEST_F(DeliveryTest, RetriesWithBackoffThenGivesUp) {
  ASSERT_TRUE(send(alice_, "case.returned").ok());  // inbox + sms
  sms_ch_.script = {{SendResult::kRetry, "gateway 503"}, {SendResult::kRetry, "gateway 503"}, {SendResult::kRetry, "gateway 503"}};
  ASSERT_TRUE(d_->run_once().ok());
  ASSERT_EQ(sms_ch_.sent.size(), 1u);
  int64_t id = sms_ch_.sent[0].id;
  TimeMs first = d_->retry_delay(id, 1);
  EXPECT_GE(first, 24'000);
  EXPECT_LE(first, 36'000);
  EXPECT_EQ(d_->retry_delay(id, 2), 2 * first);
  EXPECT_EQ(sql_int("SELECT due_at FROM notification_deliveries WHERE id = ?", {id}), clock_.now_ms() + first);
  // Not yet due.
  clock_.advance_ms(first - 1);
  EXPECT_EQ(*d_->run_once(), 0);
  clock_.advance_ms(1);
  EXPECT_EQ(*d_->run_once(), 1);
  EXPECT_EQ(sms_ch_.sent.size(), 2u);
  EXPECT_EQ(sms_ch_.sent[1].attempt, 2);
  clock_.advance_ms(d_->retry_delay(id, 2));
  EXPECT_EQ(*d_->run_once(), 1);
  // Third attempt of max_attempts = 3 failed too: given up.
  EXPECT_EQ(deliveries(alice_)[1], std::make_pair(std::string("sms"), std::string("failed")));
  EXPECT_EQ(attempt_outcomes(id), (std::vector<std::string>{"retry", "retry", "failed"}));
  clock_.advance_ms(10 * kHour);
  EXPECT_EQ(*d_->run_once(), 0);
}

TEST_F(DeliveryTest, APermanentErrorFailsAtOnceAndAMissingChannelFails) {
  ASSERT_TRUE(send(alice_, "case.returned").ok());
  sms_ch_.script = {{SendResult::kFailed, "HTTP 400: bad number"}};
  ASSERT_TRUE(d_->run_once().ok());
  EXPECT_EQ(deliveries(alice_)[1].second, "failed");
  EXPECT_EQ(attempt_outcomes(sms_ch_.sent[0].id), std::vector<std::string>{"failed"});
  // A node without an e-mail channel (email_adapter = "off") fails e-mail deliveries.
  d_ = std::make_unique<Dispatcher>(*db_, clock_, opts_);
  d_->set_channel("inbox", &inbox_);
  ASSERT_TRUE(prefs().update(as(alice_), bj::parse(R"({"email":"w@example.cn","channels":{"case.returned":["email"]}})").as_object()).ok());
  ASSERT_TRUE(send(alice_, "case.returned").ok());
  ASSERT_TRUE(d_->run_once().ok());
  auto all = deliveries(alice_);
  EXPECT_EQ(all.back(), std::make_pair(std::string("email"), std::string("failed")));
}

// A node claims and dies before sending (kill -9 between claim and send): the rows stay
// `sending` until the lease runs out, then another node claims them and sends each once.
TEST_F(DeliveryTest, ALeaseThatRunsOutIsClaimedAgainAndSentOnce) {
  ASSERT_TRUE(send(alice_, "case.returned").ok());
  auto claimed = d_->claim(clock_.now_ms());  // node A: claimed, then "killed"
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ(deliveries(alice_)[1].second, "sending");
  opts_.node = "node-b";
  make_dispatcher();
  clock_.advance_ms(opts_.lease_ms - 1);
  EXPECT_EQ(*d_->run_once(), 0);  // A's lease still holds: B must not touch it
  EXPECT_TRUE(sms_ch_.sent.empty());
  clock_.advance_ms(1);
  EXPECT_EQ(*d_->run_once(), 2);
  ASSERT_EQ(sms_ch_.sent.size(), 1u);
  EXPECT_EQ(sms_ch_.sent[0].attempt, 2);
  int64_t id = sms_ch_.sent[0].id;
  EXPECT_EQ((*claimed)[1].id, id);  // the same delivery, so the same idempotency key
  EXPECT_EQ(attempt_outcomes(id), (std::vector<std::string>{"lost", "sent"}));
  EXPECT_EQ(sql_int("SELECT COUNT(*) FROM notification_attempts WHERE delivery_id = ? AND node = 'node-b'", {id}), 1);
  // A wakes up late and reports its attempt: the row is no longer A's; nothing changes.
  ASSERT_TRUE(d_->record((*claimed)[1], {SendResult::kRetry, "late"}, clock_.now_ms()).ok());
  EXPECT_EQ(deliveries(alice_)[1].second, "sent");
  EXPECT_EQ(attempt_outcomes(id), (std::vector<std::string>{"lost", "sent"}));
  clock_.advance_ms(10 * kHour);
  EXPECT_EQ(*d_->run_once(), 0);
  EXPECT_EQ(sms_ch_.sent.size(), 1u);
}

// A delivery whose every attempt dies with its node is given up after max_attempts.
TEST_F(DeliveryTest, ALeaseThatRunsOutOnTheLastAttemptFailsTheDelivery) {
  ASSERT_TRUE(send(alice_, "case.returned").ok());
  for (int i = 0; i < opts_.max_attempts; ++i) {
    auto claimed = d_->claim(clock_.now_ms());  // claimed, then the node "dies"
    ASSERT_TRUE(claimed.ok());
    EXPECT_EQ(claimed->size(), 2u);  // the inbox and the SMS delivery
    clock_.advance_ms(opts_.lease_ms);
  }
  EXPECT_EQ(*d_->run_once(), 0);
  EXPECT_EQ(deliveries(alice_), (std::vector<std::pair<std::string, std::string>>{{"inbox", "failed"}, {"sms", "failed"}}));
  int64_t id = sql_int("SELECT id FROM notification_deliveries WHERE channel = 'sms'");
  EXPECT_EQ(attempt_outcomes(id), (std::vector<std::string>{"lost", "lost", "lost"}));
  EXPECT_TRUE(sms_ch_.sent.empty());
}

TEST_F(DeliveryTest, QuietHoursHoldBackNonUrgentSmsAndEmailButNotTheInbox) {
  // Preferences without a choice of quiet hours keep the platform's default.
  ASSERT_TRUE(prefs().update(as(alice_), bj::parse(R"({"email":"w@example.cn","channels":{"case.returned":["sms"],"case.overdue":["sms"]}})").as_object()).ok());
  clock_.set_ms(kUtcMidnight + 15 * kHour);  // 23:00 in China (UTC+8)
  ASSERT_TRUE(send(alice_, "case.returned").ok());  // not urgent
  ASSERT_TRUE(send(alice_, "case.overdue").ok());   // urgent (red card)
  EXPECT_EQ(*d_->run_once(), 3);  // two inbox deliveries and the red card's SMS
  EXPECT_EQ(inbox_.sent.size(), 2u);
  ASSERT_EQ(sms_ch_.sent.size(), 1u);
  EXPECT_EQ(sms_ch_.sent[0].kind, "case.overdue");
  // The other SMS waits until 07:00 local the next morning = 23:00 UTC.
  TimeMs seven = kUtcMidnight + 23 * kHour;
  EXPECT_EQ(sql_int("SELECT due_at FROM notification_deliveries WHERE state = 'pending'"), seven);
  EXPECT_EQ(sql_int("SELECT attempts FROM notification_deliveries WHERE state = 'pending'"), 0);
  clock_.set_ms(seven - 1);
  EXPECT_EQ(*d_->run_once(), 0);
  clock_.set_ms(seven);
  EXPECT_EQ(*d_->run_once(), 1);
  EXPECT_EQ(sms_ch_.sent.back().kind, "case.returned");
  // Someone who chose no quiet hours gets theirs at night.
  ASSERT_TRUE(prefs().update(as(alice_), bj::parse(R"({"quiet_hours":""})").as_object()).ok());
  clock_.set_ms(kUtcMidnight + 39 * kHour);  // 23:00 in China the next day
  ASSERT_TRUE(send(alice_, "case.returned").ok());
  EXPECT_EQ(*d_->run_once(), 2);
  EXPECT_EQ(sms_ch_.sent.size(), 3u);
}

TEST_F(DeliveryTest, QuietUntil) {
  QuietHours night{22 * 60, 7 * 60};
  auto local = [](int h, int m) { return kUtcMidnight + (h - 8) * kHour + m * 60'000; };  // China time that day
  EXPECT_FALSE(quiet_until(night, local(21, 59), 480));
  EXPECT_EQ(quiet_until(night, local(22, 0), 480), local(31, 0));
  EXPECT_EQ(quiet_until(night, local(6, 59) + 30'000, 480), local(7, 0));
  EXPECT_FALSE(quiet_until(night, local(7, 0), 480));
  QuietHours noon{12 * 60, 14 * 60};
  EXPECT_EQ(quiet_until(noon, local(13, 0), 480), local(14, 0));
  EXPECT_FALSE(quiet_until(noon, local(14, 0), 480));
  EXPECT_FALSE(quiet_until(QuietHours{0, 0}, local(3, 0), 480));
  EXPECT_EQ(parse_quiet_hours("22:00-07:30")->value().end, 450);
  EXPECT_FALSE(parse_quiet_hours("25:00-07:00").ok());
  EXPECT_FALSE(parse_quiet_hours("22-7").ok());
  EXPECT_FALSE(parse_quiet_hours("")->has_value());
}

TEST_F(DeliveryTest, PreferencesReadAndChange) {
  auto p = prefs();
  auto g = p.get(as(alice_));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->at("quiet_hours").as_string(), "22:00-07:00");
  EXPECT_TRUE(g->at("quiet_hours_default").as_bool());
  EXPECT_TRUE(g->at("has_mobile").as_bool());
  EXPECT_EQ(g->at("kinds").as_array().size(), kinds().size());
  const auto& first = g->at("kinds").as_array()[0].as_object();
  EXPECT_EQ(first.at("kind").as_string(), "case.assigned");
  EXPECT_EQ(bj::serialize(first.at("channels")), R"(["inbox","sms","email"])");

  auto u = p.update(as(alice_), bj::parse(R"({"email":"wang@example.cn","quiet_hours":"21:30-06:00",
      "channels":{"case.assigned":["inbox","email"],"mention":["sms"]}})").as_object());
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->at("email").as_string(), "wang@example.cn");
  EXPECT_EQ(u->at("quiet_hours").as_string(), "21:30-06:00");
  EXPECT_FALSE(u->at("quiet_hours_default").as_bool());
  EXPECT_EQ(bj::serialize(u->at("kinds").as_array()[0].at("channels")), R"(["inbox","email"])");
  // A later change keeps what it does not name; null quiet hours = the platform's default again.
  u = p.update(as(alice_), bj::parse(R"({"quiet_hours":null,"channels":{"case.overdue":[]}})").as_object());
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->at("email").as_string(), "wang@example.cn");
  EXPECT_TRUE(u->at("quiet_hours_default").as_bool());
  EXPECT_EQ(bj::serialize(u->at("kinds").as_array()[0].at("channels")), R"(["inbox","email"])");
  EXPECT_EQ(bj::serialize(u->at("kinds").as_array()[2].at("channels")), R"(["inbox"])");
  // Someone else's are not touched.
  EXPECT_EQ(bj::serialize(p.get(as(bob_))->at("kinds").as_array()[0].at("channels")), R"(["inbox","sms","email"])");

  auto bad = [&](const char* body) { return p.update(as(alice_), bj::parse(body).as_object()).error().slug; };
  EXPECT_EQ(bad(R"({"email":"not an address"})"), "invalid_email");
  EXPECT_EQ(bad(R"({"quiet_hours":"22:00"})"), "invalid_quiet_hours");
  EXPECT_EQ(bad(R"({"quiet_hours":5})"), "invalid_quiet_hours");
  EXPECT_EQ(bad(R"({"channels":{"nope":["sms"]}})"), "unknown_kind");
  EXPECT_EQ(bad(R"({"channels":{"mention":["fax"]}})"), "invalid_channels");
  EXPECT_EQ(bad(R"({"channels":[]})"), "invalid_channels");
  EXPECT_EQ(bad(R"({"colour":"red"})"), "unknown_field");
  EXPECT_EQ(p.get(Caller{}).error().code, Code::kUnauthenticated);
}

TEST_F(DeliveryTest, CleanupAndErasure) {
  ASSERT_TRUE(send(alice_, "case.returned").ok());
  ASSERT_TRUE(send(bob_, "case.returned").ok());
  ASSERT_TRUE(d_->run_once().ok());
  clock_.advance_ms(31LL * 24 * kHour);
  ASSERT_TRUE(send(alice_, "case.returned").ok());  // pending: never cleaned up
  auto removed = db_->write_value<int64_t>(
      [&](storage::Conn& c) { return cleanup_deliveries(c, clock_.now_ms() - 30LL * 24 * kHour); });
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 3);
  EXPECT_EQ(sql_int("SELECT COUNT(*) FROM notification_attempts"), 0);
  EXPECT_EQ(deliveries(alice_).size(), 2u);
  ASSERT_TRUE(prefs().update(as(alice_), bj::parse(R"({"email":"w@example.cn"})").as_object()).ok());
  ASSERT_TRUE(db_->write([&](storage::Conn& c) { return erase_person(c, alice_); }).ok());
  EXPECT_TRUE(deliveries(alice_).empty());
  EXPECT_EQ(sql_int("SELECT COUNT(*) FROM notification_prefs WHERE person_id = ?", {alice_}), 0);
}

TEST_F(DeliveryTest, TheInboxChannelAnnouncesTheUnreadCountInThePersonsRoom) {
  auto bus = pubsub::make_local_bus();
  std::vector<pubsub::Message> got;
  bus->subscribe("inbox:" + std::to_string(alice_), [&](const pubsub::Message& m) { got.push_back(m); });
  InboxChannel ch(*db_, *bus, clock_);
  d_->set_channel("inbox", &ch);
  ASSERT_TRUE(send(alice_, "membership.added").ok());
  ASSERT_TRUE(send(alice_, "membership.added").ok());
  ASSERT_TRUE(d_->run_once().ok());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].seq, 0);
  auto ev = bj::parse(got[1].payload).as_object();
  EXPECT_EQ(ev.at("type").as_string(), "inbox.unread");
  EXPECT_EQ(ev.at("data").at("unread_count").as_int64(), 2);
  // Marking read announces the new count too.
  InboxService inbox(*db_, clock_, bus.get());
  ASSERT_TRUE(inbox.mark_all_read(as(alice_)).ok());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(bj::parse(got[2].payload).at("data").at("unread_count").as_int64(), 0);
  // Only the person may watch their room.
  EXPECT_TRUE(live_room(as(alice_), alice_).ok());
  EXPECT_EQ(live_room(as(bob_), alice_).error().code, Code::kForbidden);
  EXPECT_EQ(live_room(Caller{}, alice_).error().code, Code::kUnauthenticated);
}

TEST_F(DeliveryTest, ChannelsWrapTextInTheRecipientsLanguage) {
  Outgoing m;
  m.id = 42;
  m.address = "13800000001";
  m.locale = "en";
  m.subject = "Red card";
  m.body = "Overdue";
  m.link = "/cases/7";
  testing::CapturingSms cap;
  SmsChannel sms(cap, "商量", "https://zx.example.cn/");
  EXPECT_EQ(sms.send(m, 1000).outcome, SendResult::kSent);
  ASSERT_EQ(cap.sent.size(), 1u);
  EXPECT_EQ(cap.sent[0].text, "【商量】Red card Overdue https://zx.example.cn/cases/7");
  EXPECT_EQ(cap.sent[0].id, "42");
  EXPECT_EQ(cap.sent[0].timeout_ms, 1000);
  m.locale = "zh-CN";
  EXPECT_EQ(sms_text(m.locale, "商量", "红牌", "已超期", ""), "【商量】红牌：已超期");
  EmailMessage e{"wang@example.cn", "红牌督办：「加装电梯」已超期", "正文\n第二行", "sl-delivery-42@zx.example.cn", 1000};
  std::string raw = SmtpEmailSender::format("noreply@zx.example.cn", e, kUtcMidnight);
  EXPECT_NE(raw.find("Message-ID: <sl-delivery-42@zx.example.cn>\r\n"), std::string::npos);
  EXPECT_NE(raw.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(raw.find("Date: Wed, 15 Nov 2023 00:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(raw.find("Content-Transfer-Encoding: base64\r\n"), std::string::npos);
  EXPECT_NE(raw.find("\r\n\r\n5q2j5paHDQrnrKzkuozooYw=\r\n"), std::string::npos);  // 正文 CRLF 第二行
  EXPECT_TRUE(valid_email("a.b@example.cn"));
  EXPECT_FALSE(valid_email("a@b"));
  EXPECT_FALSE(valid_email("a b@example.cn"));
  EXPECT_FALSE(valid_email("<a@example.cn>"));
  EXPECT_NE(email_text("zh-TW", "內文", "https://x/y").find("開啟：https://x/y"), std::string::npos);
}

}  // namespace
}  // namespace sl::notifications
