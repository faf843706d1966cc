// SQL of the meetings module. Every statement is parameterised.
#include "modules/meetings/meetings_store.h"

#include <boost/json.hpp>

namespace sl::meetings::store {

using storage::Null;
using storage::Row;
using storage::Value;

namespace {

using storage::opt;
Value opt(const std::optional<std::string>& v) { return v ? Value(*v) : Value(Null{}); }
bj::value jopt(const std::optional<int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }
bj::value jopt(const std::optional<std::string>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

constexpr const char* kColumns =
    "m.id, m.org_id, o.name, o.path, m.title, m.topic, m.description, m.deliberation_id, m.topic_id, m.starts_at, "
    "m.ends_at, m.state, m.public, m.comments, m.video_url, m.hls_url, m.invite, m.current_item_id, "
    "m.floor_request_id, m.floor_started_at, m.floor_seconds, m.minutes_md, m.minutes_updated_at, "
    "m.minutes_updated_by, m.minutes_salt, m.comment_count, m.last_seq, m.reminded_at, m.state_reason, m.created_by, "
    "m.created_at, m.updated_at, m.ledger_salt";

MeetingRow meeting_of(const Row& r) {
  MeetingRow m;
  m.id = r.i64(0);
  m.org_id = r.i64(1);
  m.org_name = r.str(2);
  m.org_path = r.str(3);
  m.title = r.str(4);
  m.topic = r.str(5);
  m.description = r.str(6);
  m.deliberation_id = r.opt_i64(7);
  m.topic_id = r.opt_i64(8);
  m.starts_at = r.i64(9);
  m.ends_at = r.i64(10);
  m.state = r.str(11);
  m.is_public = r.i64(12) != 0;
  m.comments = r.str(13);
  m.video_url = r.str(14);
  m.hls_url = r.str(15);
  m.invite = r.str(16);
  m.current_item_id = r.opt_i64(17);
  m.floor_request_id = r.opt_i64(18);
  m.floor_started_at = r.opt_i64(19);
  m.floor_seconds = r.opt_i64(20);
  m.minutes_md = r.str(21);
  m.minutes_updated_at = r.opt_i64(22);
  m.minutes_updated_by = r.opt_i64(23);
  m.minutes_salt = r.str(24);
  m.comment_count = r.i64(25);
  m.last_seq = r.i64(26);
  m.reminded_at = r.opt_i64(27);
  m.state_reason = r.str(28);
  m.created_by = r.opt_i64(29);
  m.created_at = r.i64(30);
  m.updated_at = r.i64(31);
  m.ledger_salt = r.str(32);
  return m;
}

constexpr const char* kInviteeColumns =
    "i.id, i.meeting_id, i.person_id, p.display_name, "
    "(SELECT MIN(s.name) FROM memberships mm JOIN sectors s ON s.id = mm.sector_id WHERE mm.person_id = i.person_id), "
    "i.reply, i.reply_reason, i.reply_venue_id, i.replied_at, i.attendance, i.attendance_venue_id, i.checked_in_at, "
    "i.by_hand, i.attendance_reason";

Invitee invitee_of(const Row& r) {
  Invitee i;
  i.id = r.i64(0);
  i.meeting_id = r.i64(1);
  i.person_id = r.i64(2);
  i.name = r.str(3);
  i.sector = r.str(4);
  i.reply = r.opt_str(5);
  i.reply_reason = r.str(6);
  i.reply_venue_id = r.opt_i64(7);
  i.replied_at = r.opt_i64(8);
  i.attendance = r.opt_str(9);
  i.attendance_venue_id = r.opt_i64(10);
  i.checked_in_at = r.opt_i64(11);
  i.by_hand = r.i64(12) != 0;
  i.attendance_reason = r.str(13);
  return i;
}

constexpr const char* kQueueColumns =
    "q.id, q.meeting_id, q.person_id, p.display_name, q.agenda_item_id, q.note, q.remote, q.state, q.requested_at, "
    "q.started_at, q.ended_at, q.seconds";

QueueItem queue_of(const Row& r) {
  QueueItem q;
  q.id = r.i64(0);
  q.meeting_id = r.i64(1);
  q.person_id = r.i64(2);
  q.person_name = r.str(3);
  q.agenda_item_id = r.opt_i64(4);
  q.note = r.str(5);
  q.remote = r.i64(6) != 0;
  q.state = r.str(7);
  q.requested_at = r.i64(8);
  q.started_at = r.opt_i64(9);
  q.ended_at = r.opt_i64(10);
  q.seconds = r.opt_i64(11);
  return q;
}

constexpr const char* kCommentColumns =
    "id, meeting_id, person_id, author_name, body, state, picked, picked_at, created_at";

Comment comment_of(const Row& r) {
  Comment c;
  c.id = r.i64(0);
  c.meeting_id = r.i64(1);
  c.person_id = r.opt_i64(2);
  c.author_name = r.str(3);
  c.body = r.str(4);
  c.state = r.str(5);
  c.picked = r.i64(6) != 0;
  c.picked_at = r.opt_i64(7);
  c.created_at = r.i64(8);
  return c;
}

std::vector<int64_t> ids_of(const std::vector<Row>& rows) {
  std::vector<int64_t> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(r.i64(0));
  return out;
}

}  // namespace

Result<std::optional<MeetingRow>> find_meeting(Conn& c, int64_t id) {
  SL_ASSIGN(auto row, c.query_one(std::string("SELECT ") + kColumns + " FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE m.id = ?",
                                  {id}));
  if (!row) return std::optional<MeetingRow>();
  MeetingRow m = meeting_of(*row);
  SL_ASSIGN(auto orgs, c.query("SELECT mo.org_id, o.path FROM meeting_orgs mo JOIN orgs o ON o.id = mo.org_id "
                               "WHERE mo.meeting_id = ? ORDER BY mo.org_id",
                               {id}));
  for (const auto& r : orgs) {
    m.joint_org_ids.push_back(r.i64(0));
    m.joint_org_paths.push_back(r.str(1));
  }
  SL_ASSIGN(auto roles, c.query("SELECT role, person_id FROM meeting_roles WHERE meeting_id = ? ORDER BY role, person_id", {id}));
  for (const auto& r : roles) (r.str(0) == "chair" ? m.chair_ids : m.secretary_ids).push_back(r.i64(1));
  return std::optional<MeetingRow>(std::move(m));
}

Result<int64_t> insert_meeting(Conn& c, const MeetingRow& m, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO meetings (org_id, title, topic, description, deliberation_id, topic_id, starts_at, "
                               "ends_at, state, public, comments, video_url, hls_url, invite, created_by, created_at, updated_at) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                               {m.org_id, m.title, m.topic, m.description, opt(m.deliberation_id), opt(m.topic_id), m.starts_at,
                                m.ends_at, int64_t{m.is_public}, m.comments, m.video_url, m.hls_url, m.invite,
                                opt(m.created_by), now, now}));
  if (rows.empty()) return Error::Internal("insert meeting returned no id");
  return rows.front().i64(0);
}

Status update_meeting(Conn& c, const MeetingRow& m, TimeMs now) {
  SL_TRY(c.exec("UPDATE meetings SET title = ?, topic = ?, description = ?, deliberation_id = ?, topic_id = ?, starts_at = ?, "
                "ends_at = ?, public = ?, comments = ?, video_url = ?, hls_url = ?, invite = ?, updated_at = ? WHERE id = ?",
                {m.title, m.topic, m.description, opt(m.deliberation_id), opt(m.topic_id), m.starts_at, m.ends_at,
                 int64_t{m.is_public}, m.comments, m.video_url, m.hls_url, m.invite, now, m.id}));
  return Ok();
}

Status set_state(Conn& c, int64_t id, const std::string& state, const std::string& reason, TimeMs now) {
  SL_TRY(c.exec("UPDATE meetings SET state = ?, state_reason = ?, updated_at = ? WHERE id = ?", {state, reason, now, id}));
  return Ok();
}

Status set_current_item(Conn& c, int64_t id, std::optional<int64_t> item_id) {
  SL_TRY(c.exec("UPDATE meetings SET current_item_id = ? WHERE id = ?", {opt(item_id), id}));
  return Ok();
}

Status set_floor(Conn& c, int64_t id, std::optional<int64_t> request_id, std::optional<TimeMs> started_at,
                 std::optional<int64_t> seconds) {
  SL_TRY(c.exec("UPDATE meetings SET floor_request_id = ?, floor_started_at = ?, floor_seconds = ? WHERE id = ?",
                {opt(request_id), opt(started_at), opt(seconds), id}));
  return Ok();
}

Status replace_orgs(Conn& c, int64_t id, const std::vector<int64_t>& org_ids) {
  SL_TRY(c.exec("DELETE FROM meeting_orgs WHERE meeting_id = ?", {id}));
  for (int64_t o : org_ids) SL_TRY(c.exec("INSERT INTO meeting_orgs (meeting_id, org_id) VALUES (?, ?)", {id, o}));
  return Ok();
}

Status replace_roles(Conn& c, int64_t id, const std::string& role, const std::vector<int64_t>& person_ids) {
  SL_TRY(c.exec("DELETE FROM meeting_roles WHERE meeting_id = ? AND role = ?", {id, role}));
  for (int64_t p : person_ids)
    SL_TRY(c.exec("INSERT INTO meeting_roles (meeting_id, person_id, role) VALUES (?, ?, ?)", {id, p, role}));
  return Ok();
}

Result<std::vector<MeetingRow>> list_meetings(Conn& c, const ListFilter& f, std::optional<int64_t> person_id, int64_t before,
                                              int limit) {
  SL_ASSIGN(auto rows,
            c.query(std::string("SELECT ") + kColumns +
                        " FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE m.id < ? "
                        "AND (CAST(? AS BIGINT) IS NULL OR m.org_id = ? OR m.id IN (SELECT meeting_id FROM meeting_orgs WHERE org_id = ?)) "
                        "AND (CAST(? AS BIGINT) IS NULL OR m.starts_at >= ?) AND (CAST(? AS BIGINT) IS NULL OR m.starts_at < ?) "
                        "AND (CAST(? AS TEXT) IS NULL OR m.state = ?) "
                        "AND (CAST(? AS BIGINT) IS NULL OR m.id IN (SELECT meeting_id FROM meeting_invitees WHERE person_id = ?) "
                        "  OR m.id IN (SELECT meeting_id FROM meeting_roles WHERE person_id = ?) "
                        "  OR m.id IN (SELECT meeting_id FROM meeting_venues WHERE host_id = ?)) "
                        "ORDER BY m.id DESC LIMIT ?",
                    {before, opt(f.org_id), opt(f.org_id), opt(f.org_id), opt(f.from), opt(f.from), opt(f.to), opt(f.to),
                     opt(f.state), opt(f.state), opt(person_id), opt(person_id), opt(person_id), opt(person_id),
                     int64_t{limit}}));
  std::vector<MeetingRow> out;
  for (const auto& r : rows) out.push_back(meeting_of(r));
  return out;
}

Result<std::vector<AgendaItem>> agenda(Conn& c, int64_t id) {
  SL_ASSIGN(auto rows, c.query("SELECT id, position, title, starts_at, minutes, speaker FROM meeting_agenda WHERE meeting_id = ? "
                               "ORDER BY position, id",
                               {id}));
  std::vector<AgendaItem> out;
  for (const auto& r : rows)
    out.push_back(AgendaItem{r.i64(0), static_cast<int>(r.i64(1)), r.str(2), r.opt_i64(3), r.opt_i64(4), r.str(5)});
  return out;
}

Status replace_agenda(Conn& c, int64_t id, const std::vector<AgendaItem>& items) {
  SL_TRY(c.exec("DELETE FROM meeting_agenda WHERE meeting_id = ?", {id}));
  int pos = 0;
  for (const auto& a : items)
    SL_TRY(c.exec("INSERT INTO meeting_agenda (meeting_id, position, title, starts_at, minutes, speaker) VALUES (?, ?, ?, ?, ?, ?)",
                  {id, int64_t{++pos}, a.title, opt(a.starts_at), opt(a.minutes), a.speaker}));
  return Ok();
}

Result<std::vector<Venue>> venues(Conn& c, int64_t id) {
  SL_ASSIGN(auto rows, c.query("SELECT v.id, v.position, v.name, v.address, v.capacity, v.host_id, p.display_name, v.main "
                               "FROM meeting_venues v LEFT JOIN people p ON p.id = v.host_id WHERE v.meeting_id = ? "
                               "ORDER BY v.position, v.id",
                               {id}));
  std::vector<Venue> out;
  for (const auto& r : rows)
    out.push_back(Venue{r.i64(0), static_cast<int>(r.i64(1)), r.str(2), r.str(3), r.opt_i64(4), r.opt_i64(5), r.str(6),
                        r.i64(7) != 0});
  return out;
}

Status replace_venues(Conn& c, int64_t id, const std::vector<Venue>& vs) {
  SL_TRY(c.exec("DELETE FROM meeting_venues WHERE meeting_id = ?", {id}));
  int pos = 0;
  for (const auto& v : vs)
    SL_TRY(c.exec("INSERT INTO meeting_venues (meeting_id, position, name, address, capacity, host_id, main) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)",
                  {id, int64_t{++pos}, v.name, v.address, opt(v.capacity), opt(v.host_id), int64_t{v.main}}));
  return Ok();
}

Result<std::vector<Invitee>> invitees(Conn& c, int64_t id) {
  SL_ASSIGN(auto rows, c.query(std::string("SELECT ") + kInviteeColumns +
                                   " FROM meeting_invitees i JOIN people p ON p.id = i.person_id WHERE i.meeting_id = ? "
                                   "ORDER BY i.id",
                               {id}));
  std::vector<Invitee> out;
  for (const auto& r : rows) out.push_back(invitee_of(r));
  return out;
}

Result<std::optional<Invitee>> invitee(Conn& c, int64_t id, int64_t person_id) {
  SL_ASSIGN(auto row, c.query_one(std::string("SELECT ") + kInviteeColumns +
                                      " FROM meeting_invitees i JOIN people p ON p.id = i.person_id "
                                      "WHERE i.meeting_id = ? AND i.person_id = ?",
                                  {id, person_id}));
  if (!row) return std::optional<Invitee>();
  return std::optional<Invitee>(invitee_of(*row));
}

Status sync_invitees(Conn& c, int64_t id, const std::vector<int64_t>& person_ids) {
  SL_ASSIGN(auto rows, c.query("SELECT person_id, reply FROM meeting_invitees WHERE meeting_id = ?", {id}));
  for (const auto& r : rows) {
    bool keep = std::find(person_ids.begin(), person_ids.end(), r.i64(0)) != person_ids.end();
    if (!keep && !r.opt_str(1))
      SL_TRY(c.exec("DELETE FROM meeting_invitees WHERE meeting_id = ? AND person_id = ?", {id, r.i64(0)}));
  }
  for (int64_t p : person_ids)
    SL_TRY(c.exec("INSERT INTO meeting_invitees (meeting_id, person_id) VALUES (?, ?) ON CONFLICT (meeting_id, person_id) DO NOTHING",
                  {id, p}));
  return Ok();
}

Status set_reply(Conn& c, int64_t invitee_id, const std::string& reply, const std::string& reason,
                 std::optional<int64_t> venue_id, TimeMs now) {
  SL_TRY(c.exec("UPDATE meeting_invitees SET reply = ?, reply_reason = ?, reply_venue_id = ?, replied_at = ? WHERE id = ?",
                {reply, reason, opt(venue_id), now, invitee_id}));
  return Ok();
}

Status set_attendance(Conn& c, int64_t invitee_id, const std::string& status, std::optional<int64_t> venue_id,
                      std::optional<TimeMs> at, bool by_hand, const std::string& reason) {
  SL_TRY(c.exec("UPDATE meeting_invitees SET attendance = ?, attendance_venue_id = ?, checked_in_at = ?, by_hand = ?, "
                "attendance_reason = ? WHERE id = ?",
                {status, opt(venue_id), opt(at), int64_t{by_hand}, reason, invitee_id}));
  return Ok();
}

Result<std::vector<int64_t>> people_of_sectors(Conn& c, const std::vector<int64_t>& sector_ids) {
  std::vector<int64_t> out;
  for (int64_t s : sector_ids) {
    SL_ASSIGN(auto rows, c.query("SELECT DISTINCT m.person_id FROM memberships m JOIN people p ON p.id = m.person_id "
                                 "WHERE m.sector_id = ? AND m.role = 'member' AND p.status = 'active' ORDER BY m.person_id",
                                 {s}));
    for (int64_t p : ids_of(rows)) out.push_back(p);
  }
  return out;
}

Result<std::vector<int64_t>> responders_of(Conn& c, const std::vector<int64_t>& department_ids) {
  std::vector<int64_t> out;
  for (int64_t d : department_ids) {
    SL_ASSIGN(auto rows, c.query("SELECT DISTINCT m.person_id FROM memberships m JOIN people p ON p.id = m.person_id "
                                 "WHERE m.org_id = ? AND m.role = 'responder' AND p.status = 'active' ORDER BY m.person_id",
                                 {d}));
    for (int64_t p : ids_of(rows)) out.push_back(p);
  }
  return out;
}

Result<std::vector<int64_t>> members_of(Conn& c, int64_t org_id) {
  SL_ASSIGN(auto rows, c.query("SELECT DISTINCT m.person_id FROM memberships m JOIN people p ON p.id = m.person_id "
                               "WHERE m.org_id = ? AND m.role = 'member' AND p.status = 'active' ORDER BY m.person_id",
                               {org_id}));
  return ids_of(rows);
}

Result<bool> person_exists(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto row, c.query_one("SELECT 1 FROM people WHERE id = ?", {person_id}));
  return row.has_value();
}

Result<std::string> person_name(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto row, c.query_one("SELECT display_name FROM people WHERE id = ?", {person_id}));
  return row ? row->str(0) : std::string();
}

Result<std::string> person_locale(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto row, c.query_one("SELECT locale FROM people WHERE id = ?", {person_id}));
  return row ? row->str(0) : std::string("zh-CN");
}

Result<std::vector<PersonMeeting>> meetings_of_person(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto rows, c.query("SELECT m.id, m.title, m.starts_at, i.attendance FROM meeting_invitees i "
                               "JOIN meetings m ON m.id = i.meeting_id WHERE i.person_id = ? "
                               "AND m.state IN ('live','ended','published') ORDER BY m.starts_at DESC, m.id DESC",
                               {person_id}));
  std::vector<PersonMeeting> out;
  for (const auto& r : rows) out.push_back(PersonMeeting{r.i64(0), r.str(1), r.i64(2), r.opt_str(3)});
  return out;
}

Result<std::vector<std::string>> member_org_paths(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto rows, c.query("SELECT DISTINCT o.path FROM memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = ?",
                               {person_id}));
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.str(0));
  return out;
}

Result<std::vector<QueueItem>> queue(Conn& c, int64_t id, bool open_only) {
  SL_ASSIGN(auto rows, c.query(std::string("SELECT ") + kQueueColumns +
                                   " FROM meeting_queue q JOIN people p ON p.id = q.person_id WHERE q.meeting_id = ? "
                                   "AND (? = 0 OR q.state IN ('waiting','speaking')) ORDER BY q.id",
                               {id, int64_t{open_only}}));
  std::vector<QueueItem> out;
  for (const auto& r : rows) out.push_back(queue_of(r));
  return out;
}

Result<std::optional<QueueItem>> queue_item(Conn& c, int64_t id, int64_t request_id) {
  SL_ASSIGN(auto row, c.query_one(std::string("SELECT ") + kQueueColumns +
                                      " FROM meeting_queue q JOIN people p ON p.id = q.person_id WHERE q.meeting_id = ? AND q.id = ?",
                                  {id, request_id}));
  if (!row) return std::optional<QueueItem>();
  return std::optional<QueueItem>(queue_of(*row));
}

Result<bool> has_waiting(Conn& c, int64_t id, int64_t person_id) {
  SL_ASSIGN(auto row, c.query_one("SELECT 1 FROM meeting_queue WHERE meeting_id = ? AND person_id = ? AND state = 'waiting'",
                                  {id, person_id}));
  return row.has_value();
}

Result<int64_t> insert_queue_item(Conn& c, const QueueItem& q) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO meeting_queue (meeting_id, person_id, agenda_item_id, note, remote, state, requested_at) "
                               "VALUES (?, ?, ?, ?, ?, 'waiting', ?) RETURNING id",
                               {q.meeting_id, q.person_id, opt(q.agenda_item_id), q.note, int64_t{q.remote}, q.requested_at}));
  if (rows.empty()) return Error::Internal("insert queue item returned no id");
  return rows.front().i64(0);
}

Status set_queue_state(Conn& c, int64_t request_id, const std::string& state, std::optional<TimeMs> started_at,
                       std::optional<TimeMs> ended_at, std::optional<int64_t> seconds) {
  SL_TRY(c.exec("UPDATE meeting_queue SET state = ?, started_at = COALESCE(?, started_at), ended_at = COALESCE(?, ended_at), "
                "seconds = COALESCE(?, seconds) WHERE id = ?",
                {state, opt(started_at), opt(ended_at), opt(seconds), request_id}));
  return Ok();
}

Result<std::vector<Intervention>> interventions(Conn& c, int64_t id, int64_t after, int limit) {
  SL_ASSIGN(auto rows, c.query("SELECT i.id, i.person_id, p.display_name, i.agenda_item_id, i.body, i.created_at "
                               "FROM meeting_interventions i JOIN people p ON p.id = i.person_id "
                               "WHERE i.meeting_id = ? AND i.id > ? ORDER BY i.id LIMIT ?",
                               {id, after, int64_t{limit}}));
  std::vector<Intervention> out;
  for (const auto& r : rows) out.push_back(Intervention{r.i64(0), r.i64(1), r.str(2), r.opt_i64(3), r.str(4), r.i64(5)});
  return out;
}

Result<int64_t> insert_intervention(Conn& c, int64_t id, int64_t person_id, std::optional<int64_t> item,
                                    const std::string& body, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO meeting_interventions (meeting_id, person_id, agenda_item_id, body, created_at) "
                               "VALUES (?, ?, ?, ?, ?) RETURNING id",
                               {id, person_id, opt(item), body, now}));
  if (rows.empty()) return Error::Internal("insert intervention returned no id");
  return rows.front().i64(0);
}

Result<std::vector<Comment>> comments(Conn& c, int64_t id, int64_t after, const std::string& state, bool picked_only, int limit) {
  SL_ASSIGN(auto rows, c.query(std::string("SELECT ") + kCommentColumns +
                                   " FROM meeting_comments WHERE meeting_id = ? AND id > ? AND state = ? AND (? = 0 OR picked = 1) "
                                   "ORDER BY id LIMIT ?",
                               {id, after, state, int64_t{picked_only}, int64_t{limit}}));
  std::vector<Comment> out;
  for (const auto& r : rows) out.push_back(comment_of(r));
  return out;
}

Result<std::optional<Comment>> comment(Conn& c, int64_t id, int64_t comment_id) {
  SL_ASSIGN(auto row, c.query_one(std::string("SELECT ") + kCommentColumns + " FROM meeting_comments WHERE meeting_id = ? AND id = ?",
                                  {id, comment_id}));
  if (!row) return std::optional<Comment>();
  return std::optional<Comment>(comment_of(*row));
}

Result<int64_t> insert_comment(Conn& c, const Comment& cm) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO meeting_comments (meeting_id, person_id, author_name, body, state, created_at) "
                               "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                               {cm.meeting_id, opt(cm.person_id), cm.author_name, cm.body, cm.state, cm.created_at}));
  if (rows.empty()) return Error::Internal("insert comment returned no id");
  SL_TRY(c.exec("UPDATE meetings SET comment_count = comment_count + 1 WHERE id = ?", {cm.meeting_id}));
  return rows.front().i64(0);
}

Status set_comment_state(Conn& c, int64_t comment_id, const std::string& state) {
  SL_TRY(c.exec("UPDATE meeting_comments SET state = ? WHERE id = ?", {state, comment_id}));
  return Ok();
}

Status set_comment_picked(Conn& c, int64_t comment_id, bool picked, TimeMs now) {
  SL_TRY(c.exec("UPDATE meeting_comments SET picked = ?, picked_at = ? WHERE id = ?",
                {int64_t{picked}, picked ? Value(now) : Value(Null{}), comment_id}));
  return Ok();
}

Result<int64_t> visible_comment_count(Conn& c, int64_t id) {
  SL_ASSIGN(auto row, c.query_one("SELECT COUNT(*) FROM meeting_comments WHERE meeting_id = ? AND state = 'visible'", {id}));
  return row ? row->i64(0) : 0;
}

Status save_minutes(Conn& c, int64_t id, const std::string& body_md, int64_t by, TimeMs now) {
  SL_TRY(c.exec("UPDATE meetings SET minutes_md = ?, minutes_updated_at = ?, minutes_updated_by = ? WHERE id = ?",
                {body_md, now, by ? Value(by) : Value(Null{}), id}));
  SL_TRY(c.exec("INSERT INTO meeting_minutes_versions (meeting_id, body_md, created_by, created_at) VALUES (?, ?, ?, ?)",
                {id, body_md, by ? Value(by) : Value(Null{}), now}));
  return Ok();
}

Result<std::vector<Outcome>> outcomes(Conn& c, int64_t id) {
  SL_ASSIGN(auto rows, c.query("SELECT type, outcome_id, title FROM meeting_outcomes WHERE meeting_id = ? ORDER BY type, outcome_id",
                               {id}));
  std::vector<Outcome> out;
  for (const auto& r : rows) out.push_back(Outcome{r.str(0), r.i64(1), r.str(2)});
  return out;
}

Status add_outcome(Conn& c, int64_t id, const Outcome& o) {
  SL_TRY(c.exec("INSERT INTO meeting_outcomes (meeting_id, type, outcome_id, title) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (meeting_id, type, outcome_id) DO UPDATE SET title = excluded.title",
                {id, o.type, o.id, o.title}));
  return Ok();
}

Result<bool> remove_outcome(Conn& c, int64_t id, const std::string& type, int64_t outcome_id) {
  SL_ASSIGN(auto row, c.query_one("SELECT 1 FROM meeting_outcomes WHERE meeting_id = ? AND type = ? AND outcome_id = ?",
                                  {id, type, outcome_id}));
  if (!row) return false;
  SL_TRY(c.exec("DELETE FROM meeting_outcomes WHERE meeting_id = ? AND type = ? AND outcome_id = ?", {id, type, outcome_id}));
  return true;
}

Result<std::optional<std::string>> outcome_title(Conn& c, const std::string& type, int64_t outcome_id) {
  const char* sql = type == "case"           ? "SELECT title FROM cases WHERE id = ?"
                    : type == "topic"        ? "SELECT title FROM topics WHERE id = ?"
                    : type == "deliberation" ? "SELECT theme FROM deliberations WHERE id = ?"
                                             : nullptr;
  if (!sql) return std::optional<std::string>();
  SL_ASSIGN(auto row, c.query_one(sql, {outcome_id}));
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(row->str(0));
}

Result<int64_t> next_seq(Conn& c, int64_t id) {
  SL_ASSIGN(auto rows, c.query("UPDATE meetings SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq", {id}));
  if (rows.empty()) return Error::Internal("meeting vanished");
  return rows.front().i64(0);
}

Status insert_event(Conn& c, int64_t id, int64_t seq, const std::string& type, TimeMs at, const std::string& payload) {
  SL_TRY(c.exec("INSERT INTO meeting_events (meeting_id, seq, type, at, payload) VALUES (?, ?, ?, ?, ?)",
                {id, seq, type, at, payload}));
  return Ok();
}

Result<std::vector<EventRow>> events_after(Conn& c, int64_t id, int64_t after_seq, int limit) {
  SL_ASSIGN(auto rows, c.query("SELECT seq, type, at, payload FROM meeting_events WHERE meeting_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                               {id, after_seq, int64_t{limit}}));
  std::vector<EventRow> out;
  for (const auto& r : rows) out.push_back(EventRow{r.i64(0), r.str(1), r.i64(2), r.str(3)});
  return out;
}

Result<std::vector<int64_t>> due_reminders(Conn& c, TimeMs now, TimeMs until) {
  SL_ASSIGN(auto rows, c.query("SELECT id FROM meetings WHERE state = 'scheduled' AND reminded_at IS NULL AND starts_at > ? "
                               "AND starts_at <= ? ORDER BY id LIMIT 100",
                               {now, until}));
  return ids_of(rows);
}

Status set_reminded(Conn& c, int64_t id, TimeMs now) {
  SL_TRY(c.exec("UPDATE meetings SET reminded_at = ? WHERE id = ?", {now, id}));
  return Ok();
}

bool is_ledger_type(std::string_view type) {
  return type == "meeting" || type == "meeting_minutes" || type == "meeting_attendance" || type == "meeting_comment";
}

Result<std::optional<ledger::RecordState>> ledger_state(Conn& c, std::string_view type, int64_t id) {
  std::optional<ledger::RecordState> out;
  if (type == "meeting") {
    SL_ASSIGN(auto m, find_meeting(c, id));
    if (!m) return out;
    SL_ASSIGN(auto items, agenda(c, id));
    SL_ASSIGN(auto vs, venues(c, id));
    SL_ASSIGN(auto outs, outcomes(c, id));
    bj::array a, v, oc, joint, chairs, secs;
    for (const auto& i : items)
      a.push_back(bj::object{{"title", i.title}, {"starts_at", jopt(i.starts_at)}, {"minutes", jopt(i.minutes)}, {"speaker", i.speaker}});
    for (const auto& x : vs)
      v.push_back(bj::object{{"name", x.name}, {"address", x.address}, {"capacity", jopt(x.capacity)}, {"host_id", jopt(x.host_id)},
                             {"main", x.main}});
    for (const auto& o : outs) oc.push_back(bj::object{{"type", o.type}, {"id", o.id}});
    for (int64_t o : m->joint_org_ids) joint.push_back(o);
    for (int64_t p : m->chair_ids) chairs.push_back(p);
    for (int64_t p : m->secretary_ids) secs.push_back(p);
    bj::object o{{"org_id", m->org_id},          {"joint_org_ids", std::move(joint)},
                 {"title", m->title},            {"topic", m->topic},
                 {"description", m->description}, {"deliberation_id", jopt(m->deliberation_id)},
                 {"topic_id", jopt(m->topic_id)}, {"starts_at", m->starts_at},
                 {"ends_at", m->ends_at},        {"state", m->state},
                 {"public", m->is_public},       {"comments", m->comments},
                 {"video_url", m->video_url},    {"hls_url", m->hls_url},
                 {"chair_ids", std::move(chairs)}, {"secretary_ids", std::move(secs)},
                 {"agenda", std::move(a)},       {"venues", std::move(v)},
                 {"outcomes", std::move(oc)}};
    out = ledger::RecordState{bj::serialize(o), m->ledger_salt};
  } else if (type == "meeting_minutes") {
    SL_ASSIGN(auto r, c.query_one("SELECT minutes_md, state, minutes_salt FROM meetings WHERE id = ?", {id}));
    if (!r) return out;
    bj::object o{{"meeting_id", id}, {"body_md", r->str(0)}, {"published", r->str(1) == "published"}};
    out = ledger::RecordState{bj::serialize(o), r->str(2)};
  } else if (type == "meeting_attendance") {
    SL_ASSIGN(auto r, c.query_one("SELECT meeting_id, person_id, reply, reply_reason, reply_venue_id, attendance, "
                                  "attendance_venue_id, checked_in_at, by_hand, attendance_reason, ledger_salt "
                                  "FROM meeting_invitees WHERE id = ?",
                                  {id}));
    if (!r) return out;
    bj::object o{{"meeting_id", r->i64(0)},         {"person_id", r->i64(1)},
                 {"reply", jopt(r->opt_str(2))},    {"reply_reason", r->str(3)},
                 {"reply_venue_id", jopt(r->opt_i64(4))}, {"attendance", jopt(r->opt_str(5))},
                 {"venue_id", jopt(r->opt_i64(6))}, {"checked_in_at", jopt(r->opt_i64(7))},
                 {"by_hand", r->i64(8) != 0},       {"reason", r->str(9)}};
    out = ledger::RecordState{bj::serialize(o), r->str(10)};
  } else if (type == "meeting_comment") {
    SL_ASSIGN(auto r, c.query_one("SELECT meeting_id, person_id, body, state, picked, ledger_salt FROM meeting_comments WHERE id = ?",
                                  {id}));
    if (!r) return out;
    bj::object o{{"meeting_id", r->i64(0)}, {"person_id", jopt(r->opt_i64(1))}, {"body", r->str(2)}, {"state", r->str(3)},
                 {"picked", r->i64(4) != 0}};
    out = ledger::RecordState{bj::serialize(o), r->str(5)};
  } else {
    return Error::Internal("unknown ledger record type");
  }
  return out;
}

Status set_ledger_salt(Conn& c, std::string_view type, int64_t id, const std::string& salt) {
  const char* sql = type == "meeting"              ? "UPDATE meetings SET ledger_salt = ? WHERE id = ?"
                    : type == "meeting_minutes"    ? "UPDATE meetings SET minutes_salt = ? WHERE id = ?"
                    : type == "meeting_attendance" ? "UPDATE meeting_invitees SET ledger_salt = ? WHERE id = ?"
                    : type == "meeting_comment"    ? "UPDATE meeting_comments SET ledger_salt = ? WHERE id = ?"
                                                   : nullptr;
  if (!sql) return Error::Internal("unknown ledger record type");
  SL_TRY(c.exec(sql, {salt, id}));
  return Ok();
}

}  // namespace sl::meetings::store
