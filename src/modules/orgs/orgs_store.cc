#include "modules/orgs/orgs_store.h"

#include <boost/json.hpp>

#include <sstream>

#include "modules/common/directory_version.h"

namespace sl::orgs::store {

using storage::Null;
using storage::Params;
using storage::Row;
using storage::Value;

namespace {

using storage::opt;
Value opt(const std::optional<std::string>& v) { return v ? Value(*v) : Value(Null{}); }
bj::value nullable(const std::optional<std::string>& s) { return s ? bj::value(*s) : bj::value(nullptr); }

// A LIKE pattern matching text that contains `q` literally (%, _ and \ escaped with \).
std::string contains_pattern(const std::string& q) {
  std::string like = "%";
  for (char ch : q) {
    if (ch == '%' || ch == '_' || ch == '\\') like.push_back('\\');
    like.push_back(ch);
  }
  like += "%";
  return like;
}

bj::value id_or_null(const Row& r, size_t i) { return r.is_null(i) ? bj::value(nullptr) : bj::value(r.i64(i)); }

// The canonical content the ledger hashes for each record type. The JSON the API returns is
// built from the same functions, so its "ledger" data is exactly what was hashed.
std::string org_content(const std::string& name, const std::string& level, const std::string& kind,
                        const bj::value& parent_id) {
  return bj::serialize(bj::object{{"name", name}, {"level", level}, {"kind", kind}, {"parent_id", parent_id}});
}
std::string sector_content(int64_t org_id, const std::string& name) {
  return bj::serialize(bj::object{{"org_id", org_id}, {"name", name}});
}
std::string membership_content(int64_t person_id, int64_t org_id, const std::string& role, const bj::value& sector_id) {
  return bj::serialize(bj::object{{"person_id", person_id}, {"org_id", org_id}, {"role", role}, {"sector_id", sector_id}});
}

std::string mask_mobile(const std::string& m) {
  if (m.size() != 11) return m;
  return m.substr(0, 3) + "****" + m.substr(7);
}

}  // namespace

Result<std::optional<OrgRow>> find_org(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one("SELECT id, parent_id, name, level, kind, path, version FROM orgs WHERE id = ?", {id}));
  if (!r) return std::optional<OrgRow>();
  return std::optional<OrgRow>(OrgRow{r->i64(0), r->opt_i64(1), r->str(2), r->str(3), r->str(4), r->str(5), r->i64(6)});
}

namespace {

bj::object org_from_row(const Row& r) {
  // id, parent_id, name, level, kind, version, created_at, updated_at, child_count, member_count,
  // path, ledger_salt
  bj::object o;
  o["id"] = r.i64(0);
  o["parent_id"] = r.is_null(1) ? bj::value(nullptr) : bj::value(r.i64(1));
  o["name"] = r.str(2);
  o["level"] = r.str(3);
  o["kind"] = r.str(4);
  o["member_label"] = access::member_label(r.str(4));
  o["version"] = r.i64(5);
  o["created_at"] = format_iso8601(r.i64(6));
  o["updated_at"] = format_iso8601(r.i64(7));
  o["child_count"] = r.i64(8);
  o["member_count"] = r.i64(9);
  o["ledger"] = ledger::record_json(
      "org", r.i64(0), ledger::RecordState{org_content(r.str(2), r.str(3), r.str(4), id_or_null(r, 1)), r.str(11)});
  return o;
}

constexpr const char* kOrgColumns =
    "o.id, o.parent_id, o.name, o.level, o.kind, o.version, o.created_at, o.updated_at, "
    "(SELECT COUNT(*) FROM orgs ch WHERE ch.parent_id = o.id), "
    "(SELECT COUNT(*) FROM memberships m WHERE m.org_id = o.id AND (m.role = 'member' OR o.kind = 'department')), o.path, "
    "COALESCE(o.ledger_salt, '')";

}  // namespace

Result<std::optional<bj::object>> org_json(Conn& c, int64_t id) {
  static const std::string sql = std::string("SELECT ") + kOrgColumns + " FROM orgs o WHERE o.id = ?";
  SL_ASSIGN(auto r, c.query_one(sql, {id}));
  if (!r) return std::optional<bj::object>();
  bj::object o = org_from_row(*r);
  // Ancestors from the materialised path "/1/5/12/", root first.
  std::vector<int64_t> ids;
  const std::string& path = r->str(10);
  for (size_t i = 1; i < path.size();) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) break;
    int64_t aid = std::stoll(path.substr(i, j - i));
    if (aid != id) ids.push_back(aid);
    i = j + 1;
  }
  // All ancestors in one query (one statement text per depth, so each is prepared once).
  bj::array anc;
  if (!ids.empty()) {
    std::string sql = "SELECT id, name, level, kind FROM orgs WHERE id IN (?";
    for (size_t i = 1; i < ids.size(); ++i) sql += ", ?";
    sql += ")";
    Params params(ids.begin(), ids.end());
    SL_ASSIGN(auto rows, c.query(sql, params));
    for (int64_t aid : ids)  // root first, in path order
      for (auto& a : rows)
        if (a.i64(0) == aid)
          anc.push_back(bj::object{{"id", a.i64(0)}, {"name", a.str(1)}, {"level", a.str(2)}, {"kind", a.str(3)}});
  }
  o["ancestors"] = std::move(anc);
  return std::optional<bj::object>(std::move(o));
}

Result<bj::array> list_orgs(Conn& c, std::optional<int64_t> parent_id, int64_t after, int limit) {
  static const std::string by_parent =
      std::string("SELECT ") + kOrgColumns + " FROM orgs o WHERE o.parent_id = ? AND o.id > ? ORDER BY o.id LIMIT ?";
  static const std::string roots =
      std::string("SELECT ") + kOrgColumns + " FROM orgs o WHERE o.parent_id IS NULL AND o.id > ? ORDER BY o.id LIMIT ?";
  Result<storage::Rows> rows = parent_id ? c.query(by_parent, {*parent_id, after, int64_t{limit}})
                                         : c.query(roots, {after, int64_t{limit}});
  if (!rows.ok()) return rows.take_error();
  bj::array out;
  for (auto& r : *rows) out.push_back(org_from_row(r));
  return out;
}

Result<int64_t> insert_org(Conn& c, std::optional<int64_t> parent_id, const std::string& parent_path,
                           const std::string& name, const std::string& level, const std::string& kind, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO orgs (parent_id, name, level, kind, created_at, updated_at) VALUES "
                               "(?, ?, ?, ?, ?, ?) RETURNING id",
                               {opt(parent_id), name, level, kind, now, now}));
  int64_t id = rows.front().i64(0);
  std::string path = (parent_path.empty() ? std::string("/") : parent_path) + std::to_string(id) + "/";
  SL_TRY(c.exec("UPDATE orgs SET path = ? WHERE id = ?", {path, id}));
  return id;
}

Result<bool> update_org(Conn& c, int64_t id, const std::string& name, const std::string& level,
                        const std::string& kind, std::optional<int64_t> expected_version, TimeMs now) {
  Result<int64_t> n = expected_version
                         ? c.exec("UPDATE orgs SET name = ?, level = ?, kind = ?, updated_at = ?, version = version + 1 "
                                  "WHERE id = ? AND version = ?",
                                  {name, level, kind, now, id, *expected_version})
                         : c.exec("UPDATE orgs SET name = ?, level = ?, kind = ?, updated_at = ?, version = version + 1 "
                                  "WHERE id = ?",
                                  {name, level, kind, now, id});
  if (!n.ok()) return n.take_error();
  // Pages that show the organisation's name or kind (deliberation posts) are cached on this.
  if (*n > 0) SL_TRY(directory_version::bump(c));
  return *n > 0;
}

Result<int64_t> count_children(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM orgs WHERE parent_id = ?", {id}));
  return r->i64(0);
}

Result<int64_t> count_memberships(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM memberships WHERE org_id = ?", {id}));
  return r->i64(0);
}

Status delete_org(Conn& c, int64_t id) {
  SL_TRY(c.exec("DELETE FROM sectors WHERE org_id = ?", {id}));
  SL_TRY(c.exec("DELETE FROM orgs WHERE id = ?", {id}));
  return Ok();
}

Result<std::optional<SectorRow>> find_sector(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one("SELECT id, org_id, name FROM sectors WHERE id = ?", {id}));
  if (!r) return std::optional<SectorRow>();
  return std::optional<SectorRow>(SectorRow{r->i64(0), r->i64(1), r->str(2)});
}

Result<std::optional<SectorRow>> find_sector_by_name(Conn& c, int64_t org_id, const std::string& name) {
  SL_ASSIGN(auto r, c.query_one("SELECT id, org_id, name FROM sectors WHERE org_id = ? AND name = ?", {org_id, name}));
  if (!r) return std::optional<SectorRow>();
  return std::optional<SectorRow>(SectorRow{r->i64(0), r->i64(1), r->str(2)});
}

namespace {

constexpr const char* kSectorSelect =
    "SELECT s.id, s.org_id, s.name, (SELECT COUNT(*) FROM memberships m WHERE m.sector_id = s.id), "
    "COALESCE(s.ledger_salt, '') FROM sectors s ";

bj::object sector_from_row(const Row& r) {
  return bj::object{{"id", r.i64(0)},
                    {"org_id", r.i64(1)},
                    {"name", r.str(2)},
                    {"member_count", r.i64(3)},
                    {"ledger", ledger::record_json("sector", r.i64(0),
                                                   ledger::RecordState{sector_content(r.i64(1), r.str(2)), r.str(4)})}};
}

}  // namespace

Result<bj::array> list_sectors(Conn& c, int64_t org_id) {
  static const std::string sql = std::string(kSectorSelect) + "WHERE s.org_id = ? ORDER BY s.id";
  SL_ASSIGN(auto rows, c.query(sql, {org_id}));
  bj::array out;
  for (auto& r : rows) out.push_back(sector_from_row(r));
  return out;
}

Result<std::optional<bj::object>> sector_json(Conn& c, int64_t id) {
  static const std::string sql = std::string(kSectorSelect) + "WHERE s.id = ?";
  SL_ASSIGN(auto r, c.query_one(sql, {id}));
  if (!r) return std::optional<bj::object>();
  return std::optional<bj::object>(sector_from_row(*r));
}

Result<int64_t> insert_sector(Conn& c, int64_t org_id, const std::string& name, TimeMs now) {
  auto rows = c.query("INSERT INTO sectors (org_id, name, created_at) VALUES (?, ?, ?) RETURNING id", {org_id, name, now});
  if (!rows.ok()) {
    if (rows.error().code == Code::kConflict) return Error::Conflict("sector_exists", "该组织已有同名界别：" + name);
    return rows.take_error();
  }
  return rows->front().i64(0);
}

Status rename_sector(Conn& c, int64_t id, const std::string& name) {
  auto r = c.exec("UPDATE sectors SET name = ? WHERE id = ?", {name, id});
  if (!r.ok()) {
    if (r.error().code == Code::kConflict) return Error::Conflict("sector_exists", "该组织已有同名界别：" + name);
    return r.take_error();
  }
  return Ok();
}

Result<int64_t> count_sector_members(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM memberships WHERE sector_id = ?", {id}));
  return r->i64(0);
}

Status delete_sector(Conn& c, int64_t id) {
  SL_TRY(c.exec("DELETE FROM sectors WHERE id = ?", {id}));
  return Ok();
}

Result<std::optional<MembershipRow>> find_membership(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one("SELECT id, person_id, org_id, role, sector_id FROM memberships WHERE id = ?", {id}));
  if (!r) return std::optional<MembershipRow>();
  return std::optional<MembershipRow>(MembershipRow{r->i64(0), r->i64(1), r->i64(2), r->str(3), r->opt_i64(4)});
}

Result<bool> membership_exists(Conn& c, int64_t person_id, int64_t org_id, const std::string& role) {
  SL_ASSIGN(auto r, c.query_one("SELECT 1 FROM memberships WHERE person_id = ? AND org_id = ? AND role = ?",
                                {person_id, org_id, role}));
  return r.has_value();
}

Result<int64_t> insert_membership(Conn& c, int64_t person_id, int64_t org_id, const std::string& role,
                                  std::optional<int64_t> sector_id, TimeMs now) {
  auto rows = c.query("INSERT INTO memberships (person_id, org_id, role, sector_id, created_at) VALUES (?, ?, ?, ?, ?) "
                      "RETURNING id",
                      {person_id, org_id, role, opt(sector_id), now});
  if (!rows.ok()) {
    if (rows.error().code == Code::kConflict && rows.error().slug == "conflict")
      return Error::Conflict("already_member", "此人已在该组织担任此角色");
    return rows.take_error();
  }
  return rows->front().i64(0);
}

Status update_membership(Conn& c, int64_t id, const std::string& role, std::optional<int64_t> sector_id) {
  auto r = c.exec("UPDATE memberships SET role = ?, sector_id = ? WHERE id = ?", {role, opt(sector_id), id});
  if (!r.ok()) {
    if (r.error().code == Code::kConflict) return Error::Conflict("already_member", "此人已在该组织担任此角色");
    return r.take_error();
  }
  return Ok();
}

Status delete_membership(Conn& c, int64_t id) {
  SL_TRY(c.exec("DELETE FROM memberships WHERE id = ?", {id}));
  return Ok();
}

bj::object person_json(const PersonRow& p, bool show_contact) {
  bj::object o;
  o["id"] = p.id;
  o["display_name"] = p.display_name;
  o["login"] = nullable(p.login);
  if (p.mobile) o["mobile"] = show_contact ? *p.mobile : mask_mobile(*p.mobile);
  else o["mobile"] = nullptr;
  o["status"] = p.status;
  if (show_contact)
    o["ledger"] = ledger::record_json(
        "person", p.id,
        ledger::RecordState{accounts::person_content(p.display_name, p.login, p.mobile, p.status), p.ledger_salt});
  return o;
}

namespace {

constexpr const char* kMemberSelect =
    "SELECT m.id, m.role, m.sector_id, s.name, p.id, p.display_name, p.login, p.mobile, p.status, o.kind, m.org_id, "
    "COALESCE(m.ledger_salt, ''), COALESCE(p.ledger_salt, '') FROM memberships m JOIN people p ON p.id = m.person_id JOIN orgs o ON o.id = m.org_id "
    "LEFT JOIN sectors s ON s.id = m.sector_id ";

bj::object member_from_row(const Row& r, bool show_contact) {
  bj::object o;
  o["id"] = r.i64(0);
  o["org_id"] = r.i64(10);
  o["role"] = r.str(1);
  o["role_label"] = access::role_label(access::parse_role(r.str(1)).value_or(access::Role::kMember), r.str(9));
  if (r.is_null(2)) o["sector"] = nullptr;
  else o["sector"] = bj::object{{"id", r.i64(2)}, {"name", r.str(3)}};
  o["person"] = person_json(PersonRow{r.i64(4), r.opt_str(6), r.opt_str(7), r.str(5), r.str(8), r.str(12), {}}, show_contact);
  o["ledger"] = ledger::record_json(
      "membership", r.i64(0),
      ledger::RecordState{membership_content(r.i64(4), r.i64(10), r.str(1), id_or_null(r, 2)), r.str(11)});
  return o;
}

}  // namespace

Result<std::optional<bj::object>> membership_json(Conn& c, int64_t id, bool show_contact) {
  static const std::string sql = std::string(kMemberSelect) + "WHERE m.id = ?";
  SL_ASSIGN(auto r, c.query_one(sql, {id}));
  if (!r) return std::optional<bj::object>();
  return std::optional<bj::object>(member_from_row(*r, show_contact));
}

Result<bj::array> list_members(Conn& c, int64_t org_id, const MemberFilter& f, int64_t after, int limit,
                               bool show_contact) {
  // Fixed SQL fragments only; every value is bound.
  std::string sql = std::string(kMemberSelect) + "WHERE m.org_id = ? AND m.id > ?";
  Params params{org_id, after};
  if (f.role) {
    sql += " AND m.role = ?";
    params.emplace_back(*f.role);
  }
  if (f.sector_id) {
    sql += " AND m.sector_id = ?";
    params.emplace_back(*f.sector_id);
  }
  if (f.q) {
    // Mobile numbers are matched only for callers who may see them in full.
    sql += show_contact ? " AND (p.display_name LIKE ? ESCAPE '\\' OR p.login LIKE ? ESCAPE '\\' OR p.mobile LIKE ? ESCAPE '\\')"
                        : " AND (p.display_name LIKE ? ESCAPE '\\' OR p.login LIKE ? ESCAPE '\\')";
    std::string like = contains_pattern(*f.q);
    params.emplace_back(like);
    params.emplace_back(like);
    if (show_contact) params.emplace_back(like);
  }
  sql += " ORDER BY m.id LIMIT ?";
  params.emplace_back(int64_t{limit});
  SL_ASSIGN(auto rows, c.query(sql, params));
  bj::array out;
  for (auto& r : rows) out.push_back(member_from_row(r, show_contact));
  return out;
}

namespace {

constexpr const char* kPersonSelect =
    "SELECT id, login, mobile, display_name, status, COALESCE(ledger_salt, ''), erased_at FROM people ";

PersonRow person_from_row(const Row& r) {
  return PersonRow{r.i64(0), r.opt_str(1), r.opt_str(2), r.str(3), r.str(4), r.str(5), r.opt_i64(6)};
}

}  // namespace

Result<std::optional<PersonRow>> find_person(Conn& c, int64_t id) {
  static const std::string sql = std::string(kPersonSelect) + "WHERE id = ?";
  SL_ASSIGN(auto r, c.query_one(sql, {id}));
  if (!r) return std::optional<PersonRow>();
  return std::optional<PersonRow>(person_from_row(*r));
}

Result<std::optional<PersonRow>> find_person_by(Conn& c, const char* column, const std::string& value) {
  std::string col = column;
  if (col != "login" && col != "mobile") return Error::Internal("bad column");
  SL_ASSIGN(auto r, c.query_one(std::string(kPersonSelect) + "WHERE " + col + " = ?", {value}));
  if (!r) return std::optional<PersonRow>();
  return std::optional<PersonRow>(person_from_row(*r));
}

Result<std::vector<access::Membership>> memberships_of(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto rows, c.query("SELECT m.id, m.org_id, m.role, m.sector_id, o.path FROM memberships m JOIN orgs o ON "
                               "o.id = m.org_id WHERE m.person_id = ?",
                               {person_id}));
  std::vector<access::Membership> out;
  for (auto& r : rows)
    out.push_back({r.i64(0), r.i64(1), access::parse_role(r.str(2)).value_or(access::Role::kMember), r.opt_i64(3), r.str(4)});
  return out;
}

Result<bj::array> search_people(Conn& c, const std::optional<std::string>& q, int64_t after, int limit) {
  std::string like = contains_pattern(q.value_or(""));
  static const std::string sql = std::string(kPersonSelect) +
                                 "WHERE id > ? AND erased_at IS NULL AND (display_name LIKE ? ESCAPE '\\' OR login LIKE ? "
                                 "ESCAPE '\\' OR mobile LIKE ? ESCAPE '\\') ORDER BY id LIMIT ?";
  SL_ASSIGN(auto rows, c.query(sql, {after, like, like, like, int64_t{limit}}));
  bj::array out;
  for (auto& r : rows) out.push_back(person_json(person_from_row(r), true));
  return out;
}

Status update_person(Conn& c, const PersonRow& p, TimeMs now) {
  auto r = c.exec("UPDATE people SET login = ?, mobile = ?, display_name = ?, status = ?, updated_at = ? WHERE id = ?",
                  {opt(p.login), opt(p.mobile), p.display_name, p.status, now, p.id});
  if (!r.ok()) {
    if (r.error().code == Code::kConflict) return Error::Conflict("person_exists", "登录名或手机号已被他人使用");
    return r.take_error();
  }
  return directory_version::bump(c);  // the display name shown on cached pages may have changed
}

Result<std::vector<RosterLine>> roster(Conn& c, int64_t org_id) {
  SL_ASSIGN(auto rows, c.query("SELECT p.display_name, p.login, p.mobile, m.role, s.name FROM memberships m JOIN people "
                               "p ON p.id = m.person_id LEFT JOIN sectors s ON s.id = m.sector_id WHERE m.org_id = ? "
                               "ORDER BY m.id",
                               {org_id}));
  std::vector<RosterLine> out;
  for (auto& r : rows) out.push_back({r.str(0), r.str(1), r.str(2), r.str(3), r.str(4)});
  return out;
}

Result<std::optional<LedgerState>> ledger_state(Conn& c, std::string_view type, int64_t id) {
  std::optional<LedgerState> out;
  if (type == "org") {
    SL_ASSIGN(auto r, c.query_one("SELECT name, level, kind, parent_id, ledger_salt FROM orgs WHERE id = ?", {id}));
    if (r) out = LedgerState{org_content(r->str(0), r->str(1), r->str(2), id_or_null(*r, 3)), r->str(4)};
  } else if (type == "sector") {
    SL_ASSIGN(auto r, c.query_one("SELECT org_id, name, ledger_salt FROM sectors WHERE id = ?", {id}));
    if (r) out = LedgerState{sector_content(r->i64(0), r->str(1)), r->str(2)};
  } else if (type == "membership") {
    SL_ASSIGN(auto r, c.query_one("SELECT person_id, org_id, role, sector_id, ledger_salt FROM memberships WHERE id = ?", {id}));
    if (r) out = LedgerState{membership_content(r->i64(0), r->i64(1), r->str(2), id_or_null(*r, 3)), r->str(4)};
  } else {
    return Error::Internal("unknown ledger record type");
  }
  return out;
}

Status set_ledger_salt(Conn& c, std::string_view type, int64_t id, const std::string& salt) {
  // Table names from a fixed list, never from input.
  const char* sql = type == "org"          ? "UPDATE orgs SET ledger_salt = ? WHERE id = ?"
                    : type == "sector"     ? "UPDATE sectors SET ledger_salt = ? WHERE id = ?"
                    : type == "membership" ? "UPDATE memberships SET ledger_salt = ? WHERE id = ?"
                                           : nullptr;
  if (!sql) return Error::Internal("unknown ledger record type");
  SL_TRY(c.exec(sql, {salt, id}));
  return Ok();
}

Result<std::vector<int64_t>> membership_ids_of(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto rows, c.query("SELECT id FROM memberships WHERE person_id = ? ORDER BY id", {person_id}));
  std::vector<int64_t> out;
  for (auto& r : rows) out.push_back(r.i64(0));
  return out;
}

}  // namespace sl::orgs::store
