// HTTP routes of the accounts module: JSON in, JSON out; rules live in the service.
#include <boost/json.hpp>

#include "modules/accounts/accounts.h"
#include "modules/common/route_util.h"

namespace sl::accounts {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;
namespace bj = boost::json;

namespace {

std::string cookie_for(const Session& s, bool secure, int64_t max_age_seconds) {
  return std::string(kSessionCookie) + "=" + s.token + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
         std::to_string(max_age_seconds) + (secure ? "; Secure" : "");
}

std::string clear_cookie(bool secure) {
  return std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" + (secure ? "; Secure" : "");
}

// The session reply shared by login and registration: a cookie for browsers, or the token
// in the body for API clients that asked for a bearer token.
Result<HttpResponse> session_reply(AccountsService& svc, const Session& s, bool bearer, bool secure, int status) {
  SL_ASSIGN(auto me, svc.me(s.person_id));
  bj::object o;
  o["person"] = std::move(me);
  if (bearer) {
    o["token"] = s.token;
    o["token_type"] = "Bearer";
  }
  o["expires_at"] = format_iso8601(s.expires_at);
  HttpResponse r = routes::json(o, status);
  if (!bearer) r.set_header("Set-Cookie", cookie_for(s, secure, int64_t{svc.config().session_ttl_hours} * 3600));
  r.set_header("Cache-Control", "no-store");
  return r;
}

}  // namespace

void register_routes(net::Router& router, AccountsService& svc, bool secure) {
  router.post("/api/v1/auth/login", handler([&svc, secure](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto login, json::req_string(body, "login", 64));
    SL_ASSIGN(auto password, json::req_string(body, "password", 128));
    SL_ASSIGN(auto bearer, json::opt_bool(body, "bearer"));
    SL_ASSIGN(auto session, svc.login(login, password, req.remote_addr));
    return session_reply(svc, session, bearer.value_or(false), secure, 200);
  }));

  router.post("/api/v1/auth/logout", handler([&svc, secure](HttpRequest& req) -> Result<HttpResponse> {
    if (auto token = AccountsService::token_of(req)) SL_TRY(svc.logout(*token));
    HttpResponse r = HttpResponse::no_content();
    r.set_header("Set-Cookie", clear_cookie(secure));
    return r;
  }));

  router.post("/api/v1/auth/sms-codes", handler([&svc](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto mobile, json::req_string(body, "mobile", 20));
    SL_ASSIGN(auto purpose, json::req_string(body, "purpose", 20));
    SL_ASSIGN(int retry_after, svc.send_sms_code(mobile, purpose, req.remote_addr));
    return routes::json(bj::object{{"retry_after_seconds", retry_after}}, 202);
  }));

  router.post("/api/v1/auth/register", handler([&svc, secure](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto mobile, json::req_string(body, "mobile", 20));
    SL_ASSIGN(auto code, json::req_string(body, "code", 12));
    SL_ASSIGN(auto password, json::req_string(body, "password", 128));
    SL_ASSIGN(auto name, json::req_string(body, "display_name", 64));
    SL_ASSIGN(auto session, svc.register_public(mobile, code, password, name));
    return session_reply(svc, session, false, secure, 201);
  }));

  router.post("/api/v1/auth/password-reset", handler([&svc](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto mobile, json::req_string(body, "mobile", 20));
    SL_ASSIGN(auto code, json::req_string(body, "code", 12));
    SL_ASSIGN(auto password, json::req_string(body, "new_password", 128));
    SL_TRY(svc.reset_password(mobile, code, password));
    return HttpResponse::no_content();
  }));

  router.get("/api/v1/me", handler([&svc](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto caller, svc.authenticate(req));
    SL_ASSIGN(auto me, svc.me(caller.person_id));
    HttpResponse r = routes::json(me);
    r.set_header("Cache-Control", "private, no-cache");
    return r;
  }));

  router.patch("/api/v1/me", handler([&svc](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto caller, svc.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_TRY(svc.update_me(caller, body));
    SL_ASSIGN(auto me, svc.me(caller.person_id));
    return routes::json(me);
  }));

  router.post("/api/v1/me/password", handler([&svc](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto caller, svc.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto old_pw, json::req_string(body, "old_password", 128));
    SL_ASSIGN(auto new_pw, json::req_string(body, "new_password", 128));
    SL_TRY(svc.change_password(caller, old_pw, new_pw));
    return HttpResponse::no_content();
  }));

  // Right to deletion, self-service: the password confirms it; the session ends with it.
  router.post("/api/v1/me/erase", handler([&svc, secure](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto caller, svc.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto password, json::req_string(body, "password", 128));
    SL_ASSIGN(auto erased, svc.erase_me(caller, password));
    HttpResponse r = routes::json(bj::object{{"erased", ledger::erasure_json(erased)}});
    r.set_header("Set-Cookie", clear_cookie(secure));
    r.set_header("Cache-Control", "no-store");
    return r;
  }));
}

}  // namespace sl::accounts
