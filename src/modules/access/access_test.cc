#include "modules/access/access.h"

#include <gtest/gtest.h>

namespace sl::access {
namespace {

Caller with(Role r, std::string path) {
  Caller c;
  c.person_id = 7;
  c.memberships.push_back({1, 1, r, std::nullopt, std::move(path)});
  return c;
}

TEST(Access, StaffReachDownTheTreeButNotUpOrSideways) {
  Caller staff = with(Role::kStaff, "/1/2/");
  EXPECT_TRUE(allowed(staff, "/1/2/", Action::kMemberManage));
  EXPECT_TRUE(allowed(staff, "/1/2/5/", Action::kMemberManage));
  EXPECT_FALSE(allowed(staff, "/1/", Action::kMemberManage));
  EXPECT_FALSE(allowed(staff, "/1/3/", Action::kMemberManage));
  // "/1/2/" must not match "/1/23/" (prefix on whole segments).
  EXPECT_FALSE(allowed(staff, "/1/23/", Action::kMemberManage));
  EXPECT_FALSE(allowed(staff, "/1/2/", Action::kOrgManage));
  EXPECT_FALSE(allowed(staff, "/1/2/", Action::kGrantPrivileged));
}

TEST(Access, MembersAndRespondersAdministerNothing) {
  for (Role r : {Role::kMember, Role::kResponder}) {
    Caller c = with(r, "/1/");
    for (Action a : {Action::kOrgManage, Action::kSectorManage, Action::kMemberRead, Action::kMemberManage,
                     Action::kGrantPrivileged, Action::kRosterExport, Action::kDeliberationManage,
                     Action::kDeliberationOversee, Action::kDeliberationLead})
      EXPECT_FALSE(allowed(c, "/1/", a));
  }
}

TEST(Access, DeliberationActions) {
  // Staff and admins manage deliberations down the tree; leaders oversee and lead, not manage.
  for (Role r : {Role::kStaff, Role::kAdmin}) {
    EXPECT_TRUE(allowed(with(r, "/1/"), "/1/4/", Action::kDeliberationManage));
    EXPECT_TRUE(allowed(with(r, "/1/"), "/1/4/", Action::kDeliberationOversee));
    EXPECT_FALSE(allowed(with(r, "/1/"), "/1/", Action::kDeliberationLead));
    EXPECT_FALSE(allowed(with(r, "/1/4/"), "/1/", Action::kDeliberationManage));
  }
  Caller leader = with(Role::kLeader, "/1/");
  EXPECT_FALSE(allowed(leader, "/1/", Action::kDeliberationManage));
  EXPECT_TRUE(allowed(leader, "/1/4/", Action::kDeliberationOversee));
  EXPECT_TRUE(allowed(leader, "/1/4/", Action::kDeliberationLead));
  EXPECT_FALSE(allowed(leader, "/2/", Action::kDeliberationLead));
}

TEST(Access, LeaderReadsAdminDoesAll) {
  EXPECT_TRUE(allowed(with(Role::kLeader, "/1/"), "/1/4/", Action::kMemberRead));
  EXPECT_FALSE(allowed(with(Role::kLeader, "/1/"), "/1/4/", Action::kMemberManage));
  EXPECT_TRUE(allowed(with(Role::kAdmin, "/1/"), "/1/4/9/", Action::kOrgManage));
  EXPECT_TRUE(allowed(Caller::system(), "/99/", Action::kGrantPrivileged));
  EXPECT_FALSE(allowed(Caller{}, "/1/", Action::kMemberRead));
}

TEST(Access, Labels) {
  EXPECT_EQ(role_label(Role::kMember, "cppcc"), "委员");
  EXPECT_EQ(role_label(Role::kMember, "congress"), "代表");
  EXPECT_EQ(role_label(Role::kMember, "council"), "居民");
  EXPECT_EQ(parse_role("admin"), Role::kAdmin);
  EXPECT_FALSE(parse_role("root").has_value());
}

}  // namespace
}  // namespace sl::access
