-- Full-text search (modules/search). One row per searchable document (a post, an attachment),
-- written by the owning module in the same transaction as the record itself. title and body
-- are the original text (for snippets); title_tokens and body_tokens are the folded token
-- text (" 养老金 uber ", see modules/search/text.h) the index is derived from. doc_id is the
-- document's place in the result order, newest last: created_at << 21 | a 21-bit hash of
-- (kind, ref_id) (search::doc_key), so both backends read matches newest first from an index.

CREATE TABLE search_docs (
  doc_id {{BIGINT}} PRIMARY KEY,
  kind TEXT NOT NULL,
  ref_id {{BIGINT}} NOT NULL,
  scope_id {{BIGINT}} NOT NULL,
  org_path TEXT NOT NULL,
  author_id {{BIGINT}} NOT NULL,
  sector_id {{BIGINT}},
  department_id {{BIGINT}},
  subtopic TEXT NOT NULL,
  created_at {{BIGINT}} NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  title_tokens TEXT NOT NULL,
  body_tokens TEXT NOT NULL,
  UNIQUE (kind, ref_id)
);
CREATE INDEX search_docs_scope_idx ON search_docs (scope_id, doc_id);

-- SQLite: a contentless FTS5 table (rowid = doc_id) over the term sequences the search module
-- computes (bigrams of each CJK run and its last character, whole words), split by FTS5's
-- built-in ascii tokenizer, so no custom tokenizer has to be registered on any connection.
-- prefix='1' keeps single-character queries (a prefix query) to one index lookup.
-- @sqlite
CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='', tokenize='ascii', prefix='1');
-- @end

-- PostgreSQL: the term set of each document in an array with a GIN index; a query takes the
-- candidates whose terms contain all of its terms, then checks their token text (strpos).
-- @postgres
ALTER TABLE search_docs ADD COLUMN terms TEXT[] NOT NULL DEFAULT '{}';
CREATE INDEX search_docs_terms_idx ON search_docs USING GIN (terms);
-- @end
