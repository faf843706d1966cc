// The search library (index, unindex, find) and the service behind the route.
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

Status index(storage::Conn& c, const Doc& doc) {
  if (!valid_kind(doc.kind)) return Error::Invalid("invalid_kind", "检索文档类型无效");
  if (doc.id <= 0) return Error::Invalid("invalid_id", "检索文档编号无效");
  const std::vector<Token> title = tokenize(fold32(doc.title));
  const std::vector<Token> body = tokenize(fold32(doc.body));
  store::Prepared p;
  p.doc = &doc;
  p.title_tokens = token_text(title);
  p.body_tokens = token_text(body);
  if (c.dialect() == storage::Dialect::kSqlite) {
    p.title_terms = fts_terms(title);
    p.body_terms = fts_terms(body);
    SL_ASSIGN(auto old, store::find_doc(c, doc.kind, doc.id));
    return store::put_sqlite(c, p, old);
  }
  p.pg_terms = pg_array(pg_terms(concat(title, body)));
  return store::put_postgres(c, p);
}

Status unindex(storage::Conn& c, std::string_view kind, int64_t id) {
  SL_ASSIGN(auto old, store::find_doc(c, kind, id));
  if (!old) return Ok();
  return store::remove(c, *old);
}

std::string encode_cursor(const Cursor& c) {
  return base64url_encode("s:" + std::to_string(c.created_at) + ":" + c.kind + ":" + std::to_string(c.id));
}

Result<Cursor> decode_cursor(std::string_view text) {
  const Error bad = Error::Invalid("invalid_cursor", "分页游标无效");
  auto raw = base64url_decode(text);
  if (!raw || raw->rfind("s:", 0) != 0) return bad;
  std::string_view s = *raw;
  s.remove_prefix(2);
  const size_t c1 = s.find(':');
  const size_t c2 = c1 == std::string_view::npos ? c1 : s.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return bad;
  Cursor out;
  auto num = [](std::string_view v, int64_t& x) {
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    return ec == std::errc() && p == v.data() + v.size();
  };
  out.kind = std::string(s.substr(c1 + 1, c2 - c1 - 1));
  if (!num(s.substr(0, c1), out.created_at) || !num(s.substr(c2 + 1), out.id) || !valid_kind(out.kind)) return bad;
  return out;
}

Result<Page> find(storage::Conn& c, const Query& q) {
  SL_ASSIGN(ParsedQuery pq, parse_query(q.q));
  if (q.limit < 1 || q.limit > 100) return Error::Invalid("invalid_limit", "limit 必须在 1 到 100 之间");
  Page page;
  if (q.scope_ids.empty()) return page;
  SL_ASSIGN(storage::Rows rows, store::search(c, pq, q, q.limit + 1));
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
  if (more) page.next = Cursor{page.hits.back().created_at, page.hits.back().kind, page.hits.back().id};
  return page;
}

SearchService::SearchService(storage::Database& db, ScopeResolver resolver) : db_(db), resolver_(std::move(resolver)) {}

Result<Page> SearchService::search(const access::Caller& caller, std::optional<int64_t> deliberation_id, Query query) {
  // Check the query before asking anyone for scopes: a bad q is a 400 whoever asks.
  SL_TRY(parse_query(query.q));
  if (!resolver_) return Error::Internal("search: no scope resolver");
  SL_ASSIGN(query.scope_ids, resolver_(caller, deliberation_id));
  return db_.read_value<Page>([&](storage::Conn& c) { return find(c, query); });
}

}  // namespace sl::search
