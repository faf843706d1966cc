#include "modules/cases/cases.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>

#include "core/json.h"
#include "modules/cases/cases_store.h"
#include "modules/common/test_fixture.h"
#include "modules/ledger/ledger_audit.h"
#include "modules/orgs/orgs.h"
#include "modules/orgs/orgs_store.h"

namespace sl::cases {
namespace {

namespace bj = boost::json;

// Monday 2026-11-23 10:00 Beijing.
constexpr TimeMs kMonday = 1'795'399'200'000;

class CasesTest : public testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    clock_.set_ms(kMonday);
    accounts_ = std::make_unique<accounts::AccountsService>(*db_, clock_, random_, sms_, *ledger_, auth_);
    orgs_ = std::make_unique<orgs::OrgsService>(*db_, clock_, *accounts_, *ledger_);
    svc_ = std::make_unique<CasesService>(*db_, clock_, *ledger_, Options{3});
    prov_ = org(std::nullopt, "江南省政协", "province", "cppcc");
    congress_ = org(std::nullopt, "东湖区人大常委会", "county", "congress");
    dept_ = org(prov_, "江南省民政厅", "province", "department");
    dept2_ = org(prov_, "江南省财政厅", "province", "department");
    dept3_ = org(prov_, "江南省教育厅", "province", "department");
    staff_ = person(prov_, "staff", "周晓云");
    leader_ = person(prov_, "leader", "沈国栋");
    member_ = person(prov_, "member", "陈志远");
    member_b_ = person(prov_, "member", "王秀英");
    member_c_ = person(prov_, "member", "李建国");
    resp_ = person(dept_, "responder", "民政厅联络员");
    resp2_ = person(dept2_, "responder", "财政厅联络员");
    resp3_ = person(dept3_, "responder", "教育厅联络员");
    outsider_ = lone_person("公众甲");
  }

  int64_t org(std::optional<int64_t> parent, const char* name, const char* level, const char* kind) {
    bj::object body{{"name", name}, {"level", level}, {"kind", kind}};
    if (parent) body["parent_id"] = *parent;
    auto o = orgs_->create_org(sys_, body);
    EXPECT_TRUE(o.ok()) << (o.ok() ? "" : o.error().message);
    return o.ok() ? o->at("id").as_int64() : 0;
  }
  Caller person(int64_t org, const char* role, const char* name) {
    bj::object body{{"display_name", name}, {"login", "user" + std::to_string(++n_)}, {"role", role}};
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
    auto c = caller_of(*id);
    c.is_public = true;
    return c;
  }
  Caller caller_of(int64_t person_id) {
    Caller c;
    c.person_id = person_id;
    c.memberships = db_->read_value<std::vector<access::Membership>>(
                           [&](storage::Conn& cn) { return orgs::store::memberships_of(cn, person_id); })
                        .value();
    return c;
  }
  template <typename T>
  static std::string slug(const Result<T>& r) {
    return r.ok() ? "ok" : r.error().slug;
  }
  template <typename T>
  static Code code(const Result<T>& r) {
    return r.ok() ? Code::kInternal : r.error().code;
  }
  bj::object ok(Result<bj::object> r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().slug + ": " + r.error().message);
    return r.ok() ? std::move(*r) : bj::object{};
  }
  std::string state_of(int64_t id) { return std::string(ok(svc_->get(sys_, id)).at("state").as_string()); }

  // A submitted proposal of the member.
  int64_t submitted(const char* kind = "proposal", bj::object extra = {}) {
    bj::object body{{"org_id", prov_}, {"kind", kind}, {"title", "关于加快社区养老服务建设的提案"},
                    {"body", "建议**加大**社区养老投入。"}, {"submit", true}};
    for (auto& [k, v] : extra) body[k] = v;
    auto o = ok(svc_->create(member_, body));
    return o.contains("id") ? o.at("id").as_int64() : 0;
  }
  int64_t handling(const char* kind = "proposal") {
    int64_t id = submitted(kind);
    ok(svc_->act(staff_, id, "accept", {}));
    ok(svc_->act(staff_, id, "assign", bj::object{{"lead_unit_id", dept_}, {"working_days", 10}}));
    return id;
  }
  int64_t answered() {
    int64_t id = handling();
    ok(svc_->act(resp_, id, "answer", bj::object{{"answer", "已纳入明年计划。"}}));
    return id;
  }
  std::vector<std::string> inbox_kinds(const Caller& who) {
    auto rows = db_->read_value<storage::Rows>([&](storage::Conn& c) {
      return c.query("SELECT kind FROM notifications WHERE person_id = ? ORDER BY id", {who.person_id});
    });
    std::vector<std::string> out;
    for (const auto& r : *rows) out.push_back(r.str(0));
    return out;
  }
  int count(const std::vector<std::string>& v, const std::string& k) { return static_cast<int>(std::count(v.begin(), v.end(), k)); }
  void expect_ledger_verifies() {
    ASSERT_TRUE(ledger_->checkpoint_now().ok());
    auto key = ledger::parse_vkey(ledger_->verifier_key());
    ASSERT_TRUE(key.ok());
    auto rep = ledger::audit(*db_, *key, [](storage::Conn& c, std::string_view type, int64_t id)
                                             -> Result<std::optional<ledger::RecordState>> {
      if (type == "person") return accounts::person_ledger_state(c, id);
      if (is_ledger_type(type)) return ledger_state(c, type, id);
      return orgs::store::ledger_state(c, type, id);
    });
    ASSERT_TRUE(rep.ok()) << rep.error().message;
    EXPECT_TRUE(rep->ok()) << rep->problem;
  }

  Caller sys_ = Caller::system();
  std::unique_ptr<accounts::AccountsService> accounts_;
  std::unique_ptr<orgs::OrgsService> orgs_;
  std::unique_ptr<CasesService> svc_;
  int64_t prov_ = 0, congress_ = 0, dept_ = 0, dept2_ = 0, dept3_ = 0;
  Caller staff_, leader_, member_, member_b_, member_c_, resp_, resp2_, resp3_, outsider_;
  int n_ = 0;
};

TEST_F(CasesTest, FullPathSubmitAcceptAssignAnswerRate) {
  int64_t id = submitted("proposal", bj::object{{"allow_publish", true}});
  EXPECT_EQ(state_of(id), "submitted");
  auto acc = ok(svc_->act(staff_, id, "accept", bj::object{{"note", "符合立案条件"}}));
  EXPECT_EQ(acc.at("state").as_string(), "accepted");
  auto as = ok(svc_->act(staff_, id, "assign",
                         bj::object{{"lead_unit_id", dept_}, {"co_unit_ids", bj::array{dept2_}}, {"working_days", 10}}));
  EXPECT_EQ(as.at("state").as_string(), "handling");
  // Monday 2026-11-23 + 10 working days = Monday 2026-12-07.
  EXPECT_EQ(as.at("deadline_day").as_string(), "2026-12-07");
  EXPECT_EQ(as.at("working_days_left").as_int64(), 10);
  EXPECT_EQ(count(inbox_kinds(resp_), "case.assigned"), 1);
  EXPECT_EQ(count(inbox_kinds(resp2_), "case.assigned"), 1);
  // The lead unit cannot answer before the co-handling unit's input.
  EXPECT_EQ(slug(svc_->act(resp_, id, "answer", bj::object{{"answer", "答复"}})), "co_input_missing");
  ok(svc_->act(resp2_, id, "co_input", bj::object{{"input", "财政厅将安排专项资金。"}}));
  ok(svc_->act(resp_, id, "progress", bj::object{{"note", "已实地调研"}}));
  clock_.advance_ms(2 * 86'400'000);
  auto an = ok(svc_->act(resp_, id, "answer", bj::object{{"answer", "已纳入明年计划。"}}));
  EXPECT_EQ(an.at("state").as_string(), "answered");
  EXPECT_EQ(an.at("answer_working_days").as_int64(), 2);
  EXPECT_TRUE(an.at("answered_on_time").as_bool());
  EXPECT_EQ(count(inbox_kinds(member_), "case.answered"), 1);
  auto rated = ok(svc_->act(member_, id, "rate", bj::object{{"rating", "satisfied"}}));
  EXPECT_EQ(rated.at("state").as_string(), "closed");
  EXPECT_EQ(count(inbox_kinds(resp_), "case.rated"), 1);
  // Published (proposer agreed): anyone reads it, without its internal history.
  ok(svc_->act(staff_, id, "publish", {}));
  auto pub = ok(svc_->get(Caller{}, id));
  EXPECT_EQ(pub.at("answer").as_string(), "已纳入明年计划。");
  EXPECT_TRUE(pub.at("events").as_array().empty());
  ok(svc_->act(staff_, id, "archive", {}));
  EXPECT_EQ(state_of(id), "archived");
  auto full = ok(svc_->get(staff_, id));
  EXPECT_GE(full.at("events").as_array().size(), 9u);
  expect_ledger_verifies();
}

TEST_F(CasesTest, DraftsAreEditedBySubmitterOnlyAndNeedABodyToSubmit) {
  auto d = ok(svc_->create(member_, bj::object{{"org_id", prov_}, {"kind", "proposal"}, {"title", "草稿"}}));
  int64_t id = d.at("id").as_int64();
  EXPECT_EQ(d.at("state").as_string(), "draft");
  EXPECT_EQ(code(svc_->get(staff_, id)), Code::kNotFound);  // drafts are the proposer's own
  EXPECT_EQ(code(svc_->update_draft(member_b_, id, bj::object{{"body", "x"}})), Code::kNotFound);
  EXPECT_EQ(slug(svc_->act(member_, id, "submit", {})), "missing_field");
  ok(svc_->update_draft(member_, id, bj::object{{"body", "正文"}}));
  EXPECT_EQ(ok(svc_->act(member_, id, "submit", {})).at("state").as_string(), "submitted");
  EXPECT_EQ(code(svc_->update_draft(member_, id, bj::object{{"body", "改"}})), Code::kConflict);
}

TEST_F(CasesTest, WhoMaySubmitFollowsTheKindsSettings) {
  // A member of the public may send a social-condition report or micro-suggestion, not a proposal.
  bj::object body{{"org_id", prov_}, {"title", "公众意见"}, {"body", "内容"}};
  body["kind"] = "proposal";
  EXPECT_EQ(code(svc_->create(outsider_, body)), Code::kForbidden);
  body["kind"] = "micro_suggestion";
  EXPECT_TRUE(svc_->create(outsider_, body).ok());
  body["kind"] = "motion";  // a CPPCC takes no motions by default
  EXPECT_EQ(code(svc_->create(member_, body)), Code::kForbidden);
  // Staff configure: micro-suggestions for members only, deadline 12 days, categories.
  EXPECT_EQ(code(svc_->update_settings(member_, prov_, "micro_suggestion", bj::object{{"submitters", "members"}})),
            Code::kForbidden);
  EXPECT_EQ(slug(svc_->update_settings(staff_, prov_, "micro_suggestion", bj::object{{"deadline_working_days", 40}})),
            "invalid_deadline");
  ok(svc_->update_settings(staff_, prov_, "micro_suggestion",
                           bj::object{{"submitters", "members"}, {"deadline_working_days", 12}, {"categories", bj::array{"交通", "教育"}},
                                      {"category_required", true}}));
  body["kind"] = "micro_suggestion";
  EXPECT_EQ(code(svc_->create(outsider_, body)), Code::kForbidden);
  body["submit"] = true;
  EXPECT_EQ(slug(svc_->create(member_, body)), "missing_field");  // category required
  body["category"] = "农业";
  EXPECT_EQ(slug(svc_->create(member_, body)), "invalid_category");
  body["category"] = "交通";
  auto o = ok(svc_->create(member_, body));
  ok(svc_->act(staff_, o.at("id").as_int64(), "accept", {}));
  auto as = ok(svc_->act(staff_, o.at("id").as_int64(), "assign", bj::object{{"lead_unit_id", dept_}}));
  EXPECT_EQ(as.at("working_days_left").as_int64(), 12);
  auto s = ok(svc_->settings(Caller{}, prov_));
  EXPECT_EQ(s.at("items").as_array().size(), 5u);
  expect_ledger_verifies();
}

TEST_F(CasesTest, CosignersMustConfirmBeforeReview) {
  ok(svc_->update_settings(staff_, prov_, "proposal", bj::object{{"cosigners_required", 2}}));
  auto d = ok(svc_->create(member_, bj::object{{"org_id", prov_}, {"kind", "proposal"}, {"title", "联名提案"}, {"body", "正文"},
                                               {"cosigner_ids", bj::array{member_b_.person_id}}}));
  int64_t id = d.at("id").as_int64();
  EXPECT_EQ(slug(svc_->act(member_, id, "submit", {})), "not_enough_cosigners");
  EXPECT_EQ(slug(svc_->update_draft(member_, id, bj::object{{"cosigner_ids", bj::array{outsider_.person_id}}})), "invalid_cosigner");
  ok(svc_->update_draft(member_, id, bj::object{{"cosigner_ids", bj::array{member_b_.person_id, member_c_.person_id}}}));
  EXPECT_EQ(ok(svc_->act(member_, id, "submit", {})).at("state").as_string(), "cosigning");
  EXPECT_EQ(count(inbox_kinds(member_b_), "case.cosign"), 1);
  EXPECT_EQ(code(svc_->get(staff_, id)), Code::kNotFound);  // not in review yet
  EXPECT_EQ(ok(svc_->act(member_b_, id, "cosign", {})).at("state").as_string(), "cosigning");
  EXPECT_EQ(slug(svc_->act(member_b_, id, "cosign", {})), "already_cosigned");
  EXPECT_EQ(code(svc_->act(outsider_, id, "cosign", {})), Code::kNotFound);
  auto done = ok(svc_->act(member_c_, id, "cosign", {}));
  EXPECT_EQ(done.at("state").as_string(), "submitted");
  EXPECT_EQ(done.at("cosign").at("confirmed").as_int64(), 2);
  EXPECT_EQ(state_of(id), "submitted");
}

TEST_F(CasesTest, DeclineMergeAndConvert) {
  int64_t a = submitted(), b = submitted(), c = submitted();
  EXPECT_EQ(slug(svc_->act(staff_, a, "decline", {})), "missing_field");
  auto d = ok(svc_->act(staff_, a, "decline", bj::object{{"reason", "不属于政协职能范围"}}));
  EXPECT_EQ(d.at("decline_reason").as_string(), "不属于政协职能范围");
  EXPECT_EQ(code(svc_->act(member_, b, "accept", {})), Code::kForbidden);
  EXPECT_EQ(slug(svc_->act(staff_, b, "merge", bj::object{{"into_id", a}})), "invalid_merge");  // a is declined
  auto m = ok(svc_->act(staff_, b, "merge", bj::object{{"into_id", c}}));
  EXPECT_EQ(m.at("state").as_string(), "merged");
  EXPECT_EQ(m.at("merged_into").as_int64(), c);
  EXPECT_EQ(slug(svc_->act(staff_, c, "convert", bj::object{{"kind", "motion"}})), "invalid_conversion");
  auto cv = ok(svc_->act(staff_, c, "convert", bj::object{{"kind", "social_report"}}));
  EXPECT_EQ(cv.at("kind").as_string(), "social_report");
  // Now confidential: the leader (who oversees proposals) no longer sees it.
  EXPECT_EQ(code(svc_->get(leader_, c)), Code::kNotFound);
  EXPECT_TRUE(svc_->get(leader_, b).ok());
}

TEST_F(CasesTest, SocialReportsAreSeenBySubmitterStaffAndAssignedUnitsOnly) {
  int64_t id = submitted("social_report");
  EXPECT_TRUE(svc_->get(member_, id).ok());
  EXPECT_TRUE(svc_->get(staff_, id).ok());
  EXPECT_EQ(code(svc_->get(leader_, id)), Code::kNotFound);
  EXPECT_EQ(code(svc_->get(resp_, id)), Code::kNotFound);
  ok(svc_->act(staff_, id, "accept", {}));
  ok(svc_->act(staff_, id, "assign", bj::object{{"lead_unit_id", dept_}}));
  EXPECT_TRUE(svc_->get(resp_, id).ok());
  EXPECT_EQ(code(svc_->get(resp2_, id)), Code::kNotFound);
  ok(svc_->act(resp_, id, "answer", bj::object{{"answer", "已收悉"}}));
  ok(svc_->act(member_, id, "rate", bj::object{{"rating", "basically"}}));
  EXPECT_EQ(slug(svc_->act(staff_, id, "publish", {})), "not_publishable");
  // Lists: the leader's organisation list leaves it out, staff's has it.
  ListFilter f;
  f.scope = "org";
  f.org_id = prov_;
  EXPECT_EQ(ok(svc_->list(leader_, f, 0, 50)).at("items").as_array().size(), 0u);
  EXPECT_EQ(ok(svc_->list(staff_, f, 0, 50)).at("items").as_array().size(), 1u);
  EXPECT_EQ(code(svc_->list(member_, f, 0, 50)), Code::kForbidden);
}

TEST_F(CasesTest, ReassignAndExtensionAreDecidedByStaff) {
  int64_t id = handling();
  EXPECT_EQ(code(svc_->act(resp2_, id, "request_reassign", bj::object{{"reason", "x"}})), Code::kNotFound);
  ok(svc_->act(resp_, id, "request_reassign", bj::object{{"reason", "不属于本部门职责"}}));
  EXPECT_EQ(slug(svc_->act(resp_, id, "request_extension", bj::object{{"reason", "x"}, {"working_days", 5}})), "request_pending");
  EXPECT_EQ(code(svc_->act(resp_, id, "decide_reassign", bj::object{{"approve", true}, {"lead_unit_id", dept2_}})), Code::kForbidden);
  auto r = ok(svc_->act(staff_, id, "decide_reassign", bj::object{{"approve", true}, {"lead_unit_id", dept2_}}));
  EXPECT_EQ(r.at("lead_unit").at("id").as_int64(), dept2_);
  EXPECT_TRUE(r.at("pending").is_null());
  EXPECT_EQ(code(svc_->get(resp_, id)), Code::kNotFound);  // no longer its case
  EXPECT_EQ(count(inbox_kinds(resp2_), "case.assigned"), 1);
  std::string before = std::string(r.at("deadline_day").as_string());
  ok(svc_->act(resp2_, id, "request_extension", bj::object{{"reason", "需跨部门协调"}, {"working_days", 5}}));
  EXPECT_EQ(slug(svc_->act(staff_, id, "decide_reassign", bj::object{{"approve", false}})), "no_request");
  auto e = ok(svc_->act(staff_, id, "decide_extension", bj::object{{"approve", true}}));
  // 20 working days from Monday 2026-11-23 = 2026-12-21; + 5 = 2026-12-28.
  EXPECT_EQ(before, "2026-12-21");
  EXPECT_EQ(e.at("deadline_day").as_string(), "2026-12-28");
}

TEST_F(CasesTest, UnsatisfiedGoesBackOnceThenToStaff) {
  int64_t id = answered();
  EXPECT_EQ(slug(svc_->act(member_, id, "rate", bj::object{{"rating", "unsatisfied"}})), "missing_field");
  EXPECT_EQ(code(svc_->act(member_b_, id, "rate", bj::object{{"rating", "satisfied"}})), Code::kNotFound);
  auto back = ok(svc_->act(member_, id, "rate", bj::object{{"rating", "unsatisfied"}, {"reason", "答复空泛"}}));
  EXPECT_EQ(back.at("state").as_string(), "handling");
  EXPECT_EQ(back.at("rehandled").as_int64(), 1);
  EXPECT_EQ(count(inbox_kinds(resp_), "case.returned"), 1);
  ok(svc_->act(resp_, id, "answer", bj::object{{"answer", "补充答复"}}));
  auto esc = ok(svc_->act(member_, id, "rate", bj::object{{"rating", "unsatisfied"}, {"reason", "仍不满意"}}));
  EXPECT_EQ(esc.at("state").as_string(), "escalated");
  auto board = ok(svc_->board(staff_, prov_));
  EXPECT_EQ(board.at("escalated").as_array().size(), 1u);
  EXPECT_EQ(ok(svc_->act(staff_, id, "close", bj::object{{"note", "已协调说明"}})).at("state").as_string(), "closed");
}

TEST_F(CasesTest, SweepGivesYellowThenRedCardsOnceAndAnswerClearsThem) {
  int64_t id = handling();  // deadline Monday 2026-12-07 (10 working days)
  auto run = [&]() { return db_->write_value<SweepReport>([&](storage::Conn& c) { return sweep(c, clock_.now_ms()); }); };
  auto r0 = run();
  ASSERT_TRUE(r0.ok()) << r0.error().message;
  EXPECT_EQ(r0->yellow + r0->red, 0);
  // Wednesday 2026-12-02: 3 working days left (Thu, Fri, Mon) → yellow.
  clock_.set_ms(kMonday + 9 * 86'400'000LL);
  auto r1 = run();
  EXPECT_EQ(r1->yellow, 1);
  EXPECT_EQ(ok(svc_->get(staff_, id)).at("card").as_string(), "yellow");
  EXPECT_EQ(run()->yellow, 0);  // idempotent
  EXPECT_EQ(count(inbox_kinds(resp_), "case.due_soon"), 1);
  // Tuesday 2026-12-08: overdue → red.
  clock_.set_ms(kMonday + 15 * 86'400'000LL);
  EXPECT_EQ(run()->red, 1);
  EXPECT_EQ(run()->red, 0);
  EXPECT_EQ(count(inbox_kinds(resp_), "case.overdue"), 1);
  auto b = ok(svc_->board(leader_, prov_));
  ASSERT_EQ(b.at("units").as_array().size(), 1u);
  EXPECT_EQ(b.at("units").as_array()[0].at("colour").as_string(), "red");
  EXPECT_EQ(b.at("units").as_array()[0].at("red").as_int64(), 1);
  ListFilter f;
  f.scope = "org";
  f.org_id = prov_;
  f.card = "red";
  EXPECT_EQ(ok(svc_->list(staff_, f, 0, 50)).at("items").as_array().size(), 1u);
  auto an = ok(svc_->act(resp_, id, "answer", bj::object{{"answer", "迟到的答复"}}));
  EXPECT_EQ(an.at("card").as_string(), "none");
  EXPECT_FALSE(an.at("answered_on_time").as_bool());
  EXPECT_EQ(run()->cleared, 0);
  // The cards and their clearing are in the history.
  int cards = 0;
  for (const auto& e : an.at("events").as_array())
    if (e.at("action").as_string() == "card") ++cards;
  EXPECT_EQ(cards, 2);
  expect_ledger_verifies();
}

TEST_F(CasesTest, ExtensionClearsACardAtTheNextSweep) {
  int64_t id = handling();
  clock_.set_ms(kMonday + 9 * 86'400'000LL);
  ASSERT_TRUE(svc_->sweep_now().ok());
  ok(svc_->act(resp_, id, "request_extension", bj::object{{"reason", "需要调研"}, {"working_days", 10}}));
  ok(svc_->act(staff_, id, "decide_extension", bj::object{{"approve", true}}));
  auto r = svc_->sweep_now();
  EXPECT_EQ(r->cleared, 1);
  EXPECT_EQ(ok(svc_->get(staff_, id)).at("card").as_string(), "none");
}

TEST_F(CasesTest, StatisticsPerUnitAndMember) {
  int64_t a = answered();
  ok(svc_->act(member_, a, "rate", bj::object{{"rating", "satisfied"}}));
  int64_t b = handling();
  clock_.advance_ms(20 * 86'400'000LL);
  ok(svc_->act(resp_, b, "answer", bj::object{{"answer", "晚了"}}));
  ok(svc_->act(member_, b, "rate", bj::object{{"rating", "unsatisfied"}, {"reason", "太慢"}}));
  auto s = ok(svc_->stats(leader_, prov_, std::nullopt));
  ASSERT_EQ(s.at("units").as_array().size(), 1u);
  auto u = s.at("units").as_array()[0].as_object();
  EXPECT_EQ(u.at("handled").as_int64(), 2);
  EXPECT_EQ(u.at("on_time").as_int64(), 1);
  EXPECT_DOUBLE_EQ(u.at("on_time_rate").as_double(), 0.5);
  EXPECT_EQ(u.at("satisfied").as_int64(), 1);
  EXPECT_EQ(u.at("unsatisfied").as_int64(), 1);
  EXPECT_DOUBLE_EQ(u.at("satisfaction_rate").as_double(), 0.5);
  auto m = s.at("members").as_array()[0].as_object();
  EXPECT_EQ(m.at("submitted").as_int64(), 2);
  EXPECT_EQ(code(svc_->stats(member_, prov_, std::nullopt)), Code::kForbidden);
  ListFilter org;
  org.scope = "org";
  org.org_id = prov_;
  auto x = svc_->export_xlsx(staff_, org);
  ASSERT_TRUE(x.ok()) << x.error().message;
  EXPECT_EQ(x->substr(0, 2), "PK");
  EXPECT_EQ(code(svc_->export_xlsx(member_, org)), Code::kForbidden);
}

TEST_F(CasesTest, CalendarAdministration) {
  EXPECT_EQ(code(svc_->put_calendar_days(staff_, std::nullopt, bj::object{{"days", bj::array{bj::object{{"date", "2027-01-01"}, {"kind", "holiday"}}}}})),
            Code::kForbidden);
  auto y = ok(svc_->put_calendar_days(sys_, std::nullopt,
                                      bj::object{{"source", "2027年通知"},
                                                 {"days", bj::array{bj::object{{"date", "2027-01-01"}, {"kind", "holiday"}, {"name", "元旦"}}}}}));
  EXPECT_TRUE(y.at("official").as_bool());
  EXPECT_EQ(slug(svc_->put_calendar_days(sys_, std::nullopt, bj::object{{"days", bj::array{bj::object{{"date", "2027-02-30"}, {"kind", "holiday"}}}}})),
            "invalid_date");
  // A local holiday of the province on Tuesday 2026-11-24 moves its deadlines by a day.
  EXPECT_EQ(code(svc_->put_calendar_days(member_, prov_, bj::object{{"days", bj::array{bj::object{{"date", "2026-11-24"}, {"kind", "holiday"}}}}})),
            Code::kForbidden);
  Caller admin = person(prov_, "admin", "管理员");
  ok(svc_->put_calendar_days(admin, prov_, bj::object{{"days", bj::array{bj::object{{"date", "2026-11-24"}, {"kind", "holiday"}, {"name", "地方假日"}}}}}));
  int64_t id = handling();
  EXPECT_EQ(ok(svc_->get(staff_, id)).at("deadline_day").as_string(), "2026-12-08");
  auto cal = ok(svc_->calendar(dept_, 2026));
  EXPECT_TRUE(cal.at("official").as_bool());
  EXPECT_EQ(cal.at("working_days").as_int64(), 247);  // 2026: 248 national working days, one local holiday
  EXPECT_TRUE(svc_->delete_calendar_day(admin, prov_, "2026-11-24").ok());
  EXPECT_EQ(code(svc_->delete_calendar_day(admin, prov_, "2026-11-24")), Code::kNotFound);
  expect_ledger_verifies();
}

TEST_F(CasesTest, MyCasesUnitConsoleAndPublicLists) {
  int64_t a = handling();
  submitted();
  ListFilter mine;
  EXPECT_EQ(ok(svc_->list(member_, mine, 0, 50)).at("items").as_array().size(), 2u);
  ListFilter unit;
  unit.scope = "unit";
  EXPECT_EQ(ok(svc_->list(resp_, unit, 0, 50)).at("items").as_array().size(), 1u);
  EXPECT_EQ(ok(svc_->list(resp2_, unit, 0, 50)).at("items").as_array().size(), 0u);
  ListFilter pub;
  pub.scope = "public";
  EXPECT_EQ(ok(svc_->list(Caller{}, pub, 0, 50)).at("items").as_array().size(), 0u);
  EXPECT_EQ(code(svc_->list(Caller{}, mine, 0, 50)), Code::kUnauthenticated);
  (void)a;
}

// Every state × every action × every caller role, through the service: the one table decides,
// and nothing else lets a transition through. A case in each state is written directly; each
// combination acts on a fresh one with a body that is valid for the action.
TEST_F(CasesTest, ServiceEnforcesTheTableForEveryStateActionAndRole) {
  struct Who {
    Role role;
    Caller* caller;
  };
  std::vector<Who> whos = {{Role::kSubmitter, &member_}, {Role::kCosigner, &member_b_}, {Role::kStaff, &staff_},
                           {Role::kLeadUnit, &resp_},    {Role::kCoUnit, &resp2_},    {Role::kOther, &outsider_}};
  int64_t target = submitted();  // for merges
  std::map<Action, bj::object> bodies = {
      {Action::kDecline, {{"reason", "理由"}}},
      {Action::kMerge, {{"into_id", target}}},
      {Action::kConvert, {{"kind", "social_report"}}},
      {Action::kAssign, {{"lead_unit_id", dept_}, {"co_unit_ids", bj::array{dept2_}}}},
      {Action::kRequestReassign, {{"reason", "理由"}}},
      {Action::kDecideReassign, {{"approve", true}, {"lead_unit_id", dept_}, {"co_unit_ids", bj::array{dept2_}}}},
      {Action::kRequestExtension, {{"reason", "理由"}, {"working_days", 5}}},
      {Action::kDecideExtension, {{"approve", true}}},
      {Action::kProgress, {{"note", "进展"}}},
      {Action::kSupervise, {{"note", "督办"}}},
      {Action::kCoInput, {{"input", "意见"}}},
      {Action::kAnswer, {{"answer", "答复"}}},
      {Action::kRate, {{"rating", "satisfied"}}},
      {Action::kMarkKey, {{"key", true}}},
  };
  auto make = [&](State s, Action a) -> int64_t {
    auto id = db_->write_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
      store::CaseRow r;
      r.org_id = prov_;
      r.kind = "proposal";
      r.state = std::string(state_name(s));
      r.title = "矩阵案件";
      r.body = "正文";
      r.submitter_id = member_.person_id;
      r.allow_publish = true;
      SL_ASSIGN(r.id, store::insert_case(c, r, clock_.now_ms()));
      SL_TRY(store::set_invited(c, r.id, {member_b_.person_id}, clock_.now_ms()));
      bool assigned = s == State::kHandling || s == State::kAnswered || s == State::kEscalated || s == State::kClosed ||
                      s == State::kArchived;
      if (assigned) {
        SL_TRY(store::set_units(c, r.id, dept_, {dept2_}));
        SL_TRY(store::set_unit_input(c, r.id, dept2_, "意见", clock_.now_ms()));
        r.lead_unit_id = dept_;
        r.assigned_at = clock_.now_ms();
        r.deadline_day = "2026-12-31";
        r.deadline_at = end_of_beijing_day(*parse_day("2026-12-31"));
      }
      // A decision needs a request to decide.
      if (a == Action::kDecideReassign) r.pending = "reassign";
      if (a == Action::kDecideExtension) {
        r.pending = "extension";
        r.pending_data = "{\"working_days\":5}";
      }
      SL_TRY(store::update_case(c, r, clock_.now_ms()));
      return r.id;
    });
    EXPECT_TRUE(id.ok());
    return *id;
  };
  auto readable = [&](Role role, State s) {
    bool draft = s == State::kDraft || s == State::kCosigning;
    bool assigned = s == State::kHandling || s == State::kAnswered || s == State::kEscalated || s == State::kClosed ||
                    s == State::kArchived;
    switch (role) {
      case Role::kSubmitter:
      case Role::kCosigner: return true;
      case Role::kStaff: return !draft;
      case Role::kLeadUnit:
      case Role::kCoUnit: return assigned;
      default: return false;
    }
  };
  int combos = 0;
  for (State s : kAllStates) {
    for (int ai = 0; ai < kActionCount; ++ai) {
      Action a = static_cast<Action>(ai);
      bool applies = false;
      for (const auto& t : transitions())
        if (t.from == s && t.action == a) applies = true;
      for (const auto& w : whos) {
        ++combos;
        int64_t id = make(s, a);
        bj::object body = bodies.count(a) ? bodies[a] : bj::object{};
        Result<bj::object> r = a == Action::kEdit ? svc_->update_draft(*w.caller, id, bj::object{{"body", "改"}})
                                                  : svc_->act(*w.caller, id, std::string(action_name(a)), body);
        std::string where = std::string(state_name(s)) + " × " + std::string(action_name(a)) + " × " + std::string(role_name(w.role));
        bool permitted = false;
        for (const auto& t : transitions())
          if (t.from == s && t.action == a && std::find(t.roles.begin(), t.roles.end(), w.role) != t.roles.end())
            permitted = true;
        if (!readable(w.role, s)) {
          EXPECT_EQ(code(r), Code::kNotFound) << where << " " << slug(r);
        } else if (a == Action::kCard) {
          EXPECT_FALSE(r.ok()) << where;  // the sweep's alone
        } else if (!applies) {
          EXPECT_EQ(slug(r), "invalid_transition") << where;
        } else if (!permitted) {
          EXPECT_EQ(code(r), Code::kForbidden) << where << " " << slug(r);
        } else {
          EXPECT_TRUE(r.ok()) << where << ": " << slug(r) << " " << (r.ok() ? "" : r.error().message);
        }
      }
    }
  }
  EXPECT_EQ(combos, 11 * kActionCount * 6);
  expect_ledger_verifies();
}

// Notifications use the templates: each recipient reads them in their own language, with the
// case's title, unit, deadline, rating and reasons filled in.
TEST_F(CasesTest, NotificationsAreWrittenInEachRecipientsLanguage) {
  ASSERT_TRUE(db_->write([&](storage::Conn& c) -> Status {
                   SL_TRY(c.exec("UPDATE people SET locale = 'en' WHERE id = ?", {resp_.person_id}));
                   SL_TRY(c.exec("UPDATE people SET locale = 'zh-TW' WHERE id = ?", {resp2_.person_id}));
                   return Ok();
                 }).ok());
  auto texts = [&](const Caller& who, const char* kind) {
    auto rows = db_->read_value<storage::Rows>([&](storage::Conn& c) {
      return c.query("SELECT title, body FROM notifications WHERE person_id = ? AND kind = ? ORDER BY id",
                     {who.person_id, std::string(kind)});
    });
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : *rows) out.emplace_back(r.str(0), r.str(1));
    return out;
  };
  int64_t id = submitted();
  ok(svc_->act(staff_, id, "accept", {}));
  auto reviewed = texts(member_, "case.reviewed");
  ASSERT_EQ(reviewed.size(), 1u);
  EXPECT_EQ(reviewed[0].first, "您提交的提案「关于加快社区养老服务建设的提案」已立案");
  ok(svc_->act(staff_, id, "assign", bj::object{{"lead_unit_id", dept_}, {"co_unit_ids", bj::array{dept2_}}, {"working_days", 10}}));
  auto en = texts(resp_, "case.assigned");
  ASSERT_EQ(en.size(), 1u);
  EXPECT_EQ(en[0].first, "New case assigned: \"关于加快社区养老服务建设的提案\"");
  EXPECT_EQ(en[0].second, "\"关于加快社区养老服务建设的提案\" has been assigned to 江南省民政厅. Please answer by 2026-12-07.");
  auto tw = texts(resp2_, "case.assigned");
  ASSERT_EQ(tw.size(), 1u);
  EXPECT_EQ(tw[0].first, "新交辦：「关于加快社区养老服务建设的提案」");
  // The delivery rows carry the recipient's language too.
  auto locale = db_->read_value<storage::Rows>([&](storage::Conn& c) {
    return c.query("SELECT DISTINCT locale FROM notification_deliveries WHERE person_id = ? AND kind = 'case.assigned'",
                   {resp_.person_id});
  });
  ASSERT_EQ(locale->size(), 1u);
  EXPECT_EQ(locale->at(0).str(0), "en");
  ok(svc_->act(resp_, id, "request_extension", bj::object{{"reason", "需要跨部门协调"}, {"working_days", 5}}));
  auto req = texts(staff_, "case.request");
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req[0].first, "江南省民政厅申请延期办理：「关于加快社区养老服务建设的提案」");
  EXPECT_EQ(req[0].second, "理由：需要跨部门协调");
  ok(svc_->act(staff_, id, "decide_extension", bj::object{{"approve", true}}));
  auto dec = texts(resp_, "case.decision");
  ASSERT_EQ(dec.size(), 1u);
  EXPECT_EQ(dec[0].first, "Extension request approved: \"关于加快社区养老服务建设的提案\"");
  EXPECT_EQ(dec[0].second, "Deadline: 2026-12-14");
  ok(svc_->act(staff_, id, "supervise", bj::object{{"note", "请加快办理"}}));
  EXPECT_EQ(texts(resp2_, "case.supervised").at(0).second, "请加快办理");
  ok(svc_->act(resp2_, id, "co_input", bj::object{{"input", "同意"}}));
  ok(svc_->act(resp_, id, "answer", bj::object{{"answer", "已纳入明年计划。"}}));
  EXPECT_EQ(texts(member_, "case.answered").at(0).first, "您提交的「关于加快社区养老服务建设的提案」已答复");
  ok(svc_->act(member_, id, "rate", bj::object{{"rating", "unsatisfied"}, {"reason", "没有时间表"}}));
  EXPECT_EQ(texts(resp_, "case.returned").at(0).second, "Reason: 没有时间表");
  EXPECT_EQ(texts(resp2_, "case.returned").at(0).first, "「关于加快社区养老服务建设的提案」退回重辦");
  ok(svc_->act(resp_, id, "answer", bj::object{{"answer", "明年一季度启动。"}}));
  ok(svc_->act(member_, id, "rate", bj::object{{"rating", "unsatisfied"}, {"reason", "仍不具体"}}));
  EXPECT_EQ(texts(staff_, "case.escalated").at(0).second, "理由：仍不具体");
  // The deadline sweep: yellow and red cards in the unit's language.
  int64_t late = handling();
  clock_.set_ms(kMonday + 9 * 86'400'000LL);  // Wednesday 2026-12-02: 3 working days left
  ASSERT_TRUE(svc_->sweep_now().ok());
  auto yellow = texts(resp_, "case.due_soon");
  ASSERT_EQ(yellow.size(), 1u);
  EXPECT_EQ(yellow[0].second, "\"关于加快社区养老服务建设的提案\" must be answered by 2026-12-07, 3 working days from now.");
  clock_.set_ms(kMonday + 15 * 86'400'000LL);  // Tuesday 2026-12-08: overdue
  ASSERT_TRUE(svc_->sweep_now().ok());
  EXPECT_EQ(texts(resp_, "case.overdue").at(0).first, "Red card: \"关于加快社区养老服务建设的提案\" is overdue");
  EXPECT_EQ(ok(svc_->get(staff_, late)).at("card").as_string(), "red");
}

// Right to deletion: drafts, cases still collecting co-signers and social-condition reports
// lose their content (ledger "case.erased", 410 case_erased); handed-in proposals stay under a
// nameless submitter.
TEST_F(CasesTest, ErasingThePersonErasesTheirDraftsAndReportsAndKeepsTheirProposals) {
  accounts_->add_erasure_step([&](storage::Conn& c, const Caller& actor, int64_t pid, std::string_view) {
    return erase_person(c, *ledger_, nullptr, actor, pid, clock_.now_ms());
  });
  int64_t proposal = handling();
  int64_t report = handling("social_report");
  auto d = ok(svc_->create(member_, bj::object{{"org_id", prov_}, {"kind", "proposal"}, {"title", "草稿"}, {"body", "个人想法"}}));
  int64_t draft = d.at("id").as_int64();
  ok(svc_->act(resp_, report, "progress", bj::object{{"note", "已联系陈志远本人"}}));
  ASSERT_TRUE(db_->write([&](storage::Conn& c) -> Status {
                   SL_TRY(accounts_->erase_person(c, sys_, member_.person_id));
                   return Ok();
                 }).ok());

  // The proposal stays, the submitter nameless.
  auto p = ok(svc_->get(staff_, proposal));
  EXPECT_EQ(p.at("title").as_string(), "关于加快社区养老服务建设的提案");
  EXPECT_EQ(p.at("submitter").as_object().at("name").as_string(), "");
  EXPECT_FALSE(p.at("erased").as_bool());
  // The report: 410 for everyone who could read it, and no action any more.
  auto g = svc_->get(staff_, report);
  EXPECT_EQ(code(g), Code::kGone);
  EXPECT_EQ(slug(g), "case_erased");
  EXPECT_EQ(slug(svc_->get(resp_, report)), "case_erased");
  EXPECT_EQ(slug(svc_->act(resp_, report, "answer", bj::object{{"answer", "答复"}})), "case_erased");
  EXPECT_EQ(code(svc_->get(outsider_, report)), Code::kNotFound);  // those who could not read it learn nothing
  // Its content is gone from storage; dates, unit and deadline stay.
  for (int64_t id : {report, draft}) {
    auto row = db_->read_value<std::optional<store::CaseRow>>([&](storage::Conn& c) { return store::find_case(c, id); });
    ASSERT_TRUE(row.ok() && *row);
    EXPECT_EQ((*row)->title, "");
    EXPECT_EQ((*row)->body, "");
    EXPECT_TRUE((*row)->erased_at.has_value());
  }
  auto notes = db_->read_value<storage::Rows>([&](storage::Conn& c) {
    return c.query("SELECT note FROM case_events WHERE case_id = ? AND note <> ''", {report});
  });
  EXPECT_TRUE(notes->empty());
  // The unit's list shows it as erased, without content.
  ListFilter unit_list;
  unit_list.scope = "unit";
  auto list = ok(svc_->list(resp_, unit_list, 0, 50));
  bool seen = false;
  for (const auto& it : list.at("items").as_array())
    if (it.as_object().at("id").as_int64() == report) {
      seen = true;
      EXPECT_TRUE(it.as_object().at("erased").as_bool());
      EXPECT_EQ(it.as_object().at("title").as_string(), "");
    }
  EXPECT_TRUE(seen);
  // No cards for it; the board counts only the proposal.
  clock_.advance_ms(30 * 86'400'000LL);
  ASSERT_TRUE(svc_->sweep_now().ok());
  auto row = db_->read_value<std::optional<store::CaseRow>>([&](storage::Conn& c) { return store::find_case(c, report); });
  EXPECT_EQ((*row)->card, "none");
  auto board = ok(svc_->board(staff_, prov_));
  EXPECT_EQ(board.at("totals").as_object().at("handling").as_int64(), 1);
  expect_ledger_verifies();
}

}  // namespace
}  // namespace sl::cases
