// Cases use cases: each checks access, asks the state machine, then does its work in one
// transaction with the case's event, ledger entry and notifications.
#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <set>

#include "core/json.h"
#include "modules/attachments/attachments.h"
#include "modules/cases/cases_internal.h"
#include "modules/common/markdown.h"
#include "modules/common/route_util.h"
#include "modules/notifications/inbox.h"
#include "modules/notifications/mentions.h"

namespace sl::cases {

using detail::Standing;
using storage::Conn;

namespace {

std::atomic<CasesService*> g_service{nullptr};

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Text input: trimmed, at most max characters; required: not blank.
Result<std::string> text(const bj::object& o, std::string_view key, size_t max_chars, bool required) {
  SL_ASSIGN(auto v, json::opt_string(o, key, max_chars * 4));
  std::string s = trim(v.value_or(""));
  auto len = json::utf8_length(s);
  if (!len) return Error::Invalid("invalid_text", std::string(key) + " 不是有效的 UTF-8 文本");
  if (*len > max_chars) return Error::Invalid("too_long", std::string(key) + " 最多 " + std::to_string(max_chars) + " 字");
  if (required && s.empty()) return Error::Invalid("missing_field", "请填写 " + std::string(key));
  return s;
}

Result<std::optional<std::vector<int64_t>>> id_list(const bj::object& o, std::string_view key, size_t max) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::vector<int64_t>>();
  if (!it->value().is_array()) return Error::Invalid("invalid_field", std::string(key) + " 须为编号数组");
  std::vector<int64_t> out;
  for (const auto& v : it->value().as_array()) {
    if (!v.is_int64() || v.as_int64() <= 0) return Error::Invalid("invalid_field", std::string(key) + " 须为正整数编号");
    if (std::find(out.begin(), out.end(), v.as_int64()) == out.end()) out.push_back(v.as_int64());
  }
  if (out.size() > max) return Error::Invalid("too_many", std::string(key) + " 最多 " + std::to_string(max) + " 个");
  return std::optional<std::vector<int64_t>>(std::move(out));
}

// Notifications render the kind's template (notifications/templates.cc) in each recipient's
// language; "title" (the case's title, shortened) is always given.
notifications::Vars vars_of(const store::CaseRow& r, notifications::Vars v = {}) {
  v["title"] = markdown::excerpt(r.title, 30);
  v.emplace("kind", r.kind);
  return v;
}

Status notify_person(Conn& c, TimeMs now, int64_t person, std::string_view kind, const notifications::Vars& v,
                     const store::CaseRow& r) {
  return notifications::notify_event_at(c, now, person, kind, v, detail::case_link(r.id));
}

// Every active responder of the case's units (lead only, or all).
Status notify_units(Conn& c, TimeMs now, int64_t case_id, bool lead_only, std::string_view kind,
                    const notifications::Vars& v, const store::CaseRow& r) {
  SL_ASSIGN(auto us, store::units(c, case_id));
  std::set<int64_t> told;
  for (const auto& u : us) {
    if (lead_only && u.role != "lead") continue;
    SL_ASSIGN(auto people, notifications::mentions::responders(c, u.org_id));
    for (int64_t p : people)
      if (told.insert(p).second) SL_TRY(notify_person(c, now, p, kind, v, r));
  }
  return Ok();
}

// Staff and admins of the case's own organisation (those above see it on their boards).
Status notify_staff(Conn& c, TimeMs now, std::string_view kind, const notifications::Vars& v, const store::CaseRow& r) {
  SL_ASSIGN(auto rows, c.query("SELECT DISTINCT m.person_id FROM memberships m JOIN people p ON p.id = m.person_id WHERE "
                               "m.org_id = ? AND m.role IN ('staff','admin') AND p.status = 'active' ORDER BY m.person_id",
                               {r.org_id}));
  for (const auto& row : rows) SL_TRY(notify_person(c, now, row.i64(0), kind, v, r));
  return Ok();
}

// The submitter, unless their personal data was erased (a tombstone is told nothing).
Status notify_submitter(Conn& c, TimeMs now, std::string_view kind, const notifications::Vars& v, const store::CaseRow& r) {
  SL_ASSIGN(auto row, c.query_one("SELECT erased_at FROM people WHERE id = ?", {r.submitter_id}));
  if (!row || !row->is_null(0)) return Ok();
  return notify_person(c, now, r.submitter_id, kind, v, r);
}

Status check_unit(Conn& c, int64_t unit, int64_t case_org) {
  SL_ASSIGN(auto row, c.query_one("SELECT kind FROM orgs WHERE id = ?", {unit}));
  if (!row) return Error::Invalid("unit_not_found", "承办单位不存在");
  if (unit == case_org) return Error::Invalid("invalid_unit", "承办单位不能是案件所属的组织本身");
  return Ok();
}


}  // namespace

bool valid_kind(std::string_view k) {
  for (auto x : kKinds)
    if (x == k) return true;
  return false;
}

std::string kind_label(std::string_view k) {
  if (k == "proposal") return "提案";
  if (k == "motion") return "议案";
  if (k == "suggestion") return "建议";
  if (k == "social_report") return "社情民意";
  if (k == "micro_suggestion") return "微建议";
  return std::string(k);
}

Status erase_person(Conn& c, ledger::Ledger& ledger, attachments::AttachmentsService* files, const Caller& actor,
                    int64_t person_id, TimeMs now) {
  SL_ASSIGN(auto ids, store::cases_to_erase(c, person_id));
  for (int64_t id : ids) {
    if (files) {
      SL_TRY(files->remove_for_scope(c, actor, "case", id));
      SL_ASSIGN(auto answers, store::answer_event_ids(c, id));
      for (int64_t e : answers) SL_TRY(files->remove_for_scope(c, actor, "case_answer", e));
    }
    SL_TRY(store::erase_case_content(c, id, now));
    SL_TRY(ledger.erase(c, actor, "case", id, ledger::kReasonRightToDeletion));
  }
  return Ok();
}

bool is_ledger_type(std::string_view t) { return t == "case" || t == "case_settings" || t == "calendar"; }

Result<std::optional<ledger::RecordState>> ledger_state(Conn& c, std::string_view type, int64_t id) {
  if (type == "case") return store::case_state(c, id);
  if (type == "case_settings") return store::settings_state(c, id);
  if (type == "calendar") return store::calendar_state(c, id);
  return Error::Invalid("unknown_type", "未知的记录类型");
}

CasesService::CasesService(storage::Database& db, const Clock& clock, ledger::Ledger& ledger, Options opts)
    : db_(db), clock_(clock), ledger_(ledger), opts_(opts) {
  // The first service built is the process's (a later, temporary one — the demo's on a clock
  // set back — does not take its place).
  CasesService* none = nullptr;
  g_service.compare_exchange_strong(none, this);
}

CasesService::~CasesService() {
  CasesService* self = this;
  g_service.compare_exchange_strong(self, nullptr);
}

Result<SweepReport> sweep(Conn& c, TimeMs now) {
  CasesService* s = g_service.load();
  if (!s) return Error::Unavailable("案件服务尚未启动");
  return s->sweep(c, now);
}

namespace {

// One step of a case: the event row, the ledger entry ("case.<action>").
Status record_step(Conn& c, ledger::Ledger& ledger, const Caller& caller, const store::CaseRow& r, Action a,
                   const std::string& from, const std::string& note, const bj::object& data, TimeMs now,
                   int64_t* event_id = nullptr, std::string ledger_action = "") {
  store::EventRow e;
  e.case_id = r.id;
  e.action = std::string(action_name(a));
  if (caller.person_id != 0) e.actor_id = caller.person_id;
  e.from_state = from;
  e.to_state = r.state;
  e.note = note;
  e.data = bj::serialize(data);
  e.at = now;
  SL_ASSIGN(int64_t eid, store::insert_event(c, e));
  if (event_id) *event_id = eid;
  SL_ASSIGN(auto state, store::case_state(c, r.id));
  if (ledger_action.empty()) ledger_action = "case." + std::string(action_name(a));
  return ledger.record(c, caller, ledger_action, "case", r.id, std::move(state),
                       [&](const std::string& salt) { return store::set_case_salt(c, r.id, salt); });
}

}  // namespace

// ---- settings ---------------------------------------------------------------------------

Result<bj::object> CasesService::settings(const Caller& caller, int64_t org_id) {
  (void)caller;  // the rules of submission are public: the submit form reads them
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto org, c.query_one("SELECT name, kind FROM orgs WHERE id = ?", {org_id}));
    if (!org) return Error::NotFound("org_not_found", "组织不存在");
    bj::array items;
    for (auto k : kKinds) {
      SL_ASSIGN(auto s, detail::effective_settings(c, org_id, std::string(k)));
      items.push_back(detail::settings_json(s));
    }
    return bj::object{{"org", bj::object{{"id", org_id}, {"name", org->str(0)}, {"kind", org->str(1)}}},
                      {"items", std::move(items)}};
  });
}

Result<bj::object> CasesService::update_settings(const Caller& caller, int64_t org_id, const std::string& kind,
                                                 const bj::object& body) {
  if (!valid_kind(kind)) return Error::NotFound("kind_not_found", "没有这种案件类别");
  SL_ASSIGN(auto enabled, json::opt_bool(body, "enabled"));
  SL_ASSIGN(auto submitters, json::opt_string(body, "submitters", 30));
  SL_ASSIGN(auto cat_req, json::opt_bool(body, "category_required"));
  SL_ASSIGN(auto att, json::opt_bool(body, "attachments_allowed"));
  SL_ASSIGN(auto cosign, json::opt_int(body, "cosigners_required"));
  SL_ASSIGN(auto days, json::opt_int(body, "deadline_working_days"));
  SL_ASSIGN(auto publication, json::opt_string(body, "publication", 20));
  std::optional<std::vector<std::string>> cats;
  if (auto it = body.find("categories"); it != body.end()) {
    if (!it->value().is_array()) return Error::Invalid("invalid_field", "categories 须为字符串数组");
    cats.emplace();
    for (const auto& v : it->value().as_array()) {
      if (!v.is_string()) return Error::Invalid("invalid_field", "categories 须为字符串数组");
      std::string s = trim(std::string(v.as_string()));
      auto len = json::utf8_length(s);
      if (s.empty() || !len || *len > 30) return Error::Invalid("invalid_category", "分类名称须为 1 到 30 字");
      cats->push_back(s);
    }
    if (cats->size() > 50) return Error::Invalid("too_many", "分类最多 50 个");
  }
  if (submitters && *submitters != "members" && *submitters != "members_and_public")
    return Error::Invalid("invalid_submitters", "submitters 须为 members 或 members_and_public");
  if (days && (*days < 10 || *days > 30)) return Error::Invalid("invalid_deadline", "办理期限须为 10 到 30 个工作日");
  if (cosign && (*cosign < 0 || *cosign > 50)) return Error::Invalid("invalid_cosigners", "联名人数须在 0 到 50 之间");
  if (publication && *publication != "never" && *publication != "with_consent" && *publication != "always")
    return Error::Invalid("invalid_publication", "publication 须为 never、with_consent 或 always");
  if (kind == "social_report" && publication && *publication != "never")
    return Error::Invalid("invalid_publication", "社情民意保密，不能公开");
  TimeMs now = clock_.now_ms();
  return db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_TRY(access::check(c, caller, org_id, access::Action::kCaseManage));
    SL_ASSIGN(auto s, detail::effective_settings(c, org_id, kind));
    if (enabled) s.enabled = *enabled;
    if (submitters) s.submitters = *submitters;
    if (cat_req) s.category_required = *cat_req;
    if (att) s.attachments_allowed = *att;
    if (cosign) s.cosigners_required = static_cast<int>(*cosign);
    if (days) s.deadline_working_days = static_cast<int>(*days);
    if (publication) s.publication = *publication;
    if (cats) s.categories = *cats;
    SL_ASSIGN(int64_t id, store::upsert_settings(c, s, now));
    SL_ASSIGN(auto state, store::settings_state(c, id));
    SL_TRY(ledger_.record(c, caller, "case_settings.changed", "case_settings", id, std::move(state),
                          [&](const std::string& salt) { return store::set_settings_salt(c, id, salt); }));
    SL_ASSIGN(auto fresh, store::find_settings_by_id(c, id));
    return detail::settings_json(*fresh);
  });
}

// ---- cases ------------------------------------------------------------------------------

namespace {

// Checks that the caller may submit this kind to this organisation.
Status check_submitter(Conn& c, const Caller& caller, const store::KindSettings& s, int64_t org_id) {
  if (!s.enabled) return Error::Forbidden("该组织不受理这类案件");
  if (caller.superadmin) return Ok();
  for (const auto& m : caller.memberships)
    if (m.org_id == org_id && m.role != access::Role::kResponder) return Ok();
  if (s.submitters == "members_and_public") return Ok();
  (void)c;
  return Error::Forbidden("只有本组织的成员可以提交这类案件");
}

struct DraftInput {
  std::optional<std::string> title, body, category;
  std::optional<bool> allow_publish;
  std::optional<std::vector<int64_t>> attachments, cosigners;
};

Result<DraftInput> draft_input(const bj::object& body) {
  DraftInput d;
  if (body.contains("title")) {
    SL_ASSIGN(d.title, text(body, "title", 100, false));
  }
  if (body.contains("body")) {
    SL_ASSIGN(d.body, text(body, "body", 20000, false));
  }
  if (body.contains("category")) {
    SL_ASSIGN(d.category, text(body, "category", 30, false));
  }
  SL_ASSIGN(d.allow_publish, json::opt_bool(body, "allow_publish"));
  SL_ASSIGN(d.attachments, id_list(body, "attachment_ids", 20));
  SL_ASSIGN(d.cosigners, id_list(body, "cosigner_ids", 50));
  return d;
}

Status apply_draft(Conn& c, const Caller& caller, store::CaseRow& r, const DraftInput& d, const store::KindSettings& s,
                   TimeMs now) {
  if (d.title) r.title = *d.title;
  if (d.body) r.body = *d.body;
  if (d.category) r.category = *d.category;
  if (d.allow_publish) r.allow_publish = *d.allow_publish;
  if (!r.category.empty() && !s.categories.empty() &&
      std::find(s.categories.begin(), s.categories.end(), r.category) == s.categories.end())
    return Error::Invalid("invalid_category", "分类须为本组织设定的分类之一");
  if (d.attachments && !d.attachments->empty()) {
    if (!s.attachments_allowed) return Error::Invalid("attachments_not_allowed", "这类案件不接受附件");
    SL_TRY(attachments::attach(c, caller, *d.attachments, "case", r.id));
  }
  if (d.cosigners) {
    for (int64_t p : *d.cosigners) {
      if (p == r.submitter_id) return Error::Invalid("invalid_cosigner", "不能邀请自己联名");
      SL_ASSIGN(auto row, c.query_one("SELECT 1 FROM memberships WHERE person_id = ? AND org_id = ? AND role <> 'responder'",
                                      {p, r.org_id}));
      if (!row) return Error::Invalid("invalid_cosigner", "联名人须为本组织的成员");
    }
    SL_TRY(store::set_invited(c, r.id, *d.cosigners, now));
  }
  return Ok();
}

}  // namespace

Result<bj::object> CasesService::create(const Caller& caller, const bj::object& body) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  SL_ASSIGN(int64_t org_id, json::req_int(body, "org_id"));
  SL_ASSIGN(std::string kind, json::req_string(body, "kind", 30));
  if (!valid_kind(kind)) return Error::Invalid("invalid_kind", "kind 须为 proposal/motion/suggestion/social_report/micro_suggestion 之一");
  SL_ASSIGN(auto submit, json::opt_bool(body, "submit"));
  SL_ASSIGN(DraftInput d, draft_input(body));
  if (!d.title || d.title->empty()) return Error::Invalid("missing_field", "请填写标题");
  TimeMs now = clock_.now_ms();
  SL_ASSIGN(int64_t id, db_.write_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto org, c.query_one("SELECT 1 FROM orgs WHERE id = ?", {org_id}));
    if (!org) return Error::NotFound("org_not_found", "组织不存在");
    SL_ASSIGN(auto s, detail::effective_settings(c, org_id, kind));
    SL_TRY(check_submitter(c, caller, s, org_id));
    store::CaseRow r;
    r.org_id = org_id;
    r.kind = kind;
    r.state = "draft";
    r.title = *d.title;
    r.submitter_id = caller.person_id;
    SL_ASSIGN(r.id, store::insert_case(c, r, now));
    SL_TRY(apply_draft(c, caller, r, d, s, now));
    SL_TRY(store::update_case(c, r, now));
    SL_TRY(record_step(c, ledger_, caller, r, Action::kEdit, "draft", "", bj::object{{"created", true}}, now, nullptr,
                       "case.created"));
    return r.id;
  }));
  if (submit.value_or(false)) return act(caller, id, "submit", bj::object{});
  return get(caller, id);
}

Result<bj::object> CasesService::update_draft(const Caller& caller, int64_t id, const bj::object& body) {
  SL_ASSIGN(DraftInput d, draft_input(body));
  if (d.title && d.title->empty()) return Error::Invalid("missing_field", "请填写标题");
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto loaded, detail::load(c, caller, id));
    store::CaseRow& r = loaded.first;
    Standing& st = loaded.second;
    auto from = parse_state(r.state);
    SL_TRY(decide(*from, Action::kEdit, st.roles, Facts{}));
    SL_ASSIGN(auto s, detail::effective_settings(c, r.org_id, r.kind));
    SL_TRY(apply_draft(c, caller, r, d, s, now));
    SL_TRY(store::update_case(c, r, now));
    return record_step(c, ledger_, caller, r, Action::kEdit, r.state, "", bj::object{}, now);
  }));
  return get(caller, id);
}

Result<bj::object> CasesService::get(const Caller& caller, int64_t id) {
  TimeMs now = clock_.now_ms();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto loaded, detail::load(c, caller, id));
    store::CaseRow& r = loaded.first;
    Standing& st = loaded.second;
    SL_ASSIGN(Calendar cal, load_calendar(c, r.org_id));
    SL_ASSIGN(auto o, detail::case_json(c, r, st, cal, now, opts_.yellow_card_working_days));
    SL_ASSIGN(auto state, store::case_state(c, id));
    if (state) o["ledger"] = ledger::record_json("case", id, *state);
    return o;
  });
}

Status CasesService::may_read(const Caller& caller, int64_t case_id) {
  return db_.read([&](Conn& c) -> Status {
    SL_TRY(detail::load(c, caller, case_id));
    return Ok();
  });
}

Status CasesService::may_read_answer_files(const Caller& caller, int64_t event_id) {
  return db_.read([&](Conn& c) -> Status {
    SL_ASSIGN(auto e, store::find_event(c, event_id));
    if (!e) return Error::NotFound("case_not_found", "案件不存在");
    SL_TRY(detail::load(c, caller, e->case_id));
    return Ok();
  });
}

Result<bj::object> CasesService::list(const Caller& caller, const ListFilter& f, int64_t before, int limit) {
  TimeMs now = clock_.now_ms();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    store::Query q;
    q.f = f;
    q.person_id = caller.person_id;
    if (f.scope == "mine") {
      if (caller.person_id == 0) return Error::Unauthenticated();
    } else if (f.scope == "unit") {
      if (caller.person_id == 0) return Error::Unauthenticated();
      q.unit_ids = detail::unit_ids_of(caller);
      if (f.unit_id && std::find(q.unit_ids.begin(), q.unit_ids.end(), *f.unit_id) == q.unit_ids.end())
        return Error::Forbidden("你不是该单位的联络员");
    } else if (f.scope == "org") {
      if (caller.person_id == 0 && !caller.superadmin) return Error::Unauthenticated();
      if (!f.org_id) return Error::Invalid("missing_field", "scope=org 需要 org_id");
      SL_ASSIGN(std::string path, access::org_path(c, *f.org_id));
      if (!access::allowed(caller, path, access::Action::kCaseOversee)) return Error::Forbidden();
      q.hide_reports = !access::allowed(caller, path, access::Action::kCaseManage);
    } else if (f.scope == "public") {
      q.hide_reports = true;
    } else {
      return Error::Invalid("invalid_scope", "scope 须为 mine、unit、org 或 public");
    }
    SL_ASSIGN(auto ids, store::list_ids(c, q, before, limit + 1));
    std::optional<int64_t> next;
    if (static_cast<int>(ids.size()) > limit) {
      ids.pop_back();
      next = ids.back();
    }
    bj::array items;
    std::map<int64_t, Calendar> cals;
    for (int64_t id : ids) {
      SL_ASSIGN(auto r, store::find_case(c, id));
      if (!r) continue;
      auto it = cals.find(r->org_id);
      if (it == cals.end()) {
        SL_ASSIGN(Calendar cal, load_calendar(c, r->org_id));
        it = cals.emplace(r->org_id, std::move(cal)).first;
      }
      items.push_back(detail::summary_json(*r, it->second, now));
    }
    return routes::page(std::move(items), next);
  });
}

Result<bj::object> CasesService::cosigner_candidates(const Caller& caller, int64_t org_id, const std::string& q) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  auto len = json::utf8_length(q);
  if (!len || *len > 30) return Error::Invalid("query_too_long", "搜索词最多 30 字");
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto org, c.query_one("SELECT 1 FROM orgs WHERE id = ?", {org_id}));
    if (!org) return Error::NotFound("org_not_found", "组织不存在");
    bool member = false;
    for (const auto& m : caller.memberships)
      if (m.org_id == org_id && m.role != access::Role::kResponder) member = true;
    if (!member) return Error::Forbidden("只有本组织的成员可以邀请联名");
    SL_ASSIGN(auto rows, c.query("SELECT DISTINCT p.id, p.display_name FROM memberships m JOIN people p ON p.id = m.person_id "
                                 "WHERE m.org_id = ? AND m.role <> 'responder' AND p.status = 'active' AND p.id <> ? AND "
                                 "p.display_name LIKE ? ORDER BY p.id LIMIT 20",
                                 {org_id, caller.person_id, "%" + q + "%"}));
    bj::array items;
    for (const auto& r : rows) items.push_back(bj::object{{"id", r.i64(0)}, {"name", r.str(1)}});
    return bj::object{{"items", std::move(items)}};
  });
}

// ---- transitions ------------------------------------------------------------------------

Result<bj::object> CasesService::act(const Caller& caller, int64_t id, const std::string& action_s, const bj::object& body) {
  if (caller.person_id == 0 && !caller.superadmin) return Error::Unauthenticated();
  auto action = parse_action(action_s);
  if (!action || *action == Action::kEdit) return Error::NotFound("action_not_found", "没有这个操作");
  // Input, by action (checked before the transaction).
  SL_ASSIGN(std::string note, text(body, "note", 2000, false));
  SL_ASSIGN(std::string reason, text(body, "reason", 2000, false));
  SL_ASSIGN(auto approve, json::opt_bool(body, "approve"));
  SL_ASSIGN(auto lead, json::opt_int(body, "lead_unit_id"));
  SL_ASSIGN(auto co_units, id_list(body, "co_unit_ids", 10));
  SL_ASSIGN(auto days, json::opt_int(body, "working_days"));
  SL_ASSIGN(auto into, json::opt_int(body, "into_id"));
  SL_ASSIGN(auto new_kind, json::opt_string(body, "kind", 30));
  SL_ASSIGN(auto rating, json::opt_string(body, "rating", 20));
  SL_ASSIGN(auto key, json::opt_bool(body, "key"));
  SL_ASSIGN(std::string answer, text(body, "answer", 20000, false));
  SL_ASSIGN(std::string input, text(body, "input", 5000, false));
  SL_ASSIGN(auto files, id_list(body, "attachment_ids", 20));
  switch (*action) {
    case Action::kDecline:
      if (reason.empty()) return Error::Invalid("missing_field", "请说明不予立案的理由（reason）");
      break;
    case Action::kMerge:
      if (!into) return Error::Invalid("missing_field", "请指定并入的案件（into_id）");
      break;
    case Action::kConvert:
      if (!new_kind) return Error::Invalid("missing_field", "请指定转换后的类别（kind）");
      break;
    case Action::kAssign:
      if (!lead) return Error::Invalid("missing_field", "请指定主办单位（lead_unit_id）");
      if (days && (*days < 10 || *days > 30)) return Error::Invalid("invalid_deadline", "办理期限须为 10 到 30 个工作日");
      break;
    case Action::kRequestReassign:
      if (reason.empty()) return Error::Invalid("missing_field", "请说明申请改派的理由（reason）");
      break;
    case Action::kRequestExtension:
      if (reason.empty()) return Error::Invalid("missing_field", "请说明申请延期的理由（reason）");
      if (!days || *days < 1 || *days > 30) return Error::Invalid("invalid_days", "延期须为 1 到 30 个工作日（working_days）");
      break;
    case Action::kDecideReassign:
    case Action::kDecideExtension:
      if (!approve) return Error::Invalid("missing_field", "请给出决定（approve: true/false）");
      if (*action == Action::kDecideReassign && *approve && !lead)
        return Error::Invalid("missing_field", "同意改派时请指定新的主办单位（lead_unit_id）");
      break;
    case Action::kProgress:
    case Action::kSupervise:
      if (note.empty()) return Error::Invalid("missing_field", "请填写内容（note）");
      break;
    case Action::kCoInput:
      if (input.empty()) return Error::Invalid("missing_field", "请填写协办意见（input）");
      break;
    case Action::kAnswer:
      if (answer.empty()) return Error::Invalid("missing_field", "请填写答复内容（answer）");
      break;
    case Action::kRate:
      if (!rating || (*rating != "satisfied" && *rating != "basically" && *rating != "unsatisfied"))
        return Error::Invalid("invalid_rating", "rating 须为 satisfied、basically 或 unsatisfied");
      if (*rating == "unsatisfied" && reason.empty()) return Error::Invalid("missing_field", "不满意时请说明理由（reason）");
      break;
    case Action::kMarkKey:
      if (!key) return Error::Invalid("missing_field", "请指定 key: true/false");
      break;
    default:
      break;
  }
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto loaded, detail::load(c, caller, id));
    store::CaseRow& r = loaded.first;
    Standing& st = loaded.second;
    auto from = parse_state(r.state);
    if (!from) return Error::Internal("unknown state " + r.state);
    SL_ASSIGN(auto settings, detail::effective_settings(c, r.org_id, r.kind));
    SL_ASSIGN(auto cs, store::cosigners(c, r.id));
    int confirmed = 0;  // by others than the caller
    bool caller_confirmed = false;
    for (const auto& x : cs) {
      if (x.state != "confirmed") continue;
      if (x.person_id == caller.person_id) caller_confirmed = true;
      else ++confirmed;
    }
    Facts facts;
    facts.cosign_needed = settings.cosigners_required > 0;
    facts.cosign_met = confirmed + 1 >= settings.cosigners_required;
    facts.unsatisfied = rating && *rating == "unsatisfied";
    facts.rehandled = r.rehandled > 0;
    facts.publishable = r.kind != "social_report" &&
                        (settings.publication == "always" || (settings.publication == "with_consent" && r.allow_publish));
    SL_ASSIGN(State to, decide(*from, *action, st.roles, facts));
    std::string from_s = r.state;
    r.state = std::string(state_name(to));
    bj::object data;
    std::string ev_note = note;
    Calendar cal;
    auto need_cal = [&]() -> Status {
      SL_ASSIGN(cal, load_calendar(c, r.org_id));
      return Ok();
    };
    // Gives the case to units with a fresh deadline.
    auto assign_units = [&](int64_t lead_id, const std::vector<int64_t>& co, int n) -> Status {
      SL_TRY(check_unit(c, lead_id, r.org_id));
      for (int64_t u : co) SL_TRY(check_unit(c, u, r.org_id));
      SL_TRY(need_cal());
      SL_TRY(store::set_units(c, r.id, lead_id, co));
      SL_ASSIGN(auto lead_row, c.query_one("SELECT name FROM orgs WHERE id = ?", {lead_id}));
      r.lead_unit_name = lead_row ? lead_row->str(0) : "";
      Day dd = cal.add_working_days(beijing_day(now), n);
      r.lead_unit_id = lead_id;
      r.assigned_at = now;
      r.deadline_day = format_day(dd);
      r.deadline_at = end_of_beijing_day(dd);
      r.card = "none";
      r.card_at.reset();
      r.pending.reset();
      r.pending_data.reset();
      data["lead_unit_id"] = lead_id;
      data["co_unit_ids"] = bj::value_from(co);
      data["deadline_day"] = *r.deadline_day;
      data["working_days"] = n;
      return Ok();
    };
    std::vector<std::function<Status()>> after;  // notifications, once the case row is written
    auto assigned_vars = [&]() { return vars_of(r, {{"unit", r.lead_unit_name}, {"due", r.deadline_day.value_or("")}}); };
    // The submitter hears how staff reviewed the case.
    auto tell_review = [&](std::string review, std::string kind, std::string note_text) {
      after.push_back([&, review, kind, note_text]() {
        return notify_submitter(c, now, "case.reviewed", vars_of(r, {{"kind", kind}, {"review", review}, {"note", note_text}}), r);
      });
    };
    switch (*action) {
      case Action::kSubmit: {
        if (r.title.empty()) return Error::Invalid("missing_field", "请填写标题");
        if (r.body.empty()) return Error::Invalid("missing_field", "请填写正文");
        if (settings.category_required && r.category.empty()) return Error::Invalid("missing_field", "请选择分类");
        SL_TRY(check_submitter(c, caller, settings, r.org_id));
        if (static_cast<int>(cs.size()) < settings.cosigners_required)
          return Error::Invalid("not_enough_cosigners", "这类案件需要至少 " + std::to_string(settings.cosigners_required) +
                                                            " 人联名，请先邀请联名人");
        r.submitted_at = now;
        {
          for (const auto& x : cs) {
            SL_TRY(store::set_cosigner_state(c, r.id, x.person_id, "invited", now));
            after.push_back([&, p = x.person_id]() {
              return notify_person(c, now, p, "case.cosign", vars_of(r, {{"submitter", r.submitter_name}}), r);
            });
          }
        }
        break;
      }
      case Action::kWithdraw:
        r.submitted_at.reset();
        break;
      case Action::kCosign:
        if (caller_confirmed) return Error::Conflict("already_cosigned", "你已确认联名");
        SL_TRY(store::set_cosigner_state(c, r.id, caller.person_id, "confirmed", now));
        data["confirmed"] = confirmed + 1;
        if (to == State::kSubmitted && from_s == "cosigning") r.submitted_at = now;
        break;
      case Action::kDeclineCosign:
        SL_TRY(store::set_cosigner_state(c, r.id, caller.person_id, "declined", now));
        break;
      case Action::kAccept:
        r.accepted_at = now;
        tell_review("accepted", r.kind, note);
        break;
      case Action::kDecline:
        r.decline_reason = reason;
        r.closed_at = now;
        ev_note = reason;
        tell_review("declined", r.kind, reason);
        break;
      case Action::kMerge: {
        if (*into == r.id) return Error::Invalid("invalid_merge", "不能并入自身");
        SL_ASSIGN(auto target, store::find_case(c, *into));
        if (!target || target->org_id != r.org_id) return Error::Invalid("invalid_merge", "并入的案件须属于同一组织");
        if (target->state != "submitted" && target->state != "accepted" && target->state != "handling")
          return Error::Conflict("invalid_merge", "只能并入待审查、已立案或办理中的案件");
        r.merged_into = *into;
        r.closed_at = now;
        data["into_id"] = *into;
        tell_review("merged", r.kind, note);
        break;
      }
      case Action::kConvert: {
        bool ok = (r.kind == "proposal" && *new_kind == "social_report") || (r.kind == "social_report" && *new_kind == "proposal");
        if (!ok) return Error::Invalid("invalid_conversion", "只能在提案与社情民意之间转换");
        data["from_kind"] = r.kind;
        data["to_kind"] = *new_kind;
        tell_review("converted", r.kind, note);
        r.kind = *new_kind;
        if (r.kind == "social_report") r.allow_publish = false;
        break;
      }
      case Action::kAssign: {
        int n = days ? static_cast<int>(*days) : settings.deadline_working_days;
        SL_TRY(assign_units(*lead, co_units.value_or(std::vector<int64_t>{}), n));
        after.push_back([&]() { return notify_units(c, now, r.id, false, "case.assigned", assigned_vars(), r); });
        break;
      }
      case Action::kRequestReassign:
        if (r.pending) return Error::Conflict("request_pending", "已有待工作人员决定的申请");
        r.pending = "reassign";
        r.pending_data = bj::serialize(bj::object{{"reason", reason}, {"unit_id", r.lead_unit_id.value_or(0)}});
        ev_note = reason;
        after.push_back([&]() { return notify_staff(c, now, "case.request", vars_of(r, {{"unit", r.lead_unit_name}, {"request", "ask_reassign"}, {"reason", reason}}), r); });
        break;
      case Action::kDecideReassign:
        if (r.pending != std::optional<std::string>("reassign")) return Error::Conflict("no_request", "没有待决定的改派申请");
        data["approve"] = *approve;
        if (*approve) {
          SL_TRY(assign_units(*lead, co_units.value_or(std::vector<int64_t>{}), settings.deadline_working_days));
          after.push_back([&]() { return notify_units(c, now, r.id, false, "case.assigned", assigned_vars(), r); });
        }
        if (!*approve)
          after.push_back([&]() { return notify_units(c, now, r.id, true, "case.decision", vars_of(r, {{"request", "reassign"}, {"decision", "refused"}, {"due", r.deadline_day.value_or("")}}), r); });
        r.pending.reset();
        r.pending_data.reset();
        break;
      case Action::kRequestExtension:
        if (r.pending) return Error::Conflict("request_pending", "已有待工作人员决定的申请");
        r.pending = "extension";
        r.pending_data = bj::serialize(bj::object{{"reason", reason}, {"working_days", *days}});
        ev_note = reason;
        data["working_days"] = *days;
        after.push_back([&]() { return notify_staff(c, now, "case.request", vars_of(r, {{"unit", r.lead_unit_name}, {"request", "ask_extension"}, {"reason", reason}}), r); });
        break;
      case Action::kDecideExtension: {
        if (r.pending != std::optional<std::string>("extension")) return Error::Conflict("no_request", "没有待决定的延期申请");
        data["approve"] = *approve;
        if (*approve) {
          auto pd = json::parse_object(r.pending_data.value_or("{}"));
          int n = pd.ok() && pd->contains("working_days") ? static_cast<int>(pd->at("working_days").as_int64()) : 0;
          SL_TRY(need_cal());
          Day dd = cal.add_working_days(parse_day(*r.deadline_day).value_or(beijing_day(now)), n);
          r.deadline_day = format_day(dd);
          r.deadline_at = end_of_beijing_day(dd);
          data["deadline_day"] = *r.deadline_day;
        }
        after.push_back([&, ok = *approve]() {
          return notify_units(c, now, r.id, true, "case.decision",
                              vars_of(r, {{"request", "extension"}, {"decision", ok ? "approved" : "refused"},
                                          {"due", r.deadline_day.value_or("")}}),
                              r);
        });
        r.pending.reset();
        r.pending_data.reset();
        break;
      }
      case Action::kProgress:
        break;
      case Action::kCoInput: {
        for (int64_t u : st.my_units) {
          SL_ASSIGN(auto us, store::units(c, r.id));
          for (const auto& x : us)
            if (x.org_id == u && x.role == "co") SL_TRY(store::set_unit_input(c, r.id, u, input, now));
        }
        ev_note = input;
        break;
      }
      case Action::kAnswer: {
        SL_ASSIGN(auto us, store::units(c, r.id));
        bj::array missing;
        for (const auto& x : us)
          if (x.role == "co" && !x.input) missing.push_back(bj::string(x.name));
        if (!missing.empty())
          return Error::Conflict("co_input_missing", "协办单位尚未提出意见：" + std::string(missing[0].as_string()) +
                                                         (missing.size() > 1 ? " 等" : ""));
        SL_TRY(need_cal());
        r.answer = answer;
        r.answered_at = now;
        r.answer_working_days = cal.working_days_between(beijing_day(r.assigned_at.value_or(now)), beijing_day(now));
        r.answered_on_time = r.deadline_at && now <= *r.deadline_at ? 1 : 0;
        r.pending.reset();
        r.pending_data.reset();
        if (r.card != "none") data["card_cleared"] = r.card;
        r.card = "none";
        r.card_at = now;
        ev_note = answer;
        after.push_back([&]() { return notify_submitter(c, now, "case.answered", vars_of(r, {{"unit", r.lead_unit_name}}), r); });
        break;
      }
      case Action::kRate:
        r.rating = *rating;
        r.rating_reason = reason.empty() ? std::nullopt : std::optional<std::string>(reason);
        r.rated_at = now;
        ev_note = reason;
        data["rating"] = *rating;
        if (to == State::kClosed) {
          r.closed_at = now;
          after.push_back([&]() { return notify_units(c, now, r.id, true, "case.rated", vars_of(r, {{"rating", r.rating.value_or("")}}), r); });
        } else if (to == State::kHandling) {
          r.rehandled += 1;
          SL_TRY(need_cal());
          Day dd = cal.add_working_days(beijing_day(now), settings.deadline_working_days);
          r.deadline_day = format_day(dd);
          r.deadline_at = end_of_beijing_day(dd);
          r.assigned_at = now;
          data["deadline_day"] = *r.deadline_day;
          after.push_back([&]() {
            return notify_units(c, now, r.id, false, "case.returned", vars_of(r, {{"reason", r.rating_reason.value_or("")}}), r);
          });
        } else {
          after.push_back([&]() {
            return notify_staff(c, now, "case.escalated", vars_of(r, {{"reason", r.rating_reason.value_or("")}}), r);
          });
        }
        break;
      case Action::kClose:
        r.closed_at = now;
        break;
      case Action::kSupervise:
        after.push_back([&]() { return notify_units(c, now, r.id, false, "case.supervised", vars_of(r, {{"note", ev_note}}), r); });
        break;
      case Action::kMarkKey:
        r.key_case = *key;
        data["key"] = *key;
        break;
      case Action::kPublish:
        if (r.published_at) return Error::Conflict("already_published", "答复已公开");
        r.published_at = now;
        break;
      case Action::kArchive:
        r.archived_at = now;
        break;
      case Action::kEdit:
      case Action::kCard:
        break;
    }
    SL_TRY(store::update_case(c, r, now));
    // Answer documents are bound to the answer's event (scope "case_answer").
    int64_t event_id = 0;
    SL_TRY(record_step(c, ledger_, caller, r, *action, from_s, ev_note, data, now, &event_id));
    if (*action == Action::kAnswer && files && !files->empty())
      SL_TRY(attachments::attach(c, caller, *files, "case_answer", event_id));
    for (auto& f : after) SL_TRY(f());
    return Ok();
  }));
  return get(caller, id);
}

// ---- the deadline sweep -----------------------------------------------------------------

Result<SweepReport> CasesService::sweep(Conn& c, TimeMs now) {
  SweepReport rep;
  SL_ASSIGN(auto ids, store::sweep_candidates(c));
  std::map<int64_t, Calendar> cals;
  Caller sys = Caller::system();
  for (int64_t id : ids) {
    SL_ASSIGN(auto row, store::find_case(c, id));
    if (!row) continue;
    store::CaseRow& r = *row;
    auto it = cals.find(r.org_id);
    if (it == cals.end()) {
      SL_ASSIGN(Calendar cal, load_calendar(c, r.org_id));
      it = cals.emplace(r.org_id, std::move(cal)).first;
    }
    std::string want = "none";
    if (r.state == "handling") {
      auto left = detail::working_days_left(r, it->second, now);
      if (r.deadline_at && now > *r.deadline_at) want = "red";
      else if (left && *left <= opts_.yellow_card_working_days) want = "yellow";
    }
    if (want == r.card) continue;
    auto from = parse_state(r.state);
    if (!from) continue;
    auto to = decide(*from, Action::kCard, {Role::kSystem}, Facts{});
    if (!to.ok()) continue;  // a state without cards (declined, merged, archived): left alone
    std::string old = r.card;
    r.card = want;
    r.card_at = now;
    SL_TRY(store::update_case(c, r, now));
    std::string ledger_action = want == "none" ? "case.card_cleared" : "case.card_" + want;
    SL_TRY(record_step(c, ledger_, sys, r, Action::kCard, r.state, "", bj::object{{"from", old}, {"to", want}}, now, nullptr,
                       ledger_action));
    if (want == "yellow") {
      ++rep.yellow;
      auto left = detail::working_days_left(r, it->second, now);
      SL_TRY(notify_units(c, now, r.id, false, "case.due_soon",
                          vars_of(r, {{"due", r.deadline_day.value_or("")}, {"days", std::to_string(std::max(0, left.value_or(0)))}}),
                          r));
    } else if (want == "red") {
      ++rep.red;
      SL_TRY(notify_units(c, now, r.id, false, "case.overdue", vars_of(r, {{"due", r.deadline_day.value_or("")}}), r));
    } else {
      ++rep.cleared;
    }
  }
  return rep;
}

Result<SweepReport> CasesService::sweep_now() {
  TimeMs now = clock_.now_ms();
  return db_.write_value<SweepReport>([&](Conn& c) { return sweep(c, now); });
}

}  // namespace sl::cases
