// HTTP routes of the deliberation module: JSON in, JSON out; rules live in the service.
// Reading routes accept anonymous callers (public deliberations); the service decides.
#include <boost/json.hpp>

#include <charconv>

#include "core/encoding.h"
#include "modules/accounts/route_guards.h"
#include "modules/common/route_util.h"
#include "modules/deliberation/deliberation.h"

namespace sl::deliberation {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;
using accounts::authed;
using accounts::anyone;
using routes::cursor_param;
using routes::opt_id_query;
using routes::opt_text_query;

namespace {

constexpr const char* kVisitorCookie = "sl_visitor";

Result<std::string> reason_of(const HttpRequest& req) {
  SL_ASSIGN(auto body, routes::body_object(req));
  SL_ASSIGN(auto reason, json::opt_string(body, "reason", 500));
  return reason.value_or("");
}

// An empty body is fine for actions without fields.
Result<bj::object> optional_body(const HttpRequest& req) {
  if (req.body.empty()) return bj::object();
  return routes::body_object(req);
}

}  // namespace

void register_routes(net::Router& router, DeliberationService& svc, accounts::AccountsService& accounts) {
  // ---- deliberations ----
  router.get("/api/v1/deliberations", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t before, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit")));
    SL_ASSIGN(auto org_id, opt_id_query(req, "org_id", 0));
    auto manage = opt_text_query(req, "manage");
    if (manage && *manage != "true" && *manage != "false" && *manage != "1" && *manage != "0")
      return Error::Invalid("invalid_manage", "manage 须为 true 或 false");
    bool managed_only = manage && (*manage == "true" || *manage == "1");
    if (managed_only && caller.person_id == 0 && !caller.superadmin) return Error::Unauthenticated();
    SL_ASSIGN(auto page, svc.list(caller, org_id, opt_text_query(req, "state"), before, limit, managed_only));
    return routes::json(page);
  }));
  router.post("/api/v1/deliberations", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto d, svc.create(caller, body));
    HttpResponse resp = routes::json(d, 201);
    resp.set_header("Location", "/api/v1/deliberations/" + std::to_string(d.at("id").as_int64()));
    return resp;
  }));
  router.get("/api/v1/deliberations/{id}", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto d, svc.get(caller, id));
    return routes::json(d);
  }));
  router.patch("/api/v1/deliberations/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto d, svc.update(caller, id, body));
    return routes::json(d);
  }));
  router.post("/api/v1/deliberations/{id}/state", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(std::string state, json::req_string(body, "state", 20));
    SL_ASSIGN(auto d, svc.set_state(caller, id, state));
    return routes::json(d);
  }));
  router.post("/api/v1/deliberations/{id}/phase", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    if (!body.contains("phase_id")) return Error::Invalid("missing_field", "缺少字段 phase_id（可为 null）");
    SL_ASSIGN(auto phase_id, json::opt_int(body, "phase_id"));
    SL_ASSIGN(auto d, svc.set_phase(caller, id, phase_id));
    return routes::json(d);
  }));
  router.post("/api/v1/deliberations/{id}/visits", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    // A person counts as themselves; an anonymous browser by a cookie it keeps for a year
    // (made from the request when absent: only a counter key, never stored raw).
    std::string visitor;
    std::optional<std::string> set_cookie;
    if (caller.person_id) {
      visitor = "p:" + std::to_string(caller.person_id);
    } else {
      auto v = req.cookie(kVisitorCookie);
      if (!v || v->size() != 32 || v->find_first_not_of("0123456789abcdef") != std::string::npos) {
        v = sha256_hex(req.remote_addr + "|" + std::string(req.header("user-agent")) + "|" + req.request_id).substr(0, 32);
        set_cookie = *v;
      }
      visitor = "v:" + *v;
    }
    SL_ASSIGN(auto counts, svc.visit(caller, id, visitor));
    HttpResponse resp = routes::json(counts);
    resp.set_header("Cache-Control", "no-store");
    if (set_cookie)
      resp.set_header("Set-Cookie", std::string(kVisitorCookie) + "=" + *set_cookie +
                                        "; Path=/api/v1/deliberations; Max-Age=31536000; HttpOnly; SameSite=Lax");
    return resp;
  }));
  router.get("/api/v1/deliberations/{id}/events", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto after, opt_id_query(req, "after_seq", 0));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit"), 200, 1000));
    SL_ASSIGN(std::string body, svc.events(caller, id, after.value_or(0), limit));
    HttpResponse resp = HttpResponse::json(200, std::move(body));
    resp.set_header("Cache-Control", "no-store");
    return resp;
  }));
  router.get("/api/v1/deliberations/{id}/posts", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t cursor, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit")));
    SL_ASSIGN(auto subtopic, opt_id_query(req, "subtopic", 0));
    auto order = opt_text_query(req, "order");
    if (order && *order != "asc" && *order != "desc") return Error::Invalid("invalid_order", "order 须为 asc 或 desc");
    SL_ASSIGN(auto page, svc.posts_page(caller, id, subtopic, order && *order == "asc", cursor, limit));
    // The body is shared with the page cache (no copy); its ETag was computed once with it.
    HttpResponse resp;
    resp.shared_body = std::shared_ptr<const std::string>(page, &page->body);
    resp.set_header("ETag", page->etag);
    return resp;
  }));
  router.post("/api/v1/deliberations/{id}/posts", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto post, svc.create_post(caller, id, body));
    HttpResponse resp = routes::json(post, 201);
    resp.set_header("Location", "/api/v1/posts/" + std::to_string(post.at("id").as_int64()));
    return resp;
  }));
  router.get("/api/v1/deliberations/{id}/points", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t after, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit")));
    SL_ASSIGN(auto dept, opt_id_query(req, "department_id", 0));
    SL_ASSIGN(auto page, svc.list_points(caller, id, opt_text_query(req, "state"), dept, after, limit));
    return routes::json(page);
  }));
  router.get("/api/v1/deliberations/{id}/response-stats", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto page, svc.response_stats(caller, id));
    return routes::json(page);
  }));
  router.get("/api/v1/deliberations/{id}/reports", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t after, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit")));
    SL_ASSIGN(auto page, svc.list_reports(caller, id, opt_text_query(req, "state"), after, limit));
    return routes::json(page);
  }));
  router.get("/api/v1/deliberations/{id}/held-posts", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto page, svc.held_posts(caller, id));
    return routes::json(page);
  }));
  router.get("/api/v1/deliberations/{id}/bans", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto page, svc.list_bans(caller, id));
    return routes::json(page);
  }));
  router.post("/api/v1/deliberations/{id}/bans", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto ban, svc.ban(caller, id, body));
    return routes::json(ban, 201);
  }));
  router.del("/api/v1/deliberations/{id}/bans/{person_id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t person_id, routes::id_param(req, "person_id"));
    SL_TRY(svc.unban(caller, id, person_id));
    return HttpResponse::no_content();
  }));
  router.get(
      "/api/v1/deliberations/{id}/export.xlsx",
      authed(accounts,
             [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
               SL_ASSIGN(int64_t id, routes::id_param(req));
               SL_ASSIGN(std::string bytes, svc.export_xlsx(caller, id));
               HttpResponse resp;
               resp.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
               resp.body = std::move(bytes);
               resp.set_header("Content-Disposition", "attachment; filename=\"deliberation-" + std::to_string(id) + ".xlsx\"");
               resp.set_header("Cache-Control", "private, no-store");
               return resp;
             }),
      /*offload=*/true);

  // ---- posts ----
  router.get("/api/v1/posts/{id}", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t after, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit"), 100, 500));
    SL_ASSIGN(auto post, svc.get_post(caller, id, after, limit));
    return routes::json(post);
  }));
  router.patch("/api/v1/posts/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto post, svc.edit_post(caller, id, body));
    return routes::json(post);
  }));
  router.del("/api/v1/posts/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_TRY(svc.delete_post(caller, id));
    return HttpResponse::no_content();
  }));
  router.get("/api/v1/posts/{id}/versions", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto v, svc.post_versions(caller, id));
    return routes::json(v);
  }));
  router.post("/api/v1/posts/{id}/like", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto r, svc.like(caller, id, true));
    return routes::json(r);
  }));
  router.del("/api/v1/posts/{id}/like", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto r, svc.like(caller, id, false));
    return routes::json(r);
  }));
  router.post("/api/v1/posts/{id}/hide", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(std::string reason, reason_of(req));
    SL_ASSIGN(auto post, svc.hide_post(caller, id, reason));
    return routes::json(post);
  }));
  router.post("/api/v1/posts/{id}/restore", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto post, svc.restore_post(caller, id));
    return routes::json(post);
  }));
  router.post("/api/v1/posts/{id}/approve", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto post, svc.approve_post(caller, id));
    return routes::json(post);
  }));
  router.post("/api/v1/posts/{id}/remove", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(std::string reason, reason_of(req));
    SL_ASSIGN(auto post, svc.remove_post(caller, id, reason));
    return routes::json(post);
  }));
  router.post("/api/v1/posts/{id}/reports", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(std::string reason, reason_of(req));
    SL_ASSIGN(auto r, svc.report_post(caller, id, reason));
    return routes::json(r, 201);
  }));
  router.post("/api/v1/posts/{id}/points", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto p, svc.create_point(caller, id, body));
    HttpResponse resp = routes::json(p, 201);
    resp.set_header("Location", "/api/v1/points/" + std::to_string(p.at("id").as_int64()));
    return resp;
  }));
  router.post("/api/v1/reports/{id}/dismiss", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto r, svc.dismiss_report(caller, id));
    return routes::json(r);
  }));

  // ---- points ----
  router.get("/api/v1/points/{id}", anyone(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto p, svc.get_point(caller, id));
    return routes::json(p);
  }));
  router.patch("/api/v1/points/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto p, svc.update_point(caller, id, body));
    return routes::json(p);
  }));
  router.post("/api/v1/points/{id}/assign", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto p, svc.assign_point(caller, id, body));
    return routes::json(p);
  }));
  router.post("/api/v1/points/{id}/claim", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, optional_body(req));
    SL_ASSIGN(auto p, svc.claim_point(caller, id, body));
    return routes::json(p);
  }));
  router.post("/api/v1/points/{id}/answers", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto p, svc.answer_point(caller, id, body));
    return routes::json(p, 201);
  }));
  router.post("/api/v1/points/{id}/accept", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto p, svc.accept_point(caller, id));
    return routes::json(p);
  }));
  router.post("/api/v1/points/{id}/ask-again", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto p, svc.ask_again(caller, id, body));
    return routes::json(p);
  }));

  // ---- mine ----
  router.get("/api/v1/me/contributions", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t before, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit")));
    SL_ASSIGN(auto page, svc.my_contributions(caller, before, limit));
    return routes::json(page);
  }));
  router.get("/api/v1/me/points", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t after, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit")));
    SL_ASSIGN(auto page, svc.my_points(caller, opt_text_query(req, "state").value_or("todo"), after, limit));
    return routes::json(page);
  }));
}

}  // namespace sl::deliberation
