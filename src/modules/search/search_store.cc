// SQL of the search module. See search_store.h.
#include "modules/search/search_store.h"

namespace sl::search::store {

namespace {

using storage::Dialect;
using storage::Null;
using storage::Params;
using storage::Value;

Value opt(const std::optional<int64_t>& v) { return v ? Value(*v) : Value(Null{}); }

constexpr const char* kColumns =
    "d.kind, d.ref_id, d.scope_id, d.org_path, d.author_id, d.sector_id, d.department_id, d.subtopic, "
    "d.created_at, d.title, d.body";

std::string json_ids(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

std::string pg_ids(const std::vector<int64_t>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "}";
}

// The filters both backends share, appended as fixed fragments with `?` parameters.
void add_filters(const Query& q, std::string& sql, Params& params) {
  if (q.author_id) {
    sql += " AND d.author_id = ?";
    params.emplace_back(*q.author_id);
  }
  if (q.sector_id) {
    sql += " AND d.sector_id = ?";
    params.emplace_back(*q.sector_id);
  }
  if (q.department_id) {
    sql += " AND d.department_id = ?";
    params.emplace_back(*q.department_id);
  }
  if (q.subtopic) {
    sql += " AND d.subtopic = ?";
    params.emplace_back(*q.subtopic);
  }
  if (q.kind) {
    sql += " AND d.kind = ?";
    params.emplace_back(*q.kind);
  }
  if (q.from) {
    sql += " AND d.created_at >= ?";
    params.emplace_back(*q.from);
  }
  if (q.to) {
    sql += " AND d.created_at < ?";
    params.emplace_back(*q.to);
  }
  if (q.after) {
    sql += " AND (d.created_at < ? OR (d.created_at = ? AND (d.kind < ? OR (d.kind = ? AND d.ref_id < ?))))";
    params.emplace_back(q.after->created_at);
    params.emplace_back(q.after->created_at);
    params.emplace_back(q.after->kind);
    params.emplace_back(q.after->kind);
    params.emplace_back(q.after->id);
  }
}

}  // namespace

Result<std::optional<Stored>> find_doc(Conn& c, std::string_view kind, int64_t id) {
  SL_ASSIGN(auto row, c.query_one("SELECT doc_id, title_tokens, body_tokens FROM search_docs WHERE kind = ? AND ref_id = ?",
                                  {std::string(kind), id}));
  if (!row) return std::optional<Stored>();
  return std::optional<Stored>(Stored{row->i64(0), row->str(1), row->str(2)});
}

Status put_sqlite(Conn& c, const Prepared& p, const std::optional<Stored>& old) {
  const Doc& d = *p.doc;
  int64_t doc_id = 0;
  if (old) {
    doc_id = old->doc_id;
    // A contentless FTS5 table forgets a row only when told the terms it was given.
    SL_TRY(c.exec("INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                  {doc_id, fts_terms(parse_token_text(old->title_tokens)),
                   fts_terms(parse_token_text(old->body_tokens))}));
    SL_TRY(c.exec("UPDATE search_docs SET scope_id = ?, org_path = ?, author_id = ?, sector_id = ?, department_id = ?, "
                  "subtopic = ?, created_at = ?, title = ?, body = ?, title_tokens = ?, body_tokens = ? WHERE doc_id = ?",
                  {d.scope_id, d.org_path, d.author_id, opt(d.sector_id), opt(d.department_id), d.subtopic,
                   d.created_at, d.title, d.body, p.title_tokens, p.body_tokens, doc_id}));
  } else {
    SL_ASSIGN(auto rows,
              c.query("INSERT INTO search_docs (kind, ref_id, scope_id, org_path, author_id, sector_id, department_id, "
                      "subtopic, created_at, title, body, title_tokens, body_tokens) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING doc_id",
                      {d.kind, d.id, d.scope_id, d.org_path, d.author_id, opt(d.sector_id), opt(d.department_id),
                       d.subtopic, d.created_at, d.title, d.body, p.title_tokens, p.body_tokens}));
    doc_id = rows.front().i64(0);
  }
  SL_TRY(c.exec("INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)", {doc_id, p.title_terms, p.body_terms}));
  return Ok();
}

Status put_postgres(Conn& c, const Prepared& p) {
  const Doc& d = *p.doc;
  SL_TRY(c.exec("INSERT INTO search_docs (kind, ref_id, scope_id, org_path, author_id, sector_id, department_id, "
                "subtopic, created_at, title, body, title_tokens, body_tokens, terms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT[])) "
                "ON CONFLICT (kind, ref_id) DO UPDATE SET scope_id = EXCLUDED.scope_id, org_path = EXCLUDED.org_path, "
                "author_id = EXCLUDED.author_id, sector_id = EXCLUDED.sector_id, department_id = EXCLUDED.department_id, "
                "subtopic = EXCLUDED.subtopic, created_at = EXCLUDED.created_at, title = EXCLUDED.title, "
                "body = EXCLUDED.body, title_tokens = EXCLUDED.title_tokens, body_tokens = EXCLUDED.body_tokens, "
                "terms = EXCLUDED.terms",
                {d.kind, d.id, d.scope_id, d.org_path, d.author_id, opt(d.sector_id), opt(d.department_id), d.subtopic,
                 d.created_at, d.title, d.body, p.title_tokens, p.body_tokens, p.pg_terms}));
  return Ok();
}

Status remove(Conn& c, const Stored& old) {
  if (c.dialect() == Dialect::kSqlite) {
    SL_TRY(c.exec("INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                  {old.doc_id, fts_terms(parse_token_text(old.title_tokens)),
                   fts_terms(parse_token_text(old.body_tokens))}));
  }
  SL_TRY(c.exec("DELETE FROM search_docs WHERE doc_id = ?", {old.doc_id}));
  return Ok();
}

Result<storage::Rows> search(Conn& c, const ParsedQuery& pq, const Query& q, int limit) {
  std::string sql = std::string("SELECT ") + kColumns;
  Params params;
  if (c.dialect() == Dialect::kSqlite) {
    // FTS5 finds the candidates; CROSS JOIN keeps it the outer loop (SQLite never reorders a
    // CROSS JOIN), so a MATCH is never evaluated once per row of search_docs.
    sql += " FROM search_fts CROSS JOIN search_docs d ON d.doc_id = search_fts.rowid"
           " WHERE search_fts MATCH ? AND d.scope_id IN (SELECT value FROM json_each(?))";
    params.emplace_back(fts_match(pq));
    params.emplace_back(json_ids(q.scope_ids));
  } else {
    sql += " FROM search_docs d WHERE d.terms @> CAST(? AS TEXT[]) AND d.scope_id = ANY(CAST(? AS BIGINT[]))";
    params.emplace_back(pg_array(pg_query_terms(pq)));
    params.emplace_back(pg_ids(q.scope_ids));
    for (const std::string& pattern : like_patterns(pq)) {
      sql += " AND (d.title_tokens LIKE ? OR d.body_tokens LIKE ?)";
      params.emplace_back(pattern);
      params.emplace_back(pattern);
    }
  }
  add_filters(q, sql, params);
  sql += " ORDER BY d.created_at DESC, d.kind DESC, d.ref_id DESC LIMIT ?";
  params.emplace_back(int64_t{limit});
  return c.query(sql, params);
}

}  // namespace sl::search::store
