// Meetings use cases: building and scheduling, replies and attendance, the speaking queue,
// interventions, public comments, minutes and the record. Each write is one transaction with
// its ledger entry; live events are stored with their seq and published after the commit.
#include <openssl/hmac.h>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/encoding.h"
#include "core/json.h"
#include "modules/common/markdown.h"
#include "modules/common/route_util.h"
#include "modules/meetings/meetings.h"
#include "modules/meetings/meetings_store.h"
#include "modules/notifications/inbox.h"

namespace sl::meetings {

using access::Action;
using storage::Conn;

namespace {

constexpr int64_t kMinute = 60'000;

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bj::value iso_or_null(const std::optional<TimeMs>& t) { return t ? bj::value(format_iso8601(*t)) : bj::value(nullptr); }
bj::value jopt(const std::optional<int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }
bj::value jopt(const std::optional<std::string>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

Result<std::vector<int64_t>> id_list(const bj::object& o, std::string_view key, size_t max = 2000) {
  auto it = o.find(key);
  std::vector<int64_t> out;
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_array() || it->value().as_array().size() > max)
    return Error::Invalid("invalid_field", std::string(key) + " 须为不超过 " + std::to_string(max) + " 个编号的数组");
  for (const auto& v : it->value().as_array()) {
    if (!v.is_int64() || v.as_int64() <= 0) return Error::Invalid("invalid_field", std::string(key) + " 须为正整数编号数组");
    if (std::find(out.begin(), out.end(), v.as_int64()) == out.end()) out.push_back(v.as_int64());
  }
  return out;
}

Result<TimeMs> req_time(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return Error::Invalid("missing_field", "缺少必填字段 " + std::string(key));
  auto t = it->value().is_string() ? parse_iso8601(std::string_view(it->value().as_string())) : std::nullopt;
  if (!t) return Error::Invalid("invalid_time", std::string(key) + " 须为 ISO-8601 时间，例如 2026-05-01T09:00:00+08:00");
  return *t;
}

Result<std::optional<TimeMs>> opt_time(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<TimeMs>();
  SL_ASSIGN(TimeMs t, req_time(o, key));
  return std::optional<TimeMs>(t);
}

bool valid_url(const std::string& u) {
  return u.empty() || ((u.rfind("https://", 0) == 0 || u.rfind("http://", 0) == 0) && u.find_first_of(" \t\r\n\"<>") == std::string::npos);
}

// What the caller is to a meeting.
struct Access {
  bool staff = false, chair = false, secretary = false, participant = false, host = false, oversee = false, view = false;
  std::optional<store::Invitee> inv;
  std::string role() const {
    if (staff) return "staff";
    if (chair) return "chair";
    if (secretary) return "secretary";
    if (participant) return "participant";
    return "viewer";
  }
  bool runs() const { return staff || chair; }           // queue, floor, picks, polls
  bool records() const { return staff || secretary; }    // minutes, by-hand check-in
  bool inside() const { return staff || chair || secretary || participant; }
};

struct Loaded {
  store::MeetingRow m;
  Access a;
};

bool contains(const std::vector<int64_t>& v, int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

Result<Access> access_of(Conn& c, const store::MeetingRow& m, const Caller& caller) {
  Access a;
  a.staff = caller.superadmin || access::allowed(caller, m.org_path, Action::kDeliberationManage);
  a.oversee = a.staff || access::allowed(caller, m.org_path, Action::kDeliberationOversee);
  for (const auto& p : m.joint_org_paths) {
    if (access::allowed(caller, p, Action::kDeliberationManage)) a.staff = a.oversee = true;
    if (access::allowed(caller, p, Action::kDeliberationOversee)) a.oversee = true;
  }
  if (caller.person_id) {
    a.chair = contains(m.chair_ids, caller.person_id);
    a.secretary = contains(m.secretary_ids, caller.person_id);
    SL_ASSIGN(a.inv, store::invitee(c, m.id, caller.person_id));
    SL_ASSIGN(auto vs, store::venues(c, m.id));
    for (const auto& v : vs)
      if (v.host_id && *v.host_id == caller.person_id) a.host = true;
    a.participant = a.inv.has_value() || a.host;
  }
  if (m.state == "draft")
    a.view = a.staff || a.chair || a.secretary;
  else
    a.view = a.inside() || a.oversee || m.is_public;
  return a;
}

Result<Loaded> load(Conn& c, const Caller& caller, int64_t id) {
  SL_ASSIGN(auto m, store::find_meeting(c, id));
  if (!m) return Error::NotFound("meeting_not_found", "会议不存在");
  SL_ASSIGN(Access a, access_of(c, *m, caller));
  if (!a.view) {
    if (caller.person_id == 0 && !caller.superadmin && m->state != "draft") return Error::Unauthenticated("请登录后查看本次会议");
    return Error::NotFound("meeting_not_found", "会议不存在");
  }
  return Loaded{std::move(*m), std::move(a)};
}

Status require_person(const Caller& caller) {
  if (caller.person_id == 0 && !caller.superadmin) return Error::Unauthenticated();
  return Ok();
}

Status record_entry(Conn& c, ledger::Ledger& ledger, const Caller& caller, std::string_view action, std::string_view type,
                    int64_t id) {
  SL_ASSIGN(auto state, store::ledger_state(c, type, id));
  return ledger.record(c, caller, action, type, id, std::move(state),
                       [&](const std::string& salt) { return store::set_ledger_salt(c, type, id, salt); });
}

std::string room_of(int64_t id) { return "meeting:" + std::to_string(id); }

// Stores an event with the meeting's next seq and queues its message for after the commit.
Status emit(Conn& c, std::vector<pubsub::Message>& out, int64_t id, std::string_view type, bj::value data, TimeMs now) {
  SL_ASSIGN(int64_t seq, store::next_seq(c, id));
  std::string payload =
      bj::serialize(bj::object{{"type", type}, {"seq", seq}, {"at", format_iso8601(now)}, {"data", std::move(data)}});
  SL_TRY(store::insert_event(c, id, seq, std::string(type), now, payload));
  out.push_back(pubsub::Message{room_of(id), seq, std::move(payload)});
  return Ok();
}

bj::object floor_json(const store::MeetingRow& m, const store::QueueItem& q) {
  TimeMs started = m.floor_started_at.value_or(0);
  int64_t secs = m.floor_seconds.value_or(0);
  return bj::object{{"request_id", q.id},
                    {"person_id", q.person_id},
                    {"person_name", q.person_name},
                    {"agenda_item_id", jopt(q.agenda_item_id)},
                    {"started_at", format_iso8601(started)},
                    {"seconds", secs},
                    {"ends_at", format_iso8601(started + secs * 1000)}};
}

Result<bj::value> floor_of(Conn& c, const store::MeetingRow& m) {
  if (!m.floor_request_id) return bj::value(nullptr);
  SL_ASSIGN(auto q, store::queue_item(c, m.id, *m.floor_request_id));
  if (!q) return bj::value(nullptr);
  return bj::value(floor_json(m, *q));
}

bj::object queue_json(const store::QueueItem& q) {
  return bj::object{{"id", q.id},
                    {"person_id", q.person_id},
                    {"person_name", q.person_name},
                    {"agenda_item_id", jopt(q.agenda_item_id)},
                    {"note", q.note},
                    {"remote", q.remote},
                    {"state", q.state},
                    {"requested_at", format_iso8601(q.requested_at)},
                    {"started_at", iso_or_null(q.started_at)},
                    {"ended_at", iso_or_null(q.ended_at)},
                    {"seconds", jopt(q.seconds)}};
}

bj::object comment_json(const store::Comment& cm) {
  return bj::object{{"id", cm.id},
                    {"author_name", cm.author_name},
                    {"body", cm.body},
                    {"state", cm.state},
                    {"picked", cm.picked},
                    {"created_at", format_iso8601(cm.created_at)}};
}

bj::object intervention_json(const store::Intervention& i) {
  return bj::object{{"id", i.id},
                    {"person_id", i.person_id},
                    {"person_name", i.person_name},
                    {"agenda_item_id", jopt(i.agenda_item_id)},
                    {"body", i.body},
                    {"created_at", format_iso8601(i.created_at)}};
}

bj::object invitee_json(const store::Invitee& i) {
  return bj::object{{"person_id", i.person_id},
                    {"name", i.name},
                    {"sector", i.sector},
                    {"reply", jopt(i.reply)},
                    {"reason", i.reply_reason},
                    {"venue_id", jopt(i.reply_venue_id)},
                    {"attendance", jopt(i.attendance)},
                    {"attendance_venue_id", jopt(i.attendance_venue_id)},
                    {"checked_in_at", iso_or_null(i.checked_in_at)}};
}

bj::object attendance_item(const store::Invitee& i) {
  return bj::object{{"person_id", i.person_id},
                    {"name", i.name},
                    {"status", jopt(i.attendance)},
                    {"venue_id", jopt(i.attendance_venue_id)},
                    {"checked_in_at", iso_or_null(i.checked_in_at)},
                    {"by_hand", i.by_hand},
                    {"reason", i.attendance_reason}};
}

bj::object present_by_venue(const std::vector<store::Invitee>& invs) {
  bj::object o;
  int64_t remote = 0;
  for (const auto& i : invs) {
    if (!i.attendance) continue;
    if (*i.attendance == "remote") {
      ++remote;
    } else if ((*i.attendance == "present" || *i.attendance == "late") && i.attendance_venue_id) {
      std::string k = std::to_string(*i.attendance_venue_id);
      o[k] = (o.contains(k) ? o[k].as_int64() : 0) + 1;
    } else if (*i.attendance == "late") {
      ++remote;  // late through the join link
    }
  }
  o["remote"] = remote;
  return o;
}

bj::object my_json(const Loaded& l) {
  const Access& a = l.a;
  bool live = l.m.state == "live";
  bj::object can{{"edit", a.staff && (l.m.state == "draft" || l.m.state == "scheduled")},
                 {"change_state", a.staff || (a.chair && (l.m.state == "scheduled" || l.m.state == "live"))},
                 {"run", a.runs()},
                 {"write_minutes", a.records()},
                 {"check_in_by_hand", a.records()},
                 {"reply", a.inv.has_value() && (l.m.state == "scheduled" || l.m.state == "live")},
                 {"request_floor", live && a.inside()},
                 {"intervene", (live || l.m.state == "scheduled") && a.inside()},
                 {"comment", live && l.m.is_public && l.m.comments != "off"},
                 {"moderate", a.runs()},
                 {"see_video", a.inside() || a.host}};
  return bj::object{{"role", a.role()},
                    {"reply", a.inv ? jopt(a.inv->reply) : bj::value(nullptr)},
                    {"reason", a.inv ? bj::value(a.inv->reply_reason) : bj::value(nullptr)},
                    {"attendance", a.inv ? jopt(a.inv->attendance) : bj::value(nullptr)},
                    {"venue_id", a.inv ? jopt(a.inv->reply_venue_id) : bj::value(nullptr)},
                    {"can", std::move(can)}};
}

Result<bj::object> summary_json(Conn& /*c*/, const Loaded& l, const std::vector<store::Venue>& vs) {
  const auto& m = l.m;
  bj::value main = nullptr;
  for (const auto& v : vs)
    if (v.main) main = bj::object{{"name", v.name}, {"address", v.address}};
  return bj::object{{"id", m.id},
                    {"org_id", m.org_id},
                    {"org_name", m.org_name},
                    {"title", m.title},
                    {"topic", m.topic},
                    {"starts_at", format_iso8601(m.starts_at)},
                    {"ends_at", format_iso8601(m.ends_at)},
                    {"state", m.state},
                    {"public", m.is_public},
                    {"venue_count", static_cast<int64_t>(vs.size())},
                    {"main_venue", std::move(main)},
                    {"my_reply", l.a.inv ? jopt(l.a.inv->reply) : bj::value(nullptr)}};
}

Result<bj::object> meeting_json(Conn& c, const Loaded& l, int64_t online) {
  const auto& m = l.m;
  SL_ASSIGN(auto vs, store::venues(c, m.id));
  SL_ASSIGN(bj::object o, summary_json(c, l, vs));
  o["description"] = m.description;
  o["deliberation_id"] = jopt(m.deliberation_id);
  o["topic_id"] = jopt(m.topic_id);
  o["comments"] = m.comments;
  o["hls_url"] = m.hls_url;
  o["video_url"] = (l.a.inside() || l.a.host) ? bj::value(m.video_url) : bj::value(nullptr);
  bj::array joint, chairs, secs;
  for (int64_t x : m.joint_org_ids) joint.push_back(x);
  for (int64_t x : m.chair_ids) chairs.push_back(x);
  for (int64_t x : m.secretary_ids) secs.push_back(x);
  o["joint_org_ids"] = std::move(joint);
  o["chair_ids"] = std::move(chairs);
  o["secretary_ids"] = std::move(secs);
  SL_ASSIGN(auto items, store::agenda(c, m.id));
  bj::array agenda;
  for (const auto& i : items)
    agenda.push_back(bj::object{{"id", i.id},
                                {"position", i.position},
                                {"title", i.title},
                                {"starts_at", iso_or_null(i.starts_at)},
                                {"minutes", jopt(i.minutes)},
                                {"speaker", i.speaker}});
  o["agenda"] = std::move(agenda);
  o["current_item_id"] = jopt(m.current_item_id);
  bj::array venues;
  for (const auto& v : vs)
    venues.push_back(bj::object{{"id", v.id},
                                {"name", v.name},
                                {"address", v.address},
                                {"capacity", jopt(v.capacity)},
                                {"host_id", jopt(v.host_id)},
                                {"host_name", v.host_id ? bj::value(v.host_name) : bj::value(nullptr)},
                                {"main", v.main}});
  o["venues"] = std::move(venues);
  SL_ASSIGN(auto invs, store::invitees(c, m.id));
  int64_t onsite = 0, remote = 0, excused = 0;
  for (const auto& i : invs) {
    if (i.reply == std::optional<std::string>("onsite")) ++onsite;
    if (i.reply == std::optional<std::string>("remote")) ++remote;
    if (i.reply == std::optional<std::string>("excused")) ++excused;
  }
  SL_ASSIGN(int64_t visible, store::visible_comment_count(c, m.id));
  o["counters"] = bj::object{{"invited", static_cast<int64_t>(invs.size())},
                             {"replied_onsite", onsite},
                             {"replied_remote", remote},
                             {"excused", excused},
                             {"present_by_venue", present_by_venue(invs)},
                             {"viewers_online", online},
                             {"comments", visible}};
  SL_ASSIGN(o["floor"], floor_of(c, m));
  SL_ASSIGN(auto outs, store::outcomes(c, m.id));
  bj::array oa;
  for (const auto& x : outs) oa.push_back(bj::object{{"type", x.type}, {"id", x.id}, {"title", x.title}});
  o["outcomes"] = std::move(oa);
  o["minutes_published"] = m.state == "published";
  o["latest_seq"] = m.last_seq;
  o["state_reason"] = m.state_reason;
  o["created_at"] = format_iso8601(m.created_at);
  o["updated_at"] = format_iso8601(m.updated_at);
  o["my"] = my_json(l);
  SL_ASSIGN(auto st, store::ledger_state(c, "meeting", m.id));
  o["ledger"] = ledger::record_json("meeting", m.id, st.value_or(ledger::RecordState{}));
  return o;
}

// The configurable fields of a meeting as a request gives them; absent ones stay as they are.
struct Lists {
  std::optional<std::vector<int64_t>> joint, chairs, secretaries;
  std::optional<std::vector<store::AgendaItem>> agenda;
  std::optional<std::vector<store::Venue>> venues;
  std::optional<bj::object> invite;
};

Status apply(store::MeetingRow& m, const bj::object& body, Lists& lists, bool creating) {
  if (body.contains("title") || creating) {
    SL_ASSIGN(auto t, json::opt_string(body, "title", 200));
    m.title = trim(t.value_or(""));
    if (m.title.empty()) return Error::Invalid("missing_field", "会议名称不能为空");
  }
  if (body.contains("topic")) {
    SL_ASSIGN(auto t, json::opt_string(body, "topic", 500));
    m.topic = trim(t.value_or(""));
  }
  if (body.contains("description")) {
    SL_ASSIGN(auto t, json::opt_string(body, "description", 20000));
    m.description = trim(t.value_or(""));
  }
  if (body.contains("deliberation_id")) {
    SL_ASSIGN(m.deliberation_id, json::opt_int(body, "deliberation_id"));
  }
  if (body.contains("topic_id")) {
    SL_ASSIGN(m.topic_id, json::opt_int(body, "topic_id"));
  }
  if (body.contains("starts_at") || creating) {
    SL_ASSIGN(m.starts_at, req_time(body, "starts_at"));
  }
  if (body.contains("ends_at") || creating) {
    SL_ASSIGN(m.ends_at, req_time(body, "ends_at"));
  }
  if (m.ends_at <= m.starts_at) return Error::Invalid("invalid_time", "结束时间须晚于开始时间");
  if (m.ends_at - m.starts_at > 7 * 24 * 60 * kMinute) return Error::Invalid("invalid_time", "会议时长不能超过 7 天");
  SL_ASSIGN(auto pub, json::opt_bool(body, "public"));
  if (pub) m.is_public = *pub;
  SL_ASSIGN(auto comments, json::opt_string(body, "comments", 20));
  if (comments) {
    if (*comments != "off" && *comments != "open" && *comments != "moderated")
      return Error::Invalid("invalid_comments", "comments 须为 off（关闭）、open（直接显示）或 moderated（先审后发）");
    m.comments = *comments;
  }
  for (const char* key : {"video_url", "hls_url"}) {
    if (!body.contains(key)) continue;
    SL_ASSIGN(auto u, json::opt_string(body, key, 1000));
    std::string url = trim(u.value_or(""));
    if (!valid_url(url)) return Error::Invalid("invalid_url", std::string(key) + " 须为 http(s) 地址");
    (std::string_view(key) == "video_url" ? m.video_url : m.hls_url) = url;
  }
  if (body.contains("joint_org_ids")) {
    SL_ASSIGN(auto v, id_list(body, "joint_org_ids", 20));
    lists.joint = std::move(v);
  }
  if (body.contains("chair_ids")) {
    SL_ASSIGN(auto v, id_list(body, "chair_ids", 20));
    lists.chairs = std::move(v);
  }
  if (body.contains("secretary_ids")) {
    SL_ASSIGN(auto v, id_list(body, "secretary_ids", 20));
    lists.secretaries = std::move(v);
  }
  if (auto it = body.find("agenda"); it != body.end()) {
    if (!it->value().is_array() || it->value().as_array().size() > 100)
      return Error::Invalid("invalid_agenda", "agenda 须为不超过 100 项的数组");
    std::vector<store::AgendaItem> items;
    for (const auto& v : it->value().as_array()) {
      if (!v.is_object()) return Error::Invalid("invalid_agenda", "议程每一项须为对象");
      const auto& o = v.as_object();
      store::AgendaItem a;
      SL_ASSIGN(auto t, json::opt_string(o, "title", 300));
      a.title = trim(t.value_or(""));
      if (a.title.empty()) return Error::Invalid("invalid_agenda", "议程每一项须有标题");
      SL_ASSIGN(a.starts_at, opt_time(o, "starts_at"));
      SL_ASSIGN(a.minutes, json::opt_int(o, "minutes"));
      if (a.minutes && (*a.minutes < 1 || *a.minutes > 1440)) return Error::Invalid("invalid_agenda", "议程时长须在 1 到 1440 分钟之间");
      SL_ASSIGN(auto sp, json::opt_string(o, "speaker", 200));
      a.speaker = trim(sp.value_or(""));
      items.push_back(std::move(a));
    }
    lists.agenda = std::move(items);
  }
  if (auto it = body.find("venues"); it != body.end()) {
    if (!it->value().is_array() || it->value().as_array().size() > 100)
      return Error::Invalid("invalid_venues", "venues 须为不超过 100 个会场的数组");
    std::vector<store::Venue> vs;
    int mains = 0;
    for (const auto& v : it->value().as_array()) {
      if (!v.is_object()) return Error::Invalid("invalid_venues", "每个会场须为对象");
      const auto& o = v.as_object();
      store::Venue x;
      SL_ASSIGN(auto n, json::opt_string(o, "name", 200));
      x.name = trim(n.value_or(""));
      if (x.name.empty()) return Error::Invalid("invalid_venues", "每个会场须有名称");
      SL_ASSIGN(auto addr, json::opt_string(o, "address", 500));
      x.address = trim(addr.value_or(""));
      SL_ASSIGN(x.capacity, json::opt_int(o, "capacity"));
      if (x.capacity && (*x.capacity < 0 || *x.capacity > 1000000)) return Error::Invalid("invalid_venues", "会场容量须在 0 到 1000000 之间");
      SL_ASSIGN(x.host_id, json::opt_int(o, "host_id"));
      SL_ASSIGN(auto main, json::opt_bool(o, "main"));
      x.main = main.value_or(false);
      mains += x.main;
      vs.push_back(std::move(x));
    }
    if (mains > 1) return Error::Invalid("invalid_venues", "只能有一个主会场");
    if (!vs.empty() && mains == 0) vs.front().main = true;
    lists.venues = std::move(vs);
  }
  if (auto it = body.find("invite"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_object()) return Error::Invalid("invalid_invite", "invite 须为对象");
    lists.invite = it->value().as_object();
  }
  if (creating && !lists.venues) lists.venues = std::vector<store::Venue>{};
  return Ok();
}

// Expands an invitation rule into people; checks that departments and sectors exist.
Result<std::vector<int64_t>> invited_people(Conn& c, const store::MeetingRow& m, const bj::object& invite) {
  SL_ASSIGN(auto persons, id_list(invite, "person_ids"));
  SL_ASSIGN(auto sectors, id_list(invite, "sector_ids", 100));
  SL_ASSIGN(auto depts, id_list(invite, "department_ids", 100));
  SL_ASSIGN(auto all, json::opt_bool(invite, "all_members"));
  std::vector<int64_t> out;
  auto add = [&](int64_t p) {
    if (!contains(out, p)) out.push_back(p);
  };
  for (int64_t p : persons) {
    SL_ASSIGN(bool ok, store::person_exists(c, p));
    if (!ok) return Error::Invalid("invalid_person", "人员 " + std::to_string(p) + " 不存在");
    add(p);
  }
  for (int64_t s : sectors) {
    SL_ASSIGN(auto row, c.query_one("SELECT 1 FROM sectors WHERE id = ?", {s}));
    if (!row) return Error::Invalid("invalid_sector", "界别 " + std::to_string(s) + " 不存在");
  }
  SL_ASSIGN(auto sp, store::people_of_sectors(c, sectors));
  for (int64_t p : sp) add(p);
  for (int64_t d : depts) {
    SL_ASSIGN(auto row, c.query_one("SELECT 1 FROM orgs WHERE id = ?", {d}));
    if (!row) return Error::Invalid("invalid_department", "部门 " + std::to_string(d) + " 不存在");
  }
  SL_ASSIGN(auto rp, store::responders_of(c, depts));
  for (int64_t p : rp) add(p);
  if (all.value_or(false)) {
    SL_ASSIGN(auto mp, store::members_of(c, m.org_id));
    for (int64_t p : mp) add(p);
    for (int64_t o : m.joint_org_ids) {
      SL_ASSIGN(auto jp, store::members_of(c, o));
      for (int64_t p : jp) add(p);
    }
  }
  if (out.size() > 20000) return Error::Invalid("invalid_invite", "一次会议最多邀请 20000 人");
  return out;
}

Status check_people(Conn& c, const std::vector<int64_t>& ids) {
  for (int64_t p : ids) {
    SL_ASSIGN(bool ok, store::person_exists(c, p));
    if (!ok) return Error::Invalid("invalid_person", "人员 " + std::to_string(p) + " 不存在");
  }
  return Ok();
}

// Writes the lists a request gave (inside the caller's transaction).
Status write_lists(Conn& c, const Caller& caller, store::MeetingRow& m, const Lists& lists) {
  if (lists.joint) {
    for (int64_t o : *lists.joint) {
      SL_ASSIGN(auto r, c.query_one("SELECT path FROM orgs WHERE id = ?", {o}));
      if (!r) return Error::Invalid("invalid_org", "组织 " + std::to_string(o) + " 不存在");
    }
    std::vector<int64_t> joint;
    for (int64_t o : *lists.joint)
      if (o != m.org_id) joint.push_back(o);
    SL_TRY(store::replace_orgs(c, m.id, joint));
    m.joint_org_ids = joint;
  }
  if (lists.chairs) {
    SL_TRY(check_people(c, *lists.chairs));
    SL_TRY(store::replace_roles(c, m.id, "chair", *lists.chairs));
  }
  if (lists.secretaries) {
    SL_TRY(check_people(c, *lists.secretaries));
    SL_TRY(store::replace_roles(c, m.id, "secretary", *lists.secretaries));
  }
  if (lists.agenda) SL_TRY(store::replace_agenda(c, m.id, *lists.agenda));
  if (lists.venues) {
    for (const auto& v : *lists.venues)
      if (v.host_id) SL_TRY(check_people(c, {*v.host_id}));
    SL_TRY(store::replace_venues(c, m.id, *lists.venues));
  }
  if (lists.invite) {
    SL_ASSIGN(auto people, invited_people(c, m, *lists.invite));
    SL_TRY(store::sync_invitees(c, m.id, people));
    m.invite = bj::serialize(*lists.invite);
  }
  (void)caller;
  return Ok();
}

// Texts of the meeting's notifications in the recipient's language.
struct Texts {
  const char* invited_title;
  const char* invited_body;
  const char* reminder_title;
  const char* reminder_body;
  const char* cancelled_title;
  const char* cancelled_body;
};

const Texts& texts_of(std::string_view locale) {
  static const Texts zh_cn{"会议邀请：「{title}」", "{org}邀请您参加「{title}」，时间 {when}。请回复现场参会、远程参会或请假；日历文件：{ics}",
                           "会议提醒：「{title}」即将开始", "「{title}」将于 {when} 开始。",
                           "会议取消：「{title}」", "原定于 {when} 的「{title}」已取消。{reason}"};
  static const Texts zh_tw{"會議邀請：「{title}」", "{org}邀請您參加「{title}」，時間 {when}。請回覆現場參會、遠程參會或請假；日曆檔案：{ics}",
                           "會議提醒：「{title}」即將開始", "「{title}」將於 {when} 開始。",
                           "會議取消：「{title}」", "原定於 {when} 的「{title}」已取消。{reason}"};
  static const Texts en{"Meeting invitation: \"{title}\"",
                        "{org} invites you to \"{title}\" at {when}. Please reply: on site, remote or excused. Calendar file: {ics}",
                        "Reminder: \"{title}\" starts soon", "\"{title}\" starts at {when}.",
                        "Meeting cancelled: \"{title}\"", "\"{title}\" ({when}) has been cancelled. {reason}"};
  if (locale == "zh-TW") return zh_tw;
  if (locale == "en") return en;
  return zh_cn;
}

std::string fill(std::string_view tmpl, const std::map<std::string, std::string>& vars) {
  std::string out(tmpl);
  for (const auto& [k, v] : vars) {
    std::string key = "{" + k + "}";
    for (size_t pos = out.find(key); pos != std::string::npos; pos = out.find(key, pos + v.size())) out.replace(pos, key.size(), v);
  }
  return out;
}

// Beijing time for texts people read (the platform's users are in China).
std::string when_text(TimeMs t) {
  std::string iso = format_iso8601(t + 8 * 3600 * 1000);
  return iso.substr(0, 10) + " " + iso.substr(11, 5) + "（北京时间）";
}

enum class Note { kInvited, kReminder, kCancelled };

Status notify_invitees(Conn& c, const store::MeetingRow& m, Note kind, TimeMs now, const std::string& public_url,
                       const std::string& reason) {
  SL_ASSIGN(auto invs, store::invitees(c, m.id));
  std::string link = "/meetings/" + std::to_string(m.id);
  std::map<std::string, std::string> vars{{"title", m.title},
                                          {"org", m.org_name},
                                          {"when", when_text(m.starts_at)},
                                          {"ics", public_url + "/api/v1/meetings/" + std::to_string(m.id) + "/calendar.ics"},
                                          {"reason", reason}};
  for (const auto& i : invs) {
    if (kind == Note::kReminder && i.reply == std::optional<std::string>("excused")) continue;
    SL_ASSIGN(std::string locale, store::person_locale(c, i.person_id));
    const Texts& t = texts_of(locale);
    const char* title = kind == Note::kInvited ? t.invited_title : kind == Note::kReminder ? t.reminder_title : t.cancelled_title;
    const char* body = kind == Note::kInvited ? t.invited_body : kind == Note::kReminder ? t.reminder_body : t.cancelled_body;
    const char* k = kind == Note::kInvited ? "meeting.invited" : kind == Note::kReminder ? "meeting.reminder" : "meeting.cancelled";
    SL_TRY(notifications::notify_at(c, now, i.person_id, k, fill(title, vars), fill(body, vars), link));
  }
  return Ok();
}

// The check-in token: "<meeting>.<venue>.<not_before>.<expires_at>.<hmac hex, 32 chars>".
std::string sign(const std::string& key_hex, const std::string& msg) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::string key = key_hex;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
       out, &len);
  return hex_encode(std::string_view(reinterpret_cast<const char*>(out), len)).substr(0, 32);
}

struct Token {
  int64_t meeting = 0, venue = 0;
  TimeMs not_before = 0, expires_at = 0;
};

std::optional<Token> parse_token(const std::string& key, std::string_view t) {
  if (t.size() > 200) return std::nullopt;
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= t.size(); ++i)
    if (i == t.size() || t[i] == '.') {
      parts.push_back(t.substr(start, i - start));
      start = i + 1;
    }
  if (parts.size() != 5) return std::nullopt;
  int64_t v[4];
  for (int i = 0; i < 4; ++i) {
    auto [p, ec] = std::from_chars(parts[i].data(), parts[i].data() + parts[i].size(), v[i]);
    if (ec != std::errc() || p != parts[i].data() + parts[i].size()) return std::nullopt;
  }
  std::string msg(t.substr(0, t.size() - parts[4].size() - 1));
  std::string expect = sign(key, msg);
  if (expect.size() != parts[4].size() || CRYPTO_memcmp(expect.data(), parts[4].data(), expect.size()) != 0) return std::nullopt;
  return Token{v[0], v[1], v[2], v[3]};
}

}  // namespace

MeetingsService::MeetingsService(storage::Database& db, const Clock& clock, ledger::Ledger& ledger, pubsub::Bus& bus,
                                 std::string checkin_key, Options options)
    : db_(db), clock_(clock), ledger_(ledger), bus_(bus), key_(std::move(checkin_key)), opts_(std::move(options)) {}

namespace {
void publish_all(pubsub::Bus& bus, std::vector<pubsub::Message>& msgs) {
  for (auto& m : msgs) bus.publish(std::move(m));
  msgs.clear();
}
}  // namespace

void MeetingsService::publish_counters(int64_t id, TimeMs now) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& last = counters_at_[id];
    if (now - last < 1000) return;
    last = now;
  }
  auto data = db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto invs, store::invitees(c, id));
    SL_ASSIGN(int64_t visible, store::visible_comment_count(c, id));
    return bj::object{{"present_by_venue", present_by_venue(invs)},
                      {"viewers_online", online_ ? online_(id) : int64_t{0}},
                      {"comments", visible}};
  });
  if (!data.ok()) return;
  bus_.publish(pubsub::Message{
      room_of(id), 0,
      bj::serialize(bj::object{{"type", "counters"}, {"seq", 0}, {"at", format_iso8601(now)}, {"data", std::move(*data)}})});
}

// ---- meetings -----------------------------------------------------------------------------

Result<bj::object> MeetingsService::list(const Caller& caller, const ListFilter& f, int64_t before, int limit) {
  static const std::set<std::string> kStates{"draft", "scheduled", "live", "ended", "published", "cancelled"};
  if (f.state && !kStates.count(*f.state)) return Error::Invalid("invalid_state", "state 不是有效的会议状态");
  if (f.mine && caller.person_id == 0) return Error::Unauthenticated();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    std::vector<bj::object> page;
    int64_t cursor = before > 0 ? before : INT64_MAX;
    std::optional<int64_t> mine = f.mine ? std::optional<int64_t>(caller.person_id) : std::nullopt;
    for (int rounds = 0; rounds < 20; ++rounds) {
      SL_ASSIGN(auto rows, store::list_meetings(c, f, mine, cursor, limit * 2 + 1));
      for (auto& r : rows) {
        cursor = r.id;
        SL_ASSIGN(auto full, store::find_meeting(c, r.id));
        if (!full) continue;
        SL_ASSIGN(Access a, access_of(c, *full, caller));
        if (!a.view) continue;
        SL_ASSIGN(auto vs, store::venues(c, r.id));
        Loaded l{std::move(*full), std::move(a)};
        SL_ASSIGN(auto o, summary_json(c, l, vs));
        page.push_back(std::move(o));
        if (static_cast<int>(page.size()) > limit) break;
      }
      if (static_cast<int>(page.size()) > limit || static_cast<int>(rows.size()) < limit * 2 + 1) break;
    }
    std::optional<int64_t> next;
    if (static_cast<int>(page.size()) > limit) {
      page.pop_back();
      next = page.back().at("id").as_int64();
    }
    bj::array items;
    for (auto& o : page) items.push_back(std::move(o));
    return routes::page(std::move(items), next);
  });
}

Result<bj::object> MeetingsService::create(const Caller& caller, const bj::object& body) {
  SL_TRY(require_person(caller));
  SL_ASSIGN(int64_t org_id, json::req_int(body, "org_id"));
  store::MeetingRow m;
  m.org_id = org_id;
  Lists lists;
  SL_TRY(apply(m, body, lists, true));
  if (!body.contains("public")) return Error::Invalid("missing_field", "缺少必填字段 public");
  m.created_by = caller.person_id ? std::optional<int64_t>(caller.person_id) : std::nullopt;
  TimeMs now = clock_.now_ms();
  SL_ASSIGN(int64_t id, db_.write_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_TRY(access::check(c, caller, m.org_id, Action::kDeliberationManage));
    SL_ASSIGN(m.org_path, access::org_path(c, m.org_id));
    SL_ASSIGN(m.id, store::insert_meeting(c, m, now));
    SL_TRY(write_lists(c, caller, m, lists));
    if (lists.invite) SL_TRY(store::update_meeting(c, m, now));
    SL_TRY(record_entry(c, ledger_, caller, "meeting.created", "meeting", m.id));
    return m.id;
  }));
  return get(caller, id);
}

Result<bj::object> MeetingsService::get(const Caller& caller, int64_t id) {
  int64_t online = online_ ? online_(id) : 0;
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    return meeting_json(c, l, online);
  });
}

Result<bj::object> MeetingsService::update(const Caller& caller, int64_t id, const bj::object& body) {
  SL_TRY(require_person(caller));
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.staff) return Error::Forbidden("只有主办方工作人员可以修改会议");
    if (l.m.state != "draft" && l.m.state != "scheduled")
      return Error::Conflict("meeting_not_editable", "会议已开始或已结束，不能再修改");
    Lists lists;
    SL_TRY(apply(l.m, body, lists, false));
    SL_TRY(write_lists(c, caller, l.m, lists));
    SL_TRY(store::update_meeting(c, l.m, now));
    return record_entry(c, ledger_, caller, "meeting.updated", "meeting", id);
  }));
  return get(caller, id);
}

Result<bj::object> MeetingsService::set_state(const Caller& caller, int64_t id, const std::string& state, const std::string& reason) {
  SL_TRY(require_person(caller));
  static const std::set<std::string> kStates{"scheduled", "live", "ended", "published", "cancelled"};
  if (!kStates.count(state)) return Error::Invalid("invalid_state", "state 须为 scheduled、live、ended、published 或 cancelled");
  TimeMs now = clock_.now_ms();
  std::vector<pubsub::Message> msgs;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    msgs.clear();
    SL_ASSIGN(Loaded l, load(c, caller, id));
    const std::string& from = l.m.state;
    bool ok = (from == "draft" && (state == "scheduled" || state == "cancelled")) ||
              (from == "scheduled" && (state == "live" || state == "cancelled")) || (from == "live" && state == "ended") ||
              (from == "ended" && state == "published");
    if (!ok)
      return Error::Conflict("invalid_transition", "会议状态不能从 " + from + " 变为 " + state +
                                                       "（顺序为 草稿 → 已安排 → 进行中 → 已结束 → 已发布；草稿或已安排可取消）");
    bool chair_may = l.a.chair && (state == "live" || state == "ended");
    if (!l.a.staff && !chair_may) return Error::Forbidden("只有主办方工作人员（开始、结束会议也可由主持人）可以改变会议状态");
    if (state == "cancelled" && trim(reason).empty()) return Error::Invalid("missing_reason", "取消会议须说明理由");
    SL_TRY(store::set_state(c, id, state, trim(reason), now));
    l.m.state = state;
    if (state == "scheduled") SL_TRY(notify_invitees(c, l.m, Note::kInvited, now, opts_.public_url, ""));
    if (state == "cancelled" && from == "scheduled")
      SL_TRY(notify_invitees(c, l.m, Note::kCancelled, now, opts_.public_url, trim(reason)));
    if (state == "ended") {
      // The turn in progress ends; invitees with no attendance become absent (or excused).
      if (l.m.floor_request_id) {
        SL_TRY(store::set_queue_state(c, *l.m.floor_request_id, "done", std::nullopt, now, std::nullopt));
        SL_TRY(store::set_floor(c, id, std::nullopt, std::nullopt, std::nullopt));
        SL_TRY(emit(c, msgs, id, "floor.ended", bj::object{{"request_id", *l.m.floor_request_id}}, now));
      }
      SL_ASSIGN(auto invs, store::invitees(c, id));
      for (const auto& i : invs) {
        if (i.attendance) continue;
        bool excused = i.reply == std::optional<std::string>("excused");
        SL_TRY(store::set_attendance(c, i.id, excused ? "excused" : "absent", std::nullopt, std::nullopt, false,
                                     excused ? i.reply_reason : std::string()));
        SL_TRY(record_entry(c, ledger_, caller, "meeting.attendance", "meeting_attendance", i.id));
      }
    }
    SL_TRY(record_entry(c, ledger_, caller, "meeting.state", "meeting", id));
    if (state == "published") SL_TRY(record_entry(c, ledger_, caller, "meeting.minutes", "meeting_minutes", id));
    return emit(c, msgs, id, "meeting.state", bj::object{{"state", state}, {"previous", from}}, now);
  }));
  publish_all(bus_, msgs);
  return get(caller, id);
}

Result<bj::object> MeetingsService::set_current_item(const Caller& caller, int64_t id, int64_t item_id) {
  SL_TRY(require_person(caller));
  TimeMs now = clock_.now_ms();
  std::vector<pubsub::Message> msgs;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    msgs.clear();
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.runs()) return Error::Forbidden("只有主持人或工作人员可以切换议程");
    if (l.m.state != "live" && l.m.state != "scheduled") return Error::Conflict("meeting_not_live", "会议未在进行中");
    SL_ASSIGN(auto items, store::agenda(c, id));
    if (std::none_of(items.begin(), items.end(), [&](const auto& a) { return a.id == item_id; }))
      return Error::Invalid("invalid_agenda_item", "议程项不属于本次会议");
    SL_TRY(store::set_current_item(c, id, item_id));
    return emit(c, msgs, id, "meeting.item", bj::object{{"agenda_item_id", item_id}}, now);
  }));
  publish_all(bus_, msgs);
  return get(caller, id);
}

// ---- invitees, replies, calendar ------------------------------------------------------------

Result<bj::object> MeetingsService::invitees(const Caller& caller, int64_t id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!(l.a.runs() || l.a.records())) return Error::Forbidden("只有工作人员、主持人和记录员可以查看邀请名单");
    SL_ASSIGN(auto invs, store::invitees(c, id));
    bj::array items;
    for (const auto& i : invs) items.push_back(invitee_json(i));
    return bj::object{{"items", std::move(items)}};
  });
}

Result<bj::object> MeetingsService::reply(const Caller& caller, int64_t id, const bj::object& body) {
  SL_TRY(require_person(caller));
  SL_ASSIGN(std::string reply, json::req_string(body, "reply", 20));
  if (reply != "onsite" && reply != "remote" && reply != "excused")
    return Error::Invalid("invalid_reply", "reply 须为 onsite（现场参会）、remote（远程参会）或 excused（请假）");
  SL_ASSIGN(auto reason_in, json::opt_string(body, "reason", 1000));
  std::string reason = trim(reason_in.value_or(""));
  if (reply == "excused" && reason.empty()) return Error::Invalid("missing_reason", "请假须说明理由");
  SL_ASSIGN(auto venue_id, json::opt_int(body, "venue_id"));
  TimeMs now = clock_.now_ms();
  return db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.inv) return Error::Forbidden("您不在本次会议的邀请名单中");
    if (l.m.state != "scheduled" && l.m.state != "live") return Error::Conflict("meeting_not_open", "会议尚未安排或已经结束，不能回复");
    std::optional<int64_t> venue;
    if (reply == "onsite") {
      SL_ASSIGN(auto vs, store::venues(c, id));
      if (venue_id) {
        if (std::none_of(vs.begin(), vs.end(), [&](const auto& v) { return v.id == *venue_id; }))
          return Error::Invalid("invalid_venue", "会场不属于本次会议");
        venue = venue_id;
      } else {
        for (const auto& v : vs)
          if (v.main) venue = v.id;
      }
    }
    SL_TRY(store::set_reply(c, l.a.inv->id, reply, reason, venue, now));
    SL_TRY(record_entry(c, ledger_, caller, "meeting.reply", "meeting_attendance", l.a.inv->id));
    SL_ASSIGN(l.a.inv, store::invitee(c, id, caller.person_id));
    return my_json(l);
  });
}

Result<std::string> MeetingsService::calendar_ics(const Caller& caller, int64_t id) {
  TimeMs now = clock_.now_ms();
  return db_.read_value<std::string>([&](Conn& c) -> Result<std::string> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    SL_ASSIGN(auto vs, store::venues(c, id));
    IcsEvent e;
    std::string host = opts_.public_url;
    if (auto p = host.find("://"); p != std::string::npos) host = host.substr(p + 3);
    if (auto p = host.find_first_of("/:"); p != std::string::npos) host = host.substr(0, p);
    e.uid = "meeting-" + std::to_string(id) + "@" + (host.empty() ? std::string("shangliang") : host);
    e.summary = l.m.title;
    e.description = l.m.topic.empty() ? l.m.description : l.m.topic + "\n" + l.m.description;
    for (const auto& v : vs)
      if (v.main) e.location = v.address.empty() ? v.name : v.name + "，" + v.address;
    e.url = opts_.public_url + "/meetings/" + std::to_string(id);
    e.starts_at = l.m.starts_at;
    e.ends_at = l.m.ends_at;
    e.stamp = now;
    e.cancelled = l.m.state == "cancelled";
    return ics_calendar(e);
  });
}

// ---- check-in and attendance ----------------------------------------------------------------

Result<bj::object> MeetingsService::checkin_code(const Caller& caller, int64_t id, int64_t venue_id) {
  SL_TRY(require_person(caller));
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    SL_ASSIGN(auto vs, store::venues(c, id));
    auto v = std::find_if(vs.begin(), vs.end(), [&](const auto& x) { return x.id == venue_id; });
    if (v == vs.end()) return Error::NotFound("venue_not_found", "会场不存在");
    bool host = v->host_id && *v->host_id == caller.person_id;
    if (!(l.a.staff || l.a.secretary || host)) return Error::Forbidden("只有工作人员、记录员和本会场负责人可以取得签到码");
    if (l.m.state == "draft" || l.m.state == "cancelled") return Error::Conflict("meeting_not_scheduled", "会议尚未安排或已取消");
    TimeMs nb = l.m.starts_at - int64_t{opts_.checkin_open_before_min} * kMinute, exp = l.m.ends_at;
    std::string msg = std::to_string(id) + "." + std::to_string(venue_id) + "." + std::to_string(nb) + "." + std::to_string(exp);
    std::string token = msg + "." + sign(key_, msg);
    std::string url = opts_.public_url + "/meetings/" + std::to_string(id) + "/checkin?t=" + token;
    SL_ASSIGN(std::string svg, qr_svg(url));
    return bj::object{{"token", token},
                      {"url", url},
                      {"venue_id", venue_id},
                      {"not_before", format_iso8601(nb)},
                      {"expires_at", format_iso8601(exp)},
                      {"svg", svg}};
  });
}

Result<bj::object> MeetingsService::checkin(const Caller& caller, int64_t id, const std::string& token) {
  SL_TRY(require_person(caller));
  auto t = parse_token(key_, token);
  if (!t || t->meeting != id) return Error::Invalid("checkin_invalid", "签到码无效");
  TimeMs now = clock_.now_ms();
  if (now < t->not_before || now > t->expires_at) return Error::Invalid("checkin_expired", "签到码不在有效时间内");
  std::vector<pubsub::Message> msgs;
  SL_ASSIGN(auto out, db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    msgs.clear();
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (l.m.state == "cancelled") return Error::Invalid("checkin_invalid", "会议已取消");
    if (!l.a.inv) return Error{Code::kForbidden, "not_invited", "您不在本次会议的邀请名单中", {}};
    SL_ASSIGN(auto vs, store::venues(c, id));
    if (std::none_of(vs.begin(), vs.end(), [&](const auto& v) { return v.id == t->venue; }))
      return Error::Invalid("checkin_invalid", "签到码对应的会场已不存在");
    const auto& inv = *l.a.inv;
    if (inv.attendance && (*inv.attendance == "present" || *inv.attendance == "late") && inv.attendance_venue_id == t->venue)
      return bj::object{{"attendance", *inv.attendance}, {"venue_id", t->venue}, {"checked_in_at", iso_or_null(inv.checked_in_at)}};
    std::string status = now > l.m.starts_at + int64_t{opts_.late_after_min} * kMinute ? "late" : "present";
    SL_TRY(store::set_attendance(c, inv.id, status, t->venue, now, false, ""));
    SL_TRY(record_entry(c, ledger_, caller, "meeting.attendance", "meeting_attendance", inv.id));
    SL_ASSIGN(auto invs, store::invitees(c, id));
    SL_TRY(emit(c, msgs, id, "attendance.changed", bj::object{{"present_by_venue", present_by_venue(invs)}}, now));
    return bj::object{{"attendance", status}, {"venue_id", t->venue}, {"checked_in_at", format_iso8601(now)}};
  }));
  publish_all(bus_, msgs);
  publish_counters(id, now);
  return out;
}

Result<bj::object> MeetingsService::join(const Caller& caller, int64_t id) {
  SL_TRY(require_person(caller));
  TimeMs now = clock_.now_ms();
  std::vector<pubsub::Message> msgs;
  SL_ASSIGN(auto out, db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    msgs.clear();
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.inside() && !l.a.host) return Error{Code::kForbidden, "not_invited", "您不在本次会议的参会名单中", {}};
    bool window = l.m.state == "scheduled" && now >= l.m.starts_at - int64_t{opts_.checkin_open_before_min} * kMinute &&
                  now <= l.m.ends_at;
    if (l.m.state != "live" && !window) return Error::Conflict("meeting_not_live", "会议尚未开始或已经结束");
    std::string status = "remote";
    if (l.a.inv) {
      const auto& inv = *l.a.inv;
      if (inv.attendance && *inv.attendance != "absent" && *inv.attendance != "excused") {
        status = *inv.attendance;
      } else {
        status = now > l.m.starts_at + int64_t{opts_.late_after_min} * kMinute ? "late" : "remote";
        SL_TRY(store::set_attendance(c, inv.id, status, std::nullopt, now, false, ""));
        SL_TRY(record_entry(c, ledger_, caller, "meeting.attendance", "meeting_attendance", inv.id));
        SL_ASSIGN(auto invs, store::invitees(c, id));
        SL_TRY(emit(c, msgs, id, "attendance.changed", bj::object{{"present_by_venue", present_by_venue(invs)}}, now));
      }
    }
    return bj::object{{"video_url", l.m.video_url}, {"attendance", status}};
  }));
  publish_all(bus_, msgs);
  publish_counters(id, now);
  return out;
}

Result<bj::object> MeetingsService::set_attendance(const Caller& caller, int64_t id, int64_t person_id, const bj::object& body) {
  SL_TRY(require_person(caller));
  SL_ASSIGN(std::string status, json::req_string(body, "status", 20));
  static const std::set<std::string> kStatus{"present", "remote", "late", "excused", "absent"};
  if (!kStatus.count(status)) return Error::Invalid("invalid_status", "status 须为 present、remote、late、excused 或 absent");
  SL_ASSIGN(auto reason_in, json::opt_string(body, "reason", 1000));
  std::string reason = trim(reason_in.value_or(""));
  if (reason.empty()) return Error::Invalid("missing_reason", "人工登记须说明理由");
  SL_ASSIGN(auto venue_id, json::opt_int(body, "venue_id"));
  TimeMs now = clock_.now_ms();
  std::vector<pubsub::Message> msgs;
  SL_ASSIGN(auto out, db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    msgs.clear();
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.records()) return Error::Forbidden("只有工作人员和记录员可以人工登记出席");
    if (l.m.state == "draft" || l.m.state == "cancelled") return Error::Conflict("meeting_not_scheduled", "会议尚未安排或已取消");
    SL_ASSIGN(auto inv, store::invitee(c, id, person_id));
    if (!inv) return Error::NotFound("invitee_not_found", "此人不在本次会议的邀请名单中");
    if (venue_id) {
      SL_ASSIGN(auto vs, store::venues(c, id));
      if (std::none_of(vs.begin(), vs.end(), [&](const auto& v) { return v.id == *venue_id; }))
        return Error::Invalid("invalid_venue", "会场不属于本次会议");
    }
    bool here = status == "present" || status == "late" || status == "remote";
    SL_TRY(store::set_attendance(c, inv->id, status, status == "remote" ? std::nullopt : venue_id,
                                 here ? std::optional<TimeMs>(now) : std::nullopt, true, reason));
    SL_TRY(record_entry(c, ledger_, caller, "meeting.attendance", "meeting_attendance", inv->id));
    SL_ASSIGN(auto invs, store::invitees(c, id));
    SL_TRY(emit(c, msgs, id, "attendance.changed", bj::object{{"present_by_venue", present_by_venue(invs)}}, now));
    SL_ASSIGN(auto after, store::invitee(c, id, person_id));
    return attendance_item(*after);
  }));
  publish_all(bus_, msgs);
  publish_counters(id, now);
  return out;
}

Result<bj::object> MeetingsService::attendance(const Caller& caller, int64_t id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!(l.a.runs() || l.a.records() || l.m.state == "published"))
      return Error::Forbidden("出席情况在会议记录发布后公开");
    SL_ASSIGN(auto invs, store::invitees(c, id));
    bj::array items;
    bj::object counts;
    for (const auto& i : invs) {
      items.push_back(attendance_item(i));
      std::string k = i.attendance.value_or("unknown");
      counts[k] = (counts.contains(k) ? counts[k].as_int64() : 0) + 1;
    }
    return bj::object{{"items", std::move(items)}, {"by_venue", present_by_venue(invs)}, {"by_status", std::move(counts)}};
  });
}

Result<bj::object> MeetingsService::person_attendance(const Caller& caller, int64_t person_id) {
  SL_TRY(require_person(caller));
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    bool ok = caller.superadmin || caller.person_id == person_id;
    if (!ok) {
      SL_ASSIGN(auto paths, store::member_org_paths(c, person_id));
      for (const auto& p : paths)
        if (access::allowed(caller, p, Action::kMemberRead)) ok = true;
    }
    if (!ok) return Error::NotFound("person_not_found", "人员不存在");
    SL_ASSIGN(auto rows, store::meetings_of_person(c, person_id));
    bj::array items;
    for (const auto& r : rows)
      items.push_back(bj::object{{"meeting_id", r.meeting_id},
                                 {"title", r.title},
                                 {"starts_at", format_iso8601(r.starts_at)},
                                 {"status", jopt(r.status)}});
    return bj::object{{"items", std::move(items)}};
  });
}

// ---- speaking queue -----------------------------------------------------------------------

Result<bj::object> MeetingsService::queue(const Caller& caller, int64_t id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.inside()) return Error::Forbidden("只有参会人员可以查看发言排队");
    SL_ASSIGN(auto q, store::queue(c, id, true));
    bj::array items;
    for (const auto& x : q) items.push_back(queue_json(x));
    SL_ASSIGN(auto floor, floor_of(c, l.m));
    return bj::object{{"items", std::move(items)}, {"floor", std::move(floor)}};
  });
}

Result<bj::object> MeetingsService::request_floor(const Caller& caller, int64_t id, const bj::object& body) {
  SL_TRY(require_person(caller));
  SL_ASSIGN(auto item, json::opt_int(body, "agenda_item_id"));
  SL_ASSIGN(auto note_in, json::opt_string(body, "note", 500));
  TimeMs now = clock_.now_ms();
  std::vector<pubsub::Message> msgs;
  SL_ASSIGN(auto out, db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    msgs.clear();
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.inside()) return Error::Forbidden("只有参会人员可以申请发言");
    if (l.m.state != "live") return Error::Conflict("meeting_not_live", "会议未在进行中");
    if (item) {
      SL_ASSIGN(auto items, store::agenda(c, id));
      if (std::none_of(items.begin(), items.end(), [&](const auto& a) { return a.id == *item; }))
        return Error::Invalid("invalid_agenda_item", "议程项不属于本次会议");
    }
    SL_ASSIGN(bool waiting, store::has_waiting(c, id, caller.person_id));
    if (waiting) return Error::Conflict("already_queued", "您已在发言排队中");
    store::QueueItem q;
    q.meeting_id = id;
    q.person_id = caller.person_id;
    q.agenda_item_id = item ? item : l.m.current_item_id;
    q.note = trim(note_in.value_or(""));
    q.remote = l.a.inv && (l.a.inv->attendance == std::optional<std::string>("remote") ||
                           (!l.a.inv->attendance && l.a.inv->reply == std::optional<std::string>("remote")));
    q.requested_at = now;
    SL_ASSIGN(int64_t rid, store::insert_queue_item(c, q));
    SL_ASSIGN(auto saved, store::queue_item(c, id, rid));
    bj::object o = queue_json(*saved);
    SL_TRY(emit(c, msgs, id, "queue.requested", o, now));
    return o;
  }));
  publish_all(bus_, msgs);
  return out;
}

Status MeetingsService::withdraw(const Caller& caller, int64_t id, int64_t request_id) {
  SL_TRY(require_person(caller));
  TimeMs now = clock_.now_ms();
  std::vector<pubsub::Message> msgs;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    msgs.clear();
    SL_ASSIGN(Loaded l, load(c, caller, id));
    SL_ASSIGN(auto q, store::queue_item(c, id, request_id));
    if (!q) return Error::NotFound("request_not_found", "发言申请不存在");
    if (q->person_id != caller.person_id && !l.a.runs()) return Error::Forbidden("只有申请人或主持人可以撤回发言申请");
    if (q->state != "waiting") return Error::Conflict("request_not_waiting", "该发言申请已不在排队中");
    SL_TRY(store::set_queue_state(c, request_id, "withdrawn", std::nullopt, now, std::nullopt));
    return emit(c, msgs, id, "queue.withdrawn", bj::object{{"id", request_id}}, now);
  }));
  publish_all(bus_, msgs);
  return Ok();
}

Result<bj::object> MeetingsService::give_floor(const Caller& caller, int64_t id, int64_t request_id, int64_t seconds) {
  SL_TRY(require_person(caller));
  if (seconds < 30 || seconds > 1800) return Error::Invalid("invalid_seconds", "发言时长须在 30 到 1800 秒之间");
  TimeMs now = clock_.now_ms();
  std::vector<pubsub::Message> msgs;
  SL_ASSIGN(auto out, db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    msgs.clear();
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.runs()) return Error::Forbidden("只有主持人可以安排发言");
    if (l.m.state != "live") return Error::Conflict("meeting_not_live", "会议未在进行中");
    SL_ASSIGN(auto q, store::queue_item(c, id, request_id));
    if (!q) return Error::NotFound("request_not_found", "发言申请不存在");
    if (q->state != "waiting") return Error::Conflict("request_not_waiting", "该发言申请已不在排队中");
    if (l.m.floor_request_id) {
      SL_TRY(store::set_queue_state(c, *l.m.floor_request_id, "done", std::nullopt, now, std::nullopt));
      SL_TRY(emit(c, msgs, id, "floor.ended", bj::object{{"request_id", *l.m.floor_request_id}}, now));
    }
    SL_TRY(store::set_queue_state(c, request_id, "speaking", now, std::nullopt, seconds));
    SL_TRY(store::set_floor(c, id, request_id, now, seconds));
    l.m.floor_request_id = request_id;
    l.m.floor_started_at = now;
    l.m.floor_seconds = seconds;
    bj::object f = floor_json(l.m, *q);
    SL_TRY(emit(c, msgs, id, "floor.given", f, now));
    return f;
  }));
  publish_all(bus_, msgs);
  return out;
}

Status MeetingsService::end_floor(const Caller& caller, int64_t id) {
  SL_TRY(require_person(caller));
  TimeMs now = clock_.now_ms();
  std::vector<pubsub::Message> msgs;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    msgs.clear();
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.runs()) return Error::Forbidden("只有主持人可以结束发言");
    if (!l.m.floor_request_id) return Error::Conflict("no_floor", "当前没有人在发言");
    SL_TRY(store::set_queue_state(c, *l.m.floor_request_id, "done", std::nullopt, now, std::nullopt));
    SL_TRY(store::set_floor(c, id, std::nullopt, std::nullopt, std::nullopt));
    return emit(c, msgs, id, "floor.ended", bj::object{{"request_id", *l.m.floor_request_id}}, now);
  }));
  publish_all(bus_, msgs);
  return Ok();
}

// ---- interventions --------------------------------------------------------------------------

Result<bj::object> MeetingsService::interventions(const Caller& caller, int64_t id, int64_t after) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.inside() && !(l.m.state == "published")) return Error::Forbidden("书面发言仅参会人员可见");
    SL_ASSIGN(auto rows, store::interventions(c, id, after, 500));
    bj::array items;
    for (const auto& i : rows) items.push_back(intervention_json(i));
    return bj::object{{"items", std::move(items)}};
  });
}

Result<bj::object> MeetingsService::add_intervention(const Caller& caller, int64_t id, const bj::object& body) {
  SL_TRY(require_person(caller));
  SL_ASSIGN(std::string body_in, json::req_string(body, "body", 20000));
  std::string text = trim(body_in);
  if (text.empty()) return Error::Invalid("missing_field", "书面发言内容不能为空");
  auto len = json::utf8_length(text);
  if (!len || *len > 5000) return Error::Invalid("too_long", "书面发言不能超过 5000 字");
  SL_ASSIGN(auto item, json::opt_int(body, "agenda_item_id"));
  TimeMs now = clock_.now_ms();
  std::vector<pubsub::Message> msgs;
  SL_ASSIGN(auto out, db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    msgs.clear();
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.inside() || caller.person_id == 0) return Error::Forbidden("只有参会人员可以提交书面发言");
    if (l.m.state != "live" && l.m.state != "scheduled") return Error::Conflict("meeting_not_live", "会议未在进行中");
    if (item) {
      SL_ASSIGN(auto items, store::agenda(c, id));
      if (std::none_of(items.begin(), items.end(), [&](const auto& a) { return a.id == *item; }))
        return Error::Invalid("invalid_agenda_item", "议程项不属于本次会议");
    }
    SL_ASSIGN(int64_t iid, store::insert_intervention(c, id, caller.person_id, item, text, now));
    SL_ASSIGN(std::string name, store::person_name(c, caller.person_id));
    bj::object o = intervention_json(store::Intervention{iid, caller.person_id, name, item, text, now});
    SL_TRY(emit(c, msgs, id, "intervention.created", o, now));
    return o;
  }));
  publish_all(bus_, msgs);
  return out;
}

// ---- public comments ------------------------------------------------------------------------

Status MeetingsService::take_comment_token(int64_t person_id, const std::string& address, TimeMs now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto check = [&](const std::string& key, int limit) -> std::optional<int64_t> {
    auto& d = hits_[key];
    while (!d.empty() && d.front() <= now - kMinute) d.pop_front();
    if (limit > 0 && static_cast<int>(d.size()) >= limit) return (d.front() + kMinute - now + 999) / 1000;
    return std::nullopt;
  };
  std::string pk = "p:" + std::to_string(person_id), ak = "a:" + address;
  auto wait = check(pk, opts_.comment_per_person_per_min);
  if (!wait && !address.empty()) wait = check(ak, opts_.comment_per_ip_per_min);
  if (wait) {
    Error e = Error::TooMany("comment_rate_limited", "留言太频繁，请稍后再试");
    e.details_json = "{\"retry_after_seconds\":" + std::to_string(std::max<int64_t>(1, *wait)) + "}";
    return e;
  }
  hits_[pk].push_back(now);
  if (!address.empty()) hits_[ak].push_back(now);
  // Forget idle keys now and then, so the map does not grow without bound.
  if (hits_.size() > 100000)
    for (auto it = hits_.begin(); it != hits_.end();)
      it = (it->second.empty() || it->second.back() <= now - kMinute) ? hits_.erase(it) : std::next(it);
  return Ok();
}

Result<bj::object> MeetingsService::comments(const Caller& caller, int64_t id, int64_t after, const std::optional<std::string>& state) {
  std::string st = state.value_or("visible");
  if (st != "visible" && st != "held" && st != "rejected") return Error::Invalid("invalid_state", "state 须为 visible、held 或 rejected");
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (st != "visible" && !l.a.runs()) return Error::Forbidden("只有主持人和工作人员可以查看待审留言");
    SL_ASSIGN(auto rows, store::comments(c, id, after, st, false, 200));
    bj::array items;
    for (const auto& x : rows) items.push_back(comment_json(x));
    return bj::object{{"items", std::move(items)}};
  });
}

Result<bj::object> MeetingsService::add_comment(const Caller& caller, int64_t id, const bj::object& body, const std::string& address) {
  if (caller.person_id == 0) return Error::Unauthenticated("请登录后留言");
  SL_ASSIGN(std::string body_in, json::req_string(body, "body", 20000));
  std::string text = trim(body_in);
  if (text.empty()) return Error::Invalid("missing_field", "留言内容不能为空");
  auto len = json::utf8_length(text);
  if (!len || *len > static_cast<size_t>(opts_.comment_max_chars))
    return Error::Invalid("too_long", "留言不能超过 " + std::to_string(opts_.comment_max_chars) + " 字");
  TimeMs now = clock_.now_ms();
  // Whether the meeting takes comments at all, before a token is spent.
  SL_ASSIGN(std::string mode, db_.read_value<std::string>([&](Conn& c) -> Result<std::string> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.m.is_public || l.m.comments == "off") return Error::Forbidden("本次会议不接受网友留言");
    if (l.m.state != "live") return Error::Conflict("meeting_not_live", "会议直播未在进行中");
    return l.m.comments;
  }));
  std::vector<std::string> words;
  if (opts_.words)
    for (const auto& f : opts_.words->matches(text))
      if (std::find(words.begin(), words.end(), f.word) == words.end()) words.push_back(f.word);
  std::string state = mode == "moderated" ? "held" : "visible";
  if (!words.empty()) {
    if (!opts_.hold_sensitive && mode != "moderated") {
      bj::array list;
      std::string shown;
      for (const auto& w : words) {
        list.push_back(bj::value(w));
        if (list.size() <= 5) shown += (shown.empty() ? "" : "、") + w;
      }
      return Error::Unprocessable("sensitive_words", "留言含有不宜发布的词语（" + shown + "），请修改后再发",
                                  bj::serialize(bj::object{{"words", std::move(list)}}));
    }
    state = "held";
  }
  SL_TRY(take_comment_token(caller.person_id, address, now));
  std::vector<pubsub::Message> msgs;
  SL_ASSIGN(auto out, db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    msgs.clear();
    store::Comment cm;
    cm.meeting_id = id;
    cm.person_id = caller.person_id;
    SL_ASSIGN(cm.author_name, store::person_name(c, caller.person_id));
    cm.body = text;
    cm.state = state;
    cm.created_at = now;
    SL_ASSIGN(cm.id, store::insert_comment(c, cm));
    if (state == "visible") SL_TRY(emit(c, msgs, id, "comment.created", comment_json(cm), now));
    return bj::object{{"id", cm.id}, {"state", state}};
  }));
  publish_all(bus_, msgs);
  publish_counters(id, now);
  return out;
}

Result<bj::object> MeetingsService::moderate(const Caller& caller, int64_t id, int64_t comment_id, const std::string& action) {
  SL_TRY(require_person(caller));
  if (action != "approve" && action != "reject") return Error::Invalid("invalid_action", "action 须为 approve（通过）或 reject（不予显示）");
  TimeMs now = clock_.now_ms();
  std::vector<pubsub::Message> msgs;
  SL_ASSIGN(auto out, db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    msgs.clear();
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.runs()) return Error::Forbidden("只有主持人和工作人员可以审核留言");
    SL_ASSIGN(auto cm, store::comment(c, id, comment_id));
    if (!cm) return Error::NotFound("comment_not_found", "留言不存在");
    std::string to = action == "approve" ? "visible" : "rejected";
    if (cm->state == to) return comment_json(*cm);
    SL_TRY(store::set_comment_state(c, comment_id, to));
    if (to == "rejected" && cm->picked) SL_TRY(store::set_comment_picked(c, comment_id, false, now));
    SL_TRY(record_entry(c, ledger_, caller, "meeting.comment.moderated", "meeting_comment", comment_id));
    SL_ASSIGN(auto after, store::comment(c, id, comment_id));
    if (to == "visible") SL_TRY(emit(c, msgs, id, "comment.created", comment_json(*after), now));
    if (to == "rejected" && cm->picked) SL_TRY(emit(c, msgs, id, "comment.unpicked", bj::object{{"id", comment_id}}, now));
    return comment_json(*after);
  }));
  publish_all(bus_, msgs);
  return out;
}

Result<bj::object> MeetingsService::pick(const Caller& caller, int64_t id, int64_t comment_id, bool picked) {
  SL_TRY(require_person(caller));
  TimeMs now = clock_.now_ms();
  std::vector<pubsub::Message> msgs;
  SL_ASSIGN(auto out, db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    msgs.clear();
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.runs()) return Error::Forbidden("只有主持人和工作人员可以选用留言");
    SL_ASSIGN(auto cm, store::comment(c, id, comment_id));
    if (!cm) return Error::NotFound("comment_not_found", "留言不存在");
    if (picked && cm->state != "visible") return Error::Conflict("comment_not_visible", "只能选用已显示的留言");
    if (cm->picked == picked) return comment_json(*cm);
    SL_TRY(store::set_comment_picked(c, comment_id, picked, now));
    SL_TRY(record_entry(c, ledger_, caller, picked ? "meeting.comment.picked" : "meeting.comment.unpicked", "meeting_comment",
                        comment_id));
    SL_ASSIGN(auto after, store::comment(c, id, comment_id));
    bj::object o = comment_json(*after);
    if (picked)
      SL_TRY(emit(c, msgs, id, "comment.picked", o, now));
    else
      SL_TRY(emit(c, msgs, id, "comment.unpicked", bj::object{{"id", comment_id}}, now));
    return o;
  }));
  publish_all(bus_, msgs);
  return out;
}

Result<bj::object> MeetingsService::picked(const Caller& caller, int64_t id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    SL_ASSIGN(auto rows, store::comments(c, id, 0, "visible", true, 1000));
    bj::array items;
    for (const auto& x : rows) items.push_back(comment_json(x));
    return bj::object{{"items", std::move(items)}};
  });
}

// ---- minutes, outcomes, record ---------------------------------------------------------------

namespace {
Result<bj::object> minutes_json(Conn& c, const store::MeetingRow& m) {
  std::string by;
  if (m.minutes_updated_by) {
    SL_ASSIGN(by, store::person_name(c, *m.minutes_updated_by));
  }
  return bj::object{{"body_md", m.minutes_md},
                    {"html", markdown::to_html(m.minutes_md)},
                    {"updated_at", iso_or_null(m.minutes_updated_at)},
                    {"updated_by", m.minutes_updated_by ? bj::value(bj::object{{"id", *m.minutes_updated_by}, {"name", by}})
                                                        : bj::value(nullptr)},
                    {"published", m.state == "published"}};
}
}  // namespace

Result<bj::object> MeetingsService::minutes(const Caller& caller, int64_t id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!(l.a.runs() || l.a.records() || l.m.state == "published")) return Error::Forbidden("会议纪要尚未发布");
    return minutes_json(c, l.m);
  });
}

Result<bj::object> MeetingsService::put_minutes(const Caller& caller, int64_t id, const bj::object& body) {
  SL_TRY(require_person(caller));
  SL_ASSIGN(std::string md, json::req_string(body, "body_md", 200000));
  TimeMs now = clock_.now_ms();
  return db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.records()) return Error::Forbidden("只有记录员和工作人员可以编写会议纪要");
    if (l.m.state == "published" || l.m.state == "cancelled")
      return Error::Conflict("minutes_locked", "会议纪要已发布（或会议已取消），不能再修改");
    SL_TRY(store::save_minutes(c, id, md, caller.person_id, now));
    SL_TRY(record_entry(c, ledger_, caller, "meeting.minutes", "meeting_minutes", id));
    SL_ASSIGN(auto m, store::find_meeting(c, id));
    return minutes_json(c, *m);
  });
}

Result<bj::object> MeetingsService::add_outcome(const Caller& caller, int64_t id, const bj::object& body) {
  SL_TRY(require_person(caller));
  SL_ASSIGN(std::string type, json::req_string(body, "type", 20));
  if (type != "case" && type != "topic" && type != "deliberation")
    return Error::Invalid("invalid_type", "type 须为 case（提案/案件）、topic（选题）或 deliberation（后续协商）");
  SL_ASSIGN(int64_t oid, json::req_int(body, "id"));
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.staff) return Error::Forbidden("只有主办方工作人员可以登记会议成果");
    SL_ASSIGN(auto title, store::outcome_title(c, type, oid));
    if (!title) return Error::Invalid("invalid_outcome", "所指的记录不存在");
    SL_TRY(store::add_outcome(c, id, store::Outcome{type, oid, *title}));
    (void)now;
    return record_entry(c, ledger_, caller, "meeting.outcome", "meeting", id);
  }));
  return get(caller, id);
}

Status MeetingsService::remove_outcome(const Caller& caller, int64_t id, const std::string& type, int64_t outcome_id) {
  SL_TRY(require_person(caller));
  return db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (!l.a.staff) return Error::Forbidden("只有主办方工作人员可以修改会议成果");
    SL_ASSIGN(bool removed, store::remove_outcome(c, id, type, outcome_id));
    if (!removed) return Error::NotFound("outcome_not_found", "没有这项会议成果");
    return record_entry(c, ledger_, caller, "meeting.outcome", "meeting", id);
  });
}

Result<bj::object> MeetingsService::record(const Caller& caller, int64_t id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    if (l.m.state != "published") return Error::Conflict("not_published", "会议记录尚未发布");
    SL_ASSIGN(bj::object meeting, meeting_json(c, l, 0));
    bj::value agenda = meeting["agenda"];
    SL_ASSIGN(auto invs, store::invitees(c, id));
    bj::array att;
    bj::object counts;
    for (const auto& i : invs) {
      att.push_back(attendance_item(i));
      std::string k = i.attendance.value_or("unknown");
      counts[k] = (counts.contains(k) ? counts[k].as_int64() : 0) + 1;
    }
    SL_ASSIGN(auto q, store::queue(c, id, false));
    bj::array speeches;
    for (const auto& x : q)
      if (x.state == "done") speeches.push_back(queue_json(x));
    SL_ASSIGN(auto iv, store::interventions(c, id, 0, 10000));
    bj::array ivs;
    for (const auto& x : iv) ivs.push_back(intervention_json(x));
    SL_ASSIGN(auto pk, store::comments(c, id, 0, "visible", true, 1000));
    bj::array picked;
    for (const auto& x : pk) picked.push_back(comment_json(x));
    SL_ASSIGN(auto minutes, minutes_json(c, l.m));
    SL_ASSIGN(auto mst, store::ledger_state(c, "meeting_minutes", id));
    minutes["ledger"] = ledger::record_json("meeting_minutes", id, mst.value_or(ledger::RecordState{}));
    return bj::object{{"meeting", std::move(meeting)},
                      {"agenda", std::move(agenda)},
                      {"attendance", bj::object{{"counts", std::move(counts)}, {"items", std::move(att)}}},
                      {"speeches", std::move(speeches)},
                      {"interventions", std::move(ivs)},
                      {"picked", std::move(picked)},
                      {"minutes", std::move(minutes)}};
  });
}

// ---- live -----------------------------------------------------------------------------------

Result<bj::object> MeetingsService::events(const Caller& caller, int64_t id, int64_t after_seq, int limit) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    SL_ASSIGN(auto rows, store::events_after(c, id, after_seq, limit));
    bj::array items;
    for (const auto& r : rows) {
      boost::system::error_code ec;
      bj::value ev = bj::parse(r.payload, ec);
      bj::value data = (!ec && ev.is_object() && ev.as_object().contains("data")) ? ev.as_object().at("data") : bj::value(nullptr);
      items.push_back(bj::object{{"seq", r.seq}, {"type", r.type}, {"at", format_iso8601(r.at)}, {"data", std::move(data)}});
    }
    return bj::object{{"items", std::move(items)}, {"latest_seq", l.m.last_seq}};
  });
}

Result<int64_t> MeetingsService::live_room(const Caller& caller, int64_t id) {
  return db_.read_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(Loaded l, load(c, caller, id));
    return l.m.last_seq;
  });
}

Result<PollAccess> MeetingsService::poll_access(Conn& c, const Caller& caller, int64_t id) {
  SL_ASSIGN(Loaded l, load(c, caller, id));
  PollAccess a;
  a.org_id = l.m.org_id;
  a.read = true;
  a.answer = l.m.state == "live" && l.a.inside() && caller.person_id != 0;
  a.manage = l.a.runs();
  a.oversee = l.a.runs() || l.a.oversee;
  return a;
}

Status MeetingsService::remind(Conn& c, TimeMs now) {
  SL_ASSIGN(auto ids, store::due_reminders(c, now, now + int64_t{opts_.reminder_before_min} * kMinute));
  for (int64_t id : ids) {
    SL_ASSIGN(auto m, store::find_meeting(c, id));
    if (!m) continue;
    SL_TRY(notify_invitees(c, *m, Note::kReminder, now, opts_.public_url, ""));
    SL_TRY(store::set_reminded(c, id, now));
  }
  return Ok();
}

}  // namespace sl::meetings
