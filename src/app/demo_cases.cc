// Demo cases (提案、议案、社情民意、微建议) in several states: submitted, handling (one of them
// overdue with a red card, one due soon), answered, closed and published, a social-condition
// report, a congress deputy's motion and a village micro-suggestion. Made through the same
// service as the API; the overdue ones by the same service running on a clock set back.
#include <boost/json.hpp>

#include "app/application.h"
#include "modules/orgs/orgs_store.h"

namespace sl::app {

namespace bj = boost::json;
using access::Caller;
using storage::Conn;

namespace {

Result<Caller> demo_caller(Application& app, const std::string& login) {
  return app.db().read_value<Caller>([&](Conn& c) -> Result<Caller> {
    SL_ASSIGN(auto row, c.query_one("SELECT id FROM people WHERE login = ?", {login}));
    if (!row) return Error::NotFound("person_not_found", "演示账号不存在：" + login);
    Caller caller;
    caller.person_id = row->i64(0);
    SL_ASSIGN(caller.memberships, orgs::store::memberships_of(c, caller.person_id));
    return caller;
  });
}

Result<int64_t> org_id(Application& app, const std::string& name) {
  return app.db().read_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto row, c.query_one("SELECT id FROM orgs WHERE name = ?", {name}));
    if (!row) return Error::NotFound("org_not_found", "演示组织不存在：" + name);
    return row->i64(0);
  });
}

Result<int64_t> submit(cases::CasesService& svc, const Caller& who, int64_t org, const char* kind, const std::string& title,
                       const std::string& body, const char* category, bool allow_publish = true) {
  SL_ASSIGN(auto o, svc.create(who, bj::object{{"org_id", org},
                                               {"kind", kind},
                                               {"title", title},
                                               {"body", body},
                                               {"category", category},
                                               {"allow_publish", allow_publish},
                                               {"submit", true}}));
  return o.at("id").as_int64();
}

}  // namespace

Status seed_demo_cases(Application& app) {
  SL_ASSIGN(Caller staff, demo_caller(app, "staff"));
  SL_ASSIGN(Caller member, demo_caller(app, "member"));
  SL_ASSIGN(Caller dept_mz, demo_caller(app, "dept_mz"));
  SL_ASSIGN(Caller dept_cz, demo_caller(app, "dept4"));  // 财政厅
  SL_ASSIGN(Caller deputy, demo_caller(app, "deputy"));
  SL_ASSIGN(Caller resident, demo_caller(app, "resident"));
  SL_ASSIGN(int64_t prov, org_id(app, "江南省政协"));
  SL_ASSIGN(int64_t mz, org_id(app, "江南省民政厅"));
  SL_ASSIGN(int64_t cz, org_id(app, "江南省财政厅"));
  SL_ASSIGN(int64_t jy, org_id(app, "江南省教育厅"));
  SL_ASSIGN(int64_t congress, org_id(app, "临江市东湖区人大常委会"));
  SL_ASSIGN(int64_t village, org_id(app, "东湖区桃源村议事会"));
  cases::CasesService& svc = app.cases();
  auto step = [&](const Caller& who, int64_t id, const char* action, bj::object body = {}) -> Status {
    SL_TRY(svc.act(who, id, action, body));
    return Ok();
  };

  // Waiting for review.
  SL_TRY(submit(svc, member, prov, "proposal", "关于推进城乡居民医保市级统筹的提案",
                "目前城乡居民医保待遇在各县之间差异较大。建议：\n\n1. 推进市级统筹；\n2. 统一报销目录。", "民生"));
  // Handling by 民政厅 with 财政厅 co-handling.
  SL_ASSIGN(int64_t h, submit(svc, member, prov, "proposal", "关于加快发展社区嵌入式养老服务的提案",
                              "建议在老旧小区改造中同步配建养老服务设施，并给予运营补贴。", "民生"));
  SL_TRY(step(staff, h, "accept"));
  SL_TRY(step(staff, h, "assign", bj::object{{"lead_unit_id", mz}, {"co_unit_ids", bj::array{cz}}}));
  SL_TRY(step(dept_mz, h, "progress", bj::object{{"note", "已会同住建部门赴三个社区调研。"}}));
  // Answered, waiting for the proposer's rating.
  SL_ASSIGN(int64_t a, submit(svc, member, prov, "proposal", "关于完善农村留守老人关爱服务的提案",
                              "建议建立留守老人定期探访制度。", "民生"));
  SL_TRY(step(staff, a, "accept"));
  SL_TRY(step(staff, a, "assign", bj::object{{"lead_unit_id", mz}}));
  SL_TRY(step(dept_mz, a, "answer", bj::object{{"answer", "我厅已印发《关于建立农村留守老年人定期探访制度的通知》，明年起在全省推开。"}}));
  // Closed, rated satisfied, published.
  SL_ASSIGN(int64_t c, submit(svc, member, prov, "micro_suggestion", "建议在老年大学增设智能手机课程",
                              "很多老人不会用手机挂号、缴费，建议开设课程。", "教育"));
  SL_TRY(step(staff, c, "accept"));
  SL_TRY(step(staff, c, "assign", bj::object{{"lead_unit_id", jy}}));
  SL_ASSIGN(Caller dept_jy, demo_caller(app, "dept2"));  // 教育厅
  SL_TRY(step(dept_jy, c, "answer", bj::object{{"answer", "省老年大学已于本学期开设“智能手机应用”课程，共 12 个班。"}}));
  SL_TRY(step(member, c, "rate", bj::object{{"rating", "satisfied"}}));
  SL_TRY(step(staff, c, "publish"));
  // A social-condition report (confidential), and others' cases.
  SL_TRY(submit(svc, member, prov, "social_report", "部分乡镇卫生院药品短缺情况反映",
                "近期走访发现部分乡镇卫生院常用慢病药品短缺。", "卫生", false));
  SL_TRY(submit(svc, deputy, congress, "motion", "关于制定东湖区河道保护条例的议案", "建议制定地方性法规，明确河长职责。", ""));
  SL_TRY(submit(svc, resident, village, "micro_suggestion", "村口路灯损坏，建议尽快修复", "村口至小学路段三盏路灯不亮。", ""));

  // Two cases assigned weeks ago: one overdue (red), one due within days (yellow).
  TimeMs now = app.clock().now_ms();
  cases::Options opts = svc.options();
  FakeClock past(now - 45LL * 86'400'000);
  cases::CasesService old(app.db(), past, app.ledger(), opts);
  SL_ASSIGN(auto r, old.create(member, bj::object{{"org_id", prov}, {"kind", "proposal"},
                                                  {"title", "关于加强城市内涝治理的提案"},
                                                  {"body", "建议加快排水管网改造，建设海绵城市。"},
                                                  {"category", "城建"}, {"submit", true}}));
  int64_t red = r.at("id").as_int64();
  SL_TRY(old.act(staff, red, "accept", {}));
  SL_TRY(old.act(staff, red, "assign", bj::object{{"lead_unit_id", cz}, {"working_days", 20}}));
  SL_TRY(old.act(staff, red, "mark_key", bj::object{{"key", true}}));
  FakeClock recent(now - 25LL * 86'400'000);
  cases::CasesService older(app.db(), recent, app.ledger(), opts);
  SL_ASSIGN(auto y, older.create(member, bj::object{{"org_id", prov}, {"kind", "proposal"},
                                                    {"title", "关于提升公交线网覆盖的提案"},
                                                    {"body", "建议优化新城区公交线路。"},
                                                    {"category", "交通"}, {"submit", true}}));
  int64_t yellow = y.at("id").as_int64();
  SL_TRY(older.act(staff, yellow, "accept", {}));
  SL_TRY(older.act(staff, yellow, "assign", bj::object{{"lead_unit_id", mz}, {"working_days", 20}}));
  SL_TRY(svc.sweep_now());
  (void)dept_cz;
  return Ok();
}

}  // namespace sl::app
