// SQL of the search module (nothing else). The two backends keep the index differently
// (see migrations/0006_search.sql):
//   SQLite: search_docs + a contentless FTS5 table `search_fts` (rowid = doc_id) fed with the
//           term sequences text.h computes; a query is an FTS5 MATCH of phrases of terms.
//   PostgreSQL: search_docs.terms (text[], GIN); a query is `terms @> <query terms>`, then
//           LIKE on the token text per query word (the exact check).
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
  std::string title_tokens, body_tokens;  // token_text()
  std::string title_terms, body_terms;    // SQLite: fts_terms()
  std::string pg_terms;                   // PostgreSQL: pg_array(pg_terms())
};

Result<std::optional<Stored>> find_doc(Conn& c, std::string_view kind, int64_t id);
// SQLite: inserts or updates the row and its FTS5 entry (the old entry is deleted with the
// terms it was inserted with, re-derived from the stored tokens).
Status put_sqlite(Conn& c, const Prepared& p, const std::optional<Stored>& old);
// PostgreSQL: one INSERT ... ON CONFLICT DO UPDATE.
Status put_postgres(Conn& c, const Prepared& p);
Status remove(Conn& c, const Stored& old);

// The rows of one page (at most `limit`), newest first. Columns: kind, ref_id, scope_id,
// org_path, author_id, sector_id, department_id, subtopic, created_at, title, body.
Result<storage::Rows> search(Conn& c, const ParsedQuery& pq, const Query& q, int limit);

}  // namespace sl::search::store
