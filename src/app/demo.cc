// The demo data set: a provincial CPPCC with 2 cities × 2 counties, 10 sectors, 300 members,
// 8 government departments, staff and leaders; a county people's congress; a village council;
// and an open deliberation on elderly care (demo_deliberation.cc).
// Loaded through the same services as the API (rosters through the roster import), once.
#include <boost/json.hpp>

#include <sstream>

#include "app/application.h"
#include "modules/orgs/orgs_store.h"

namespace sl::app {

namespace bj = boost::json;
using access::Caller;
using storage::Conn;

namespace {

constexpr const char* kPassword = "shangliang-demo";

const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
                           "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧"};
const char* kGiven[] = {"建国", "秀英", "志强", "丽华", "文杰", "海燕", "晓明", "春梅", "国华", "玉兰",
                        "振华", "桂芳", "永刚", "红霞", "德胜", "慧敏", "立新", "淑珍", "子涵", "雨桐"};

std::string person_name(int i) { return std::string(kSurnames[i % 30]) + kGiven[(i / 30 + i) % 20]; }

Result<int64_t> add_org(Application& app, std::optional<int64_t> parent, const std::string& name, const char* level,
                        const char* kind) {
  bj::object body{{"name", name}, {"level", level}, {"kind", kind}};
  if (parent) body["parent_id"] = *parent;
  SL_ASSIGN(auto o, app.orgs().create_org(Caller::system(), body));
  return o.at("id").as_int64();
}

}  // namespace

Result<std::string> seed_demo(Application& app) {
  std::ostringstream accounts;
  accounts << "\n演示账号 / demo accounts (密码 / password: " << kPassword << ")\n"
           << "  admin        平台管理员 + 江南省政协管理员 (platform administrator)\n"
           << "  staff        江南省政协 工作人员 (provincial staff)\n"
           << "  city_staff   临江市政协 工作人员 (city staff)\n"
           << "  leader       江南省政协 领导 (leader)\n"
           << "  member       江南省政协 委员 + 临江市政协 委员 (member of two levels)\n"
           << "  dept_mz      江南省民政厅 部门联络员 (department responder)\n"
           << "  deputy       东湖区人大常委会 代表 (people's congress deputy)\n"
           << "  resident     桃源村议事会 居民 (village council resident)\n"
           << "  village_staff 桃源村议事会 工作人员 (village council staff: screens the topic box)\n\n";

  SL_ASSIGN(bool present, app.db().read_value<bool>([](Conn& c) -> Result<bool> {
    SL_ASSIGN(auto r, c.query_one("SELECT 1 FROM people WHERE login = 'admin'"));
    return r.has_value();
  }));
  if (present) return accounts.str();

  Caller sys = Caller::system();
  SL_ASSIGN(std::string hash, app.accounts().hasher().hash(kPassword));

  // Organisations.
  SL_ASSIGN(int64_t prov, add_org(app, std::nullopt, "江南省政协", "province", "cppcc"));
  const char* cities[] = {"临江市政协", "青山市政协"};
  const char* counties[2][2] = {{"临江市东湖区政协", "临江市西岭县政协"}, {"青山市南溪县政协", "青山市北岸县政协"}};
  std::vector<int64_t> city_ids;
  for (int i = 0; i < 2; ++i) {
    SL_ASSIGN(int64_t city, add_org(app, prov, cities[i], "city", "cppcc"));
    city_ids.push_back(city);
    for (int j = 0; j < 2; ++j) SL_TRY(add_org(app, city, counties[i][j], "county", "cppcc"));
  }
  const char* depts[] = {"江南省发展和改革委员会", "江南省教育厅",     "江南省民政厅",   "江南省财政厅",
                         "江南省人力资源和社会保障厅", "江南省自然资源厅", "江南省住房和城乡建设厅", "江南省卫生健康委员会"};
  std::vector<int64_t> dept_ids;
  for (const char* d : depts) {
    SL_ASSIGN(int64_t id, add_org(app, prov, d, "province", "department"));
    dept_ids.push_back(id);
  }
  SL_ASSIGN(int64_t congress, add_org(app, std::nullopt, "临江市东湖区人大常委会", "county", "congress"));
  SL_ASSIGN(int64_t village, add_org(app, std::nullopt, "东湖区桃源村议事会", "village", "council"));

  // Sectors (界别).
  const char* sectors[] = {"中国共产党", "中国国民党革命委员会", "中国民主同盟", "中国民主建国会", "中国民主促进会",
                           "中国农工民主党", "中国致公党", "九三学社", "无党派人士", "经济界"};
  for (const char* s : sectors) SL_TRY(app.orgs().create_sector(sys, prov, bj::object{{"name", s}}));
  SL_TRY(app.orgs().create_sector(sys, city_ids[0], bj::object{{"name", "经济界"}}));

  // Rosters, through the same import staff use.
  std::ostringstream prov_csv, city_csv, congress_csv, village_csv;
  prov_csv << "display_name,login,mobile,role,sector\n";
  prov_csv << "系统管理员,admin,,admin,\n";
  prov_csv << "周晓云,staff,13800000002,staff,\n";
  prov_csv << "沈国栋,leader,13800000003,leader,\n";
  prov_csv << "陈志远,member,13800000004,member,经济界\n";
  for (int i = 0; i < 299; ++i)
    prov_csv << person_name(i) << ",m" << 1000 + i << ",139" << 10000000 + i << ",member," << sectors[i % 10] << "\n";
  city_csv << "display_name,login,mobile,role,sector\n";
  city_csv << "林海峰,city_staff,13800000005,staff,\n";
  city_csv << "陈志远,member,13800000004,member,经济界\n";
  for (int i = 0; i < 40; ++i) city_csv << person_name(i) << ",m" << 1000 + i << ",139" << 10000000 + i << ",member,\n";
  congress_csv << "display_name,login,mobile,role,sector\n";
  congress_csv << "郑春华,deputy,13800000006,member,\n";
  for (int i = 0; i < 29; ++i) congress_csv << person_name(i + 7) << ",d" << 2000 + i << ",,member,\n";
  village_csv << "display_name,login,mobile,role,sector\n";
  village_csv << "何桂兰,resident,13800000007,member,\n";
  for (int i = 0; i < 19; ++i) village_csv << person_name(i + 13) << ",v" << 3000 + i << ",,member,\n";
  SL_TRY(app.orgs().import_roster(sys, prov, prov_csv.str()));
  SL_TRY(app.orgs().import_roster(sys, city_ids[0], city_csv.str()));
  SL_TRY(app.orgs().import_roster(sys, congress, congress_csv.str()));
  SL_TRY(app.orgs().import_roster(sys, village, village_csv.str()));
  for (size_t i = 0; i < dept_ids.size(); ++i) {
    std::ostringstream d;
    d << "display_name,login,role\n" << (i == 2 ? "民政厅联络员,dept_mz" : "部门联络员" + std::to_string(i + 1) + ",dept" + std::to_string(i + 1)) << ",responder\n";
    SL_TRY(app.orgs().import_roster(sys, dept_ids[i], d.str()));
  }

  // An open deliberation with speeches, department answers and points. Its replies, mentions
  // and answers would fill the demo inboxes: they start with the welcome and membership
  // notices only (the tour and the inbox tests count on that).
  SL_ASSIGN(int64_t last_notice, app.db().read_value<int64_t>([](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto r, c.query_one("SELECT COALESCE(MAX(id), 0) FROM notifications"));
    return r->i64(0);
  }));
  SL_TRY(seed_demo_deliberation(app));
  SL_TRY(seed_demo_topics(app));
  SL_TRY(seed_demo_surveys(app));
  SL_TRY(seed_demo_meetings(app));
  SL_TRY(seed_demo_cases(app));
  SL_TRY(app.db().write([&](Conn& c) -> Status {
    SL_TRY(c.exec("DELETE FROM notifications WHERE id > ?", {last_notice}));
    return Ok();
  }));

  // One password for every demo person, and the platform administrator flag.
  SL_TRY(app.db().write([&](Conn& c) -> Status {
    SL_TRY(c.exec("UPDATE people SET password_hash = ? WHERE password_hash IS NULL", {hash}));
    SL_TRY(c.exec("UPDATE people SET is_superadmin = 1 WHERE login = 'admin'"));
    SL_ASSIGN(auto admin, c.query_one("SELECT id FROM people WHERE login = 'admin'"));
    SL_TRY(accounts::record_person(c, app.ledger(), sys, "person.superadmin_granted", admin->i64(0)));
    // A welcome message in each demo account's inbox (after the membership notices, so it is
    // the newest).
    for (const char* login : {"admin", "staff", "city_staff", "leader", "member", "dept_mz", "deputy", "resident", "village_staff"}) {
      SL_ASSIGN(auto p, c.query_one("SELECT id FROM people WHERE login = ?", {std::string(login)}));
      if (!p) continue;
      SL_TRY(notifications::notify(c, p->i64(0), "welcome", "欢迎使用商量",
                                   "有事好商量。与你有关的消息会出现在这里：有人在议题中提到你、你的身份有变化等，"
                                   "点开消息即可前往相关页面。",
                                   "/"));
    }
    return Ok();
  }));
  return accounts.str();
}

}  // namespace sl::app
