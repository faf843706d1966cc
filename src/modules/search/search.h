// Search: full-text search over posts and attachment titles, in one deliberation or in every
// one the caller may read, 简体 and 繁體 alike, with filters and highlighted snippets; and the
// sensitive-word filter (word_filter.h) that screens posts when they are written.
//
// Modules that own documents call index()/unindex() inside their own write transaction, so
// the index changes exactly when the record does. The rules of matching are in text.h; how
// each backend stores the index is in search_store.h.
//
// Results are ordered by time, newest first, not by relevance: a deliberation is a
// conversation, people look for "what was said about 养老 lately", and relevance scores would
// differ between SQLite and PostgreSQL. Each document's key is its creation time in
// milliseconds followed by 21 bits of a hash of (kind, id) (doc_key()), so the order is total,
// the same on both backends, and is the index's own row order: a common word needs only the
// newest matches, not all of them sorted. Pagination is by cursor over that order.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "modules/access/access.h"
#include "modules/search/word_filter.h"
#include "net/router.h"
#include "storage/database.h"

namespace sl::accounts {
class AccountsService;
}

namespace sl::search {

// 繁→简 (OpenCC, character by character), full-width → half-width, lower case, whitespace
// runs → one space (trimmed), zero-width characters dropped. Idempotent; thread-safe.
std::string fold(std::string_view text);
// Is OpenCC's 繁→简 table loaded (it is read once, from /usr/share/opencc/t2s.json)? The
// server checks this at start-up; an error names what is missing.
Status fold_ready();

// One searchable document.
struct Doc {
  std::string kind;          // "post" or "attachment" (lower-case letters and _, at most 32)
  int64_t id = 0;            // the record's id within its kind
  int64_t scope_id = 0;      // the deliberation it belongs to (what read access is checked on)
  std::string org_path;      // the organisation's materialised path, e.g. "/1/5/"
  int64_t author_id = 0;     // person id; 0 for none
  std::optional<int64_t> sector_id;
  std::optional<int64_t> department_id;
  std::string subtopic;      // "" for none
  TimeMs created_at = 0;
  std::string title;         // a post's title (may be empty) or an attachment's file name
  std::string body;          // a post's text (plain or Markdown); "" for attachments
};

// Adds or replaces the document (kind, id), inside the caller's transaction.
Status index(storage::Conn& c, const Doc& doc);
// Removes it; no error when it is not indexed.
Status unindex(storage::Conn& c, std::string_view kind, int64_t id);

// A document's place in the result order (see above): created_at (clamped to 0..2^42-1 ms,
// i.e. until 2109) << 21 | 21 bits of FNV-1a of "kind:id". Should two documents of the same
// millisecond collide, index() takes the next free key.
int64_t doc_key(TimeMs created_at, std::string_view kind, int64_t id);

struct Cursor {
  int64_t key = 0;  // the last hit's doc_key
};
std::string encode_cursor(const Cursor& c);
Result<Cursor> decode_cursor(std::string_view text);

struct Query {
  std::string q;                       // 1..100 characters (see text.h for what matches)
  std::vector<int64_t> scope_ids;      // deliberations to search; empty: nothing is found
  std::optional<int64_t> author_id;
  std::optional<int64_t> sector_id;
  std::optional<int64_t> department_id;
  std::optional<std::string> subtopic;
  std::optional<TimeMs> from;          // created_at >= from
  std::optional<TimeMs> to;            // created_at < to
  std::optional<std::string> kind;     // "post" or "attachment"
  std::optional<Cursor> after;         // the next_cursor of the previous page
  int limit = 20;                      // 1..100
  // How to find them (every plan gives the same results; tests try each). When the scopes
  // hold fewer documents than scan_scope_below, read them all and check each one's token
  // text. Otherwise SQLite walks the FTS5 matches newest first; PostgreSQL checks the newest
  // pg_newest_window documents, and when those do not fill the page, takes every GIN candidate.
  int64_t scan_scope_below = 5000;
  int64_t pg_newest_window = 500;
};

struct Hit {
  std::string kind;
  int64_t id = 0;
  int64_t scope_id = 0;
  std::string org_path;
  int64_t author_id = 0;
  // The author's display name now (SearchService fills it; "" when unknown or erased).
  std::string author_name;
  std::optional<int64_t> sector_id;
  std::optional<int64_t> department_id;
  std::string subtopic;
  TimeMs created_at = 0;
  // HTML-escaped original text (繁體 stays 繁體) with each match in <mark>…</mark>; no other
  // markup, so a client may insert it as HTML. title_html: the whole title; snippet_html:
  // about 120 characters of the body around the first match ("…" where cut).
  std::string title_html;
  std::string snippet_html;
};

struct Page {
  std::vector<Hit> hits;
  std::optional<Cursor> next;  // set when there may be more
};

// Runs a query in the caller's (read) transaction. InvalidArgument for a bad q or limit.
Result<Page> find(storage::Conn& c, const Query& q);

// --- the route -------------------------------------------------------------------------------

// Which deliberations may the caller read? With an id: that one (NotFound/Forbidden when it
// may not be read); without: all of them. Supplied by the deliberation module.
using ScopeResolver =
    std::function<Result<std::vector<int64_t>>(const access::Caller&, std::optional<int64_t> deliberation_id)>;

class SearchService {
 public:
  SearchService(storage::Database& db, ScopeResolver resolver);
  // Query.scope_ids is filled from the resolver; the rest comes from the request.
  Result<Page> search(const access::Caller& caller, std::optional<int64_t> deliberation_id, Query query);

 private:
  storage::Database& db_;
  ScopeResolver resolver_;
};

// GET /api/v1/search. Signed-in callers and anonymous visitors alike (the resolver decides
// what each may read; an anonymous visitor is a Caller with person_id 0).
void register_routes(net::Router& router, SearchService& svc, accounts::AccountsService& accounts);

}  // namespace sl::search
