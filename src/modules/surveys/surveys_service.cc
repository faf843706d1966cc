// Surveys use cases: build, open and close; who may read, answer and see results; answering
// with its guards against repeats; results, responses, search. Each write is one transaction
// with its ledger entry; live events are published after the commit.
#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "core/encoding.h"
#include "core/json.h"
#include "modules/common/route_util.h"
#include "modules/search/search.h"
#include "modules/surveys/questionnaire.h"
#include "modules/surveys/surveys.h"
#include "modules/surveys/surveys_store.h"

namespace sl::surveys {

using access::Action;
using access::Role;
using storage::Conn;

namespace {

constexpr const char* kSearchKind = "survey_answer";

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bj::value iso_or_null(const std::optional<TimeMs>& t) { return t ? bj::value(format_iso8601(*t)) : bj::value(nullptr); }

Result<std::optional<std::vector<int64_t>>> id_list(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::vector<int64_t>>();
  if (!it->value().is_array() || it->value().as_array().size() > 100)
    return Error::Invalid("invalid_field", std::string(key) + " 须为不超过 100 个编号的数组");
  std::vector<int64_t> out;
  for (const auto& v : it->value().as_array()) {
    if (!v.is_int64() || v.as_int64() <= 0) return Error::Invalid("invalid_field", std::string(key) + " 须为正整数编号数组");
    if (std::find(out.begin(), out.end(), v.as_int64()) == out.end()) out.push_back(v.as_int64());
  }
  return std::optional<std::vector<int64_t>>(std::move(out));
}

// The configurable part of a survey as a request gives it; absent fields stay as they are.
Status apply_config(store::SurveyRow& s, const bj::object& body, std::optional<std::vector<int64_t>>& org_ids,
                    std::optional<std::vector<int64_t>>& sector_ids) {
  if (body.contains("title")) {
    SL_ASSIGN(auto t, json::opt_string(body, "title", 200));
    s.title = trim(t.value_or(""));
    if (s.title.empty()) return Error::Invalid("missing_field", "问卷标题不能为空");
  }
  if (body.contains("description")) {
    SL_ASSIGN(auto d, json::opt_string(body, "description", 5000));
    s.description = trim(d.value_or(""));
  }
  if (body.contains("audience") && s.kind == "survey") {
    SL_ASSIGN(std::string a, json::req_string(body, "audience", 20));
    if (a != "members" && a != "public") return Error::Invalid("invalid_audience", "audience 须为 members（成员）或 public（公众）");
    s.audience = a;
  }
  SL_ASSIGN(auto anon, json::opt_bool(body, "anonymous"));
  if (anon) s.anonymous = *anon;
  SL_ASSIGN(auto vis, json::opt_string(body, "results_visibility", 20));
  if (vis) {
    if (*vis != "staff" && *vis != "respondents" && *vis != "all")
      return Error::Invalid("invalid_results_visibility", "results_visibility 须为 staff（仅工作人员）、respondents（答卷后可见）或 all（所有可参与者）");
    s.results_visibility = *vis;
  }
  SL_ASSIGN(auto sms, json::opt_bool(body, "sms_check"));
  if (sms) s.sms_check = *sms;
  SL_ASSIGN(auto mpa, json::opt_int(body, "max_per_address"));
  if (mpa) {
    if (*mpa < 0 || *mpa > 100000) return Error::Invalid("invalid_max_per_address", "max_per_address 须在 0（不限）到 100000 之间");
    s.max_per_address = *mpa;
  }
  if (auto it = body.find("closes_at"); it != body.end()) {
    if (it->value().is_null()) {
      s.closes_at.reset();
    } else {
      auto t = it->value().is_string() ? parse_iso8601(std::string_view(it->value().as_string())) : std::nullopt;
      if (!t) return Error::Invalid("invalid_time", "closes_at 须为 ISO-8601 时间，例如 2026-05-01T18:00:00+08:00");
      s.closes_at = *t;
    }
  }
  if (auto it = body.find("questions"); it != body.end()) {
    SL_ASSIGN(Questionnaire q, parse_questionnaire(it->value(), s.kind == "poll"));
    s.questions = bj::serialize(questionnaire_json(q));
  }
  SL_ASSIGN(org_ids, id_list(body, "org_ids"));
  SL_ASSIGN(sector_ids, id_list(body, "sector_ids"));
  if (s.audience != "members" && ((org_ids && !org_ids->empty()) || (sector_ids && !sector_ids->empty())))
    return Error::Invalid("invalid_audience", "只有成员问卷可以指定组织和界别");
  if (s.sms_check && s.audience != "public") return Error::Invalid("invalid_sms_check", "短信验证只用于面向公众的问卷");
  return Ok();
}

Result<Questionnaire> questions_of(const store::SurveyRow& s) {
  boost::system::error_code ec;
  bj::value v = bj::parse(s.questions, ec);
  if (ec) return Error::Internal("stored questions are not JSON");
  return parse_questionnaire(v, s.kind == "poll");
}

// A statement respondents read before they start.
std::string notice_of(const store::SurveyRow& s) {
  if (s.anonymous)
    return "本问卷为匿名问卷：您的答卷不与您的姓名或账号关联保存，工作人员只能看到答卷内容和统计结果。";
  return "本问卷为实名问卷：您的答卷将与您的姓名一并保存，组织方工作人员可以看到是谁填写的。";
}

std::string hashed(const store::SurveyRow& s, std::string_view kind, std::string_view value) {
  return sha256_hex(s.hash_key + "|" + std::string(kind) + "|" + std::string(value));
}

// What the caller may do with one survey.
struct Access {
  bool read = false, eligible = false, manage = false, oversee = false;
  bool needs_login = false;  // would be eligible after signing in
};

}  // namespace

SurveysService::SurveysService(storage::Database& db, const Clock& clock, ledger::Ledger& ledger, pubsub::Bus& bus,
                               accounts::AccountsService& accounts)
    : db_(db), clock_(clock), ledger_(ledger), bus_(bus), accounts_(accounts) {}

void SurveysService::add_scope_type(std::string type, ScopeChecker check) { scopes_[std::move(type)] = std::move(check); }

namespace {

// Everything a use case needs about a survey and the caller.
struct Loaded {
  store::SurveyRow s;
  Access a;
};

struct Ctx {
  const std::map<std::string, ScopeChecker, std::less<>>& scopes;
  TimeMs now;
};

bool open_now(const store::SurveyRow& s, TimeMs now) { return s.state == "open" && (!s.closes_at || now < *s.closes_at); }

Result<Access> access_of(Conn& c, const Ctx& ctx, const store::SurveyRow& s, const Caller& caller) {
  Access a;
  if (s.scope_type) {
    auto it = ctx.scopes.find(*s.scope_type);
    if (it == ctx.scopes.end()) return Error::NotFound("survey_not_found", "问卷不存在");
    auto sa = it->second(c, caller, s.scope_id.value_or(0));
    if (!sa.ok()) {
      if (sa.error().code == Code::kUnauthenticated) return sa.error();
      return Error::NotFound("survey_not_found", "问卷不存在");
    }
    a.manage = sa->manage || caller.superadmin;
    a.oversee = sa->oversee || a.manage;
    a.read = a.oversee || (sa->read && s.state != "draft");
    a.eligible = open_now(s, ctx.now) && sa->answer;
    return a;
  }
  a.manage = access::allowed(caller, s.org_path, Action::kDeliberationManage);
  a.oversee = a.manage || access::allowed(caller, s.org_path, Action::kDeliberationOversee);
  bool in_audience = s.audience == "public";
  if (s.audience == "members") {
    std::vector<int64_t> orgs = s.org_ids.empty() ? std::vector<int64_t>{s.org_id} : s.org_ids;
    for (const auto& m : caller.memberships) {
      if (m.role != Role::kMember) continue;
      if (std::find(orgs.begin(), orgs.end(), m.org_id) == orgs.end()) continue;
      if (!s.sector_ids.empty() &&
          (!m.sector_id || std::find(s.sector_ids.begin(), s.sector_ids.end(), *m.sector_id) == s.sector_ids.end()))
        continue;
      in_audience = true;
    }
  }
  a.read = a.oversee || (s.state != "draft" && in_audience);
  a.eligible = open_now(s, ctx.now) && in_audience;
  // A named public survey needs to know who answers.
  if (a.eligible && !s.anonymous && caller.person_id == 0) {
    a.eligible = false;
    a.needs_login = true;
  }
  return a;
}

Result<Loaded> load(Conn& c, const Ctx& ctx, const Caller& caller, int64_t id) {
  SL_ASSIGN(auto s, store::find_survey(c, id));
  if (!s) return Error::NotFound("survey_not_found", "问卷不存在");
  SL_ASSIGN(Access a, access_of(c, ctx, *s, caller));
  if (!a.read) {
    if (caller.person_id == 0 && !caller.superadmin && s->state != "draft") return Error::Unauthenticated("请登录后参与本问卷");
    return Error::NotFound("survey_not_found", "问卷不存在");
  }
  return Loaded{std::move(*s), a};
}

// Has this caller (or this device, for someone not signed in) answered already?
Result<bool> answered(Conn& c, const store::SurveyRow& s, const Caller& caller, const Respondent& who) {
  if (caller.person_id) {
    SL_ASSIGN(bool named, store::has_named_response(c, s.id, caller.person_id));
    if (named) return true;
    SL_ASSIGN(bool part, store::is_participant(c, s.id, caller.person_id));
    if (part) return true;
  }
  if (s.audience == "public" && !who.device.empty()) {
    SL_ASSIGN(int64_t n, store::claim_count(c, s.id, "device", hashed(s, "device", who.device)));
    if (n > 0) return true;
  }
  return false;
}

bool sees_results(const Loaded& l, bool did_answer) {
  if (l.a.oversee) return true;
  if (l.s.results_visibility == "all") return l.a.read;
  if (l.s.results_visibility == "respondents") return did_answer;
  return false;
}

Status record(Conn& c, ledger::Ledger& ledger, const Caller& caller, std::string_view action, std::string_view type,
              int64_t id) {
  SL_ASSIGN(auto state, store::ledger_state(c, type, id));
  return ledger.record(c, caller, action, type, id, std::move(state),
                       [&](const std::string& salt) { return store::set_ledger_salt(c, type, id, salt); });
}

std::string room_of(int64_t id) { return "survey:" + std::to_string(id); }

std::string event_payload(std::string_view type, int64_t seq, TimeMs at, bj::value data) {
  return bj::serialize(bj::object{{"type", type}, {"seq", seq}, {"at", format_iso8601(at)}, {"data", std::move(data)}});
}

// Checks a members' audience: organisations the caller manages (or their descendants' staff
// would not see it) and sectors of those organisations.
Status check_audience(Conn& c, const Caller& caller, const store::SurveyRow& s, const std::vector<int64_t>& orgs,
                      const std::vector<int64_t>& sectors) {
  for (int64_t o : orgs) {
    SL_ASSIGN(auto r, c.query_one("SELECT path FROM orgs WHERE id = ?", {o}));
    if (!r) return Error::Invalid("invalid_org", "组织 " + std::to_string(o) + " 不存在");
    if (!access::allowed(caller, r->str(0), Action::kDeliberationManage))
      return Error::Forbidden("问卷面向的每个组织都须由您管理");
  }
  std::vector<int64_t> all = orgs.empty() ? std::vector<int64_t>{s.org_id} : orgs;
  for (int64_t x : sectors) {
    SL_ASSIGN(auto r, c.query_one("SELECT org_id FROM sectors WHERE id = ?", {x}));
    if (!r || std::find(all.begin(), all.end(), r->i64(0)) == all.end())
      return Error::Invalid("invalid_sector", "界别 " + std::to_string(x) + " 不属于问卷面向的组织");
  }
  return Ok();
}

Result<bj::object> survey_json(Conn& c, const Loaded& l, bool did_answer, bool with_ledger) {
  const auto& s = l.s;
  bj::object o;
  o["id"] = s.id;
  o["org"] = bj::object{{"id", s.org_id}, {"name", s.org_name}};
  o["kind"] = s.kind;
  o["scope"] = s.scope_type ? bj::value(bj::object{{"type", *s.scope_type}, {"id", s.scope_id.value_or(0)}}) : bj::value(nullptr);
  o["title"] = s.title;
  o["description"] = s.description;
  o["state"] = s.state;
  o["audience"] = s.audience;
  o["anonymous"] = s.anonymous;
  o["notice"] = notice_of(s);
  o["results_visibility"] = s.results_visibility;
  o["sms_check"] = s.sms_check;
  o["max_per_address"] = s.max_per_address;
  o["closes_at"] = iso_or_null(s.closes_at);
  boost::system::error_code ec;
  o["questions"] = bj::parse(s.questions, ec);
  if (s.audience == "members") {
    SL_ASSIGN(auto orgs, store::org_names(c, s.org_ids));
    SL_ASSIGN(auto secs, store::sector_names(c, s.sector_ids));
    bj::array oa, sa;
    for (auto& [id, name] : orgs) oa.push_back(bj::object{{"id", id}, {"name", name}});
    for (auto& [id, name] : secs) sa.push_back(bj::object{{"id", id}, {"name", name}});
    o["members"] = bj::object{{"orgs", std::move(oa)}, {"sectors", std::move(sa)}};
  } else {
    o["members"] = nullptr;
  }
  bool results = sees_results(l, did_answer);
  o["response_count"] = results ? bj::value(s.response_count) : bj::value(nullptr);
  o["last_seq"] = s.last_seq;
  o["version"] = s.version;
  o["created_at"] = format_iso8601(s.created_at);
  o["updated_at"] = format_iso8601(s.updated_at);
  o["opened_at"] = iso_or_null(s.opened_at);
  o["closed_at"] = iso_or_null(s.closed_at);
  o["my"] = bj::object{{"may_answer", l.a.eligible && !did_answer},
                       {"answered", did_answer},
                       {"needs_login", l.a.needs_login},
                       {"may_manage", l.a.manage},
                       {"may_see_results", results}};
  if (with_ledger) {
    SL_ASSIGN(auto st, store::ledger_state(c, "survey", s.id));
    o["ledger"] = ledger::record_json("survey", s.id, st.value_or(ledger::RecordState{}));
  }
  return o;
}

}  // namespace

// ---- building -----------------------------------------------------------------------------

Result<bj::object> SurveysService::create(const Caller& caller, const bj::object& body) {
  if (caller.person_id == 0 && !caller.superadmin) return Error::Unauthenticated();
  store::SurveyRow s;
  SL_ASSIGN(auto kind, json::opt_string(body, "kind", 20));
  s.kind = kind.value_or("survey");
  if (s.kind != "survey" && s.kind != "poll") return Error::Invalid("invalid_kind", "kind 须为 survey（问卷）或 poll（快速投票）");
  SL_ASSIGN(auto scope_type, json::opt_string(body, "scope_type", 40));
  SL_ASSIGN(auto scope_id, json::opt_int(body, "scope_id"));
  SL_ASSIGN(auto org_id, json::opt_int(body, "org_id"));
  if (scope_type || scope_id) {
    if (!scope_type || !scope_id) return Error::Invalid("invalid_scope", "scope_type 与 scope_id 须同时给出");
    if (!scopes_.count(*scope_type)) return Error::Invalid("invalid_scope", "不支持的 scope_type：" + *scope_type);
    s.scope_type = scope_type;
    s.scope_id = scope_id;
    s.audience = "scope";
    s.results_visibility = "all";  // a quick poll shows its results live to those taking part
  } else {
    if (s.kind == "poll") return Error::Invalid("invalid_scope", "快速投票须附在一项记录上（scope_type、scope_id）");
    if (!org_id) return Error::Invalid("missing_field", "缺少必填字段 org_id");
    s.org_id = *org_id;
  }
  if (!body.contains("title")) return Error::Invalid("missing_field", "缺少必填字段 title");
  if (!body.contains("questions")) return Error::Invalid("missing_field", "缺少必填字段 questions");
  std::optional<std::vector<int64_t>> org_ids, sector_ids;
  SL_TRY(apply_config(s, body, org_ids, sector_ids));
  s.created_by = caller.person_id ? std::optional<int64_t>(caller.person_id) : std::nullopt;
  s.hash_key = ledger_.new_salt();
  TimeMs now = clock_.now_ms();
  SL_ASSIGN(int64_t id, db_.write_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    if (s.scope_type) {
      SL_ASSIGN(ScopeAccess sa, scopes_.at(*s.scope_type)(c, caller, *s.scope_id));
      if (!sa.manage && !caller.superadmin) return Error::Forbidden("只有该记录的主办方工作人员可以发起投票");
      s.org_id = sa.org_id;
    } else {
      SL_TRY(access::check(c, caller, s.org_id, Action::kDeliberationManage));
      SL_ASSIGN(s.org_path, access::org_path(c, s.org_id));
      SL_TRY(check_audience(c, caller, s, org_ids.value_or(std::vector<int64_t>{}), sector_ids.value_or(std::vector<int64_t>{})));
    }
    SL_ASSIGN(int64_t id, store::insert_survey(c, s, now));
    if (org_ids || sector_ids)
      SL_TRY(store::replace_audience(c, id, org_ids.value_or(std::vector<int64_t>{}), sector_ids.value_or(std::vector<int64_t>{})));
    SL_TRY(record(c, ledger_, caller, "survey.created", "survey", id));
    return id;
  }));
  return get(caller, id, Respondent{});
}

Result<bj::object> SurveysService::update(const Caller& caller, int64_t id, const bj::object& body) {
  TimeMs now = clock_.now_ms();
  Ctx ctx{scopes_, now};
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(Loaded l, load(c, ctx, caller, id));
    if (!l.a.manage) return Error::Forbidden("只有组织方工作人员可以修改问卷");
    if (l.s.state != "draft") return Error::Conflict("survey_not_draft", "问卷已发布，题目和设置不能再修改");
    SL_ASSIGN(auto expected, json::opt_int(body, "version"));
    if (expected && *expected != l.s.version)
      return Error{Code::kPreconditionFailed, "version_mismatch", "问卷已被他人修改，请刷新后重试", {}};
    std::optional<std::vector<int64_t>> org_ids, sector_ids;
    SL_TRY(apply_config(l.s, body, org_ids, sector_ids));
    if (l.s.audience != "members") {
      org_ids = std::vector<int64_t>{};
      sector_ids = std::vector<int64_t>{};
    }
    if (org_ids || sector_ids) {
      std::vector<int64_t> orgs = org_ids.value_or(l.s.org_ids), secs = sector_ids.value_or(l.s.sector_ids);
      SL_TRY(check_audience(c, caller, l.s, orgs, secs));
      SL_TRY(store::replace_audience(c, id, orgs, secs));
    }
    SL_TRY(store::update_survey(c, l.s, now));
    return record(c, ledger_, caller, "survey.updated", "survey", id);
  }));
  return get(caller, id, Respondent{});
}

Result<bj::object> SurveysService::set_state(const Caller& caller, int64_t id, const std::string& state) {
  if (state != "open" && state != "closed") return Error::Invalid("invalid_state", "state 须为 open（发布）或 closed（结束）");
  TimeMs now = clock_.now_ms();
  Ctx ctx{scopes_, now};
  std::optional<pubsub::Message> msg;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    msg.reset();
    SL_ASSIGN(Loaded l, load(c, ctx, caller, id));
    if (!l.a.manage) return Error::Forbidden("只有组织方工作人员可以发布或结束问卷");
    if (!((l.s.state == "draft" && state == "open") || (l.s.state == "open" && state == "closed")))
      return Error::Conflict("invalid_transition", "问卷状态不能从 " + l.s.state + " 变为 " + state + "（顺序为 草稿 → 进行中 → 已结束）");
    SL_TRY(store::set_state(c, id, state, now));
    SL_TRY(record(c, ledger_, caller, state == "open" ? "survey.opened" : "survey.closed", "survey", id));
    SL_ASSIGN(auto seq, store::next_seq(c, id, 0));
    msg = pubsub::Message{room_of(id), seq.first,
                          event_payload("survey.state_changed", seq.first, now,
                                        bj::object{{"state", state}, {"previous", l.s.state}, {"response_count", seq.second}})};
    return Ok();
  }));
  if (msg) bus_.publish(std::move(*msg));
  return get(caller, id, Respondent{});
}

// ---- reading ------------------------------------------------------------------------------

Result<bj::object> SurveysService::get(const Caller& caller, int64_t id, const Respondent& who) {
  Ctx ctx{scopes_, clock_.now_ms()};
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, ctx, caller, id));
    SL_ASSIGN(bool did, answered(c, l.s, caller, who));
    return survey_json(c, l, did, true);
  });
}

Result<bj::object> SurveysService::list(const Caller& caller, const ListFilter& f, int64_t before, int limit) {
  if (f.state && *f.state != "draft" && *f.state != "open" && *f.state != "closed")
    return Error::Invalid("invalid_state", "state 须为 draft、open 或 closed");
  if (f.scope_type.has_value() != f.scope_id.has_value())
    return Error::Invalid("invalid_scope", "scope_type 与 scope_id 须同时给出");
  Ctx ctx{scopes_, clock_.now_ms()};
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    // The record a poll list belongs to must be readable (else 404, as for the record itself).
    if (f.scope_type) {
      auto it = scopes_.find(*f.scope_type);
      if (it == scopes_.end()) return Error::Invalid("invalid_scope", "不支持的 scope_type");
      SL_TRY(it->second(c, caller, *f.scope_id));
    }
    std::vector<std::pair<Loaded, bool>> page;
    int64_t cursor = before > 0 ? before : INT64_MAX;
    int rounds = 0;
    while (static_cast<int>(page.size()) <= limit && rounds++ < 20) {
      SL_ASSIGN(auto rows, store::list_surveys(c, f, cursor, limit * 2 + 1));
      for (auto& s : rows) {
        cursor = s.id;
        SL_ASSIGN(auto full, store::find_survey(c, s.id));
        if (!full) continue;
        auto a = access_of(c, ctx, *full, caller);
        if (!a.ok()) {
          if (a.error().code == Code::kNotFound || a.error().code == Code::kUnauthenticated ||
              a.error().code == Code::kForbidden)
            continue;
          return a.error();
        }
        if (!a->read) continue;
        page.emplace_back(Loaded{std::move(*full), *a}, false);
        if (static_cast<int>(page.size()) > limit) break;
      }
      if (static_cast<int>(rows.size()) < limit * 2 + 1) break;
    }
    std::optional<int64_t> next;
    if (static_cast<int>(page.size()) > limit) {
      page.pop_back();
      next = page.back().first.s.id;
    }
    bj::array items;
    for (auto& [l, _] : page) {
      SL_ASSIGN(bool did, answered(c, l.s, caller, Respondent{}));
      SL_ASSIGN(auto o, survey_json(c, l, did, false));
      items.push_back(std::move(o));
    }
    return routes::page(std::move(items), next);
  });
}

// ---- answering ----------------------------------------------------------------------------

Result<bj::object> SurveysService::respond(const Caller& caller, int64_t id, const bj::object& body, const Respondent& who) {
  auto it = body.find("answers");
  if (it == body.end()) return Error::Invalid("missing_field", "缺少必填字段 answers");
  SL_ASSIGN(auto mobile, json::opt_string(body, "mobile", 20));
  SL_ASSIGN(auto code, json::opt_string(body, "code", 12));
  TimeMs now = clock_.now_ms();
  Ctx ctx{scopes_, now};

  // Every check a respondent can fix comes before the SMS code is spent.
  auto check = [&](Conn& c, const Loaded& l) -> Status {
    if (!open_now(l.s, now)) {
      if (l.s.state == "draft") return Error::Conflict("survey_not_open", "问卷尚未发布");
      return Error::Conflict("survey_closed", "问卷已结束，不能再提交");
    }
    if (l.a.needs_login) return Error::Unauthenticated("本问卷为实名问卷，请登录后填写");
    if (!l.a.eligible) return Error::Forbidden("您不在本问卷的调查对象之内");
    SL_ASSIGN(bool did, answered(c, l.s, caller, who));
    if (did) return Error::Conflict("already_answered", "您已经提交过本问卷");
    if (l.s.audience == "public") {
      if (l.s.max_per_address > 0 && !who.address.empty()) {
        SL_ASSIGN(int64_t n, store::claim_count(c, id, "address", hashed(l.s, "address", who.address)));
        if (n >= l.s.max_per_address) return Error::TooMany("address_limit", "同一网络提交的答卷已达上限");
      }
      if (l.s.sms_check) {
        if (!mobile || !accounts::valid_mobile(*mobile) || !code || code->empty())
          return Error::Invalid("sms_required", "本问卷须先验证手机号：请填写手机号和短信验证码");
        SL_ASSIGN(int64_t n, store::claim_count(c, id, "mobile", hashed(l.s, "mobile", *mobile)));
        if (n > 0) return Error::Conflict("already_answered", "该手机号已经提交过本问卷");
      }
    }
    return Ok();
  };

  using Pre = std::pair<Loaded, bj::object>;
  SL_ASSIGN(auto pre, db_.read_value<Pre>([&](Conn& c) -> Result<Pre> {
    SL_ASSIGN(Loaded l, load(c, ctx, caller, id));
    SL_TRY(check(c, l));
    SL_ASSIGN(Questionnaire q, questions_of(l.s));
    SL_ASSIGN(bj::object answers, check_answers(q, it->value()));
    return std::make_pair(std::move(l), std::move(answers));
  }));
  if (pre.first.s.audience == "public" && pre.first.s.sms_check) SL_TRY(accounts_.consume_code(*mobile, "survey", *code));

  const bj::object& answers = pre.second;
  std::optional<pubsub::Message> msg;
  int64_t response_id = 0, count = 0;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    msg.reset();
    // Again inside the transaction: the survey may have closed, or the same person answered twice at once.
    SL_ASSIGN(Loaded l, load(c, ctx, caller, id));
    if (l.s.version != pre.first.s.version) return Error::Conflict("survey_changed", "问卷已变更，请刷新后重新填写");
    SL_TRY(check(c, l));
    SL_ASSIGN(Questionnaire q, questions_of(l.s));
    bool named = !l.s.anonymous && caller.person_id != 0;
    if (caller.person_id && !named) SL_TRY(store::add_participant(c, id, caller.person_id));
    if (l.s.audience == "public") {
      if (!who.device.empty()) SL_TRY(store::add_claim(c, id, "device", hashed(l.s, "device", who.device)));
      if (!who.address.empty()) SL_TRY(store::add_claim(c, id, "address", hashed(l.s, "address", who.address)));
      if (l.s.sms_check) SL_TRY(store::add_claim(c, id, "mobile", hashed(l.s, "mobile", *mobile)));
    }
    SL_ASSIGN(response_id, store::insert_response(c, id, named ? std::optional<int64_t>(caller.person_id) : std::nullopt,
                                                   bj::serialize(answers), now));
    SL_TRY(store::add_tallies(c, id, tally_buckets(q, answers)));
    // An anonymous answer's entry names no actor: the pseudonym would tie the person to it.
    SL_TRY(record(c, ledger_, named ? caller : Caller{}, "survey_response.submitted", "survey_response", response_id));
    std::string text = free_text(q, answers);
    if (!text.empty()) {
      search::Doc doc;
      doc.kind = kSearchKind;
      doc.id = response_id;
      doc.scope_id = -id;  // survey answers live in their own scope space: no deliberation search reaches them
      doc.org_path = l.s.org_path;
      doc.author_id = named ? caller.person_id : 0;
      doc.created_at = now;
      doc.title = "";
      doc.body = text;
      SL_TRY(search::index(c, doc));
    }
    SL_ASSIGN(auto seq, store::next_seq(c, id, 1));
    count = seq.second;
    SL_ASSIGN(Tallies t, store::tallies(c, id));
    std::set<std::string> touched;
    for (const auto& kv : answers) touched.insert(std::string(kv.key()));
    msg = pubsub::Message{room_of(id), seq.first,
                          event_payload("response.created", seq.first, now,
                                        bj::object{{"response_count", seq.second}, {"questions", results_json(q, t, &touched)}})};
    return Ok();
  }));
  if (msg) bus_.publish(std::move(*msg));
  bj::object out{{"survey_id", id}, {"response_count", count}, {"submitted_at", format_iso8601(now)}};
  // The id of an anonymous response is not told: kept by nobody, it cannot tie the person to it.
  out["id"] = pre.first.s.anonymous ? bj::value(nullptr) : bj::value(response_id);
  return out;
}

// ---- results ------------------------------------------------------------------------------

Result<bj::object> SurveysService::results(const Caller& caller, int64_t id, const Respondent& who) {
  Ctx ctx{scopes_, clock_.now_ms()};
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, ctx, caller, id));
    SL_ASSIGN(bool did, answered(c, l.s, caller, who));
    if (!sees_results(l, did)) return Error::Forbidden("本问卷的结果暂不公开");
    SL_ASSIGN(Questionnaire q, questions_of(l.s));
    SL_ASSIGN(Tallies t, store::tallies(c, id));
    return bj::object{{"survey_id", id},
                      {"state", l.s.state},
                      {"response_count", l.s.response_count},
                      {"last_seq", l.s.last_seq},
                      {"questions", results_json(q, t)}};
  });
}

Result<bj::object> SurveysService::responses(const Caller& caller, int64_t id, const Respondent& who, int64_t after, int limit) {
  Ctx ctx{scopes_, clock_.now_ms()};
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, ctx, caller, id));
    SL_ASSIGN(bool did, answered(c, l.s, caller, who));
    if (!sees_results(l, did)) return Error::Forbidden("本问卷的结果暂不公开");
    SL_ASSIGN(auto rows, store::list_responses(c, id, after, limit + 1));
    std::optional<int64_t> next;
    if (static_cast<int>(rows.size()) > limit) {
      rows.pop_back();
      next = rows.back().id;
    }
    bj::array items;
    for (const auto& r : rows) {
      boost::system::error_code ec;
      bj::object o{{"id", r.id}, {"created_at", format_iso8601(r.created_at)}, {"answers", bj::parse(r.answers, ec)}};
      // Who answered a named survey is for the organisers; others read the answers only.
      if (l.a.oversee && r.person_id)
        o["respondent"] = bj::object{{"id", *r.person_id}, {"display_name", r.person_name.empty() ? "（已注销）" : r.person_name}};
      else
        o["respondent"] = nullptr;
      if (l.a.oversee) {
        SL_ASSIGN(auto st, store::ledger_state(c, "survey_response", r.id));
        o["ledger"] = ledger::record_json("survey_response", r.id, st.value_or(ledger::RecordState{}));
      }
      items.push_back(std::move(o));
    }
    return routes::page(std::move(items), next);
  });
}

Result<bj::object> SurveysService::search(const Caller& caller, int64_t id, const Respondent& who, const std::string& q,
                                          const std::optional<std::string>& cursor, int limit) {
  Ctx ctx{scopes_, clock_.now_ms()};
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, load(c, ctx, caller, id));
    SL_ASSIGN(bool did, answered(c, l.s, caller, who));
    if (!sees_results(l, did)) return Error::Forbidden("本问卷的结果暂不公开");
    search::Query query;
    query.q = q;
    query.scope_ids = {-id};
    query.kind = kSearchKind;
    query.limit = limit;
    if (cursor) {
      SL_ASSIGN(query.after, search::decode_cursor(*cursor));
    }
    SL_ASSIGN(search::Page page, search::find(c, query));
    bj::array items;
    for (const auto& h : page.hits)
      items.push_back(bj::object{{"response_id", h.id}, {"created_at", format_iso8601(h.created_at)}, {"snippet_html", h.snippet_html}});
    return bj::object{{"items", std::move(items)},
                      {"next_cursor", page.next ? bj::value(search::encode_cursor(*page.next)) : bj::value(nullptr)}};
  });
}

Status SurveysService::check_export(Conn& c, const Caller& caller, int64_t id) {
  Ctx ctx{scopes_, clock_.now_ms()};
  SL_ASSIGN(Loaded l, load(c, ctx, caller, id));
  if (!l.a.oversee) return Error::Forbidden("只有组织方工作人员和领导可以导出答卷");
  return Ok();
}

Result<int64_t> SurveysService::live_room(const Caller& caller, int64_t id) {
  Ctx ctx{scopes_, clock_.now_ms()};
  return db_.read_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(Loaded l, load(c, ctx, caller, id));
    SL_ASSIGN(bool did, answered(c, l.s, caller, Respondent{}));
    if (!sees_results(l, did)) return Error::Forbidden("本问卷的结果暂不公开");
    return l.s.last_seq;
  });
}

}  // namespace sl::surveys
