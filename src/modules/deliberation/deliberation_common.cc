// Shared helpers of the deliberation service: standing, loading, events, ledger, JSON, input,
// and the seams to Markdown, search and the inbox.
#include <algorithm>
#include <map>
#include <set>

#include "core/json.h"
#include "modules/attachments/attachments.h"
#include "modules/common/directory_version.h"
#include "modules/common/markdown.h"
#include "modules/notifications/inbox.h"
#include "modules/notifications/mentions.h"
#include "modules/search/search.h"
#include "modules/deliberation/deliberation_internal.h"

namespace sl::deliberation {

using access::Action;
using access::Role;

std::string_view part_name(Part p) {
  switch (p) {
    case Part::kNone: return "none";
    case Part::kPublic: return "public";
    case Part::kMember: return "member";
    case Part::kExpert: return "expert";
    case Part::kStaff: return "staff";
    case Part::kLeader: return "leader";
    case Part::kDepartment: return "department";
  }
  return "none";
}

namespace detail {

namespace {

template <typename T>
bool has_id(const std::vector<T>& v, int64_t id) {
  for (const auto& x : v)
    if (x.id == id) return true;
  return false;
}

}  // namespace

Standing standing_of(const store::DelibRow& d, const store::Parties& ps, const Caller& c) {
  Standing s;
  bool lead = false;
  for (const auto& o : ps.orgs) {
    if (o.id == d.org_id && access::allowed(c, o.path, Action::kDeliberationManage)) s.manage = true;
    if (access::allowed(c, o.path, Action::kDeliberationOversee)) s.oversee = true;
    if (access::allowed(c, o.path, Action::kDeliberationLead)) lead = true;
  }
  if (c.superadmin) s.manage = s.oversee = true;
  std::optional<int64_t> member_org;
  for (const auto& m : c.memberships) {
    if (m.role == Role::kResponder && has_id(ps.departments, m.org_id)) s.departments.push_back(m.org_id);
    if (m.role == Role::kMember && has_id(ps.orgs, m.org_id) &&
        (!d.sectors_only || (m.sector_id && has_id(ps.sectors, *m.sector_id))) && !member_org)
      member_org = m.org_id;
  }
  std::sort(s.departments.begin(), s.departments.end());
  s.departments.erase(std::unique(s.departments.begin(), s.departments.end()), s.departments.end());
  bool expert = c.person_id != 0 && has_id(ps.experts, c.person_id);
  bool participant = member_org || expert || !s.departments.empty();
  s.read = s.oversee || (d.state != "draft" && (participant || d.public_mode != "closed"));
  if (c.person_id == 0) return s;  // anonymous (or the CLI): reads only
  if (!s.departments.empty()) {
    s.part = Part::kDepartment;
    s.author_org_id = s.departments.front();
  } else if (lead) {
    s.part = Part::kLeader;
  } else if (s.oversee) {
    s.part = Part::kStaff;
  } else if (expert) {
    s.part = Part::kExpert;
  } else if (member_org) {
    s.part = Part::kMember;
    s.author_org_id = member_org;
  } else if (d.state != "draft" && d.public_mode == "comment") {
    s.part = Part::kPublic;
  }
  return s;
}

Result<Loaded> load(Conn& c, const Caller& caller, int64_t id) {
  SL_ASSIGN(auto d, store::find_deliberation(c, id));
  if (!d) return Error::NotFound("deliberation_not_found", "协商不存在");
  SL_ASSIGN(auto ps, store::parties(c, id));
  Loaded l{std::move(*d), std::move(ps), {}};
  l.st = standing_of(l.d, l.parties, caller);
  SL_TRY(check_read(l.d, l.st, caller));
  return l;
}

Status check_read(const store::DelibRow& d, const Standing& st, const Caller& caller) {
  if (st.read) return Ok();
  if (caller.person_id == 0 && !caller.superadmin && d.state != "draft") return Error::Unauthenticated("请登录后查看本次协商");
  return Error::NotFound("deliberation_not_found", "协商不存在");
}

std::string room_of(int64_t deliberation_id) { return "deliberation:" + std::to_string(deliberation_id); }

Result<int64_t> emit(Conn& c, Outbox& out, int64_t deliberation_id, std::string_view type, TimeMs at,
                     std::optional<int64_t> post_id, bj::value data) {
  SL_ASSIGN(int64_t seq, store::next_seq(c, deliberation_id));
  bj::object ev;
  ev["type"] = type;
  ev["seq"] = seq;
  ev["at"] = format_iso8601(at);
  ev["data"] = std::move(data);
  std::string payload = bj::serialize(ev);
  SL_TRY(store::insert_event(c, deliberation_id, seq, std::string(type), at, post_id, payload));
  out.messages.push_back(pubsub::Message{room_of(deliberation_id), seq, std::move(payload)});
  return seq;
}

void publish(pubsub::Bus& bus, Outbox& out) {
  for (auto& m : out.messages) bus.publish(std::move(m));
  out.messages.clear();
}

Status record(Conn& c, ledger::Ledger& ledger, const Caller& caller, std::string_view action, std::string_view type,
              int64_t id) {
  SL_ASSIGN(auto state, store::ledger_state(c, type, id));
  return ledger.record(c, caller, action, type, id, std::move(state),
                       [&](const std::string& salt) { return store::set_ledger_salt(c, type, id, salt); });
}

Result<bj::object> ledger_json(Conn& c, std::string_view type, int64_t id) {
  SL_ASSIGN(auto state, store::ledger_state(c, type, id));
  return ledger::record_json(type, id, state.value_or(ledger::RecordState{}));
}

bj::value iso_or_null(const std::optional<TimeMs>& t) { return t ? bj::value(format_iso8601(*t)) : bj::value(nullptr); }

namespace {
bj::value id_or_null(const std::optional<int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }
}  // namespace

std::string role_label(const store::PostRow& p) {
  const std::string& r = p.author_role;
  if (r == "member") return access::member_label(p.author_org_kind);
  if (r == "expert") return "特邀专家";
  if (r == "department") return p.author_org_name.empty() ? "部门" : p.author_org_name;
  if (r == "leader") return "领导";
  if (r == "staff") return "工作人员";
  return "公众";
}

bj::object post_json(const store::PostRow& p, const Viewer& v) {
  bj::object o;
  o.reserve(28);
  o["id"] = p.id;
  o["deliberation_id"] = p.deliberation_id;
  o["kind"] = p.kind;
  o["parent_id"] = id_or_null(p.parent_id);
  o["root_id"] = id_or_null(p.root_id);
  o["reply_to_id"] = id_or_null(p.reply_to_id);
  o["depth"] = p.depth;
  // A person whose personal data was erased keeps their place, without a name.
  bj::object author{{"id", p.author_id},
                    {"display_name", p.author_name.empty() ? std::string("（已注销）") : p.author_name},
                    {"role", p.author_role},
                    {"role_label", role_label(p)}};
  if (p.author_org_id) author["org"] = bj::object{{"id", *p.author_org_id}, {"name", p.author_org_name}};
  else author["org"] = nullptr;
  o["author"] = std::move(author);
  o["mark"] = p.mark ? bj::value(*p.mark) : bj::value(nullptr);
  o["subtopic_id"] = id_or_null(p.subtopic_id);
  o["point_id"] = id_or_null(p.point_id);
  o["state"] = p.state;
  bool own_or_mod = v.moderator || (v.person_id != 0 && v.person_id == p.author_id);
  bool content = p.state == "visible" || ((p.state == "hidden" || p.state == "held") && own_or_mod);
  o["title"] = content ? p.title : "";
  o["body"] = content ? p.body : "";
  o["html"] = content ? p.body_html : "";
  if ((p.state == "hidden" || p.state == "removed") && (v.moderator || v.person_id == p.author_id))
    o["moderation"] = bj::object{{"reason", p.moderation_reason.value_or("")}, {"at", iso_or_null(p.moderated_at)}};
  o["version"] = p.version;
  o["edited"] = p.version > 1;
  o["edited_at"] = iso_or_null(p.edited_at);
  o["created_at"] = format_iso8601(p.created_at);
  o["like_count"] = p.like_count;
  o["liked_by_me"] = p.liked;
  o["reply_count"] = p.reply_count;
  return o;
}

bj::object point_json(const store::PointRow& p) {
  bj::object o;
  o["id"] = p.id;
  o["deliberation_id"] = p.deliberation_id;
  o["post_id"] = p.post_id;
  // The quote is the post's text: shown only while the post is.
  o["quote"] = p.post_state == "visible" ? p.quote : "";
  o["summary"] = p.summary;
  o["state"] = p.state;
  if (p.department_id) o["department"] = bj::object{{"id", *p.department_id}, {"name", p.department_name}};
  else o["department"] = nullptr;
  o["taken_how"] = p.taken_how ? bj::value(*p.taken_how) : bj::value(nullptr);
  o["deadline_at"] = iso_or_null(p.deadline_at);
  o["asked_again"] = p.asked_again;
  o["follow_up"] = p.follow_up ? bj::value(*p.follow_up) : bj::value(nullptr);
  o["created_at"] = format_iso8601(p.created_at);
  o["taken_at"] = iso_or_null(p.taken_at);
  o["first_answered_at"] = iso_or_null(p.first_answered_at);
  o["answered_at"] = iso_or_null(p.answered_at);
  o["accepted_at"] = iso_or_null(p.accepted_at);
  o["response_ms"] = id_or_null(p.response_ms);
  return o;
}

bj::array points_with_answers(const std::vector<store::PointRow>& points, const std::vector<store::PostRow>& answers,
                              const Viewer& v) {
  bj::array out;
  out.reserve(points.size());
  for (const auto& pt : points) {
    bj::object o = point_json(pt);
    bj::array ans, follow;
    for (const auto& a : answers) {
      if (a.point_id != pt.id) continue;
      if (a.mark && *a.mark == "department_answer") ans.push_back(post_json(a, v));
      else follow.push_back(post_json(a, v));
    }
    o["answers"] = std::move(ans);
    o["follow_ups"] = std::move(follow);
    out.push_back(std::move(o));
  }
  return out;
}

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

Result<std::string> text(const bj::object& o, std::string_view key, size_t max_chars, bool required) {
  SL_ASSIGN(auto v, json::opt_string(o, key, max_chars));
  std::string s = trim(v.value_or(""));
  if (required && s.empty()) return Error::Invalid("missing_field", "缺少必填字段 " + std::string(key));
  return s;
}

Result<std::optional<TimeMs>> time_field(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<TimeMs>();
  if (!it->value().is_string()) return Error::Invalid("invalid_time", std::string(key) + " 须为 ISO-8601 时间");
  auto t = parse_iso8601(std::string_view(it->value().as_string()));
  if (!t) return Error::Invalid("invalid_time", std::string(key) + " 须为 ISO-8601 时间，例如 2026-05-01T09:00:00+08:00");
  return std::optional<TimeMs>(*t);
}

Result<std::optional<std::vector<int64_t>>> id_list(const bj::object& o, std::string_view key, size_t max) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::vector<int64_t>>();
  if (!it->value().is_array()) return Error::Invalid("invalid_field", std::string(key) + " 须为编号数组");
  const auto& a = it->value().as_array();
  if (a.size() > max) return Error::Invalid("too_many", std::string(key) + " 最多 " + std::to_string(max) + " 项");
  std::vector<int64_t> out;
  std::set<int64_t> seen;
  for (const auto& v : a) {
    int64_t x = 0;
    if (v.is_int64()) x = v.as_int64();
    else if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) x = static_cast<int64_t>(v.as_uint64());
    if (x <= 0) return Error::Invalid("invalid_field", std::string(key) + " 须为正整数编号数组");
    if (seen.insert(x).second) out.push_back(x);
  }
  return std::optional<std::vector<int64_t>>(std::move(out));
}

// ---- other modules ----

std::string render_markdown(std::string_view md) { return markdown::to_html(md); }

void collect_posts(bj::value& v, std::vector<bj::object*>& out) {
  if (v.is_array()) {
    for (auto& x : v.as_array()) collect_posts(x, out);
    return;
  }
  if (!v.is_object()) return;
  auto& o = v.as_object();
  if (o.contains("author") && o.contains("body")) out.push_back(&o);  // a post
  for (const char* k : {"items", "replies", "points", "answers", "follow_ups"})
    if (auto* x = o.if_contains(k)) collect_posts(*x, out);
}

Status put_attachments(Conn& c, std::vector<bj::object*> posts) {
  std::vector<int64_t> ids;
  for (auto* p : posts)
    if (!p->at("body").as_string().empty()) ids.push_back(p->at("id").as_int64());
  std::map<int64_t, bj::array> files;
  if (!ids.empty()) {
    SL_ASSIGN(files, attachments::list_for_scopes(c, "post", ids));
  }
  for (auto* p : posts) {
    auto it = files.find(p->at("id").as_int64());
    (*p)["attachments"] = it == files.end() || p->at("body").as_string().empty() ? bj::array() : it->second;
  }
  return Ok();
}

std::string excerpt(std::string_view md, size_t n) { return markdown::excerpt(md, n); }

std::string post_link(int64_t deliberation_id, int64_t post_id) {
  return "/deliberations/" + std::to_string(deliberation_id) + "?post=" + std::to_string(post_id);
}

Status index_post(Conn& c, const Loaded& l, const store::PostRow& p) {
  if (p.state != "visible") return unindex_post(c, p.id);
  search::Doc doc;
  doc.kind = "post";
  doc.id = p.id;
  doc.scope_id = l.d.id;
  for (const auto& o : l.parties.orgs)
    if (o.id == l.d.org_id) doc.org_path = o.path;
  doc.author_id = p.author_id;
  if (p.author_role == "member" && p.author_org_id) {
    SL_ASSIGN(auto m, c.query_one("SELECT sector_id FROM memberships WHERE person_id = ? AND org_id = ? AND role = 'member'",
                                  {p.author_id, *p.author_org_id}));
    if (m) doc.sector_id = m->opt_i64(0);
  }
  if (p.author_role == "department") doc.department_id = p.author_org_id;
  if (p.subtopic_id) {
    SL_ASSIGN(auto st, c.query_one("SELECT title FROM deliberation_subtopics WHERE id = ?", {*p.subtopic_id}));
    if (st) doc.subtopic = st->str(0);
  }
  doc.created_at = p.created_at;
  doc.title = p.title;
  doc.body = markdown::to_text(p.body);
  return search::index(c, doc);
}

Status unindex_post(Conn& c, int64_t post_id) { return search::unindex(c, "post", post_id); }

std::vector<std::string> sensitive_words(const Options& opts, std::string_view title, std::string_view body) {
  std::vector<std::string> out;
  if (!opts.words || opts.words->empty()) return out;
  std::string text;
  text.reserve(title.size() + body.size() + 1);
  text.append(title).append("\n").append(body);
  for (const auto& f : opts.words->matches(text))
    if (std::find(out.begin(), out.end(), f.word) == out.end()) out.push_back(f.word);
  return out;
}

Error sensitive_error(const std::vector<std::string>& words) {
  bj::array list;
  std::string shown;
  for (const auto& w : words) {
    list.push_back(bj::value(w));
    if (list.size() <= 5) shown += (shown.empty() ? "" : "、") + w;
  }
  return Error::Unprocessable("sensitive_words", "内容含有不宜发布的词语（" + shown + "），请修改后再发",
                              bj::serialize(bj::object{{"words", std::move(list)}}));
}

Status notify(Conn& c, TimeMs at, int64_t person_id, std::string_view kind, std::string_view title, std::string_view body,
              std::string_view link) {
  return notifications::notify_at(c, at, person_id, kind, title, body, link);
}

Status notify_department(Conn& c, TimeMs at, int64_t department_id, std::string_view kind, std::string_view title,
                         std::string_view body, std::string_view link) {
  SL_ASSIGN(auto people, notifications::mentions::responders(c, department_id));
  for (int64_t p : people) SL_TRY(notify(c, at, p, kind, title, body, link));
  return Ok();
}

Status notify_event(Conn& c, TimeMs at, int64_t person_id, std::string_view kind, const notifications::Vars& vars,
                    std::string_view link) {
  return notifications::notify_event_at(c, at, person_id, kind, vars, link);
}

Status notify_department_event(Conn& c, TimeMs at, int64_t department_id, std::string_view kind,
                               const notifications::Vars& vars, std::string_view link) {
  SL_ASSIGN(auto people, notifications::mentions::responders(c, department_id));
  for (int64_t p : people) SL_TRY(notify_event(c, at, p, kind, vars, link));
  return Ok();
}

Status notify_mentions(Conn& c, TimeMs at, const Loaded& l, const store::PostRow& p, std::string_view before,
                       std::optional<int64_t> skip) {
  namespace mn = notifications::mentions;
  if (!mn::may_mention(p.body)) return Ok();
  std::vector<int64_t> scope;
  for (const auto& o : l.parties.orgs) scope.push_back(o.id);
  for (const auto& o : l.parties.departments) scope.push_back(o.id);
  SL_ASSIGN(auto now, mn::resolve(c, p.body, scope, p.author_id));
  std::vector<int64_t> earlier;
  if (!before.empty() && mn::may_mention(before)) {
    SL_ASSIGN(auto was, mn::resolve(c, before, scope, p.author_id));
    earlier = std::move(was.person_ids);
  }
  for (int64_t person : now.person_ids) {
    if (skip && person == *skip) continue;
    if (std::find(earlier.begin(), earlier.end(), person) != earlier.end()) continue;
    SL_TRY(notify_event(c, at, person, "mention",
                        {{"author", p.author_name}, {"where", excerpt(l.d.theme, 30)}, {"excerpt", excerpt(p.body, 80)}},
                        post_link(l.d.id, p.id)));
  }
  return Ok();
}

}  // namespace detail

// ---- resolvers for search and live ----

Result<std::vector<int64_t>> readable_ids(storage::Conn& c, const Caller& caller) {
  std::set<int64_t> ids;
  auto add = [&](const std::vector<int64_t>& v) { ids.insert(v.begin(), v.end()); };
  if (caller.superadmin) {
    SL_ASSIGN(auto rows, c.query("SELECT id FROM deliberations"));
    for (auto& r : rows) ids.insert(r.i64(0));
    return std::vector<int64_t>(ids.begin(), ids.end());
  }
  SL_ASSIGN(auto pub, store::ids_public(c));
  add(pub);
  for (const auto& m : caller.memberships) {
    if (access::allowed(caller, m.org_path, Action::kDeliberationOversee)) {
      SL_ASSIGN(auto v, store::ids_under_path(c, m.org_path));
      add(v);
    }
    if (m.role == Role::kMember) {
      SL_ASSIGN(auto v, store::ids_of_member_org(c, m.org_id, m.sector_id));
      for (auto& [id, takes_part] : v)
        if (takes_part) ids.insert(id);
    }
    if (m.role == Role::kResponder) {
      SL_ASSIGN(auto v, store::ids_of_department(c, m.org_id));
      add(v);
    }
  }
  if (caller.person_id) {
    SL_ASSIGN(auto v, store::ids_of_expert(c, caller.person_id));
    add(v);
  }
  return std::vector<int64_t>(ids.begin(), ids.end());
}

Status check_readable(storage::Conn& c, const Caller& caller, int64_t id) {
  SL_TRY(detail::load(c, caller, id));
  return Ok();
}

Result<Place> place_of(storage::Conn& c, const Caller& caller, int64_t id) {
  SL_ASSIGN(detail::Loaded l, detail::load(c, caller, id));
  return Place{l.d.org_id, l.d.state, l.st};
}

Status erase_person(storage::Conn& c, ledger::Ledger& ledger, const Caller& actor, int64_t person_id) {
  SL_ASSIGN(auto likes, store::delete_likes_of(c, person_id));
  for (const auto& l : likes) SL_TRY(detail::record(c, ledger, actor, "like.deleted", "like", l.id));
  // The like counts changed without an event in their deliberations: cached pages must not
  // show the old counts (the erasure also bumps it for the name; this does not rely on that).
  if (!likes.empty()) SL_TRY(directory_version::bump(c));
  return Ok();
}

Status check_post_readable(storage::Conn& c, const Caller& caller, int64_t post_id) {
  SL_ASSIGN(auto p, store::find_post(c, post_id, 0));
  if (!p) return Error::NotFound("post_not_found", "发言不存在");
  SL_ASSIGN(detail::Loaded l, detail::load(c, caller, p->deliberation_id));
  bool content = p->state == "visible" || ((p->state == "hidden" || p->state == "held") &&
                                           (l.st.manage || l.st.oversee || (caller.person_id && caller.person_id == p->author_id)));
  if (!content) return Error::NotFound("post_not_found", "发言不存在");
  return Ok();
}

}  // namespace sl::deliberation
