// The search library (index, unindex, find) and the service behind the route.
#include <algorithm>
#include <charconv>

#include "core/encoding.h"
#include "modules/search/search.h"
#include "modules/search/search_store.h"
#include "modules/search/text.h"

namespace sl::search {

namespace {

constexpr size_t kSnippetChars = 120;
constexpr size_t kTitleChars = 200;

bool valid_kind(std::string_view kind) {
  if (kind.empty() || kind.size() > 32) return false;
  for (char c : kind)
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  return true;
}

std::vector<Token> concat(std::vector<Token> a, const std::vector<Token>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

int64_t doc_key(TimeMs created_at, std::string_view kind, int64_t id) {
  constexpr int64_t kMaxTime = (int64_t{1} << 42) - 1;
  const int64_t t = std::clamp<int64_t>(created_at, 0, kMaxTime);
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64 of "kind:id"
  for (char c : std::string(kind) + ":" + std::to_string(id)) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return (t << 21) | static_cast<int64_t>(h & ((1u << 21) - 1));
}

Status index(storage::Conn& c, const Doc& doc) {
  if (!valid_kind(doc.kind)) return Error::Invalid("invalid_kind", "检索文档类型无效");
  if (doc.id <= 0) return Error::Invalid("invalid_id", "检索文档编号无效");
  const std::vector<Token> title = tokenize(fold32(doc.title));
  const std::vector<Token> body = tokenize(fold32(doc.body));
  store::Prepared p;
  p.doc = &doc;
  p.key = doc_key(doc.created_at, doc.kind, doc.id);
  p.title_tokens = token_text(title);
  p.body_tokens = token_text(body);
  if (c.dialect() == storage::Dialect::kSqlite) {
    p.title_terms = fts_terms(title);
    p.body_terms = fts_terms(body);
  } else {
    p.pg_terms = pg_array(pg_terms(concat(title, body)));
  }
  SL_ASSIGN(auto old, store::find_doc(c, doc.kind, doc.id));
  // Same creation time: same place in the order, replace in place. Otherwise move it.
  if (old && (old->doc_id >> 21) == (p.key >> 21)) return store::update(c, p, *old);
  if (old) SL_TRY(store::remove(c, *old));
  return store::insert(c, p);
}

Status unindex(storage::Conn& c, std::string_view kind, int64_t id) {
  SL_ASSIGN(auto old, store::find_doc(c, kind, id));
  if (!old) return Ok();
  return store::remove(c, *old);
}

std::string encode_cursor(const Cursor& c) { return base64url_encode("k:" + std::to_string(c.key)); }

Result<Cursor> decode_cursor(std::string_view text) {
  auto raw = base64url_decode(text);
  Cursor out;
  if (raw && raw->rfind("k:", 0) == 0) {
    auto [p, ec] = std::from_chars(raw->data() + 2, raw->data() + raw->size(), out.key);
    if (ec == std::errc() && p == raw->data() + raw->size() && out.key >= 0) return out;
  }
  return Error::Invalid("invalid_cursor", "分页游标无效");
}

Result<Page> find(storage::Conn& c, const Query& q) {
  SL_ASSIGN(ParsedQuery pq, parse_query(q.q));
  if (q.limit < 1 || q.limit > 100) return Error::Invalid("invalid_limit", "limit 必须在 1 到 100 之间");
  Page page;
  if (q.scope_ids.empty()) return page;
  // The plan (all give the same rows): few documents in scope, read them all. Otherwise
  // SQLite walks the FTS5 matches newest first. PostgreSQL first checks the newest documents
  // (a common word fills the page there), and only when they do not fill it asks the GIN
  // index for every candidate (a rarer word: few candidates).
  const int fetch = q.limit + 1;
  store::Plan plan = store::Plan::kIndex;
  if (q.scan_scope_below > 0) {
    SL_ASSIGN(int64_t in_scope, store::count_in_scope(c, q.scope_ids, q.scan_scope_below));
    if (in_scope < q.scan_scope_below) plan = store::Plan::kScope;
  }
  std::optional<storage::Rows> found;
  if (plan == store::Plan::kIndex && c.dialect() == storage::Dialect::kPostgres && q.pg_newest_window > 0) {
    SL_ASSIGN(storage::Rows newest, store::search(c, pq, q, fetch, store::Plan::kNewest));
    if (newest.size() == static_cast<size_t>(fetch)) found = std::move(newest);
  }
  if (!found) {
    SL_ASSIGN(found, store::search(c, pq, q, fetch, plan));
  }
  storage::Rows& rows = *found;
  const bool more = rows.size() > static_cast<size_t>(q.limit);
  if (more) rows.erase(rows.begin() + q.limit, rows.end());
  for (const storage::Row& r : rows) {
    Hit h;
    h.kind = r.str(0);
    h.id = r.i64(1);
    h.scope_id = r.i64(2);
    h.org_path = r.str(3);
    h.author_id = r.i64(4);
    h.sector_id = r.opt_i64(5);
    h.department_id = r.opt_i64(6);
    h.subtopic = r.str(7);
    h.created_at = r.i64(8);
    h.title_html = highlight_html(r.str(9), pq, true, kTitleChars);
    h.snippet_html = highlight_html(r.str(10), pq, false, kSnippetChars);
    page.hits.push_back(std::move(h));
  }
  if (more) page.next = Cursor{rows.back().i64(11)};
  return page;
}

namespace {

// Who wrote each hit, by name as it is now (a page holds at most 100 hits, so one query).
Status name_authors(storage::Conn& c, Page& page) {
  std::vector<int64_t> ids;
  for (const Hit& h : page.hits)
    if (h.author_id > 0 && std::find(ids.begin(), ids.end(), h.author_id) == ids.end()) ids.push_back(h.author_id);
  if (ids.empty()) return Ok();
  storage::Params params;
  std::string in;
  for (int64_t id : ids) {
    in += in.empty() ? "?" : ", ?";
    params.emplace_back(id);
  }
  SL_ASSIGN(auto rows, c.query("SELECT id, display_name FROM people WHERE id IN (" + in + ")", params));
  for (Hit& h : page.hits)
    for (const auto& r : rows)
      if (r.i64(0) == h.author_id) h.author_name = r.is_null(1) ? "" : r.str(1);
  return Ok();
}

}  // namespace

SearchService::SearchService(storage::Database& db, ScopeResolver resolver) : db_(db), resolver_(std::move(resolver)) {}

Result<Page> SearchService::search(const access::Caller& caller, std::optional<int64_t> deliberation_id, Query query) {
  // Check the query before asking anyone for scopes: a bad q is a 400 whoever asks.
  SL_TRY(parse_query(query.q));
  if (!resolver_) return Error::Internal("search: no scope resolver");
  SL_ASSIGN(query.scope_ids, resolver_(caller, deliberation_id));
  return db_.read_value<Page>([&](storage::Conn& c) -> Result<Page> {
    SL_ASSIGN(Page page, find(c, query));
    SL_TRY(name_authors(c, page));
    return page;
  });
}

}  // namespace sl::search
