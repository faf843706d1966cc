// SQL of the orgs module, and nothing else.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "modules/ledger/ledger.h"
#include "modules/orgs/orgs.h"
#include "storage/database.h"

namespace sl::orgs::store {

using storage::Conn;

struct OrgRow {
  int64_t id = 0;
  std::optional<int64_t> parent_id;
  std::string name, level, kind, path;
  int64_t version = 0;
};

Result<std::optional<OrgRow>> find_org(Conn& c, int64_t id);
// The full JSON of an organisation (counts and ancestors included).
Result<std::optional<bj::object>> org_json(Conn& c, int64_t id);
Result<bj::array> list_orgs(Conn& c, std::optional<int64_t> parent_id, int64_t after, int limit);
Result<int64_t> insert_org(Conn& c, std::optional<int64_t> parent_id, const std::string& parent_path,
                           const std::string& name, const std::string& level, const std::string& kind, TimeMs now);
// Updates with optimistic locking when expected_version is set; false if the version differs.
Result<bool> update_org(Conn& c, int64_t id, const std::string& name, const std::string& level,
                        const std::string& kind, std::optional<int64_t> expected_version, TimeMs now);
Result<int64_t> count_children(Conn& c, int64_t id);
Result<int64_t> count_memberships(Conn& c, int64_t id);
Status delete_org(Conn& c, int64_t id);

struct SectorRow {
  int64_t id = 0, org_id = 0;
  std::string name;
};
Result<std::optional<SectorRow>> find_sector(Conn& c, int64_t id);
Result<std::optional<SectorRow>> find_sector_by_name(Conn& c, int64_t org_id, const std::string& name);
Result<bj::array> list_sectors(Conn& c, int64_t org_id);
Result<std::optional<bj::object>> sector_json(Conn& c, int64_t id);
Result<int64_t> insert_sector(Conn& c, int64_t org_id, const std::string& name, TimeMs now);
Status rename_sector(Conn& c, int64_t id, const std::string& name);
Result<int64_t> count_sector_members(Conn& c, int64_t id);
Status delete_sector(Conn& c, int64_t id);

struct MembershipRow {
  int64_t id = 0, person_id = 0, org_id = 0;
  std::string role;
  std::optional<int64_t> sector_id;
};
Result<std::optional<MembershipRow>> find_membership(Conn& c, int64_t id);
Result<bool> membership_exists(Conn& c, int64_t person_id, int64_t org_id, const std::string& role);
Result<int64_t> insert_membership(Conn& c, int64_t person_id, int64_t org_id, const std::string& role,
                                  std::optional<int64_t> sector_id, TimeMs now);
Status update_membership(Conn& c, int64_t id, const std::string& role, std::optional<int64_t> sector_id);
Status delete_membership(Conn& c, int64_t id);
Result<std::optional<bj::object>> membership_json(Conn& c, int64_t id, bool show_contact);
Result<bj::array> list_members(Conn& c, int64_t org_id, const MemberFilter& f, int64_t after, int limit,
                               bool show_contact);

struct PersonRow {
  int64_t id = 0;
  std::optional<std::string> login, mobile;
  std::string display_name, status;
  std::string ledger_salt;          // "" if none yet
  std::optional<TimeMs> erased_at;  // set: a tombstone whose personal data was erased
};
Result<std::optional<PersonRow>> find_person(Conn& c, int64_t id);
Result<std::optional<PersonRow>> find_person_by(Conn& c, const char* column, const std::string& value);
Result<std::vector<access::Membership>> memberships_of(Conn& c, int64_t person_id);
Result<bj::array> search_people(Conn& c, const std::optional<std::string>& q, int64_t after, int limit);
Status update_person(Conn& c, const PersonRow& p, TimeMs now);

struct RosterLine {
  std::string display_name, login, mobile, role, sector;
};
Result<std::vector<RosterLine>> roster(Conn& c, int64_t org_id);

// A person as others see them. With `show_contact` (callers who may see contact details in
// full) it also carries the record's ledger data, whose content holds the full mobile number.
bj::object person_json(const PersonRow& p, bool show_contact);

// What the ledger hashes for a record: canonical content and its salt (salt empty if not yet
// given one); nothing if the record is gone. type: "org", "sector" or "membership".
using LedgerState = ledger::RecordState;
Result<std::optional<LedgerState>> ledger_state(Conn& c, std::string_view type, int64_t id);
Status set_ledger_salt(Conn& c, std::string_view type, int64_t id, const std::string& salt);
// Every membership of a person (ids), for the person's erasure.
Result<std::vector<int64_t>> membership_ids_of(Conn& c, int64_t person_id);

}  // namespace sl::orgs::store
