#include "modules/topics/topics.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "modules/common/test_fixture.h"
#include "modules/deliberation/deliberation_store.h"
#include "modules/ledger/ledger_audit.h"
#include "modules/orgs/orgs.h"
#include "modules/orgs/orgs_store.h"
#include "modules/topics/topics_similarity.h"
#include "modules/topics/topics_store.h"

namespace sl::topics {
namespace {

namespace bj = boost::json;

// ---- similarity ------------------------------------------------------------------------------

TEST(TopicsSimilarity, TraditionalAndSimplifiedAreTheSameText) {
  const char* simp = "村口路灯坏了，晚上出行很不安全，希望尽快修好。";
  const char* trad = "村口路燈壞了，晚上出行很不安全，希望盡快修好。";
  EXPECT_DOUBLE_EQ(jaccard(simp, trad), 1.0);
  EXPECT_DOUBLE_EQ(similarity(minhash(simp), minhash(trad)), 1.0);
  // Full-width letters and punctuation fold away too.
  EXPECT_DOUBLE_EQ(similarity(minhash("ＷｉＦｉ信号差！"), minhash("wifi信号差")), 1.0);
}

TEST(TopicsSimilarity, NearDuplicatesAreFoundAndUnrelatedAreNot) {
  const std::string a = "村口路灯坏了很久\n村口的路灯坏了一个多月，晚上老人出门看不清路，希望村里尽快维修。";
  const std::string b = "村口路燈壞了\n村口的路燈壞了快兩個月，晚上出門看不清路，老人很不方便，請盡快維修。";  // 繁體, reworded
  const std::string c = "建议增加公交班次\n镇上到县城的公交车每天只有三班，上学和看病都不方便，建议增加班次。";
  const std::string d = "村口路灯坏了很久\n村口的路灯坏了一个多月，晚上老人出门看不清路，希望村里尽快维修，谢谢。";
  double ab = similarity(minhash(a), minhash(b));
  double ac = similarity(minhash(a), minhash(c));
  double ad = similarity(minhash(a), minhash(d));
  EXPECT_GE(ab, kSimilarThreshold) << "reworded in 繁體: " << ab << " (exact " << jaccard(a, b) << ")";
  EXPECT_GE(ad, kDuplicateThreshold) << "the same with a word added: " << ad;
  EXPECT_LT(ac, 0.1) << "unrelated: " << ac;
  // The estimate stays near the exact Jaccard similarity.
  EXPECT_NEAR(ab, jaccard(a, b), 0.15);
  EXPECT_NEAR(ad, jaccard(a, d), 0.15);
}

TEST(TopicsSimilarity, EmptyTextIsSimilarToNothingAndSignaturesRoundTrip) {
  EXPECT_EQ(similarity(minhash(""), minhash("")), 0);
  EXPECT_EQ(similarity(minhash("，。！"), minhash("路灯")), 0);
  EXPECT_EQ(shingles("灯").size(), 1u);
  Signature s = minhash("修缮村里的文化礼堂");
  auto back = decode(encode(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
  EXPECT_FALSE(decode("xyz"));
  EXPECT_FALSE(decode(std::string(kMinHashSize * 8, 'g')));
}

// ---- the service -------------------------------------------------------------------------------

class TopicsTest : public testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    accounts_ = std::make_unique<accounts::AccountsService>(*db_, clock_, random_, sms_, *ledger_, auth_);
    orgs_ = std::make_unique<orgs::OrgsService>(*db_, clock_, *accounts_, *ledger_);
    bus_ = pubsub::make_local_bus();
    delibs_ = std::make_unique<deliberation::DeliberationService>(*db_, clock_, *ledger_, *bus_, deliberation::Options{30});
    svc_ = std::make_unique<TopicsService>(*db_, clock_, *ledger_, *delibs_);
    county_ = org(std::nullopt, "东湖区政协", "county", "cppcc");
    village_ = org(county_, "桃源村议事会", "village", "council");
    dept_ = org(county_, "东湖区交通运输局", "county", "department");
    sector_ = sector(county_, "农业界");
    staff_ = person(county_, "staff", "周晓云");
    leader_ = person(county_, "leader", "沈国栋");
    member_ = person(county_, "member", "陈志远", sector_);
    member2_ = person(county_, "member", "王秀英");
    villager_ = person(village_, "member", "何桂兰");
    villager2_ = person(village_, "member", "李建国");
    resp_ = person(dept_, "responder", "交通局联络员");
    outsider_ = lone_person("公众甲");
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

  int64_t call(bj::object extra = {}) {
    bj::object body{{"org_id", county_}, {"theme", "2027年度协商议题征集"}, {"description", "请围绕民生提出议题"}};
    for (auto& [k, v] : extra) body[k] = v;
    auto k = svc_->create_call(staff_, body);
    EXPECT_TRUE(k.ok()) << (k.ok() ? "" : k.error().message);
    return k.ok() ? k->at("id").as_int64() : 0;
  }
  Result<bj::object> submit(const Caller& who, bj::object body) { return svc_->submit(who, body); }
  int64_t topic(const Caller& who, int64_t call_id, const char* title, const char* text, const char* area = "") {
    auto t = submit(who, bj::object{{"call_id", call_id}, {"title", title}, {"body", text}, {"area", area}, {"category", "livelihood"}});
    EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
    return t.ok() ? t->at("id").as_int64() : 0;
  }
  std::string state_of(int64_t id) {
    auto t = svc_->get(sys_, id);
    EXPECT_TRUE(t.ok());
    return t.ok() ? std::string(t->at("state").as_string()) : "";
  }
  int64_t inbox_count(const Caller& who, const std::string& kind) {
    return db_->read_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
                SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM notifications WHERE person_id = ? AND kind = ?",
                                              {who.person_id, kind}));
                return r->i64(0);
              })
        .value();
  }
  void expect_ledger_verifies() {
    ASSERT_TRUE(ledger_->checkpoint_now().ok());
    auto key = ledger::parse_vkey(ledger_->verifier_key());
    ASSERT_TRUE(key.ok());
    auto rep = ledger::audit(*db_, *key, [](storage::Conn& c, std::string_view type, int64_t id)
                                             -> Result<std::optional<ledger::RecordState>> {
      if (type == "person") return accounts::person_ledger_state(c, id);
      if (store::is_ledger_type(type)) return store::ledger_state(c, type, id);
      if (deliberation::store::is_ledger_type(type)) return deliberation::store::ledger_state(c, type, id);
      return orgs::store::ledger_state(c, type, id);
    });
    ASSERT_TRUE(rep.ok()) << rep.error().message;
    EXPECT_TRUE(rep->ok()) << rep->problem;
  }

  Caller sys_ = Caller::system();
  int n_ = 0;
  std::unique_ptr<accounts::AccountsService> accounts_;
  std::unique_ptr<orgs::OrgsService> orgs_;
  std::unique_ptr<pubsub::Bus> bus_;
  std::unique_ptr<deliberation::DeliberationService> delibs_;
  std::unique_ptr<TopicsService> svc_;
  int64_t county_ = 0, village_ = 0, dept_ = 0, sector_ = 0;
  Caller staff_, leader_, member_, member2_, villager_, villager2_, resp_, outsider_;
};

TEST_F(TopicsTest, WhoMaySubmitFollowsTheCallsAudience) {
  int64_t members = call();
  EXPECT_TRUE(submit(member_, bj::object{{"call_id", members}, {"title", "议题"}}).ok());
  auto r = submit(outsider_, bj::object{{"call_id", members}, {"title", "议题"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kNotFound);  // a members-only call is not revealed
  r = submit(resp_, bj::object{{"call_id", members}, {"title", "议题"}});
  EXPECT_FALSE(r.ok());

  int64_t sectors = call(bj::object{{"audience", bj::object{{"members", false}, {"sector_ids", bj::array{sector_}},
                                                            {"department_ids", bj::array{dept_}}}}});
  EXPECT_TRUE(submit(member_, bj::object{{"call_id", sectors}, {"title", "农业界议题"}}).ok());
  EXPECT_TRUE(submit(resp_, bj::object{{"call_id", sectors}, {"title", "部门议题"}}).ok());
  r = submit(member2_, bj::object{{"call_id", sectors}, {"title", "议题"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kNotFound);

  int64_t pub = call(bj::object{{"audience", bj::object{{"public", true}}}});
  EXPECT_TRUE(submit(outsider_, bj::object{{"call_id", pub}, {"title", "公众议题"}}).ok());
  EXPECT_FALSE(submit(Caller{}, bj::object{{"call_id", pub}, {"title", "匿名"}}).ok());

  // A period: not before it opens, not after it closes.
  int64_t later = call(bj::object{{"opens_at", format_iso8601(clock_.now_ms() + 86'400'000)}});
  r = submit(member_, bj::object{{"call_id", later}, {"title", "早了"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().slug, "call_closed");
  ASSERT_TRUE(svc_->update_call(staff_, later, bj::object{{"opens_at", nullptr}, {"state", "closed"}}).ok());
  EXPECT_FALSE(submit(member_, bj::object{{"call_id", later}, {"title", "关了"}}).ok());
  // Only staff manage calls.
  EXPECT_FALSE(svc_->create_call(member_, bj::object{{"org_id", county_}, {"theme", "x"}}).ok());
  EXPECT_FALSE(svc_->create_call(staff_, bj::object{{"org_id", county_}, {"theme", "x"}, {"audience", bj::object{{"members", false}}}}).ok());
  expect_ledger_verifies();
}

TEST_F(TopicsTest, TheBoxIsMadeOnFirstUseAndAlwaysOpen) {
  auto t = submit(villager_, bj::object{{"org_id", village_}, {"title", "修缮文化礼堂"}, {"body", "礼堂屋顶漏雨"}, {"area", "一组"}});
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->at("call").as_object().at("kind").as_string(), "box");
  auto t2 = submit(villager2_, bj::object{{"org_id", village_}, {"title", "增设垃圾分类点"}});
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(t2->at("call").as_object().at("id"), t->at("call").as_object().at("id"));
  // Not a member of the village: no box for them.
  EXPECT_FALSE(submit(member_, bj::object{{"org_id", village_}, {"title", "外人"}}).ok());
  auto dup = svc_->create_call(staff_, bj::object{{"org_id", village_}, {"kind", "box"}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().slug, "box_exists");
  auto bad = submit(villager_, bj::object{{"org_id", village_}, {"title", "x"}, {"category", "nonsense"}});
  EXPECT_FALSE(bad.ok());
}

TEST_F(TopicsTest, ScreeningMovesThroughItsStates) {
  int64_t k = call();
  int64_t a = topic(member_, k, "改善农村公路", "路面坑洼");
  EXPECT_EQ(state_of(a), "pending");
  // Members do not screen; a reason is needed to decline or ask.
  EXPECT_EQ(svc_->screen(member2_, a, bj::object{{"action", "accept"}}).error().code, Code::kForbidden);
  EXPECT_EQ(svc_->screen(staff_, a, bj::object{{"action", "decline"}}).error().slug, "missing_reason");
  // Ask for detail; the author edits; it is pending again.
  ASSERT_TRUE(svc_->screen(staff_, a, bj::object{{"action", "needs_detail"}, {"reason", "请说明是哪一段路"}}).ok());
  EXPECT_EQ(state_of(a), "needs_detail");
  EXPECT_EQ(inbox_count(member_, "topic.needs_detail"), 1);
  auto mine = svc_->get(member_, a);
  EXPECT_EQ(mine->at("screening_note").as_string(), "请说明是哪一段路");
  EXPECT_TRUE(mine->at("my").as_object().at("may_edit").as_bool());
  EXPECT_TRUE(svc_->get(member2_, a)->at("screening_note").is_null());
  EXPECT_FALSE(svc_->edit(member2_, a, bj::object{{"body", "别人改"}}).ok());
  ASSERT_TRUE(svc_->edit(member_, a, bj::object{{"body", "桃源村至镇上的X012县道，约3公里路面坑洼"}}).ok());
  EXPECT_EQ(state_of(a), "pending");
  // Accept, then decline before it became a deliberation; declined is final.
  ASSERT_TRUE(svc_->screen(staff_, a, bj::object{{"action", "accept"}}).ok());
  EXPECT_EQ(svc_->screen(staff_, a, bj::object{{"action", "accept"}}).error().slug, "invalid_transition");
  EXPECT_EQ(svc_->edit(member_, a, bj::object{{"body", "再改"}}).error().slug, "topic_not_editable");
  ASSERT_TRUE(svc_->screen(staff_, a, bj::object{{"action", "decline"}, {"reason", "已列入明年计划"}}).ok());
  EXPECT_EQ(state_of(a), "declined");
  EXPECT_EQ(inbox_count(member_, "topic.declined"), 1);
  EXPECT_EQ(svc_->screen(staff_, a, bj::object{{"action", "accept"}}).error().slug, "invalid_transition");
  // A declined topic is seen by its submitter and the screeners, not by other members.
  EXPECT_TRUE(svc_->get(member_, a).ok());
  EXPECT_TRUE(svc_->get(leader_, a).ok());
  EXPECT_EQ(svc_->get(member2_, a).error().code, Code::kNotFound);
  EXPECT_EQ(svc_->get(member_, a)->at("screening_note").as_string(), "已列入明年计划");
  expect_ledger_verifies();
}

TEST_F(TopicsTest, SupportOncePerPersonAndUndo) {
  int64_t k = call();
  int64_t a = topic(member_, k, "增加公交班次", "镇上到县城公交太少");
  auto s = svc_->support(member2_, a, true);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->at("supports").as_int64(), 1);
  EXPECT_EQ(svc_->support(member2_, a, true)->at("supports").as_int64(), 1);  // twice counts once
  EXPECT_EQ(svc_->support(member_, a, true).error().slug, "own_topic");
  EXPECT_FALSE(svc_->support(outsider_, a, true).ok());
  EXPECT_TRUE(svc_->get(member2_, a)->at("supported_by_me").as_bool());
  EXPECT_EQ(svc_->support(member2_, a, false)->at("supports").as_int64(), 0);
  EXPECT_EQ(svc_->support(member2_, a, false)->at("supports").as_int64(), 0);
  EXPECT_EQ(svc_->support(staff_, a, true)->at("supports").as_int64(), 1);
  expect_ledger_verifies();
}

TEST_F(TopicsTest, SimilarTopicsWhileTypingAndMergeCarriesPeopleOver) {
  int64_t k = call();
  int64_t a = topic(member_, k, "村口路灯坏了很久", "村口的路灯坏了一个多月，晚上老人出门看不清路，希望尽快维修。", "桃源村");
  int64_t other = topic(member2_, k, "建议增加公交班次", "镇上到县城的公交车每天只有三班，上学看病都不方便。", "镇区");
  // While typing (in 繁體), the earlier one shows up; the unrelated one does not.
  auto sim = svc_->similar_to_draft(villager_, bj::object{{"call_id", k}, {"title", "村口路燈壞了"}, {"body", "村口路燈壞了兩個月，晚上出門看不清路"}});
  ASSERT_FALSE(sim.ok());  // the villager may not read this members' call
  sim = svc_->similar_to_draft(leader_, bj::object{{"call_id", k}, {"title", "村口路燈壞了"}, {"body", "村口的路燈壞了兩個月，晚上出門看不清路，請盡快維修"}});
  ASSERT_TRUE(sim.ok()) << sim.error().message;
  auto& items = sim->at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].as_object().at("id").as_int64(), a);

  int64_t b = topic(leader_, k, "村口路燈壞了", "村口的路燈壞了兩個月，晚上出門看不清路，請盡快維修");
  ASSERT_TRUE(svc_->support(member2_, a, true).ok());
  ASSERT_TRUE(svc_->support(member2_, b, true).ok());  // supports both: counts once after the merge
  ASSERT_TRUE(svc_->support(staff_, b, true).ok());
  ASSERT_TRUE(svc_->support(leader_, a, true).ok());    // the author of b supports a: becomes a submitter
  auto cands = svc_->similar_to(staff_, a);
  ASSERT_TRUE(cands.ok());
  ASSERT_GE(cands->at("items").as_array().size(), 1u);
  EXPECT_EQ(cands->at("items").as_array()[0].as_object().at("id").as_int64(), b);
  for (auto& x : cands->at("items").as_array()) EXPECT_NE(x.as_object().at("id").as_int64(), other);

  EXPECT_EQ(svc_->merge(member_, a, bj::object{{"source_ids", bj::array{b}}}).error().code, Code::kForbidden);
  EXPECT_EQ(svc_->merge(staff_, a, bj::object{{"source_ids", bj::array{a}}}).error().slug, "merge_into_itself");
  auto m = svc_->merge(staff_, a, bj::object{{"source_ids", bj::array{b}}});
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->at("counts").as_object().at("submitters").as_int64(), 2);
  EXPECT_EQ(m->at("counts").as_object().at("supports").as_int64(), 2);  // member2 once, staff
  auto merged = svc_->get(leader_, b);
  EXPECT_EQ(merged->at("state").as_string(), "merged");
  EXPECT_EQ(merged->at("merged_into").as_int64(), a);
  EXPECT_EQ(merged->at("counts").as_object().at("supports").as_int64(), 0);
  EXPECT_EQ(inbox_count(leader_, "topic.merged"), 1);
  EXPECT_EQ(svc_->support(member_, b, true).error().slug, "topic_closed");
  EXPECT_EQ(svc_->support(villager_, a, true).error().code, Code::kNotFound);
  EXPECT_EQ(svc_->screen(staff_, b, bj::object{{"action", "accept"}}).error().slug, "invalid_transition");
  EXPECT_EQ(svc_->merge(staff_, a, bj::object{{"source_ids", bj::array{b}}}).error().slug, "invalid_transition");
  // The leader is now a submitter of a (and no longer a supporter).
  auto as_leader = svc_->get(leader_, a);
  EXPECT_TRUE(as_leader->at("my").as_object().at("submitter").as_bool());
  EXPECT_FALSE(as_leader->at("my").as_object().at("supported").as_bool());
  // Merged topics leave the draft similarity.
  sim = svc_->similar_to_draft(leader_, bj::object{{"call_id", k}, {"title", "村口路燈壞了"}, {"body", "村口的路燈壞了兩個月"}});
  for (auto& x : sim->at("items").as_array()) EXPECT_NE(x.as_object().at("id").as_int64(), b);
  expect_ledger_verifies();
}

TEST_F(TopicsTest, AnAcceptedTopicBecomesADeliberationAndItsPeopleAreTold) {
  int64_t k = call();
  int64_t a = topic(member_, k, "加强农村养老服务", "村里老人多，子女外出务工，建议建设村级幸福院。", "桃源村");
  ASSERT_TRUE(svc_->support(member2_, a, true).ok());
  EXPECT_EQ(svc_->to_deliberation(member2_, a, {}).error().code, Code::kForbidden);
  auto r = svc_->to_deliberation(staff_, a, bj::object{{"open", true}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  int64_t d = r->at("deliberation").as_object().at("id").as_int64();
  auto& t = r->at("topic").as_object();
  EXPECT_EQ(t.at("state").as_string(), "accepted");
  EXPECT_EQ(t.at("deliberation_id").as_int64(), d);
  auto delib = delibs_->get(staff_, d);
  ASSERT_TRUE(delib.ok());
  EXPECT_EQ(delib->at("theme").as_string(), "加强农村养老服务");
  EXPECT_EQ(delib->at("state").as_string(), "open");
  std::string desc(delib->at("description").as_string());
  EXPECT_NE(desc.find("建议建设村级幸福院"), std::string::npos);
  EXPECT_NE(desc.find("(/topics/" + std::to_string(a) + ")"), std::string::npos);
  EXPECT_EQ(inbox_count(member_, "topic.deliberation"), 1);
  EXPECT_EQ(inbox_count(member2_, "topic.deliberation"), 1);
  EXPECT_EQ(svc_->to_deliberation(staff_, a, {}).error().slug, "already_deliberated");
  EXPECT_EQ(svc_->screen(staff_, a, bj::object{{"action", "decline"}, {"reason", "x"}}).error().slug, "invalid_transition");
  expect_ledger_verifies();
}

TEST_F(TopicsTest, HotSpotsRankRecentRaisesAndSupportsHigher) {
  int64_t k = call();
  const TimeMs day = 86'400'000;
  // Old: raised 20 days ago with three supports then. New: raised a day ago with one support.
  int64_t old_topic = topic(member_, k, "修缮村道", "村道破损", "一组");
  ASSERT_TRUE(svc_->support(member2_, old_topic, true).ok());
  ASSERT_TRUE(svc_->support(staff_, old_topic, true).ok());
  ASSERT_TRUE(svc_->support(leader_, old_topic, true).ok());
  clock_.advance_ms(19 * day);
  int64_t new_topic = topic(member2_, k, "治理河道污染", "河水发黑", "二组");
  ASSERT_TRUE(svc_->support(member_, new_topic, true).ok());
  clock_.advance_ms(day);
  HotspotQuery q;
  q.org_id = county_;
  auto h = svc_->hotspots(staff_, q);
  ASSERT_TRUE(h.ok()) << h.error().message;
  auto& items = h->at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  // old: (3 + 3) · 2^(-20/7) ≈ 0.83; new: (3 + 1) · 2^(-1/7) ≈ 3.62.
  EXPECT_EQ(items[0].as_object().at("topic").as_object().at("id").as_int64(), new_topic);
  EXPECT_NEAR(items[0].as_object().at("score").to_number<double>(), 4 * std::exp2(-1.0 / 7), 0.01);
  EXPECT_NEAR(items[1].as_object().at("score").to_number<double>(), 6 * std::exp2(-20.0 / 7), 0.01);
  EXPECT_EQ(items[1].as_object().at("supported").as_int64(), 3);
  // Without decay to speak of, the old one's count wins.
  q.half_life_days = 365;
  h = svc_->hotspots(staff_, q);
  EXPECT_EQ(h->at("items").as_array()[0].as_object().at("topic").as_object().at("id").as_int64(), old_topic);
  // The areas sum their topics; a period that leaves the old one out.
  EXPECT_EQ(h->at("areas").as_array().size(), 2u);
  q.from = clock_.now_ms() - 5 * day;
  h = svc_->hotspots(staff_, q);
  ASSERT_EQ(h->at("items").as_array().size(), 1u);
  EXPECT_EQ(h->at("series").as_array().size(), 6u);
  // Outsiders see nothing of a members' call.
  q.from.reset();
  h = svc_->hotspots(outsider_, q);
  EXPECT_EQ(h->at("items").as_array().size(), 0u);
  q.half_life_days = 0;
  EXPECT_FALSE(svc_->hotspots(staff_, q).ok());
}

TEST_F(TopicsTest, ListAndSearchFindTopicsInBothScripts) {
  int64_t k = call();
  int64_t a = topic(member_, k, "村口路燈壞了", "晚上出門看不清路");
  topic(member2_, k, "增加公交班次", "公交太少");
  TopicFilter f;
  f.q = "路灯";
  auto r = svc_->list(member2_, f, 0, 20);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->at("items").as_array().size(), 1u);
  EXPECT_EQ(r->at("items").as_array()[0].as_object().at("id").as_int64(), a);
  EXPECT_NE(std::string(r->at("items").as_array()[0].as_object().at("title_html").as_string()).find("<mark>"), std::string::npos);
  // Not readable by an outsider.
  r = svc_->list(outsider_, f, 0, 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("items").as_array().size(), 0u);
  TopicFilter all;
  r = svc_->list(member2_, all, 0, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("items").as_array().size(), 1u);
  EXPECT_FALSE(r->at("next_cursor").is_null());
  TopicFilter mine;
  mine.mine = true;
  r = svc_->list(member_, mine, 0, 20);
  ASSERT_EQ(r->at("items").as_array().size(), 1u);
}

}  // namespace
}  // namespace sl::topics
