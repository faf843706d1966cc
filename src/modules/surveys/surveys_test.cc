#include "modules/surveys/surveys.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <mutex>

#include "modules/common/test_fixture.h"
#include "modules/ledger/ledger_audit.h"
#include "modules/orgs/orgs.h"
#include "modules/orgs/orgs_store.h"
#include "modules/surveys/surveys_store.h"

namespace sl::surveys {
namespace {

class SurveysTest : public testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    accounts_ = std::make_unique<accounts::AccountsService>(*db_, clock_, random_, sms_, *ledger_, auth_);
    orgs_ = std::make_unique<orgs::OrgsService>(*db_, clock_, *accounts_, *ledger_);
    bus_ = pubsub::make_local_bus();
    svc_ = std::make_unique<SurveysService>(*db_, clock_, *ledger_, *bus_, *accounts_);
    prov_ = org("江南省政协");
    sector_ = orgs_->create_sector(sys_, prov_, bj::object{{"name", "经济界"}})->at("id").as_int64();
    staff_ = person(prov_, "staff");
    leader_ = person(prov_, "leader");
    member_ = person(prov_, "member", sector_);
    member2_ = person(prov_, "member");
    // A record polls attach to, played by a stub: members answer, staff manage.
    svc_->add_scope_type("thing", [this](storage::Conn&, const Caller& c, int64_t id) -> Result<ScopeAccess> {
      if (id != 7) return Error::NotFound("thing_not_found", "没有");
      ScopeAccess a;
      a.org_id = prov_;
      a.read = true;
      a.answer = c.person_id != 0;
      a.manage = a.oversee = access::allowed(c, "/" + std::to_string(prov_) + "/", access::Action::kDeliberationManage);
      return a;
    });
  }
  int64_t org(const char* name) {
    return orgs_->create_org(sys_, bj::object{{"name", name}, {"level", "province"}, {"kind", "cppcc"}})->at("id").as_int64();
  }
  Caller person(int64_t org, const char* role, std::optional<int64_t> sector = std::nullopt) {
    bj::object body{{"display_name", "人" + std::to_string(++n_)}, {"login", "user" + std::to_string(n_)}, {"role", role}};
    if (sector) body["sector_id"] = *sector;
    auto m = orgs_->add_member(sys_, org, body);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    Caller c;
    c.person_id = m->at("person").as_object().at("id").as_int64();
    c.memberships = db_->read_value<std::vector<access::Membership>>(
                           [&](storage::Conn& cn) { return orgs::store::memberships_of(cn, c.person_id); })
                        .value();
    return c;
  }
  static bj::array questions() {
    return bj::parse(R"([{"id":"q1","type":"single","title":"选一个","options":[{"id":"a","label":"甲"},{"id":"b","label":"乙"}],
                           "skip":[{"option":"b","goto":"end"}]},
                          {"id":"q2","type":"long_text","title":"建议","required":false}])")
        .as_array();
  }
  int64_t make(bj::object extra, bool open = true) {
    bj::object body{{"org_id", prov_}, {"title", "测试问卷"}, {"questions", questions()}};
    for (auto& [k, v] : extra) body[k] = v;
    auto s = svc_->create(staff_, body);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    if (!s.ok()) return 0;
    int64_t id = s->at("id").as_int64();
    if (open) {
      EXPECT_TRUE(svc_->set_state(staff_, id, "open").ok());
    }
    return id;
  }
  Result<bj::object> answer(const Caller& c, int64_t id, const char* choice, Respondent who = {}, const char* text = nullptr) {
    bj::object answers{{"q1", choice}};
    if (text) answers["q2"] = text;
    return svc_->respond(c, id, bj::object{{"answers", std::move(answers)}}, who);
  }
  template <typename T>
  static Code code(const Result<T>& r) {
    return r.ok() ? Code::kInternal : r.error().code;
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
  std::unique_ptr<accounts::AccountsService> accounts_;
  std::unique_ptr<orgs::OrgsService> orgs_;
  std::unique_ptr<pubsub::Bus> bus_;
  std::unique_ptr<SurveysService> svc_;
  int64_t prov_ = 0, sector_ = 0;
  Caller staff_, leader_, member_, member2_;
  int n_ = 0;
};

TEST_F(SurveysTest, LifecycleDraftOpenClosed) {
  int64_t id = make({{"audience", "members"}}, false);
  EXPECT_EQ(code(svc_->get(member_, id, {})), Code::kNotFound);  // a draft is not shown
  EXPECT_EQ(code(answer(member_, id, "a")), Code::kNotFound);
  EXPECT_EQ(code(svc_->set_state(member_, id, "open")), Code::kNotFound);
  ASSERT_TRUE(svc_->update(staff_, id, bj::object{{"title", "改过的问卷"}}).ok());
  ASSERT_TRUE(svc_->set_state(staff_, id, "open").ok());
  EXPECT_EQ(code(svc_->update(staff_, id, bj::object{{"title", "再改"}})), Code::kConflict);  // fixed once open
  EXPECT_TRUE(answer(member_, id, "a").ok());
  ASSERT_TRUE(svc_->set_state(staff_, id, "closed").ok());
  EXPECT_EQ(code(svc_->set_state(staff_, id, "open")), Code::kConflict);
  auto late = answer(member2_, id, "a");
  EXPECT_EQ(code(late), Code::kConflict);
  EXPECT_EQ(late.error().slug, "survey_closed");
  expect_ledger_verifies();
}

TEST_F(SurveysTest, MembersAudienceAndSectors) {
  int64_t all = make({{"audience", "members"}});
  EXPECT_TRUE(answer(member2_, all, "a").ok());
  EXPECT_EQ(code(answer(staff_, all, "a")), Code::kForbidden);  // staff are not the audience
  EXPECT_EQ(code(answer(Caller{}, all, "a")), Code::kUnauthenticated);
  int64_t sector_only = make({{"audience", "members"}, {"sector_ids", bj::array{sector_}}});
  EXPECT_TRUE(answer(member_, sector_only, "a").ok());
  EXPECT_EQ(code(svc_->get(member2_, sector_only, {})), Code::kNotFound);
}

TEST_F(SurveysTest, OneAnswerPerPersonDeviceAndAddress) {
  int64_t m = make({{"audience", "members"}});
  ASSERT_TRUE(answer(member_, m, "a").ok());
  auto again = answer(member_, m, "b");
  EXPECT_EQ(code(again), Code::kConflict);
  EXPECT_EQ(again.error().slug, "already_answered");

  int64_t p = make({{"audience", "public"}, {"max_per_address", 2}});
  ASSERT_TRUE(answer(Caller{}, p, "a", Respondent{"device0001device0001", "10.0.0.1"}).ok());
  auto same_device = answer(Caller{}, p, "a", Respondent{"device0001device0001", "10.0.0.9"});
  EXPECT_EQ(code(same_device), Code::kConflict);
  ASSERT_TRUE(answer(Caller{}, p, "b", Respondent{"device0002device0002", "10.0.0.1"}).ok());
  auto third = answer(Caller{}, p, "b", Respondent{"device0003device0003", "10.0.0.1"});  // the address's limit
  EXPECT_EQ(code(third), Code::kTooManyRequests);
  EXPECT_TRUE(answer(Caller{}, p, "b", Respondent{"device0003device0003", "10.0.0.2"}).ok());
  auto got = svc_->get(Caller{}, p, Respondent{"device0001device0001", ""});
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->at("my").as_object().at("answered").as_bool());
  EXPECT_FALSE(got->at("my").as_object().at("may_answer").as_bool());
}

TEST_F(SurveysTest, AnonymousAnswersKeepNoPersonAndNamedOnesDo) {
  int64_t anon = make({{"audience", "members"}, {"anonymous", true}});
  int64_t named = make({{"audience", "members"}, {"anonymous", false}});
  auto a = answer(member_, anon, "a", {}, "匿名的建议");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->at("id").is_null());  // not even the response id is told
  ASSERT_TRUE(answer(member_, named, "a").ok());
  auto rows = db_->read_value<storage::Rows>([&](storage::Conn& c) {
    return c.query("SELECT survey_id, person_id FROM survey_responses ORDER BY survey_id");
  });
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_FALSE((*rows)[0].opt_i64(1).has_value()) << "anonymous response stored a person";
  EXPECT_EQ((*rows)[1].opt_i64(1), member_.person_id);
  // The anonymous response's ledger entry: no actor pseudonym, no person in the content.
  auto entries = db_->read_value<storage::Rows>([&](storage::Conn& c) {
    return c.query("SELECT actor, object_id FROM ledger_entries WHERE action = 'survey_response.submitted' ORDER BY seq");
  });
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].str(0), "system");
  EXPECT_EQ((*entries)[1].str(0), ledger_->actor_pseudonym(member_));
  auto state = db_->read_value<std::optional<ledger::RecordState>>([&](storage::Conn& c) {
    return store::ledger_state(c, "survey_response", std::stoll((*entries)[0].str(1)));
  });
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_NE((*state)->content.find("\"person_id\":null"), std::string::npos) << (*state)->content;
  // Who answered is known (no second answer) but not which answer is theirs.
  EXPECT_EQ(code(answer(member_, anon, "b")), Code::kConflict);
  auto named_list = svc_->responses(staff_, named, {}, 0, 10);
  ASSERT_TRUE(named_list.ok());
  EXPECT_EQ(named_list->at("items").as_array()[0].as_object().at("respondent").as_object().at("id").as_int64(), member_.person_id);
  auto anon_list = svc_->responses(staff_, anon, {}, 0, 10);
  ASSERT_TRUE(anon_list.ok());
  EXPECT_TRUE(anon_list->at("items").as_array()[0].as_object().at("respondent").is_null());
  expect_ledger_verifies();
}

TEST_F(SurveysTest, ResultsCountsVisibilityAndLiveEvents) {
  int64_t id = make({{"audience", "members"}, {"results_visibility", "respondents"}});
  std::mutex mu;
  std::vector<pubsub::Message> got;
  auto sub = bus_->subscribe("survey:" + std::to_string(id), [&](const pubsub::Message& m) {
    std::lock_guard lk(mu);
    got.push_back(m);
  });
  EXPECT_EQ(code(svc_->results(member_, id, {})), Code::kForbidden);  // not before answering
  ASSERT_TRUE(answer(member_, id, "a", {}, "多开公交").ok());
  ASSERT_TRUE(answer(member2_, id, "b").ok());
  auto r = svc_->results(member_, id, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("response_count").as_int64(), 2);
  const auto& opts = r->at("questions").as_array()[0].as_object().at("options").as_array();
  EXPECT_EQ(opts[0].as_object().at("count").as_int64(), 1);
  EXPECT_EQ(opts[1].as_object().at("count").as_int64(), 1);
  EXPECT_TRUE(svc_->results(leader_, id, {}).ok());  // leaders oversee
  ASSERT_TRUE(svc_->live_room(member2_, id).ok());  // answered: may watch
  EXPECT_EQ(*svc_->live_room(member2_, id), r->at("last_seq").as_int64());
  bus_->unsubscribe(sub);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].seq, got[0].seq + 1);
  auto ev = bj::parse(got[1].payload).as_object();
  EXPECT_EQ(ev.at("type").as_string(), "response.created");
  EXPECT_EQ(ev.at("data").as_object().at("response_count").as_int64(), 2);
  // Free text is searchable by those who see results.
  auto s = svc_->search(staff_, id, {}, "公交", std::nullopt, 10);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->at("items").as_array().size(), 1u);
  auto xlsx = svc_->export_xlsx(staff_, id);
  ASSERT_TRUE(xlsx.ok());
  EXPECT_EQ(xlsx->substr(0, 2), "PK");
  EXPECT_EQ(code(svc_->export_xlsx(member_, id)), Code::kForbidden);
}

TEST_F(SurveysTest, QuickPollOnARecord) {
  bj::object body{{"kind", "poll"}, {"scope_type", "thing"}, {"scope_id", 7}, {"title", "投票"},
                  {"questions", bj::parse(R"([{"id":"q1","type":"single","title":"选","options":[{"id":"a","label":"甲"},{"id":"b","label":"乙"}]}])")}};
  EXPECT_EQ(code(svc_->create(member_, body)), Code::kForbidden);
  auto p = svc_->create(staff_, body);
  ASSERT_TRUE(p.ok()) << p.error().message;
  int64_t id = p->at("id").as_int64();
  EXPECT_EQ(p->at("org").as_object().at("id").as_int64(), prov_);
  ASSERT_TRUE(svc_->set_state(staff_, id, "open").ok());
  ASSERT_TRUE(answer(member_, id, "b").ok());
  auto r = svc_->results(member2_, id, {});  // results shown to all who take part
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("response_count").as_int64(), 1);
  auto list = svc_->list(member_, ListFilter{std::nullopt, std::nullopt, std::string("thing"), 7}, 0, 10);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->at("items").as_array().size(), 1u);
  EXPECT_EQ(code(svc_->list(member_, ListFilter{std::nullopt, std::nullopt, std::string("thing"), 8}, 0, 10)), Code::kNotFound);
  body["questions"] = bj::parse(R"([{"id":"q1","type":"short_text","title":"说"}])");
  EXPECT_EQ(code(svc_->create(staff_, body)), Code::kInvalidArgument);
  expect_ledger_verifies();
}

TEST_F(SurveysTest, SmsCheckSpendsACodeAndLimitsTheNumber) {
  int64_t id = make({{"audience", "public"}, {"sms_check", true}});
  auto no_code = answer(Caller{}, id, "a", Respondent{"device0001device0001", "10.0.0.1"});
  EXPECT_EQ(code(no_code), Code::kInvalidArgument);
  ASSERT_TRUE(accounts_->send_sms_code("13900000001", "survey", "10.0.0.1").ok());
  std::string c = sms_.last_code();
  bj::object body{{"answers", bj::object{{"q1", "a"}}}, {"mobile", "13900000001"}, {"code", "000000"}};
  if (c == "000000") body["code"] = "111111";
  EXPECT_EQ(code(svc_->respond(Caller{}, id, body, Respondent{"device0001device0001", "10.0.0.1"})), Code::kInvalidArgument);
  body["code"] = c;
  ASSERT_TRUE(svc_->respond(Caller{}, id, body, Respondent{"device0001device0001", "10.0.0.1"}).ok());
  // Another device, the same number: refused before any code is spent.
  EXPECT_EQ(code(svc_->respond(Caller{}, id, body, Respondent{"device0002device0002", "10.0.0.2"})), Code::kConflict);
}

}  // namespace
}  // namespace sl::surveys
