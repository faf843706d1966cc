#include "modules/orgs/orgs.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/json.h"
#include "modules/common/test_fixture.h"
#include "modules/ledger/ledger_audit.h"
#include "modules/ledger/note.h"
#include "modules/orgs/orgs_store.h"

namespace sl::orgs {
namespace {

namespace bj = boost::json;
using access::Role;

class OrgsTest : public testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    accounts_ = std::make_unique<accounts::AccountsService>(*db_, clock_, random_, sms_, *ledger_, auth_);
    svc_ = std::make_unique<OrgsService>(*db_, clock_, *accounts_, *ledger_);
    prov_ = make_org(std::nullopt, "江南省政协", "province");
    city_ = make_org(prov_, "临江市政协", "city");
    county_ = make_org(city_, "东湖区政协", "county");
    other_city_ = make_org(prov_, "青山市政协", "city");
    auto s = svc_->create_sector(sys_, prov_, bj::object{{"name", "经济界"}});
    ASSERT_TRUE(s.ok());
    sector_ = s->at("id").as_int64();
  }
  int64_t make_org(std::optional<int64_t> parent, const char* name, const char* level) {
    bj::object body{{"name", name}, {"level", level}, {"kind", "cppcc"}};
    if (parent) body["parent_id"] = *parent;
    auto o = svc_->create_org(sys_, body);
    EXPECT_TRUE(o.ok()) << (o.ok() ? "" : o.error().message);
    return o.ok() ? o->at("id").as_int64() : 0;
  }
  std::string path_of(int64_t id) {
    return db_->read_value<std::string>([&](storage::Conn& c) { return access::org_path(c, id); }).value();
  }
  Caller as(Role r, int64_t org) {
    Caller c;
    c.person_id = 999;
    c.memberships.push_back({1, org, r, std::nullopt, path_of(org)});
    return c;
  }
  int64_t member_count(int64_t org) { return svc_->get_org(org)->at("member_count").as_int64(); }

  Caller sys_ = Caller::system();
  std::unique_ptr<accounts::AccountsService> accounts_;
  std::unique_ptr<OrgsService> svc_;
  int64_t prov_ = 0, city_ = 0, county_ = 0, other_city_ = 0, sector_ = 0;
};

TEST_F(OrgsTest, TreeWithAncestorsAndLabels) {
  auto o = svc_->get_org(county_);
  ASSERT_TRUE(o.ok());
  auto& anc = o->at("ancestors").as_array();
  ASSERT_EQ(anc.size(), 2u);
  EXPECT_EQ(anc[0].as_object().at("id").as_int64(), prov_);
  EXPECT_EQ(anc[1].as_object().at("id").as_int64(), city_);
  EXPECT_EQ(o->at("member_label").as_string(), "委员");
  auto kids = svc_->list_orgs(prov_, 0, 50);
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(kids->at("items").as_array().size(), 2u);
  EXPECT_EQ(svc_->get_org(prov_)->at("child_count").as_int64(), 2);
}

TEST_F(OrgsTest, PermissionsFollowTheTree) {
  bj::object child{{"name", "新区政协"}, {"level", "county"}, {"kind", "cppcc"}, {"parent_id", city_}};
  // Staff cannot create organisations; an admin of the province can, below it.
  auto denied = svc_->create_org(as(Role::kStaff, prov_), child);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, Code::kForbidden);
  EXPECT_TRUE(svc_->create_org(as(Role::kAdmin, prov_), child).ok());
  // Not above its own level, not sideways.
  EXPECT_FALSE(svc_->create_org(as(Role::kAdmin, city_), bj::object{{"name", "x"}, {"level", "county"}, {"kind", "cppcc"}, {"parent_id", other_city_}}).ok());
  // A level above the parent's is refused.
  auto bad_level = svc_->create_org(sys_, bj::object{{"name", "y"}, {"level", "province"}, {"kind", "cppcc"}, {"parent_id", city_}});
  ASSERT_FALSE(bad_level.ok());
  EXPECT_EQ(bad_level.error().slug, "invalid_level");
  // Province staff list county members; city staff may not list the province's.
  EXPECT_TRUE(svc_->list_members(as(Role::kStaff, prov_), county_, {}, 0, 50).ok());
  EXPECT_FALSE(svc_->list_members(as(Role::kStaff, city_), prov_, {}, 0, 50).ok());
  EXPECT_FALSE(svc_->list_members(as(Role::kMember, prov_), prov_, {}, 0, 50).ok());
}

TEST_F(OrgsTest, StaffAddMembersButCannotGrantAdmin) {
  Caller staff = as(Role::kStaff, prov_);
  auto m = svc_->add_member(staff, prov_, bj::object{{"display_name", "王五"}, {"login", "wangwu"}, {"role", "member"}, {"sector_id", sector_}});
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->at("sector").as_object().at("name").as_string(), "经济界");
  auto pid = m->at("person").as_object().at("id").as_int64();
  auto admin = svc_->add_member(staff, prov_, bj::object{{"person_id", pid}, {"role", "admin"}});
  ASSERT_FALSE(admin.ok());
  EXPECT_EQ(admin.error().code, Code::kForbidden);
  auto dup = svc_->add_member(staff, prov_, bj::object{{"person_id", pid}, {"role", "member"}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Code::kConflict);
  // The same person may hold a role in a second organisation.
  EXPECT_TRUE(svc_->add_member(staff, city_, bj::object{{"person_id", pid}, {"role", "member"}}).ok());
}

TEST_F(OrgsTest, RosterImportIsAllOrNothingWithLineNumbers) {
  std::string bad =
      "姓名,登录名,手机号,角色,界别\n"
      "赵一,zhaoyi,13911110001,委员,经济界\n"
      "钱二,qianer,1391111000,member,经济界\n"   // bad mobile (line 3)
      "孙三,sunsan,13911110003,member,不存在\n";  // unknown sector (line 4)
  auto r = svc_->import_roster(sys_, prov_, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kUnprocessable);
  auto details = bj::parse(r.error().details_json).as_object();
  auto& errs = details.at("errors").as_array();
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs[0].as_object().at("line").as_int64(), 3);
  EXPECT_EQ(errs[1].as_object().at("line").as_int64(), 4);
  EXPECT_EQ(member_count(prov_), 0);  // nothing imported

  std::string good =
      "display_name,login,mobile,role,sector\n"
      "赵一,zhaoyi,13911110001,member,经济界\n"
      "钱二,qianer,13911110002,member,\n";
  auto ok = svc_->import_roster(sys_, prov_, good);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->imported, 2);
  EXPECT_EQ(ok->created_people, 2);
  EXPECT_EQ(member_count(prov_), 2);
  // Importing the same file again changes nothing.
  auto again = svc_->import_roster(sys_, prov_, good);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged, 2);
  EXPECT_EQ(member_count(prov_), 2);
  // Staff may not import privileged roles.
  auto priv = svc_->import_roster(as(Role::kStaff, prov_), prov_, "display_name,login,role\n周七,zhouqi,admin\n");
  ASSERT_FALSE(priv.ok());
  EXPECT_EQ(priv.error().code, Code::kUnprocessable);
}

TEST_F(OrgsTest, MembersPageWithoutGapsOrDuplicates) {
  std::string csv = "display_name,login\n";
  for (int i = 0; i < 123; ++i) csv += "成员" + std::to_string(i) + ",p" + std::to_string(1000 + i) + "\n";
  ASSERT_TRUE(svc_->import_roster(sys_, city_, csv).ok());
  std::set<int64_t> seen;
  int64_t after = 0;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = svc_->list_members(sys_, city_, {}, after, 50);
    ASSERT_TRUE(page.ok());
    for (auto& m : page->at("items").as_array()) EXPECT_TRUE(seen.insert(m.as_object().at("id").as_int64()).second);
    if (page->at("next_cursor").is_null()) break;
    after = json::decode_cursor(page->at("next_cursor").as_string()).value();
  }
  EXPECT_EQ(seen.size(), 123u);
}

TEST_F(OrgsTest, DeleteRulesAndOptimisticLocking) {
  auto del = svc_->delete_org(sys_, city_);
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().slug, "org_has_children");
  auto v = svc_->get_org(county_)->at("version").as_int64();
  ASSERT_TRUE(svc_->update_org(sys_, county_, bj::object{{"name", "东湖区政协（新）"}}, v).ok());
  auto stale = svc_->update_org(sys_, county_, bj::object{{"name", "再改"}}, v);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, Code::kPreconditionFailed);
  EXPECT_TRUE(svc_->delete_org(sys_, county_).ok());
  EXPECT_FALSE(svc_->get_org(county_).ok());
}

TEST_F(OrgsTest, SearchTreatsWildcardsLiterally) {
  ASSERT_TRUE(svc_->import_roster(sys_, prov_, "display_name,login\n甲,city_staff\n乙,cityxstaff\n").ok());
  MemberFilter f;
  f.q = "city_staff";
  auto page = svc_->list_members(sys_, prov_, f, 0, 50);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->at("items").as_array().size(), 1u);
  auto people = svc_->search_people(sys_, std::string("y_s"), 0, 50);
  ASSERT_TRUE(people.ok());
  EXPECT_EQ(people->at("items").as_array().size(), 1u);
}

TEST_F(OrgsTest, LevelStaysBetweenParentAndChildren) {
  auto up = svc_->update_org(sys_, city_, bj::object{{"level", "national"}}, std::nullopt);
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error().slug, "invalid_level");
  auto down = svc_->update_org(sys_, city_, bj::object{{"level", "village"}}, std::nullopt);
  ASSERT_FALSE(down.ok());  // its county child would sit above it
  EXPECT_TRUE(svc_->update_org(sys_, county_, bj::object{{"level", "township"}}, std::nullopt).ok());
}

TEST_F(OrgsTest, EveryChangeIsInTheLedgerWithAVerifiableContentHash) {
  auto before = ledger_->entries(0, 1000)->at("items").as_array().size();
  auto m = svc_->add_member(sys_, prov_, bj::object{{"display_name", "王五"}, {"login", "wangwu"}, {"role", "member"}});
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(svc_->remove_membership(sys_, m->at("id").as_int64()).ok());
  auto items = ledger_->entries(0, 1000)->at("items").as_array();
  ASSERT_EQ(items.size(), before + 3);  // person created, membership granted, membership revoked
  std::vector<std::string> actions;
  for (size_t i = before; i < items.size(); ++i)
    actions.push_back(std::string(bj::parse(items[i].as_object().at("entry").as_string()).as_object().at("action").as_string()));
  EXPECT_EQ(actions, (std::vector<std::string>{"person.created", "membership.granted", "membership.revoked"}));
  // The org's entry hashes its stored content with its stored salt.
  auto state = db_->read_value<std::optional<store::LedgerState>>([&](storage::Conn& c) { return store::ledger_state(c, "org", county_); });
  ASSERT_TRUE(state.ok() && state->has_value());
  bool found = false;
  for (auto& it : items) {
    auto e = bj::parse(it.as_object().at("entry").as_string()).as_object();
    if (e.at("object").as_string() == "org/" + std::to_string(county_)) {
      EXPECT_EQ(e.at("content").as_string(), ledger::content_hash((*state)->salt, (*state)->content));
      found = true;
    }
  }
  EXPECT_TRUE(found);
  // A revoked membership's entry has no content hash.
  auto last = bj::parse(items.back().as_object().at("entry").as_string()).as_object();
  EXPECT_EQ(last.at("content").as_string(), "");
}

TEST_F(OrgsTest, ExportIsAnXlsxFile) {
  ASSERT_TRUE(svc_->import_roster(sys_, prov_, "display_name,login\n赵一,zhaoyi\n").ok());
  auto x = svc_->export_roster_xlsx(sys_, prov_);
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->substr(0, 2), "PK");
  EXPECT_FALSE(svc_->export_roster_xlsx(as(Role::kMember, prov_), prov_).ok());
}

// People are told in their inbox when they join an organisation or their role changes;
// a sector change alone, or a refused grant, tells nobody.
TEST_F(OrgsTest, MembershipChangesReachTheInbox) {
  auto titles = [&](int64_t pid) {
    return db_->read_value<std::vector<std::string>>([&](storage::Conn& c) -> Result<std::vector<std::string>> {
      SL_ASSIGN(auto rows, c.query("SELECT kind, title, link FROM notifications WHERE person_id = ? ORDER BY id", {pid}));
      std::vector<std::string> out;
      for (const auto& r : rows) out.push_back(r.str(0) + " " + r.str(1) + " " + r.str(2));
      return out;
    }).value();
  };
  auto m = svc_->add_member(sys_, prov_, bj::object{{"display_name", "王伟"}, {"login", "wangwei"}, {"role", "member"}});
  ASSERT_TRUE(m.ok()) << m.error().message;
  int64_t pid = m->at("person").as_object().at("id").as_int64();
  int64_t mid = m->at("id").as_int64();
  ASSERT_TRUE(svc_->update_membership(sys_, mid, bj::object{{"sector_id", sector_}}).ok());
  ASSERT_TRUE(svc_->update_membership(sys_, mid, bj::object{{"role", "leader"}}).ok());
  EXPECT_FALSE(svc_->add_member(as(Role::kStaff, city_), city_, bj::object{{"person_id", pid}, {"role", "admin"}}).ok());
  ASSERT_TRUE(svc_->import_roster(sys_, city_, "display_name,login,role\n王伟,wangwei,工作人员\n").ok());
  std::string p = "/orgs/" + std::to_string(prov_), c = "/orgs/" + std::to_string(city_);
  EXPECT_EQ(titles(pid), (std::vector<std::string>{"membership.added 你已成为江南省政协委员 " + p,
                                                   "membership.changed 你在江南省政协的身份已改为领导 " + p,
                                                   "membership.added 你已成为临江市政协工作人员 " + c}));
}

// The latest ledger entry of a record, parsed.
bj::object latest_entry(ledger::Ledger& l, std::string_view type, int64_t id) {
  auto page = l.object_entries(type, id);
  EXPECT_TRUE(page.ok());
  auto& items = page->at("items").as_array();
  EXPECT_FALSE(items.empty()) << type << "/" << id;
  if (items.empty()) return {};
  return bj::parse(items.back().as_object().at("entry").as_string()).as_object();
}

// A record's "ledger" data hashes to its latest entry's content hash.
void expect_ledger_matches(ledger::Ledger& l, const bj::object& record, std::string_view type) {
  ASSERT_TRUE(record.contains("ledger")) << bj::serialize(record);
  auto& d = record.at("ledger").as_object();
  EXPECT_EQ(d.at("type").as_string(), type);
  EXPECT_EQ(d.at("id").as_int64(), record.at("id").as_int64());
  EXPECT_FALSE(d.at("salt").as_string().empty());
  auto e = latest_entry(l, type, record.at("id").as_int64());
  EXPECT_EQ(e.at("content").as_string(), ledger::content_hash(d.at("salt").as_string(), d.at("content").as_string()))
      << bj::serialize(record);
}

TEST_F(OrgsTest, RecordsCarryTheSaltAndContentTheLedgerHashed) {
  auto org = svc_->get_org(county_);
  ASSERT_TRUE(org.ok());
  expect_ledger_matches(*ledger_, *org, "org");
  auto listed = svc_->list_orgs(city_, 0, 50);
  expect_ledger_matches(*ledger_, listed->at("items").as_array()[0].as_object(), "org");
  auto renamed = svc_->update_org(sys_, county_, bj::object{{"name", "东湖区政协（新）"}}, std::nullopt);
  ASSERT_TRUE(renamed.ok());
  expect_ledger_matches(*ledger_, *renamed, "org");

  auto sectors = svc_->list_sectors(prov_);
  expect_ledger_matches(*ledger_, sectors->at("items").as_array()[0].as_object(), "sector");
  auto sector = svc_->create_sector(sys_, city_, bj::object{{"name", "农业界"}});
  ASSERT_TRUE(sector.ok());
  expect_ledger_matches(*ledger_, *sector, "sector");

  auto m = svc_->add_member(sys_, prov_, bj::object{{"display_name", "王五"}, {"login", "wangwu"}, {"mobile", "13900000123"}, {"role", "member"}, {"sector_id", sector_}});
  ASSERT_TRUE(m.ok());
  expect_ledger_matches(*ledger_, *m, "membership");
  expect_ledger_matches(*ledger_, m->at("person").as_object(), "person");
  int64_t pid = m->at("person").at("id").as_int64();

  // A leader may read the members, but sees the mobile masked: no person content (it holds
  // the full number), while the membership's own data is there.
  auto as_leader = svc_->list_members(as(Role::kLeader, prov_), prov_, {}, 0, 50);
  ASSERT_TRUE(as_leader.ok());
  for (auto& it : as_leader->at("items").as_array()) {
    expect_ledger_matches(*ledger_, it.as_object(), "membership");
    EXPECT_FALSE(it.at("person").as_object().contains("ledger"));
  }
  auto leader_view = svc_->get_person(as(Role::kLeader, prov_), pid);
  ASSERT_TRUE(leader_view.ok());
  EXPECT_EQ(leader_view->at("mobile").as_string(), "139****0123");
  EXPECT_FALSE(leader_view->contains("ledger"));
  auto staff_view = svc_->get_person(as(Role::kStaff, prov_), pid);
  ASSERT_TRUE(staff_view.ok());
  expect_ledger_matches(*ledger_, *staff_view, "person");
  EXPECT_NE(staff_view->at("ledger").at("content").as_string().find("13900000123"), std::string::npos);
  auto found = svc_->search_people(as(Role::kStaff, prov_), std::string("wangwu"), 0, 10);
  ASSERT_EQ(found->at("items").as_array().size(), 1u);
  expect_ledger_matches(*ledger_, found->at("items").as_array()[0].as_object(), "person");
}

class OrgsErasureTest : public OrgsTest {
 protected:
  void SetUp() override {
    OrgsTest::SetUp();
    auto m = svc_->add_member(sys_, prov_, bj::object{{"display_name", "王五"}, {"login", "wangwu"}, {"mobile", "13900000123"}, {"role", "member"}, {"sector_id", sector_}});
    ASSERT_TRUE(m.ok());
    person_ = m->at("person").at("id").as_int64();
    prov_membership_ = m->at("id").as_int64();
    auto m2 = svc_->add_member(sys_, city_, bj::object{{"person_id", person_}, {"role", "member"}});
    ASSERT_TRUE(m2.ok());
    city_membership_ = m2->at("id").as_int64();
  }
  ledger::AuditReport audit_now() {
    ledger::RecordLoader load = [](storage::Conn& c, std::string_view type, int64_t id) -> Result<std::optional<ledger::RecordState>> {
      if (type == "person") return accounts::person_ledger_state(c, id);
      return store::ledger_state(c, type, id);
    };
    EXPECT_TRUE(ledger_->checkpoint_now().ok());
    auto rep = ledger::audit(*db_, *ledger::parse_vkey(ledger_->verifier_key()), load);
    EXPECT_TRUE(rep.ok());
    return *rep;
  }
  int64_t person_ = 0, prov_membership_ = 0, city_membership_ = 0;
};

TEST_F(OrgsErasureTest, OnlyWhoMayEditThePersonMayEraseThem) {
  // Staff of 临江市 do not manage the province, where the person is also a member.
  auto denied = svc_->erase_person(as(Role::kStaff, city_), person_);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, Code::kForbidden);
  EXPECT_EQ(svc_->erase_person(as(Role::kMember, prov_), person_).error().code, Code::kForbidden);
  Caller self = as(Role::kStaff, prov_);
  self.person_id = person_;
  EXPECT_EQ(svc_->erase_person(self, person_).error().slug, "use_self_erasure");
  EXPECT_EQ(svc_->erase_person(sys_, 987654).error().code, Code::kNotFound);
  EXPECT_TRUE(svc_->get_person(sys_, person_).ok());  // nothing happened
}

TEST_F(OrgsErasureTest, ErasureRemovesPersonalDataAndMembershipsEachWithItsEntry) {
  ASSERT_TRUE(audit_now().ok());
  clock_.advance_ms(5000);
  auto e = svc_->erase_person(as(Role::kStaff, prov_), person_);  // staff of the province reach 临江市 too
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->reason, "right_to_deletion");
  EXPECT_EQ(e->at, clock_.now_ms());

  // The row is a tombstone: every personal field is gone.
  auto row = db_->read_value<std::optional<storage::Row>>([&](storage::Conn& c) {
    return c.query_one("SELECT display_name, login, mobile, password_hash, ledger_salt, erased_at FROM people WHERE id = ?", {person_});
  });
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->str(0), "");
  EXPECT_TRUE((*row)->is_null(1));
  EXPECT_TRUE((*row)->is_null(2));
  EXPECT_TRUE((*row)->is_null(3));
  EXPECT_TRUE((*row)->is_null(4));
  EXPECT_EQ((*row)->i64(5), e->at);

  // Memberships removed, each with its erasure entry.
  for (int64_t mid : {prov_membership_, city_membership_}) {
    auto me = latest_entry(*ledger_, "membership", mid);
    EXPECT_EQ(me.at("action").as_string(), "membership.erased");
    EXPECT_EQ(me.at("content").as_string(), "");
    EXPECT_TRUE(ledger_->object_entries("membership", mid)->contains("erased"));
  }
  EXPECT_EQ(member_count(prov_), 0);
  auto pe = latest_entry(*ledger_, "person", person_);
  EXPECT_EQ(pe.at("action").as_string(), "person.erased");
  EXPECT_EQ(pe.at("seq").as_int64(), e->seq);

  // Reading, editing or erasing again: 410, saying when and under which entry.
  auto read = svc_->get_person(sys_, person_);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, Code::kGone);
  EXPECT_EQ(read.error().slug, "person_erased");
  auto details = bj::parse(read.error().details_json).as_object();
  EXPECT_EQ(details.at("erased").at("seq").as_int64(), e->seq);
  EXPECT_EQ(details.at("erased").at("at").as_string(), format_iso8601(e->at));
  EXPECT_EQ(svc_->update_person(sys_, person_, bj::object{{"display_name", "复活"}}).error().code, Code::kGone);
  EXPECT_EQ(svc_->set_person_password(sys_, person_, "another-pass-1").error().code, Code::kGone);
  EXPECT_EQ(svc_->erase_person(sys_, person_).error().code, Code::kGone);
  EXPECT_EQ(svc_->add_member(sys_, prov_, bj::object{{"person_id", person_}, {"role", "member"}}).error().code, Code::kGone);
  // The login and mobile are free again, and search finds only the new holder.
  auto other = svc_->add_member(sys_, prov_, bj::object{{"display_name", "另一位王五"}, {"login", "wangwu"}, {"mobile", "13900000123"}, {"role", "member"}});
  ASSERT_TRUE(other.ok()) << other.error().message;
  auto everyone = svc_->search_people(sys_, std::string(""), 0, 200)->at("items").as_array();
  ASSERT_EQ(everyone.size(), 1u);
  EXPECT_EQ(everyone[0].at("id").as_int64(), other->at("person").at("id").as_int64());

  // The ledger still verifies end to end.
  auto rep = audit_now();
  EXPECT_TRUE(rep.ok()) << rep.problem;
}

TEST_F(OrgsErasureTest, ATombstoneWithoutItsErasureFailsTheAudit) {
  // Personal data wiped behind the ledger's back (no erasure entry): the audit names the person.
  ASSERT_TRUE(db_->write([&](storage::Conn& c) -> Status {
    SL_TRY(c.exec("UPDATE people SET display_name = '', login = NULL, mobile = NULL, erased_at = 1 WHERE id = ?", {person_}));
    return Ok();
  }).ok());
  auto rep = audit_now();
  EXPECT_FALSE(rep.ok());
  EXPECT_NE(rep.problem.find("person/" + std::to_string(person_)), std::string::npos) << rep.problem;
}

TEST_F(OrgsErasureTest, OnlyASuperadminErasesASuperadminAndNeverTheLastOne) {
  int64_t root = db_->write_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
    accounts::NewPerson np;
    np.display_name = "平台管理员";
    np.login = "root2";
    np.is_superadmin = true;
    SL_ASSIGN(int64_t id, accounts::insert_person(c, np, clock_.now_ms()));
    SL_TRY(store::insert_membership(c, id, prov_, "member", std::nullopt, clock_.now_ms()));
    SL_TRY(accounts::record_person(c, *ledger_, sys_, "person.created", id));
    return id;
  }).value();
  EXPECT_EQ(svc_->erase_person(as(Role::kAdmin, prov_), root).error().code, Code::kForbidden);
  auto last = svc_->erase_person(sys_, root);
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().slug, "last_superadmin");
}

}  // namespace
}  // namespace sl::orgs
