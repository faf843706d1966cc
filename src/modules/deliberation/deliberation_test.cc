#include "modules/deliberation/deliberation.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/json.h"
#include "modules/common/route_util.h"
#include "modules/common/test_fixture.h"
#include "modules/deliberation/deliberation_internal.h"
#include "modules/deliberation/deliberation_store.h"
#include "modules/ledger/ledger_audit.h"
#include "modules/orgs/orgs.h"
#include "modules/orgs/orgs_store.h"
#include "modules/search/word_filter.h"

namespace sl::deliberation {
namespace {

namespace bj = boost::json;
using access::Role;

class DeliberationTest : public testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    accounts_ = std::make_unique<accounts::AccountsService>(*db_, clock_, random_, sms_, *ledger_, auth_);
    orgs_ = std::make_unique<orgs::OrgsService>(*db_, clock_, *accounts_, *ledger_);
    bus_ = pubsub::make_local_bus();
    svc_ = std::make_unique<DeliberationService>(*db_, clock_, *ledger_, *bus_, Options{30});
    prov_ = org(std::nullopt, "江南省政协", "province", "cppcc");
    city_ = org(prov_, "临江市政协", "city", "cppcc");
    other_ = org(std::nullopt, "外省政协", "province", "cppcc");
    dept_ = org(prov_, "江南省民政厅", "province", "department");
    dept2_ = org(prov_, "江南省财政厅", "province", "department");
    sector_a_ = sector(prov_, "经济界");
    sector_b_ = sector(prov_, "教育界");
    staff_ = person(prov_, "staff", "周晓云");
    leader_ = person(prov_, "leader", "沈国栋");
    member_ = person(prov_, "member", "陈志远", sector_a_);
    member_b_ = person(prov_, "member", "王秀英", sector_b_);
    city_member_ = person(city_, "member", "李建国");
    city_staff_ = person(city_, "staff", "林海峰");
    other_staff_ = person(other_, "staff", "外省工作人员");
    resp_ = person(dept_, "responder", "民政厅联络员");
    resp2_ = person(dept2_, "responder", "财政厅联络员");
    outsider_ = lone_person("公众甲");
    expert_ = lone_person("专家乙");
    unsub_ = bus_->subscribe("deliberation:1", [this](const pubsub::Message& m) {
      std::lock_guard lk(mu_);
      published_.push_back(m);
    });
  }
  void TearDown() override {
    bus_->unsubscribe(unsub_);
    ModuleTest::TearDown();
  }

  int64_t org(std::optional<int64_t> parent, const char* name, const char* level, const char* kind) {
    bj::object body{{"name", name}, {"level", level}, {"kind", kind}};
    if (parent) body["parent_id"] = *parent;
    auto o = orgs_->create_org(sys_, body);
    EXPECT_TRUE(o.ok()) << (o.ok() ? "" : o.error().message);
    return o.ok() ? o->at("id").as_int64() : 0;
  }
  int64_t sector(int64_t org, const char* name) {
    auto s = orgs_->create_sector(sys_, org, bj::object{{"name", name}});
    EXPECT_TRUE(s.ok());
    return s.ok() ? s->at("id").as_int64() : 0;
  }
  Caller person(int64_t org, const char* role, const char* name, std::optional<int64_t> sector = std::nullopt) {
    bj::object body{{"display_name", name}, {"login", "user" + std::to_string(++n_)}, {"role", role}};
    if (sector) body["sector_id"] = *sector;
    auto m = orgs_->add_member(sys_, org, body);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return caller_of(m->at("person").as_object().at("id").as_int64());
  }
  Caller lone_person(const char* name) {
    auto id = db_->write_value<int64_t>([&](storage::Conn& c) {
      accounts::NewPerson np;
      np.display_name = name;
      np.login = "user" + std::to_string(++n_);
      return accounts::insert_person(c, np, clock_.now_ms());
    });
    EXPECT_TRUE(id.ok());
    return caller_of(*id);
  }
  Caller caller_of(int64_t person_id) {
    Caller c;
    c.person_id = person_id;
    c.memberships = db_->read_value<std::vector<access::Membership>>(
                           [&](storage::Conn& cn) { return orgs::store::memberships_of(cn, person_id); })
                        .value();
    return c;
  }

  // A deliberation of the province: 2 sub-topics, 3 phases, 民政厅 and 财政厅 invited.
  int64_t make(bj::object extra = {}) {
    bj::object body{{"org_id", prov_},
                    {"theme", "推进养老服务体系建设"},
                    {"description", "围绕**居家养老**建言"},
                    {"subtopics", bj::array{bj::object{{"title", "居家养老"}}, bj::object{{"title", "医养结合"}}}},
                    {"phases", bj::array{bj::object{{"kind", "speaking"}, {"name", "委员发言"}},
                                         bj::object{{"kind", "response"}, {"name", "部门回应"}, {"ends_at", "2030-01-01T00:00:00+08:00"}},
                                         bj::object{{"kind", "summary"}, {"name", "总结"}}}},
                    {"department_ids", bj::array{dept_, dept2_}}};
    for (auto& [k, v] : extra) body[k] = v;
    auto d = svc_->create(staff_, body);
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
    return d.ok() ? d->at("id").as_int64() : 0;
  }
  int64_t make_open(bj::object extra = {}) {
    int64_t id = make(std::move(extra));
    EXPECT_TRUE(svc_->set_state(staff_, id, "open").ok());
    return id;
  }
  int64_t post(const Caller& who, int64_t d, bj::object body) {
    auto p = svc_->create_post(who, d, body);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    return p.ok() ? p->at("id").as_int64() : 0;
  }
  bj::object get_post(const Caller& who, int64_t id) {
    auto p = svc_->get_post(who, id, 0, 100);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    return p.ok() ? *p : bj::object{};
  }
  bj::array events(int64_t d, int64_t after = 0, int limit = 1000) {
    auto e = svc_->events(sys_, d, after, limit);
    EXPECT_TRUE(e.ok());
    return bj::parse(*e).as_object().at("items").as_array();
  }
  std::vector<std::string> event_types(int64_t d) {
    std::vector<std::string> out;
    for (auto& e : events(d)) out.emplace_back(e.as_object().at("type").as_string());
    return out;
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
  Caller anon_;
  std::unique_ptr<accounts::AccountsService> accounts_;
  std::unique_ptr<orgs::OrgsService> orgs_;
  std::unique_ptr<pubsub::Bus> bus_;
  std::unique_ptr<DeliberationService> svc_;
  pubsub::Bus::Id unsub_ = 0;
  std::mutex mu_;
  std::vector<pubsub::Message> published_;
  int n_ = 0;
  int64_t prov_ = 0, city_ = 0, other_ = 0, dept_ = 0, dept2_ = 0, sector_a_ = 0, sector_b_ = 0;
  Caller staff_, leader_, member_, member_b_, city_member_, city_staff_, other_staff_, resp_, resp2_, outsider_, expert_;
};

TEST_F(DeliberationTest, StandingFollowsRolesAndSettings) {
  store::DelibRow d;
  d.id = 1;
  d.org_id = prov_;
  d.state = "open";
  d.public_mode = "closed";
  store::Parties ps;
  ps.orgs.push_back({prov_, "江南省政协", "/" + std::to_string(prov_) + "/", "cppcc"});
  ps.departments.push_back({dept_, "江南省民政厅", "", "department"});
  ps.experts.push_back({expert_.person_id, "专家乙"});
  auto st = [&](const Caller& c) { return detail::standing_of(d, ps, c); };
  EXPECT_EQ(st(member_).part, Part::kMember);
  EXPECT_EQ(st(member_).author_org_id, prov_);
  EXPECT_EQ(st(resp_).part, Part::kDepartment);
  EXPECT_EQ(st(resp_).departments, std::vector<int64_t>{dept_});
  EXPECT_EQ(st(resp2_).part, Part::kNone);  // 财政厅 is not invited here
  EXPECT_FALSE(st(resp2_).read);
  EXPECT_EQ(st(leader_).part, Part::kLeader);
  EXPECT_TRUE(st(leader_).oversee);
  EXPECT_FALSE(st(leader_).manage);
  EXPECT_EQ(st(staff_).part, Part::kStaff);
  EXPECT_TRUE(st(staff_).manage);
  EXPECT_EQ(st(expert_).part, Part::kExpert);
  EXPECT_EQ(st(city_member_).part, Part::kNone);  // members do not reach down or up
  EXPECT_FALSE(st(city_member_).read);
  EXPECT_FALSE(st(city_staff_).read);  // staff reach down, not up
  EXPECT_FALSE(st(outsider_).read);
  EXPECT_FALSE(st(anon_).read);
  // Public modes.
  d.public_mode = "read";
  EXPECT_TRUE(st(anon_).read);
  EXPECT_EQ(st(anon_).part, Part::kNone);
  EXPECT_EQ(st(outsider_).part, Part::kNone);
  d.public_mode = "comment";
  EXPECT_EQ(st(outsider_).part, Part::kPublic);
  EXPECT_EQ(st(anon_).part, Part::kNone);  // the anonymous read only
  // Sectors: only the chosen sectors take part.
  d.public_mode = "closed";
  d.sectors_only = true;
  ps.sectors.push_back({sector_a_, "经济界"});
  EXPECT_EQ(st(member_).part, Part::kMember);
  EXPECT_FALSE(st(member_b_).read);
  // Drafts: only overseers read.
  d.state = "draft";
  EXPECT_FALSE(st(member_).read);
  EXPECT_TRUE(st(leader_).read);
  EXPECT_TRUE(st(staff_).read);
}

TEST_F(DeliberationTest, CreateNeedsManagementOfEveryParticipant) {
  bj::object body{{"org_id", prov_}, {"theme", "乡村振兴"}};
  EXPECT_EQ(code(svc_->create(member_, body)), Code::kForbidden);
  EXPECT_EQ(code(svc_->create(leader_, body)), Code::kForbidden);
  EXPECT_EQ(code(svc_->create(city_staff_, body)), Code::kForbidden);
  EXPECT_EQ(code(svc_->create(anon_, body)), Code::kUnauthenticated);
  EXPECT_EQ(code(svc_->create(staff_, bj::object{{"org_id", prov_}})), Code::kInvalidArgument);
  // Joint across levels: province staff reach their city; not another province.
  auto joint = svc_->create(staff_, bj::object{{"org_id", prov_}, {"theme", "省市联动"}, {"org_ids", bj::array{city_}}});
  ASSERT_TRUE(joint.ok()) << joint.error().message;
  EXPECT_TRUE(joint->at("joint").as_bool());
  EXPECT_EQ(joint->at("orgs").as_array().size(), 2u);
  EXPECT_EQ(code(svc_->create(staff_, bj::object{{"org_id", prov_}, {"theme", "x"}, {"org_ids", bj::array{other_}}})),
            Code::kForbidden);
  // Departments must be departments; sectors must belong to a participant.
  EXPECT_EQ(code(svc_->create(staff_, bj::object{{"org_id", prov_}, {"theme", "x"}, {"department_ids", bj::array{city_}}})),
            Code::kInvalidArgument);
  int64_t city_sector = sector(city_, "城市界");
  EXPECT_EQ(code(svc_->create(staff_, bj::object{{"org_id", prov_}, {"theme", "x"}, {"member_sector_ids", bj::array{city_sector}}})),
            Code::kInvalidArgument);
  // City staff see a joint deliberation they take part in; city members speak in it.
  int64_t jid = joint->at("id").as_int64();
  EXPECT_TRUE(svc_->get(city_staff_, jid).ok());
  ASSERT_TRUE(svc_->set_state(staff_, jid, "open").ok());
  EXPECT_TRUE(svc_->create_post(city_member_, jid, bj::object{{"body", "市里的情况"}}).ok());
  // ...but only the host's staff configure it.
  EXPECT_EQ(code(svc_->update(city_staff_, jid, bj::object{{"theme", "改"}})), Code::kForbidden);
}

TEST_F(DeliberationTest, ReadingAndSpeakingByRoleAndPublicMode) {
  int64_t d = make_open();
  // Closed to the public: the anonymous must log in; outsiders do not see it exists.
  EXPECT_EQ(code(svc_->get(anon_, d)), Code::kUnauthenticated);
  EXPECT_EQ(code(svc_->get(outsider_, d)), Code::kNotFound);
  EXPECT_EQ(code(svc_->get(city_member_, d)), Code::kNotFound);
  for (const Caller* c : {&member_, &member_b_, &resp_, &leader_, &staff_}) EXPECT_TRUE(svc_->get(*c, d).ok());
  EXPECT_EQ(svc_->get(member_, d)->at("my").as_object().at("role").as_string(), "member");
  EXPECT_TRUE(svc_->get(member_, d)->at("my").as_object().at("may_post").as_bool());

  // Marks come from the author's role, never from the client.
  auto lp = svc_->create_post(leader_, d, bj::object{{"body", "点评：很好"}, {"mark", "department_answer"}});
  ASSERT_TRUE(lp.ok());
  EXPECT_EQ(lp->at("mark").as_string(), "leader_remark");
  EXPECT_EQ(lp->at("author").as_object().at("role_label").as_string(), "领导");
  auto dp = svc_->create_post(resp_, d, bj::object{{"body", "民政厅在线"}});
  ASSERT_TRUE(dp.ok());
  EXPECT_EQ(dp->at("mark").as_string(), "department_answer");
  EXPECT_EQ(dp->at("author").as_object().at("org").as_object().at("id").as_int64(), dept_);
  auto mp = svc_->create_post(member_, d, bj::object{{"body", "委员发言"}});
  ASSERT_TRUE(mp.ok());
  EXPECT_TRUE(mp->at("mark").is_null());
  EXPECT_EQ(mp->at("author").as_object().at("role_label").as_string(), "委员");
  EXPECT_EQ(code(svc_->create_post(outsider_, d, bj::object{{"body", "x"}})), Code::kNotFound);

  // Public read: everyone reads; nobody outside speaks.
  ASSERT_TRUE(svc_->update(staff_, d, bj::object{{"public_mode", "read"}}).ok());
  EXPECT_TRUE(svc_->get(anon_, d).ok());
  EXPECT_TRUE(svc_->list_posts(anon_, d, std::nullopt, false, 0, 50).ok());
  EXPECT_EQ(code(svc_->create_post(outsider_, d, bj::object{{"body", "x"}})), Code::kForbidden);
  EXPECT_EQ(code(svc_->like(outsider_, mp->at("id").as_int64(), true)), Code::kForbidden);

  // Public comment: signed-in outsiders comment (only comments); the anonymous still cannot.
  ASSERT_TRUE(svc_->update(staff_, d, bj::object{{"public_mode", "comment"}}).ok());
  auto c1 = svc_->create_post(outsider_, d, bj::object{{"body", "群众的声音"}});
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1->at("kind").as_string(), "comment");
  EXPECT_EQ(c1->at("author").as_object().at("role").as_string(), "public");
  EXPECT_EQ(code(svc_->create_post(outsider_, d, bj::object{{"body", "x"}, {"kind", "article"}})), Code::kForbidden);
  EXPECT_TRUE(svc_->create_post(outsider_, d, bj::object{{"body", "回复委员"}, {"parent_id", mp->at("id")}}).ok());
  EXPECT_EQ(code(svc_->create_post(anon_, d, bj::object{{"body", "x"}})), Code::kUnauthenticated);

  // Experts are invited by id.
  EXPECT_EQ(svc_->get(expert_, d)->at("my").as_object().at("role").as_string(), "public");
  ASSERT_TRUE(svc_->update(staff_, d, bj::object{{"expert_ids", bj::array{expert_.person_id}}, {"public_mode", "closed"}}).ok());
  auto ep = svc_->create_post(expert_, d, bj::object{{"body", "专家意见"}});
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->at("author").as_object().at("role_label").as_string(), "特邀专家");

  // Sectors: limiting to 经济界 shuts 教育界 out.
  ASSERT_TRUE(svc_->update(staff_, d, bj::object{{"member_sector_ids", bj::array{sector_a_}}}).ok());
  EXPECT_TRUE(svc_->create_post(member_, d, bj::object{{"body", "经济界发言"}}).ok());
  EXPECT_EQ(code(svc_->get(member_b_, d)), Code::kNotFound);
}

TEST_F(DeliberationTest, StatesAndPhases) {
  int64_t d = make();
  EXPECT_EQ(code(svc_->get(member_, d)), Code::kNotFound);  // a draft is not revealed
  EXPECT_EQ(code(svc_->create_post(staff_, d, bj::object{{"body", "x"}})), Code::kConflict);
  EXPECT_EQ(code(svc_->set_state(leader_, d, "open")), Code::kForbidden);
  EXPECT_EQ(code(svc_->set_state(staff_, d, "closed")), Code::kConflict);  // not open yet
  EXPECT_EQ(code(svc_->set_state(staff_, d, "bogus")), Code::kInvalidArgument);
  ASSERT_TRUE(svc_->set_state(staff_, d, "open").ok());
  auto got = svc_->get(member_, d);
  ASSERT_TRUE(got.ok());
  auto phases = got->at("phases").as_array();
  ASSERT_EQ(phases.size(), 3u);
  int64_t speaking = phases[0].as_object().at("id").as_int64(), response = phases[1].as_object().at("id").as_int64();
  EXPECT_EQ(phases[1].as_object().at("ends_at").as_string(), "2029-12-31T16:00:00.000Z");
  EXPECT_EQ(code(svc_->set_phase(member_, d, speaking)), Code::kForbidden);
  ASSERT_TRUE(svc_->set_phase(staff_, d, speaking).ok());
  ASSERT_TRUE(svc_->set_phase(staff_, d, response).ok());
  ASSERT_TRUE(svc_->set_phase(staff_, d, response).ok());  // no change: no event
  EXPECT_EQ(svc_->get(member_, d)->at("current_phase").as_object().at("name").as_string(), "部门回应");
  int64_t other = make();
  auto other_phase = svc_->get(staff_, other)->at("phases").as_array()[0].as_object().at("id").as_int64();
  EXPECT_EQ(code(svc_->set_phase(staff_, d, other_phase)), Code::kInvalidArgument);
  int64_t p = post(member_, d, bj::object{{"body", "发言"}, {"subtopic_id", got->at("subtopics").as_array()[0].as_object().at("id")}});
  // A sub-topic with posts cannot be dropped.
  EXPECT_EQ(code(svc_->update(staff_, d, bj::object{{"subtopics", bj::array{}}})), Code::kConflict);
  ASSERT_TRUE(svc_->set_state(staff_, d, "closed").ok());
  EXPECT_EQ(code(svc_->create_post(member_, d, bj::object{{"body", "晚了"}})), Code::kConflict);
  EXPECT_EQ(code(svc_->like(member_, p, true)), Code::kConflict);
  // Closed stays readable.
  EXPECT_TRUE(svc_->get(member_, d).ok());
  EXPECT_EQ(svc_->list_posts(member_, d, std::nullopt, false, 0, 50)->at("items").as_array().size(), 1u);
  ASSERT_TRUE(svc_->set_state(staff_, d, "archived").ok());
  EXPECT_EQ(code(svc_->set_state(staff_, d, "open")), Code::kConflict);
  EXPECT_EQ(code(svc_->update(staff_, d, bj::object{{"theme", "改"}})), Code::kConflict);
  EXPECT_EQ(event_types(d), (std::vector<std::string>{"deliberation.state_changed", "phase.changed", "phase.changed",
                                                      "post.created", "deliberation.state_changed",
                                                      "deliberation.state_changed"}));
  expect_ledger_verifies();
}

TEST_F(DeliberationTest, RepliesThreadTwoLevelsDeep) {
  int64_t d = make_open();
  auto subs = svc_->get(staff_, d)->at("subtopics").as_array();
  int64_t st = subs[1].as_object().at("id").as_int64();
  int64_t top = post(member_, d, bj::object{{"title", "关于医养结合"}, {"body", "长文"}, {"subtopic_id", st}});
  int64_t r1 = post(member_b_, d, bj::object{{"body", "赞同"}, {"parent_id", top}});
  int64_t r2 = post(leader_, d, bj::object{{"body", "回复赞同"}, {"parent_id", r1}});
  int64_t r3 = post(member_, d, bj::object{{"body", "再深一层"}, {"parent_id", r2}});
  auto p1 = get_post(staff_, r1), p2 = get_post(staff_, r2), p3 = get_post(staff_, r3);
  EXPECT_EQ(p1.at("depth").as_int64(), 1);
  EXPECT_EQ(p1.at("kind").as_string(), "reply");
  EXPECT_EQ(p1.at("subtopic_id").as_int64(), st);  // inherited
  EXPECT_EQ(p2.at("depth").as_int64(), 2);
  EXPECT_EQ(p2.at("parent_id").as_int64(), r1);
  EXPECT_EQ(p3.at("depth").as_int64(), 2);
  EXPECT_EQ(p3.at("parent_id").as_int64(), r1);  // deeper requests attach to level 2
  EXPECT_EQ(p3.at("reply_to_id").as_int64(), r2);
  EXPECT_EQ(p3.at("root_id").as_int64(), top);
  auto root = get_post(member_, top);
  EXPECT_EQ(root.at("reply_count").as_int64(), 3);
  EXPECT_EQ(root.at("replies").as_array().size(), 3u);
  EXPECT_EQ(p1.at("reply_count").as_int64(), 2);
  EXPECT_EQ(get_post(member_, r1).at("replies").as_array().size(), 2u);
  // The page lists top-level posts only, filtered by sub-topic.
  auto page = svc_->list_posts(member_, d, st, false, 0, 50);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->at("items").as_array().size(), 1u);
  EXPECT_EQ(page->at("items").as_array()[0].as_object().at("reply_count").as_int64(), 3);
  EXPECT_EQ(svc_->list_posts(member_, d, subs[0].as_object().at("id").as_int64(), false, 0, 50)->at("items").as_array().size(), 0u);
  EXPECT_EQ(code(svc_->create_post(member_, d, bj::object{{"body", "x"}, {"kind", "article"}, {"parent_id", top}})),
            Code::kInvalidArgument);
  EXPECT_EQ(code(svc_->create_post(member_, d, bj::object{{"body", "x"}, {"parent_id", 9999}})), Code::kNotFound);
}

TEST_F(DeliberationTest, PagesWalkWithCursorsBothWays) {
  int64_t d = make_open();
  std::vector<int64_t> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(post(member_, d, bj::object{{"body", "第" + std::to_string(i) + "条"}}));
  std::vector<int64_t> seen;
  int64_t cursor = 0;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = svc_->list_posts(member_, d, std::nullopt, false, cursor, 3);
    ASSERT_TRUE(page.ok());
    for (auto& p : page->at("items").as_array()) seen.push_back(p.as_object().at("id").as_int64());
    if (page->at("next_cursor").is_null()) break;
    cursor = json::decode_cursor(std::string(page->at("next_cursor").as_string())).value();
  }
  EXPECT_EQ(seen, std::vector<int64_t>(ids.rbegin(), ids.rend()));  // newest first
  auto asc = svc_->list_posts(member_, d, std::nullopt, true, 0, 50);
  EXPECT_EQ(asc->at("items").as_array()[0].as_object().at("id").as_int64(), ids.front());
  EXPECT_EQ(asc->at("last_seq").as_int64(), 8);
}

TEST_F(DeliberationTest, LikesOnePerPersonAndUndoable) {
  int64_t d = make_open();
  int64_t p = post(member_, d, bj::object{{"body", "点赞我"}});
  EXPECT_EQ(svc_->like(member_b_, p, true)->at("like_count").as_int64(), 1);
  EXPECT_EQ(svc_->like(member_b_, p, true)->at("like_count").as_int64(), 1);  // twice is once
  EXPECT_EQ(svc_->like(leader_, p, true)->at("like_count").as_int64(), 2);
  EXPECT_TRUE(get_post(member_b_, p).at("liked_by_me").as_bool());
  EXPECT_FALSE(get_post(member_, p).at("liked_by_me").as_bool());
  EXPECT_EQ(svc_->like(member_b_, p, false)->at("like_count").as_int64(), 1);
  EXPECT_EQ(svc_->like(member_b_, p, false)->at("like_count").as_int64(), 1);  // undoing twice is once
  EXPECT_FALSE(get_post(member_b_, p).at("liked_by_me").as_bool());
  EXPECT_EQ(code(svc_->like(anon_, p, true)), Code::kUnauthenticated);
  // Three changes, three events with the count.
  int likes = 0;
  int64_t last = -1;
  for (auto& e : events(d))
    if (e.as_object().at("type").as_string() == "post.liked") {
      ++likes;
      last = e.as_object().at("data").as_object().at("like_count").as_int64();
    }
  EXPECT_EQ(likes, 3);
  EXPECT_EQ(last, 1);
  expect_ledger_verifies();
}

TEST_F(DeliberationTest, EditsKeepEveryVersion) {
  int64_t d = make_open();
  int64_t p = post(member_, d, bj::object{{"title", "初稿"}, {"body", "第一版"}});
  EXPECT_EQ(code(svc_->edit_post(member_b_, p, bj::object{{"body", "篡改"}})), Code::kForbidden);
  clock_.advance_ms(60'000);
  ASSERT_TRUE(svc_->edit_post(member_, p, bj::object{{"body", "第二版"}}).ok());
  clock_.advance_ms(60'000);
  auto e = svc_->edit_post(member_, p, bj::object{{"title", "定稿"}, {"body", "第三版"}});
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->at("edited").as_bool());
  EXPECT_EQ(e->at("version").as_int64(), 3);
  EXPECT_EQ(e->at("edited_at").as_string(), format_iso8601(clock_.now_ms()));
  // Readers see "edited"; the history is for the author and staff.
  auto seen = get_post(member_b_, p);
  EXPECT_TRUE(seen.at("edited").as_bool());
  EXPECT_EQ(seen.at("body").as_string(), "第三版");
  EXPECT_EQ(code(svc_->post_versions(member_b_, p)), Code::kForbidden);
  for (const Caller* c : {&member_, &staff_, &leader_}) {
    auto v = svc_->post_versions(*c, p);
    ASSERT_TRUE(v.ok());
    auto& items = v->at("items").as_array();
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0].as_object().at("body").as_string(), "第一版");
    EXPECT_EQ(items[0].as_object().at("title").as_string(), "初稿");
    EXPECT_EQ(items[1].as_object().at("body").as_string(), "第二版");
    EXPECT_EQ(items[2].as_object().at("body").as_string(), "第三版");
    EXPECT_TRUE(items[2].as_object().at("current").as_bool());
  }
  // An unchanged edit makes no version.
  ASSERT_TRUE(svc_->edit_post(member_, p, bj::object{{"body", "第三版"}}).ok());
  EXPECT_EQ(svc_->post_versions(member_, p)->at("items").as_array().size(), 3u);
  int edited = 0;
  for (auto& t : event_types(d)) edited += t == "post.edited";
  EXPECT_EQ(edited, 2);
  expect_ledger_verifies();
}

TEST_F(DeliberationTest, AuthorDeletesOnlyWithinTheWindow) {
  int64_t d = make_open();
  int64_t early = post(member_, d, bj::object{{"body", "说错了"}});
  int64_t late = post(member_, d, bj::object{{"body", "深思熟虑"}});
  EXPECT_EQ(code(svc_->delete_post(member_b_, early)), Code::kForbidden);
  EXPECT_EQ(code(svc_->delete_post(staff_, early)), Code::kForbidden);  // staff moderate instead
  clock_.advance_ms(29 * 60'000);
  ASSERT_TRUE(svc_->delete_post(member_, early).ok());
  auto gone = get_post(member_b_, early);
  EXPECT_EQ(gone.at("state").as_string(), "deleted");
  EXPECT_EQ(gone.at("body").as_string(), "");
  EXPECT_EQ(gone.at("erased").as_object().at("reason").as_string(), "author_deleted");
  clock_.advance_ms(2 * 60'000);
  auto too_late = svc_->delete_post(member_, late);
  ASSERT_FALSE(too_late.ok());
  EXPECT_EQ(too_late.error().slug, "delete_window_passed");
  // The deleted post's content is gone from the event log too.
  for (auto& e : events(d)) {
    auto& o = e.as_object();
    if (o.at("type").as_string() == "post.created" && o.at("data").as_object().at("id").as_int64() == early) {
      EXPECT_TRUE(o.at("data").as_object().at("redacted").as_bool());
    }
  }
  expect_ledger_verifies();
}

TEST_F(DeliberationTest, ModerationHidesWithAReasonTheAuthorSees) {
  int64_t d = make_open(bj::object{{"public_mode", "read"}});
  int64_t p = post(member_, d, bj::object{{"body", "不当言论"}});
  ASSERT_TRUE(svc_->report_post(member_b_, p, "内容不当").ok());
  EXPECT_EQ(code(svc_->report_post(member_b_, p, "再举报")), Code::kConflict);
  EXPECT_EQ(code(svc_->list_reports(member_, d, std::nullopt, 0, 50)), Code::kForbidden);
  EXPECT_EQ(svc_->list_reports(staff_, d, std::string("open"), 0, 50)->at("items").as_array().size(), 1u);
  EXPECT_EQ(code(svc_->hide_post(leader_, p, "违规")), Code::kForbidden);
  EXPECT_EQ(code(svc_->hide_post(staff_, p, " ")), Code::kInvalidArgument);
  ASSERT_TRUE(svc_->hide_post(staff_, p, "含有不实信息").ok());
  auto reader = get_post(anon_, p);
  EXPECT_EQ(reader.at("state").as_string(), "hidden");
  EXPECT_EQ(reader.at("body").as_string(), "");
  EXPECT_FALSE(reader.contains("moderation"));
  EXPECT_FALSE(reader.contains("ledger"));
  auto author = get_post(member_, p);
  EXPECT_EQ(author.at("body").as_string(), "不当言论");
  EXPECT_EQ(author.at("moderation").as_object().at("reason").as_string(), "含有不实信息");
  EXPECT_EQ(svc_->list_reports(staff_, d, std::string("actioned"), 0, 50)->at("items").as_array().size(), 1u);
  // The content is not replayed to anyone catching up.
  for (auto& e : events(d)) {
    auto s = bj::serialize(e);
    EXPECT_EQ(s.find("不当言论"), std::string::npos) << s;
  }
  EXPECT_EQ(code(svc_->create_post(member_b_, d, bj::object{{"body", "x"}, {"parent_id", p}})), Code::kConflict);
  auto post_readable = [&](const Caller& c) {
    return db_->read([&](storage::Conn& cn) { return check_post_readable(cn, c, p); }).ok();
  };
  EXPECT_TRUE(post_readable(member_));   // the author
  EXPECT_TRUE(post_readable(staff_));
  EXPECT_FALSE(post_readable(member_b_));
  EXPECT_FALSE(post_readable(anon_));
  ASSERT_TRUE(svc_->restore_post(staff_, p).ok());
  EXPECT_TRUE(post_readable(anon_));  // public read
  EXPECT_EQ(get_post(anon_, p).at("body").as_string(), "不当言论");
  // Bans per deliberation.
  ASSERT_TRUE(svc_->ban(staff_, d, bj::object{{"person_id", member_.person_id}, {"reason", "多次违规"}}).ok());
  auto banned = svc_->create_post(member_, d, bj::object{{"body", "我还想说"}});
  ASSERT_FALSE(banned.ok());
  EXPECT_EQ(banned.error().slug, "banned");
  EXPECT_TRUE(svc_->get(member_, d)->at("my").as_object().at("banned").as_bool());
  EXPECT_EQ(svc_->list_bans(staff_, d)->at("items").as_array().size(), 1u);
  ASSERT_TRUE(svc_->unban(staff_, d, member_.person_id).ok());
  EXPECT_EQ(code(svc_->unban(staff_, d, member_.person_id)), Code::kNotFound);
  EXPECT_TRUE(svc_->create_post(member_, d, bj::object{{"body", "解除后发言"}}).ok());
  expect_ledger_verifies();
}

TEST_F(DeliberationTest, RemovalErasesTheContentForGood) {
  int64_t d = make_open(bj::object{{"public_mode", "read"}});
  int64_t p = post(member_, d, bj::object{{"title", "违规标题"}, {"body", "违规内容：加大财政投入"}});
  ASSERT_TRUE(svc_->edit_post(member_, p, bj::object{{"body", "违规内容（改）：加大财政投入"}}).ok());
  auto pt = svc_->create_point(staff_, p, bj::object{{"quote", "加大财政投入"}, {"summary", "财政投入"}});
  ASSERT_TRUE(pt.ok());
  ASSERT_TRUE(svc_->hide_post(staff_, p, "先隐藏").ok());
  EXPECT_EQ(code(svc_->remove_post(leader_, p, "违规")), Code::kForbidden);
  auto removed = svc_->remove_post(staff_, p, "含有违法信息");
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(removed->at("state").as_string(), "removed");
  EXPECT_EQ(removed->at("erased").as_object().at("reason").as_string(), "moderation");
  EXPECT_EQ(code(svc_->restore_post(staff_, p)), Code::kConflict);
  EXPECT_EQ(code(svc_->remove_post(staff_, p, "再删")), Code::kConflict);
  // Gone from storage: the post, its versions, the point's quote, every event.
  auto stored = db_->read_value<storage::Rows>([&](storage::Conn& c) {
    return c.query("SELECT title, body, body_html, ledger_salt FROM posts WHERE id = ?", {p});
  });
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].str(0) + (*stored)[0].str(1) + (*stored)[0].str(2), "");
  EXPECT_TRUE((*stored)[0].is_null(3));
  auto versions = db_->read_value<storage::Rows>([&](storage::Conn& c) {
    return c.query("SELECT 1 FROM post_versions WHERE post_id = ?", {p});
  });
  EXPECT_TRUE(versions->empty());
  auto author = get_post(member_, p);
  EXPECT_EQ(author.at("body").as_string(), "");
  EXPECT_EQ(author.at("moderation").as_object().at("reason").as_string(), "含有违法信息");
  EXPECT_EQ(author.at("erased").as_object().at("reason").as_string(), "moderation");
  auto point = svc_->get_point(staff_, pt->at("id").as_int64());
  EXPECT_EQ(point->at("quote").as_string(), "");
  EXPECT_EQ(point->at("summary").as_string(), "财政投入");
  for (auto& e : events(d)) {
    auto s = bj::serialize(e);
    EXPECT_EQ(s.find("违规"), std::string::npos) << s;
    EXPECT_EQ(s.find("加大财政投入"), std::string::npos) << s;
  }
  EXPECT_EQ(event_types(d).back(), "post.removed");
  // The ledger holds the erasure and still verifies.
  auto entries = ledger_->object_entries("post", p);
  ASSERT_TRUE(entries.ok());
  auto& items = entries->at("items").as_array();
  EXPECT_EQ(bj::parse(items.back().as_object().at("entry").as_string()).as_object().at("action").as_string(), "post.erased");
  expect_ledger_verifies();
}

TEST_F(DeliberationTest, SensitiveWordsAreRefusedOrHeldForReview) {
  search::WordFilter words({"网络赌博", "高利贷"});
  Options reject{30, &words, false};
  svc_ = std::make_unique<DeliberationService>(*db_, clock_, *ledger_, *bus_, reject);
  int64_t d = make_open(bj::object{{"public_mode", "read"}});
  auto refused = svc_->create_post(member_, d, bj::object{{"body", "群里有人搞網絡賭博"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().slug, "sensitive_words");
  EXPECT_NE(refused.error().details_json.find("网络赌博"), std::string::npos);
  int64_t ok_post = post(member_, d, bj::object{{"body", "正常发言"}});
  EXPECT_EQ(code(svc_->edit_post(member_, ok_post, bj::object{{"body", "改成高利贷"}})), Code::kUnprocessable);

  Options hold{30, &words, true};
  svc_ = std::make_unique<DeliberationService>(*db_, clock_, *ledger_, *bus_, hold);
  size_t events_before = events(d).size();
  auto held = svc_->create_post(member_b_, d, bj::object{{"body", "揭露高利贷套路"}, {"parent_id", ok_post}});
  ASSERT_TRUE(held.ok()) << held.error().message;
  EXPECT_EQ(held->at("state").as_string(), "held");
  EXPECT_EQ(held->at("seq").as_int64(), 0);
  int64_t h = held->at("id").as_int64();
  // Nobody but its author and staff sees it; nothing was counted or announced.
  EXPECT_EQ(events(d).size(), events_before);
  EXPECT_EQ(code(svc_->get_post(anon_, h, 0, 10)), Code::kNotFound);
  EXPECT_EQ(code(svc_->get_post(member_, h, 0, 10)), Code::kNotFound);
  EXPECT_TRUE(svc_->get_post(member_b_, h, 0, 10).ok());
  EXPECT_EQ(get_post(member_, ok_post).at("replies").as_array().size(), 0u);
  EXPECT_EQ(get_post(staff_, ok_post).at("replies").as_array().size(), 1u);
  EXPECT_EQ(get_post(member_, ok_post).at("reply_count").as_int64(), 0);
  auto queue = svc_->held_posts(staff_, d);
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue->at("items").as_array().size(), 1u);
  EXPECT_EQ(queue->at("items").as_array()[0].as_object().at("sensitive_words").as_array()[0].as_string(), "高利贷");
  EXPECT_EQ(code(svc_->held_posts(member_, d)), Code::kForbidden);
  EXPECT_EQ(code(svc_->approve_post(leader_, h)), Code::kForbidden);
  // Approved: out it goes, once.
  ASSERT_TRUE(svc_->approve_post(staff_, h).ok());
  EXPECT_EQ(code(svc_->approve_post(staff_, h)), Code::kConflict);
  EXPECT_EQ(get_post(anon_, h).at("state").as_string(), "visible");
  EXPECT_EQ(get_post(member_, ok_post).at("reply_count").as_int64(), 1);
  EXPECT_EQ(event_types(d).back(), "post.created");
  // Answers are never held: a department's answer with a listed word is refused.
  auto pt = svc_->create_point(staff_, ok_post, bj::object{{"summary", "要点"}, {"department_id", dept_}});
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(code(svc_->answer_point(resp_, pt->at("id").as_int64(), bj::object{{"body", "严查高利贷"}})), Code::kUnprocessable);
  expect_ledger_verifies();
}

TEST_F(DeliberationTest, ErasingAPersonTakesTheirLikes) {
  int64_t d = make_open();
  int64_t p = post(member_, d, bj::object{{"body", "被点赞"}});
  ASSERT_TRUE(svc_->like(member_b_, p, true).ok());
  ASSERT_TRUE(svc_->like(leader_, p, true).ok());
  ASSERT_TRUE(db_->write([&](storage::Conn& c) { return erase_person(c, *ledger_, sys_, member_b_.person_id); }).ok());
  EXPECT_EQ(get_post(leader_, p).at("like_count").as_int64(), 1);
  EXPECT_FALSE(get_post(member_b_, p).at("liked_by_me").as_bool());
  expect_ledger_verifies();
}

TEST_F(DeliberationTest, PointsClaimAnswerAcceptAndAskAgain) {
  int64_t d = make_open();
  int64_t p = post(member_, d, bj::object{{"body", "建议加大财政投入；推进健康扶贫；关爱贫困老人。"}});
  EXPECT_EQ(code(svc_->create_point(member_b_, p, bj::object{{"summary", "别人的"}})), Code::kForbidden);
  EXPECT_EQ(code(svc_->create_point(member_, p, bj::object{{"quote", "原文没有这句"}})), Code::kInvalidArgument);
  EXPECT_EQ(code(svc_->create_point(member_, p, bj::object{{"summary", "x"}, {"department_id", dept_}})), Code::kForbidden);
  auto funding = svc_->create_point(member_, p, bj::object{{"quote", "加大财政投入"}});
  ASSERT_TRUE(funding.ok()) << funding.error().message;
  EXPECT_EQ(funding->at("state").as_string(), "open");
  EXPECT_EQ(funding->at("deadline_at").as_string(), "2029-12-31T16:00:00.000Z");  // from the response phase
  int64_t fp = funding->at("id").as_int64();
  // Staff split and assign in one step.
  auto elderly = svc_->create_point(staff_, p, bj::object{{"summary", "贫困老人"}, {"department_id", dept_}});
  ASSERT_TRUE(elderly.ok());
  EXPECT_EQ(elderly->at("state").as_string(), "claimed");
  EXPECT_EQ(elderly->at("taken_how").as_string(), "assigned");

  // A department claims: only an invited one, only once.
  EXPECT_EQ(code(svc_->claim_point(member_, fp, {})), Code::kForbidden);
  EXPECT_EQ(code(svc_->answer_point(resp2_, fp, bj::object{{"body", "x"}})), Code::kForbidden);
  clock_.advance_ms(1000);
  auto claimed = svc_->claim_point(resp2_, fp, {});
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  EXPECT_EQ(claimed->at("department").as_object().at("id").as_int64(), dept2_);
  EXPECT_EQ(code(svc_->claim_point(resp_, fp, {})), Code::kConflict);
  EXPECT_EQ(code(svc_->answer_point(resp_, fp, bj::object{{"body", "不是我们的"}})), Code::kForbidden);
  EXPECT_EQ(code(svc_->accept_point(member_, fp)), Code::kConflict);  // nothing to accept yet
  clock_.advance_ms(3'600'000);
  auto answered = svc_->answer_point(resp2_, fp, bj::object{{"body", "财政厅将统筹资金。"}});
  ASSERT_TRUE(answered.ok()) << answered.error().message;
  EXPECT_EQ(answered->at("state").as_string(), "answered");
  EXPECT_EQ(answered->at("response_ms").as_int64(), 3'601'000);  // from the point's creation: it was claimed
  auto& ans = answered->at("answers").as_array();
  ASSERT_EQ(ans.size(), 1u);
  EXPECT_EQ(ans[0].as_object().at("mark").as_string(), "department_answer");
  EXPECT_EQ(ans[0].as_object().at("parent_id").as_int64(), p);  // in the thread
  EXPECT_EQ(code(svc_->accept_point(member_b_, fp)), Code::kForbidden);
  // Asked again: back to claimed, with the author's follow-up under the answer.
  auto again = svc_->ask_again(member_, fp, bj::object{{"body", "资金何时到位？"}});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->at("state").as_string(), "claimed");
  EXPECT_EQ(again->at("asked_again").as_int64(), 1);
  EXPECT_EQ(again->at("follow_up").as_string(), "资金何时到位？");
  ASSERT_EQ(again->at("follow_ups").as_array().size(), 1u);
  EXPECT_EQ(again->at("follow_ups").as_array()[0].as_object().at("parent_id").as_int64(),
            ans[0].as_object().at("id").as_int64());
  clock_.advance_ms(1000);
  ASSERT_TRUE(svc_->answer_point(resp2_, fp, bj::object{{"body", "下月到位。"}}).ok());
  auto accepted = svc_->accept_point(member_, fp);
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->at("state").as_string(), "accepted");
  EXPECT_EQ(accepted->at("answers").as_array().size(), 2u);
  EXPECT_EQ(accepted->at("response_ms").as_int64(), 3'601'000);  // the first answer counts
  EXPECT_EQ(code(svc_->answer_point(resp2_, fp, bj::object{{"body", "再说"}})), Code::kConflict);
  // Staff reassign an unanswered point; not an answered one.
  EXPECT_EQ(code(svc_->assign_point(staff_, fp, bj::object{{"department_id", dept_}})), Code::kConflict);
  int64_t ep = elderly->at("id").as_int64();
  ASSERT_TRUE(svc_->assign_point(staff_, ep, bj::object{{"department_id", dept2_}, {"deadline_at", "2029-06-01T00:00:00Z"}}).ok());
  EXPECT_EQ(code(svc_->assign_point(member_, ep, bj::object{{"department_id", dept_}})), Code::kForbidden);

  // The department console and the stats.
  auto todo = svc_->my_points(resp2_, "todo", 0, 50);
  ASSERT_TRUE(todo.ok());
  ASSERT_EQ(todo->at("items").as_array().size(), 1u);  // the reassigned one
  EXPECT_EQ(todo->at("items").as_array()[0].as_object().at("id").as_int64(), ep);
  EXPECT_EQ(svc_->my_points(resp2_, "accepted", 0, 50)->at("items").as_array().size(), 1u);
  EXPECT_EQ(code(svc_->my_points(member_, "todo", 0, 50)), Code::kForbidden);
  auto stats = svc_->response_stats(member_, d);
  ASSERT_TRUE(stats.ok());
  for (auto& s : stats->at("items").as_array()) {
    auto& o = s.as_object();
    if (o.at("department").as_object().at("id").as_int64() == dept2_) {
      EXPECT_EQ(o.at("points_taken").as_int64(), 2);
      EXPECT_EQ(o.at("points_answered").as_int64(), 1);
      EXPECT_EQ(o.at("points_accepted").as_int64(), 1);
      EXPECT_EQ(o.at("answers").as_int64(), 2);
      EXPECT_EQ(o.at("median_response_ms").as_int64(), 3'601'000);
    } else {
      EXPECT_EQ(o.at("points_taken").as_int64(), 0);  // 民政厅 lost its only point
    }
  }
  // The page shows points with their answers under the post.
  auto page = svc_->list_posts(member_b_, d, std::nullopt, false, 0, 50);
  auto& top = page->at("items").as_array()[0].as_object();
  EXPECT_EQ(top.at("id").as_int64(), p);
  EXPECT_EQ(top.at("points").as_array().size(), 2u);
  expect_ledger_verifies();
}

TEST_F(DeliberationTest, SequenceNumbersStayContiguousUnderConcurrentWriters) {
  int64_t d = make_open();
  constexpr int kThreads = 8, kEach = 25;
  std::vector<Caller> writers = {member_, member_b_, leader_, staff_, resp_, resp2_, member_, leader_};
  std::atomic<int> failures{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        if (!svc_->create_post(writers[t], d, bj::object{{"body", "并发" + std::to_string(t) + "-" + std::to_string(i)}}).ok())
          ++failures;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto evs = events(d);
  ASSERT_EQ(evs.size(), static_cast<size_t>(1 + kThreads * kEach));
  for (size_t i = 0; i < evs.size(); ++i) EXPECT_EQ(evs[i].as_object().at("seq").as_int64(), static_cast<int64_t>(i + 1));
  EXPECT_EQ(svc_->live_room(member_, d).value(), static_cast<int64_t>(1 + kThreads * kEach));
  // What the bus carried: every event once, after commit, with its seq and the same payload.
  std::lock_guard lk(mu_);
  ASSERT_EQ(published_.size(), evs.size());
  std::set<int64_t> seqs;
  for (const auto& m : published_) {
    seqs.insert(m.seq);
    EXPECT_EQ(m.room, "deliberation:" + std::to_string(d));
    EXPECT_EQ(bj::parse(m.payload).as_object().at("seq").as_int64(), m.seq);
  }
  EXPECT_EQ(seqs.size(), evs.size());
}

TEST_F(DeliberationTest, EventsCatchUpAfterSeq) {
  int64_t d = make_open();
  for (int i = 0; i < 5; ++i) post(member_, d, bj::object{{"body", "第" + std::to_string(i) + "条"}});
  auto raw = svc_->events(member_, d, 2, 2);
  ASSERT_TRUE(raw.ok());
  auto o = bj::parse(*raw).as_object();
  auto& items = o.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].as_object().at("seq").as_int64(), 3);
  EXPECT_EQ(items[1].as_object().at("seq").as_int64(), 4);
  EXPECT_TRUE(o.at("has_more").as_bool());
  EXPECT_EQ(o.at("last_seq").as_int64(), 6);
  auto last = bj::parse(*svc_->events(member_, d, 4, 100)).as_object();
  EXPECT_EQ(last.at("items").as_array().size(), 2u);
  EXPECT_FALSE(last.at("has_more").as_bool());
  auto& ev = last.at("items").as_array()[1].as_object();
  EXPECT_EQ(ev.at("type").as_string(), "post.created");
  EXPECT_EQ(ev.at("data").as_object().at("body").as_string(), "第4条");
  EXPECT_FALSE(ev.at("data").as_object().at("liked_by_me").as_bool());  // nobody's view in particular
  EXPECT_EQ(code(svc_->events(outsider_, d, 0, 10)), Code::kNotFound);
  EXPECT_EQ(code(svc_->live_room(outsider_, d)), Code::kNotFound);
  EXPECT_EQ(code(svc_->live_room(anon_, d)), Code::kUnauthenticated);
}

TEST_F(DeliberationTest, VisitsCountOncePerVisitorPerDay) {
  int64_t d = make_open(bj::object{{"public_mode", "read"}});
  EXPECT_EQ(svc_->visit(member_, d, "p:1")->at("visits").as_int64(), 1);
  EXPECT_EQ(svc_->visit(member_, d, "p:1")->at("visits").as_int64(), 1);
  EXPECT_EQ(svc_->visit(anon_, d, "v:abc")->at("unique_viewers").as_int64(), 2);
  clock_.advance_ms(86'400'000);
  auto next_day = svc_->visit(member_, d, "p:1");
  EXPECT_EQ(next_day->at("visits").as_int64(), 3);
  EXPECT_EQ(next_day->at("unique_viewers").as_int64(), 2);
  int64_t closed = make_open();
  EXPECT_EQ(code(svc_->visit(outsider_, closed, "p:x")), Code::kNotFound);
}

TEST_F(DeliberationTest, ResolversForSearchAndLive) {
  int64_t open_members = make_open();
  int64_t draft = make();
  int64_t pub = make_open(bj::object{{"public_mode", "read"}});
  auto ids = [&](const Caller& c) { return svc_->readable_ids(c).value(); };
  EXPECT_EQ(ids(member_), (std::vector<int64_t>{open_members, pub}));
  EXPECT_EQ(ids(staff_), (std::vector<int64_t>{open_members, draft, pub}));
  EXPECT_EQ(ids(leader_), (std::vector<int64_t>{open_members, draft, pub}));
  EXPECT_EQ(ids(resp_), (std::vector<int64_t>{open_members, pub}));
  EXPECT_EQ(ids(outsider_), (std::vector<int64_t>{pub}));
  EXPECT_EQ(ids(anon_), (std::vector<int64_t>{pub}));
  EXPECT_EQ(ids(other_staff_), (std::vector<int64_t>{pub}));
  // The list agrees with the resolver.
  auto list = svc_->list(member_, std::nullopt, std::nullopt, 0, 50);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->at("items").as_array().size(), 2u);
  EXPECT_EQ(list->at("items").as_array()[0].as_object().at("id").as_int64(), pub);
  EXPECT_EQ(svc_->list(staff_, std::nullopt, std::string("draft"), 0, 50)->at("items").as_array().size(), 1u);
  // Every deliberation the resolver names can be read, and no other.
  for (const Caller* c : {&member_, &staff_, &resp_, &outsider_, &anon_})
    for (int64_t id : {open_members, draft, pub}) {
      auto v = ids(*c);
      bool listed = std::find(v.begin(), v.end(), id) != v.end();
      EXPECT_EQ(svc_->get(*c, id).ok(), listed) << id;
    }
}

TEST_F(DeliberationTest, ManagedOnlyListsWhatTheCallerManages) {
  int64_t prov_draft = make();
  int64_t prov_open = make_open();
  auto city_d = svc_->create(city_staff_, bj::object{{"org_id", city_}, {"theme", "市级协商"}});
  ASSERT_TRUE(city_d.ok()) << city_d.error().message;
  int64_t city_draft = city_d->at("id").as_int64();
  auto managed = [&](const Caller& c, std::optional<std::string> state = std::nullopt) {
    auto page = svc_->list(c, std::nullopt, state, 0, 50, /*managed_only=*/true);
    EXPECT_TRUE(page.ok());
    std::vector<int64_t> out;
    if (page.ok())
      for (const auto& x : page->at("items").as_array()) out.push_back(x.as_object().at("id").as_int64());
    return out;
  };
  // Staff manage their organisation's and those below it, newest first; city staff only theirs.
  EXPECT_EQ(managed(staff_), (std::vector<int64_t>{city_draft, prov_open, prov_draft}));
  EXPECT_EQ(managed(city_staff_), (std::vector<int64_t>{city_draft}));
  EXPECT_EQ(managed(staff_, std::string("draft")), (std::vector<int64_t>{city_draft, prov_draft}));
  // Leaders read drafts but manage nothing; members, departments and others neither.
  EXPECT_EQ(svc_->list(leader_, std::nullopt, std::nullopt, 0, 50)->at("items").as_array().size(), 3u);
  for (const Caller* c : {&leader_, &member_, &resp_, &outsider_, &other_staff_}) EXPECT_TRUE(managed(*c).empty());
  // Pages walk with the cursor.
  auto first = svc_->list(staff_, std::nullopt, std::nullopt, 0, 2, true);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->at("items").as_array().size(), 2u);
  ASSERT_TRUE(first->at("next_cursor").is_string());
}

TEST_F(DeliberationTest, ContributionsAcrossDeliberations) {
  int64_t a = make_open();
  int64_t b = make_open(bj::object{{"theme", "乡村振兴"}});
  post(member_, a, bj::object{{"body", "一"}});
  int64_t top = post(member_b_, b, bj::object{{"body", "别人的"}});
  post(member_, b, bj::object{{"body", "二"}, {"parent_id", top}});
  auto mine = svc_->my_contributions(member_, 0, 50);
  ASSERT_TRUE(mine.ok());
  auto& items = mine->at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].as_object().at("deliberation").as_object().at("theme").as_string(), "乡村振兴");
  EXPECT_EQ(items[1].as_object().at("body").as_string(), "一");
}

TEST_F(DeliberationTest, PeopleAreToldInTheirInbox) {
  auto kinds = [&](const Caller& c) {
    std::vector<std::string> out;
    auto rows = db_->read_value<storage::Rows>([&](storage::Conn& cn) {
      return cn.query("SELECT kind FROM notifications WHERE person_id = ? AND kind NOT LIKE 'membership.%' ORDER BY id", {c.person_id});
    });
    for (auto& r : *rows) out.push_back(r.str(0));
    return out;
  };
  int64_t d = make_open();
  int64_t p = post(member_, d, bj::object{{"body", "加大财政投入，请 @沈国栋 关注"}});
  EXPECT_EQ(kinds(leader_), std::vector<std::string>{"mention"});
  post(member_b_, d, bj::object{{"body", "赞同"}, {"parent_id", p}});
  EXPECT_EQ(kinds(member_), std::vector<std::string>{"post.replied"});
  // An edit tells only whom it newly mentions.
  ASSERT_TRUE(svc_->edit_post(member_, p, bj::object{{"body", "加大财政投入，请 @沈国栋 @王秀英 关注"}}).ok());
  EXPECT_EQ(kinds(leader_).size(), 1u);
  EXPECT_EQ(kinds(member_b_), std::vector<std::string>{"mention"});
  auto pt = svc_->create_point(staff_, p, bj::object{{"quote", "加大财政投入"}, {"department_id", dept_}});
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(kinds(resp_), std::vector<std::string>{"point.assigned"});
  ASSERT_TRUE(svc_->answer_point(resp_, pt->at("id").as_int64(), bj::object{{"body", "已研究"}}).ok());
  EXPECT_EQ(kinds(member_).back(), "point.answered");
  ASSERT_TRUE(svc_->hide_post(staff_, post(member_b_, d, bj::object{{"body", "离题"}}), "与主题无关").ok());
  EXPECT_EQ(kinds(member_b_).back(), "post.hidden");
}

TEST_F(DeliberationTest, ExportHasEverySheet) {
  int64_t d = make_open();
  int64_t p = post(member_, d, bj::object{{"body", "导出测试"}});
  ASSERT_TRUE(svc_->edit_post(member_, p, bj::object{{"body", "导出测试（改）"}}).ok());
  EXPECT_EQ(code(svc_->export_xlsx(member_, d)), Code::kForbidden);
  auto x = svc_->export_xlsx(leader_, d);
  ASSERT_TRUE(x.ok()) << x.error().message;
  EXPECT_EQ(x->substr(0, 2), "PK");  // a zip container
  EXPECT_GT(x->size(), 4000u);
}

// ---- the page cache for anonymous readers (deliberation_page_cache.h) ----

class DeliberationPageCacheTest : public DeliberationTest {
 protected:
  void SetUp() override {
    DeliberationTest::SetUp();
    Options o{30};
    o.page_cache_bytes = 1 << 20;
    svc_ = std::make_unique<DeliberationService>(*db_, clock_, *ledger_, *bus_, o);
  }
  // What an anonymous reader is sent, checked byte for byte against the page rendered now
  // without the cache: a stale page fails here.
  bj::object page(int64_t d, std::optional<int64_t> subtopic = std::nullopt, int limit = 50) {
    auto sent = svc_->posts_page(anon_, d, subtopic, false, 0, limit);
    EXPECT_TRUE(sent.ok()) << (sent.ok() ? "" : sent.error().message);
    if (!sent.ok()) return {};
    auto fresh = svc_->list_posts(anon_, d, subtopic, false, 0, limit);
    EXPECT_TRUE(fresh.ok());
    EXPECT_EQ((*sent)->body, bj::serialize(*fresh));
    EXPECT_EQ((*sent)->etag, routes::etag_of((*sent)->body));
    return bj::parse((*sent)->body).as_object();
  }
  static const bj::object& item(const bj::object& page, int64_t post_id) {
    for (const auto& it : page.at("items").as_array())
      if (it.as_object().at("id").as_int64() == post_id) return it.as_object();
    ADD_FAILURE() << "post " << post_id << " not on the page";
    static const bj::object none;
    return none;
  }
  uint64_t hits() const { return svc_->page_cache_stats().hits; }
  // Reads the page twice more: the first may render it, the second must come from the cache.
  void expect_cached(int64_t d) {
    page(d);
    uint64_t h = hits();
    page(d);
    EXPECT_EQ(hits(), h + 1) << "the unchanged page was not served from the cache";
  }

  Caller anon_;
};

TEST_F(DeliberationPageCacheTest, EveryChangeToThePageIsSeenAtOnce) {
  int64_t d = make_open(bj::object{{"public_mode", "read"}});
  int64_t p = post(member_, d, bj::object{{"title", "标题"}, {"body", "第一版"}});
  expect_cached(d);
  EXPECT_EQ(svc_->page_cache_stats().entries, 1u);

  ASSERT_TRUE(svc_->like(member_b_, p, true).ok());
  EXPECT_EQ(item(page(d), p).at("like_count").as_int64(), 1);
  expect_cached(d);
  ASSERT_TRUE(svc_->like(member_b_, p, false).ok());
  EXPECT_EQ(item(page(d), p).at("like_count").as_int64(), 0);

  ASSERT_TRUE(svc_->edit_post(member_, p, bj::object{{"body", "第二版"}}).ok());
  EXPECT_EQ(item(page(d), p).at("body").as_string(), "第二版");
  EXPECT_TRUE(item(page(d), p).at("edited").as_bool());
  expect_cached(d);

  post(member_b_, d, bj::object{{"parent_id", p}, {"body", "赞同"}});
  EXPECT_EQ(item(page(d), p).at("reply_count").as_int64(), 1);
  int64_t q = post(member_b_, d, bj::object{{"body", "新发言"}});
  EXPECT_EQ(page(d).at("items").as_array().size(), 2u);
  expect_cached(d);

  auto pt = svc_->create_point(staff_, p, bj::object{{"summary", "要点"}, {"department_id", dept_}});
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(item(page(d), p).at("points").as_array().size(), 1u);
  expect_cached(d);
  ASSERT_TRUE(svc_->answer_point(resp_, pt->at("id").as_int64(), bj::object{{"body", "已研究，年内出台办法"}}).ok());
  {
    auto pts = item(page(d), p).at("points").as_array();
    ASSERT_EQ(pts.size(), 1u);
    EXPECT_EQ(pts[0].as_object().at("state").as_string(), "answered");
    EXPECT_EQ(pts[0].as_object().at("answers").as_array().size(), 1u);
  }
  expect_cached(d);

  ASSERT_TRUE(svc_->hide_post(staff_, q, "与主题无关").ok());
  EXPECT_EQ(item(page(d), q).at("state").as_string(), "hidden");
  EXPECT_EQ(item(page(d), q).at("body").as_string(), "");
  expect_cached(d);
  ASSERT_TRUE(svc_->restore_post(staff_, q).ok());
  EXPECT_EQ(item(page(d), q).at("body").as_string(), "新发言");
  ASSERT_TRUE(svc_->remove_post(staff_, q, "违规").ok());
  EXPECT_EQ(item(page(d), q).at("state").as_string(), "removed");

  // Sub-topic pages and other sizes are pages of their own.
  page(d, std::nullopt, 1);
  uint64_t h = hits();
  EXPECT_EQ(page(d, std::nullopt, 1).at("items").as_array().size(), 1u);
  EXPECT_EQ(hits(), h + 1);

  // A closed deliberation stays readable; the state change is an event like any other.
  ASSERT_TRUE(svc_->set_state(staff_, d, "closed").ok());
  expect_cached(d);
  ASSERT_TRUE(svc_->update(staff_, d, bj::object{{"public_mode", "closed"}}).ok());
  EXPECT_EQ(code(svc_->posts_page(anon_, d, std::nullopt, false, 0, 50)), Code::kUnauthenticated);
}

TEST_F(DeliberationPageCacheTest, NamesChangedElsewhereAreSeenAtOnce) {
  int64_t d = make_open(bj::object{{"public_mode", "comment"}});
  int64_t p = post(member_, d, bj::object{{"body", "建议"}});
  auto pt = svc_->create_point(staff_, p, bj::object{{"summary", "要点"}, {"department_id", dept_}});
  ASSERT_TRUE(pt.ok());
  ASSERT_TRUE(svc_->answer_point(resp_, pt->at("id").as_int64(), bj::object{{"body", "已研究"}}).ok());
  expect_cached(d);

  // The author renames themselves; an administrator renames them.
  ASSERT_TRUE(accounts_->update_me(member_, bj::object{{"display_name", "陈志远甲"}}).ok());
  EXPECT_EQ(item(page(d), p).at("author").as_object().at("display_name").as_string(), "陈志远甲");
  expect_cached(d);
  ASSERT_TRUE(orgs_->update_person(sys_, member_.person_id, bj::object{{"display_name", "陈志远乙"}}).ok());
  EXPECT_EQ(item(page(d), p).at("author").as_object().at("display_name").as_string(), "陈志远乙");
  expect_cached(d);

  // The department is renamed: its name on the point and on its answer.
  ASSERT_TRUE(orgs_->update_org(sys_, dept_, bj::object{{"name", "江南省民政厅（新）"}}, std::nullopt).ok());
  {
    bj::object pg = page(d);
    const auto& pts = item(pg, p).at("points").as_array();
    ASSERT_EQ(pts.size(), 1u);
    EXPECT_EQ(pts[0].as_object().at("department").as_object().at("name").as_string(), "江南省民政厅（新）");
  }
  expect_cached(d);
  // The host becomes a people's congress: the member's label changes with the organisation's kind.
  std::string label(item(page(d), p).at("author").as_object().at("role_label").as_string());
  ASSERT_TRUE(orgs_->update_org(sys_, prov_, bj::object{{"kind", "congress"}}, std::nullopt).ok());
  EXPECT_NE(item(page(d), p).at("author").as_object().at("role_label").as_string(), label);
  expect_cached(d);

  // A person's erasure: their likes go (no event in the deliberation) and their name.
  ASSERT_TRUE(svc_->like(member_b_, p, true).ok());
  EXPECT_EQ(item(page(d), p).at("like_count").as_int64(), 1);
  expect_cached(d);
  ASSERT_TRUE(db_->write([&](storage::Conn& c) { return erase_person(c, *ledger_, sys_, member_b_.person_id); }).ok());
  EXPECT_EQ(item(page(d), p).at("like_count").as_int64(), 0);
  expect_cached(d);
  ASSERT_TRUE(db_->write([&](storage::Conn& c) -> Status {
                   SL_TRY(accounts_->erase_person(c, sys_, member_.person_id));
                   return Ok();
                 }).ok());
  EXPECT_EQ(item(page(d), p).at("author").as_object().at("display_name").as_string(), "（已注销）");
}

TEST_F(DeliberationPageCacheTest, SignedInReadersGetTheirOwnPage) {
  int64_t d = make_open(bj::object{{"public_mode", "read"}});
  int64_t p = post(member_, d, bj::object{{"body", "建议"}});
  ASSERT_TRUE(svc_->like(member_b_, p, true).ok());
  expect_cached(d);
  auto before = svc_->page_cache_stats();
  auto mine = svc_->posts_page(member_b_, d, std::nullopt, false, 0, 50);
  ASSERT_TRUE(mine.ok());
  auto mine_json = bj::parse((*mine)->body).as_object();
  EXPECT_TRUE(item(mine_json, p).at("liked_by_me").as_bool());
  auto fresh = svc_->list_posts(member_b_, d, std::nullopt, false, 0, 50);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ((*mine)->body, bj::serialize(*fresh));
  auto after = svc_->page_cache_stats();
  EXPECT_EQ(after.hits, before.hits);
  EXPECT_EQ(after.misses, before.misses);
  EXPECT_FALSE(item(page(d), p).at("liked_by_me").as_bool());
  // A hidden post shows its content to its author and moderators, never to the public.
  ASSERT_TRUE(svc_->hide_post(staff_, p, "请修改").ok());
  EXPECT_EQ(item(page(d), p).at("body").as_string(), "");
  auto own = svc_->posts_page(member_, d, std::nullopt, false, 0, 50);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(item(bj::parse((*own)->body).as_object(), p).at("body").as_string(), "建议");
  EXPECT_EQ(item(page(d), p).at("body").as_string(), "");
  // Not readable anonymously: 401, and nothing cached.
  int64_t closed = make_open(bj::object{{"public_mode", "closed"}});
  EXPECT_EQ(code(svc_->posts_page(anon_, closed, std::nullopt, false, 0, 50)), Code::kUnauthenticated);
  EXPECT_EQ(code(svc_->posts_page(anon_, 9999, std::nullopt, false, 0, 50)), Code::kNotFound);
}

// Readers racing writers: whatever a reader is sent carries its own last_seq, and every page
// sent with the same last_seq is the same bytes; after the writers stop, the page is the fresh one.
TEST_F(DeliberationPageCacheTest, ConcurrentReadersNeverSeeAPageOlderThanItsSeq) {
  int64_t d = make_open(bj::object{{"public_mode", "read"}});
  std::vector<int64_t> posts;
  for (int i = 0; i < 5; ++i) posts.push_back(post(member_, d, bj::object{{"body", "发言 " + std::to_string(i)}}));
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<int64_t, std::string> by_seq;
  int mismatches = 0, reads = 0;
  auto reader = [&] {
    while (!stop.load()) {
      auto r = svc_->posts_page(anon_, d, std::nullopt, false, 0, 50);
      if (!r.ok()) continue;
      int64_t seq = bj::parse((*r)->body).as_object().at("last_seq").as_int64();
      std::lock_guard lk(mu);
      reads++;
      auto [it, fresh] = by_seq.try_emplace(seq, (*r)->body);
      if (!fresh && it->second != (*r)->body) mismatches++;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back(reader);
  std::vector<Caller> likers{member_b_, leader_, staff_, member_};
  int failed_likes = 0;
  for (int round = 0; round < 4; ++round)
    for (const auto& who : likers)
      for (int64_t p : posts)
        if (!svc_->like(who, p, round % 2 == 0).ok()) failed_likes++;
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failed_likes, 0);
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(reads, 0);
  // Each sequence number's page is the page rendered at that point: check the last one.
  bj::object last = page(d);
  for (const auto& it : last.at("items").as_array()) EXPECT_EQ(it.as_object().at("like_count").as_int64(), 0);
}

TEST(DeliberationPageCache, KeepsOnlyTheNewestStateOfADeliberationWithinItsBytes) {
  detail::PageCache cache(1000);
  auto pg = [](size_t n) {
    auto p = std::make_shared<RenderedPage>();
    p->body.assign(n, 'x');
    return std::shared_ptr<const RenderedPage>(p);
  };
  detail::PageKey a{1, 10, 0, -1, false, 0, 50};
  detail::PageKey a_next = a;
  a_next.seq = 11;
  detail::PageKey b{2, 3, 0, -1, false, 0, 50};
  cache.put(a, pg(100));
  cache.put(b, pg(100));
  EXPECT_NE(cache.get(a), nullptr);
  cache.put(a_next, pg(100));  // deliberation 1 moved on: its older page goes
  EXPECT_EQ(cache.get(a), nullptr);
  EXPECT_NE(cache.get(a_next), nullptr);
  cache.put(a, pg(100));  // an older snapshot's page is not kept
  EXPECT_EQ(cache.get(a), nullptr);
  detail::PageKey b_dir = b;
  b_dir.directory = 1;  // names changed: the directory version moves every page on
  cache.put(b_dir, pg(100));
  EXPECT_EQ(cache.get(b), nullptr);
  EXPECT_EQ(cache.stats().entries, 2u);
  EXPECT_EQ(cache.stats().bytes, 200u);
  // Beyond its bytes, the least recently used go; a page larger than all of it is not kept.
  detail::PageKey c{3, 1, 1, -1, false, 0, 50};
  EXPECT_NE(cache.get(a_next), nullptr);  // a_next is now the most recently used
  cache.put(c, pg(850));
  EXPECT_EQ(cache.get(b_dir), nullptr);
  EXPECT_NE(cache.get(a_next), nullptr);
  EXPECT_NE(cache.get(c), nullptr);
  detail::PageKey huge{4, 1, 1, -1, false, 0, 50};
  cache.put(huge, pg(2000));
  EXPECT_EQ(cache.get(huge), nullptr);
  EXPECT_LE(cache.stats().bytes, 1000u);
}

}  // namespace
}  // namespace sl::deliberation
