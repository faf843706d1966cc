// HTTP routes of the accounts module: JSON in, JSON out; rules live in the service.
#include <boost/json.hpp>

#include "modules/accounts/accounts.h"
#include "modules/common/route_util.h"

namespace sl::accounts {

using net::HttpRequest;
using net::HttpResponse;
namespace bj = boost::json;

namespace {

std::string cookie_for(const Session& s, bool secure, int64_t max_age_seconds) {
  return std::string(kSessionCookie) + "=" + s.token + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
         std::to_string(max_age_seconds) + (secure ? "; Secure" : "");
}

std::string clear_cookie(bool secure) {
  return std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" + (secure ? "; Secure" : "");
}

// The session reply shared by login and registration.
HttpResponse session_reply(AccountsService& svc, const HttpRequest& req, const Session& s, bool bearer, bool secure,
                           int status) {
  auto me = svc.me(s.person_id);
  if (!me.ok()) return routes::problem(me.error(), req);
  bj::object o;
  o["person"] = std::move(*me);
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
  router.post("/api/v1/auth/login", [&svc, secure](HttpRequest& req) {
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    auto login = json::req_string(*body, "login", 64);
    if (!login.ok()) return routes::problem(login.error(), req);
    auto password = json::req_string(*body, "password", 128);
    if (!password.ok()) return routes::problem(password.error(), req);
    auto bearer = json::opt_bool(*body, "bearer");
    if (!bearer.ok()) return routes::problem(bearer.error(), req);
    auto s = svc.login(*login, *password, req.remote_addr);
    if (!s.ok()) return routes::problem(s.error(), req);
    return session_reply(svc, req, *s, bearer->value_or(false), secure, 200);
  });

  router.post("/api/v1/auth/logout", [&svc, secure](HttpRequest& req) {
    auto token = AccountsService::token_of(req);
    if (token) {
      Status s = svc.logout(*token);
      if (!s.ok()) return routes::problem(s.error(), req);
    }
    HttpResponse r = HttpResponse::no_content();
    r.set_header("Set-Cookie", clear_cookie(secure));
    return r;
  });

  router.post("/api/v1/auth/sms-codes", [&svc](HttpRequest& req) {
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    auto mobile = json::req_string(*body, "mobile", 20);
    if (!mobile.ok()) return routes::problem(mobile.error(), req);
    auto purpose = json::req_string(*body, "purpose", 20);
    if (!purpose.ok()) return routes::problem(purpose.error(), req);
    auto r = svc.send_sms_code(*mobile, *purpose, req.remote_addr);
    if (!r.ok()) return routes::problem(r.error(), req);
    return routes::json(bj::object{{"retry_after_seconds", *r}}, 202);
  });

  router.post("/api/v1/auth/register", [&svc, secure](HttpRequest& req) {
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    auto mobile = json::req_string(*body, "mobile", 20);
    if (!mobile.ok()) return routes::problem(mobile.error(), req);
    auto code = json::req_string(*body, "code", 12);
    if (!code.ok()) return routes::problem(code.error(), req);
    auto password = json::req_string(*body, "password", 128);
    if (!password.ok()) return routes::problem(password.error(), req);
    auto name = json::req_string(*body, "display_name", 64);
    if (!name.ok()) return routes::problem(name.error(), req);
    auto s = svc.register_public(*mobile, *code, *password, *name);
    if (!s.ok()) return routes::problem(s.error(), req);
    return session_reply(svc, req, *s, false, secure, 201);
  });

  router.post("/api/v1/auth/password-reset", [&svc](HttpRequest& req) {
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    auto mobile = json::req_string(*body, "mobile", 20);
    if (!mobile.ok()) return routes::problem(mobile.error(), req);
    auto code = json::req_string(*body, "code", 12);
    if (!code.ok()) return routes::problem(code.error(), req);
    auto password = json::req_string(*body, "new_password", 128);
    if (!password.ok()) return routes::problem(password.error(), req);
    return routes::reply_status(req, svc.reset_password(*mobile, *code, *password));
  });

  router.get("/api/v1/me", [&svc](HttpRequest& req) {
    auto caller = svc.authenticate(req);
    if (!caller.ok()) return routes::problem(caller.error(), req);
    HttpResponse r = routes::reply(req, svc.me(caller->person_id));
    r.set_header("Cache-Control", "private, no-cache");
    return r;
  });

  router.patch("/api/v1/me", [&svc](HttpRequest& req) {
    auto caller = svc.authenticate(req);
    if (!caller.ok()) return routes::problem(caller.error(), req);
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    Status s = svc.update_me(*caller, *body);
    if (!s.ok()) return routes::problem(s.error(), req);
    return routes::reply(req, svc.me(caller->person_id));
  });

  router.post("/api/v1/me/password", [&svc](HttpRequest& req) {
    auto caller = svc.authenticate(req);
    if (!caller.ok()) return routes::problem(caller.error(), req);
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    auto old_pw = json::req_string(*body, "old_password", 128);
    if (!old_pw.ok()) return routes::problem(old_pw.error(), req);
    auto new_pw = json::req_string(*body, "new_password", 128);
    if (!new_pw.ok()) return routes::problem(new_pw.error(), req);
    return routes::reply_status(req, svc.change_password(*caller, *old_pw, *new_pw));
  });
}

}  // namespace sl::accounts
