// The cases module's shared pieces: settings defaults, the caller's standing in a case, and
// the JSON of cases.
#include <algorithm>
#include <map>

#include "core/json.h"

#include "modules/attachments/attachments.h"
#include "modules/cases/cases_internal.h"
#include "modules/common/markdown.h"
#include "modules/ledger/ledger_store.h"

namespace sl::cases::detail {

namespace {

bool unit_role(access::Role r) {
  return r == access::Role::kResponder || r == access::Role::kStaff || r == access::Role::kAdmin;
}

}  // namespace

Result<store::KindSettings> effective_settings(Conn& c, int64_t org_id, const std::string& kind) {
  SL_ASSIGN(auto row, store::find_settings(c, org_id, kind));
  if (row) return std::move(*row);
  SL_ASSIGN(auto org, c.query_one("SELECT kind FROM orgs WHERE id = ?", {org_id}));
  std::string ok = org ? org->str(0) : "other";
  store::KindSettings s;
  s.org_id = org_id;
  s.kind = kind;
  // Defaults by the organisation's kind: CPPCC members make proposals, congress deputies
  // motions and suggestions; everyone may send social-condition reports and micro-suggestions.
  if (kind == "proposal") s.enabled = ok == "cppcc";
  else if (kind == "motion" || kind == "suggestion") s.enabled = ok == "congress";
  else s.enabled = ok != "department";
  s.submitters = (kind == "social_report" || kind == "micro_suggestion") ? "members_and_public" : "members";
  s.deadline_working_days = kind == "micro_suggestion" ? 10 : kind == "social_report" ? 15 : 20;
  s.publication = kind == "social_report" ? "never" : "with_consent";
  return s;
}

bj::object settings_json(const store::KindSettings& s) {
  bj::array cats;
  for (const auto& x : s.categories) cats.push_back(bj::string(x));
  return bj::object{{"kind", s.kind},
                    {"kind_label", kind_label(s.kind)},
                    {"enabled", s.enabled},
                    {"submitters", s.submitters},
                    {"category_required", s.category_required},
                    {"categories", std::move(cats)},
                    {"attachments_allowed", s.attachments_allowed},
                    {"cosigners_required", s.cosigners_required},
                    {"deadline_working_days", s.deadline_working_days},
                    {"publication", s.publication},
                    {"customised", s.id != 0}};
}

std::vector<int64_t> unit_ids_of(const Caller& caller) {
  std::vector<int64_t> out;
  for (const auto& m : caller.memberships)
    if (unit_role(m.role)) out.push_back(m.org_id);
  return out;
}

Result<Standing> standing(Conn& c, const Caller& caller, const store::CaseRow& r) {
  Standing st;
  if (caller.person_id == 0 && !caller.superadmin) {
    st.read = r.published_at.has_value() && r.kind != "social_report";
    return st;
  }
  bool submitter = caller.person_id != 0 && caller.person_id == r.submitter_id;
  st.manage = access::allowed(caller, r.org_path, access::Action::kCaseManage);
  st.oversee = access::allowed(caller, r.org_path, access::Action::kCaseOversee);
  bool cosigner = false;
  SL_ASSIGN(auto cs, store::cosigners(c, r.id));
  for (const auto& x : cs)
    if (x.person_id == caller.person_id) cosigner = true;
  SL_ASSIGN(auto us, store::units(c, r.id));
  bool lead = false, co = false;
  for (const auto& u : us)
    for (const auto& m : caller.memberships)
      if (m.org_id == u.org_id && unit_role(m.role)) {
        if (u.role == "lead") lead = true;
        else co = true;
        st.my_units.push_back(u.org_id);
      }
  if (submitter) st.roles.push_back(Role::kSubmitter);
  if (cosigner) st.roles.push_back(Role::kCosigner);
  if (st.manage) st.roles.push_back(Role::kStaff);
  if (lead) st.roles.push_back(Role::kLeadUnit);
  if (co) st.roles.push_back(Role::kCoUnit);
  bool report = r.kind == "social_report";
  bool draft = r.state == "draft" || r.state == "cosigning";
  st.read = submitter || lead || co || (!draft && st.manage) || (cosigner && !report) ||
            (!draft && !report && st.oversee) || (r.published_at && !report);
  if (st.roles.empty()) st.roles.push_back(Role::kOther);
  return st;
}

Result<std::pair<store::CaseRow, Standing>> load(Conn& c, const Caller& caller, int64_t id) {
  SL_ASSIGN(auto r, store::find_case(c, id));
  if (!r) return Error::NotFound("case_not_found", "案件不存在");
  SL_ASSIGN(Standing st, standing(c, caller, *r));
  if (!st.read) return Error::NotFound("case_not_found", "案件不存在");
  if (r->erased_at) {
    SL_ASSIGN(auto e, ledger::store::find_erasure(c, "case", id));
    ledger::Erasure er;
    if (e) er = ledger::Erasure{e->seq, e->at, e->reason};
    else er.at = *r->erased_at;
    return ledger::gone("case_erased", "该案件的内容", er);
  }
  return std::make_pair(std::move(*r), std::move(st));
}

std::string case_link(int64_t id) { return "/cases/" + std::to_string(id); }

std::string beijing(TimeMs t) {
  std::string iso = format_iso8601(t + 8 * 3600 * 1000);
  return iso.substr(0, 10) + " " + iso.substr(11, 5);
}

bj::value iso_or_null(const std::optional<TimeMs>& t) { return t ? bj::value(format_iso8601(*t)) : bj::value(nullptr); }

std::optional<int> working_days_left(const store::CaseRow& r, const Calendar& cal, TimeMs now) {
  if (r.state != "handling" || !r.deadline_day || !r.deadline_at) return std::nullopt;
  auto dd = parse_day(*r.deadline_day);
  if (!dd) return std::nullopt;
  Day today = beijing_day(now);
  if (now > *r.deadline_at) return -cal.working_days_between(*dd, today);
  return cal.working_days_between(today, *dd);
}

namespace {
bj::value sopt(const std::optional<std::string>& s) { return s ? bj::value(*s) : bj::value(nullptr); }
bj::value iopt(const std::optional<int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }
}  // namespace

bj::object summary_json(const store::CaseRow& r, const Calendar& cal, TimeMs now) {
  auto left = working_days_left(r, cal, now);
  auto st = parse_state(r.state);
  return bj::object{{"id", r.id},
                    {"org", bj::object{{"id", r.org_id}, {"name", r.org_name}}},
                    {"kind", r.kind},
                    {"kind_label", kind_label(r.kind)},
                    {"state", r.state},
                    {"state_label", st ? state_label(*st) : r.state},
                    {"title", r.title},
                    {"category", r.category},
                    {"submitter", bj::object{{"id", r.submitter_id}, {"name", r.submitter_name}}},
                    {"lead_unit", r.lead_unit_id ? bj::value(bj::object{{"id", *r.lead_unit_id}, {"name", r.lead_unit_name}})
                                                 : bj::value(nullptr)},
                    {"deadline_day", sopt(r.deadline_day)},
                    {"working_days_left", left ? bj::value(*left) : bj::value(nullptr)},
                    {"card", r.card},
                    {"key_case", r.key_case},
                    {"rating", sopt(r.rating)},
                    {"published", r.published_at.has_value()},
                    {"created_at", format_iso8601(r.created_at)},
                    {"submitted_at", iso_or_null(r.submitted_at)},
                    {"answered_at", iso_or_null(r.answered_at)},
                    {"erased", r.erased_at.has_value()}};
}

Result<bj::object> case_json(Conn& c, const store::CaseRow& r, const Standing& st, const Calendar& cal, TimeMs now,
                             int yellow_days) {
  (void)yellow_days;
  bj::object o = summary_json(r, cal, now);
  o["body"] = r.body;
  o["body_html"] = markdown::to_html(r.body);
  o["allow_publish"] = r.allow_publish;
  o["published_at"] = iso_or_null(r.published_at);
  o["merged_into"] = iopt(r.merged_into);
  o["decline_reason"] = sopt(r.decline_reason);
  o["deadline_at"] = iso_or_null(r.deadline_at);
  o["assigned_at"] = iso_or_null(r.assigned_at);
  o["rehandled"] = r.rehandled;
  o["answer"] = sopt(r.answer);
  o["answer_html"] = r.answer ? bj::value(markdown::to_html(*r.answer)) : bj::value(nullptr);
  o["answer_working_days"] = iopt(r.answer_working_days);
  o["answered_on_time"] = r.answered_on_time ? bj::value(*r.answered_on_time != 0) : bj::value(nullptr);
  o["rating_reason"] = sopt(r.rating_reason);
  o["rated_at"] = iso_or_null(r.rated_at);
  o["accepted_at"] = iso_or_null(r.accepted_at);
  o["closed_at"] = iso_or_null(r.closed_at);
  bool inside = std::any_of(st.roles.begin(), st.roles.end(), [](Role x) { return x != Role::kOther; }) || st.oversee;
  if (inside && r.pending) {
    bj::object p{{"kind", *r.pending}};
    if (r.pending_data) {
      auto d = json::parse_object(*r.pending_data);
      if (d.ok()) p["data"] = std::move(*d);
    }
    o["pending"] = std::move(p);
  } else {
    o["pending"] = nullptr;
  }
  SL_ASSIGN(auto us, store::units(c, r.id));
  bj::array ua;
  for (const auto& u : us) {
    bj::object uo{{"id", u.org_id}, {"name", u.name}, {"role", u.role}};
    if (inside) {
      uo["input"] = sopt(u.input);
      uo["input_at"] = iso_or_null(u.input_at);
    }
    ua.push_back(std::move(uo));
  }
  o["units"] = std::move(ua);
  SL_ASSIGN(auto cs, store::cosigners(c, r.id));
  SL_ASSIGN(auto settings, effective_settings(c, r.org_id, r.kind));
  bj::array ca;
  int confirmed = 0;
  for (const auto& x : cs) {
    if (x.state == "confirmed") ++confirmed;
    ca.push_back(bj::object{{"id", x.person_id}, {"name", x.name}, {"state", x.state}});
  }
  o["cosigners"] = std::move(ca);
  o["cosign"] = bj::object{{"required", settings.cosigners_required}, {"confirmed", confirmed}};
  SL_ASSIGN(o["attachments"], attachments::list_for_scope(c, "case", r.id));
  bj::array ea;
  if (inside) {
    SL_ASSIGN(auto es, store::events(c, r.id));
    std::vector<int64_t> answer_ids;
    for (const auto& e : es)
      if (e.action == "answer") answer_ids.push_back(e.id);
    std::map<int64_t, bj::array> files;
    if (!answer_ids.empty()) {
      SL_ASSIGN(files, attachments::list_for_scopes(c, "case_answer", answer_ids));
    }
    for (const auto& e : es) {
      bj::object eo{{"id", e.id},
                    {"action", e.action},
                    {"actor", e.actor_id ? bj::value(bj::object{{"id", *e.actor_id}, {"name", e.actor_name}}) : bj::value(nullptr)},
                    {"from", e.from_state},
                    {"to", e.to_state},
                    {"note", e.note},
                    {"at", format_iso8601(e.at)}};
      auto d = json::parse_object(e.data);
      eo["data"] = d.ok() ? bj::value(std::move(*d)) : bj::value(bj::object());
      if (e.action == "answer") {
        auto it = files.find(e.id);
        eo["attachments"] = it == files.end() ? bj::array() : it->second;
      }
      ea.push_back(std::move(eo));
    }
  } else if (r.published_at) {
    // Readers of a published answer see its documents too.
    SL_ASSIGN(auto es, store::events(c, r.id));
    bj::array files;
    for (const auto& e : es)
      if (e.action == "answer") {
        SL_ASSIGN(files, attachments::list_for_scope(c, "case_answer", e.id));
      }
    o["answer_attachments"] = std::move(files);
  }
  o["events"] = std::move(ea);
  bj::array roles;
  for (Role x : st.roles) roles.push_back(bj::string(role_name(x)));
  o["my_roles"] = std::move(roles);
  // What the caller may do now (the UI shows these buttons; the server decides again).
  bj::array actions;
  auto from = parse_state(r.state);
  if (from) {
    std::vector<std::string_view> seen;
    for (const auto& t : transitions()) {
      if (t.from != *from || t.action == Action::kCard) continue;
      bool ok = std::any_of(t.roles.begin(), t.roles.end(),
                            [&](Role x) { return std::find(st.roles.begin(), st.roles.end(), x) != st.roles.end(); });
      auto name = action_name(t.action);
      if (ok && std::find(seen.begin(), seen.end(), name) == seen.end()) {
        seen.push_back(name);
        actions.push_back(bj::string(name));
      }
    }
  }
  o["actions"] = std::move(actions);
  o["my_units"] = bj::value_from(st.my_units);
  return o;
}

}  // namespace sl::cases::detail
