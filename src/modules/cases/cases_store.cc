#include "modules/cases/cases_store.h"

#include "core/json.h"

namespace sl::cases::store {

namespace {

using storage::Null;
using storage::Value;

Value opt(const std::optional<std::string>& s) { return s ? Value(*s) : Value(Null{}); }
using storage::opt;
bj::value jopt(const std::optional<int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }
bj::value jopt(const std::optional<std::string>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

constexpr const char* kCaseCols =
    "c.id, c.org_id, c.submitter_id, c.kind, c.state, c.title, c.body, c.category, c.allow_publish, c.published_at, "
    "c.merged_into, c.decline_reason, c.lead_unit_id, c.assigned_at, c.deadline_day, c.deadline_at, c.card, c.card_at, "
    "c.key_case, c.rehandled, c.pending, c.pending_data, c.answer, c.answered_at, c.answer_working_days, "
    "c.answered_on_time, c.rating, c.rating_reason, c.rated_at, c.submitted_at, c.accepted_at, c.closed_at, "
    "c.archived_at, c.created_at, c.updated_at, COALESCE(c.ledger_salt, ''), COALESCE(p.display_name, ''), o.name, "
    "o.path, COALESCE(u.name, ''), c.erased_at";

CaseRow case_from(const storage::Row& r) {
  CaseRow x;
  size_t i = 0;
  x.id = r.i64(i++);
  x.org_id = r.i64(i++);
  x.submitter_id = r.i64(i++);
  x.kind = r.str(i++);
  x.state = r.str(i++);
  x.title = r.str(i++);
  x.body = r.str(i++);
  x.category = r.str(i++);
  x.allow_publish = r.i64(i++) != 0;
  x.published_at = r.opt_i64(i++);
  x.merged_into = r.opt_i64(i++);
  x.decline_reason = r.opt_str(i++);
  x.lead_unit_id = r.opt_i64(i++);
  x.assigned_at = r.opt_i64(i++);
  x.deadline_day = r.opt_str(i++);
  x.deadline_at = r.opt_i64(i++);
  x.card = r.str(i++);
  x.card_at = r.opt_i64(i++);
  x.key_case = r.i64(i++) != 0;
  x.rehandled = static_cast<int>(r.i64(i++));
  x.pending = r.opt_str(i++);
  x.pending_data = r.opt_str(i++);
  x.answer = r.opt_str(i++);
  x.answered_at = r.opt_i64(i++);
  x.answer_working_days = r.opt_i64(i++);
  x.answered_on_time = r.opt_i64(i++);
  x.rating = r.opt_str(i++);
  x.rating_reason = r.opt_str(i++);
  x.rated_at = r.opt_i64(i++);
  x.submitted_at = r.opt_i64(i++);
  x.accepted_at = r.opt_i64(i++);
  x.closed_at = r.opt_i64(i++);
  x.archived_at = r.opt_i64(i++);
  x.created_at = r.i64(i++);
  x.updated_at = r.i64(i++);
  x.ledger_salt = r.str(i++);
  x.submitter_name = r.str(i++);
  x.org_name = r.str(i++);
  x.org_path = r.str(i++);
  x.lead_unit_name = r.str(i++);
  x.erased_at = r.opt_i64(i++);
  return x;
}

KindSettings settings_from(const storage::Row& r) {
  KindSettings s;
  s.id = r.i64(0);
  s.org_id = r.i64(1);
  s.kind = r.str(2);
  s.enabled = r.i64(3) != 0;
  s.submitters = r.str(4);
  s.category_required = r.i64(5) != 0;
  if (auto v = json::parse_object("{\"a\":" + r.str(6) + "}"); v.ok() && v->at("a").is_array())
    for (const auto& e : v->at("a").as_array())
      if (e.is_string()) s.categories.emplace_back(e.as_string());
  s.attachments_allowed = r.i64(7) != 0;
  s.cosigners_required = static_cast<int>(r.i64(8));
  s.deadline_working_days = static_cast<int>(r.i64(9));
  s.publication = r.str(10);
  s.ledger_salt = r.str(11);
  return s;
}

constexpr const char* kSettingsCols =
    "id, org_id, kind, enabled, submitters, category_required, categories, attachments_allowed, cosigners_required, "
    "deadline_working_days, publication, COALESCE(ledger_salt, '')";

}  // namespace

Result<std::optional<KindSettings>> find_settings(Conn& c, int64_t org_id, const std::string& kind) {
  SL_ASSIGN(auto r, c.query_one(std::string("SELECT ") + kSettingsCols + " FROM case_kind_settings WHERE org_id = ? AND kind = ?",
                                {org_id, kind}));
  if (!r) return std::optional<KindSettings>();
  return std::optional<KindSettings>(settings_from(*r));
}

Result<std::optional<KindSettings>> find_settings_by_id(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one(std::string("SELECT ") + kSettingsCols + " FROM case_kind_settings WHERE id = ?", {id}));
  if (!r) return std::optional<KindSettings>();
  return std::optional<KindSettings>(settings_from(*r));
}

Result<int64_t> upsert_settings(Conn& c, const KindSettings& s, TimeMs now) {
  bj::array cats;
  for (const auto& x : s.categories) cats.push_back(bj::string(x));
  std::string cj = bj::serialize(cats);
  SL_ASSIGN(auto rows,
            c.query("INSERT INTO case_kind_settings (org_id, kind, enabled, submitters, category_required, categories, "
                    "attachments_allowed, cosigners_required, deadline_working_days, publication, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, kind) DO UPDATE SET "
                    "enabled = excluded.enabled, submitters = excluded.submitters, category_required = "
                    "excluded.category_required, categories = excluded.categories, attachments_allowed = "
                    "excluded.attachments_allowed, cosigners_required = excluded.cosigners_required, "
                    "deadline_working_days = excluded.deadline_working_days, publication = excluded.publication, "
                    "updated_at = excluded.updated_at RETURNING id",
                    {s.org_id, s.kind, int64_t{s.enabled}, s.submitters, int64_t{s.category_required}, cj,
                     int64_t{s.attachments_allowed}, int64_t{s.cosigners_required}, int64_t{s.deadline_working_days},
                     s.publication, now}));
  return rows.at(0).i64(0);
}

Status set_settings_salt(Conn& c, int64_t id, const std::string& salt) {
  SL_TRY(c.exec("UPDATE case_kind_settings SET ledger_salt = ? WHERE id = ?", {salt, id}));
  return Ok();
}

Result<std::optional<CaseRow>> find_case(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one(std::string("SELECT ") + kCaseCols +
                                    " FROM cases c JOIN orgs o ON o.id = c.org_id LEFT JOIN people p ON p.id = "
                                    "c.submitter_id LEFT JOIN orgs u ON u.id = c.lead_unit_id WHERE c.id = ?",
                                {id}));
  if (!r) return std::optional<CaseRow>();
  return std::optional<CaseRow>(case_from(*r));
}

Result<int64_t> insert_case(Conn& c, const CaseRow& r, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO cases (org_id, kind, state, title, body, category, submitter_id, allow_publish, "
                               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                               {r.org_id, r.kind, r.state, r.title, r.body, r.category, r.submitter_id,
                                int64_t{r.allow_publish}, now, now}));
  return rows.at(0).i64(0);
}

Status update_case(Conn& c, const CaseRow& r, TimeMs now) {
  SL_TRY(c.exec("UPDATE cases SET kind = ?, state = ?, title = ?, body = ?, category = ?, allow_publish = ?, "
                "published_at = ?, merged_into = ?, decline_reason = ?, lead_unit_id = ?, assigned_at = ?, deadline_day = ?, "
                "deadline_at = ?, card = ?, card_at = ?, key_case = ?, rehandled = ?, pending = ?, pending_data = ?, "
                "answer = ?, answered_at = ?, answer_working_days = ?, answered_on_time = ?, rating = ?, rating_reason = ?, "
                "rated_at = ?, submitted_at = ?, accepted_at = ?, closed_at = ?, archived_at = ?, updated_at = ? WHERE id = ?",
                {r.kind, r.state, r.title, r.body, r.category, int64_t{r.allow_publish}, opt(r.published_at),
                 opt(r.merged_into), opt(r.decline_reason), opt(r.lead_unit_id), opt(r.assigned_at), opt(r.deadline_day),
                 opt(r.deadline_at), r.card, opt(r.card_at), int64_t{r.key_case}, int64_t{r.rehandled}, opt(r.pending),
                 opt(r.pending_data), opt(r.answer), opt(r.answered_at), opt(r.answer_working_days),
                 opt(r.answered_on_time), opt(r.rating), opt(r.rating_reason), opt(r.rated_at), opt(r.submitted_at),
                 opt(r.accepted_at), opt(r.closed_at), opt(r.archived_at), now, r.id}));
  return Ok();
}

Result<std::vector<UnitRow>> units(Conn& c, int64_t case_id) {
  SL_ASSIGN(auto rows, c.query("SELECT cu.org_id, o.name, cu.role, cu.input, cu.input_at FROM case_units cu JOIN orgs o ON "
                               "o.id = cu.org_id WHERE cu.case_id = ? ORDER BY cu.role DESC, cu.org_id",
                               {case_id}));
  std::vector<UnitRow> out;
  for (const auto& r : rows) out.push_back(UnitRow{r.i64(0), r.str(1), r.str(2), r.opt_str(3), r.opt_i64(4)});
  return out;
}

Status set_units(Conn& c, int64_t case_id, int64_t lead, const std::vector<int64_t>& co) {
  SL_TRY(c.exec("DELETE FROM case_units WHERE case_id = ?", {case_id}));
  SL_TRY(c.exec("INSERT INTO case_units (case_id, org_id, role) VALUES (?, ?, 'lead')", {case_id, lead}));
  for (int64_t u : co)
    if (u != lead) SL_TRY(c.exec("INSERT INTO case_units (case_id, org_id, role) VALUES (?, ?, 'co')", {case_id, u}));
  return Ok();
}

Status set_unit_input(Conn& c, int64_t case_id, int64_t org_id, const std::string& input, TimeMs now) {
  SL_TRY(c.exec("UPDATE case_units SET input = ?, input_at = ? WHERE case_id = ? AND org_id = ?", {input, now, case_id, org_id}));
  return Ok();
}

Result<std::vector<CosignerRow>> cosigners(Conn& c, int64_t case_id) {
  SL_ASSIGN(auto rows, c.query("SELECT cs.person_id, COALESCE(p.display_name, ''), cs.state, cs.at FROM case_cosigners cs "
                               "LEFT JOIN people p ON p.id = cs.person_id WHERE cs.case_id = ? ORDER BY cs.person_id",
                               {case_id}));
  std::vector<CosignerRow> out;
  for (const auto& r : rows) out.push_back(CosignerRow{r.i64(0), r.str(1), r.str(2), r.i64(3)});
  return out;
}

Status set_invited(Conn& c, int64_t case_id, const std::vector<int64_t>& people, TimeMs now) {
  SL_TRY(c.exec("DELETE FROM case_cosigners WHERE case_id = ?", {case_id}));
  for (int64_t p : people)
    SL_TRY(c.exec("INSERT INTO case_cosigners (case_id, person_id, state, at) VALUES (?, ?, 'invited', ?)", {case_id, p, now}));
  return Ok();
}

Status set_cosigner_state(Conn& c, int64_t case_id, int64_t person_id, const std::string& state, TimeMs now) {
  SL_TRY(c.exec("UPDATE case_cosigners SET state = ?, at = ? WHERE case_id = ? AND person_id = ?", {state, now, case_id, person_id}));
  return Ok();
}

Result<int64_t> insert_event(Conn& c, const EventRow& e) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO case_events (case_id, action, actor_id, from_state, to_state, note, data, at) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                               {e.case_id, e.action, opt(e.actor_id), e.from_state, e.to_state, e.note, e.data, e.at}));
  return rows.at(0).i64(0);
}

namespace {
constexpr const char* kEventCols =
    "e.id, e.case_id, e.action, e.actor_id, COALESCE(p.display_name, ''), e.from_state, e.to_state, e.note, e.data, e.at";
EventRow event_from(const storage::Row& r) {
  return EventRow{r.i64(0), r.i64(1), r.str(2), r.opt_i64(3), r.str(4), r.str(5), r.str(6), r.str(7), r.str(8), r.i64(9)};
}
}  // namespace

Result<std::vector<EventRow>> events(Conn& c, int64_t case_id) {
  SL_ASSIGN(auto rows, c.query(std::string("SELECT ") + kEventCols +
                                   " FROM case_events e LEFT JOIN people p ON p.id = e.actor_id WHERE e.case_id = ? ORDER BY e.id",
                               {case_id}));
  std::vector<EventRow> out;
  for (const auto& r : rows) out.push_back(event_from(r));
  return out;
}

Result<std::optional<EventRow>> find_event(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one(std::string("SELECT ") + kEventCols +
                                    " FROM case_events e LEFT JOIN people p ON p.id = e.actor_id WHERE e.id = ?",
                                {id}));
  if (!r) return std::optional<EventRow>();
  return std::optional<EventRow>(event_from(*r));
}

Result<std::vector<int64_t>> list_ids(Conn& c, const Query& q, int64_t before, int limit) {
  std::string sql = "SELECT c.id FROM cases c WHERE 1 = 1";
  storage::Params ps;
  const ListFilter& f = q.f;
  if (f.scope == "mine") {
    sql += " AND (c.submitter_id = ? OR c.id IN (SELECT case_id FROM case_cosigners WHERE person_id = ?))";
    ps.push_back(q.person_id);
    ps.push_back(q.person_id);
  } else if (f.scope == "unit") {
    if (q.unit_ids.empty()) return std::vector<int64_t>();
    sql += " AND c.state NOT IN ('draft','cosigning','submitted','accepted','declined','merged') AND c.id IN (SELECT "
           "case_id FROM case_units WHERE org_id IN (";
    for (size_t i = 0; i < q.unit_ids.size(); ++i) {
      sql += i ? ", ?" : "?";
      ps.push_back(q.unit_ids[i]);
    }
    sql += "))";
  } else if (f.scope == "public") {
    sql += " AND c.published_at IS NOT NULL";
  } else {  // org
    sql += " AND c.state NOT IN ('draft','cosigning')";
  }
  if (f.org_id) {
    sql += " AND c.org_id = ?";
    ps.push_back(*f.org_id);
  }
  if (q.hide_reports) sql += " AND c.kind <> 'social_report'";
  if (f.unit_id) {
    sql += " AND c.id IN (SELECT case_id FROM case_units WHERE org_id = ?)";
    ps.push_back(*f.unit_id);
  }
  if (f.kind) {
    sql += " AND c.kind = ?";
    ps.push_back(*f.kind);
  }
  if (f.state) {
    sql += " AND c.state = ?";
    ps.push_back(*f.state);
  }
  if (f.card) {
    sql += " AND c.card = ?";
    ps.push_back(*f.card);
  }
  if (f.key_case) {
    sql += " AND c.key_case = ?";
    ps.push_back(int64_t{*f.key_case});
  }
  if (f.q) {
    sql += " AND (c.title LIKE ? OR c.category LIKE ?)";
    std::string like = "%" + *f.q + "%";
    ps.push_back(like);
    ps.push_back(like);
  }
  if (f.year) {
    // Beijing year of submission (or creation for drafts).
    TimeMs from = end_of_beijing_day(day_from_civil(*f.year, 1, 1) - 1) + 1;
    TimeMs to = end_of_beijing_day(day_from_civil(*f.year + 1, 1, 1) - 1) + 1;
    sql += " AND COALESCE(c.submitted_at, c.created_at) >= ? AND COALESCE(c.submitted_at, c.created_at) < ?";
    ps.push_back(from);
    ps.push_back(to);
  }
  if (before > 0) {
    sql += " AND c.id < ?";
    ps.push_back(before);
  }
  sql += " ORDER BY c.id DESC LIMIT ?";
  ps.push_back(int64_t{limit});
  SL_ASSIGN(auto rows, c.query(sql, ps));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.i64(0));
  return out;
}

Result<std::vector<int64_t>> sweep_candidates(Conn& c) {
  SL_ASSIGN(auto rows, c.query("SELECT id FROM cases WHERE erased_at IS NULL AND ((state = 'handling' AND deadline_at IS NOT "
                               "NULL) OR (state <> 'handling' AND card <> 'none')) ORDER BY id"));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.i64(0));
  return out;
}

Result<std::vector<int64_t>> cases_to_erase(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto rows, c.query("SELECT id FROM cases WHERE submitter_id = ? AND erased_at IS NULL AND (state IN "
                               "('draft','cosigning') OR kind = 'social_report') ORDER BY id",
                               {person_id}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.i64(0));
  return out;
}

Result<std::vector<int64_t>> answer_event_ids(Conn& c, int64_t case_id) {
  SL_ASSIGN(auto rows, c.query("SELECT id FROM case_events WHERE case_id = ? AND action = 'answer' ORDER BY id", {case_id}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.i64(0));
  return out;
}

Status erase_case_content(Conn& c, int64_t case_id, TimeMs now) {
  SL_TRY(c.exec("UPDATE cases SET title = '', body = '', category = '', decline_reason = NULL, answer = NULL, "
                "rating_reason = NULL, pending_data = NULL, card = 'none', erased_at = ?, updated_at = ? WHERE id = ?",
                {now, now, case_id}));
  SL_TRY(c.exec("UPDATE case_events SET note = '' WHERE case_id = ?", {case_id}));
  SL_TRY(c.exec("UPDATE case_units SET input = '' WHERE case_id = ? AND input IS NOT NULL", {case_id}));
  return Ok();
}

Result<std::optional<ledger::RecordState>> case_state(Conn& c, int64_t id) {
  SL_ASSIGN(auto row, find_case(c, id));
  if (!row || row->erased_at) return std::optional<ledger::RecordState>();
  const CaseRow& r = *row;
  SL_ASSIGN(auto us, units(c, id));
  SL_ASSIGN(auto cs, cosigners(c, id));
  SL_ASSIGN(auto es, events(c, id));
  bj::array ua, ca, ea;
  for (const auto& u : us) ua.push_back(bj::object{{"org_id", u.org_id}, {"role", u.role}, {"input", jopt(u.input)}});
  for (const auto& x : cs) ca.push_back(bj::object{{"person_id", x.person_id}, {"state", x.state}});
  for (const auto& e : es)
    ea.push_back(bj::object{{"id", e.id}, {"action", e.action}, {"actor_id", jopt(e.actor_id)}, {"from", e.from_state},
                            {"to", e.to_state}, {"note", e.note}, {"data", e.data}, {"at", e.at}});
  bj::object o{{"org_id", r.org_id},
               {"kind", r.kind},
               {"state", r.state},
               {"title", r.title},
               {"body", r.body},
               {"category", r.category},
               {"submitter_id", r.submitter_id},
               {"allow_publish", r.allow_publish},
               {"published_at", jopt(r.published_at)},
               {"merged_into", jopt(r.merged_into)},
               {"decline_reason", jopt(r.decline_reason)},
               {"lead_unit_id", jopt(r.lead_unit_id)},
               {"deadline_day", jopt(r.deadline_day)},
               {"card", r.card},
               {"key_case", r.key_case},
               {"rehandled", r.rehandled},
               {"pending", jopt(r.pending)},
               {"answer", jopt(r.answer)},
               {"rating", jopt(r.rating)},
               {"rating_reason", jopt(r.rating_reason)},
               {"units", std::move(ua)},
               {"cosigners", std::move(ca)},
               {"events", std::move(ea)}};
  return std::optional<ledger::RecordState>(ledger::RecordState{bj::serialize(o), r.ledger_salt});
}

Result<std::optional<ledger::RecordState>> settings_state(Conn& c, int64_t id) {
  SL_ASSIGN(auto s, find_settings_by_id(c, id));
  if (!s) return std::optional<ledger::RecordState>();
  bj::array cats;
  for (const auto& x : s->categories) cats.push_back(bj::string(x));
  bj::object o{{"org_id", s->org_id},
               {"kind", s->kind},
               {"enabled", s->enabled},
               {"submitters", s->submitters},
               {"category_required", s->category_required},
               {"categories", std::move(cats)},
               {"attachments_allowed", s->attachments_allowed},
               {"cosigners_required", s->cosigners_required},
               {"deadline_working_days", s->deadline_working_days},
               {"publication", s->publication}};
  return std::optional<ledger::RecordState>(ledger::RecordState{bj::serialize(o), s->ledger_salt});
}

Status set_case_salt(Conn& c, int64_t id, const std::string& salt) {
  SL_TRY(c.exec("UPDATE cases SET ledger_salt = ? WHERE id = ?", {salt, id}));
  return Ok();
}

Result<std::optional<ledger::RecordState>> calendar_state(Conn& c, int64_t org_id) {
  bj::array days, years;
  SL_ASSIGN(auto rows, c.query("SELECT day, kind, name FROM calendar_days WHERE org_id = ? ORDER BY day", {org_id}));
  for (const auto& r : rows) days.push_back(bj::object{{"day", r.str(0)}, {"kind", r.str(1)}, {"name", r.str(2)}});
  SL_ASSIGN(auto yrows, c.query("SELECT year, source FROM calendar_years WHERE org_id = ? ORDER BY year", {org_id}));
  for (const auto& r : yrows) years.push_back(bj::object{{"year", r.i64(0)}, {"source", r.str(1)}});
  SL_ASSIGN(auto salt, c.query_one("SELECT ledger_salt FROM calendar_salts WHERE org_id = ?", {org_id}));
  bj::object o{{"org_id", org_id}, {"days", std::move(days)}, {"years", std::move(years)}};
  return std::optional<ledger::RecordState>(ledger::RecordState{bj::serialize(o), salt ? salt->str(0) : ""});
}

Status set_calendar_salt(Conn& c, int64_t org_id, const std::string& salt) {
  SL_TRY(c.exec("INSERT INTO calendar_salts (org_id, ledger_salt) VALUES (?, ?) ON CONFLICT (org_id) DO UPDATE SET "
                "ledger_salt = excluded.ledger_salt",
                {org_id, salt}));
  return Ok();
}

}  // namespace sl::cases::store
