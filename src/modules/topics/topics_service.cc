// Topics use cases: each checks access, then does its work in one transaction with its ledger
// entries, search index changes and notifications.
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/json.h"
#include "modules/common/markdown.h"
#include "modules/common/route_util.h"
#include "modules/notifications/inbox.h"
#include "modules/search/search.h"
#include "modules/topics/topics.h"
#include "modules/topics/topics_similarity.h"
#include "modules/topics/topics_store.h"

namespace sl::topics {

using access::Action;
using storage::Conn;
using store::CallRow;
using store::TopicRow;

namespace {

constexpr size_t kTitleMax = 60;
constexpr size_t kBodyMax = 2000;
constexpr size_t kAreaMax = 40;
constexpr size_t kReasonMax = 500;
constexpr int kSimilarMax = 5;
constexpr TimeMs kDay = 86'400'000;

const std::vector<std::string_view> kCategories = {"livelihood", "economy", "education", "health", "environment",
                                                   "transport",  "rural",   "governance", "culture", "other"};

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

Result<std::string> text(const bj::object& o, std::string_view key, size_t max, bool required) {
  SL_ASSIGN(auto v, json::opt_string(o, key, max));
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
  for (const auto& x : a) {
    if (!x.is_int64() || x.as_int64() <= 0) return Error::Invalid("invalid_field", std::string(key) + " 须为编号数组");
    if (std::find(out.begin(), out.end(), x.as_int64()) == out.end()) out.push_back(x.as_int64());
  }
  return std::optional<std::vector<int64_t>>(std::move(out));
}

bj::value iso_or_null(const std::optional<TimeMs>& t) { return t ? bj::value(format_iso8601(*t)) : bj::value(nullptr); }

bj::array ids_json(const std::vector<int64_t>& v) {
  bj::array a;
  for (int64_t x : v) a.push_back(x);
  return a;
}

// What the caller may do with one call (derived from memberships, never from the client).
struct Standing {
  bool screen = false;    // staff/admin of the organisation or an ancestor
  bool oversee = false;   // screen, or a leader there: reads every topic
  bool eligible = false;  // may submit (when open) and support
  bool read = false;
};

Standing standing(const Caller& caller, const CallRow& k) {
  Standing s;
  s.screen = access::allowed(caller, k.org_path, Action::kDeliberationManage);
  s.oversee = s.screen || access::allowed(caller, k.org_path, Action::kDeliberationOversee);
  if (caller.person_id > 0) {
    bool e = k.pub || s.screen;
    for (const auto& m : caller.memberships) {
      if (e) break;
      if (m.org_id == k.org_id && k.members) e = true;
      if (m.org_id == k.org_id && m.sector_id &&
          std::find(k.sectors.begin(), k.sectors.end(), *m.sector_id) != k.sectors.end())
        e = true;
      if (std::find(k.departments.begin(), k.departments.end(), m.org_id) != k.departments.end()) e = true;
      if (std::find(k.bodies.begin(), k.bodies.end(), m.org_id) != k.bodies.end()) e = true;
    }
    s.eligible = e;
  }
  s.read = k.pub || s.oversee || s.eligible;
  return s;
}

bool open_now(const CallRow& k, TimeMs now) {
  if (k.state != "open") return false;
  if (k.opens_at && now < *k.opens_at) return false;
  if (k.closes_at && now >= *k.closes_at) return false;
  return true;
}

bool live_state(std::string_view s) { return s == "pending" || s == "needs_detail" || s == "accepted"; }

Status record(Conn& c, ledger::Ledger& ledger, const Caller& caller, std::string_view action, std::string_view type,
              int64_t id) {
  SL_ASSIGN(auto state, store::ledger_state(c, type, id));
  return ledger.record(c, caller, action, type, id, std::move(state),
                       [&](const std::string& salt) { return store::set_ledger_salt(c, type, id, salt); });
}

// The search index holds the topics people may still act on; merged and declined ones leave it.
Status reindex(Conn& c, const TopicRow& t) {
  if (!live_state(t.state)) return search::unindex(c, "topic", t.id);
  search::Doc d;
  d.kind = "topic";
  d.id = t.id;
  d.scope_id = -t.call_id;  // negative: never a deliberation's scope
  d.org_path = t.org_path;
  d.author_id = t.author_id;
  d.subtopic = t.area;
  d.created_at = t.created_at;
  d.title = t.title;
  d.body = t.body;
  return search::index(c, d);
}

bj::object call_json(const CallRow& k, const Standing& s, TimeMs now) {
  bj::object o;
  o["id"] = k.id;
  o["org"] = bj::object{{"id", k.org_id}, {"name", k.org_name}};
  o["kind"] = k.kind;
  o["theme"] = k.theme;
  o["description"] = k.description;
  o["opens_at"] = iso_or_null(k.opens_at);
  o["closes_at"] = iso_or_null(k.closes_at);
  o["state"] = k.state;
  o["open_now"] = open_now(k, now);
  o["audience"] = bj::object{{"public", k.pub},
                             {"members", k.members},
                             {"sector_ids", ids_json(k.sectors)},
                             {"department_ids", ids_json(k.departments)},
                             {"body_ids", ids_json(k.bodies)}};
  o["my"] = bj::object{{"may_submit", s.eligible && open_now(k, now)}, {"may_screen", s.screen}};
  o["created_at"] = format_iso8601(k.created_at);
  o["updated_at"] = format_iso8601(k.updated_at);
  o["version"] = k.version;
  return o;
}

// Calls looked up once per request.
class Calls {
 public:
  Calls(Conn& c, const Caller& caller) : c_(c), caller_(caller) {}
  Result<const CallRow*> get(int64_t id) {
    auto it = rows_.find(id);
    if (it == rows_.end()) {
      SL_ASSIGN(auto k, store::find_call(c_, id));
      if (!k) return Error::NotFound("call_not_found", "征集不存在");
      it = rows_.emplace(id, std::make_pair(*k, standing(caller_, *k))).first;
    }
    return &it->second.first;
  }
  Result<Standing> st(int64_t id) {
    SL_TRY(get(id));
    return rows_.at(id).second;
  }

 private:
  Conn& c_;
  const Caller& caller_;
  std::map<int64_t, std::pair<CallRow, Standing>> rows_;
};

// May the caller read this topic (its call, and a declined one only as submitter or overseer)?
Result<bool> readable(Conn& c, Calls& calls, const Caller& caller, const TopicRow& t) {
  SL_ASSIGN(Standing s, calls.st(t.call_id));
  if (!s.read) return false;
  if (t.state != "declined" || s.oversee) return true;
  if (caller.person_id == 0) return false;
  return store::is_submitter(c, t.id, caller.person_id);
}

Result<TopicRow> load_readable(Conn& c, Calls& calls, const Caller& caller, int64_t id) {
  SL_ASSIGN(auto t, store::find_topic(c, id));
  if (!t) return Error::NotFound("topic_not_found", "议题不存在");
  SL_ASSIGN(bool ok, readable(c, calls, caller, *t));
  if (!ok) return Error::NotFound("topic_not_found", "议题不存在");
  return std::move(*t);
}

bj::object summary_json(const TopicRow& t, const CallRow& k, const std::string& author_name, bool supported) {
  bj::object o;
  o["id"] = t.id;
  o["call"] = bj::object{{"id", k.id}, {"theme", k.theme}, {"kind", k.kind}};
  o["org"] = bj::object{{"id", k.org_id}, {"name", k.org_name}};
  o["author"] = bj::object{{"id", t.author_id}, {"display_name", author_name}};
  o["title"] = t.title;
  o["excerpt"] = markdown::truncate(t.body, 120);
  o["area"] = t.area;
  o["category"] = t.category;
  o["state"] = t.state;
  o["merged_into"] = t.merged_into ? bj::value(*t.merged_into) : bj::value(nullptr);
  o["deliberation_id"] = t.deliberation_id ? bj::value(*t.deliberation_id) : bj::value(nullptr);
  o["counts"] = bj::object{{"supports", t.support_count}, {"submitters", t.submitter_count}};
  o["supported_by_me"] = supported;
  o["created_at"] = format_iso8601(t.created_at);
  o["updated_at"] = format_iso8601(t.updated_at);
  return o;
}

Result<std::string> person_name(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one("SELECT display_name FROM people WHERE id = ?", {id}));
  return r ? r->str(0) : std::string();
}

Result<bj::object> full_json(Conn& c, Calls& calls, const Caller& caller, const TopicRow& t, TimeMs now) {
  SL_ASSIGN(const CallRow* k, calls.get(t.call_id));
  SL_ASSIGN(Standing s, calls.st(t.call_id));
  SL_ASSIGN(auto subs, store::submitters(c, t.id));
  bool submitter = false, author = caller.person_id != 0 && caller.person_id == t.author_id;
  bj::array sub_json;
  for (const auto& p : subs) {
    submitter = submitter || (caller.person_id != 0 && p.id == caller.person_id);
    sub_json.push_back(bj::object{{"id", p.id}, {"display_name", p.display_name}, {"raised_at", format_iso8601(p.at)}});
  }
  std::optional<int64_t> sup;
  if (caller.person_id) {
    SL_ASSIGN(sup, store::support_id(c, t.id, caller.person_id));
  }
  std::string author_name;
  for (const auto& p : subs)
    if (p.id == t.author_id) author_name = p.display_name;
  bj::object o = summary_json(t, *k, author_name, sup.has_value());
  o.erase("excerpt");
  o["body"] = t.body;
  o["submitters"] = std::move(sub_json);
  // The decline reason and the question are for the submitters (and the screeners).
  o["screening_note"] = (submitter || s.oversee) ? bj::value(t.screening_note) : bj::value(nullptr);
  o["screened_at"] = iso_or_null(t.screened_at);
  SL_ASSIGN(bj::array files, attachments::list_for_scope(c, "topic", t.id));
  o["attachments"] = std::move(files);
  if (t.merged_into) {
    SL_ASSIGN(auto m, store::find_topic(c, *t.merged_into));
    if (m) o["merged_into_topic"] = bj::object{{"id", m->id}, {"title", m->title}, {"state", m->state}};
  }
  o["my"] = bj::object{{"submitter", submitter},
                       {"supported", sup.has_value()},
                       {"may_support", s.eligible && !submitter && live_state(t.state)},
                       {"may_edit", author && (t.state == "pending" || t.state == "needs_detail")},
                       {"may_screen", s.screen}};
  o["version"] = t.version;
  SL_ASSIGN(auto state, store::ledger_state(c, "topic", t.id));
  o["ledger"] = ledger::record_json("topic", t.id, state.value_or(ledger::RecordState{}));
  (void)now;
  return o;
}

struct TopicInput {
  std::string title, body, area, category;
};

Result<TopicInput> topic_input(const bj::object& body, const TopicRow* current) {
  TopicInput in;
  if (current) in = TopicInput{current->title, current->body, current->area, current->category};
  if (!current || body.contains("title")) {
    SL_ASSIGN(in.title, text(body, "title", kTitleMax, true));
  }
  if (!current || body.contains("body")) {
    SL_ASSIGN(in.body, text(body, "body", kBodyMax, false));
  }
  if (!current || body.contains("area")) {
    SL_ASSIGN(in.area, text(body, "area", kAreaMax, false));
  }
  if (!current || body.contains("category")) {
    SL_ASSIGN(auto cat, text(body, "category", 20, false));
    in.category = cat.empty() ? "other" : cat;
    if (!valid_category(in.category))
      return Error::Invalid("invalid_category",
                            "category 须为 livelihood/economy/education/health/environment/transport/rural/governance/culture/other 之一");
  }
  return in;
}

std::vector<int64_t> attachment_ids(const bj::object& body, Status& err) {
  auto r = id_list(body, "attachment_ids", 4);
  if (!r.ok()) {
    err = r.error();
    return {};
  }
  return r->value_or(std::vector<int64_t>{});
}

// Topics of the organisation similar to `sig` that the caller may read, most similar first.
Result<bj::array> similar(Conn& c, Calls& calls, const Caller& caller, int64_t org_id, const Signature& sig,
                          const std::set<int64_t>& exclude) {
  SL_ASSIGN(auto rows, store::live_topics_of_org(c, org_id));
  std::vector<std::pair<double, const TopicRow*>> found;
  for (const auto& t : rows) {
    if (exclude.count(t.id)) continue;
    auto other = decode(t.minhash);
    if (!other) continue;
    double sim = similarity(sig, *other);
    if (sim < kSimilarThreshold) continue;
    SL_ASSIGN(bool ok, readable(c, calls, caller, t));
    if (ok) found.emplace_back(sim, &t);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second->id > b.second->id;
  });
  if (found.size() > kSimilarMax) found.resize(kSimilarMax);
  std::vector<int64_t> ids;
  for (const auto& f : found) ids.push_back(f.second->id);
  SL_ASSIGN(auto mine, store::supported_among(c, caller.person_id, ids));
  bj::array out;
  for (const auto& [sim, t] : found) {
    SL_ASSIGN(const CallRow* k, calls.get(t->call_id));
    SL_ASSIGN(std::string name, person_name(c, t->author_id));
    bj::object o = summary_json(*t, *k, name, std::find(mine.begin(), mine.end(), t->id) != mine.end());
    o["similarity"] = std::round(sim * 100) / 100;
    o["likely_duplicate"] = sim >= kDuplicateThreshold;
    out.push_back(std::move(o));
  }
  return out;
}

Status notify_all(Conn& c, TimeMs now, const std::vector<int64_t>& people, std::string_view kind, const std::string& title,
                  std::string_view body, const std::string& link) {
  std::set<int64_t> seen;
  for (int64_t p : people)
    if (seen.insert(p).second) SL_TRY(notifications::notify_at(c, now, p, kind, title, body, link));
  return Ok();
}

Result<std::vector<int64_t>> submitter_ids(Conn& c, int64_t topic_id) {
  SL_ASSIGN(auto subs, store::submitters(c, topic_id));
  std::vector<int64_t> out;
  for (const auto& p : subs) out.push_back(p.id);
  return out;
}

std::string quoted(const std::string& title) { return "「" + markdown::truncate(title, 30) + "」"; }

}  // namespace

bool valid_category(std::string_view c) { return std::find(kCategories.begin(), kCategories.end(), c) != kCategories.end(); }

Status erase_person(Conn& c, ledger::Ledger& ledger, const Caller& actor, int64_t person_id) {
  SL_ASSIGN(auto removed, store::delete_supports_of(c, person_id));
  std::set<int64_t> topics;
  for (const auto& [id, topic] : removed) {
    SL_TRY(record(c, ledger, actor, "topic_support.deleted", "topic_support", id));
    topics.insert(topic);
  }
  for (int64_t t : topics) SL_TRY(store::recount(c, t));
  return Ok();
}

TopicsService::TopicsService(storage::Database& db, const Clock& clock, ledger::Ledger& ledger,
                             deliberation::DeliberationService& deliberations)
    : db_(db), clock_(clock), ledger_(ledger), deliberations_(deliberations) {}

// ---- calls ---------------------------------------------------------------------------------

namespace {

struct CallInput {
  std::optional<std::string> theme, description, state;
  std::optional<std::optional<TimeMs>> opens_at, closes_at;
  std::optional<bool> pub, members;
  std::optional<std::vector<int64_t>> sectors, departments, bodies;
};

Result<CallInput> call_input(const bj::object& body) {
  CallInput in;
  if (body.contains("theme")) {
    SL_ASSIGN(in.theme, text(body, "theme", 100, true));
  }
  if (body.contains("description")) {
    SL_ASSIGN(in.description, text(body, "description", 2000, false));
  }
  if (body.contains("opens_at")) {
    SL_ASSIGN(in.opens_at, time_field(body, "opens_at"));
  }
  if (body.contains("closes_at")) {
    SL_ASSIGN(in.closes_at, time_field(body, "closes_at"));
  }
  SL_ASSIGN(in.state, json::opt_string(body, "state", 10));
  if (in.state && *in.state != "open" && *in.state != "closed")
    return Error::Invalid("invalid_state", "state 须为 open（征集中）或 closed（已结束）");
  if (auto it = body.find("audience"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_object()) return Error::Invalid("invalid_audience", "audience 须为对象");
    const auto& a = it->value().as_object();
    SL_ASSIGN(in.pub, json::opt_bool(a, "public"));
    SL_ASSIGN(in.members, json::opt_bool(a, "members"));
    SL_ASSIGN(in.sectors, id_list(a, "sector_ids", 100));
    SL_ASSIGN(in.departments, id_list(a, "department_ids", 100));
    SL_ASSIGN(in.bodies, id_list(a, "body_ids", 100));
  }
  return in;
}

Status apply_call_input(Conn& c, CallRow& k, const CallInput& in) {
  if (in.theme) k.theme = *in.theme;
  if (in.description) k.description = *in.description;
  if (in.state) k.state = *in.state;
  if (in.opens_at) k.opens_at = *in.opens_at;
  if (in.closes_at) k.closes_at = *in.closes_at;
  if (in.pub) k.pub = *in.pub;
  if (in.members) k.members = *in.members;
  if (in.sectors) k.sectors = *in.sectors;
  if (in.departments) k.departments = *in.departments;
  if (in.bodies) k.bodies = *in.bodies;
  if (k.kind == "box" && (k.opens_at || k.closes_at))
    return Error::Invalid("box_has_no_period", "意见箱常年开放，不设起止时间");
  if (k.opens_at && k.closes_at && *k.closes_at <= *k.opens_at)
    return Error::Invalid("invalid_period", "征集的结束时间须晚于开始时间");
  if (!k.pub && !k.members && k.sectors.empty() && k.departments.empty() && k.bodies.empty())
    return Error::Invalid("empty_audience", "请至少选择一类可以提交议题的人");
  for (int64_t s : k.sectors) {
    SL_ASSIGN(auto r, c.query_one("SELECT org_id FROM sectors WHERE id = ?", {s}));
    if (!r || r->i64(0) != k.org_id)
      return Error::Invalid("invalid_sector", "界别 " + std::to_string(s) + " 不属于本组织");
  }
  for (int64_t d : k.departments) {
    SL_ASSIGN(auto r, c.query_one("SELECT kind FROM orgs WHERE id = ?", {d}));
    if (!r || r->str(0) != "department")
      return Error::Invalid("invalid_department", "部门 " + std::to_string(d) + " 不存在或不是政府部门");
  }
  for (int64_t b : k.bodies) {
    SL_ASSIGN(auto r, c.query_one("SELECT 1 FROM orgs WHERE id = ?", {b}));
    if (!r) return Error::Invalid("invalid_body", "组织 " + std::to_string(b) + " 不存在");
  }
  return Ok();
}

// The organisation's box, made (members may submit) on first use.
Result<CallRow> box_of(Conn& c, ledger::Ledger& ledger, const Caller& caller, int64_t org_id, TimeMs now) {
  SL_ASSIGN(auto k, store::find_box(c, org_id));
  if (k) return std::move(*k);
  SL_ASSIGN(auto org, c.query_one("SELECT name FROM orgs WHERE id = ?", {org_id}));
  if (!org) return Error::NotFound("org_not_found", "组织不存在");
  CallRow nk;
  nk.org_id = org_id;
  nk.kind = "box";
  nk.theme = org->str(0) + "意见箱";
  nk.description = "常年开放，随时可以提出议题。";
  SL_ASSIGN(int64_t id, store::insert_call(c, nk, now));
  SL_TRY(record(c, ledger, caller, "topic_call.created", "topic_call", id));
  SL_ASSIGN(k, store::find_call(c, id));
  return std::move(*k);
}

}  // namespace

Result<bj::object> TopicsService::create_call(const Caller& caller, const bj::object& body) {
  if (caller.person_id == 0 && !caller.superadmin) return Error::Unauthenticated();
  SL_ASSIGN(int64_t org_id, json::req_int(body, "org_id"));
  SL_ASSIGN(auto kind, json::opt_string(body, "kind", 10));
  if (kind && *kind != "call" && *kind != "box") return Error::Invalid("invalid_kind", "kind 须为 call（征集）或 box（意见箱）");
  SL_ASSIGN(CallInput in, call_input(body));
  if ((!kind || *kind == "call") && !in.theme) return Error::Invalid("missing_field", "缺少必填字段 theme");
  TimeMs now = clock_.now_ms();
  SL_ASSIGN(int64_t id, db_.write_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_TRY(access::check(c, caller, org_id, Action::kDeliberationManage));
    SL_ASSIGN(auto org, c.query_one("SELECT name FROM orgs WHERE id = ?", {org_id}));
    CallRow k;
    k.org_id = org_id;
    k.kind = kind.value_or("call");
    k.theme = org->str(0) + "意见箱";
    k.created_by = caller.person_id ? std::optional<int64_t>(caller.person_id) : std::nullopt;
    if (k.kind == "box") {
      SL_ASSIGN(auto existing, store::find_box(c, org_id));
      if (existing) return Error::Conflict("box_exists", "本组织已有意见箱，请修改它");
    }
    SL_TRY(apply_call_input(c, k, in));
    SL_ASSIGN(int64_t id, store::insert_call(c, k, now));
    SL_TRY(store::set_audience(c, id, k.sectors, k.departments, k.bodies));
    SL_TRY(record(c, ledger_, caller, "topic_call.created", "topic_call", id));
    return id;
  }));
  return get_call(caller, id);
}

Result<bj::object> TopicsService::update_call(const Caller& caller, int64_t id, const bj::object& body) {
  SL_ASSIGN(CallInput in, call_input(body));
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto k, store::find_call(c, id));
    if (!k) return Error::NotFound("call_not_found", "征集不存在");
    Standing s = standing(caller, *k);
    if (!s.read) return Error::NotFound("call_not_found", "征集不存在");
    if (!s.screen) return Error::Forbidden("只有本组织的工作人员可以修改征集");
    SL_TRY(apply_call_input(c, *k, in));
    SL_TRY(store::update_call(c, *k, now));
    SL_TRY(store::set_audience(c, id, k->sectors, k->departments, k->bodies));
    return record(c, ledger_, caller, "topic_call.updated", "topic_call", id);
  }));
  return get_call(caller, id);
}

Result<bj::object> TopicsService::get_call(const Caller& caller, int64_t id) {
  TimeMs now = clock_.now_ms();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto k, store::find_call(c, id));
    if (!k) return Error::NotFound("call_not_found", "征集不存在");
    Standing s = standing(caller, *k);
    if (!s.read) return Error::NotFound("call_not_found", "征集不存在");
    bj::object o = call_json(*k, s, now);
    SL_ASSIGN(auto n, c.query_one("SELECT COUNT(*) FROM topics WHERE call_id = ? AND state <> 'merged'", {id}));
    o["topic_count"] = n->i64(0);
    if (s.oversee) {
      SL_ASSIGN(auto state, store::ledger_state(c, "topic_call", id));
      o["ledger"] = ledger::record_json("topic_call", id, state.value_or(ledger::RecordState{}));
    }
    return o;
  });
}

Result<bj::object> TopicsService::list_calls(const Caller& caller, std::optional<int64_t> org_id, bool open_only,
                                             int64_t after, int limit) {
  TimeMs now = clock_.now_ms();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    bj::array items;
    int64_t before = after;
    std::optional<int64_t> next;
    // Calls the caller may not read are skipped; read on until the page is full.
    for (int round = 0; round < 20 && static_cast<int>(items.size()) < limit; ++round) {
      SL_ASSIGN(auto rows, store::list_calls(c, org_id, before, 200));
      for (const auto& k : rows) {
        before = k.id;
        Standing s = standing(caller, k);
        if (!s.read || (open_only && !open_now(k, now))) continue;
        if (static_cast<int>(items.size()) == limit) {
          next = items.back().as_object().at("id").as_int64();
          break;
        }
        items.push_back(call_json(k, s, now));
      }
      if (next || rows.size() < 200) break;
    }
    return routes::page(std::move(items), next);
  });
}

// ---- topics --------------------------------------------------------------------------------

Result<bj::object> TopicsService::submit(const Caller& caller, const bj::object& body) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  SL_ASSIGN(auto call_id, json::opt_int(body, "call_id"));
  SL_ASSIGN(auto org_id, json::opt_int(body, "org_id"));
  if (!call_id && !org_id) return Error::Invalid("missing_field", "请指明征集（call_id）或组织（org_id，提交到其意见箱）");
  SL_ASSIGN(TopicInput in, topic_input(body, nullptr));
  Status bad = Ok();
  std::vector<int64_t> files = attachment_ids(body, bad);
  SL_TRY(bad);
  TimeMs now = clock_.now_ms();
  SL_ASSIGN(int64_t id, db_.write_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    CallRow k;
    if (call_id) {
      SL_ASSIGN(auto found, store::find_call(c, *call_id));
      if (!found) return Error::NotFound("call_not_found", "征集不存在");
      k = std::move(*found);
    } else {
      SL_ASSIGN(auto org, c.query_one("SELECT 1 FROM orgs WHERE id = ?", {*org_id}));
      if (!org) return Error::NotFound("org_not_found", "组织不存在");
      SL_ASSIGN(auto box, store::find_box(c, *org_id));
      if (box) {
        k = std::move(*box);
      } else {
        // Whoever could submit to the box as it will be made (its members) makes it.
        CallRow probe;
        probe.org_id = *org_id;
        SL_ASSIGN(probe.org_path, access::org_path(c, *org_id));
        if (!standing(caller, probe).eligible) return Error::Forbidden("您不能向该组织提交议题");
        SL_ASSIGN(k, box_of(c, ledger_, caller, *org_id, now));
      }
    }
    Standing s = standing(caller, k);
    if (!s.read) return Error::NotFound("call_not_found", "征集不存在");
    if (!s.eligible) return Error::Forbidden("您不在本次征集的范围内");
    if (!open_now(k, now)) return Error::Conflict("call_closed", "本次征集未开始或已结束");
    TopicRow t;
    t.call_id = k.id;
    t.org_id = k.org_id;
    t.org_path = k.org_path;
    t.author_id = caller.person_id;
    t.title = in.title;
    t.body = in.body;
    t.area = in.area;
    t.category = in.category;
    t.minhash = encode(minhash(in.title + "\n" + in.body));
    t.created_at = now;
    SL_ASSIGN(t.id, store::insert_topic(c, t));
    SL_TRY(attachments::attach(c, caller, files, "topic", t.id));
    SL_TRY(reindex(c, t));
    SL_TRY(record(c, ledger_, caller, "topic.submitted", "topic", t.id));
    return t.id;
  }));
  return get(caller, id);
}

Result<bj::object> TopicsService::get(const Caller& caller, int64_t id) {
  TimeMs now = clock_.now_ms();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    Calls calls(c, caller);
    SL_ASSIGN(TopicRow t, load_readable(c, calls, caller, id));
    return full_json(c, calls, caller, t, now);
  });
}

Status TopicsService::may_read(const Caller& caller, int64_t id) {
  return db_.read([&](Conn& c) -> Status {
    Calls calls(c, caller);
    SL_TRY(load_readable(c, calls, caller, id));
    return Ok();
  });
}

Result<bj::object> TopicsService::list(const Caller& caller, const TopicFilter& f, int64_t after, int limit) {
  if (f.state && f.state->size() > 0 && *f.state != "pending" && *f.state != "needs_detail" && *f.state != "accepted" &&
      *f.state != "declined" && *f.state != "merged")
    return Error::Invalid("invalid_state", "state 须为 pending/needs_detail/accepted/declined/merged 之一");
  if (f.category && !valid_category(*f.category)) return Error::Invalid("invalid_category", "category 无效");
  if (f.mine && caller.person_id == 0) return Error::Unauthenticated();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    Calls calls(c, caller);
    // The calls whose topics the caller may read.
    std::vector<int64_t> call_ids;
    if (f.call_id) {
      SL_ASSIGN(Standing s, calls.st(*f.call_id));
      if (!s.read) return Error::NotFound("call_not_found", "征集不存在");
      call_ids.push_back(*f.call_id);
    } else {
      std::string prefix;
      if (f.org_id) {
        SL_ASSIGN(prefix, access::org_path(c, *f.org_id));
      }
      SL_ASSIGN(auto rows, store::list_calls(c, std::nullopt, 0, 100000));
      for (const auto& k : rows)
        if (k.org_path.rfind(prefix, 0) == 0 && standing(caller, k).read) call_ids.push_back(k.id);
    }
    bj::array items;
    std::optional<std::string> next;
    auto keep = [&](const TopicRow& t) -> Result<bool> {
      if (f.state && t.state != *f.state) return false;
      if (f.category && t.category != *f.category) return false;
      if (f.area && t.area != *f.area) return false;
      return readable(c, calls, caller, t);
    };
    auto emit = [&](const std::vector<TopicRow>& rows, const std::map<int64_t, std::string>& html_title,
                    const std::map<int64_t, std::string>& html_snippet) -> Status {
      std::vector<int64_t> ids;
      for (const auto& t : rows) ids.push_back(t.id);
      SL_ASSIGN(auto mine, store::supported_among(c, caller.person_id, ids));
      for (const auto& t : rows) {
        SL_ASSIGN(const CallRow* k, calls.get(t.call_id));
        SL_ASSIGN(std::string name, person_name(c, t.author_id));
        bj::object o = summary_json(t, *k, name, std::find(mine.begin(), mine.end(), t.id) != mine.end());
        if (auto it = html_title.find(t.id); it != html_title.end()) o["title_html"] = it->second;
        if (auto it = html_snippet.find(t.id); it != html_snippet.end()) o["snippet_html"] = it->second;
        items.push_back(std::move(o));
      }
      return Ok();
    };
    if (f.q && !f.q->empty()) {
      search::Query q;
      q.q = *f.q;
      for (int64_t id : call_ids) q.scope_ids.push_back(-id);
      q.kind = "topic";
      q.limit = limit;
      if (after > 0) q.after = search::Cursor{after};
      SL_ASSIGN(search::Page page, search::find(c, q));
      std::vector<int64_t> ids;
      std::map<int64_t, std::string> titles, snippets;
      for (const auto& h : page.hits) {
        ids.push_back(h.id);
        titles[h.id] = h.title_html;
        snippets[h.id] = h.snippet_html;
      }
      SL_ASSIGN(auto rows, store::topics_by_ids(c, ids));
      std::map<int64_t, TopicRow> by_id;
      for (auto& t : rows) by_id[t.id] = std::move(t);
      std::vector<TopicRow> kept;
      for (int64_t id : ids) {
        auto it = by_id.find(id);
        if (it == by_id.end()) continue;
        SL_ASSIGN(bool ok, keep(it->second));
        if (ok) kept.push_back(it->second);
      }
      if (f.mine) {
        std::vector<TopicRow> mine_only;
        for (auto& t : kept) {
          SL_ASSIGN(bool sub, store::is_submitter(c, t.id, caller.person_id));
          SL_ASSIGN(auto sup, store::support_id(c, t.id, caller.person_id));
          if (sub || sup) mine_only.push_back(std::move(t));
        }
        kept = std::move(mine_only);
      }
      SL_TRY(emit(kept, titles, snippets));
      bj::object out = routes::page(std::move(items), std::nullopt);
      out["next_cursor"] = page.next ? bj::value(json::encode_cursor(page.next->key)) : bj::value(nullptr);
      return out;
    }
    store::ListQuery lq;
    lq.call_ids = call_ids;
    lq.state = f.state;
    lq.category = f.category;
    lq.area = f.area;
    if (f.mine) lq.person_id = caller.person_id;
    lq.before = after;
    lq.limit = limit + 1;
    std::vector<TopicRow> kept;
    bool more = false;
    for (int round = 0; round < 10; ++round) {
      SL_ASSIGN(auto rows, store::list_topics(c, lq));
      for (auto& t : rows) {
        lq.before = t.id;
        SL_ASSIGN(bool ok, keep(t));
        if (!ok) continue;
        if (static_cast<int>(kept.size()) == limit) {
          more = true;
          break;
        }
        kept.push_back(std::move(t));
      }
      if (more || static_cast<int>(rows.size()) < lq.limit) break;
    }
    SL_TRY(emit(kept, {}, {}));
    bj::object out = routes::page(std::move(items), std::nullopt);
    out["next_cursor"] = more ? bj::value(json::encode_cursor(kept.back().id)) : bj::value(nullptr);
    return out;
  });
}

Result<bj::object> TopicsService::edit(const Caller& caller, int64_t id, const bj::object& body) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  Status bad = Ok();
  std::vector<int64_t> files = attachment_ids(body, bad);
  SL_TRY(bad);
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) -> Status {
    Calls calls(c, caller);
    SL_ASSIGN(TopicRow t, load_readable(c, calls, caller, id));
    if (t.author_id != caller.person_id) return Error::Forbidden("只有提出人可以修改议题");
    if (t.state != "pending" && t.state != "needs_detail")
      return Error::Conflict("topic_not_editable", "议题已筛选，不能再修改");
    SL_ASSIGN(TopicInput in, topic_input(body, &t));
    bool detailed = t.state == "needs_detail";
    t.title = in.title;
    t.body = in.body;
    t.area = in.area;
    t.category = in.category;
    t.minhash = encode(minhash(t.title + "\n" + t.body));
    t.state = "pending";  // answered a question: back to the screeners
    SL_TRY(store::update_topic(c, t, now));
    SL_TRY(attachments::attach(c, caller, files, "topic", t.id));
    SL_TRY(reindex(c, t));
    return record(c, ledger_, caller, detailed ? "topic.detailed" : "topic.edited", "topic", id);
  }));
  return get(caller, id);
}

Result<bj::object> TopicsService::support(const Caller& caller, int64_t id, bool on) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  TimeMs now = clock_.now_ms();
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    Calls calls(c, caller);
    SL_ASSIGN(TopicRow t, load_readable(c, calls, caller, id));
    SL_ASSIGN(Standing s, calls.st(t.call_id));
    SL_ASSIGN(auto existing, store::support_id(c, id, caller.person_id));
    if (on) {
      if (!s.eligible) return Error::Forbidden("您不在本次征集的范围内，不能附议");
      if (!live_state(t.state)) return Error::Conflict("topic_closed", "该议题已合并或未被采纳，不能附议");
      SL_ASSIGN(bool submitter, store::is_submitter(c, id, caller.person_id));
      if (submitter) return Error::Conflict("own_topic", "您是该议题的提出人，无需附议");
      if (!existing) {
        SL_ASSIGN(int64_t sid, store::insert_support(c, id, caller.person_id, ledger_.new_salt(), now));
        SL_TRY(record(c, ledger_, caller, "topic_support.created", "topic_support", sid));
      }
    } else if (existing) {
      SL_TRY(store::delete_support(c, *existing));
      SL_TRY(record(c, ledger_, caller, "topic_support.deleted", "topic_support", *existing));
    }
    SL_TRY(store::recount(c, id));
    SL_ASSIGN(auto fresh, store::find_topic(c, id));
    result = bj::object{{"topic_id", id}, {"supports", fresh->support_count}, {"supported", on}};
    return Ok();
  }));
  return result;
}

Result<bj::object> TopicsService::similar_to_draft(const Caller& caller, const bj::object& body) {
  SL_ASSIGN(auto call_id, json::opt_int(body, "call_id"));
  SL_ASSIGN(auto org_id, json::opt_int(body, "org_id"));
  if (!call_id && !org_id) return Error::Invalid("missing_field", "请指明征集（call_id）或组织（org_id）");
  SL_ASSIGN(auto title, json::opt_string(body, "title", kTitleMax));
  SL_ASSIGN(auto text_, json::opt_string(body, "body", kBodyMax));
  SL_ASSIGN(auto exclude, json::opt_int(body, "exclude_id"));
  Signature sig = minhash(title.value_or("") + "\n" + text_.value_or(""));
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    Calls calls(c, caller);
    int64_t org = 0;
    if (call_id) {
      SL_ASSIGN(const CallRow* k, calls.get(*call_id));
      SL_ASSIGN(Standing s, calls.st(*call_id));
      if (!s.read) return Error::NotFound("call_not_found", "征集不存在");
      org = k->org_id;
    } else {
      SL_ASSIGN(auto r, c.query_one("SELECT 1 FROM orgs WHERE id = ?", {*org_id}));
      if (!r) return Error::NotFound("org_not_found", "组织不存在");
      org = *org_id;
    }
    std::set<int64_t> ex;
    if (exclude) ex.insert(*exclude);
    SL_ASSIGN(bj::array items, similar(c, calls, caller, org, sig, ex));
    return bj::object{{"items", std::move(items)}};
  });
}

Result<bj::object> TopicsService::similar_to(const Caller& caller, int64_t id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    Calls calls(c, caller);
    SL_ASSIGN(TopicRow t, load_readable(c, calls, caller, id));
    auto sig = decode(t.minhash);
    if (!sig) return bj::object{{"items", bj::array{}}};
    SL_ASSIGN(bj::array items, similar(c, calls, caller, t.org_id, *sig, {t.id}));
    return bj::object{{"items", std::move(items)}};
  });
}

// ---- screening -----------------------------------------------------------------------------

Result<bj::object> TopicsService::screen(const Caller& caller, int64_t id, const bj::object& body) {
  SL_ASSIGN(std::string action, json::req_string(body, "action", 20));
  SL_ASSIGN(std::string reason, text(body, "reason", kReasonMax, false));
  if (action != "accept" && action != "decline" && action != "needs_detail")
    return Error::Invalid("invalid_action", "action 须为 accept（采纳）、decline（不采纳）或 needs_detail（请补充）");
  if (action != "accept" && reason.empty())
    return Error::Invalid("missing_reason", action == "decline" ? "请填写不采纳的理由（提出人可以看到）" : "请写明需要补充什么");
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) -> Status {
    Calls calls(c, caller);
    SL_ASSIGN(TopicRow t, load_readable(c, calls, caller, id));
    SL_ASSIGN(Standing s, calls.st(t.call_id));
    if (!s.screen) return Error::Forbidden("只有本组织的工作人员可以筛选议题");
    // pending/needs_detail → accepted | declined | needs_detail; accepted → declined (before it
    // became a deliberation). Merged and declined topics stay as they are.
    bool ok = (t.state == "pending" || t.state == "needs_detail") ||
              (t.state == "accepted" && action == "decline" && !t.deliberation_id);
    if (t.state == action || (action == "accept" && t.state == "accepted")) ok = false;
    if (!ok) return Error::Conflict("invalid_transition", "该议题当前状态（" + t.state + "）不能这样处理");
    t.state = action == "accept" ? "accepted" : action == "decline" ? "declined" : "needs_detail";
    t.screening_note = reason;
    t.screened_by = caller.person_id ? std::optional<int64_t>(caller.person_id) : std::nullopt;
    t.screened_at = now;
    SL_TRY(store::update_topic(c, t, now));
    SL_TRY(reindex(c, t));
    SL_TRY(record(c, ledger_, caller, "topic." + t.state, "topic", id));
    const std::string link = "/topics/" + std::to_string(id);
    SL_ASSIGN(auto subs, submitter_ids(c, id));
    if (action == "accept")
      return notify_all(c, now, subs, "topic.accepted", "你提出的议题" + quoted(t.title) + "已被采纳", reason, link);
    if (action == "decline")
      return notify_all(c, now, subs, "topic.declined", "你提出的议题" + quoted(t.title) + "未被采纳", "理由：" + reason, link);
    return notify_all(c, now, {t.author_id}, "topic.needs_detail", "请补充你提出的议题" + quoted(t.title), reason, link);
  }));
  return get(caller, id);
}

Result<bj::object> TopicsService::merge(const Caller& caller, int64_t id, const bj::object& body) {
  SL_ASSIGN(auto sources, id_list(body, "source_ids", 50));
  if (!sources || sources->empty()) return Error::Invalid("missing_field", "请指明要合并进来的议题（source_ids）");
  if (std::find(sources->begin(), sources->end(), id) != sources->end())
    return Error::Invalid("merge_into_itself", "议题不能与自身合并");
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) -> Status {
    Calls calls(c, caller);
    SL_ASSIGN(TopicRow survivor, load_readable(c, calls, caller, id));
    SL_ASSIGN(Standing s, calls.st(survivor.call_id));
    if (!s.screen) return Error::Forbidden("只有本组织的工作人员可以合并议题");
    if (!live_state(survivor.state))
      return Error::Conflict("invalid_transition", "保留的议题已合并或未被采纳，不能再合并其他议题");
    const std::string link = "/topics/" + std::to_string(id);
    for (int64_t src_id : *sources) {
      SL_ASSIGN(TopicRow src, load_readable(c, calls, caller, src_id));
      if (src.org_id != survivor.org_id) return Error::Invalid("different_org", "只能合并同一组织的议题");
      if (!live_state(src.state) || src.deliberation_id)
        return Error::Conflict("invalid_transition", "议题 " + std::to_string(src_id) + " 已合并、未被采纳或已转为协商，不能合并");
      // Submitters carry over (a supporter of the survivor who raised the duplicate becomes
      // a submitter: their support goes, they count once).
      SL_ASSIGN(auto subs, store::submitters(c, src_id));
      for (const auto& p : subs) {
        SL_TRY(store::add_submitter(c, id, p.id, p.at));
        SL_ASSIGN(auto sup, store::support_id(c, id, p.id));
        if (sup) {
          SL_TRY(store::delete_support(c, *sup));
          SL_TRY(record(c, ledger_, caller, "topic_support.deleted", "topic_support", *sup));
        }
      }
      // Supports carry over, once per person.
      SL_ASSIGN(auto sups, store::supports(c, src_id));
      for (const auto& u : sups) {
        SL_ASSIGN(bool is_sub, store::is_submitter(c, id, u.person_id));
        SL_ASSIGN(auto dup, store::support_id(c, id, u.person_id));
        if (is_sub || dup) {
          SL_TRY(store::delete_support(c, u.id));
          SL_TRY(record(c, ledger_, caller, "topic_support.deleted", "topic_support", u.id));
        } else {
          SL_TRY(store::move_support(c, u.id, id));
          SL_TRY(record(c, ledger_, caller, "topic_support.moved", "topic_support", u.id));
        }
      }
      src.state = "merged";
      src.merged_into = id;
      src.screening_note = "";
      src.screened_by = caller.person_id ? std::optional<int64_t>(caller.person_id) : std::nullopt;
      src.screened_at = now;
      SL_TRY(store::update_topic(c, src, now));
      SL_TRY(store::recount(c, src_id));
      SL_TRY(reindex(c, src));
      SL_TRY(record(c, ledger_, caller, "topic.merged", "topic", src_id));
      std::vector<int64_t> told;
      for (const auto& p : subs) told.push_back(p.id);
      SL_TRY(notify_all(c, now, told, "topic.merged", "你提出的议题" + quoted(src.title) + "已与" + quoted(survivor.title) + "合并",
                        "你仍是合并后议题的提出人，附议也一并计入。", link));
    }
    SL_TRY(store::recount(c, id));
    SL_ASSIGN(auto fresh, store::find_topic(c, id));
    fresh->screened_by = caller.person_id ? std::optional<int64_t>(caller.person_id) : std::nullopt;
    fresh->screened_at = now;
    SL_TRY(store::update_topic(c, *fresh, now));
    return record(c, ledger_, caller, "topic.merged_in", "topic", id);
  }));
  return get(caller, id);
}

Result<bj::object> TopicsService::to_deliberation(const Caller& caller, int64_t id, const bj::object& body) {
  SL_ASSIGN(auto theme, json::opt_string(body, "theme", 100));
  SL_ASSIGN(auto description, json::opt_string(body, "description", 20000));
  SL_ASSIGN(auto public_mode, json::opt_string(body, "public_mode", 20));
  SL_ASSIGN(auto open, json::opt_bool(body, "open"));
  // 1. Check and compose in a read.
  bj::object create;
  SL_TRY(db_.read([&](Conn& c) -> Status {
    Calls calls(c, caller);
    SL_ASSIGN(TopicRow t, load_readable(c, calls, caller, id));
    SL_ASSIGN(Standing s, calls.st(t.call_id));
    SL_ASSIGN(const CallRow* k, calls.get(t.call_id));
    if (!s.screen) return Error::Forbidden("只有本组织的工作人员可以将议题转为协商");
    if (t.deliberation_id) return Error::Conflict("already_deliberated", "该议题已转为协商");
    if (!live_state(t.state)) return Error::Conflict("invalid_transition", "已合并或未被采纳的议题不能转为协商");
    std::string desc = t.body;
    if (!desc.empty()) desc += "\n\n---\n\n";
    desc += "本次协商源自议题征集「" + k->theme + "」中的议题：[" + t.title + "](/topics/" + std::to_string(id) + ")（" +
            std::to_string(t.submitter_count) + " 人提出，" + std::to_string(t.support_count) + " 人附议）。";
    create = bj::object{{"org_id", t.org_id},
                        {"theme", theme && !trim(*theme).empty() ? *theme : t.title},
                        {"description", description ? *description : desc},
                        {"public_mode", public_mode ? *public_mode : (k->pub ? "read" : "closed")}};
    return Ok();
  }));
  // 2. The deliberation, through its module (its own transaction, ledger entry and events).
  SL_ASSIGN(bj::object d, deliberations_.create(caller, create));
  int64_t delib_id = d.at("id").as_int64();
  if (open.value_or(false)) {
    SL_TRY(deliberations_.set_state(caller, delib_id, "open"));
  }
  // 3. The topic points to it; its people are told. Should another screener have turned the
  // topic into a deliberation in between, this one stays as a draft and the call fails.
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto t, store::find_topic(c, id));
    if (!t || t->deliberation_id || !live_state(t->state))
      return Error::Conflict("already_deliberated", "该议题已被他人处理，新建的协商草稿 " + std::to_string(delib_id) + " 未关联");
    t->state = "accepted";
    t->deliberation_id = delib_id;
    t->screened_by = caller.person_id ? std::optional<int64_t>(caller.person_id) : std::nullopt;
    t->screened_at = now;
    SL_TRY(store::update_topic(c, *t, now));
    SL_TRY(reindex(c, *t));
    SL_TRY(record(c, ledger_, caller, "topic.deliberation_started", "topic", id));
    const std::string link = "/deliberations/" + std::to_string(delib_id);
    SL_ASSIGN(auto subs, submitter_ids(c, id));
    SL_TRY(notify_all(c, now, subs, "topic.deliberation", "你提出的议题" + quoted(t->title) + "已转为协商",
                      "协商：" + std::string(d.at("theme").as_string()), link));
    SL_ASSIGN(auto sups, store::supports(c, id));
    std::vector<int64_t> supporters;
    for (const auto& u : sups)
      if (std::find(subs.begin(), subs.end(), u.person_id) == subs.end()) supporters.push_back(u.person_id);
    return notify_all(c, now, supporters, "topic.deliberation", "你附议的议题" + quoted(t->title) + "已转为协商",
                      "协商：" + std::string(d.at("theme").as_string()), link);
  }));
  SL_ASSIGN(bj::object topic, get(caller, id));
  return bj::object{{"topic", std::move(topic)}, {"deliberation", bj::object{{"id", delib_id}, {"theme", d.at("theme")}}}};
}

// ---- hot spots -----------------------------------------------------------------------------
//
// Over the period [from, to) (to: at most now), each topic's score is
//
//   score = Σ_submissions 3 · 2^(−(T − t)/h)  +  Σ_supports 2^(−(T − t)/h)
//
// where t is when a person raised the topic (its author, or the author of a topic merged into
// it) or supported it, T = to, and h the half-life (default 7 days): raising a topic weighs
// three supports, and what happened h ago counts half as much as what happens now. Only what
// happened in the period counts; merged and declined topics count through their survivor or
// not at all. Areas and categories sum their topics' scores; the daily series counts raises
// and supports per day (Beijing time) for the chart.

Result<bj::object> TopicsService::hotspots(const Caller& caller, const HotspotQuery& hq) {
  TimeMs now = clock_.now_ms();
  TimeMs to = std::min(hq.to.value_or(now), now);
  TimeMs from = hq.from.value_or(to - 30 * kDay);
  if (from >= to) return Error::Invalid("invalid_period", "开始时间须早于结束时间");
  if (to - from > 366 * kDay) return Error::Invalid("invalid_period", "统计时段最长一年");
  if (!(hq.half_life_days >= 0.5 && hq.half_life_days <= 365))
    return Error::Invalid("invalid_half_life", "半衰期须在 0.5 到 365 天之间");
  if (hq.limit < 1 || hq.limit > 100) return Error::Invalid("invalid_limit", "limit 必须在 1 到 100 之间");
  const double h = hq.half_life_days * kDay;
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto org, c.query_one("SELECT path, name FROM orgs WHERE id = ?", {hq.org_id}));
    if (!org) return Error::NotFound("org_not_found", "组织不存在");
    SL_ASSIGN(auto marks, store::hotspot_marks(c, org->str(0), from, to));
    struct Acc {
      double score = 0;
      int64_t raised = 0, supported = 0;
    };
    std::map<int64_t, Acc> by_topic;
    for (const auto& m : marks) {
      Acc& a = by_topic[m.topic_id];
      a.score += (m.raised ? 3.0 : 1.0) * std::exp2(-static_cast<double>(to - m.at) / h);
      (m.raised ? a.raised : a.supported) += 1;
    }
    std::vector<int64_t> ids;
    for (const auto& [id, a] : by_topic) ids.push_back(id);
    SL_ASSIGN(auto rows, store::topics_by_ids(c, ids));
    Calls calls(c, caller);
    std::vector<const TopicRow*> seen;
    for (const auto& t : rows) {
      if (hq.area && t.area != *hq.area) continue;
      SL_ASSIGN(bool ok, readable(c, calls, caller, t));
      if (ok) seen.push_back(&t);
    }
    std::sort(seen.begin(), seen.end(), [&](const TopicRow* a, const TopicRow* b) {
      double sa = by_topic[a->id].score, sb = by_topic[b->id].score;
      return sa != sb ? sa > sb : a->id > b->id;
    });
    auto round2 = [](double v) { return std::round(v * 100) / 100; };
    std::map<std::string, Acc> areas, categories;
    std::map<std::string, int64_t> area_topics, category_topics;
    std::set<int64_t> kept;
    for (const TopicRow* t : seen) {
      const Acc& a = by_topic[t->id];
      kept.insert(t->id);
      for (auto* m : {&areas, &categories}) {
        Acc& x = (*m)[m == &areas ? t->area : t->category];
        x.score += a.score;
        x.raised += a.raised;
        x.supported += a.supported;
      }
      area_topics[t->area]++;
      category_topics[t->category]++;
    }
    bj::array items;
    int rank = 0;
    for (const TopicRow* t : seen) {
      if (rank == hq.limit) break;
      const Acc& a = by_topic[t->id];
      items.push_back(bj::object{{"rank", ++rank},
                                 {"topic", bj::object{{"id", t->id},
                                                      {"title", t->title},
                                                      {"area", t->area},
                                                      {"category", t->category},
                                                      {"state", t->state},
                                                      {"deliberation_id", t->deliberation_id ? bj::value(*t->deliberation_id)
                                                                                             : bj::value(nullptr)}}},
                                 {"score", round2(a.score)},
                                 {"raised", a.raised},
                                 {"supported", a.supported}});
    }
    auto groups = [&](std::map<std::string, Acc>& m, std::map<std::string, int64_t>& n, const char* key) {
      std::vector<std::pair<std::string, Acc>> v(m.begin(), m.end());
      std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        return a.second.score != b.second.score ? a.second.score > b.second.score : a.first < b.first;
      });
      bj::array out;
      for (const auto& [name, a] : v)
        out.push_back(bj::object{{key, name},
                                 {"score", round2(a.score)},
                                 {"raised", a.raised},
                                 {"supported", a.supported},
                                 {"topics", n[name]}});
      return out;
    };
    // Daily counts (Beijing days) over the period.
    constexpr TimeMs kBeijing = 8 * 3600 * 1000;
    const int64_t first_day = (from + kBeijing) / kDay, last_day = (to - 1 + kBeijing) / kDay;
    std::vector<std::pair<int64_t, int64_t>> days(static_cast<size_t>(last_day - first_day + 1));
    for (const auto& m : marks) {
      if (!kept.count(m.topic_id)) continue;
      auto& d = days[static_cast<size_t>((m.at + kBeijing) / kDay - first_day)];
      (m.raised ? d.first : d.second) += 1;
    }
    bj::array series;
    for (size_t i = 0; i < days.size(); ++i) {
      std::string date = format_iso8601((first_day + static_cast<int64_t>(i)) * kDay).substr(0, 10);
      series.push_back(bj::object{{"date", date}, {"raised", days[i].first}, {"supported", days[i].second}});
    }
    return bj::object{{"org", bj::object{{"id", hq.org_id}, {"name", org->str(1)}}},
                      {"from", format_iso8601(from)},
                      {"to", format_iso8601(to)},
                      {"half_life_days", hq.half_life_days},
                      {"formula", "score = Σ提出 3·2^(−(T−t)/h) + Σ附议 2^(−(T−t)/h)"},
                      {"items", std::move(items)},
                      {"areas", groups(areas, area_topics, "area")},
                      {"categories", groups(categories, category_topics, "category")},
                      {"series", std::move(series)}};
  });
}

}  // namespace sl::topics
