#include "app/admin_cli.h"

#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "core/json.h"
#include "modules/orgs/orgs_store.h"

namespace sl::app {

namespace bj = boost::json;
using access::Caller;

namespace {

void print(const bj::value& v) { std::cout << bj::serialize(v) << "\n"; }

Result<int64_t> resolve_person(Application& app, const std::string& who) {
  return app.db().read_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
    std::optional<orgs::store::PersonRow> p;
    if (!who.empty() && who.size() < 19 && who.find_first_not_of("0123456789") == std::string::npos) {
      SL_ASSIGN(p, orgs::store::find_person(c, std::stoll(who)));
    } else {
      SL_ASSIGN(p, orgs::store::find_person_by(c, accounts::valid_mobile(who) ? "mobile" : "login", who));
    }
    if (!p) return Error::NotFound("person_not_found", "人员不存在: " + who);
    if (p->erased_at) {
      // A tombstone: its personal data was erased; nothing may be given to it again.
      SL_ASSIGN(auto e, app.ledger().erasure(c, "person", p->id));
      if (e) return accounts::person_gone(*e);
      return Error::NotFound("person_not_found", "人员不存在: " + who);
    }
    return p->id;
  });
}

}  // namespace

void AdminCli::attach(CLI::App& admin) {
  admin.require_subcommand(1);
  auto* org = admin.add_subcommand("org", "Organisations");
  org->require_subcommand(1);
  org_add_ = org->add_subcommand("add", "Create an organisation");
  org_add_->add_option("--name", name_, "Name")->required();
  org_add_->add_option("--level", level_, "national|province|city|county|township|village")->required();
  org_add_->add_option("--kind", kind_, "cppcc|congress|council|department|other")->required();
  org_add_->add_option("--parent", parent_, "Parent organisation id (omit for a top-level one)");
  org_list_ = org->add_subcommand("list", "List organisations under a parent (or the top level)");
  org_list_->add_option("--parent", parent_, "Parent organisation id");

  auto* person = admin.add_subcommand("person", "People");
  person->require_subcommand(1);
  person_add_ = person->add_subcommand("add", "Create a person (use `role grant` to give them a role)");
  person_add_->add_option("--name", name_, "Display name")->required();
  person_add_->add_option("--login", login_, "Login name");
  person_add_->add_option("--mobile", mobile_, "Mobile number");
  person_add_->add_flag("--password-stdin", password_stdin_, "Read the initial password from standard input");
  person_password_ = person->add_subcommand("password", "Set a person's password (read from standard input)");
  person_password_->add_option("--person", person_, "Login, mobile or id")->required();

  auto* role = admin.add_subcommand("role", "Roles in organisations");
  role->require_subcommand(1);
  role_grant_ = role->add_subcommand("grant", "Give a person a role in an organisation");
  role_revoke_ = role->add_subcommand("revoke", "Take a role away");
  for (auto* r : {role_grant_, role_revoke_}) {
    r->add_option("--person", person_, "Login, mobile or id")->required();
    r->add_option("--org", org_, "Organisation id")->required();
    r->add_option("--role", role_, "member|staff|leader|responder|admin")->required();
  }
  role_grant_->add_option("--sector", sector_, "Sector name in that organisation");

  superadmin_ = admin.add_subcommand("superadmin", "Make a person a platform administrator");
  superadmin_->add_option("--person", person_, "Login, mobile or id")->required();
  superadmin_->add_flag("--revoke", revoke_, "Remove the platform administrator flag");

  auto* roster = admin.add_subcommand("roster", "Member rosters");
  roster->require_subcommand(1);
  roster_import_ = roster->add_subcommand("import", "Import a CSV roster (all rows or none)");
  roster_import_->add_option("--org", org_, "Organisation id")->required();
  roster_import_->add_option("file", file_, "CSV file")->required();
  roster_export_ = roster->add_subcommand("export", "Export a roster to Excel");
  roster_export_->add_option("--org", org_, "Organisation id")->required();
  roster_export_->add_option("--out", file_, "Output .xlsx file")->required();
}

Status AdminCli::run(Application& app) {
  Caller sys = Caller::system();
  if (*org_add_) {
    bj::object body{{"name", name_}, {"level", level_}, {"kind", kind_}};
    if (parent_ > 0) body["parent_id"] = parent_;
    SL_ASSIGN(auto o, app.orgs().create_org(sys, body));
    print(o);
    return Ok();
  }
  if (*org_list_) {
    std::optional<int64_t> parent;
    if (parent_ > 0) parent = parent_;
    int64_t after = 0;
    for (;;) {
      SL_ASSIGN(auto page, app.orgs().list_orgs(parent, after, 200));
      for (auto& o : page.at("items").as_array()) print(o);
      if (page.at("next_cursor").is_null()) break;
      SL_ASSIGN(after, json::decode_cursor(page.at("next_cursor").as_string()));
    }
    return Ok();
  }
  if (*person_add_) {
    accounts::NewPerson np;
    np.display_name = name_;
    SL_TRY(accounts::check_display_name(name_));
    if (!login_.empty()) {
      if (!accounts::valid_login(login_)) return Error::Invalid("invalid_login", "登录名格式不正确");
      np.login = login_;
    }
    if (!mobile_.empty()) {
      if (!accounts::valid_mobile(mobile_)) return Error::Invalid("invalid_mobile", "手机号格式不正确");
      np.mobile = mobile_;
    }
    if (!np.login && !np.mobile) return Error::Invalid("missing_field", "需要 --login 或 --mobile");
    if (password_stdin_) {
      std::getline(std::cin, password_);
      SL_TRY(accounts::check_password_policy(password_));
      SL_ASSIGN(np.password_hash, app.accounts().hasher().hash(password_));
    }
    SystemClock clock;
    SL_ASSIGN(int64_t id, app.db().write_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
      SL_ASSIGN(int64_t pid, accounts::insert_person(c, np, clock.now_ms()));
      SL_TRY(accounts::record_person(c, app.ledger(), sys, "person.created", pid));
      return pid;
    }));
    print(bj::object{{"id", id}, {"display_name", name_}});
    return Ok();
  }
  if (*person_password_) {
    SL_ASSIGN(int64_t id, resolve_person(app, person_));
    std::getline(std::cin, password_);
    SL_TRY(app.accounts().set_password(id, password_));
    print(bj::object{{"id", id}, {"password_set", true}});
    return Ok();
  }
  if (*role_grant_) {
    SL_ASSIGN(int64_t pid, resolve_person(app, person_));
    bj::object body{{"person_id", pid}, {"role", role_}};
    if (!sector_.empty()) {
      SL_ASSIGN(auto s, app.db().read_value<std::optional<orgs::store::SectorRow>>(
                            [&](storage::Conn& c) { return orgs::store::find_sector_by_name(c, org_, sector_); }));
      if (!s) return Error::NotFound("sector_not_found", "界别不存在: " + sector_);
      body["sector_id"] = s->id;
    }
    SL_ASSIGN(auto m, app.orgs().add_member(sys, org_, body));
    print(m);
    return Ok();
  }
  if (*role_revoke_) {
    SL_ASSIGN(int64_t pid, resolve_person(app, person_));
    SL_ASSIGN(auto mid, app.db().read_value<std::optional<int64_t>>([&](storage::Conn& c) -> Result<std::optional<int64_t>> {
      SL_ASSIGN(auto r, c.query_one("SELECT id FROM memberships WHERE person_id = ? AND org_id = ? AND role = ?",
                                    {pid, org_, role_}));
      if (!r) return std::optional<int64_t>();
      return std::optional<int64_t>(r->i64(0));
    }));
    if (!mid) return Error::NotFound("membership_not_found", "此人在该组织没有这个角色");
    SL_TRY(app.orgs().remove_membership(sys, *mid));
    print(bj::object{{"revoked", *mid}});
    return Ok();
  }
  if (*superadmin_) {
    SL_ASSIGN(int64_t pid, resolve_person(app, person_));
    SL_TRY(app.db().write([&](storage::Conn& c) -> Status {
      SL_TRY(c.exec("UPDATE people SET is_superadmin = ? WHERE id = ?", {int64_t{revoke_ ? 0 : 1}, pid}));
      return accounts::record_person(c, app.ledger(), sys, revoke_ ? "person.superadmin_revoked" : "person.superadmin_granted", pid);
    }));
    print(bj::object{{"id", pid}, {"is_superadmin", !revoke_}});
    return Ok();
  }
  if (*roster_import_) {
    std::ifstream f(file_, std::ios::binary);
    if (!f) return Error::Invalid("file_not_found", "无法读取文件: " + file_);
    std::stringstream ss;
    ss << f.rdbuf();
    SL_ASSIGN(auto report, app.orgs().import_roster(sys, org_, ss.str()));
    print(bj::object{{"imported", report.imported}, {"created_people", report.created_people}, {"unchanged", report.unchanged}});
    return Ok();
  }
  if (*roster_export_) {
    SL_ASSIGN(std::string bytes, app.orgs().export_roster_xlsx(sys, org_));
    std::ofstream f(file_, std::ios::binary);
    f << bytes;
    if (!f) return Error::Invalid("write_failed", "无法写入文件: " + file_);
    print(bj::object{{"written", file_}, {"bytes", bytes.size()}});
    return Ok();
  }
  return Error::Invalid("usage", "未知的 admin 命令");
}

}  // namespace sl::app
