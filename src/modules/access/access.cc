#include "modules/access/access.h"

#include <array>

namespace sl::access {

namespace {

struct RolePolicy {
  Role role;
  bool inherits;  // applies to descendant organisations too
  std::vector<Action> actions;
};

// The whole policy in one table.
const std::array<RolePolicy, 5>& policy() {
  static const std::array<RolePolicy, 5> p = {{
      {Role::kAdmin, true,
       {Action::kOrgManage, Action::kSectorManage, Action::kMemberRead, Action::kMemberManage,
        Action::kGrantPrivileged, Action::kRosterExport, Action::kDeliberationManage, Action::kDeliberationOversee,
        Action::kCaseManage, Action::kCaseOversee}},
      {Role::kStaff, true,
       {Action::kSectorManage, Action::kMemberRead, Action::kMemberManage, Action::kRosterExport,
        Action::kDeliberationManage, Action::kDeliberationOversee, Action::kCaseManage, Action::kCaseOversee}},
      {Role::kLeader, true,
       {Action::kMemberRead, Action::kRosterExport, Action::kDeliberationOversee, Action::kDeliberationLead,
        Action::kCaseOversee}},
      {Role::kResponder, false, {}},
      {Role::kMember, false, {}},
  }};
  return p;
}

const RolePolicy& policy_for(Role r) {
  for (const auto& p : policy())
    if (p.role == r) return p;
  return policy().back();
}

}  // namespace

std::optional<Role> parse_role(std::string_view s) {
  if (s == "member") return Role::kMember;
  if (s == "staff") return Role::kStaff;
  if (s == "leader") return Role::kLeader;
  if (s == "responder") return Role::kResponder;
  if (s == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kMember: return "member";
    case Role::kStaff: return "staff";
    case Role::kLeader: return "leader";
    case Role::kResponder: return "responder";
    case Role::kAdmin: return "admin";
  }
  return "member";
}

std::string member_label(std::string_view kind) {
  if (kind == "cppcc") return "委员";
  if (kind == "congress") return "代表";
  if (kind == "council") return "居民";
  if (kind == "department") return "部门人员";
  return "成员";
}

std::string role_label(Role r, std::string_view kind) {
  switch (r) {
    case Role::kMember: return member_label(kind);
    case Role::kStaff: return "工作人员";
    case Role::kLeader: return "领导";
    case Role::kResponder: return "部门联络员";
    case Role::kAdmin: return "管理员";
  }
  return "";
}

Caller Caller::system() {
  Caller c;
  c.superadmin = true;
  return c;
}

bool allowed(const Caller& caller, std::string_view org_path, Action action) {
  if (caller.superadmin) return true;
  for (const Membership& m : caller.memberships) {
    const RolePolicy& p = policy_for(m.role);
    bool reaches = m.org_path == org_path || (p.inherits && org_path.size() > m.org_path.size() &&
                                              org_path.substr(0, m.org_path.size()) == m.org_path);
    if (!reaches) continue;
    for (Action a : p.actions)
      if (a == action) return true;
  }
  return false;
}

bool allowed_anywhere(const Caller& caller, Action action) {
  if (caller.superadmin) return true;
  for (const Membership& m : caller.memberships)
    if (allowed(caller, m.org_path, action)) return true;
  return false;
}

Result<std::string> org_path(storage::Conn& c, int64_t org_id) {
  SL_ASSIGN(auto row, c.query_one("SELECT path FROM orgs WHERE id = ?", {org_id}));
  if (!row) return Error::NotFound("org_not_found", "组织不存在");
  return row->str(0);
}

Status check(storage::Conn& c, const Caller& caller, int64_t org_id, Action action) {
  SL_ASSIGN(std::string path, org_path(c, org_id));
  if (!allowed(caller, path, action)) return Error::Forbidden();
  return Ok();
}

}  // namespace sl::access
