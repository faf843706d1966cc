// Orgs: the organisation tree (national → village; CPPCC, congress, council, department),
// sectors (界别) per organisation, memberships with roles, administration of people, and
// member rosters (CSV import that is all-or-nothing with per-line errors; Excel export).
// Every use case takes the Caller and checks access through modules/access.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "core/clock.h"
#include "modules/access/access.h"
#include "modules/accounts/accounts.h"
#include "net/router.h"
#include "storage/database.h"

namespace sl::orgs {

using access::Caller;
namespace bj = boost::json;

bool valid_level(std::string_view level);
bool valid_kind(std::string_view kind);

struct MemberFilter {
  std::optional<std::string> role;
  std::optional<int64_t> sector_id;
  std::optional<std::string> q;  // name, login or mobile contains
};

struct ImportReport {
  int imported = 0;        // memberships created
  int created_people = 0;  // people created
  int unchanged = 0;       // rows that were already members with that role
};

class OrgsService {
 public:
  OrgsService(storage::Database& db, const Clock& clock, accounts::AccountsService& accounts, ledger::Ledger& ledger);

  // Organisations: reading is public.
  Result<bj::object> get_org(int64_t id);
  Result<bj::object> list_orgs(std::optional<int64_t> parent_id, int64_t after, int limit);
  Result<bj::object> create_org(const Caller& caller, const bj::object& body);
  Result<bj::object> update_org(const Caller& caller, int64_t id, const bj::object& body,
                                std::optional<int64_t> expected_version);
  Status delete_org(const Caller& caller, int64_t id);

  // Sectors: reading is public.
  Result<bj::object> list_sectors(int64_t org_id);
  Result<bj::object> create_sector(const Caller& caller, int64_t org_id, const bj::object& body);
  Result<bj::object> update_sector(const Caller& caller, int64_t sector_id, const bj::object& body);
  Status delete_sector(const Caller& caller, int64_t sector_id);

  // Memberships.
  Result<bj::object> list_members(const Caller& caller, int64_t org_id, const MemberFilter& f, int64_t after,
                                  int limit);
  Result<bj::object> add_member(const Caller& caller, int64_t org_id, const bj::object& body);
  Result<bj::object> update_membership(const Caller& caller, int64_t membership_id, const bj::object& body);
  Status remove_membership(const Caller& caller, int64_t membership_id);

  // People.
  Result<bj::object> search_people(const Caller& caller, const std::optional<std::string>& q, int64_t after,
                                   int limit);
  Result<bj::object> get_person(const Caller& caller, int64_t person_id);
  Result<bj::object> update_person(const Caller& caller, int64_t person_id, const bj::object& body);
  Status set_person_password(const Caller& caller, int64_t person_id, const std::string& password);
  // Right to deletion, by an administrator on the person's behalf: the same permission as
  // editing the person (staff/admin of every organisation they belong to, or a superadmin).
  // Their memberships are erased with them. Oneself: use AccountsService::erase_me.
  Result<ledger::Erasure> erase_person(const Caller& caller, int64_t person_id);

  // Rosters.
  Result<ImportReport> import_roster(const Caller& caller, int64_t org_id, std::string_view csv_text);
  Result<std::string> export_roster_xlsx(const Caller& caller, int64_t org_id);

 private:
  Status check_role_grant(storage::Conn& c, const Caller& caller, int64_t org_id, access::Role role);
  Status check_person_admin(storage::Conn& c, const Caller& caller, int64_t person_id);
  // Appends a ledger entry for a record's current state (or its removal), in the transaction.
  Status record(storage::Conn& c, const Caller& caller, std::string_view action, std::string_view type, int64_t id);
  // 410 if the person's personal data was erased (their row is a tombstone).
  Status check_not_erased(storage::Conn& c, int64_t person_id, const std::optional<TimeMs>& erased_at);

  storage::Database& db_;
  const Clock& clock_;
  accounts::AccountsService& accounts_;
  ledger::Ledger& ledger_;
};

void register_routes(net::Router& router, OrgsService& svc, accounts::AccountsService& accounts);

}  // namespace sl::orgs
