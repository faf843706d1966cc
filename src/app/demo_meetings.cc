// The demo meetings: a public live remote consultation of 江南省政协 with 临江市政协 (a main
// venue and two branch venues, `member` invited, `staff` in the chair, a few comments and one
// picked), one scheduled for next week, and one published last month with minutes and
// attendance. Loaded through MeetingsService, as people would.
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

constexpr int64_t kMin = 60'000, kDay = 86'400'000;

}  // namespace

Status seed_demo_meetings(Application& app) {
  auto& svc = app.meetings();
  SL_ASSIGN(Caller staff, demo_caller(app, "staff"));
  SL_ASSIGN(Caller city_staff, demo_caller(app, "city_staff"));
  SL_ASSIGN(Caller member, demo_caller(app, "member"));
  SL_ASSIGN(Caller leader, demo_caller(app, "leader"));
  SL_ASSIGN(Caller resident, demo_caller(app, "resident"));
  SL_ASSIGN(Caller deputy, demo_caller(app, "deputy"));
  SL_ASSIGN(int64_t prov, id_of(app, "SELECT id FROM orgs WHERE name = ?", "江南省政协"));
  SL_ASSIGN(int64_t city, id_of(app, "SELECT id FROM orgs WHERE name = ?", "临江市政协"));
  SL_ASSIGN(int64_t economy, id_of(app, "SELECT id FROM sectors WHERE name = ? ORDER BY id", "经济界"));
  SL_ASSIGN(int64_t dept_mz, id_of(app, "SELECT id FROM orgs WHERE name = ?", "江南省民政厅"));
  TimeMs now = app.clock().now_ms();

  // 1. Live now: started 20 minutes ago, two hours long.
  bj::object live{
      {"org_id", prov},
      {"joint_org_ids", bj::array{city}},
      {"title", "推进城乡养老服务一体化 远程协商会"},
      {"topic", "城乡养老服务一体化：农村互助养老、社区嵌入式养老与快递驿站助老服务"},
      {"description", "省政协与临江市政协联合举办，主会场与两个分会场视频连线，委员可远程发言，网友可在线留言。"},
      {"starts_at", format_iso8601(now - 20 * kMin)},
      {"ends_at", format_iso8601(now + 100 * kMin)},
      {"public", true},
      {"comments", "open"},
      {"video_url", "https://meet.example.org/jn-yanglao-2026"},
      {"hls_url", "https://live.example.org/hls/jn-yanglao/index.m3u8"},
      {"chair_ids", bj::array{staff.person_id}},
      {"secretary_ids", bj::array{city_staff.person_id}},
      {"agenda",
       bj::array{bj::object{{"title", "主持人介绍协商议题"}, {"minutes", 10}, {"speaker", "周晓云"}},
                 bj::object{{"title", "省民政厅通报城乡养老服务情况"}, {"minutes", 20}, {"speaker", "省民政厅"}},
                 bj::object{{"title", "委员发言与互动交流"}, {"minutes", 60}},
                 bj::object{{"title", "部门回应与总结"}, {"minutes", 30}}}},
      {"venues",
       bj::array{bj::object{{"name", "江南省政协会议中心第一会议室"}, {"address", "江南省省府路 1 号"}, {"capacity", 80}, {"main", true}},
                 bj::object{{"name", "临江市政协委员会客厅"}, {"address", "临江市人民路 88 号"}, {"capacity", 30},
                            {"host_id", city_staff.person_id}, {"main", false}},
                 bj::object{{"name", "东湖区快递驿站"}, {"address", "临江市东湖区湖滨街 12 号"}, {"capacity", 15}, {"main", false}}}},
      {"invite", bj::object{{"person_ids", bj::array{member.person_id, leader.person_id}},
                            {"sector_ids", bj::array{economy}},
                            {"department_ids", bj::array{dept_mz}}}}};
  SL_ASSIGN(auto m1, svc.create(staff, live));
  int64_t id1 = m1.at("id").as_int64();
  SL_TRY(svc.set_state(staff, id1, "scheduled", ""));
  SL_TRY(svc.reply(member, id1, bj::object{{"reply", "remote"}}));
  SL_TRY(svc.set_state(staff, id1, "live", ""));
  SL_ASSIGN(auto full1, svc.get(staff, id1));
  int64_t item1 = full1.at("agenda").as_array().at(2).as_object().at("id").as_int64();
  SL_TRY(svc.set_current_item(staff, id1, item1));
  SL_TRY(svc.join(member, id1));
  SL_TRY(svc.add_intervention(member, id1, bj::object{{"body", "建议把快递驿站的助老服务纳入社区养老服务网络，给予场地和运营补贴。"},
                                                      {"agenda_item_id", item1}}));
  SL_TRY(svc.request_floor(member, id1, bj::object{{"note", "谈农村互助养老点的运营经费"}}));
  int64_t picked_id = 0;
  for (auto& [who, text] : std::vector<std::pair<Caller*, const char*>>{
           {&resident, "我们村的互助养老点只有上午开门，希望能延长时间。"},
           {&deputy, "建议给快递小哥开展助老服务培训，顺路送药送餐。"},
           {&resident, "农村老人用智能手机有困难，线上预约要保留电话渠道。"}}) {
    SL_ASSIGN(auto r, svc.add_comment(*who, id1, bj::object{{"body", text}}, "127.0.0.1"));
    if (!picked_id) picked_id = r.at("id").as_int64();
  }
  SL_TRY(svc.pick(staff, id1, picked_id, true));

  // 2. Scheduled for next week.
  bj::object next{{"org_id", prov},
                  {"title", "加强基层医疗卫生服务能力 专题协商会"},
                  {"topic", "县域医共体建设与乡村医生队伍"},
                  {"starts_at", format_iso8601(now + 7 * kDay)},
                  {"ends_at", format_iso8601(now + 7 * kDay + 150 * kMin)},
                  {"public", false},
                  {"comments", "off"},
                  {"video_url", "https://meet.example.org/jn-yiliao-2026"},
                  {"chair_ids", bj::array{staff.person_id}},
                  {"agenda", bj::array{bj::object{{"title", "情况通报"}, {"minutes", 30}}, bj::object{{"title", "委员发言"}, {"minutes", 90}}}},
                  {"venues", bj::array{bj::object{{"name", "江南省政协会议中心第二会议室"}, {"address", "江南省省府路 1 号"}, {"main", true}}}},
                  {"invite", bj::object{{"person_ids", bj::array{member.person_id}}, {"sector_ids", bj::array{economy}}}}};
  SL_ASSIGN(auto m2, svc.create(staff, next));
  SL_TRY(svc.set_state(staff, m2.at("id").as_int64(), "scheduled", ""));

  // 3. Published: held last month (run through now; its times say when it was).
  bj::object past{{"org_id", city},
                  {"title", "老旧小区加装电梯 协商议事会"},
                  {"topic", "加装电梯的费用分摊与低层住户意见"},
                  {"starts_at", format_iso8601(now - 30 * kDay)},
                  {"ends_at", format_iso8601(now - 30 * kDay + 120 * kMin)},
                  {"public", true},
                  {"comments", "moderated"},
                  {"chair_ids", bj::array{city_staff.person_id}},
                  {"secretary_ids", bj::array{city_staff.person_id}},
                  {"agenda", bj::array{bj::object{{"title", "住建部门介绍政策"}, {"minutes", 20}}, bj::object{{"title", "居民与委员协商"}, {"minutes", 90}}}},
                  {"venues", bj::array{bj::object{{"name", "临江市政协委员会客厅"}, {"address", "临江市人民路 88 号"}, {"main", true}}}},
                  {"invite", bj::object{{"person_ids", bj::array{member.person_id}}}}};
  SL_ASSIGN(auto m3, svc.create(city_staff, past));
  int64_t id3 = m3.at("id").as_int64();
  SL_TRY(svc.set_state(city_staff, id3, "scheduled", ""));
  SL_TRY(svc.reply(member, id3, bj::object{{"reply", "onsite"}}));
  SL_TRY(svc.set_state(city_staff, id3, "live", ""));
  int64_t venue3 = m3.at("venues").as_array().at(0).as_object().at("id").as_int64();
  SL_TRY(svc.set_attendance(city_staff, id3, member.person_id,
                            bj::object{{"status", "present"}, {"venue_id", venue3}, {"reason", "现场签到表登记"}}));
  SL_TRY(svc.put_minutes(city_staff, id3,
                         bj::object{{"body_md", "## 会议纪要\n\n"
                                                "1. 住建部门介绍了加装电梯的财政补贴政策。\n"
                                                "2. 与会委员和居民代表认为费用分摊应按楼层递增，低层住户可免于出资。\n"
                                                "3. 会议建议由街道牵头，一楼一策，形成协议后报区住建局备案。\n"}}));
  SL_TRY(svc.set_state(city_staff, id3, "ended", ""));
  SL_TRY(svc.set_state(city_staff, id3, "published", ""));
  return Ok();
}

}  // namespace sl::app
