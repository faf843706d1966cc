// SQL of the search module. See search_store.h.
#include "modules/search/search_store.h"

#include <algorithm>

#include <boost/json.hpp>

namespace sl::search::store {

namespace {

using storage::Dialect;
using storage::Null;
using storage::Params;
using storage::Value;

using storage::opt;

constexpr const char* kColumns =
    "d.kind, d.ref_id, d.scope_id, d.org_path, d.author_id, d.sector_id, d.department_id, d.subtopic, "
    "d.created_at, d.title, d.body, d.doc_id";

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
}

}  // namespace

Result<std::optional<Stored>> find_doc(Conn& c, std::string_view kind, int64_t id) {
  SL_ASSIGN(auto row, c.query_one("SELECT doc_id, title_tokens, body_tokens FROM search_docs WHERE kind = ? AND ref_id = ?",
                                  {std::string(kind), id}));
  if (!row) return std::optional<Stored>();
  return std::optional<Stored>(Stored{row->i64(0), row->str(1), row->str(2)});
}

namespace {

// SQLite's FTS5 (3.40) writes its pending terms out as a new index segment at every savepoint:
// the writer's savepoint per unit and the statement savepoint of nearly every later INSERT.
// Written at once, each reply made a segment of its own, and FTS5's auto-merge then merged
// those tiny segments: 31% of a reply's instructions (docs/performance.md, Deliberation §2).
// So the FTS5 rows of a whole group commit are written by one statement just before COMMIT
// (storage::PreCommit): one segment per commit. A unit that fails drops its own rows with its
// savepoint; a transaction that rolls back writes none. The search_docs row stays in the unit.
struct FtsOp {
  int64_t rowid;
  bool del;  // FTS5 'delete' (contentless: with the terms the row was inserted with)
  std::string title, body;
};

class FtsPending final : public storage::PreCommit {
 public:
  std::vector<FtsOp> ops;
  uint64_t mark() const override { return ops.size(); }
  void rollback_to(uint64_t n) override {
    if (n < ops.size()) ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(n), ops.end());
  }
  Status flush(Conn& c) override {
    if (ops.empty()) return Ok();
    // Ascending rowids: FTS5 also flushes its pending terms when a rowid is not above the last
    // one. Operations on one rowid keep their order (stable sort); other rows are independent.
    std::stable_sort(ops.begin(), ops.end(), [](const FtsOp& a, const FtsOp& b) { return a.rowid < b.rowid; });
    boost::json::array arr;
    arr.reserve(ops.size());
    for (auto& op : ops) {
      boost::json::array row;
      row.reserve(4);
      if (op.del) row.emplace_back("delete");
      else row.emplace_back(nullptr);
      row.emplace_back(op.rowid);
      row.emplace_back(boost::json::string_view(op.title));
      row.emplace_back(boost::json::string_view(op.body));
      arr.emplace_back(std::move(row));
    }
    ops.clear();
    SL_TRY(c.exec("INSERT INTO search_fts (search_fts, rowid, title, body) SELECT json_extract(value, '$[0]'), "
                  "json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') "
                  "FROM json_each(?)",
                  {boost::json::serialize(arr)}));
    return Ok();
  }
};

// One FTS5 row change, in the group commit's batch when there is one (SQLite's writer), else now.
Status fts_write(Conn& c, bool del, int64_t rowid, std::string title, std::string body) {
  if (auto* pending = c.pre_commit<FtsPending>()) {
    pending->ops.push_back(FtsOp{rowid, del, std::move(title), std::move(body)});
    return Ok();
  }
  if (del)
    SL_TRY(c.exec("INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                  {rowid, std::move(title), std::move(body)}));
  else
    SL_TRY(c.exec("INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)", {rowid, std::move(title), std::move(body)}));
  return Ok();
}

Status fts_delete(Conn& c, const Stored& old) {
  return fts_write(c, true, old.doc_id, fts_terms(parse_token_text(old.title_tokens)),
                   fts_terms(parse_token_text(old.body_tokens)));
}

}  // namespace

Status update(Conn& c, const Prepared& p, const Stored& old) {
  const Doc& d = *p.doc;
  const bool sqlite = c.dialect() == Dialect::kSqlite;
  if (sqlite) SL_TRY(fts_delete(c, old));
  SL_TRY(c.exec(sqlite ? "UPDATE search_docs SET scope_id = ?, org_path = ?, author_id = ?, sector_id = ?, "
                         "department_id = ?, subtopic = ?, created_at = ?, title = ?, body = ?, title_tokens = ?, "
                         "body_tokens = ? WHERE doc_id = ?"
                       : "UPDATE search_docs SET scope_id = ?, org_path = ?, author_id = ?, sector_id = ?, "
                         "department_id = ?, subtopic = ?, created_at = ?, title = ?, body = ?, title_tokens = ?, "
                         "body_tokens = ?, terms = CAST(? AS TEXT[]) WHERE doc_id = ?",
                sqlite ? Params{d.scope_id, d.org_path, d.author_id, opt(d.sector_id), opt(d.department_id), d.subtopic,
                                d.created_at, d.title, d.body, p.title_tokens, p.body_tokens, old.doc_id}
                       : Params{d.scope_id, d.org_path, d.author_id, opt(d.sector_id), opt(d.department_id), d.subtopic,
                                d.created_at, d.title, d.body, p.title_tokens, p.body_tokens, p.pg_terms, old.doc_id}));
  if (sqlite) SL_TRY(fts_write(c, false, old.doc_id, p.title_terms, p.body_terms));
  return Ok();
}

Status insert(Conn& c, const Prepared& p) {
  const Doc& d = *p.doc;
  const bool sqlite = c.dialect() == Dialect::kSqlite;
  // ON CONFLICT DO NOTHING: a key taken by another document of the same millisecond returns no
  // row (and, on PostgreSQL, does not abort the transaction); then the next key is tried.
  const char* sql = sqlite ? "INSERT INTO search_docs (doc_id, kind, ref_id, scope_id, org_path, author_id, sector_id, "
                             "department_id, subtopic, created_at, title, body, title_tokens, body_tokens) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (doc_id) DO NOTHING "
                             "RETURNING doc_id"
                           : "INSERT INTO search_docs (doc_id, kind, ref_id, scope_id, org_path, author_id, sector_id, "
                             "department_id, subtopic, created_at, title, body, title_tokens, body_tokens, terms) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT[])) "
                             "ON CONFLICT (doc_id) DO NOTHING RETURNING doc_id";
  for (int64_t key = p.key; key < p.key + 64; ++key) {
    Params params{key, d.kind, d.id, d.scope_id, d.org_path, d.author_id, opt(d.sector_id), opt(d.department_id),
                  d.subtopic, d.created_at, d.title, d.body, p.title_tokens, p.body_tokens};
    if (!sqlite) params.emplace_back(p.pg_terms);
    SL_ASSIGN(auto rows, c.query(sql, params));
    if (rows.empty()) continue;
    if (sqlite) SL_TRY(fts_write(c, false, key, p.title_terms, p.body_terms));
    return Ok();
  }
  return Error::Internal("search: no free document key");
}

Status remove(Conn& c, const Stored& old) {
  if (c.dialect() == Dialect::kSqlite) SL_TRY(fts_delete(c, old));
  SL_TRY(c.exec("DELETE FROM search_docs WHERE doc_id = ?", {old.doc_id}));
  return Ok();
}

Result<int64_t> count_in_scope(Conn& c, const std::vector<int64_t>& scope_ids, int64_t cap) {
  const bool sqlite = c.dialect() == Dialect::kSqlite;
  SL_ASSIGN(auto row, c.query_one(sqlite ? "SELECT COUNT(*) FROM (SELECT 1 FROM search_docs WHERE scope_id IN "
                                           "(SELECT value FROM json_each(?)) LIMIT ?)"
                                         : "SELECT COUNT(*) FROM (SELECT 1 FROM search_docs WHERE scope_id = "
                                           "ANY(CAST(? AS BIGINT[])) LIMIT ?) AS s",
                                  {sqlite ? json_ids(scope_ids) : pg_ids(scope_ids), cap}));
  return row->i64(0);
}

namespace {

// PostgreSQL: which kinds of scan the planner may use for the rest of the transaction. The
// plan is chosen from what we found, not from statistics: array statistics cannot tell a word
// in 0.1% of the documents from one in 1%, and a wrong guess costs a hundred times over.
Status pg_scans(Conn& c, bool bitmap, bool index) {
  SL_TRY(c.query("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', ?, true), "
                 "set_config('enable_indexscan', ?, true), set_config('plan_cache_mode', 'force_custom_plan', true)",
                 {std::string(bitmap ? "on" : "off"), std::string(index ? "on" : "off")}));
  return Ok();
}

Status pg_scans_default(Conn& c) {
  SL_TRY(c.query("SELECT set_config('enable_seqscan', 'on', true), set_config('enable_bitmapscan', 'on', true), "
                 "set_config('enable_indexscan', 'on', true), set_config('plan_cache_mode', 'auto', true)"));
  return Ok();
}

// "AND <alias>.scope_id ..." and its parameter.
void add_scope(Conn& c, const Query& q, const char* alias, std::string& sql, Params& params) {
  const std::string col = std::string(alias) + ".scope_id";
  if (q.scope_ids.size() == 1) {  // `=`: the index (scope_id, doc_id) then also gives the order
    sql += " AND " + col + " = ?";
    params.emplace_back(q.scope_ids.front());
  } else if (c.dialect() == Dialect::kSqlite) {
    sql += " AND " + col + " IN (SELECT value FROM json_each(?))";
    params.emplace_back(json_ids(q.scope_ids));
  } else {
    sql += " AND " + col + " = ANY(CAST(? AS BIGINT[]))";
    params.emplace_back(pg_ids(q.scope_ids));
  }
}

}  // namespace

Result<storage::Rows> search(Conn& c, const ParsedQuery& pq, const Query& q, int limit, Plan plan) {
  std::string sql = std::string("SELECT ") + kColumns;
  Params params;
  const bool sqlite = c.dialect() == Dialect::kSqlite;
  const bool fts = plan == Plan::kIndex && sqlite;
  const char* key = fts ? "search_fts.rowid" : "d.doc_id";
  if (fts) {
    // FTS5 walks the matches newest first (rowid = doc_id, ORDER BY rowid) and the scan stops
    // once the page is full. CROSS JOIN keeps FTS5 the outer loop (SQLite never reorders one).
    sql += " FROM search_fts CROSS JOIN search_docs d ON d.doc_id = search_fts.rowid WHERE search_fts MATCH ?";
    params.emplace_back(fts_match(pq));
  } else if (plan == Plan::kIndex) {
    // PostgreSQL: every document the GIN index says holds the terms (bitmap scans only), then
    // the exact check and a sort.
    SL_TRY(pg_scans(c, /*bitmap=*/true, /*index=*/false));
    sql += " FROM search_docs d WHERE d.terms @> CAST(? AS TEXT[])";
    params.emplace_back(pg_array(pg_query_terms(pq)));
  } else if (plan == Plan::kNewest) {
    // PostgreSQL: only the newest `window` documents in scope (index scans only: the primary
    // key backwards), each checked exactly. Enough when a page's worth of them match.
    SL_TRY(pg_scans(c, /*bitmap=*/false, /*index=*/true));
    sql += " FROM (SELECT * FROM search_docs d0 WHERE 1 = 1";
    add_scope(c, q, "d0", sql, params);
    if (q.after) {
      sql += " AND d0.doc_id < ?";
      params.emplace_back(q.after->key);
    }
    sql += " ORDER BY d0.doc_id DESC LIMIT ?) AS d WHERE 1 = 1";
    params.emplace_back(q.pg_newest_window);
  } else {
    // Few documents in scope: read them newest first and check each one's token text (on
    // SQLite, no FTS5 lookup per row: a prefix query would merge every matching term's list
    // again for each row).
    if (!sqlite) SL_TRY(pg_scans(c, /*bitmap=*/false, /*index=*/true));
    sql += " FROM search_docs d WHERE 1 = 1";
  }
  if (plan != Plan::kNewest) {
    add_scope(c, q, "d", sql, params);
    if (q.after) {
      sql += std::string(" AND ") + key + " < ?";
      params.emplace_back(q.after->key);
    }
  }
  if (!fts) {
    for (const std::string& needle : needles(pq)) {
      sql += sqlite ? " AND (instr(d.title_tokens, ?) > 0 OR instr(d.body_tokens, ?) > 0)"
                    : " AND (strpos(d.title_tokens, ?) > 0 OR strpos(d.body_tokens, ?) > 0)";
      params.emplace_back(needle);
      params.emplace_back(needle);
    }
  }
  add_filters(q, sql, params);
  sql += std::string(" ORDER BY ") + key + " DESC LIMIT ?";
  params.emplace_back(int64_t{limit});
  auto rows = c.query(sql, params);
  if (!sqlite && rows.ok()) SL_TRY(pg_scans_default(c));
  return rows;
}

}  // namespace sl::search::store
