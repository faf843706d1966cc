// Access: the one permission check every route uses.
//   (caller, organisation, action) -> allow or deny
// Roles are held per organisation (memberships). Staff, admin and leader roles reach down
// the organisation tree (a province's staff administer its cities and counties); member and
// responder roles apply to their own organisation only. Platform superadmins may do anything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "storage/database.h"

namespace sl::access {

enum class Role { kMember, kStaff, kLeader, kResponder, kAdmin };

std::optional<Role> parse_role(std::string_view s);
std::string_view role_name(Role r);
// Chinese label; the member label depends on the organisation's kind (委员 / 代表 / 居民).
std::string role_label(Role r, std::string_view org_kind);
std::string member_label(std::string_view org_kind);

enum class Action {
  kOrgManage,        // create child organisations, rename, delete
  kSectorManage,     // create, rename, delete sectors
  kMemberRead,       // list members and their details
  kMemberManage,     // add, change, remove memberships; import rosters; edit people
  kGrantPrivileged,  // grant or revoke staff/admin/leader roles
  kRosterExport,     // export rosters to Excel
  // Deliberations (modules/deliberation). A deliberation belongs to a host organisation and may
  // be joint across several; these are checked against the host's or a participant's path.
  kDeliberationManage,   // create, configure, open/close, change phase, moderate, ban, assign points
  kDeliberationOversee,  // read every deliberation of the organisation (drafts too), edit histories, export
  kDeliberationLead,     // speak as a leader: posts are marked leader_remark
  // Cases (modules/cases): proposals, motions, reports... of an organisation.
  kCaseManage,   // review, assign, decide requests, supervise, publish, archive, configure kinds
  kCaseOversee,  // read every case (not social-condition reports), the supervision board, statistics, export
};

struct Membership {
  int64_t id = 0;
  int64_t org_id = 0;
  Role role = Role::kMember;
  std::optional<int64_t> sector_id;
  std::string org_path;  // "/1/5/12/": ids of the organisation and its ancestors
};

// Who is calling. Built by the accounts module from the session.
struct Caller {
  int64_t person_id = 0;
  bool superadmin = false;
  bool is_public = false;
  std::vector<Membership> memberships;
  std::string session_hash;  // identifies the session (idempotency scope, logout)

  static Caller system();  // the CLI acting as superadmin
};

// Pure policy: may `caller` do `action` in the organisation whose path is `org_path`?
bool allowed(const Caller& caller, std::string_view org_path, Action action);
// True if the caller may do `action` somewhere (e.g. to show the admin area).
bool allowed_anywhere(const Caller& caller, Action action);

// Loads the organisation's path and applies the policy: NotFound if there is no such
// organisation, Forbidden if denied.
Status check(storage::Conn& c, const Caller& caller, int64_t org_id, Action action);
Result<std::string> org_path(storage::Conn& c, int64_t org_id);

}  // namespace sl::access
