#include "modules/meetings/meetings.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "modules/common/test_fixture.h"
#include "modules/ledger/ledger_audit.h"
#include "modules/meetings/meetings_store.h"
#include "modules/orgs/orgs.h"
#include "modules/orgs/orgs_store.h"

namespace sl::meetings {
namespace {

constexpr int64_t kMin = 60'000;

class MeetingsTest : public testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    accounts_ = std::make_unique<accounts::AccountsService>(*db_, clock_, random_, sms_, *ledger_, auth_);
    orgs_ = std::make_unique<orgs::OrgsService>(*db_, clock_, *accounts_, *ledger_);
    bus_ = pubsub::make_local_bus();
    words_ = search::WordFilter(std::vector<std::string>{"赌博"});
    Options o;
    o.public_url = "https://sl.example.org";
    o.words = &words_;
    o.comment_per_person_per_min = 2;
    o.comment_per_ip_per_min = 3;
    svc_ = std::make_unique<MeetingsService>(*db_, clock_, *ledger_, *bus_, std::string(64, 'a'), o);
    prov_ = orgs_->create_org(sys_, bj::object{{"name", "江南省政协"}, {"level", "province"}, {"kind", "cppcc"}})->at("id").as_int64();
    staff_ = person("staff");
    member_ = person("member");
    other_ = person("member");
  }
  Caller person(const char* role) {
    bj::object body{{"display_name", "人" + std::to_string(++n_)}, {"login", "user" + std::to_string(n_)}, {"role", role}};
    auto m = orgs_->add_member(sys_, prov_, body);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    Caller c;
    c.person_id = m->at("person").as_object().at("id").as_int64();
    c.memberships = db_->read_value<std::vector<access::Membership>>(
                           [&](storage::Conn& cn) { return orgs::store::memberships_of(cn, c.person_id); })
                        .value();
    return c;
  }
  int64_t make(const std::string& comments = "open") {
    bj::object body{{"org_id", prov_},
                    {"title", "协商会"},
                    {"starts_at", format_iso8601(clock_.now_ms() + 30 * kMin)},
                    {"ends_at", format_iso8601(clock_.now_ms() + 150 * kMin)},
                    {"public", true},
                    {"comments", comments},
                    {"chair_ids", bj::array{staff_.person_id}},
                    {"venues", bj::array{bj::object{{"name", "主会场"}, {"main", true}}}},
                    {"invite", bj::object{{"person_ids", bj::array{member_.person_id}}}}};
    auto m = svc_->create(staff_, body);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return m.ok() ? m->at("id").as_int64() : 0;
  }
  template <typename T>
  static Code code(const Result<T>& r) {
    return r.ok() ? Code::kInternal : r.error().code;
  }
  template <typename T>
  static std::string slug(const Result<T>& r) {
    return r.ok() ? "" : r.error().slug;
  }
  void expect_ledger_verifies() {
    ASSERT_TRUE(ledger_->checkpoint_now().ok());
    auto key = ledger::parse_vkey(ledger_->verifier_key());
    ASSERT_TRUE(key.ok());
    auto rep = ledger::audit(*db_, *key, [](storage::Conn& c, std::string_view type, int64_t id)
                                             -> Result<std::optional<ledger::RecordState>> {
      if (type == "person") return accounts::person_ledger_state(c, id);
      if (store::is_ledger_type(type)) return store::ledger_state(c, type, id);
      return orgs::store::ledger_state(c, type, id);
    });
    ASSERT_TRUE(rep.ok()) << rep.error().message;
    EXPECT_TRUE(rep->ok()) << rep->problem;
  }

  Caller sys_ = Caller::system();
  testing::CapturingSms sms_;
  std::unique_ptr<accounts::AccountsService> accounts_;
  std::unique_ptr<orgs::OrgsService> orgs_;
  std::unique_ptr<pubsub::Bus> bus_;
  search::WordFilter words_;
  std::unique_ptr<MeetingsService> svc_;
  int64_t prov_ = 0;
  int n_ = 0;
  Caller staff_, member_, other_;
};

TEST_F(MeetingsTest, CheckinTokenOnlyInItsWindowAndOnlyForInvitees) {
  int64_t id = make();
  ASSERT_TRUE(svc_->set_state(staff_, id, "scheduled", "").ok());
  int64_t venue = svc_->get(staff_, id)->at("venues").as_array().at(0).as_object().at("id").as_int64();
  auto qr = svc_->checkin_code(staff_, id, venue);
  ASSERT_TRUE(qr.ok()) << qr.error().message;
  std::string token(qr->at("token").as_string());
  EXPECT_EQ(code(svc_->checkin_code(member_, id, venue)), Code::kForbidden);
  // A changed field breaks the signature.
  std::string forged = token;
  forged[0] = forged[0] == '9' ? '8' : '9';
  EXPECT_EQ(slug(svc_->checkin(member_, id, forged)), "checkin_invalid");
  EXPECT_EQ(slug(svc_->checkin(other_, id, token)), "not_invited");
  clock_.advance_ms(-61 * kMin + 30 * kMin - 1);  // before the window opens (60 min before the start)
  EXPECT_EQ(slug(svc_->checkin(member_, id, token)), "checkin_expired");
  clock_.advance_ms(31 * kMin + 1 + 50 * kMin);  // 20 minutes after the start: late
  auto ok = svc_->checkin(member_, id, token);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->at("attendance").as_string(), "late");
  clock_.advance_ms(200 * kMin);
  EXPECT_EQ(slug(svc_->checkin(member_, id, token)), "checkin_expired");
  expect_ledger_verifies();
}

TEST_F(MeetingsTest, CommentsAreRateLimitedScreenedAndPicked) {
  int64_t id = make();
  ASSERT_TRUE(svc_->set_state(staff_, id, "scheduled", "").ok());
  ASSERT_TRUE(svc_->set_state(staff_, id, "live", "").ok());
  // Sensitive words are refused when moderation does not hold.
  EXPECT_EQ(slug(svc_->add_comment(other_, id, bj::object{{"body", "网上赌博"}}, "10.0.0.1")), "sensitive_words");
  auto c1 = svc_->add_comment(other_, id, bj::object{{"body", "好建议"}}, "10.0.0.1");
  ASSERT_TRUE(c1.ok()) << c1.error().message;
  EXPECT_EQ(c1->at("state").as_string(), "visible");
  ASSERT_TRUE(svc_->add_comment(other_, id, bj::object{{"body", "第二条"}}, "10.0.0.1").ok());
  auto limited = svc_->add_comment(other_, id, bj::object{{"body", "第三条"}}, "10.0.0.1");
  EXPECT_EQ(code(limited), Code::kTooManyRequests);
  EXPECT_NE(limited.error().details_json.find("retry_after_seconds"), std::string::npos);
  // Per address too: a third person from the same address after three comments from it.
  ASSERT_TRUE(svc_->add_comment(member_, id, bj::object{{"body", "同一地址"}}, "10.0.0.1").ok());
  EXPECT_EQ(code(svc_->add_comment(staff_, id, bj::object{{"body", "同一地址"}}, "10.0.0.1")), Code::kTooManyRequests);
  clock_.advance_ms(61'000);
  ASSERT_TRUE(svc_->add_comment(other_, id, bj::object{{"body", "一分钟后"}}, "10.0.0.1").ok());

  int64_t cid = c1->at("id").as_int64();
  EXPECT_EQ(code(svc_->pick(member_, id, cid, true)), Code::kForbidden);
  auto p = svc_->pick(staff_, id, cid, true);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_TRUE(p->at("picked").as_bool());
  EXPECT_EQ(svc_->picked(Caller{}, id)->at("items").as_array().size(), 1u);
  expect_ledger_verifies();
}

TEST_F(MeetingsTest, ModeratedMeetingsHoldEveryComment) {
  int64_t id = make("moderated");
  ASSERT_TRUE(svc_->set_state(staff_, id, "scheduled", "").ok());
  ASSERT_TRUE(svc_->set_state(staff_, id, "live", "").ok());
  auto c = svc_->add_comment(other_, id, bj::object{{"body", "网上赌博"}}, "10.0.0.2");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->at("state").as_string(), "held");
  EXPECT_TRUE(svc_->comments(Caller{}, id, 0, std::nullopt)->at("items").as_array().empty());
  EXPECT_EQ(code(svc_->comments(other_, id, 0, std::string("held"))), Code::kForbidden);
  EXPECT_EQ(svc_->comments(staff_, id, 0, std::string("held"))->at("items").as_array().size(), 1u);
  ASSERT_TRUE(svc_->moderate(staff_, id, c->at("id").as_int64(), "approve").ok());
  EXPECT_EQ(svc_->comments(Caller{}, id, 0, std::nullopt)->at("items").as_array().size(), 1u);
}

TEST_F(MeetingsTest, EndingMarksAbsentAndExcusedAndEventsAreSequenced) {
  int64_t id = make();
  ASSERT_TRUE(svc_->set_state(staff_, id, "scheduled", "").ok());
  ASSERT_TRUE(svc_->set_state(staff_, id, "live", "").ok());
  auto q = svc_->request_floor(member_, id, bj::object{});
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(code(svc_->request_floor(other_, id, bj::object{})), Code::kForbidden);
  EXPECT_EQ(slug(svc_->request_floor(member_, id, bj::object{})), "already_queued");
  ASSERT_TRUE(svc_->give_floor(staff_, id, q->at("id").as_int64(), 60).ok());
  ASSERT_TRUE(svc_->set_state(staff_, id, "ended", "").ok());
  auto att = svc_->attendance(staff_, id);
  ASSERT_TRUE(att.ok());
  EXPECT_EQ(att->at("items").as_array().at(0).as_object().at("status").as_string(), "absent");
  auto ev = svc_->events(staff_, id, 0, 100);
  ASSERT_TRUE(ev.ok());
  const auto& items = ev->at("items").as_array();
  std::vector<std::string> types;
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].as_object().at("seq").as_int64(), static_cast<int64_t>(i + 1));
    types.emplace_back(items[i].as_object().at("type").as_string());
  }
  EXPECT_EQ(types, (std::vector<std::string>{"meeting.state", "meeting.state", "queue.requested", "floor.given", "floor.ended",
                                             "meeting.state"}));
  EXPECT_EQ(ev->at("latest_seq").as_int64(), 6);
  expect_ledger_verifies();
}

TEST_F(MeetingsTest, DraftsAreHiddenAndBadInputRefused) {
  int64_t id = make();
  EXPECT_EQ(code(svc_->get(member_, id)), Code::kNotFound);
  EXPECT_EQ(code(svc_->get(Caller{}, id)), Code::kNotFound);
  EXPECT_EQ(code(svc_->create(member_, bj::object{{"org_id", prov_}, {"title", "x"}, {"starts_at", "2026-01-01T00:00:00Z"},
                                                  {"ends_at", "2026-01-01T01:00:00Z"}, {"public", false}})),
            Code::kForbidden);
  EXPECT_EQ(slug(svc_->update(staff_, id, bj::object{{"ends_at", "2000-01-01T00:00:00Z"}})), "invalid_time");
  EXPECT_EQ(slug(svc_->set_state(staff_, id, "cancelled", "")), "missing_reason");
  EXPECT_EQ(slug(svc_->set_state(staff_, id, "published", "")), "invalid_transition");
}

TEST(MeetingsUtil, IcsLinesAreCrlfFoldedAndEscaped) {
  IcsEvent e;
  e.uid = "meeting-1@sl.example.org";
  e.summary = "养老, 服务; 协商\\会";
  e.description = std::string(200, 'x') + "\n第二行";
  e.starts_at = 1'700'000'000'000;
  e.ends_at = e.starts_at + 3'600'000;
  e.stamp = e.starts_at;
  std::string ics = ics_calendar(e);
  EXPECT_NE(ics.find("SUMMARY:养老\\, 服务\\; 协商\\\\会\r\n"), std::string::npos) << ics;
  EXPECT_NE(ics.find("DTSTART:20231114T221320Z\r\n"), std::string::npos) << ics;
  EXPECT_NE(ics.find("\\n第二行"), std::string::npos);
  size_t start = 0;
  while (start < ics.size()) {
    size_t end = ics.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 75u);
    start = end + 2;
  }
}

TEST(MeetingsUtil, QrSvgIsAnSvgImage) {
  auto svg = qr_svg("https://sl.example.org/meetings/1/checkin?t=abc");
  ASSERT_TRUE(svg.ok());
  EXPECT_EQ(svg->rfind("<svg", 0), 0u);
  EXPECT_NE(svg->find("<path"), std::string::npos);
}

}  // namespace
}  // namespace sl::meetings
