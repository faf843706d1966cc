// Orgs use cases: each checks access, then does its work in one transaction.
#include <boost/json.hpp>

#include <map>
#include <set>

#include "core/csv.h"
#include "modules/common/route_util.h"
#include "core/json.h"
#include "modules/notifications/inbox.h"
#include "modules/orgs/orgs.h"
#include "modules/orgs/orgs_store.h"

namespace sl::orgs {

using access::Action;
using access::Role;
using storage::Conn;

namespace {

const std::vector<std::string_view> kLevels = {"national", "province", "city", "county", "township", "village"};
const std::vector<std::string_view> kKinds = {"cppcc", "congress", "council", "department", "other"};

int level_rank(std::string_view l) {
  for (size_t i = 0; i < kLevels.size(); ++i)
    if (kLevels[i] == l) return static_cast<int>(i);
  return -1;
}

Status check_name(const std::string& name, const char* what) {
  auto len = json::utf8_length(name);
  if (!len || *len == 0 || name.find_first_not_of(" \t\r\n") == std::string::npos)
    return Error::Invalid("invalid_name", std::string(what) + "名称不能为空");
  if (*len > 100) return Error::Invalid("invalid_name", std::string(what) + "名称最多 100 字");
  return Ok();
}

bool is_privileged(Role r) { return r == Role::kAdmin || r == Role::kStaff || r == Role::kLeader; }

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Role names as rosters write them: the API names or their Chinese labels.
std::optional<Role> roster_role(const std::string& s) {
  if (s.empty()) return Role::kMember;
  if (auto r = access::parse_role(s)) return r;
  static const std::map<std::string, Role> zh = {
      {"委员", Role::kMember}, {"代表", Role::kMember},     {"居民", Role::kMember},        {"成员", Role::kMember},
      {"工作人员", Role::kStaff}, {"领导", Role::kLeader}, {"部门联络员", Role::kResponder}, {"管理员", Role::kAdmin}};
  auto it = zh.find(s);
  if (it == zh.end()) return std::nullopt;
  return it->second;
}

// A roster rejected as a whole, with one reason.
Error roster_error(int line, std::string reason) {
  bj::object details{{"errors", bj::array{bj::object{{"line", line}, {"reason", std::move(reason)}}}}};
  return Error::Unprocessable("roster_invalid", "名册有误，未导入任何数据", json::serialize(details));
}

// Tells a person in their inbox that they now hold `role` in `org` (granted, or changed to).
Status notify_membership(Conn& c, TimeMs now, int64_t person_id, const store::OrgRow& org, Role role, bool changed) {
  std::string label = access::role_label(role, org.kind);
  std::string title = changed ? "你在" + org.name + "的身份已改为" + label : "你已成为" + org.name + label;
  return notifications::notify_at(c, now, person_id, changed ? "membership.changed" : "membership.added", title, "",
                                  "/orgs/" + std::to_string(org.id));
}

}  // namespace

bool valid_level(std::string_view level) { return level_rank(level) >= 0; }
bool valid_kind(std::string_view kind) {
  for (auto k : kKinds)
    if (k == kind) return true;
  return false;
}

OrgsService::OrgsService(storage::Database& db, const Clock& clock, accounts::AccountsService& accounts,
                         ledger::Ledger& ledger)
    : db_(db), clock_(clock), accounts_(accounts), ledger_(ledger) {
  // A person's erasure also erases their memberships (who belongs where is personal data).
  accounts_.add_erasure_step([this](Conn& c, const Caller& actor, int64_t person_id, std::string_view reason) -> Status {
    SL_ASSIGN(auto ids, store::membership_ids_of(c, person_id));
    for (int64_t id : ids) {
      SL_TRY(store::delete_membership(c, id));
      SL_TRY(ledger_.erase(c, actor, "membership", id, reason));
    }
    return Ok();
  });
}

Status OrgsService::check_not_erased(Conn& c, int64_t person_id, const std::optional<TimeMs>& erased_at) {
  if (!erased_at) return Ok();
  SL_ASSIGN(auto e, ledger_.erasure(c, "person", person_id));
  if (!e) return Error::NotFound("person_not_found", "人员不存在");
  return accounts::person_gone(*e);
}

Status OrgsService::record(Conn& c, const Caller& caller, std::string_view action, std::string_view type, int64_t id) {
  if (type == "person") return accounts::record_person(c, ledger_, caller, action, id);
  SL_ASSIGN(auto state, store::ledger_state(c, type, id));
  return ledger_.record(c, caller, action, type, id, std::move(state),
                        [&](const std::string& salt) { return store::set_ledger_salt(c, type, id, salt); });
}

// ---- organisations ---------------------------------------------------------------------

Result<bj::object> OrgsService::get_org(int64_t id) {
  SL_ASSIGN(auto o, db_.read_value<std::optional<bj::object>>([&](Conn& c) { return store::org_json(c, id); }));
  if (!o) return Error::NotFound("org_not_found", "组织不存在");
  return std::move(*o);
}

Result<bj::object> OrgsService::list_orgs(std::optional<int64_t> parent_id, int64_t after, int limit) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    if (parent_id) {
      SL_ASSIGN(auto p, store::find_org(c, *parent_id));
      if (!p) return Error::NotFound("org_not_found", "上级组织不存在");
    }
    SL_ASSIGN(bj::array items, store::list_orgs(c, parent_id, after, limit + 1));
    std::optional<int64_t> next;
    if (static_cast<int>(items.size()) > limit) {
      items.pop_back();
      next = items.back().as_object().at("id").as_int64();
    }
    return routes::page(std::move(items), next);
  });
}

Result<bj::object> OrgsService::create_org(const Caller& caller, const bj::object& body) {
  SL_ASSIGN(auto parent_id, json::opt_int(body, "parent_id"));
  SL_ASSIGN(std::string name, json::req_string(body, "name", 100));
  SL_ASSIGN(std::string level, json::req_string(body, "level", 20));
  SL_ASSIGN(std::string kind, json::req_string(body, "kind", 20));
  name = trim(name);
  SL_TRY(check_name(name, "组织"));
  if (!valid_level(level)) return Error::Invalid("invalid_level", "level 须为 national/province/city/county/township/village 之一");
  if (!valid_kind(kind)) return Error::Invalid("invalid_kind", "kind 须为 cppcc/congress/council/department/other 之一");
  TimeMs now = clock_.now_ms();
  SL_ASSIGN(int64_t id, db_.write_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    std::string parent_path;
    if (parent_id) {
      SL_ASSIGN(auto p, store::find_org(c, *parent_id));
      if (!p) return Error::NotFound("org_not_found", "上级组织不存在");
      if (!access::allowed(caller, p->path, Action::kOrgManage)) return Error::Forbidden();
      if (level_rank(level) < level_rank(p->level))
        return Error::Invalid("invalid_level", "下级组织的层级不能高于上级组织");
      parent_path = p->path;
    } else if (!caller.superadmin) {
      return Error::Forbidden("只有平台管理员可以创建顶级组织");
    }
    SL_ASSIGN(int64_t id, store::insert_org(c, parent_id, parent_path, name, level, kind, now));
    SL_TRY(record(c, caller, "org.created", "org", id));
    return id;
  }));
  return get_org(id);
}

Result<bj::object> OrgsService::update_org(const Caller& caller, int64_t id, const bj::object& body,
                                           std::optional<int64_t> expected_version) {
  SL_ASSIGN(auto name, json::opt_string(body, "name", 100));
  SL_ASSIGN(auto level, json::opt_string(body, "level", 20));
  SL_ASSIGN(auto kind, json::opt_string(body, "kind", 20));
  if (name) {
    name = trim(*name);
    SL_TRY(check_name(*name, "组织"));
  }
  if (level && !valid_level(*level)) return Error::Invalid("invalid_level", "level 无效");
  if (kind && !valid_kind(*kind)) return Error::Invalid("invalid_kind", "kind 无效");
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto o, store::find_org(c, id));
    if (!o) return Error::NotFound("org_not_found", "组织不存在");
    if (!access::allowed(caller, o->path, Action::kOrgManage)) return Error::Forbidden();
    if (level && *level != o->level) {
      // The level must stay between the parent's and the children's.
      if (o->parent_id) {
        SL_ASSIGN(auto parent, store::find_org(c, *o->parent_id));
        if (parent && level_rank(*level) < level_rank(parent->level))
          return Error::Invalid("invalid_level", "组织的层级不能高于上级组织");
      }
      SL_ASSIGN(auto children, store::list_orgs(c, id, 0, 1000000));
      for (const auto& ch : children)
        if (level_rank(ch.as_object().at("level").as_string()) < level_rank(*level))
          return Error::Invalid("invalid_level", "组织的层级不能低于其下级组织");
    }
    SL_ASSIGN(bool updated, store::update_org(c, id, name.value_or(o->name), level.value_or(o->level),
                                              kind.value_or(o->kind), expected_version, now));
    if (!updated) return Error{Code::kPreconditionFailed, "version_mismatch", "组织已被他人修改，请刷新后重试", {}};
    return record(c, caller, "org.updated", "org", id);
  }));
  return get_org(id);
}

Status OrgsService::delete_org(const Caller& caller, int64_t id) {
  return db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto o, store::find_org(c, id));
    if (!o) return Error::NotFound("org_not_found", "组织不存在");
    if (!access::allowed(caller, o->path, Action::kOrgManage)) return Error::Forbidden();
    SL_ASSIGN(int64_t children, store::count_children(c, id));
    if (children > 0) return Error::Conflict("org_has_children", "该组织还有下级组织，不能删除");
    SL_ASSIGN(int64_t members, store::count_memberships(c, id));
    if (members > 0) return Error::Conflict("org_has_members", "该组织还有成员，不能删除");
    SL_TRY(store::delete_org(c, id));
    return record(c, caller, "org.deleted", "org", id);
  });
}

// ---- sectors ---------------------------------------------------------------------------

Result<bj::object> OrgsService::list_sectors(int64_t org_id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto o, store::find_org(c, org_id));
    if (!o) return Error::NotFound("org_not_found", "组织不存在");
    SL_ASSIGN(bj::array items, store::list_sectors(c, org_id));
    return routes::page(std::move(items), std::nullopt);
  });
}

Result<bj::object> OrgsService::create_sector(const Caller& caller, int64_t org_id, const bj::object& body) {
  SL_ASSIGN(std::string name, json::req_string(body, "name", 100));
  name = trim(name);
  SL_TRY(check_name(name, "界别"));
  TimeMs now = clock_.now_ms();
  SL_ASSIGN(int64_t id, db_.write_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_TRY(access::check(c, caller, org_id, Action::kSectorManage));
    SL_ASSIGN(int64_t id, store::insert_sector(c, org_id, name, now));
    SL_TRY(record(c, caller, "sector.created", "sector", id));
    return id;
  }));
  SL_ASSIGN(auto o, db_.read_value<std::optional<bj::object>>([&](Conn& c) { return store::sector_json(c, id); }));
  if (!o) return Error::NotFound("sector_not_found", "界别不存在");
  return std::move(*o);
}

Result<bj::object> OrgsService::update_sector(const Caller& caller, int64_t sector_id, const bj::object& body) {
  SL_ASSIGN(std::string name, json::req_string(body, "name", 100));
  name = trim(name);
  SL_TRY(check_name(name, "界别"));
  return db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto s, store::find_sector(c, sector_id));
    if (!s) return Error::NotFound("sector_not_found", "界别不存在");
    SL_TRY(access::check(c, caller, s->org_id, Action::kSectorManage));
    SL_TRY(store::rename_sector(c, sector_id, name));
    SL_TRY(record(c, caller, "sector.renamed", "sector", sector_id));
    SL_ASSIGN(auto o, store::sector_json(c, sector_id));
    if (!o) return Error::NotFound("sector_not_found", "界别不存在");
    return std::move(*o);
  });
}

Status OrgsService::delete_sector(const Caller& caller, int64_t sector_id) {
  return db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto s, store::find_sector(c, sector_id));
    if (!s) return Error::NotFound("sector_not_found", "界别不存在");
    SL_TRY(access::check(c, caller, s->org_id, Action::kSectorManage));
    SL_ASSIGN(int64_t n, store::count_sector_members(c, sector_id));
    if (n > 0) return Error::Conflict("sector_has_members", "该界别还有成员，请先调整他们的界别");
    SL_TRY(store::delete_sector(c, sector_id));
    return record(c, caller, "sector.deleted", "sector", sector_id);
  });
}

// ---- memberships -----------------------------------------------------------------------

Status OrgsService::check_role_grant(Conn& c, const Caller& caller, int64_t org_id, Role role) {
  SL_TRY(access::check(c, caller, org_id, Action::kMemberManage));
  if (is_privileged(role)) SL_TRY(access::check(c, caller, org_id, Action::kGrantPrivileged));
  return Ok();
}

Result<bj::object> OrgsService::list_members(const Caller& caller, int64_t org_id, const MemberFilter& f,
                                             int64_t after, int limit) {
  if (f.role && !access::parse_role(*f.role)) return Error::Invalid("invalid_role", "角色无效");
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(std::string path, access::org_path(c, org_id));
    if (!access::allowed(caller, path, Action::kMemberRead)) return Error::Forbidden();
    bool contact = access::allowed(caller, path, Action::kMemberManage);
    SL_ASSIGN(bj::array items, store::list_members(c, org_id, f, after, limit + 1, contact));
    std::optional<int64_t> next;
    if (static_cast<int>(items.size()) > limit) {
      items.pop_back();
      next = items.back().as_object().at("id").as_int64();
    }
    return routes::page(std::move(items), next);
  });
}

Result<bj::object> OrgsService::add_member(const Caller& caller, int64_t org_id, const bj::object& body) {
  SL_ASSIGN(std::string role_s, json::req_string(body, "role", 20));
  auto role = access::parse_role(role_s);
  if (!role) return Error::Invalid("invalid_role", "角色须为 member/staff/leader/responder/admin 之一");
  SL_ASSIGN(auto sector_id, json::opt_int(body, "sector_id"));
  SL_ASSIGN(auto person_id, json::opt_int(body, "person_id"));
  accounts::NewPerson np;
  std::optional<std::string> password;
  if (!person_id) {
    SL_ASSIGN(np.display_name, json::req_string(body, "display_name", 64));
    np.display_name = trim(np.display_name);
    SL_TRY(accounts::check_display_name(np.display_name));
    SL_ASSIGN(np.login, json::opt_string(body, "login", 32));
    SL_ASSIGN(np.mobile, json::opt_string(body, "mobile", 20));
    if (np.login && np.login->empty()) np.login.reset();
    if (np.mobile && np.mobile->empty()) np.mobile.reset();
    if (!np.login && !np.mobile) return Error::Invalid("missing_field", "新人员需要登录名或手机号");
    if (np.login && !accounts::valid_login(*np.login))
      return Error::Invalid("invalid_login", "登录名须以字母开头，3 到 32 位字母、数字或 _ . -");
    if (np.mobile && !accounts::valid_mobile(*np.mobile)) return Error::Invalid("invalid_mobile", "手机号格式不正确");
    SL_ASSIGN(password, json::opt_string(body, "password", 128));
    if (password) {
      SL_TRY(accounts::check_password_policy(*password));
      SL_ASSIGN(np.password_hash, accounts_.hasher().hash(*password));
    }
  }
  TimeMs now = clock_.now_ms();
  SL_ASSIGN(int64_t mid, db_.write_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_TRY(check_role_grant(c, caller, org_id, *role));
    if (sector_id) {
      SL_ASSIGN(auto s, store::find_sector(c, *sector_id));
      if (!s || s->org_id != org_id) return Error::Invalid("invalid_sector", "界别不属于该组织");
    }
    int64_t pid = 0;
    if (person_id) {
      SL_ASSIGN(auto p, store::find_person(c, *person_id));
      if (!p) return Error::NotFound("person_not_found", "人员不存在");
      SL_TRY(check_not_erased(c, p->id, p->erased_at));
      pid = p->id;
    } else {
      SL_ASSIGN(pid, accounts::insert_person(c, np, now));
      SL_TRY(record(c, caller, "person.created", "person", pid));
    }
    SL_ASSIGN(int64_t mid, store::insert_membership(c, pid, org_id, std::string(access::role_name(*role)), sector_id, now));
    SL_TRY(record(c, caller, "membership.granted", "membership", mid));
    SL_ASSIGN(auto org, store::find_org(c, org_id));
    if (org) SL_TRY(notify_membership(c, now, pid, *org, *role, false));
    return mid;
  }));
  SL_ASSIGN(auto o, db_.read_value<std::optional<bj::object>>([&](Conn& c) { return store::membership_json(c, mid, true); }));
  if (!o) return Error::NotFound("membership_not_found", "成员关系不存在");
  return std::move(*o);
}

Result<bj::object> OrgsService::update_membership(const Caller& caller, int64_t membership_id, const bj::object& body) {
  SL_ASSIGN(auto role_s, json::opt_string(body, "role", 20));
  std::optional<Role> role;
  if (role_s) {
    role = access::parse_role(*role_s);
    if (!role) return Error::Invalid("invalid_role", "角色无效");
  }
  bool sector_given = body.contains("sector_id");
  SL_ASSIGN(auto sector_id, json::opt_int(body, "sector_id"));
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto m, store::find_membership(c, membership_id));
    if (!m) return Error::NotFound("membership_not_found", "成员关系不存在");
    Role old_role = access::parse_role(m->role).value_or(Role::kMember);
    SL_TRY(check_role_grant(c, caller, m->org_id, old_role));
    Role new_role = role.value_or(old_role);
    if (new_role != old_role) SL_TRY(check_role_grant(c, caller, m->org_id, new_role));
    std::optional<int64_t> new_sector = sector_given ? sector_id : m->sector_id;
    if (new_sector) {
      SL_ASSIGN(auto s, store::find_sector(c, *new_sector));
      if (!s || s->org_id != m->org_id) return Error::Invalid("invalid_sector", "界别不属于该组织");
    }
    SL_TRY(store::update_membership(c, membership_id, std::string(access::role_name(new_role)), new_sector));
    SL_TRY(record(c, caller, "membership.changed", "membership", membership_id));
    if (new_role == old_role) return Ok();
    SL_ASSIGN(auto org, store::find_org(c, m->org_id));
    if (!org) return Ok();
    return notify_membership(c, clock_.now_ms(), m->person_id, *org, new_role, true);
  }));
  SL_ASSIGN(auto o, db_.read_value<std::optional<bj::object>>(
                        [&](Conn& c) { return store::membership_json(c, membership_id, true); }));
  if (!o) return Error::NotFound("membership_not_found", "成员关系不存在");
  return std::move(*o);
}

Status OrgsService::remove_membership(const Caller& caller, int64_t membership_id) {
  return db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto m, store::find_membership(c, membership_id));
    if (!m) return Error::NotFound("membership_not_found", "成员关系不存在");
    SL_TRY(check_role_grant(c, caller, m->org_id, access::parse_role(m->role).value_or(Role::kMember)));
    SL_TRY(store::delete_membership(c, membership_id));
    return record(c, caller, "membership.revoked", "membership", membership_id);
  });
}

// ---- people ----------------------------------------------------------------------------

Status OrgsService::check_person_admin(Conn& c, const Caller& caller, int64_t person_id) {
  if (caller.superadmin) return Ok();
  SL_ASSIGN(auto ms, store::memberships_of(c, person_id));
  // Editing a person touches every organisation they belong to: the caller must manage all.
  if (ms.empty()) return Error::Forbidden();
  for (const auto& m : ms) {
    if (!access::allowed(caller, m.org_path, Action::kMemberManage)) return Error::Forbidden();
    if (is_privileged(m.role) && !access::allowed(caller, m.org_path, Action::kGrantPrivileged))
      return Error::Forbidden();
  }
  return Ok();
}

Result<bj::object> OrgsService::search_people(const Caller& caller, const std::optional<std::string>& q, int64_t after,
                                              int limit) {
  if (!access::allowed_anywhere(caller, Action::kMemberManage)) return Error::Forbidden();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(bj::array items, store::search_people(c, q, after, limit + 1));
    std::optional<int64_t> next;
    if (static_cast<int>(items.size()) > limit) {
      items.pop_back();
      next = items.back().as_object().at("id").as_int64();
    }
    return routes::page(std::move(items), next);
  });
}

Result<bj::object> OrgsService::get_person(const Caller& caller, int64_t person_id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto p, store::find_person(c, person_id));
    if (!p) return Error::NotFound("person_not_found", "人员不存在");
    // An erased person: whoever asks is told that, when and under which ledger entry (the
    // ledger, which is public, says so already).
    SL_TRY(check_not_erased(c, person_id, p->erased_at));
    SL_ASSIGN(auto ms, store::memberships_of(c, person_id));
    bool self = caller.person_id == person_id;
    bool can_read = self || caller.superadmin;
    bool contact = self || caller.superadmin;
    for (const auto& m : ms) {
      if (access::allowed(caller, m.org_path, Action::kMemberRead)) can_read = true;
      if (access::allowed(caller, m.org_path, Action::kMemberManage)) contact = true;
    }
    if (!can_read) return Error::NotFound("person_not_found", "人员不存在");
    bj::object o = store::person_json(*p, contact);
    bj::array arr;
    for (const auto& m : ms) {
      SL_ASSIGN(auto mj, store::membership_json(c, m.id, contact));
      if (mj) {
        mj->erase("person");
        SL_ASSIGN(auto org, store::find_org(c, m.org_id));
        if (org) (*mj)["org"] = bj::object{{"id", org->id}, {"name", org->name}, {"level", org->level}, {"kind", org->kind}};
        arr.push_back(std::move(*mj));
      }
    }
    o["memberships"] = std::move(arr);
    return o;
  });
}

Result<bj::object> OrgsService::update_person(const Caller& caller, int64_t person_id, const bj::object& body) {
  SL_ASSIGN(auto name, json::opt_string(body, "display_name", 64));
  SL_ASSIGN(auto status, json::opt_string(body, "status", 20));
  SL_ASSIGN(auto login, json::opt_string(body, "login", 32));
  SL_ASSIGN(auto mobile, json::opt_string(body, "mobile", 20));
  if (name) {
    name = trim(*name);
    SL_TRY(accounts::check_display_name(*name));
  }
  if (status && *status != "active" && *status != "disabled") return Error::Invalid("invalid_status", "status 须为 active 或 disabled");
  if (login && !login->empty() && !accounts::valid_login(*login)) return Error::Invalid("invalid_login", "登录名格式不正确");
  if (mobile && !mobile->empty() && !accounts::valid_mobile(*mobile)) return Error::Invalid("invalid_mobile", "手机号格式不正确");
  if (caller.person_id == person_id && status && *status == "disabled")
    return Error::Invalid("cannot_disable_self", "不能停用自己的账号");
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto p, store::find_person(c, person_id));
    if (!p) return Error::NotFound("person_not_found", "人员不存在");
    SL_TRY(check_not_erased(c, person_id, p->erased_at));
    SL_TRY(check_person_admin(c, caller, person_id));
    if (name) p->display_name = *name;
    if (status) p->status = *status;
    if (login) p->login = login->empty() ? std::nullopt : login;
    if (mobile) p->mobile = mobile->empty() ? std::nullopt : mobile;
    if (!p->login && !p->mobile) return Error::Invalid("missing_field", "人员需要登录名或手机号");
    SL_TRY(store::update_person(c, *p, now));
    SL_TRY(record(c, caller, "person.updated", "person", person_id));
    if (p->status == "disabled") SL_TRY(c.exec("DELETE FROM sessions WHERE person_id = ?", {person_id}));
    return Ok();
  }));
  return get_person(caller, person_id);
}

Status OrgsService::set_person_password(const Caller& caller, int64_t person_id, const std::string& password) {
  SL_TRY(db_.read([&](Conn& c) -> Status {
    SL_ASSIGN(auto p, store::find_person(c, person_id));
    if (!p) return Error::NotFound("person_not_found", "人员不存在");
    SL_TRY(check_not_erased(c, person_id, p->erased_at));
    return check_person_admin(c, caller, person_id);
  }));
  return accounts_.set_password(person_id, password);
}

Result<ledger::Erasure> OrgsService::erase_person(const Caller& caller, int64_t person_id) {
  return db_.write_value<ledger::Erasure>([&](Conn& c) -> Result<ledger::Erasure> {
    SL_ASSIGN(auto p, store::find_person(c, person_id));
    if (!p) return Error::NotFound("person_not_found", "人员不存在");
    SL_TRY(check_not_erased(c, person_id, p->erased_at));
    if (caller.person_id == person_id)
      return Error::Invalid("use_self_erasure", "删除自己的个人信息，请在“我的”页面确认密码后申请");
    SL_TRY(check_person_admin(c, caller, person_id));
    return accounts_.erase_person(c, caller, person_id);
  });
}

// ---- rosters ---------------------------------------------------------------------------

Result<ImportReport> OrgsService::import_roster(const Caller& caller, int64_t org_id, std::string_view text) {
  constexpr size_t kMaxRows = 50000;
  auto parsed = csv::parse(text);
  if (!parsed.ok()) {
    Error e = parsed.take_error();
    return roster_error(0, e.message);
  }
  auto& records = *parsed;
  if (records.empty()) return Error::Unprocessable("roster_empty", "名册为空");
  if (records.size() > kMaxRows + 1) return Error::Unprocessable("roster_too_large", "名册过大（最多 50000 行）");

  // Header: English names or Chinese labels.
  static const std::map<std::string, std::string> aliases = {
      {"display_name", "display_name"}, {"姓名", "display_name"}, {"login", "login"}, {"登录名", "login"},
      {"mobile", "mobile"}, {"手机号", "mobile"}, {"手机", "mobile"}, {"role", "role"}, {"角色", "role"},
      {"sector", "sector"}, {"界别", "sector"}};
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < records[0].fields.size(); ++i) {
    auto it = aliases.find(trim(records[0].fields[i]));
    if (it == aliases.end())
      return roster_error(1, "未知的列：" + trim(records[0].fields[i]));
    col[it->second] = i;
  }
  if (!col.count("display_name") || (!col.count("login") && !col.count("mobile")))
    return roster_error(1, "表头须包含 display_name（姓名）以及 login（登录名）或 mobile（手机号）");
  auto field = [&](const csv::Record& r, const char* name) -> std::string {
    auto it = col.find(name);
    if (it == col.end() || it->second >= r.fields.size()) return "";
    return trim(r.fields[it->second]);
  };

  struct Row {
    int line;
    std::string name, login, mobile, sector;
    Role role;
  };
  std::vector<Row> rows;
  bj::array errors;
  auto err = [&](int line, std::string reason) {
    if (errors.size() < 1000) errors.push_back(bj::object{{"line", line}, {"reason", std::move(reason)}});
  };
  std::set<std::string> seen_login, seen_mobile;
  for (size_t i = 1; i < records.size(); ++i) {
    const auto& r = records[i];
    if (r.fields.size() != records[0].fields.size()) {
      err(r.line, "列数为 " + std::to_string(r.fields.size()) + "，应为 " + std::to_string(records[0].fields.size()));
      continue;
    }
    Row row{r.line, field(r, "display_name"), field(r, "login"), field(r, "mobile"), field(r, "sector"), Role::kMember};
    if (Status s = accounts::check_display_name(row.name); !s.ok()) err(r.line, s.error().message);
    if (row.login.empty() && row.mobile.empty()) err(r.line, "需要登录名或手机号");
    if (!row.login.empty() && !accounts::valid_login(row.login)) err(r.line, "登录名格式不正确：" + row.login);
    if (!row.mobile.empty() && !accounts::valid_mobile(row.mobile)) err(r.line, "手机号格式不正确：" + row.mobile);
    if (!row.login.empty() && !seen_login.insert(row.login).second) err(r.line, "登录名在名册中重复：" + row.login);
    if (!row.mobile.empty() && !seen_mobile.insert(row.mobile).second) err(r.line, "手机号在名册中重复：" + row.mobile);
    auto role = roster_role(field(r, "role"));
    if (!role) err(r.line, "角色无效：" + field(r, "role"));
    else row.role = *role;
    rows.push_back(std::move(row));
  }

  TimeMs now = clock_.now_ms();
  ImportReport report;
  // Checks against the database and the import itself run in one transaction: all or nothing.
  Status st = db_.write([&](Conn& c) -> Status {
    report = ImportReport{};
    SL_TRY(access::check(c, caller, org_id, Action::kMemberManage));
    std::string org_path;
    SL_ASSIGN(org_path, access::org_path(c, org_id));
    SL_ASSIGN(auto org, store::find_org(c, org_id));
    bool can_grant = access::allowed(caller, org_path, Action::kGrantPrivileged);
    std::map<std::string, int64_t> sectors;
    SL_ASSIGN(bj::array sl, store::list_sectors(c, org_id));
    for (auto& s : sl) sectors[std::string(s.as_object().at("name").as_string())] = s.as_object().at("id").as_int64();
    bj::array db_errors = errors;
    auto db_err = [&](int line, std::string reason) {
      if (db_errors.size() < 1000) db_errors.push_back(bj::object{{"line", line}, {"reason", std::move(reason)}});
    };
    struct Plan {
      const Row* row;
      std::optional<int64_t> person;
      std::optional<int64_t> sector;
    };
    std::vector<Plan> plans;
    for (const Row& row : rows) {
      Plan plan{&row, std::nullopt, std::nullopt};
      if (!row.sector.empty()) {
        auto it = sectors.find(row.sector);
        if (it == sectors.end()) db_err(row.line, "界别不存在：" + row.sector);
        else plan.sector = it->second;
      }
      if (is_privileged(row.role) && !can_grant) db_err(row.line, "无权授予该角色：" + std::string(access::role_name(row.role)));
      std::optional<store::PersonRow> by_login, by_mobile;
      if (!row.login.empty()) {
        SL_ASSIGN(by_login, store::find_person_by(c, "login", row.login));
      }
      if (!row.mobile.empty()) {
        SL_ASSIGN(by_mobile, store::find_person_by(c, "mobile", row.mobile));
      }
      if (by_login && by_mobile && by_login->id != by_mobile->id) {
        db_err(row.line, "登录名与手机号分别属于不同的人员");
        continue;
      }
      if (by_login) plan.person = by_login->id;
      else if (by_mobile) plan.person = by_mobile->id;
      plans.push_back(plan);
    }
    if (!db_errors.empty()) {
      std::sort(db_errors.begin(), db_errors.end(), [](const bj::value& a, const bj::value& b) {
        return a.as_object().at("line").as_int64() < b.as_object().at("line").as_int64();
      });
      return Error::Unprocessable("roster_invalid", "名册有 " + std::to_string(db_errors.size()) + " 处错误，未导入任何数据",
                                  json::serialize(bj::object{{"errors", db_errors}}));
    }
    for (const Plan& p : plans) {
      int64_t pid;
      if (p.person) {
        pid = *p.person;
        SL_ASSIGN(bool exists, store::membership_exists(c, pid, org_id, std::string(access::role_name(p.row->role))));
        if (exists) {
          report.unchanged++;
          continue;
        }
      } else {
        accounts::NewPerson np;
        np.display_name = p.row->name;
        if (!p.row->login.empty()) np.login = p.row->login;
        if (!p.row->mobile.empty()) np.mobile = p.row->mobile;
        SL_ASSIGN(pid, accounts::insert_person(c, np, now));
        SL_TRY(record(c, caller, "person.created", "person", pid));
        report.created_people++;
      }
      SL_ASSIGN(int64_t mid, store::insert_membership(c, pid, org_id, std::string(access::role_name(p.row->role)), p.sector, now));
      SL_TRY(record(c, caller, "membership.granted", "membership", mid));
      if (org) SL_TRY(notify_membership(c, now, pid, *org, p.row->role, false));
      report.imported++;
    }
    return Ok();
  });
  if (!st.ok()) return st.take_error();
  return report;
}

}  // namespace sl::orgs
