// HTTP routes of the topics module: JSON in, JSON out; rules live in the service.
// Reading routes accept anonymous callers (public calls); the service decides.
#include <boost/json.hpp>

#include <charconv>
#include <cstdlib>

#include "modules/accounts/route_guards.h"
#include "modules/common/route_util.h"
#include "modules/topics/topics.h"

namespace sl::topics {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;
using accounts::authed;
using accounts::anyone;
using routes::cursor_param;
using routes::opt_id_query;
using routes::opt_text_query;

namespace {

Result<std::optional<TimeMs>> opt_time_query(const HttpRequest& req, std::string_view name) {
  auto v = opt_text_query(req, name);
  if (!v) return std::optional<TimeMs>();
  auto t = parse_iso8601(*v);
  if (!t) return Error::Invalid("invalid_time", std::string(name) + " 须为 ISO-8601 时间");
  return std::optional<TimeMs>(*t);
}

Result<bj::object> optional_body(const HttpRequest& req) {
  if (req.body.empty()) return bj::object();
  return routes::body_object(req);
}

HttpResponse no_store(HttpResponse r) {
  r.set_header("Cache-Control", "no-store");
  return r;
}

}  // namespace

void register_routes(net::Router& router, TopicsService& svc, accounts::AccountsService& accounts) {
  // ---- calls ----
  router.get("/api/v1/topic-calls", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t after, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit")));
    SL_ASSIGN(auto org_id, opt_id_query(req, "org_id"));
    auto open = opt_text_query(req, "open");
    SL_ASSIGN(auto page, svc.list_calls(caller, org_id, open && (*open == "1" || *open == "true"), after, limit));
    return no_store(routes::json(page));
  }), true);
  router.post("/api/v1/topic-calls", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto k, svc.create_call(caller, body));
    HttpResponse resp = routes::json(k, 201);
    resp.set_header("Location", "/api/v1/topic-calls/" + std::to_string(k.at("id").as_int64()));
    return resp;
  }));
  router.get("/api/v1/topic-calls/{id}", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto k, svc.get_call(caller, id));
    return no_store(routes::json(k));
  }));
  router.patch("/api/v1/topic-calls/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto k, svc.update_call(caller, id, body));
    return routes::json(k);
  }));

  // ---- topics ----
  router.get("/api/v1/topics", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t after, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit"), 20, 100));
    TopicFilter f;
    SL_ASSIGN(f.call_id, opt_id_query(req, "call_id"));
    SL_ASSIGN(f.org_id, opt_id_query(req, "org_id"));
    f.state = opt_text_query(req, "state");
    f.category = opt_text_query(req, "category");
    f.area = opt_text_query(req, "area");
    f.q = opt_text_query(req, "q");
    auto mine = opt_text_query(req, "mine");
    f.mine = mine && (*mine == "1" || *mine == "true");
    SL_ASSIGN(auto page, svc.list(caller, f, after, limit));
    return no_store(routes::json(page));
  }), true);
  router.post("/api/v1/topics", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto t, svc.submit(caller, body));
    HttpResponse resp = routes::json(t, 201);
    resp.set_header("Location", "/api/v1/topics/" + std::to_string(t.at("id").as_int64()));
    return resp;
  }));
  // Similar topics to a draft (while typing): a read, posted because drafts are long.
  router.post("/api/v1/topics/similar", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto out, svc.similar_to_draft(caller, body));
    return no_store(routes::json(out));
  }));
  router.get("/api/v1/topics/{id}", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto t, svc.get(caller, id));
    return no_store(routes::json(t));
  }));
  router.patch("/api/v1/topics/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto t, svc.edit(caller, id, body));
    return routes::json(t);
  }));
  router.get("/api/v1/topics/{id}/similar", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto out, svc.similar_to(caller, id));
    return no_store(routes::json(out));
  }), true);
  router.post("/api/v1/topics/{id}/support", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto out, svc.support(caller, id, true));
    return routes::json(out);
  }));
  router.del("/api/v1/topics/{id}/support", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto out, svc.support(caller, id, false));
    return routes::json(out);
  }));
  router.post("/api/v1/topics/{id}/screen", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto t, svc.screen(caller, id, body));
    return routes::json(t);
  }));
  router.post("/api/v1/topics/{id}/merge", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto t, svc.merge(caller, id, body));
    return routes::json(t);
  }));
  router.post("/api/v1/topics/{id}/deliberation", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, optional_body(req));
    SL_ASSIGN(auto out, svc.to_deliberation(caller, id, body));
    HttpResponse resp = routes::json(out, 201);
    resp.set_header("Location", "/api/v1/deliberations/" + std::to_string(out.at("deliberation").as_object().at("id").as_int64()));
    return resp;
  }));

  // ---- hot spots ----
  router.get("/api/v1/topic-hotspots", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    HotspotQuery q;
    SL_ASSIGN(auto org_id, opt_id_query(req, "org_id"));
    if (!org_id) return Error::Invalid("missing_field", "缺少参数 org_id");
    q.org_id = *org_id;
    SL_ASSIGN(q.from, opt_time_query(req, "from"));
    SL_ASSIGN(q.to, opt_time_query(req, "to"));
    q.area = opt_text_query(req, "area");
    if (auto h = opt_text_query(req, "half_life_days")) {
      char* end = nullptr;
      q.half_life_days = std::strtod(h->c_str(), &end);
      if (end != h->c_str() + h->size()) return Error::Invalid("invalid_half_life", "half_life_days 须为数字");
    }
    SL_ASSIGN(q.limit, json::parse_limit(req.query_param("limit"), 20, 100));
    SL_ASSIGN(auto out, svc.hotspots(caller, q));
    return no_store(routes::json(out));
  }), true);
}

}  // namespace sl::topics
