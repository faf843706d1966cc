// HTTP routes of the cases module: JSON in, JSON out; rules live in the service.
#include <boost/json.hpp>

#include <charconv>

#include "modules/cases/cases.h"
#include "modules/accounts/route_guards.h"
#include "modules/common/route_util.h"

namespace sl::cases {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;
using accounts::authed;

namespace {

// Signed in or not: the service decides what a visitor may see.
template <typename F>
net::Handler maybe_authed(accounts::AccountsService& accounts, F f) {
  return handler([&accounts, f = std::move(f)](HttpRequest& req) -> Result<HttpResponse> {
    auto caller = accounts.authenticate(req);
    if (!caller.ok()) {
      if (caller.error().code != Code::kUnauthenticated) return caller.error();
      return f(req, Caller{});
    }
    return f(req, *caller);
  });
}

Result<std::optional<int64_t>> opt_num(const HttpRequest& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::optional<int64_t>();
  int64_t x = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || end != v->data() + v->size() || x < 0)
    return Error::Invalid("invalid_" + std::string(name), std::string(name) + " 须为非负整数");
  return std::optional<int64_t>(x);
}

std::optional<std::string> opt_text(const HttpRequest& req, std::string_view name) {
  auto v = req.query_param(name);
  if (v && v->empty()) v.reset();
  return v;
}

Result<ListFilter> filter_of(const HttpRequest& req) {
  ListFilter f;
  if (auto s = opt_text(req, "scope")) f.scope = *s;
  SL_ASSIGN(f.org_id, opt_num(req, "org_id"));
  SL_ASSIGN(f.unit_id, opt_num(req, "unit_id"));
  f.kind = opt_text(req, "kind");
  if (f.kind && !valid_kind(*f.kind)) return Error::Invalid("invalid_kind", "kind 无效");
  f.state = opt_text(req, "state");
  if (f.state && !parse_state(*f.state)) return Error::Invalid("invalid_state", "state 无效");
  f.card = opt_text(req, "card");
  if (f.card && *f.card != "none" && *f.card != "yellow" && *f.card != "red")
    return Error::Invalid("invalid_card", "card 须为 none、yellow 或 red");
  if (auto k = opt_text(req, "key_case")) {
    if (*k != "true" && *k != "false") return Error::Invalid("invalid_key_case", "key_case 须为 true 或 false");
    f.key_case = *k == "true";
  }
  f.q = opt_text(req, "q");
  if (f.q && f.q->size() > 100) return Error::Invalid("query_too_long", "搜索词过长");
  SL_ASSIGN(auto year, opt_num(req, "year"));
  if (year) {
    if (*year < 2000 || *year > 2100) return Error::Invalid("invalid_year", "year 须在 2000 到 2100 之间");
    f.year = static_cast<int>(*year);
  }
  return f;
}

Result<int> year_param(const HttpRequest& req, int def) {
  SL_ASSIGN(auto y, opt_num(req, "year"));
  return y ? static_cast<int>(*y) : def;
}

HttpResponse xlsx(std::string bytes, const std::string& name) {
  HttpResponse resp;
  resp.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  resp.body = std::move(bytes);
  resp.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
  resp.set_header("Cache-Control", "private, no-store");
  return resp;
}

}  // namespace

void register_routes(net::Router& router, CasesService& svc, accounts::AccountsService& accounts) {
  // --- settings per organisation and kind ---
  router.get("/api/v1/orgs/{id}/case-settings", maybe_authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto o, svc.settings(caller, id));
    return routes::json(o);
  }));
  router.put("/api/v1/orgs/{id}/case-settings/{kind}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto o, svc.update_settings(caller, id, std::string(req.path_param("kind")), body));
    return routes::json(o);
  }));

  router.get("/api/v1/orgs/{id}/case-cosigners", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto o, svc.cosigner_candidates(caller, id, req.query_param("q").value_or("")));
    return routes::json(o);
  }));

  // --- cases ---
  router.get("/api/v1/cases", maybe_authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(ListFilter f, filter_of(req));
    int64_t before = 0;
    if (auto c = req.query_param("cursor"); c && !c->empty()) {
      SL_ASSIGN(before, json::decode_cursor(*c));
    }
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit")));
    SL_ASSIGN(auto page, svc.list(caller, f, before, limit));
    return routes::json(page);
  }));
  router.get(
      "/api/v1/cases.xlsx",
      maybe_authed(accounts,
                   [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
                     SL_ASSIGN(ListFilter f, filter_of(req));
                     SL_ASSIGN(std::string bytes, svc.export_xlsx(caller, f));
                     return xlsx(std::move(bytes), "cases.xlsx");
                   }),
      /*offload=*/true);
  router.post("/api/v1/cases", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto o, svc.create(caller, body));
    HttpResponse resp = routes::json(o, 201);
    resp.set_header("Location", "/api/v1/cases/" + std::to_string(o.at("id").as_int64()));
    return resp;
  }));
  router.get("/api/v1/cases/{id}", maybe_authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto o, svc.get(caller, id));
    return routes::json(o);
  }));
  router.patch("/api/v1/cases/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto o, svc.update_draft(caller, id, body));
    return routes::json(o);
  }));
  router.post("/api/v1/cases/{id}/actions/{action}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    bj::object body;
    if (!req.body.empty()) {
      SL_ASSIGN(body, routes::body_object(req));
    }
    SL_ASSIGN(auto o, svc.act(caller, id, std::string(req.path_param("action")), body));
    return routes::json(o);
  }));
  // The deadline sweep, now (operators; tests). The periodic task runs it anyway.
  router.post("/api/v1/cases/sweep", authed(accounts, [&svc](HttpRequest&, const Caller& caller) -> Result<HttpResponse> {
    if (!caller.superadmin) return Error::Forbidden("只有平台管理员可以立即执行督办扫描");
    SL_ASSIGN(auto rep, svc.sweep_now());
    return routes::json(bj::object{{"yellow", rep.yellow}, {"red", rep.red}, {"cleared", rep.cleared}});
  }));

  // --- supervision and statistics ---
  router.get("/api/v1/orgs/{id}/case-board", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto o, svc.board(caller, id));
    return routes::json(o);
  }));
  router.get("/api/v1/orgs/{id}/case-stats", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto year, opt_num(req, "year"));
    std::optional<int> y;
    if (year) y = static_cast<int>(*year);
    SL_ASSIGN(auto o, svc.stats(caller, id, y));
    return routes::json(o);
  }));

  // --- calendar (reading is public) ---
  router.get("/api/v1/calendar", handler([&svc](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int year, year_param(req, 2026));
    SL_ASSIGN(auto o, svc.calendar(0, year));
    return routes::json(o);
  }));
  router.post("/api/v1/calendar/days", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto o, svc.put_calendar_days(caller, std::nullopt, body));
    return routes::json(o);
  }));
  router.del("/api/v1/calendar/days/{date}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_TRY(svc.delete_calendar_day(caller, std::nullopt, std::string(req.path_param("date"))));
    return HttpResponse::no_content();
  }));
  router.get("/api/v1/orgs/{id}/calendar", handler([&svc](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int year, year_param(req, 2026));
    SL_ASSIGN(auto o, svc.calendar(id, year));
    return routes::json(o);
  }));
  router.post("/api/v1/orgs/{id}/calendar/days", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto o, svc.put_calendar_days(caller, id, body));
    return routes::json(o);
  }));
  router.del("/api/v1/orgs/{id}/calendar/days/{date}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_TRY(svc.delete_calendar_day(caller, id, std::string(req.path_param("date"))));
    return HttpResponse::no_content();
  }));
}

}  // namespace sl::cases
