// SQL of the search module (nothing else). The two backends keep the index differently
// (see migrations/0006_search.sql):
//   SQLite: search_docs + a contentless FTS5 table `search_fts` (rowid = doc_id) fed with the
//           term sequences text.h computes; a query is an FTS5 MATCH of phrases of terms.
//   PostgreSQL: search_docs.terms (text[], GIN); a query is `terms @> <query terms>`, then
//           a substring check of the token text per query word (the exact check).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "modules/search/search.h"
#include "modules/search/text.h"
#include "storage/database.h"

namespace sl::search::store {

using storage::Conn;

struct Stored {
  int64_t doc_id = 0;
  std::string title_tokens;
  std::string body_tokens;
};

// What index() writes for one document.
struct Prepared {
  const Doc* doc = nullptr;
  int64_t key = 0;                        // doc_key(), the first choice of doc_id
  std::string title_tokens, body_tokens;  // token_text()
  std::string title_terms, body_terms;    // SQLite: fts_terms()
  std::string pg_terms;                   // PostgreSQL: pg_array(pg_terms())
};

Result<std::optional<Stored>> find_doc(Conn& c, std::string_view kind, int64_t id);
// Replaces the document `old` in place (same doc_id).
Status update(Conn& c, const Prepared& p, const Stored& old);
// Inserts a new row at doc_id p.key, or the next free one after it.
Status insert(Conn& c, const Prepared& p);
// Removes the row and (SQLite) its FTS5 entry: a contentless FTS5 table forgets a row only
// when given the terms it was inserted with, re-derived here from the stored tokens.
Status remove(Conn& c, const Stored& old);

// How many documents the scopes hold, counting no further than `cap`.
Result<int64_t> count_in_scope(Conn& c, const std::vector<int64_t>& scope_ids, int64_t cap);

// How to find a page; every plan gives the same rows (see search.cc for the choice).
enum class Plan {
  kScope,   // read the scopes' documents newest first, check each one's token text
  kIndex,   // SQLite: walk the FTS5 matches newest first; PostgreSQL: every GIN candidate, sorted
  kNewest,  // PostgreSQL: check only the newest Query::pg_newest_window documents in scope; the
            // page is exact when it is full (limit rows), else try kIndex
};

// The rows of one page (at most `limit`), newest first. Columns: kind, ref_id, scope_id,
// org_path, author_id, sector_id, department_id, subtopic, created_at, title, body, doc_id.
// On PostgreSQL the plan is imposed with planner settings (set_config(..., true)) for the
// statement, then put back to the defaults for the rest of the transaction.
Result<storage::Rows> search(Conn& c, const ParsedQuery& pq, const Query& q, int limit, Plan plan);

}  // namespace sl::search::store
