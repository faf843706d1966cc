// The demo topics (议题征集), after seeds 001 and 003: 桃源村议事会's always-open box, where
// villagers raise what troubles them from their phones (the street lights at the village
// entrance among them, so a resident typing about them sees it at once), screened by the
// council's staff (`village_staff`, made here); and 江南省政协's public call for next year's
// deliberation topics, with members' topics, supports, one declined with a reason, one asked
// for detail, and one turned into a (draft) deliberation. Loaded through TopicsService, as
// people would; then the times are spread over the last three weeks so the hot-spot ranking
// and its chart have something to show.
#include <boost/json.hpp>

#include "app/application.h"
#include "modules/orgs/orgs_store.h"

namespace sl::app {

namespace bj = boost::json;
using access::Caller;
using storage::Conn;

namespace {

Result<Caller> caller_of(Application& app, const std::string& login) {
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

struct Raised {
  const char* login;
  const char* title;
  const char* body;
  const char* area;
  const char* category;
  int days_ago;
  std::vector<const char*> supporters;
};

const std::vector<Raised> kVillage = {
    {"v3000", "村口路灯坏了很久", "村口到小学那段路的路灯坏了一个多月，晚上老人孩子出门看不清路，希望尽快维修。", "一组",
     "livelihood", 12, {"v3005", "v3006", "v3007", "v3008", "v3009"}},
    {"v3001", "垃圾收运点太少", "三组只有一个垃圾收运点，离多数人家都远，夏天味道很大。建议再设两个点，定时清运。", "三组",
     "environment", 8, {"v3010", "v3011", "v3012"}},
    {"v3002", "文化礼堂屋顶漏雨", "村文化礼堂屋顶漏雨，下雨天没法搞活动，老年腰鼓队只能停练。", "二组", "culture", 15,
     {"v3013", "v3014"}},
    {"v3003", "建议开通到镇上的早班公交", "第一班公交八点才发车，赶早市、去镇卫生院看病都来不及，建议增开六点半的早班车。",
     "四组", "transport", 3, {"v3005", "v3006", "v3010", "v3011", "v3015", "v3016"}},
    {"v3004", "河道该清淤了", "村前小河淤泥多，水流不畅，下大雨容易漫到路上。", "一组", "environment", 18, {"v3017"}},
    {"v3012", "想办个老年食堂", "村里独居老人多，做饭不方便。能不能在村委会旁边办个老年食堂，中午管一顿饭？", "二组",
     "livelihood", 2, {"v3000", "v3001", "v3002", "v3018"}},
};

const std::vector<Raised> kProvince = {
    {"m1010", "推进县域医共体建设", "县乡村三级医疗资源统筹不够，基层看病难。建议把县域医共体建设作为明年协商重点。", "全省",
     "health", 16, {"m1011", "m1012", "m1013", "m1014", "m1015", "m1016", "m1017"}},
    {"m1018", "促进民营经济发展壮大", "围绕融资难、账款拖欠等问题，开展专题协商，推动优化民营企业发展环境。", "全省", "economy",
     10, {"m1019", "m1020", "m1021", "m1022"}},
    {"m1023", "加强中小学生心理健康教育", "学生心理问题低龄化，学校专职心理教师不足。建议协商如何配齐配强。", "临江市",
     "education", 6, {"m1024", "m1025", "m1026", "m1027", "m1028", "member"}},
    {"m1029", "治理城市内涝", "去年汛期多个城区内涝，建议就海绵城市建设和排水管网改造开展协商。", "青山市", "environment", 4,
     {"m1030", "m1031"}},
    {"m1032", "发展银发经济", "老年人口增加，建议就培育养老产业、适老化产品开展协商。", "全省", "economy", 1, {"m1033"}},
    {"m1034", "关于乡村振兴", "建议协商。", "", "rural", 5, {}},
};

}  // namespace

Status seed_demo_topics(Application& app) {
  auto& svc = app.topics();
  const Caller sys = Caller::system();
  SL_ASSIGN(int64_t village, org_id(app, "东湖区桃源村议事会"));
  SL_ASSIGN(int64_t prov, org_id(app, "江南省政协"));
  SL_TRY(app.orgs().add_member(sys, village, bj::object{{"display_name", "王春梅"}, {"login", "village_staff"}, {"role", "staff"}}));
  SL_ASSIGN(Caller village_staff, caller_of(app, "village_staff"));
  SL_ASSIGN(Caller staff, caller_of(app, "staff"));

  // The village box: its residents (members) may submit.
  SL_ASSIGN(auto box, svc.create_call(village_staff, bj::object{{"org_id", village},
                                                                {"kind", "box"},
                                                                {"description", "村里的事，大家商量。随时提，议事会每周筛选一次。"}}));
  SL_ASSIGN(auto call, svc.create_call(staff, bj::object{{"org_id", prov},
                                                         {"theme", "2027年度政协协商议题征集"},
                                                         {"description", "围绕全省改革发展稳定大局和群众关心的实际问题，征集明年政协协商议题。委员和社会各界均可提出，也可以为别人的议题附议。"},
                                                         {"audience", bj::object{{"members", true}, {"public", true}}}}));
  const int64_t box_id = box.at("id").as_int64(), call_id = call.at("id").as_int64();

  struct Made {
    int64_t id;
    int days_ago;
  };
  std::vector<Made> made;
  auto raise = [&](const std::vector<Raised>& list, int64_t call) -> Result<std::vector<int64_t>> {
    std::vector<int64_t> ids;
    for (const auto& r : list) {
      SL_ASSIGN(Caller who, caller_of(app, r.login));
      SL_ASSIGN(auto t, svc.submit(who, bj::object{{"call_id", call}, {"title", r.title}, {"body", r.body},
                                                   {"area", r.area}, {"category", r.category}}));
      int64_t id = t.at("id").as_int64();
      for (const char* s : r.supporters) {
        SL_ASSIGN(Caller sup, caller_of(app, s));
        SL_TRY(svc.support(sup, id, true));
      }
      ids.push_back(id);
      made.push_back(Made{id, r.days_ago});
    }
    return ids;
  };
  SL_ASSIGN(auto vids, raise(kVillage, box_id));
  SL_ASSIGN(auto pids, raise(kProvince, call_id));

  // Screening: the village accepted the hall roof, declined the river (already planned).
  SL_TRY(svc.screen(village_staff, vids[2], bj::object{{"action", "accept"}, {"reason", "列入下次村民议事会议题"}}));
  SL_TRY(svc.screen(village_staff, vids[4],
                    bj::object{{"action", "decline"}, {"reason", "已列入镇里今年的河道整治计划，预计12月完工，届时请大家监督。"}}));
  SL_TRY(svc.screen(staff, pids[5], bj::object{{"action", "needs_detail"}, {"reason", "请具体说明想就乡村振兴的哪个方面协商，有何问题和建议。"}}));
  SL_TRY(svc.screen(staff, pids[1], bj::object{{"action", "accept"}}));
  SL_TRY(svc.to_deliberation(staff, pids[0], bj::object{}));

  // Spread the times over the last weeks (supports a little after each topic).
  const TimeMs now = SystemClock().now_ms();
  constexpr TimeMs kDay = 86'400'000, kHour = 3'600'000;
  return app.db().write([&](Conn& c) -> Status {
    for (const auto& m : made) {
      const TimeMs at = now - m.days_ago * kDay;
      SL_TRY(c.exec("UPDATE topics SET created_at = ?, updated_at = ? WHERE id = ?", {at, at, m.id}));
      SL_TRY(c.exec("UPDATE topic_submitters SET raised_at = ? WHERE topic_id = ?", {at, m.id}));
      SL_ASSIGN(auto sups, c.query("SELECT id FROM topic_supports WHERE topic_id = ? ORDER BY id", {m.id}));
      int64_t i = 0;
      for (const auto& s : sups) {
        const TimeMs sat = std::min(now - kHour, at + (++i) * (m.days_ago > 1 ? 7 : 2) * kHour);
        SL_TRY(c.exec("UPDATE topic_supports SET created_at = ? WHERE id = ?", {sat, s.i64(0)}));
      }
    }
    return Ok();
  });
}

}  // namespace sl::app
