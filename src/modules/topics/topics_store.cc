// SQL of the topics module.
#include "modules/topics/topics_store.h"

#include <boost/json.hpp>

namespace sl::topics::store {

using storage::Null;
using storage::Params;
using storage::Row;
using storage::Value;

namespace {

using storage::opt;
bj::value jopt(const std::optional<int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

std::string placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s;
}

constexpr const char* kCallCols =
    "k.id, k.org_id, o.path, o.name, o.kind, k.kind, k.theme, k.description, k.opens_at, k.closes_at, k.state, "
    "k.audience_public, k.audience_members, k.created_by, k.created_at, k.updated_at, k.version, k.ledger_salt";

CallRow call_of(const Row& r) {
  CallRow k;
  k.id = r.i64(0);
  k.org_id = r.i64(1);
  k.org_path = r.str(2);
  k.org_name = r.str(3);
  k.org_kind = r.str(4);
  k.kind = r.str(5);
  k.theme = r.str(6);
  k.description = r.str(7);
  k.opens_at = r.opt_i64(8);
  k.closes_at = r.opt_i64(9);
  k.state = r.str(10);
  k.pub = r.i64(11) != 0;
  k.members = r.i64(12) != 0;
  k.created_by = r.opt_i64(13);
  k.created_at = r.i64(14);
  k.updated_at = r.i64(15);
  k.version = r.i64(16);
  k.ledger_salt = r.str(17);
  return k;
}

Status load_audience(Conn& c, CallRow& k) {
  SL_ASSIGN(auto rows, c.query("SELECT kind, ref_id FROM topic_call_audience WHERE call_id = ? ORDER BY kind, ref_id", {k.id}));
  for (const auto& r : rows) {
    const std::string& kind = r.str(0);
    (kind == "sector" ? k.sectors : kind == "department" ? k.departments : k.bodies).push_back(r.i64(1));
  }
  return Ok();
}

Result<std::optional<CallRow>> one_call(Conn& c, const std::string& where, const Params& p) {
  SL_ASSIGN(auto r, c.query_one(std::string("SELECT ") + kCallCols + " FROM topic_calls k JOIN orgs o ON o.id = k.org_id WHERE " + where, p));
  if (!r) return std::optional<CallRow>();
  CallRow k = call_of(*r);
  SL_TRY(load_audience(c, k));
  return std::optional<CallRow>(std::move(k));
}

constexpr const char* kTopicCols =
    "id, call_id, org_id, org_path, author_id, title, body, area, category, state, screening_note, merged_into, "
    "deliberation_id, minhash, support_count, submitter_count, created_at, updated_at, screened_by, screened_at, version, "
    "ledger_salt";

TopicRow topic_of(const Row& r) {
  TopicRow t;
  t.id = r.i64(0);
  t.call_id = r.i64(1);
  t.org_id = r.i64(2);
  t.org_path = r.str(3);
  t.author_id = r.i64(4);
  t.title = r.str(5);
  t.body = r.str(6);
  t.area = r.str(7);
  t.category = r.str(8);
  t.state = r.str(9);
  t.screening_note = r.str(10);
  t.merged_into = r.opt_i64(11);
  t.deliberation_id = r.opt_i64(12);
  t.minhash = r.str(13);
  t.support_count = r.i64(14);
  t.submitter_count = r.i64(15);
  t.created_at = r.i64(16);
  t.updated_at = r.i64(17);
  t.screened_by = r.opt_i64(18);
  t.screened_at = r.opt_i64(19);
  t.version = r.i64(20);
  t.ledger_salt = r.str(21);
  return t;
}

Result<std::vector<TopicRow>> topics_where(Conn& c, const std::string& rest, const Params& p) {
  SL_ASSIGN(auto rows, c.query(std::string("SELECT ") + kTopicCols + " FROM topics " + rest, p));
  std::vector<TopicRow> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(topic_of(r));
  return out;
}

}  // namespace

// ---- calls ----

Result<std::optional<CallRow>> find_call(Conn& c, int64_t id) { return one_call(c, "k.id = ?", {id}); }

Result<std::optional<CallRow>> find_box(Conn& c, int64_t org_id) {
  return one_call(c, "k.org_id = ? AND k.kind = 'box'", {org_id});
}

Result<std::vector<CallRow>> list_calls(Conn& c, std::optional<int64_t> org_id, int64_t before, int limit) {
  std::string sql = std::string("SELECT ") + kCallCols + " FROM topic_calls k JOIN orgs o ON o.id = k.org_id WHERE 1 = 1";
  Params p;
  if (org_id) {
    sql += " AND k.org_id = ?";
    p.emplace_back(*org_id);
  }
  if (before > 0) {
    sql += " AND k.id < ?";
    p.emplace_back(before);
  }
  sql += " ORDER BY k.id DESC LIMIT ?";
  p.emplace_back(int64_t{limit});
  SL_ASSIGN(auto rows, c.query(sql, p));
  std::vector<CallRow> out;
  for (const auto& r : rows) {
    CallRow k = call_of(r);
    SL_TRY(load_audience(c, k));
    out.push_back(std::move(k));
  }
  return out;
}

Result<int64_t> insert_call(Conn& c, const CallRow& k, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO topic_calls (org_id, kind, theme, description, opens_at, closes_at, state, "
                               "audience_public, audience_members, created_by, created_at, updated_at) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                               {k.org_id, k.kind, k.theme, k.description, opt(k.opens_at), opt(k.closes_at), k.state,
                                int64_t{k.pub}, int64_t{k.members}, opt(k.created_by), now, now}));
  return rows.front().i64(0);
}

Status update_call(Conn& c, const CallRow& k, TimeMs now) {
  SL_TRY(c.exec("UPDATE topic_calls SET theme = ?, description = ?, opens_at = ?, closes_at = ?, state = ?, "
                "audience_public = ?, audience_members = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                {k.theme, k.description, opt(k.opens_at), opt(k.closes_at), k.state, int64_t{k.pub}, int64_t{k.members},
                 now, k.id}));
  return Ok();
}

Status set_audience(Conn& c, int64_t call_id, const std::vector<int64_t>& sectors, const std::vector<int64_t>& departments,
                    const std::vector<int64_t>& bodies) {
  SL_TRY(c.exec("DELETE FROM topic_call_audience WHERE call_id = ?", {call_id}));
  auto add = [&](const char* kind, const std::vector<int64_t>& ids) -> Status {
    for (int64_t id : ids)
      SL_TRY(c.exec("INSERT INTO topic_call_audience (call_id, kind, ref_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    {call_id, std::string(kind), id}));
    return Ok();
  };
  SL_TRY(add("sector", sectors));
  SL_TRY(add("department", departments));
  return add("body", bodies);
}

// ---- topics ----

Result<std::optional<TopicRow>> find_topic(Conn& c, int64_t id) {
  SL_ASSIGN(auto v, topics_where(c, "WHERE id = ?", {id}));
  if (v.empty()) return std::optional<TopicRow>();
  return std::optional<TopicRow>(std::move(v.front()));
}

Result<int64_t> insert_topic(Conn& c, const TopicRow& t) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO topics (call_id, org_id, org_path, author_id, title, body, area, category, state, "
                               "minhash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                               {t.call_id, t.org_id, t.org_path, t.author_id, t.title, t.body, t.area, t.category, t.state,
                                t.minhash, t.created_at, t.created_at}));
  int64_t id = rows.front().i64(0);
  SL_TRY(add_submitter(c, id, t.author_id, t.created_at));
  return id;
}

Status update_topic(Conn& c, const TopicRow& t, TimeMs now) {
  SL_TRY(c.exec("UPDATE topics SET title = ?, body = ?, area = ?, category = ?, state = ?, screening_note = ?, "
                "merged_into = ?, deliberation_id = ?, minhash = ?, screened_by = ?, screened_at = ?, updated_at = ?, "
                "version = version + 1 WHERE id = ?",
                {t.title, t.body, t.area, t.category, t.state, t.screening_note, opt(t.merged_into),
                 opt(t.deliberation_id), t.minhash, opt(t.screened_by), opt(t.screened_at), now, t.id}));
  return Ok();
}

Result<std::vector<TopicRow>> list_topics(Conn& c, const ListQuery& q) {
  if (q.call_ids.empty()) return std::vector<TopicRow>();
  std::string rest = "WHERE call_id IN (" + placeholders(q.call_ids.size()) + ")";
  Params p;
  for (int64_t id : q.call_ids) p.emplace_back(id);
  if (q.state) {
    rest += " AND state = ?";
    p.emplace_back(*q.state);
  }
  if (q.category) {
    rest += " AND category = ?";
    p.emplace_back(*q.category);
  }
  if (q.area) {
    rest += " AND area = ?";
    p.emplace_back(*q.area);
  }
  if (q.person_id) {
    rest += " AND (id IN (SELECT topic_id FROM topic_submitters WHERE person_id = ?) OR "
            "id IN (SELECT topic_id FROM topic_supports WHERE person_id = ?))";
    p.emplace_back(*q.person_id);
    p.emplace_back(*q.person_id);
  }
  if (q.before > 0) {
    rest += " AND id < ?";
    p.emplace_back(q.before);
  }
  rest += " ORDER BY id DESC LIMIT ?";
  p.emplace_back(int64_t{q.limit});
  return topics_where(c, rest, p);
}

Result<std::vector<TopicRow>> topics_by_ids(Conn& c, const std::vector<int64_t>& ids) {
  if (ids.empty()) return std::vector<TopicRow>();
  Params p;
  for (int64_t id : ids) p.emplace_back(id);
  return topics_where(c, "WHERE id IN (" + placeholders(ids.size()) + ")", p);
}

Result<std::vector<TopicRow>> live_topics_of_org(Conn& c, int64_t org_id) {
  return topics_where(c, "WHERE org_id = ? AND state IN ('pending','needs_detail','accepted') ORDER BY id DESC", {org_id});
}

Result<std::vector<Person>> submitters(Conn& c, int64_t topic_id) {
  SL_ASSIGN(auto rows, c.query("SELECT s.person_id, p.display_name, s.raised_at FROM topic_submitters s "
                               "JOIN people p ON p.id = s.person_id WHERE s.topic_id = ? ORDER BY s.raised_at, s.person_id",
                               {topic_id}));
  std::vector<Person> out;
  for (const auto& r : rows) out.push_back(Person{r.i64(0), r.str(1), r.i64(2)});
  return out;
}

Result<bool> is_submitter(Conn& c, int64_t topic_id, int64_t person_id) {
  SL_ASSIGN(auto r, c.query_one("SELECT 1 FROM topic_submitters WHERE topic_id = ? AND person_id = ?", {topic_id, person_id}));
  return r.has_value();
}

Status add_submitter(Conn& c, int64_t topic_id, int64_t person_id, TimeMs raised_at) {
  SL_TRY(c.exec("INSERT INTO topic_submitters (topic_id, person_id, raised_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                {topic_id, person_id, raised_at}));
  return Ok();
}

Result<std::optional<int64_t>> support_id(Conn& c, int64_t topic_id, int64_t person_id) {
  SL_ASSIGN(auto r, c.query_one("SELECT id FROM topic_supports WHERE topic_id = ? AND person_id = ?", {topic_id, person_id}));
  if (!r) return std::optional<int64_t>();
  return std::optional<int64_t>(r->i64(0));
}

Result<int64_t> insert_support(Conn& c, int64_t topic_id, int64_t person_id, const std::string& salt, TimeMs now) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO topic_supports (topic_id, person_id, created_at, ledger_salt) VALUES (?, ?, ?, ?) "
                               "RETURNING id",
                               {topic_id, person_id, now, salt}));
  return rows.front().i64(0);
}

Status delete_support(Conn& c, int64_t support_id) {
  SL_TRY(c.exec("DELETE FROM topic_supports WHERE id = ?", {support_id}));
  return Ok();
}

Result<std::vector<Support>> supports(Conn& c, int64_t topic_id) {
  SL_ASSIGN(auto rows, c.query("SELECT id, person_id, created_at FROM topic_supports WHERE topic_id = ? ORDER BY id", {topic_id}));
  std::vector<Support> out;
  for (const auto& r : rows) out.push_back(Support{r.i64(0), r.i64(1), r.i64(2)});
  return out;
}

Status move_support(Conn& c, int64_t support_id, int64_t topic_id) {
  SL_TRY(c.exec("UPDATE topic_supports SET topic_id = ? WHERE id = ?", {topic_id, support_id}));
  return Ok();
}

Status recount(Conn& c, int64_t topic_id) {
  SL_TRY(c.exec("UPDATE topics SET support_count = (SELECT COUNT(*) FROM topic_supports WHERE topic_id = ?), "
                "submitter_count = (SELECT COUNT(*) FROM topic_submitters WHERE topic_id = ?) WHERE id = ?",
                {topic_id, topic_id, topic_id}));
  return Ok();
}

Result<std::vector<int64_t>> supported_among(Conn& c, int64_t person_id, const std::vector<int64_t>& ids) {
  if (ids.empty() || person_id == 0) return std::vector<int64_t>();
  Params p{person_id};
  for (int64_t id : ids) p.emplace_back(id);
  SL_ASSIGN(auto rows, c.query("SELECT topic_id FROM topic_supports WHERE person_id = ? AND topic_id IN (" +
                                   placeholders(ids.size()) + ")",
                               p));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.i64(0));
  return out;
}

Result<std::vector<std::pair<int64_t, int64_t>>> delete_supports_of(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto rows, c.query("DELETE FROM topic_supports WHERE person_id = ? RETURNING id, topic_id", {person_id}));
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& r : rows) out.emplace_back(r.i64(0), r.i64(1));
  return out;
}

Result<std::vector<Mark>> hotspot_marks(Conn& c, const std::string& org_path, TimeMs from, TimeMs to) {
  // org_path is a materialised path of digits and slashes: no LIKE wildcards in it.
  const std::string prefix = org_path + "%";
  SL_ASSIGN(auto rows,
            c.query("SELECT s.topic_id, 1, s.raised_at FROM topic_submitters s JOIN topics t ON t.id = s.topic_id "
                    "WHERE t.org_path LIKE ? AND t.state IN ('pending','needs_detail','accepted') "
                    "AND s.raised_at >= ? AND s.raised_at < ? "
                    "UNION ALL "
                    "SELECT u.topic_id, 0, u.created_at FROM topic_supports u JOIN topics t ON t.id = u.topic_id "
                    "WHERE t.org_path LIKE ? AND t.state IN ('pending','needs_detail','accepted') "
                    "AND u.created_at >= ? AND u.created_at < ?",
                    {prefix, from, to, prefix, from, to}));
  std::vector<Mark> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(Mark{r.i64(0), r.i64(1) != 0, r.i64(2)});
  return out;
}

// ---- ledger ----

bool is_ledger_type(std::string_view t) { return t == "topic_call" || t == "topic" || t == "topic_support"; }

Result<std::optional<ledger::RecordState>> ledger_state(Conn& c, std::string_view type, int64_t id) {
  std::optional<ledger::RecordState> out;
  if (type == "topic_call") {
    SL_ASSIGN(auto k, find_call(c, id));
    if (!k) return out;
    auto arr = [](const std::vector<int64_t>& v) {
      bj::array a;
      for (int64_t x : v) a.push_back(x);
      return a;
    };
    bj::object o{{"org_id", k->org_id},
                 {"kind", k->kind},
                 {"theme", k->theme},
                 {"description", k->description},
                 {"opens_at", jopt(k->opens_at)},
                 {"closes_at", jopt(k->closes_at)},
                 {"state", k->state},
                 {"public", k->pub},
                 {"members", k->members},
                 {"sector_ids", arr(k->sectors)},
                 {"department_ids", arr(k->departments)},
                 {"body_ids", arr(k->bodies)}};
    out = ledger::RecordState{bj::serialize(o), k->ledger_salt};
  } else if (type == "topic") {
    SL_ASSIGN(auto t, find_topic(c, id));
    if (!t) return out;
    SL_ASSIGN(auto subs, c.query("SELECT person_id FROM topic_submitters WHERE topic_id = ? ORDER BY person_id", {id}));
    bj::array sub_ids;
    for (const auto& r : subs) sub_ids.push_back(r.i64(0));
    bj::object o{{"call_id", t->call_id},
                 {"org_id", t->org_id},
                 {"author_id", t->author_id},
                 {"title", t->title},
                 {"body", t->body},
                 {"area", t->area},
                 {"category", t->category},
                 {"state", t->state},
                 {"screening_note", t->screening_note},
                 {"merged_into", jopt(t->merged_into)},
                 {"deliberation_id", jopt(t->deliberation_id)},
                 {"submitter_ids", std::move(sub_ids)}};
    out = ledger::RecordState{bj::serialize(o), t->ledger_salt};
  } else if (type == "topic_support") {
    SL_ASSIGN(auto r, c.query_one("SELECT topic_id, person_id, ledger_salt FROM topic_supports WHERE id = ?", {id}));
    if (!r) return out;
    out = ledger::RecordState{bj::serialize(bj::object{{"topic_id", r->i64(0)}, {"person_id", r->i64(1)}}), r->str(2)};
  } else {
    return Error::Internal("unknown ledger record type");
  }
  return out;
}

Status set_ledger_salt(Conn& c, std::string_view type, int64_t id, const std::string& salt) {
  const char* sql = type == "topic_call"      ? "UPDATE topic_calls SET ledger_salt = ? WHERE id = ?"
                    : type == "topic"         ? "UPDATE topics SET ledger_salt = ? WHERE id = ?"
                    : type == "topic_support" ? "UPDATE topic_supports SET ledger_salt = ? WHERE id = ?"
                                              : nullptr;
  if (!sql) return Error::Internal("unknown ledger record type");
  SL_TRY(c.exec(sql, {salt, id}));
  return Ok();
}

}  // namespace sl::topics::store
