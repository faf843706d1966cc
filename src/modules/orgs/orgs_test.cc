#include "modules/orgs/orgs.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/json.h"
#include "modules/common/test_fixture.h"
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

}  // namespace
}  // namespace sl::orgs
