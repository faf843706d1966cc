// The demo surveys: a public questionnaire of 临江市政协 on the city's bus routes (with skip
// logic, open, some answers), a members' survey of 江南省政协 for its 委员 (anonymous, open,
// some answers), and a quick poll in the demo deliberation. Loaded through SurveysService, as
// people would.
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

Result<int64_t> id_of(Application& app, const char* sql, const std::string& arg) {
  return app.db().read_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto row, c.query_one(sql, {arg}));
    if (!row) return Error::NotFound("demo_not_found", "演示数据不存在：" + arg);
    return row->i64(0);
  });
}

bj::array options(std::initializer_list<std::pair<const char*, const char*>> v) {
  bj::array a;
  for (auto& [id, label] : v) a.push_back(bj::object{{"id", id}, {"label", label}});
  return a;
}

}  // namespace

Status seed_demo_surveys(Application& app) {
  auto& svc = app.surveys();
  SL_ASSIGN(Caller staff, demo_caller(app, "staff"));
  SL_ASSIGN(int64_t prov, id_of(app, "SELECT id FROM orgs WHERE name = ?", "江南省政协"));
  SL_ASSIGN(int64_t city, id_of(app, "SELECT id FROM orgs WHERE name = ?", "临江市政协"));

  // 1. Public: anonymous, results shown to respondents, at most 20 answers per address.
  bj::array q1{
      bj::object{{"id", "q1"}, {"type", "single"}, {"title", "您平时乘坐公交车吗？"},
                 {"options", options({{"often", "经常乘坐"}, {"sometimes", "偶尔乘坐"}, {"never", "基本不坐"}})},
                 {"skip", bj::array{bj::object{{"option", "never"}, {"goto", "q4"}}}}},
      bj::object{{"id", "q2"}, {"type", "multiple"}, {"title", "您觉得公交出行最需要改进的是（最多选三项）"},
                 {"options", options({{"freq", "班次太少"}, {"late", "末班车太早"}, {"route", "线路不顺路"},
                                      {"stop", "站点太远"}, {"info", "到站信息不准"}, {"crowd", "车内拥挤"}})},
                 {"min_choices", 1}, {"max_choices", 3}},
      bj::object{{"id", "q3"}, {"type", "rating"}, {"title", "您对目前公交服务的总体满意度"},
                 {"scale", bj::object{{"min", 1}, {"max", 5}, {"min_label", "很不满意"}, {"max_label", "非常满意"}}}},
      bj::object{{"id", "q4"}, {"type", "ranking"}, {"title", "请为下列出行改善事项排序（最重要的放最前）"},
                 {"options", options({{"bus", "增开公交线路"}, {"bike", "完善非机动车道"}, {"park", "增加停车位"}, {"walk", "改善步行环境"}})}},
      bj::object{{"id", "q5"}, {"type", "short_text"}, {"title", "您常去的地方有哪条线路最不方便？"}, {"required", false}},
      bj::object{{"id", "q6"}, {"type", "long_text"}, {"title", "其他意见和建议"}, {"required", false}}};
  SL_ASSIGN(auto s1, svc.create(staff, bj::object{{"org_id", city},
                                                   {"title", "临江市公交出行满意度调查"},
                                                   {"description", "为编制临江市“十五五”公共交通规划，市政协就市民公交出行开展问卷调查。问卷匿名，约需3分钟。"},
                                                   {"audience", "public"},
                                                   {"anonymous", true},
                                                   {"results_visibility", "respondents"},
                                                   {"max_per_address", 20},
                                                   {"questions", std::move(q1)}}));
  int64_t public_id = s1.at("id").as_int64();
  SL_TRY(svc.set_state(staff, public_id, "open"));
  struct PublicAnswer {
    const char* freq;
    std::vector<const char*> pains;
    int rating;
    std::vector<const char*> rank;
    const char* line;
    const char* idea;
  };
  const PublicAnswer publics[] = {
      {"often", {"freq", "late"}, 3, {"bus", "walk", "bike", "park"}, "28路", "希望末班车延长到晚上十点半，方便下夜班的人。"},
      {"often", {"info", "crowd"}, 2, {"bus", "bike", "walk", "park"}, "", "早高峰车太挤，建议增开大站快车。"},
      {"sometimes", {"route"}, 4, {"walk", "bus", "bike", "park"}, "去市第一医院的线路要倒两趟车", ""},
      {"never", {}, 0, {"park", "bus", "walk", "bike"}, "", ""},
      {"often", {"freq", "stop", "info"}, 3, {"bus", "walk", "park", "bike"}, "东湖新区", "新建小区附近还没有公交站。"},
  };
  int n = 0;
  for (const auto& p : publics) {
    bj::object answers;
    answers["q1"] = p.freq;
    if (std::string(p.freq) != "never") {
      bj::array pains;
      for (auto x : p.pains) pains.push_back(bj::value(x));
      answers["q2"] = std::move(pains);
      answers["q3"] = p.rating;
    }
    bj::array rank;
    for (auto x : p.rank) rank.push_back(bj::value(x));
    answers["q4"] = std::move(rank);
    if (*p.line) answers["q5"] = p.line;
    if (*p.idea) answers["q6"] = p.idea;
    surveys::Respondent who{"demo-device-" + std::to_string(++n) + "-000000", "10.0.0." + std::to_string(n)};
    SL_TRY(svc.respond(Caller{}, public_id, bj::object{{"answers", std::move(answers)}}, who));
  }

  // 2. Members: 江南省政协's 委员, anonymous, results for staff and leaders.
  bj::array q2{
      bj::object{{"id", "q1"}, {"type", "single"}, {"title", "您今年提交提案的主要渠道是"},
                 {"options", options({{"app", "“商量”平台"}, {"paper", "纸质提交"}, {"group", "通过界别或专委会"}})}},
      bj::object{{"id", "q2"}, {"type", "rating"}, {"title", "您对承办单位提案答复质量的评价"},
                 {"scale", bj::object{{"min", 1}, {"max", 5}, {"min_label", "很差"}, {"max_label", "很好"}}}},
      bj::object{{"id", "q3"}, {"type", "multiple"}, {"title", "您希望平台增加哪些功能"},
                 {"options", options({{"track", "提案办理进度提醒"}, {"voice", "语音录入"}, {"joint", "联名提案"}, {"data", "统计数据查询"}})},
                 {"max_choices", 0}},
      bj::object{{"id", "q4"}, {"type", "long_text"}, {"title", "对提案工作的其他建议"}, {"required", false}}};
  SL_ASSIGN(auto s2, svc.create(staff, bj::object{{"org_id", prov},
                                                   {"title", "委员履职服务需求调查"},
                                                   {"description", "了解委员对提案工作和履职平台的意见，改进履职服务。本问卷匿名。"},
                                                   {"audience", "members"},
                                                   {"anonymous", true},
                                                   {"results_visibility", "staff"},
                                                   {"questions", std::move(q2)}}));
  int64_t members_id = s2.at("id").as_int64();
  SL_TRY(svc.set_state(staff, members_id, "open"));
  const char* channels[] = {"app", "app", "group", "paper", "app", "app"};
  for (int i = 0; i < 6; ++i) {
    SL_ASSIGN(Caller m, demo_caller(app, "m" + std::to_string(1010 + i)));
    bj::object answers{{"q1", channels[i]}, {"q2", 2 + i % 4}, {"q3", i % 2 ? bj::array{"track", "data"} : bj::array{"voice"}}};
    if (i == 1) answers["q4"] = "建议承办单位答复前先与提案委员沟通，避免“答非所问”。";
    SL_TRY(svc.respond(m, members_id, bj::object{{"answers", std::move(answers)}}, surveys::Respondent{}));
  }

  // 3. A quick poll in the demo deliberation.
  SL_ASSIGN(int64_t delib, id_of(app, "SELECT id FROM deliberations WHERE theme = ?", "推进基本养老服务体系建设——网络议政协商会"));
  bj::array q3{bj::object{{"id", "q1"}, {"type", "single"}, {"title", "您认为当前养老服务最急需补齐的短板是"},
                          {"options", options({{"home", "居家社区养老"}, {"med", "医养结合"}, {"rural", "农村养老"}, {"staff", "护理人才"}})}}};
  SL_ASSIGN(auto poll, svc.create(staff, bj::object{{"kind", "poll"},
                                                     {"scope_type", "deliberation"},
                                                     {"scope_id", delib},
                                                     {"title", "快速投票：养老服务的短板"},
                                                     {"anonymous", true},
                                                     {"questions", std::move(q3)}}));
  int64_t poll_id = poll.at("id").as_int64();
  SL_TRY(svc.set_state(staff, poll_id, "open"));
  const char* picks[] = {"home", "med", "home", "rural", "staff", "home", "med"};
  for (int i = 0; i < 7; ++i) {
    SL_ASSIGN(Caller m, demo_caller(app, "m" + std::to_string(1000 + i)));
    SL_TRY(svc.respond(m, poll_id, bj::object{{"answers", bj::object{{"q1", picks[i]}}}}, surveys::Respondent{}));
  }
  return Ok();
}

}  // namespace sl::app
