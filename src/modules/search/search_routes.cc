// GET /api/v1/search: query parameters in, a page of hits out; rules live in the library.
#include <boost/json.hpp>

#include <charconv>

#include "modules/accounts/accounts.h"
#include "modules/common/route_util.h"
#include "modules/search/search.h"

namespace sl::search {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;

namespace {

namespace bj = boost::json;

constexpr TimeMs kDayMs = 86'400'000;
constexpr TimeMs kBeijingOffsetMs = 8 * 3'600'000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// "2026-11-22" (a day in Beijing time, UTC+08:00) or an RFC 3339 time
// "2026-11-22T08:30:00Z" / "2026-11-22T08:30:00.250+08:00". For a day, `end_of_day` gives the
// start of the next day, so to=2026-11-22 includes the whole of the 22nd.
std::optional<TimeMs> parse_time(std::string_view s, bool end_of_day) {
  int y, mo, d;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31)
    return std::nullopt;
  const int64_t day = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  if ((mo < 12 ? days_from_civil(y, static_cast<unsigned>(mo) + 1, 1) : days_from_civil(y + 1, 1, 1)) <= day)
    return std::nullopt;  // 2026-02-30
  if (s.size() == 10) return day * kDayMs - kBeijingOffsetMs + (end_of_day ? kDayMs : 0);
  int h, mi, se;
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) || s.size() < 19 || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se) || h > 23 || mi > 59 || se > 60)
    return std::nullopt;
  size_t pos = 19;
  int64_t ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    int64_t scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int64_t offset_ms = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset_ms = (oh * 60 + om) * 60'000LL * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  return day * kDayMs + (h * 3600LL + mi * 60LL + se) * 1000 + ms - offset_ms;
}

Result<std::optional<int64_t>> opt_id(const HttpRequest& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::optional<int64_t>();
  int64_t x = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || end != v->data() + v->size() || x <= 0)
    return Error::Invalid("invalid_" + std::string(name), std::string(name) + " 须为正整数编号");
  return std::optional<int64_t>(x);
}

Result<std::optional<TimeMs>> opt_time(const HttpRequest& req, std::string_view name, bool end_of_day) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::optional<TimeMs>();
  auto t = parse_time(*v, end_of_day);
  if (!t)
    return Error::Invalid("invalid_" + std::string(name),
                          std::string(name) + " 须为日期（2026-11-22，北京时间）或 RFC 3339 时间（2026-11-22T08:30:00+08:00）");
  return std::optional<TimeMs>(*t);
}

bj::value opt_json(const std::optional<int64_t>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

bj::object hit_json(const Hit& h) {
  bj::object o;
  o["kind"] = h.kind;
  o["id"] = h.id;
  o["deliberation_id"] = h.scope_id;
  o["author_id"] = h.author_id > 0 ? bj::value(h.author_id) : bj::value(nullptr);
  o["author_name"] = h.author_id > 0 && !h.author_name.empty() ? bj::value(h.author_name) : bj::value(nullptr);
  o["sector_id"] = opt_json(h.sector_id);
  o["department_id"] = opt_json(h.department_id);
  o["subtopic"] = h.subtopic.empty() ? bj::value(nullptr) : bj::value(h.subtopic);
  o["created_at"] = format_iso8601(h.created_at);
  o["title_html"] = h.title_html;
  o["snippet_html"] = h.snippet_html;
  return o;
}

}  // namespace

void register_routes(net::Router& router, SearchService& svc, accounts::AccountsService& accounts) {
  router.get("/api/v1/search", handler([&svc, &accounts](HttpRequest& req) -> Result<HttpResponse> {
    // Anonymous visitors may search what is public; a session that is sent must be valid.
    access::Caller caller;
    if (accounts::AccountsService::token_of(req)) {
      SL_ASSIGN(caller, accounts.authenticate(req));
    }
    Query q;
    q.q = req.query_param("q").value_or("");
    SL_ASSIGN(auto deliberation_id, opt_id(req, "deliberation_id"));
    SL_ASSIGN(q.author_id, opt_id(req, "author_id"));
    SL_ASSIGN(q.sector_id, opt_id(req, "sector_id"));
    SL_ASSIGN(q.department_id, opt_id(req, "department_id"));
    if (auto s = req.query_param("subtopic"); s && !s->empty()) q.subtopic = *s;
    if (auto k = req.query_param("kind"); k && !k->empty()) {
      if (*k != "post" && *k != "attachment") return Error::Invalid("invalid_kind", "kind 只能是 post 或 attachment");
      q.kind = *k;
    }
    SL_ASSIGN(q.from, opt_time(req, "from", false));
    SL_ASSIGN(q.to, opt_time(req, "to", true));
    if (auto c = req.query_param("cursor"); c && !c->empty()) {
      SL_ASSIGN(q.after, decode_cursor(*c));
    }
    SL_ASSIGN(q.limit, json::parse_limit(req.query_param("limit"), 20, 100));
    SL_ASSIGN(Page page, svc.search(caller, deliberation_id, std::move(q)));
    bj::array items;
    for (const Hit& h : page.hits) items.push_back(hit_json(h));
    bj::object out;
    out["items"] = std::move(items);
    out["next_cursor"] = page.next ? bj::value(encode_cursor(*page.next)) : bj::value(nullptr);
    return routes::json(out);
  }));
}

}  // namespace sl::search
