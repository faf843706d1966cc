#include "modules/deliberation/deliberation_store.h"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace sl::deliberation::store {

using storage::Null;
using storage::Params;
using storage::Row;
using storage::Value;

namespace {

using storage::opt;
Value opt(const std::optional<std::string>& v) { return v ? Value(*v) : Value(Null{}); }
bj::value jopt(const std::optional<int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }
bj::value jopt(const std::optional<std::string>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

// "?, ?, ..." for `ids`, padded with -1 to a fixed size (8, 64 or 256) so that each statement
// text is prepared once per connection; ids are positive, so the padding matches nothing.
std::string in_list(const std::vector<int64_t>& ids, Params& params) {
  size_t n = ids.size() <= 8 ? 8 : ids.size() <= 64 ? 64 : ids.size() <= 256 ? 256 : ids.size();
  std::string s;
  s.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) {
    s += i ? ", ?" : "?";
    params.emplace_back(i < ids.size() ? ids[i] : int64_t{-1});
  }
  return s;
}

// ---- deliberations ----

constexpr const char* kDelibColumns =
    "id, org_id, theme, description, description_html, state, public_mode, sectors_only, current_phase_id, last_seq, "
    "visits, unique_viewers, post_count, created_by, created_at, updated_at, opened_at, closed_at, version, ledger_salt";

DelibRow delib_from(const Row& r) {
  DelibRow d;
  d.id = r.i64(0);
  d.org_id = r.i64(1);
  d.theme = r.str(2);
  d.description = r.str(3);
  d.description_html = r.str(4);
  d.state = r.str(5);
  d.public_mode = r.str(6);
  d.sectors_only = r.i64(7) != 0;
  d.current_phase_id = r.opt_i64(8);
  d.last_seq = r.i64(9);
  d.visits = r.i64(10);
  d.unique_viewers = r.i64(11);
  d.post_count = r.i64(12);
  d.created_by = r.opt_i64(13);
  d.created_at = r.i64(14);
  d.updated_at = r.i64(15);
  d.opened_at = r.opt_i64(16);
  d.closed_at = r.opt_i64(17);
  d.version = r.i64(18);
  d.ledger_salt = r.str(19);
  return d;
}

}  // namespace

Result<std::optional<DelibRow>> find_deliberation(Conn& c, int64_t id) {
  static const std::string sql = std::string("SELECT ") + kDelibColumns + " FROM deliberations WHERE id = ?";
  SL_ASSIGN(auto r, c.query_one(sql, {id}));
  if (!r) return std::optional<DelibRow>();
  return std::optional<DelibRow>(delib_from(*r));
}

Result<std::optional<PageHead>> page_head(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one("SELECT d.id, d.org_id, d.state, d.public_mode, d.sectors_only, d.last_seq, v.version "
                                "FROM deliberations d CROSS JOIN directory_version v WHERE d.id = ? AND v.id = 1",
                                {id}));
  if (!r) return std::optional<PageHead>();
  PageHead h;
  h.d.id = r->i64(0);
  h.d.org_id = r->i64(1);
  h.d.state = r->str(2);
  h.d.public_mode = r->str(3);
  h.d.sectors_only = r->i64(4) != 0;
  h.d.last_seq = r->i64(5);
  h.directory = r->i64(6);
  return std::optional<PageHead>(std::move(h));
}

Result<Parties> parties(Conn& c, int64_t id) {
  // One round trip for everything that decides who takes part.
  SL_ASSIGN(auto rows,
            c.query("SELECT 'o', o.id, o.name, o.path, o.kind FROM deliberation_orgs x JOIN orgs o ON o.id = x.org_id "
                    "WHERE x.deliberation_id = ? "
                    "UNION ALL SELECT 'd', o.id, o.name, o.path, o.kind FROM deliberation_departments x JOIN orgs o ON "
                    "o.id = x.org_id WHERE x.deliberation_id = ? "
                    "UNION ALL SELECT 's', s.id, s.name, '', '' FROM deliberation_sectors x JOIN sectors s ON s.id = "
                    "x.sector_id WHERE x.deliberation_id = ? "
                    "UNION ALL SELECT 'e', p.id, p.display_name, '', '' FROM deliberation_experts x JOIN people p ON "
                    "p.id = x.person_id WHERE x.deliberation_id = ?",
                    {id, id, id, id}));
  Parties out;
  for (auto& r : rows) {
    const std::string& k = r.str(0);
    if (k == "o") out.orgs.push_back({r.i64(1), r.str(2), r.str(3), r.str(4)});
    else if (k == "d") out.departments.push_back({r.i64(1), r.str(2), r.str(3), r.str(4)});
    else if (k == "s") out.sectors.push_back({r.i64(1), r.str(2)});
    else out.experts.push_back({r.i64(1), r.str(2)});
  }
  auto by_id = [](const auto& a, const auto& b) { return a.id < b.id; };
  std::sort(out.orgs.begin(), out.orgs.end(), by_id);
  std::sort(out.departments.begin(), out.departments.end(), by_id);
  std::sort(out.sectors.begin(), out.sectors.end(), by_id);
  std::sort(out.experts.begin(), out.experts.end(), by_id);
  return out;
}

Result<std::vector<Subtopic>> subtopics(Conn& c, int64_t id) {
  SL_ASSIGN(auto rows, c.query("SELECT id, title, description FROM deliberation_subtopics WHERE deliberation_id = ? "
                               "ORDER BY position, id",
                               {id}));
  std::vector<Subtopic> out;
  for (auto& r : rows) out.push_back({r.i64(0), r.str(1), r.str(2)});
  return out;
}

Result<std::vector<Phase>> phases(Conn& c, int64_t id) {
  SL_ASSIGN(auto rows, c.query("SELECT id, kind, name, starts_at, ends_at FROM deliberation_phases WHERE deliberation_id "
                               "= ? ORDER BY position, id",
                               {id}));
  std::vector<Phase> out;
  for (auto& r : rows) out.push_back({r.i64(0), r.str(1), r.str(2), r.opt_i64(3), r.opt_i64(4)});
  return out;
}

Result<int64_t> insert_deliberation(Conn& c, const NewDelib& d, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO deliberations (org_id, theme, description, description_html, public_mode, "
                               "sectors_only, created_by, created_at, updated_at, ledger_salt) VALUES (?, ?, ?, ?, ?, ?, "
                               "?, ?, ?, ?) RETURNING id",
                               {d.org_id, d.theme, d.description, d.description_html, d.public_mode,
                                int64_t{d.sectors_only ? 1 : 0}, d.created_by, now, now, d.salt}));
  return rows.front().i64(0);
}

Status update_deliberation(Conn& c, const DelibRow& d, TimeMs now) {
  SL_TRY(c.exec("UPDATE deliberations SET theme = ?, description = ?, description_html = ?, public_mode = ?, "
                "sectors_only = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                {d.theme, d.description, d.description_html, d.public_mode, int64_t{d.sectors_only ? 1 : 0}, now, d.id}));
  return Ok();
}

Status set_state(Conn& c, int64_t id, const std::string& state, TimeMs now) {
  if (state == "open")
    SL_TRY(c.exec("UPDATE deliberations SET state = ?, opened_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                  {state, now, now, id}));
  else if (state == "closed")
    SL_TRY(c.exec("UPDATE deliberations SET state = ?, closed_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                  {state, now, now, id}));
  else
    SL_TRY(c.exec("UPDATE deliberations SET state = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                  {state, now, id}));
  return Ok();
}

Status set_current_phase(Conn& c, int64_t id, std::optional<int64_t> phase_id, TimeMs now) {
  SL_TRY(c.exec("UPDATE deliberations SET current_phase_id = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                {opt(phase_id), now, id}));
  return Ok();
}

Status replace_parties(Conn& c, int64_t id, const std::vector<int64_t>& org_ids, const std::vector<int64_t>& department_ids,
                       const std::vector<int64_t>& sector_ids, const std::vector<int64_t>& expert_ids) {
  SL_TRY(c.exec("DELETE FROM deliberation_orgs WHERE deliberation_id = ?", {id}));
  SL_TRY(c.exec("DELETE FROM deliberation_departments WHERE deliberation_id = ?", {id}));
  SL_TRY(c.exec("DELETE FROM deliberation_sectors WHERE deliberation_id = ?", {id}));
  SL_TRY(c.exec("DELETE FROM deliberation_experts WHERE deliberation_id = ?", {id}));
  for (int64_t o : org_ids) SL_TRY(c.exec("INSERT INTO deliberation_orgs (deliberation_id, org_id) VALUES (?, ?)", {id, o}));
  for (int64_t o : department_ids)
    SL_TRY(c.exec("INSERT INTO deliberation_departments (deliberation_id, org_id) VALUES (?, ?)", {id, o}));
  for (int64_t s : sector_ids)
    SL_TRY(c.exec("INSERT INTO deliberation_sectors (deliberation_id, sector_id) VALUES (?, ?)", {id, s}));
  for (int64_t p : expert_ids)
    SL_TRY(c.exec("INSERT INTO deliberation_experts (deliberation_id, person_id) VALUES (?, ?)", {id, p}));
  return Ok();
}

Status sync_subtopics(Conn& c, int64_t id, const std::vector<Subtopic>& want) {
  SL_ASSIGN(auto have, subtopics(c, id));
  std::set<int64_t> keep;
  for (const auto& s : want)
    if (s.id) keep.insert(s.id);
  for (const auto& h : have) {
    if (keep.count(h.id)) continue;
    SL_ASSIGN(auto used, c.query_one("SELECT 1 FROM posts WHERE subtopic_id = ? LIMIT 1", {h.id}));
    if (used) return Error::Conflict("subtopic_in_use", "话题「" + h.title + "」下已有发言，不能删除");
    SL_TRY(c.exec("DELETE FROM deliberation_subtopics WHERE id = ?", {h.id}));
  }
  int64_t pos = 0;
  for (const auto& s : want) {
    ++pos;
    if (s.id) {
      SL_ASSIGN(int64_t n, c.exec("UPDATE deliberation_subtopics SET title = ?, description = ?, position = ? WHERE id = ? "
                                  "AND deliberation_id = ?",
                                  {s.title, s.description, pos, s.id, id}));
      if (n == 0) return Error::Invalid("invalid_subtopic", "话题 " + std::to_string(s.id) + " 不属于该协商");
    } else {
      SL_TRY(c.exec("INSERT INTO deliberation_subtopics (deliberation_id, position, title, description) VALUES (?, ?, ?, ?)",
                    {id, pos, s.title, s.description}));
    }
  }
  return Ok();
}

Status sync_phases(Conn& c, int64_t id, const std::vector<Phase>& want) {
  SL_ASSIGN(auto have, phases(c, id));
  std::set<int64_t> keep;
  for (const auto& p : want)
    if (p.id) keep.insert(p.id);
  for (const auto& h : have) {
    if (keep.count(h.id)) continue;
    SL_TRY(c.exec("UPDATE deliberations SET current_phase_id = NULL WHERE id = ? AND current_phase_id = ?", {id, h.id}));
    SL_TRY(c.exec("DELETE FROM deliberation_phases WHERE id = ?", {h.id}));
  }
  int64_t pos = 0;
  for (const auto& p : want) {
    ++pos;
    if (p.id) {
      SL_ASSIGN(int64_t n, c.exec("UPDATE deliberation_phases SET kind = ?, name = ?, starts_at = ?, ends_at = ?, position = ? "
                                  "WHERE id = ? AND deliberation_id = ?",
                                  {p.kind, p.name, opt(p.starts_at), opt(p.ends_at), pos, p.id, id}));
      if (n == 0) return Error::Invalid("invalid_phase", "阶段 " + std::to_string(p.id) + " 不属于该协商");
    } else {
      SL_TRY(c.exec("INSERT INTO deliberation_phases (deliberation_id, position, kind, name, starts_at, ends_at) VALUES (?, "
                    "?, ?, ?, ?, ?)",
                    {id, pos, p.kind, p.name, opt(p.starts_at), opt(p.ends_at)}));
    }
  }
  return Ok();
}

Result<std::vector<DelibRow>> list_deliberations(Conn& c, const ListFilter& f, int64_t before, int limit) {
  std::string sql = std::string("SELECT ") + kDelibColumns + " FROM deliberations WHERE id < ?";
  Params params{before};
  if (f.state) {
    sql += " AND state = ?";
    params.emplace_back(*f.state);
  }
  if (f.org_id) {
    sql += " AND id IN (SELECT deliberation_id FROM deliberation_orgs WHERE org_id = ?)";
    params.emplace_back(*f.org_id);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(int64_t{limit});
  SL_ASSIGN(auto rows, c.query(sql, params));
  std::vector<DelibRow> out;
  for (auto& r : rows) out.push_back(delib_from(r));
  return out;
}

Result<std::vector<NameRef>> org_names(Conn& c, const std::vector<int64_t>& ids) {
  std::vector<NameRef> out;
  if (ids.empty()) return out;
  Params params;
  std::string in = in_list(ids, params);
  SL_ASSIGN(auto rows, c.query("SELECT id, name FROM orgs WHERE id IN (" + in + ")", params));
  for (auto& r : rows) out.push_back({r.i64(0), r.str(1)});
  return out;
}

Result<std::vector<DelibOrg>> orgs_of(Conn& c, const std::vector<int64_t>& deliberation_ids) {
  std::vector<DelibOrg> out;
  if (deliberation_ids.empty()) return out;
  Params params;
  std::string in = in_list(deliberation_ids, params);
  SL_ASSIGN(auto rows, c.query("SELECT x.deliberation_id, o.id, o.name FROM deliberation_orgs x JOIN orgs o ON o.id = x.org_id "
                               "WHERE x.deliberation_id IN (" + in + ") ORDER BY x.deliberation_id, o.id",
                               params));
  for (auto& r : rows) out.push_back({r.i64(0), r.i64(1), r.str(2)});
  return out;
}

Result<std::vector<PhaseName>> phase_names(Conn& c, const std::vector<int64_t>& ids) {
  std::vector<PhaseName> out;
  if (ids.empty()) return out;
  Params params;
  std::string in = in_list(ids, params);
  SL_ASSIGN(auto rows, c.query("SELECT id, kind, name FROM deliberation_phases WHERE id IN (" + in + ")", params));
  for (auto& r : rows) out.push_back({r.i64(0), r.str(1), r.str(2)});
  return out;
}

Result<std::vector<Theme>> themes(Conn& c, const std::vector<int64_t>& ids) {
  std::vector<Theme> out;
  if (ids.empty()) return out;
  Params params;
  std::string in = in_list(ids, params);
  SL_ASSIGN(auto rows, c.query("SELECT id, theme, state FROM deliberations WHERE id IN (" + in + ")", params));
  for (auto& r : rows) out.push_back({r.i64(0), r.str(1), r.str(2)});
  return out;
}

namespace {
Result<std::vector<int64_t>> ids_from(Conn& c, const std::string& sql, const Params& params) {
  SL_ASSIGN(auto rows, c.query(sql, params));
  std::vector<int64_t> out;
  out.reserve(rows.size());
  for (auto& r : rows) out.push_back(r.i64(0));
  return out;
}
}  // namespace

Result<std::vector<int64_t>> ids_public(Conn& c) {
  return ids_from(c, "SELECT id FROM deliberations WHERE state <> 'draft' AND public_mode <> 'closed'", {});
}

Result<std::vector<int64_t>> ids_under_path(Conn& c, const std::string& path) {
  // Paths are digits and '/', so no LIKE metacharacters can occur in them.
  return ids_from(c,
                  "SELECT DISTINCT x.deliberation_id FROM deliberation_orgs x JOIN orgs o ON o.id = x.org_id WHERE "
                  "o.path LIKE ?",
                  {path + "%"});
}

Result<std::vector<int64_t>> ids_hosted_under_path(Conn& c, const std::string& path) {
  return ids_from(c, "SELECT d.id FROM deliberations d JOIN orgs o ON o.id = d.org_id WHERE o.path LIKE ?", {path + "%"});
}

Result<std::vector<std::pair<int64_t, bool>>> ids_of_member_org(Conn& c, int64_t org_id, std::optional<int64_t> sector_id) {
  // (id, takes part): sectors_only deliberations need the member's sector among theirs.
  SL_ASSIGN(auto rows, c.query("SELECT d.id, d.sectors_only, CASE WHEN EXISTS (SELECT 1 FROM deliberation_sectors s WHERE "
                               "s.deliberation_id = d.id AND s.sector_id = ?) THEN 1 ELSE 0 END FROM deliberation_orgs x "
                               "JOIN deliberations d ON d.id = x.deliberation_id WHERE x.org_id = ? AND d.state <> 'draft'",
                               {sector_id.value_or(-1), org_id}));
  std::vector<std::pair<int64_t, bool>> out;
  for (auto& r : rows) out.emplace_back(r.i64(0), r.i64(1) == 0 || r.i64(2) != 0);
  return out;
}

Result<std::vector<int64_t>> ids_of_department(Conn& c, int64_t org_id) {
  return ids_from(c,
                  "SELECT d.id FROM deliberation_departments x JOIN deliberations d ON d.id = x.deliberation_id WHERE "
                  "x.org_id = ? AND d.state <> 'draft'",
                  {org_id});
}

Result<std::vector<int64_t>> ids_of_expert(Conn& c, int64_t person_id) {
  return ids_from(c,
                  "SELECT d.id FROM deliberation_experts x JOIN deliberations d ON d.id = x.deliberation_id WHERE "
                  "x.person_id = ? AND d.state <> 'draft'",
                  {person_id});
}

Result<std::pair<int64_t, int64_t>> visit(Conn& c, int64_t id, const std::string& visitor, int64_t day) {
  SL_ASSIGN(int64_t fresh, c.exec("INSERT INTO deliberation_visitors (deliberation_id, visitor, last_day) VALUES (?, ?, ?) "
                                  "ON CONFLICT (deliberation_id, visitor) DO NOTHING",
                                  {id, visitor, day}));
  if (fresh > 0) {
    SL_TRY(c.exec("UPDATE deliberations SET visits = visits + 1, unique_viewers = unique_viewers + 1 WHERE id = ?", {id}));
  } else {
    SL_ASSIGN(int64_t again, c.exec("UPDATE deliberation_visitors SET last_day = ? WHERE deliberation_id = ? AND visitor = ? "
                                    "AND last_day < ?",
                                    {day, id, visitor, day}));
    if (again > 0) SL_TRY(c.exec("UPDATE deliberations SET visits = visits + 1 WHERE id = ?", {id}));
  }
  SL_ASSIGN(auto r, c.query_one("SELECT visits, unique_viewers FROM deliberations WHERE id = ?", {id}));
  if (!r) return Error::NotFound("deliberation_not_found", "协商不存在");
  return std::make_pair(r->i64(0), r->i64(1));
}

// ---- event log ----

Result<int64_t> next_seq(Conn& c, int64_t id) {
  // The UPDATE takes the row lock: concurrent writers on PostgreSQL queue here and each sees the
  // previous one's committed value (READ COMMITTED re-reads the row); SQLite has one writer.
  SL_ASSIGN(auto rows, c.query("UPDATE deliberations SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq", {id}));
  if (rows.empty()) return Error::NotFound("deliberation_not_found", "协商不存在");
  return rows.front().i64(0);
}

Status insert_event(Conn& c, int64_t id, int64_t seq, const std::string& type, TimeMs at, std::optional<int64_t> post_id,
                    const std::string& payload) {
  SL_TRY(c.exec("INSERT INTO deliberation_events (deliberation_id, seq, type, at, post_id, payload) VALUES (?, ?, ?, ?, ?, ?)",
                {id, seq, type, at, opt(post_id), payload}));
  return Ok();
}

Result<std::vector<EventRow>> events_after(Conn& c, int64_t id, int64_t after_seq, int limit) {
  SL_ASSIGN(auto rows, c.query("SELECT seq, type, at, payload FROM deliberation_events WHERE deliberation_id = ? AND seq > ? "
                               "ORDER BY seq LIMIT ?",
                               {id, after_seq, int64_t{limit}}));
  std::vector<EventRow> out;
  out.reserve(rows.size());
  for (auto& r : rows) out.push_back({r.i64(0), r.str(1), r.i64(2), r.str(3)});
  return out;
}

Result<std::vector<EventRow>> events_of_post(Conn& c, int64_t id, int64_t post_id) {
  SL_ASSIGN(auto rows, c.query("SELECT seq, type, at, payload FROM deliberation_events WHERE post_id = ? AND "
                               "deliberation_id = ? ORDER BY seq",
                               {post_id, id}));
  std::vector<EventRow> out;
  for (auto& r : rows) out.push_back({r.i64(0), r.str(1), r.i64(2), r.str(3)});
  return out;
}

Status set_event_payload(Conn& c, int64_t id, int64_t seq, const std::string& payload) {
  SL_TRY(c.exec("UPDATE deliberation_events SET payload = ? WHERE deliberation_id = ? AND seq = ?", {payload, id, seq}));
  return Ok();
}

// ---- posts ----

namespace {

// The viewer's person id is the first parameter of every statement that uses this.
constexpr const char* kPostSelect =
    "SELECT p.id, p.deliberation_id, p.kind, p.parent_id, p.root_id, p.reply_to_id, p.depth, p.author_id, "
    "pe.display_name, p.author_role, p.author_org_id, o.name, o.kind, p.mark, p.subtopic_id, p.point_id, p.title, "
    "p.body, p.body_html, p.state, p.moderation_reason, p.moderated_at, p.version, p.like_count, p.reply_count, "
    "p.created_at, p.updated_at, p.edited_at, p.ledger_salt, CASE WHEN l.id IS NULL THEN 0 ELSE 1 END "
    "FROM posts p JOIN people pe ON pe.id = p.author_id LEFT JOIN orgs o ON o.id = p.author_org_id "
    "LEFT JOIN post_likes l ON l.post_id = p.id AND l.person_id = ? ";

PostRow post_from(const Row& r) {
  PostRow p;
  p.id = r.i64(0);
  p.deliberation_id = r.i64(1);
  p.kind = r.str(2);
  p.parent_id = r.opt_i64(3);
  p.root_id = r.opt_i64(4);
  p.reply_to_id = r.opt_i64(5);
  p.depth = static_cast<int>(r.i64(6));
  p.author_id = r.i64(7);
  p.author_name = r.str(8);
  p.author_role = r.str(9);
  p.author_org_id = r.opt_i64(10);
  p.author_org_name = r.str(11);
  p.author_org_kind = r.str(12);
  p.mark = r.opt_str(13);
  p.subtopic_id = r.opt_i64(14);
  p.point_id = r.opt_i64(15);
  p.title = r.str(16);
  p.body = r.str(17);
  p.body_html = r.str(18);
  p.state = r.str(19);
  p.moderation_reason = r.opt_str(20);
  p.moderated_at = r.opt_i64(21);
  p.version = r.i64(22);
  p.like_count = r.i64(23);
  p.reply_count = r.i64(24);
  p.created_at = r.i64(25);
  p.updated_at = r.i64(26);
  p.edited_at = r.opt_i64(27);
  p.ledger_salt = r.str(28);
  p.liked = r.i64(29) != 0;
  return p;
}

Result<std::vector<PostRow>> posts_from(Conn& c, const std::string& sql, const Params& params) {
  SL_ASSIGN(auto rows, c.query(sql, params));
  std::vector<PostRow> out;
  out.reserve(rows.size());
  for (auto& r : rows) out.push_back(post_from(r));
  return out;
}

}  // namespace

Result<std::optional<PostRow>> find_post(Conn& c, int64_t id, int64_t viewer) {
  static const std::string sql = std::string(kPostSelect) + "WHERE p.id = ?";
  SL_ASSIGN(auto r, c.query_one(sql, {viewer, id}));
  if (!r) return std::optional<PostRow>();
  return std::optional<PostRow>(post_from(*r));
}

Result<std::vector<PostRow>> top_posts(Conn& c, const PostPage& pg, int64_t viewer) {
  // Four fixed statements (order × sub-topic filter), each prepared once.
  // Held posts only for their authors and moderators.
  static const std::string held = " AND (p.state <> 'held' OR p.author_id = ? OR 1 = ?)";
  static const std::string desc = std::string(kPostSelect) + "WHERE p.deliberation_id = ? AND p.depth = 0 AND p.id < ?" +
                                  held + " ORDER BY p.id DESC LIMIT ?";
  static const std::string asc = std::string(kPostSelect) + "WHERE p.deliberation_id = ? AND p.depth = 0 AND p.id > ?" +
                                 held + " ORDER BY p.id LIMIT ?";
  static const std::string desc_st = std::string(kPostSelect) +
                                     "WHERE p.deliberation_id = ? AND p.subtopic_id = ? AND p.depth = 0 AND p.id < ?" +
                                     held + " ORDER BY p.id DESC LIMIT ?";
  static const std::string asc_st = std::string(kPostSelect) +
                                    "WHERE p.deliberation_id = ? AND p.subtopic_id = ? AND p.depth = 0 AND p.id > ?" +
                                    held + " ORDER BY p.id LIMIT ?";
  int64_t cursor = pg.cursor ? pg.cursor : (pg.ascending ? 0 : INT64_MAX);
  int64_t limit = pg.limit;
  int64_t mod = pg.moderator ? 1 : 0;
  if (pg.subtopic_id)
    return posts_from(c, pg.ascending ? asc_st : desc_st,
                      {viewer, pg.deliberation_id, *pg.subtopic_id, cursor, viewer, mod, limit});
  return posts_from(c, pg.ascending ? asc : desc, {viewer, pg.deliberation_id, cursor, viewer, mod, limit});
}

Result<std::vector<PostRow>> thread_replies(Conn& c, int64_t root_id, int64_t after, int limit, int64_t viewer,
                                            bool moderator) {
  static const std::string sql = std::string(kPostSelect) +
                                 "WHERE p.root_id = ? AND p.depth > 0 AND p.id > ? AND (p.state <> 'held' OR p.author_id "
                                 "= ? OR 1 = ?) ORDER BY p.id LIMIT ?";
  return posts_from(c, sql, {viewer, root_id, after, viewer, int64_t{moderator ? 1 : 0}, int64_t{limit}});
}

Result<std::vector<PostRow>> held_posts(Conn& c, int64_t deliberation_id) {
  static const std::string sql =
      std::string(kPostSelect) + "WHERE p.deliberation_id = ? AND p.state = 'held' ORDER BY p.id";
  return posts_from(c, sql, {int64_t{0}, deliberation_id});
}

Result<std::vector<PostRow>> posts_of_points(Conn& c, const std::vector<int64_t>& point_ids, int64_t viewer) {
  if (point_ids.empty()) return std::vector<PostRow>();
  Params params{viewer};
  std::string in = in_list(point_ids, params);
  return posts_from(c, std::string(kPostSelect) + "WHERE p.point_id IN (" + in + ") ORDER BY p.id", params);
}

Result<std::vector<PostRow>> posts_of_author(Conn& c, int64_t author_id, int64_t before, int limit) {
  static const std::string sql = std::string(kPostSelect) +
                                 "WHERE p.author_id = ? AND p.state <> 'deleted' AND p.id < ? ORDER BY p.id DESC LIMIT ?";
  return posts_from(c, sql, {author_id, author_id, before, int64_t{limit}});
}

Result<std::vector<PostRow>> all_posts(Conn& c, int64_t deliberation_id) {
  static const std::string sql = std::string(kPostSelect) + "WHERE p.deliberation_id = ? ORDER BY p.id";
  return posts_from(c, sql, {int64_t{0}, deliberation_id});
}

Result<std::vector<PostBrief>> post_briefs(Conn& c, const std::vector<int64_t>& ids) {
  std::vector<PostBrief> out;
  if (ids.empty()) return out;
  Params params;
  std::string in = in_list(ids, params);
  SL_ASSIGN(auto rows, c.query("SELECT p.id, p.author_id, p.title, p.body, p.state, pe.display_name FROM posts p JOIN people "
                               "pe ON pe.id = p.author_id WHERE p.id IN (" + in + ")",
                               params));
  for (auto& r : rows) out.push_back({r.i64(0), r.i64(1), r.str(2), r.str(3), r.str(4), r.str(5)});
  return out;
}

Result<int64_t> insert_post(Conn& c, const NewPost& p, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO posts (deliberation_id, kind, parent_id, root_id, reply_to_id, depth, author_id, "
                               "author_role, author_org_id, mark, subtopic_id, point_id, title, body, body_html, state, "
                               "created_at, updated_at, ledger_salt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                               "?, ?, ?) RETURNING id",
                               {p.deliberation_id, p.kind, opt(p.parent_id), opt(p.root_id), opt(p.reply_to_id),
                                int64_t{p.depth}, p.author_id, p.author_role, opt(p.author_org_id), opt(p.mark),
                                opt(p.subtopic_id), opt(p.point_id), p.title, p.body, p.body_html, p.state, now, now,
                                p.salt}));
  int64_t id = rows.front().i64(0);
  if (!p.root_id) SL_TRY(c.exec("UPDATE posts SET root_id = ? WHERE id = ?", {id, id}));
  return id;
}

Status count_reply(Conn& c, const NewPost& p) {
  if (p.parent_id) SL_TRY(c.exec("UPDATE posts SET reply_count = reply_count + 1 WHERE id = ?", {*p.parent_id}));
  if (p.root_id && p.root_id != p.parent_id)
    SL_TRY(c.exec("UPDATE posts SET reply_count = reply_count + 1 WHERE id = ?", {*p.root_id}));
  return Ok();
}

Status count_post(Conn& c, int64_t deliberation_id) {
  SL_TRY(c.exec("UPDATE deliberations SET post_count = post_count + 1 WHERE id = ?", {deliberation_id}));
  return Ok();
}

Status insert_version(Conn& c, const PostRow& old, TimeMs written_at) {
  SL_TRY(c.exec("INSERT INTO post_versions (post_id, version, title, body, subtopic_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                {old.id, old.version, old.title, old.body, opt(old.subtopic_id), written_at}));
  return Ok();
}

Status update_post_content(Conn& c, int64_t id, const std::string& title, const std::string& body,
                           const std::string& body_html, std::optional<int64_t> subtopic_id, TimeMs now) {
  SL_TRY(c.exec("UPDATE posts SET title = ?, body = ?, body_html = ?, subtopic_id = ?, version = version + 1, edited_at = ?, "
                "updated_at = ? WHERE id = ?",
                {title, body, body_html, opt(subtopic_id), now, now, id}));
  return Ok();
}

Status set_post_state(Conn& c, int64_t id, const std::string& state, std::optional<std::string> reason, TimeMs now) {
  SL_TRY(c.exec("UPDATE posts SET state = ?, moderation_reason = ?, moderated_at = ?, updated_at = ? WHERE id = ?",
                {state, opt(reason), reason ? Value(now) : Value(Null{}), now, id}));
  return Ok();
}

Status erase_post_content(Conn& c, int64_t id, const std::string& state, std::optional<std::string> reason, TimeMs now) {
  SL_TRY(c.exec("UPDATE posts SET state = ?, title = '', body = '', body_html = '', moderation_reason = ?, moderated_at = ?, "
                "ledger_salt = NULL, updated_at = ? WHERE id = ?",
                {state, opt(reason), reason ? Value(now) : Value(Null{}), now, id}));
  SL_TRY(c.exec("DELETE FROM post_versions WHERE post_id = ?", {id}));
  return Ok();
}

Result<std::vector<int64_t>> blank_point_quotes(Conn& c, int64_t post_id, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("SELECT id FROM points WHERE post_id = ? AND quote <> '' ORDER BY id", {post_id}));
  std::vector<int64_t> ids;
  for (auto& r : rows) ids.push_back(r.i64(0));
  if (!ids.empty())
    SL_TRY(c.exec("UPDATE points SET quote = '', updated_at = ? WHERE post_id = ? AND quote <> ''", {now, post_id}));
  return ids;
}

Result<std::vector<LikeRef>> delete_likes_of(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto rows, c.query("SELECT l.id, l.post_id, p.deliberation_id FROM post_likes l JOIN posts p ON p.id = l.post_id "
                               "WHERE l.person_id = ? ORDER BY l.id",
                               {person_id}));
  std::vector<LikeRef> out;
  for (auto& r : rows) {
    out.push_back({r.i64(0), r.i64(1), r.i64(2)});
    SL_TRY(c.exec("DELETE FROM post_likes WHERE id = ?", {r.i64(0)}));
    SL_TRY(c.exec("UPDATE posts SET like_count = like_count - 1 WHERE id = ?", {r.i64(1)}));
  }
  return out;
}

Result<std::vector<VersionRow>> versions(Conn& c, int64_t post_id) {
  SL_ASSIGN(auto rows, c.query("SELECT version, title, body, subtopic_id, created_at FROM post_versions WHERE post_id = ? "
                               "ORDER BY version",
                               {post_id}));
  std::vector<VersionRow> out;
  for (auto& r : rows) out.push_back({static_cast<int>(r.i64(0)), r.str(1), r.str(2), r.opt_i64(3), r.i64(4)});
  return out;
}

Result<std::vector<ExportVersion>> all_versions(Conn& c, int64_t deliberation_id) {
  SL_ASSIGN(auto rows, c.query("SELECT v.post_id, v.version, v.title, v.body, v.subtopic_id, v.created_at FROM post_versions "
                               "v JOIN posts p ON p.id = v.post_id WHERE p.deliberation_id = ? ORDER BY v.post_id, v.version",
                               {deliberation_id}));
  std::vector<ExportVersion> out;
  for (auto& r : rows)
    out.push_back({r.i64(0), {static_cast<int>(r.i64(1)), r.str(2), r.str(3), r.opt_i64(4), r.i64(5)}});
  return out;
}

Result<std::optional<int64_t>> insert_like(Conn& c, int64_t post_id, int64_t person_id, const std::string& salt, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO post_likes (post_id, person_id, created_at, ledger_salt) VALUES (?, ?, ?, ?) "
                               "ON CONFLICT (post_id, person_id) DO NOTHING RETURNING id",
                               {post_id, person_id, now, salt}));
  if (rows.empty()) return std::optional<int64_t>();
  SL_TRY(c.exec("UPDATE posts SET like_count = like_count + 1 WHERE id = ?", {post_id}));
  return std::optional<int64_t>(rows.front().i64(0));
}

Result<std::optional<int64_t>> delete_like(Conn& c, int64_t post_id, int64_t person_id) {
  SL_ASSIGN(auto rows, c.query("DELETE FROM post_likes WHERE post_id = ? AND person_id = ? RETURNING id", {post_id, person_id}));
  if (rows.empty()) return std::optional<int64_t>();
  SL_TRY(c.exec("UPDATE posts SET like_count = like_count - 1 WHERE id = ?", {post_id}));
  return std::optional<int64_t>(rows.front().i64(0));
}

Result<int64_t> like_count(Conn& c, int64_t post_id) {
  SL_ASSIGN(auto r, c.query_one("SELECT like_count FROM posts WHERE id = ?", {post_id}));
  return r ? r->i64(0) : 0;
}

// ---- reports and bans ----

Result<int64_t> insert_report(Conn& c, int64_t deliberation_id, int64_t post_id, int64_t reporter, const std::string& reason,
                              const std::string& salt, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO post_reports (deliberation_id, post_id, reporter_id, reason, created_at, "
                               "ledger_salt) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (post_id, reporter_id) DO NOTHING "
                               "RETURNING id",
                               {deliberation_id, post_id, reporter, reason, now, salt}));
  if (rows.empty()) return Error::Conflict("already_reported", "您已举报过该发言");
  return rows.front().i64(0);
}

namespace {
constexpr const char* kReportSelect =
    "SELECT r.id, r.deliberation_id, r.post_id, r.reporter_id, pe.display_name, r.reason, r.state, r.created_at, "
    "r.resolved_at, p.body, p.state FROM post_reports r JOIN people pe ON pe.id = r.reporter_id JOIN posts p ON p.id = "
    "r.post_id ";

ReportRow report_from(const Row& r) {
  ReportRow x;
  x.id = r.i64(0);
  x.deliberation_id = r.i64(1);
  x.post_id = r.i64(2);
  x.reporter_id = r.i64(3);
  x.reporter_name = r.str(4);
  x.reason = r.str(5);
  x.state = r.str(6);
  x.created_at = r.i64(7);
  x.resolved_at = r.opt_i64(8);
  x.post_excerpt = r.str(9);
  x.post_state = r.str(10);
  return x;
}
}  // namespace

Result<std::optional<ReportRow>> find_report(Conn& c, int64_t id) {
  static const std::string sql = std::string(kReportSelect) + "WHERE r.id = ?";
  SL_ASSIGN(auto r, c.query_one(sql, {id}));
  if (!r) return std::optional<ReportRow>();
  return std::optional<ReportRow>(report_from(*r));
}

Result<std::vector<ReportRow>> list_reports(Conn& c, int64_t deliberation_id, std::optional<std::string> state, int64_t after,
                                            int limit) {
  static const std::string all = std::string(kReportSelect) + "WHERE r.deliberation_id = ? AND r.id > ? ORDER BY r.id LIMIT ?";
  static const std::string by_state =
      std::string(kReportSelect) + "WHERE r.deliberation_id = ? AND r.state = ? AND r.id > ? ORDER BY r.id LIMIT ?";
  Result<storage::Rows> rows = state ? c.query(by_state, {deliberation_id, *state, after, int64_t{limit}})
                                     : c.query(all, {deliberation_id, after, int64_t{limit}});
  if (!rows.ok()) return rows.take_error();
  std::vector<ReportRow> out;
  for (auto& r : *rows) out.push_back(report_from(r));
  return out;
}

Status resolve_report(Conn& c, int64_t id, const std::string& state, int64_t by, TimeMs now) {
  SL_TRY(c.exec("UPDATE post_reports SET state = ?, resolved_by = ?, resolved_at = ? WHERE id = ?", {state, by, now, id}));
  return Ok();
}

Result<std::vector<int64_t>> action_reports_of_post(Conn& c, int64_t post_id, int64_t by, TimeMs now) {
  SL_ASSIGN(auto ids, ids_from(c, "SELECT id FROM post_reports WHERE post_id = ? AND state = 'open' ORDER BY id", {post_id}));
  for (int64_t id : ids) SL_TRY(resolve_report(c, id, "actioned", by, now));
  return ids;
}

Result<bool> is_banned(Conn& c, int64_t deliberation_id, int64_t person_id) {
  SL_ASSIGN(auto r, c.query_one("SELECT 1 FROM deliberation_bans WHERE deliberation_id = ? AND person_id = ?",
                                {deliberation_id, person_id}));
  return r.has_value();
}

Result<int64_t> insert_ban(Conn& c, int64_t deliberation_id, int64_t person_id, const std::string& reason, int64_t by,
                           const std::string& salt, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO deliberation_bans (deliberation_id, person_id, reason, created_by, created_at, "
                               "ledger_salt) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (deliberation_id, person_id) DO NOTHING "
                               "RETURNING id",
                               {deliberation_id, person_id, reason, by, now, salt}));
  if (rows.empty()) return Error::Conflict("already_banned", "此人已被禁言");
  return rows.front().i64(0);
}

Result<std::optional<int64_t>> delete_ban(Conn& c, int64_t deliberation_id, int64_t person_id) {
  SL_ASSIGN(auto rows, c.query("DELETE FROM deliberation_bans WHERE deliberation_id = ? AND person_id = ? RETURNING id",
                               {deliberation_id, person_id}));
  if (rows.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows.front().i64(0));
}

Result<bj::array> list_bans(Conn& c, int64_t deliberation_id) {
  SL_ASSIGN(auto rows, c.query("SELECT b.id, b.person_id, p.display_name, b.reason, b.created_at FROM deliberation_bans b "
                               "JOIN people p ON p.id = b.person_id WHERE b.deliberation_id = ? ORDER BY b.id",
                               {deliberation_id}));
  bj::array out;
  for (auto& r : rows)
    out.push_back(bj::object{{"id", r.i64(0)},
                             {"person", bj::object{{"id", r.i64(1)}, {"display_name", r.str(2)}}},
                             {"reason", r.str(3)},
                             {"created_at", format_iso8601(r.i64(4))}});
  return out;
}

// ---- points ----

namespace {

constexpr const char* kPointSelect =
    "SELECT pt.id, pt.deliberation_id, pt.post_id, pt.quote, pt.summary, pt.state, pt.department_id, o.name, "
    "pt.taken_how, pt.deadline_at, pt.asked_again, pt.follow_up, pt.created_by, pt.created_at, pt.updated_at, "
    "pt.taken_at, pt.first_answered_at, pt.answered_at, pt.accepted_at, pt.response_ms, pt.ledger_salt, d.theme, "
    "p.author_id, p.state FROM points pt LEFT JOIN orgs o ON o.id = pt.department_id JOIN deliberations d ON d.id = "
    "pt.deliberation_id JOIN posts p ON p.id = pt.post_id ";

PointRow point_from(const Row& r) {
  PointRow p;
  p.id = r.i64(0);
  p.deliberation_id = r.i64(1);
  p.post_id = r.i64(2);
  p.quote = r.str(3);
  p.summary = r.str(4);
  p.state = r.str(5);
  p.department_id = r.opt_i64(6);
  p.department_name = r.str(7);
  p.taken_how = r.opt_str(8);
  p.deadline_at = r.opt_i64(9);
  p.asked_again = r.i64(10);
  p.follow_up = r.opt_str(11);
  p.created_by = r.opt_i64(12);
  p.created_at = r.i64(13);
  p.updated_at = r.i64(14);
  p.taken_at = r.opt_i64(15);
  p.first_answered_at = r.opt_i64(16);
  p.answered_at = r.opt_i64(17);
  p.accepted_at = r.opt_i64(18);
  p.response_ms = r.opt_i64(19);
  p.ledger_salt = r.str(20);
  p.theme = r.str(21);
  p.post_author_id = r.i64(22);
  p.post_state = r.str(23);
  return p;
}

Result<std::vector<PointRow>> points_from(Conn& c, const std::string& sql, const Params& params) {
  SL_ASSIGN(auto rows, c.query(sql, params));
  std::vector<PointRow> out;
  out.reserve(rows.size());
  for (auto& r : rows) out.push_back(point_from(r));
  return out;
}

}  // namespace

Result<std::optional<PointRow>> find_point(Conn& c, int64_t id) {
  static const std::string sql = std::string(kPointSelect) + "WHERE pt.id = ?";
  SL_ASSIGN(auto r, c.query_one(sql, {id}));
  if (!r) return std::optional<PointRow>();
  return std::optional<PointRow>(point_from(*r));
}

Result<std::vector<PointRow>> points_of_posts(Conn& c, const std::vector<int64_t>& post_ids) {
  if (post_ids.empty()) return std::vector<PointRow>();
  Params params;
  std::string in = in_list(post_ids, params);
  return points_from(c, std::string(kPointSelect) + "WHERE pt.post_id IN (" + in + ") ORDER BY pt.id", params);
}

Result<std::vector<PointRow>> list_points(Conn& c, const PointFilter& f, int64_t after, int limit) {
  std::string sql = std::string(kPointSelect) + "WHERE pt.deliberation_id = ? AND pt.id > ?";
  Params params{f.deliberation_id, after};
  if (f.state) {
    sql += " AND pt.state = ?";
    params.emplace_back(*f.state);
  }
  if (f.department_id) {
    sql += " AND pt.department_id = ?";
    params.emplace_back(*f.department_id);
  }
  sql += " ORDER BY pt.id LIMIT ?";
  params.emplace_back(int64_t{limit});
  return points_from(c, sql, params);
}

Result<std::vector<PointRow>> all_points(Conn& c, int64_t deliberation_id) {
  static const std::string sql = std::string(kPointSelect) + "WHERE pt.deliberation_id = ? ORDER BY pt.id";
  return points_from(c, sql, {deliberation_id});
}

Result<std::vector<PointRow>> department_points(Conn& c, const std::vector<int64_t>& departments, const std::string& state,
                                                int64_t after, int limit) {
  if (departments.empty()) return std::vector<PointRow>();
  Params params;
  std::string sql = kPointSelect;
  if (state == "todo" || state == "open") {
    // Open points of open deliberations that invite one of the departments...
    std::string in = in_list(departments, params);
    std::string open = "(pt.state = 'open' AND d.state = 'open' AND EXISTS (SELECT 1 FROM deliberation_departments dd "
                       "WHERE dd.deliberation_id = pt.deliberation_id AND dd.org_id IN (" + in + ")))";
    if (state == "todo") {
      // ...and the points they hold and have not answered yet.
      std::string in2 = in_list(departments, params);
      sql += "WHERE (" + open + " OR (pt.state = 'claimed' AND pt.department_id IN (" + in2 + ")))";
    } else {
      sql += "WHERE " + open;
    }
  } else {
    params.emplace_back(state);
    std::string in = in_list(departments, params);
    sql += "WHERE pt.state = ? AND pt.department_id IN (" + in + ")";
  }
  sql += " AND pt.id > ? ORDER BY pt.id LIMIT ?";
  params.emplace_back(after);
  params.emplace_back(int64_t{limit});
  return points_from(c, sql, params);
}

Result<int64_t> insert_point(Conn& c, const NewPoint& p, TimeMs now) {
  bool taken = p.department_id.has_value();
  SL_ASSIGN(auto rows, c.query("INSERT INTO points (deliberation_id, post_id, quote, summary, state, department_id, "
                               "taken_how, deadline_at, created_by, created_at, updated_at, taken_at, ledger_salt) VALUES "
                               "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                               {p.deliberation_id, p.post_id, p.quote, p.summary, std::string(taken ? "claimed" : "open"),
                                opt(p.department_id), taken ? Value(std::string("assigned")) : Value(Null{}),
                                opt(p.deadline_at), p.created_by, now, now, taken ? Value(now) : Value(Null{}), p.salt}));
  return rows.front().i64(0);
}

Status update_point(Conn& c, const PointRow& p, TimeMs now) {
  SL_TRY(c.exec("UPDATE points SET quote = ?, summary = ?, state = ?, department_id = ?, taken_how = ?, deadline_at = ?, "
                "asked_again = ?, follow_up = ?, updated_at = ?, taken_at = ?, first_answered_at = ?, answered_at = ?, "
                "accepted_at = ?, response_ms = ? WHERE id = ?",
                {p.quote, p.summary, p.state, opt(p.department_id), opt(p.taken_how), opt(p.deadline_at), p.asked_again,
                 opt(p.follow_up), now, opt(p.taken_at), opt(p.first_answered_at), opt(p.answered_at), opt(p.accepted_at),
                 opt(p.response_ms), p.id}));
  return Ok();
}

Status refresh_response_stats(Conn& c, int64_t deliberation_id, int64_t department_id, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("SELECT state, response_ms FROM points WHERE deliberation_id = ? AND department_id = ?",
                               {deliberation_id, department_id}));
  int64_t taken = 0, answered = 0, accepted = 0;
  std::vector<int64_t> times;
  for (auto& r : rows) {
    ++taken;
    const std::string& s = r.str(0);
    if (s == "answered" || s == "accepted") ++answered;
    if (s == "accepted") ++accepted;
    if (!r.is_null(1)) times.push_back(r.i64(1));
  }
  std::optional<int64_t> median;
  if (!times.empty()) {
    std::sort(times.begin(), times.end());
    size_t n = times.size();
    median = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  }
  SL_ASSIGN(auto a, c.query_one("SELECT COUNT(*) FROM posts WHERE deliberation_id = ? AND author_org_id = ? AND mark = "
                                "'department_answer' AND point_id IS NOT NULL AND state = 'visible'",
                                {deliberation_id, department_id}));
  SL_TRY(c.exec("INSERT INTO department_response_stats (deliberation_id, department_id, points_taken, points_answered, "
                "points_accepted, answers, median_response_ms, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (deliberation_id, department_id) DO UPDATE SET points_taken = excluded.points_taken, "
                "points_answered = excluded.points_answered, points_accepted = excluded.points_accepted, "
                "answers = excluded.answers, median_response_ms = excluded.median_response_ms, updated_at = "
                "excluded.updated_at",
                {deliberation_id, department_id, taken, answered, accepted, a->i64(0), opt(median), now}));
  return Ok();
}

Result<bj::array> response_stats(Conn& c, int64_t deliberation_id) {
  // Every invited department, with zeros until it takes a point.
  SL_ASSIGN(auto rows, c.query("SELECT o.id, o.name, s.points_taken, s.points_answered, s.points_accepted, s.answers, "
                               "s.median_response_ms, s.updated_at FROM deliberation_departments x JOIN orgs o ON o.id = "
                               "x.org_id LEFT JOIN department_response_stats s ON s.deliberation_id = x.deliberation_id AND "
                               "s.department_id = x.org_id WHERE x.deliberation_id = ? ORDER BY o.id",
                               {deliberation_id}));
  bj::array out;
  for (auto& r : rows) {
    bj::object o{{"department", bj::object{{"id", r.i64(0)}, {"name", r.str(1)}}},
                 {"points_taken", r.i64(2)},
                 {"points_answered", r.i64(3)},
                 {"points_accepted", r.i64(4)},
                 {"answers", r.i64(5)},
                 {"median_response_ms", jopt(r.opt_i64(6))}};
    o["updated_at"] = r.is_null(7) ? bj::value(nullptr) : bj::value(format_iso8601(r.i64(7)));
    out.push_back(std::move(o));
  }
  return out;
}

// ---- ledger ----

bool is_ledger_type(std::string_view t) {
  return t == "deliberation" || t == "post" || t == "point" || t == "like" || t == "report" || t == "ban";
}

Result<std::optional<ledger::RecordState>> ledger_state(Conn& c, std::string_view type, int64_t id) {
  std::optional<ledger::RecordState> out;
  if (type == "deliberation") {
    SL_ASSIGN(auto d, find_deliberation(c, id));
    if (!d) return out;
    SL_ASSIGN(auto ps, parties(c, id));
    SL_ASSIGN(auto st, subtopics(c, id));
    SL_ASSIGN(auto ph, phases(c, id));
    bj::array orgs, depts, sectors, experts, subs, phs;
    for (auto& o : ps.orgs) orgs.push_back(o.id);
    for (auto& o : ps.departments) depts.push_back(o.id);
    for (auto& s : ps.sectors) sectors.push_back(s.id);
    for (auto& e : ps.experts) experts.push_back(e.id);
    for (auto& s : st) subs.push_back(bj::object{{"id", s.id}, {"title", s.title}, {"description", s.description}});
    for (auto& p : ph)
      phs.push_back(bj::object{{"id", p.id}, {"kind", p.kind}, {"name", p.name}, {"starts_at", jopt(p.starts_at)},
                               {"ends_at", jopt(p.ends_at)}});
    bj::object o{{"org_id", d->org_id},
                 {"org_ids", std::move(orgs)},
                 {"theme", d->theme},
                 {"description", d->description},
                 {"state", d->state},
                 {"public_mode", d->public_mode},
                 {"sectors_only", d->sectors_only},
                 {"sector_ids", std::move(sectors)},
                 {"department_ids", std::move(depts)},
                 {"expert_ids", std::move(experts)},
                 {"subtopics", std::move(subs)},
                 {"phases", std::move(phs)},
                 {"current_phase_id", jopt(d->current_phase_id)}};
    out = ledger::RecordState{bj::serialize(o), d->ledger_salt};
  } else if (type == "post") {
    SL_ASSIGN(auto r, c.query_one("SELECT deliberation_id, kind, parent_id, reply_to_id, author_id, author_role, "
                                  "author_org_id, mark, subtopic_id, point_id, title, body, state, moderation_reason, "
                                  "version, ledger_salt FROM posts WHERE id = ?",
                                  {id}));
    if (!r || r->str(12) == "deleted" || r->str(12) == "removed") return out;  // content erased
    bj::object o{{"deliberation_id", r->i64(0)}, {"kind", r->str(1)},         {"parent_id", jopt(r->opt_i64(2))},
                 {"reply_to_id", jopt(r->opt_i64(3))}, {"author_id", r->i64(4)}, {"author_role", r->str(5)},
                 {"author_org_id", jopt(r->opt_i64(6))}, {"mark", jopt(r->opt_str(7))}, {"subtopic_id", jopt(r->opt_i64(8))},
                 {"point_id", jopt(r->opt_i64(9))}, {"title", r->str(10)},     {"body", r->str(11)},
                 {"state", r->str(12)},         {"moderation_reason", jopt(r->opt_str(13))}, {"version", r->i64(14)}};
    out = ledger::RecordState{bj::serialize(o), r->str(15)};
  } else if (type == "point") {
    SL_ASSIGN(auto r, c.query_one("SELECT deliberation_id, post_id, quote, summary, state, department_id, taken_how, "
                                  "deadline_at, asked_again, follow_up, ledger_salt FROM points WHERE id = ?",
                                  {id}));
    if (!r) return out;
    bj::object o{{"deliberation_id", r->i64(0)}, {"post_id", r->i64(1)},   {"quote", r->str(2)},
                 {"summary", r->str(3)},        {"state", r->str(4)},     {"department_id", jopt(r->opt_i64(5))},
                 {"taken_how", jopt(r->opt_str(6))}, {"deadline_at", jopt(r->opt_i64(7))}, {"asked_again", r->i64(8)},
                 {"follow_up", jopt(r->opt_str(9))}};
    out = ledger::RecordState{bj::serialize(o), r->str(10)};
  } else if (type == "like") {
    SL_ASSIGN(auto r, c.query_one("SELECT post_id, person_id, ledger_salt FROM post_likes WHERE id = ?", {id}));
    if (!r) return out;
    out = ledger::RecordState{bj::serialize(bj::object{{"post_id", r->i64(0)}, {"person_id", r->i64(1)}}), r->str(2)};
  } else if (type == "report") {
    SL_ASSIGN(auto r, c.query_one("SELECT post_id, reporter_id, reason, state, ledger_salt FROM post_reports WHERE id = ?", {id}));
    if (!r) return out;
    out = ledger::RecordState{bj::serialize(bj::object{{"post_id", r->i64(0)}, {"reporter_id", r->i64(1)},
                                                       {"reason", r->str(2)}, {"state", r->str(3)}}),
                              r->str(4)};
  } else if (type == "ban") {
    SL_ASSIGN(auto r, c.query_one("SELECT deliberation_id, person_id, reason, ledger_salt FROM deliberation_bans WHERE id = ?",
                                  {id}));
    if (!r) return out;
    out = ledger::RecordState{
        bj::serialize(bj::object{{"deliberation_id", r->i64(0)}, {"person_id", r->i64(1)}, {"reason", r->str(2)}}),
        r->str(3)};
  } else {
    return Error::Internal("unknown ledger record type");
  }
  return out;
}

Status set_ledger_salt(Conn& c, std::string_view type, int64_t id, const std::string& salt) {
  // Table names from a fixed list, never from input.
  const char* sql = type == "deliberation" ? "UPDATE deliberations SET ledger_salt = ? WHERE id = ?"
                    : type == "post"       ? "UPDATE posts SET ledger_salt = ? WHERE id = ?"
                    : type == "point"      ? "UPDATE points SET ledger_salt = ? WHERE id = ?"
                    : type == "like"       ? "UPDATE post_likes SET ledger_salt = ? WHERE id = ?"
                    : type == "report"     ? "UPDATE post_reports SET ledger_salt = ? WHERE id = ?"
                    : type == "ban"        ? "UPDATE deliberation_bans SET ledger_salt = ? WHERE id = ?"
                                           : nullptr;
  if (!sql) return Error::Internal("unknown ledger record type");
  SL_TRY(c.exec(sql, {salt, id}));
  return Ok();
}

}  // namespace sl::deliberation::store
