// HTTP routes of the surveys module: JSON in, JSON out; rules live in the service. Reading and
// answering accept anonymous callers (public surveys); the service decides. Every response to
// a request without the device cookie sets one (HttpOnly, one year, only for these routes).
#include <boost/json.hpp>

#include <charconv>

#include "modules/common/route_util.h"
#include "modules/surveys/surveys.h"

namespace sl::surveys {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;
using routes::cursor_param;
using routes::opt_id_query;
using routes::opt_text_query;

namespace {

bool valid_token(std::string_view t) {
  if (t.size() < 16 || t.size() > 64) return false;
  for (char c : t)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The caller (anonymous without a session; an expired session still answers 401), the
// respondent's device and address, and the cookie to set when the device had none.
struct Who {
  Caller caller;
  Respondent respondent;
  std::string new_cookie;
};

Result<Who> who_of(HttpRequest& req, SurveysService& svc, accounts::AccountsService& accounts, bool secure) {
  Who w;
  if (auto t = accounts::AccountsService::token_of(req); t && !t->empty()) {
    SL_ASSIGN(w.caller, accounts.authenticate(req));
  }
  auto dev = req.cookie(kDeviceCookie);
  if (dev && valid_token(*dev)) {
    w.respondent.device = *dev;
  } else {
    w.respondent.device = svc.new_device_token();
    w.new_cookie = std::string(kDeviceCookie) + "=" + w.respondent.device +
                   "; Path=/api/v1/surveys; Max-Age=31536000; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
  }
  w.respondent.address = req.remote_addr;
  return w;
}

HttpResponse with_cookie(HttpResponse r, const Who& w) {
  if (!w.new_cookie.empty()) r.set_header("Set-Cookie", w.new_cookie);
  return r;
}

}  // namespace

void register_routes(net::Router& router, SurveysService& svc, accounts::AccountsService& accounts, bool secure) {
  router.get("/api/v1/surveys", handler([&svc, &accounts, secure](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(Who w, who_of(req, svc, accounts, secure));
    ListFilter f;
    SL_ASSIGN(f.org_id, opt_id_query(req, "org_id"));
    SL_ASSIGN(f.scope_id, opt_id_query(req, "scope_id"));
    f.scope_type = opt_text_query(req, "scope_type");
    f.state = opt_text_query(req, "state");
    SL_ASSIGN(int64_t before, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit"), 20, 100));
    SL_ASSIGN(auto page, svc.list(w.caller, f, before, limit));
    return routes::json(page);
  }));
  router.post("/api/v1/surveys", handler([&svc, &accounts](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto caller, accounts.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto s, svc.create(caller, body));
    HttpResponse resp = routes::json(s, 201);
    resp.set_header("Location", "/api/v1/surveys/" + std::to_string(s.at("id").as_int64()));
    return resp;
  }));
  router.get("/api/v1/surveys/{id}", handler([&svc, &accounts, secure](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Who w, who_of(req, svc, accounts, secure));
    SL_ASSIGN(auto s, svc.get(w.caller, id, w.respondent));
    return with_cookie(routes::json(s), w);
  }));
  router.patch("/api/v1/surveys/{id}", handler([&svc, &accounts](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, accounts.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto s, svc.update(caller, id, body));
    return routes::json(s);
  }));
  router.post("/api/v1/surveys/{id}/state", handler([&svc, &accounts](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, accounts.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(std::string state, json::req_string(body, "state", 20));
    SL_ASSIGN(auto s, svc.set_state(caller, id, state));
    return routes::json(s);
  }));
  router.post("/api/v1/surveys/{id}/responses", handler([&svc, &accounts, secure](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Who w, who_of(req, svc, accounts, secure));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto r, svc.respond(w.caller, id, body, w.respondent));
    HttpResponse resp = routes::json(r, 201);
    resp.set_header("Cache-Control", "no-store");
    return with_cookie(std::move(resp), w);
  }));
  router.get("/api/v1/surveys/{id}/responses", handler([&svc, &accounts, secure](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Who w, who_of(req, svc, accounts, secure));
    SL_ASSIGN(int64_t after, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit"), 50, 200));
    SL_ASSIGN(auto page, svc.responses(w.caller, id, w.respondent, after, limit));
    return with_cookie(routes::json(page), w);
  }));
  router.get("/api/v1/surveys/{id}/results", handler([&svc, &accounts, secure](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Who w, who_of(req, svc, accounts, secure));
    SL_ASSIGN(auto r, svc.results(w.caller, id, w.respondent));
    return with_cookie(routes::json(r), w);
  }));
  router.get("/api/v1/surveys/{id}/search", handler([&svc, &accounts, secure](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Who w, who_of(req, svc, accounts, secure));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit"), 20, 100));
    SL_ASSIGN(auto r, svc.search(w.caller, id, w.respondent, req.query_param("q").value_or(""), opt_text_query(req, "cursor"), limit));
    return with_cookie(routes::json(r), w);
  }));
  router.get(
      "/api/v1/surveys/{id}/export.xlsx",
      handler([&svc, &accounts](HttpRequest& req) -> Result<HttpResponse> {
        SL_ASSIGN(int64_t id, routes::id_param(req));
        SL_ASSIGN(auto caller, accounts.authenticate(req));
        SL_ASSIGN(std::string bytes, svc.export_xlsx(caller, id));
        HttpResponse resp;
        resp.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        resp.body = std::move(bytes);
        resp.set_header("Content-Disposition", "attachment; filename=\"survey-" + std::to_string(id) + ".xlsx\"");
        resp.set_header("Cache-Control", "private, no-store");
        return resp;
      }),
      /*offload=*/true);
}

}  // namespace sl::surveys
