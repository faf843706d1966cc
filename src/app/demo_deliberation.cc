// The demo deliberation: an open 网络议政协商会 of 江南省政协 on elderly care, modelled on
// Henan CPPCC's "meeting without a venue" (seed 004): three guiding sub-topics, three phases,
// 民政厅 (dept_mz), 财政厅 and 卫健委 invited, about thirty posts by demo 委员 (the `member`
// account among them), leader remarks, public comments, likes, and one speech split into
// funding / health / elderly-care points that the departments were assigned, claimed and
// answered. Loaded through DeliberationService, as people would.
#include <boost/json.hpp>

#include "app/application.h"
#include "modules/orgs/orgs_store.h"

namespace sl::app {

namespace bj = boost::json;
using access::Caller;
using storage::Conn;

namespace {

Result<Caller> caller_for(Application& app, const std::string& login) {
  return app.db().read_value<Caller>([&](Conn& c) -> Result<Caller> {
    SL_ASSIGN(auto row, c.query_one("SELECT id FROM people WHERE login = ?", {login}));
    if (!row) return Error::NotFound("person_not_found", "演示账号不存在：" + login);
    Caller caller;
    caller.person_id = row->i64(0);
    SL_ASSIGN(caller.memberships, orgs::store::memberships_of(c, caller.person_id));
    return caller;
  });
}

Result<int64_t> org_named(Application& app, const std::string& name) {
  return app.db().read_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto row, c.query_one("SELECT id FROM orgs WHERE name = ?", {name}));
    if (!row) return Error::NotFound("org_not_found", "演示组织不存在：" + name);
    return row->i64(0);
  });
}

struct Speech {
  const char* login;
  int subtopic;  // 1..3, 0: none
  const char* title;
  const char* body;
};

// Top-level speeches of 委员 (m1000... are demo 委员 of the province).
const Speech kSpeeches[] = {
    {"m1000", 1, "社区嵌入式养老要“嵌”得进、更要“转”得动",
     "近年来各地建成了一批社区养老服务综合体，但调研中发现，不少站点**建起来容易、运营下去难**：场地租金高、服务收费低、"
     "专业人员留不住。\n\n建议：\n1. 对运营满两年、服务人次达标的站点给予运营补贴，由“补建设”转向“补运营”；\n"
     "2. 允许社区闲置公房以低租金或零租金提供给养老服务机构；\n3. 推行“中心+站点+家庭床位”的连锁化运营。"},
    {"m1001", 2, "长期护理保险试点应尽快扩面",
     "失能老人的照护费用是家庭最重的负担之一。我省长期护理保险目前仅在两个市试点，建议总结试点经验，"
     "**三年内覆盖全省**，并把居家上门护理纳入支付范围，让老人在家也能享受专业护理。"},
    {"m1002", 1, "老旧小区适老化改造要与加装电梯统筹推进",
     "许多老旧小区的老人“悬空”在楼上，下楼难、就医难。建议把适老化改造纳入老旧小区改造的必选项目，"
     "统筹推进加装电梯、楼道扶手、无障碍坡道，简化加装电梯的审批流程。"},
    {"m1003", 3, "发展农村互助养老，激活“熟人社会”",
     "农村老人故土难离，集中供养意愿不高。建议依托村级幸福院发展互助养老，由低龄健康老人照看高龄老人，"
     "服务时间计入“时间银行”，村集体经济给予适当补贴。"},
    {"m1004", 2, "提升护理型床位占比，破解“一床难求”",
     "一方面养老机构整体空置率不低，另一方面失能老人需要的护理型床位“一床难求”。建议到2027年护理型床位占比不低于60%，"
     "对新增护理型床位给予一次性建设补助，并支持二级以下医院转型为护理院。"},
    {"m1005", 1, "把老年助餐服务办成民心工程",
     "助餐是老人最迫切的需求之一。建议按照“政府补一点、企业让一点、个人出一点”的思路，在城市社区实现助餐点全覆盖，"
     "对高龄、失能、低保老人给予差异化补贴，并发展送餐上门。"},
    {"m1006", 1, "加强养老护理员队伍建设",
     "养老护理员平均年龄超过50岁，收入低、流失率高。建议建立护理员职业技能等级与薪酬挂钩机制，"
     "对在养老机构连续从业满五年的给予一次性奖励，支持职业院校扩大养老服务专业招生。"},
    {"m1007", 3, "特困老人供养服务机构要提质增效",
     "县级特困供养服务机构是兜底保障的关键。建议推进乡镇敬老院向区域养老服务中心转型，"
     "在满足特困人员集中供养的前提下，向社会老人开放空余床位，提高运营效率。"},
    {"m1008", 2, "推动智慧健康养老产品进社区、进家庭",
     "一键呼叫、跌倒报警、远程问诊等产品可以弥补人手不足。建议在社区养老服务站点推广使用，"
     "对困难老人家庭配置智能设备给予补贴，同时注意保护老人的个人信息。"},
    {"m1009", 0, "加强养老服务综合监管",
     "随着养老服务市场扩大，预付费、以房养老等领域出现了侵害老人权益的问题。建议建立养老服务综合监管平台，"
     "对预收费实行资金存管，畅通老人和家属的投诉渠道。"},
};

// The speech the Henan record tells of: one member's proposals split into three points that
// three departments claimed and answered one by one.
constexpr const char* kMemberSpeechTitle = "关于健全农村养老服务和困难老人兜底保障的建议";
constexpr const char* kMemberSpeech =
    "近期我们在临江市、青山市的12个乡镇开展调研，发现农村养老存在“三缺”：缺资金、缺服务、缺人手。提出三点建议：\n\n"
    "**一、加大财政投入。** 建议省级财政设立农村养老服务专项资金，对乡镇敬老院改造提升、村级互助幸福院运营给予持续补助，"
    "避免“重建设、轻运营”。\n\n"
    "**二、推进医养结合向农村延伸。** 乡镇卫生院与敬老院“两院一体”，家庭医生签约服务覆盖所有失能、半失能老人，每季度至少上门一次。\n\n"
    "**三、关爱农村困难老人。** 将低保、特困家庭中的失能老人全部纳入集中供养或居家探访，建立留守老人“一人一档”和邻里互助照看机制。";

}  // namespace

Status seed_demo_deliberation(Application& app) {
  auto& svc = app.deliberations();
  SL_ASSIGN(Caller staff, caller_for(app, "staff"));
  SL_ASSIGN(Caller leader, caller_for(app, "leader"));
  SL_ASSIGN(Caller member, caller_for(app, "member"));
  SL_ASSIGN(Caller dept_mz, caller_for(app, "dept_mz"));
  SL_ASSIGN(Caller dept_cz, caller_for(app, "dept4"));  // 财政厅
  SL_ASSIGN(Caller dept_wj, caller_for(app, "dept8"));  // 卫生健康委员会
  SL_ASSIGN(Caller resident, caller_for(app, "resident"));
  SL_ASSIGN(int64_t prov, org_named(app, "江南省政协"));
  SL_ASSIGN(int64_t mz, org_named(app, "江南省民政厅"));
  SL_ASSIGN(int64_t cz, org_named(app, "江南省财政厅"));
  SL_ASSIGN(int64_t wj, org_named(app, "江南省卫生健康委员会"));

  TimeMs now = SystemClock().now_ms();
  constexpr TimeMs kDay = 86'400'000;
  auto at = [&](TimeMs t) { return format_iso8601(t); };
  bj::object body{
      {"org_id", prov},
      {"theme", "推进基本养老服务体系建设——网络议政协商会"},
      {"description",
       "围绕**推进基本养老服务体系建设**，省政协在“商量”平台举行网络议政协商会：不设会场，委员在线发言，部门在线回应，"
       "群众在线围观、评论。\n\n请围绕以下引导话题发言，也欢迎跟帖讨论：\n\n1. 居家社区养老服务如何补短板\n"
       "2. 医养结合怎样落到实处\n3. 农村养老和困难老人兜底保障\n\n发言阶段结束后，省民政厅、省财政厅、省卫生健康委员会"
       "将逐条认领、回应委员意见。"},
      {"subtopics", bj::array{bj::object{{"title", "居家社区养老"}, {"description", "社区嵌入式养老、助餐助浴、适老化改造、家庭养老床位"}},
                              bj::object{{"title", "医养结合"}, {"description", "签约服务、护理型床位、长期护理保险"}},
                              bj::object{{"title", "农村养老与兜底保障"}, {"description", "农村互助养老、特困老人供养、留守老人关爱"}}}},
      {"phases", bj::array{bj::object{{"kind", "speaking"}, {"name", "委员发言"}, {"starts_at", at(now - 5 * kDay)}, {"ends_at", at(now + 9 * kDay)}},
                           bj::object{{"kind", "response"}, {"name", "部门回应"}, {"starts_at", at(now + 9 * kDay)}, {"ends_at", at(now + 20 * kDay)}},
                           bj::object{{"kind", "summary"}, {"name", "总结评议"}, {"starts_at", at(now + 20 * kDay)}, {"ends_at", at(now + 25 * kDay)}}}},
      {"department_ids", bj::array{mz, cz, wj}},
      {"public_mode", "comment"}};
  SL_ASSIGN(auto d, svc.create(staff, body));
  int64_t id = d.at("id").as_int64();
  std::vector<int64_t> subtopics;
  for (auto& s : d.at("subtopics").as_array()) subtopics.push_back(s.as_object().at("id").as_int64());
  SL_TRY(svc.set_state(staff, id, "open"));
  SL_TRY(svc.set_phase(staff, id, d.at("phases").as_array()[0].as_object().at("id").as_int64()));

  auto speak = [&](const Caller& who, bj::object b) -> Result<int64_t> {
    SL_ASSIGN(auto p, svc.create_post(who, id, b));
    return p.at("id").as_int64();
  };
  auto reply = [&](const Caller& who, int64_t parent, const char* text) -> Result<int64_t> {
    return speak(who, bj::object{{"parent_id", parent}, {"body", text}});
  };

  SL_TRY(speak(leader, bj::object{{"title", "开场：有事好商量，众人的事情由众人商量"},
                                  {"body", "欢迎各位委员、各部门同志和网友参加本次网络议政协商会。本次协商不设会场、不念稿子，"
                                           "请大家直奔主题、多提具体建议；各部门要认真研究、逐条回应。"}}));
  SL_ASSIGN(int64_t main, speak(member, bj::object{{"title", kMemberSpeechTitle}, {"body", kMemberSpeech}, {"subtopic_id", subtopics[2]}}));
  std::vector<int64_t> speeches;
  for (const auto& s : kSpeeches) {
    SL_ASSIGN(Caller who, caller_for(app, s.login));
    bj::object b{{"title", s.title}, {"body", s.body}};
    if (s.subtopic) b["subtopic_id"] = subtopics[static_cast<size_t>(s.subtopic - 1)];
    SL_ASSIGN(int64_t p, speak(who, b));
    speeches.push_back(p);
  }

  // Discussion under the speeches.
  SL_ASSIGN(Caller m10, caller_for(app, "m1010"));
  SL_ASSIGN(Caller m11, caller_for(app, "m1011"));
  SL_ASSIGN(Caller m12, caller_for(app, "m1012"));
  SL_ASSIGN(Caller m13, caller_for(app, "m1013"));
  SL_ASSIGN(Caller m14, caller_for(app, "m1014"));
  SL_ASSIGN(int64_t r1, reply(m10, main, "完全赞同。我们县的幸福院建好后因为没有运营经费，一年多只开了几个月。"));
  SL_TRY(reply(member, r1, "是的，所以建议里强调持续补助运营，而不是一次性建设补助。"));
  SL_TRY(reply(leader, main, "陈志远委员的调研扎实、建议具体。请省财政厅、省卫健委、省民政厅认真研究，逐条回应，回应要有时间表。"));
  SL_ASSIGN(int64_t r2, reply(m11, speeches[0], "补运营比补建设更重要，建议补贴和服务质量评价挂钩。"));
  SL_TRY(reply(m12, r2, "同意挂钩，但评价要简便，别让站点把精力都花在填表上。"));
  SL_TRY(reply(m13, speeches[1], "长护险扩面要同步建立失能等级评估标准，全省统一。"));
  SL_TRY(reply(dept_wj, speeches[1], "感谢委员建议。我委正会同医保部门研究失能等级评估全省统一标准，将在回应阶段详细答复。"));
  SL_TRY(reply(m14, speeches[3], "“时间银行”要解决跨村、跨县通兑的问题，否则年轻时存的时间老了用不上。"));
  SL_TRY(reply(m10, speeches[4], "护理型床位的认定标准也要明确，防止只换牌子不换服务。"));
  SL_ASSIGN(int64_t r3, reply(m11, speeches[5], "建议助餐点和社区食堂、机关食堂结合，降低成本。"));
  SL_TRY(reply(m12, r3, "我们区的机关食堂对老人开放后效果很好，价格比外面便宜三成。"));
  SL_TRY(reply(resident, speeches[5], "我们村的老人也盼着有个助餐点，希望农村也能考虑。"));
  SL_TRY(reply(m13, speeches[7], "敬老院转型要保证特困老人优先，不能“挤出”兜底对象。"));
  SL_TRY(reply(m14, speeches[9], "预付费资金存管非常必要，去年有养老机构跑路，老人的钱追不回来。"));

  // Likes.
  const char* likers[] = {"m1010", "m1011", "m1012", "m1013", "m1014", "m1015", "m1016", "leader"};
  for (const char* l : likers) {
    SL_ASSIGN(Caller who, caller_for(app, l));
    SL_TRY(svc.like(who, main, true));
    SL_TRY(svc.like(who, speeches[static_cast<size_t>(l[4] - '0') % speeches.size()], true));
  }
  SL_TRY(svc.like(member, speeches[0], true));

  // 认领回应: the member's speech split into funding / health / elderly-care points.
  SL_ASSIGN(auto funding, svc.create_point(staff, main, bj::object{{"quote", "建议省级财政设立农村养老服务专项资金"},
                                                                   {"summary", "设立农村养老服务专项资金"},
                                                                   {"department_id", cz}}));
  SL_ASSIGN(auto health, svc.create_point(member, main, bj::object{{"quote", "家庭医生签约服务覆盖所有失能、半失能老人"},
                                                                   {"summary", "家庭医生签约覆盖失能老人"}}));
  SL_ASSIGN(auto elderly, svc.create_point(staff, main, bj::object{{"quote", "建立留守老人“一人一档”和邻里互助照看机制"},
                                                                   {"summary", "留守老人一人一档、邻里互助"},
                                                                   {"department_id", mz}}));
  int64_t fp = funding.at("id").as_int64(), hp = health.at("id").as_int64(), ep = elderly.at("id").as_int64();
  SL_TRY(svc.answer_point(dept_cz, fp, bj::object{{"body",
      "感谢陈志远委员的建议。省财政厅将会同省民政厅研究设立农村养老服务专项资金，重点支持乡镇敬老院改造提升和村级幸福院运营，"
      "拟从明年起按运营绩效给予补助，具体办法年内出台。"}}));
  SL_TRY(svc.accept_point(member, fp));
  SL_TRY(svc.claim_point(dept_wj, hp, bj::object{}));
  SL_TRY(svc.answer_point(dept_wj, hp, bj::object{{"body",
      "我委已部署家庭医生签约服务向失能、半失能老人倾斜，今年底前实现应签尽签，并将上门服务纳入基层医疗机构绩效考核。"}}));
  (void)ep;  // assigned to 民政厅 and waiting in dept_mz's console
  // Two more points, open for departments to claim.
  SL_TRY(svc.create_point(staff, speeches[3], bj::object{{"summary", "以“时间银行”发展农村互助养老"}}));
  SL_TRY(svc.create_point(staff, speeches[5], bj::object{{"summary", "城市社区助餐点全覆盖、困难老人差异化补贴"}}));
  return Ok();
}

}  // namespace sl::app
