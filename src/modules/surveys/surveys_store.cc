// SQL of the surveys module. Every statement is parameterised.
#include "modules/surveys/surveys_store.h"

#include <boost/json.hpp>

namespace sl::surveys::store {

using storage::Null;
using storage::Row;
using storage::Value;

namespace {

using storage::opt;
Value opt(const std::optional<std::string>& v) { return v ? Value(*v) : Value(Null{}); }
bj::value jopt(const std::optional<int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

constexpr const char* kColumns =
    "s.id, s.org_id, o.name, o.path, s.kind, s.scope_type, s.scope_id, s.title, s.description, s.state, s.audience, "
    "s.anonymous, s.results_visibility, s.sms_check, s.max_per_address, s.closes_at, s.questions, s.hash_key, "
    "s.response_count, s.last_seq, s.created_by, s.created_at, s.updated_at, s.opened_at, s.closed_at, s.version, "
    "s.ledger_salt";

SurveyRow survey_of(const Row& r) {
  SurveyRow s;
  s.id = r.i64(0);
  s.org_id = r.i64(1);
  s.org_name = r.str(2);
  s.org_path = r.str(3);
  s.kind = r.str(4);
  s.scope_type = r.opt_str(5);
  s.scope_id = r.opt_i64(6);
  s.title = r.str(7);
  s.description = r.str(8);
  s.state = r.str(9);
  s.audience = r.str(10);
  s.anonymous = r.i64(11) != 0;
  s.results_visibility = r.str(12);
  s.sms_check = r.i64(13) != 0;
  s.max_per_address = r.i64(14);
  s.closes_at = r.opt_i64(15);
  s.questions = r.str(16);
  s.hash_key = r.str(17);
  s.response_count = r.i64(18);
  s.last_seq = r.i64(19);
  s.created_by = r.opt_i64(20);
  s.created_at = r.i64(21);
  s.updated_at = r.i64(22);
  s.opened_at = r.opt_i64(23);
  s.closed_at = r.opt_i64(24);
  s.version = r.i64(25);
  s.ledger_salt = r.str(26);
  return s;
}

}  // namespace

Result<std::optional<SurveyRow>> find_survey(Conn& c, int64_t id) {
  SL_ASSIGN(auto row, c.query_one(std::string("SELECT ") + kColumns +
                                      " FROM surveys s JOIN orgs o ON o.id = s.org_id WHERE s.id = ?",
                                  {id}));
  if (!row) return std::optional<SurveyRow>();
  SurveyRow s = survey_of(*row);
  SL_ASSIGN(auto orgs, c.query("SELECT org_id FROM survey_orgs WHERE survey_id = ? ORDER BY org_id", {id}));
  for (const auto& r : orgs) s.org_ids.push_back(r.i64(0));
  SL_ASSIGN(auto secs, c.query("SELECT sector_id FROM survey_sectors WHERE survey_id = ? ORDER BY sector_id", {id}));
  for (const auto& r : secs) s.sector_ids.push_back(r.i64(0));
  return std::optional<SurveyRow>(std::move(s));
}

Result<int64_t> insert_survey(Conn& c, const SurveyRow& s, TimeMs now) {
  SL_ASSIGN(auto rows,
            c.query("INSERT INTO surveys (org_id, kind, scope_type, scope_id, title, description, state, audience, anonymous, "
                    "results_visibility, sms_check, max_per_address, closes_at, questions, hash_key, created_by, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    {s.org_id, s.kind, opt(s.scope_type), opt(s.scope_id), s.title, s.description, s.audience,
                     int64_t{s.anonymous}, s.results_visibility, int64_t{s.sms_check}, s.max_per_address, opt(s.closes_at),
                     s.questions, s.hash_key, opt(s.created_by), now, now}));
  if (rows.empty()) return Error::Internal("insert survey returned no id");
  return rows.front().i64(0);
}

Status update_survey(Conn& c, const SurveyRow& s, TimeMs now) {
  SL_TRY(c.exec("UPDATE surveys SET title = ?, description = ?, audience = ?, anonymous = ?, results_visibility = ?, "
                "sms_check = ?, max_per_address = ?, closes_at = ?, questions = ?, updated_at = ?, version = version + 1 "
                "WHERE id = ?",
                {s.title, s.description, s.audience, int64_t{s.anonymous}, s.results_visibility, int64_t{s.sms_check},
                 s.max_per_address, opt(s.closes_at), s.questions, now, s.id}));
  return Ok();
}

Status replace_audience(Conn& c, int64_t id, const std::vector<int64_t>& org_ids, const std::vector<int64_t>& sector_ids) {
  SL_TRY(c.exec("DELETE FROM survey_orgs WHERE survey_id = ?", {id}));
  SL_TRY(c.exec("DELETE FROM survey_sectors WHERE survey_id = ?", {id}));
  for (int64_t o : org_ids) SL_TRY(c.exec("INSERT INTO survey_orgs (survey_id, org_id) VALUES (?, ?)", {id, o}));
  for (int64_t s : sector_ids) SL_TRY(c.exec("INSERT INTO survey_sectors (survey_id, sector_id) VALUES (?, ?)", {id, s}));
  return Ok();
}

Status set_state(Conn& c, int64_t id, const std::string& state, TimeMs now) {
  if (state == "open") {
    SL_TRY(c.exec("UPDATE surveys SET state = 'open', opened_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                  {now, now, id}));
  } else {
    SL_TRY(c.exec("UPDATE surveys SET state = ?, closed_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                  {state, now, now, id}));
  }
  return Ok();
}

Result<std::vector<SurveyRow>> list_surveys(Conn& c, const ListFilter& f, int64_t before, int limit) {
  SL_ASSIGN(auto rows,
            c.query(std::string("SELECT ") + kColumns +
                        " FROM surveys s JOIN orgs o ON o.id = s.org_id WHERE s.id < ? "
                        "AND (CAST(? AS BIGINT) IS NULL OR s.org_id = ?) AND (CAST(? AS TEXT) IS NULL OR s.state = ?) "
                        "AND (CAST(? AS TEXT) IS NULL OR s.scope_type = ?) AND (CAST(? AS BIGINT) IS NULL OR s.scope_id = ?) "
                        "ORDER BY s.id DESC LIMIT ?",
                    {before, opt(f.org_id), opt(f.org_id), opt(f.state), opt(f.state), opt(f.scope_type), opt(f.scope_type),
                     opt(f.scope_id), opt(f.scope_id), int64_t{limit}}));
  std::vector<SurveyRow> out;
  for (const auto& r : rows) out.push_back(survey_of(r));
  return out;
}

Result<std::vector<std::pair<int64_t, std::string>>> org_names(Conn& c, const std::vector<int64_t>& ids) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (int64_t id : ids) {
    SL_ASSIGN(auto r, c.query_one("SELECT name FROM orgs WHERE id = ?", {id}));
    out.emplace_back(id, r ? r->str(0) : std::string());
  }
  return out;
}

Result<std::vector<std::pair<int64_t, std::string>>> sector_names(Conn& c, const std::vector<int64_t>& ids) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (int64_t id : ids) {
    SL_ASSIGN(auto r, c.query_one("SELECT name FROM sectors WHERE id = ?", {id}));
    out.emplace_back(id, r ? r->str(0) : std::string());
  }
  return out;
}

Result<std::pair<int64_t, int64_t>> next_seq(Conn& c, int64_t id, int64_t responses) {
  // The UPDATE takes the row lock: concurrent answers on PostgreSQL queue here, so each
  // survey's events are numbered without gaps (SQLite has one writer).
  SL_ASSIGN(auto rows, c.query("UPDATE surveys SET last_seq = last_seq + 1, response_count = response_count + ? "
                               "WHERE id = ? RETURNING last_seq, response_count",
                               {responses, id}));
  if (rows.empty()) return Error::NotFound("survey_not_found", "问卷不存在");
  return std::make_pair(rows.front().i64(0), rows.front().i64(1));
}

Result<int64_t> insert_response(Conn& c, int64_t survey_id, std::optional<int64_t> person_id, const std::string& answers,
                                TimeMs now) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO survey_responses (survey_id, person_id, answers, created_at) VALUES (?, ?, ?, ?) "
                               "RETURNING id",
                               {survey_id, opt(person_id), answers, now}));
  if (rows.empty()) return Error::Internal("insert response returned no id");
  return rows.front().i64(0);
}

Status add_tallies(Conn& c, int64_t survey_id, const std::vector<std::pair<std::string, std::string>>& buckets) {
  for (const auto& [q, b] : buckets)
    SL_TRY(c.exec("INSERT INTO survey_tallies (survey_id, question_id, bucket, n) VALUES (?, ?, ?, 1) "
                  "ON CONFLICT (survey_id, question_id, bucket) DO UPDATE SET n = survey_tallies.n + 1",
                  {survey_id, q, b}));
  return Ok();
}

Result<Tallies> tallies(Conn& c, int64_t survey_id) {
  SL_ASSIGN(auto rows, c.query("SELECT question_id, bucket, n FROM survey_tallies WHERE survey_id = ?", {survey_id}));
  Tallies t;
  for (const auto& r : rows) t[{r.str(0), r.str(1)}] = r.i64(2);
  return t;
}

Result<bool> is_participant(Conn& c, int64_t survey_id, int64_t person_id) {
  SL_ASSIGN(auto r, c.query_one("SELECT 1 FROM survey_participants WHERE survey_id = ? AND person_id = ?", {survey_id, person_id}));
  return r.has_value();
}

Status add_participant(Conn& c, int64_t survey_id, int64_t person_id) {
  SL_TRY(c.exec("INSERT INTO survey_participants (survey_id, person_id) VALUES (?, ?)", {survey_id, person_id}));
  return Ok();
}

Result<bool> has_named_response(Conn& c, int64_t survey_id, int64_t person_id) {
  SL_ASSIGN(auto r, c.query_one("SELECT 1 FROM survey_responses WHERE survey_id = ? AND person_id = ?", {survey_id, person_id}));
  return r.has_value();
}

Result<int64_t> claim_count(Conn& c, int64_t survey_id, const std::string& kind, const std::string& key_hash) {
  SL_ASSIGN(auto r, c.query_one("SELECT n FROM survey_claims WHERE survey_id = ? AND kind = ? AND key_hash = ?",
                                {survey_id, kind, key_hash}));
  return r ? r->i64(0) : int64_t{0};
}

Status add_claim(Conn& c, int64_t survey_id, const std::string& kind, const std::string& key_hash) {
  SL_TRY(c.exec("INSERT INTO survey_claims (survey_id, kind, key_hash, n) VALUES (?, ?, ?, 1) "
                "ON CONFLICT (survey_id, kind, key_hash) DO UPDATE SET n = survey_claims.n + 1",
                {survey_id, kind, key_hash}));
  return Ok();
}

namespace {
ResponseRow response_of(const Row& r) {
  ResponseRow x;
  x.id = r.i64(0);
  x.survey_id = r.i64(1);
  x.person_id = r.opt_i64(2);
  x.person_name = r.str(3);
  x.answers = r.str(4);
  x.created_at = r.i64(5);
  return x;
}
}  // namespace

Result<std::vector<ResponseRow>> list_responses(Conn& c, int64_t survey_id, int64_t after, int limit) {
  SL_ASSIGN(auto rows, c.query("SELECT r.id, r.survey_id, r.person_id, p.display_name, r.answers, r.created_at "
                               "FROM survey_responses r LEFT JOIN people p ON p.id = r.person_id "
                               "WHERE r.survey_id = ? AND r.id > ? ORDER BY r.id LIMIT ?",
                               {survey_id, after, int64_t{limit}}));
  std::vector<ResponseRow> out;
  for (const auto& r : rows) out.push_back(response_of(r));
  return out;
}

Result<std::vector<ResponseRow>> responses_by_id(Conn& c, int64_t survey_id, const std::vector<int64_t>& ids) {
  std::vector<ResponseRow> out;
  for (int64_t id : ids) {
    SL_ASSIGN(auto r, c.query_one("SELECT r.id, r.survey_id, r.person_id, p.display_name, r.answers, r.created_at "
                                  "FROM survey_responses r LEFT JOIN people p ON p.id = r.person_id "
                                  "WHERE r.id = ? AND r.survey_id = ?",
                                  {id, survey_id}));
    if (r) out.push_back(response_of(*r));
  }
  return out;
}

bool is_ledger_type(std::string_view type) { return type == "survey" || type == "survey_response"; }

Result<std::optional<ledger::RecordState>> ledger_state(Conn& c, std::string_view type, int64_t id) {
  std::optional<ledger::RecordState> out;
  if (type == "survey") {
    SL_ASSIGN(auto s, find_survey(c, id));
    if (!s) return out;
    bj::array orgs, sectors;
    for (int64_t o : s->org_ids) orgs.push_back(o);
    for (int64_t x : s->sector_ids) sectors.push_back(x);
    bj::value questions;
    boost::system::error_code ec;
    questions = bj::parse(s->questions, ec);
    if (ec) questions = s->questions;
    bj::object o{{"org_id", s->org_id},
                 {"kind", s->kind},
                 {"scope_type", s->scope_type ? bj::value(*s->scope_type) : bj::value(nullptr)},
                 {"scope_id", jopt(s->scope_id)},
                 {"title", s->title},
                 {"description", s->description},
                 {"state", s->state},
                 {"audience", s->audience},
                 {"org_ids", std::move(orgs)},
                 {"sector_ids", std::move(sectors)},
                 {"anonymous", s->anonymous},
                 {"results_visibility", s->results_visibility},
                 {"sms_check", s->sms_check},
                 {"max_per_address", s->max_per_address},
                 {"closes_at", jopt(s->closes_at)},
                 {"questions", std::move(questions)}};
    out = ledger::RecordState{bj::serialize(o), s->ledger_salt};
  } else if (type == "survey_response") {
    SL_ASSIGN(auto r, c.query_one("SELECT survey_id, person_id, answers, ledger_salt FROM survey_responses WHERE id = ?", {id}));
    if (!r) return out;
    boost::system::error_code ec;
    bj::value answers = bj::parse(r->str(2), ec);
    if (ec) answers = r->str(2);
    // person_id is null for anonymous surveys: the content says nothing of who answered.
    bj::object o{{"survey_id", r->i64(0)}, {"person_id", jopt(r->opt_i64(1))}, {"answers", std::move(answers)}};
    out = ledger::RecordState{bj::serialize(o), r->str(3)};
  } else {
    return Error::Internal("unknown ledger record type");
  }
  return out;
}

Status set_ledger_salt(Conn& c, std::string_view type, int64_t id, const std::string& salt) {
  const char* sql = type == "survey"            ? "UPDATE surveys SET ledger_salt = ? WHERE id = ?"
                    : type == "survey_response" ? "UPDATE survey_responses SET ledger_salt = ? WHERE id = ?"
                                                : nullptr;
  if (!sql) return Error::Internal("unknown ledger record type");
  SL_TRY(c.exec(sql, {salt, id}));
  return Ok();
}

}  // namespace sl::surveys::store
