// HTTP routes of the meetings module: JSON in, JSON out; rules live in the service. Reading a
// public meeting (and its calendar, picked comments, events) works signed out.
#include <boost/json.hpp>

#include "modules/common/route_util.h"
#include "modules/meetings/meetings.h"

namespace sl::meetings {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;

namespace {

// The caller, or an anonymous one when the request has no session (an expired one is 401).
Result<Caller> caller_or_anyone(HttpRequest& req, accounts::AccountsService& accounts) {
  if (auto t = accounts::AccountsService::token_of(req); t && !t->empty()) return accounts.authenticate(req);
  return Caller{};
}

Result<std::optional<TimeMs>> time_query(const HttpRequest& req, std::string_view name) {
  auto v = routes::opt_text_query(req, name);
  if (!v) return std::optional<TimeMs>();
  auto t = parse_iso8601(*v);
  if (!t) return Error::Invalid("invalid_" + std::string(name), std::string(name) + " 须为 ISO-8601 时间");
  return std::optional<TimeMs>(*t);
}

Result<int64_t> after_query(const HttpRequest& req, std::string_view name) {
  SL_ASSIGN(auto v, routes::opt_id_query(req, name, 0));
  return v.value_or(0);
}

HttpResponse no_content() {
  HttpResponse r;
  r.status = 204;
  return r;
}

}  // namespace

void register_routes(net::Router& router, MeetingsService& svc, accounts::AccountsService& accounts) {
  auto& a = accounts;
  router.get("/api/v1/meetings", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(Caller caller, caller_or_anyone(req, a));
    ListFilter f;
    SL_ASSIGN(f.org_id, routes::opt_id_query(req, "org_id"));
    SL_ASSIGN(f.from, time_query(req, "from"));
    SL_ASSIGN(f.to, time_query(req, "to"));
    f.state = routes::opt_text_query(req, "state");
    auto mine = routes::opt_text_query(req, "mine");
    f.mine = mine && (*mine == "1" || *mine == "true");
    SL_ASSIGN(int64_t before, routes::cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit"), 50, 200));
    SL_ASSIGN(auto page, svc.list(caller, f, before, limit));
    return routes::json(page);
  }));
  router.post("/api/v1/meetings", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto m, svc.create(caller, body));
    HttpResponse resp = routes::json(m, 201);
    resp.set_header("Location", "/api/v1/meetings/" + std::to_string(m.at("id").as_int64()));
    return resp;
  }));
  router.get("/api/v1/meetings/{id}", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Caller caller, caller_or_anyone(req, a));
    SL_ASSIGN(auto m, svc.get(caller, id));
    return routes::json(m);
  }));
  router.patch("/api/v1/meetings/{id}", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto m, svc.update(caller, id, body));
    return routes::json(m);
  }));
  router.post("/api/v1/meetings/{id}/state", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(std::string state, json::req_string(body, "state", 20));
    SL_ASSIGN(auto reason, json::opt_string(body, "reason", 1000));
    SL_ASSIGN(auto m, svc.set_state(caller, id, state, reason.value_or("")));
    return routes::json(m);
  }));
  router.post("/api/v1/meetings/{id}/current-item", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(int64_t item, json::req_int(body, "agenda_item_id"));
    SL_ASSIGN(auto m, svc.set_current_item(caller, id, item));
    return routes::json(m);
  }));
  router.get("/api/v1/meetings/{id}/invitees", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto r, svc.invitees(caller, id));
    return routes::json(r);
  }));
  router.post("/api/v1/meetings/{id}/reply", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto r, svc.reply(caller, id, body));
    return routes::json(r);
  }));
  router.get("/api/v1/meetings/{id}/calendar.ics", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Caller caller, caller_or_anyone(req, a));
    SL_ASSIGN(std::string text, svc.calendar_ics(caller, id));
    HttpResponse resp;
    resp.content_type = "text/calendar; charset=utf-8";
    resp.body = std::move(text);
    resp.set_header("Content-Disposition", "attachment; filename=\"meeting-" + std::to_string(id) + ".ics\"");
    resp.set_header("Cache-Control", "private, no-store");
    return resp;
  }));
  router.get("/api/v1/meetings/{id}/venues/{venue_id}/checkin-code", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t venue, routes::id_param(req, "venue_id"));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto r, svc.checkin_code(caller, id, venue));
    HttpResponse resp = routes::json(r);
    resp.set_header("Cache-Control", "private, no-store");
    return resp;
  }));
  router.post("/api/v1/meetings/{id}/checkin", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(std::string token, json::req_string(body, "token", 300));
    SL_ASSIGN(auto r, svc.checkin(caller, id, token));
    return routes::json(r);
  }));
  router.post("/api/v1/meetings/{id}/join", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto r, svc.join(caller, id));
    return routes::json(r);
  }));
  router.post("/api/v1/meetings/{id}/attendance/{person_id}", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t person, routes::id_param(req, "person_id"));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto r, svc.set_attendance(caller, id, person, body));
    return routes::json(r);
  }));
  router.get("/api/v1/meetings/{id}/attendance", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Caller caller, caller_or_anyone(req, a));
    SL_ASSIGN(auto r, svc.attendance(caller, id));
    return routes::json(r);
  }));
  router.get("/api/v1/people/{id}/meeting-attendance", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto r, svc.person_attendance(caller, id));
    return routes::json(r);
  }));
  router.get("/api/v1/meetings/{id}/queue", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto r, svc.queue(caller, id));
    return routes::json(r);
  }));
  router.post("/api/v1/meetings/{id}/queue", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto r, svc.request_floor(caller, id, body));
    return routes::json(r, 201);
  }));
  router.del("/api/v1/meetings/{id}/queue/{rid}", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t rid, routes::id_param(req, "rid"));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_TRY(svc.withdraw(caller, id, rid));
    return no_content();
  }));
  router.post("/api/v1/meetings/{id}/queue/{rid}/floor", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t rid, routes::id_param(req, "rid"));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto secs, json::opt_int(body, "seconds"));
    SL_ASSIGN(auto r, svc.give_floor(caller, id, rid, secs.value_or(180)));
    return routes::json(r);
  }));
  router.post("/api/v1/meetings/{id}/floor/end", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_TRY(svc.end_floor(caller, id));
    return no_content();
  }));
  router.get("/api/v1/meetings/{id}/interventions", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Caller caller, caller_or_anyone(req, a));
    SL_ASSIGN(int64_t after, after_query(req, "after"));
    SL_ASSIGN(auto r, svc.interventions(caller, id, after));
    return routes::json(r);
  }));
  router.post("/api/v1/meetings/{id}/interventions", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto r, svc.add_intervention(caller, id, body));
    return routes::json(r, 201);
  }));
  router.get("/api/v1/meetings/{id}/comments", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Caller caller, caller_or_anyone(req, a));
    SL_ASSIGN(int64_t after, after_query(req, "after"));
    SL_ASSIGN(auto r, svc.comments(caller, id, after, routes::opt_text_query(req, "state")));
    return routes::json(r);
  }));
  router.post("/api/v1/meetings/{id}/comments", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto r, svc.add_comment(caller, id, body, req.remote_addr));
    return routes::json(r, 201);
  }));
  router.post("/api/v1/meetings/{id}/comments/{cid}/moderate", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t cid, routes::id_param(req, "cid"));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(std::string action, json::req_string(body, "action", 20));
    SL_ASSIGN(auto r, svc.moderate(caller, id, cid, action));
    return routes::json(r);
  }));
  router.post("/api/v1/meetings/{id}/comments/{cid}/pick", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t cid, routes::id_param(req, "cid"));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto r, svc.pick(caller, id, cid, true));
    return routes::json(r);
  }));
  router.del("/api/v1/meetings/{id}/comments/{cid}/pick", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t cid, routes::id_param(req, "cid"));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto r, svc.pick(caller, id, cid, false));
    return routes::json(r);
  }));
  router.get("/api/v1/meetings/{id}/picked", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Caller caller, caller_or_anyone(req, a));
    SL_ASSIGN(auto r, svc.picked(caller, id));
    return routes::json(r);
  }));
  router.get("/api/v1/meetings/{id}/minutes", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Caller caller, caller_or_anyone(req, a));
    SL_ASSIGN(auto r, svc.minutes(caller, id));
    return routes::json(r);
  }));
  router.put("/api/v1/meetings/{id}/minutes", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto r, svc.put_minutes(caller, id, body));
    return routes::json(r);
  }));
  router.post("/api/v1/meetings/{id}/outcomes", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, a.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto r, svc.add_outcome(caller, id, body));
    return routes::json(r, 201);
  }));
  router.del("/api/v1/meetings/{id}/outcomes/{type}/{oid}", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t oid, routes::id_param(req, "oid"));
    SL_ASSIGN(auto caller, a.authenticate(req));
    std::string type(req.path_param("type"));
    if (type != "case" && type != "topic" && type != "deliberation")
      return Error::Invalid("invalid_type", "type 须为 case、topic 或 deliberation");
    SL_TRY(svc.remove_outcome(caller, id, type, oid));
    return no_content();
  }));
  router.get("/api/v1/meetings/{id}/record", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Caller caller, caller_or_anyone(req, a));
    SL_ASSIGN(auto r, svc.record(caller, id));
    return routes::json(r);
  }));
  router.get("/api/v1/meetings/{id}/events", handler([&svc, &a](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(Caller caller, caller_or_anyone(req, a));
    SL_ASSIGN(int64_t after, after_query(req, "after_seq"));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit"), 500, 1000));
    SL_ASSIGN(auto r, svc.events(caller, id, after, limit));
    return routes::json(r);
  }));
}

}  // namespace sl::meetings
